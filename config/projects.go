package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Several projects in one process (--config DIR, or several --config):
// every config file in a directory is one project, named by the file's
// name without its extension, with its own time zone, language, hashtags,
// feeds, events, announcements and targets. The projects share one state,
// one state key and one HTTP server; Share decides those.

// projectExts are the files of a directory that are projects: what Load
// reads.
var projectExts = map[string]bool{".yaml": true, ".yml": true, ".toml": true, ".json": true}

var projectNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// ValidProjectName reports whether name can name a project: 1 to 64
// lower-case letters, digits, - and _, starting with a letter or a digit.
// It appears in the state's names ("lumo/x"), metric labels and URLs.
func ValidProjectName(name string) bool { return projectNameRe.MatchString(name) }

// Project is one project of a directory: its config, or why its file was
// refused.
type Project struct {
	Name   string  // the file's name without its extension
	File   string  // the file read
	Config *Config // nil when Err is set
	// Err is why the file was refused, a *Error placed at its file and
	// line (IsConfigError); the other projects are not affected by it.
	Err error
}

// SingleFile reports whether paths name one config file and no directory:
// lumobot as it was before projects, whose one project keeps its state's
// names as they are (not namespaced).
func SingleFile(paths []string) bool {
	if len(paths) != 1 {
		return false
	}
	fi, err := os.Stat(paths[0])
	return err != nil || !fi.IsDir() // a missing file is Load's to report
}

// ProjectFiles lists the project files paths name, in order: a directory
// gives each of its *.yaml, *.yml, *.toml and *.json files (by name; not
// hidden ones, nor subdirectories: a Kubernetes ConfigMap's ..data is
// skipped, its symlinked files are read), a file is itself. A path that
// does not exist, or a directory without a project file, is an error: the
// whole set is wrong, not one project.
func ProjectFiles(paths []string) ([]string, error) {
	if len(paths) == 0 {
		return nil, errors.New("no config given (--config FILE or DIR)")
	}
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("config %s: %w", p, errors.Unwrap(err))
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, fmt.Errorf("config directory %s: %w", p, errors.Unwrap(err))
		}
		n := 0
		for _, e := range entries {
			name := e.Name()
			if strings.HasPrefix(name, ".") || !projectExts[strings.ToLower(filepath.Ext(name))] {
				continue
			}
			full := filepath.Join(p, name)
			if fi, err := os.Stat(full); err != nil || !fi.Mode().IsRegular() {
				continue // a subdirectory, or a dangling link mid-update
			}
			files = append(files, full)
			n++
		}
		if n == 0 {
			return nil, fmt.Errorf("config directory %s has no project file (*.yaml, *.yml, *.toml or *.json; one a project)", p)
		}
	}
	return files, nil
}

// ProjectNameOf is the project a file names: its base name without the
// extension.
func ProjectNameOf(file string) string {
	base := filepath.Base(file)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

// LoadProjects loads every project that paths name (see ProjectFiles),
// each on its own with Load (opts.File is ignored): a broken file, a file
// whose name cannot name a project, or two files naming one project give
// that project an Err and leave the others loaded. The error is for what
// stops every project: a path that cannot be read. Projects come sorted
// by name. Share decides what they share.
func LoadProjects(paths []string, opts Options) ([]Project, error) {
	files, err := ProjectFiles(paths)
	if err != nil {
		return nil, err
	}
	byName := map[string][]string{}
	var names []string
	for _, f := range files {
		n := ProjectNameOf(f)
		if byName[n] == nil {
			names = append(names, n)
		}
		byName[n] = append(byName[n], f)
	}
	sort.Strings(names)
	out := make([]Project, 0, len(names))
	for _, name := range names {
		fs := byName[name]
		p := Project{Name: name, File: fs[0]}
		switch {
		case len(fs) > 1:
			p.Err = NewError(fs[0], []Problem{{Pos: Pos{File: fs[0]}, Message: fmt.Sprintf(
				"%s also names project %s: a project is one file; remove or rename one of them", strings.Join(fs[1:], " and "), name)}})
		case !ValidProjectName(name):
			msg := fmt.Sprintf("%q cannot name a project: the file's name is the project's, in lower-case letters, digits, - and _", name)
			if fix := suggestProjectName(name); fix != "" {
				msg += fmt.Sprintf(" (rename it %s%s)", fix, filepath.Ext(fs[0]))
			}
			p.Err = NewError(fs[0], []Problem{{Pos: Pos{File: fs[0]}, Message: msg}})
		default:
			o := opts
			o.File = fs[0]
			p.Config, p.Err = Load(o)
		}
		out = append(out, p)
	}
	return out, nil
}

// suggestProjectName is a valid name close to name ("Lumo Hanke" →
// "lumo-hanke"), or "" when there is none.
func suggestProjectName(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(b.String(), "-")
	if len(s) > 64 {
		s = strings.TrimRight(s[:64], "-")
	}
	if !ValidProjectName(s) {
		return ""
	}
	return s
}

// Shared is what every project of a process shares: one state, the key
// that seals it, and the one HTTP server's address.
type Shared struct {
	State    string
	StateKey []byte // nil: none
	Listen   string
}

// shared are the settings Shared holds, each with the keys that write it.
var shared = []struct {
	keys  []string
	what  string
	value func(c *Config) string
	show  bool // the value may be printed (not a secret)
	fix   string
}{
	{[]string{"state"}, "state", func(c *Config) string { return c.State }, true,
		"every project shares one state: write it alike in each file that names it, or once with --state or LUMOBOT_STATE"},
	{[]string{"state_key", "state_key_file"}, "state key", func(c *Config) string { return string(c.StateKey) }, false,
		"the shared state has one key: write it alike in each file that names it, or once with LUMOBOT_STATE_KEY_FILE"},
	{[]string{"http.listen"}, "http.listen", func(c *Config) string { return c.HTTP.Listen }, true,
		"the projects share one HTTP server: write it alike in each file that names it, or once with LUMOBOT_HTTP_LISTEN"},
}

// sets reports whether the file (or a LUMOBOT_* variable, or a flag)
// gave one of keys, rather than a default.
func (c *Config) sets(keys ...string) bool {
	for _, k := range keys {
		if c.idx != nil {
			if _, ok := c.idx.pos[k]; ok {
				return true
			}
		}
		if c.envSet(envName(k)) || k == "state" && c.stateFlag {
			return true
		}
	}
	return false
}

// writtenKey is the first of keys the file gives, for placing a problem.
func (c *Config) writtenKey(keys []string) string {
	for _, k := range keys {
		if c.idx != nil {
			if _, ok := c.idx.pos[k]; ok {
				return k
			}
		}
	}
	return keys[0]
}

// Share decides what the loaded projects (those without Err) share, and
// sets it in every one's Config, so that each says what runs. For each of
// state, the state key and http.listen: the files that write it (or the
// flag or LUMOBOT_* variable that gives it) must agree, and the others
// take it; when none writes it, the defaults must agree (projects of one
// directory do: a relative default is read against its directory). A
// disagreement is a *Error naming every file and line involved: it stops
// every project, since which of them is right cannot be told.
func Share(ps []Project) (Shared, error) {
	var valid []*Config
	for _, p := range ps {
		if p.Err == nil && p.Config != nil {
			valid = append(valid, p.Config)
		}
	}
	if len(valid) == 0 {
		return Shared{}, errors.New("no project could be loaded")
	}
	values := make([]string, len(shared))
	var problems []Problem
	for i, s := range shared {
		var from []*Config
		for _, c := range valid {
			if c.sets(s.keys...) {
				from = append(from, c)
			}
		}
		defaulted := len(from) == 0
		if defaulted {
			from = valid
		}
		first := from[0]
		values[i] = s.value(first)
		for _, c := range from[1:] {
			if s.value(c) == values[i] {
				continue
			}
			for _, d := range from {
				key := d.writtenKey(s.keys)
				var msg string
				switch {
				case defaulted:
					msg = fmt.Sprintf("no project file writes %s, and their defaults differ (%s here): write it in one of them, or give it with a flag or LUMOBOT_* variable", s.what, d.showValue(s.show, s.value(d)))
				default:
					var others []string
					for _, o := range from {
						if o != d && s.value(o) != s.value(d) {
							pos, _ := o.Pos(o.writtenKey(s.keys))
							if s.show {
								others = append(others, fmt.Sprintf("%q at %s", s.value(o), pos))
							} else {
								others = append(others, "another at "+pos.String())
							}
						}
					}
					here := "one key here"
					if s.show {
						here = fmt.Sprintf("%q here", s.value(d))
					}
					msg = fmt.Sprintf("%s, but %s; %s", here, strings.Join(others, ", "), s.fix)
				}
				problems = append(problems, d.Problem(key, "%s", msg))
			}
			break
		}
	}
	if len(problems) > 0 {
		return Shared{}, NewError(filepath.Dir(problems[0].File), problems)
	}
	out := Shared{State: values[0], Listen: values[2]}
	if values[1] != "" {
		out.StateKey = []byte(values[1])
	}
	for _, c := range valid {
		out.apply(c)
	}
	return out, nil
}

func (c *Config) showValue(show bool, v string) string {
	if show {
		return fmt.Sprintf("%q", v)
	}
	return "this one"
}

// apply sets the shared settings in c.
func (s Shared) apply(c *Config) {
	c.State, c.HTTP.Listen, c.StateKey = s.State, s.Listen, bytes.Clone(s.StateKey)
}

// Admit checks a project loaded anew (a reload) against what the running
// projects share: a file that now writes another state, state key or
// http.listen is refused, since those change only with a restart; a file
// that writes none of them takes the running ones. nil: c may run, with
// the shared settings set in it.
func (s Shared) Admit(c *Config) error {
	var problems []Problem
	for i, sh := range shared {
		if !c.sets(sh.keys...) {
			continue
		}
		running := []string{s.State, string(s.StateKey), s.Listen}[i]
		if v := sh.value(c); v != running {
			msg := fmt.Sprintf("changed to %s, but the running projects share %s: a new %s needs a restart", c.showValue(sh.show, v), c.showValue(sh.show, running), sh.what)
			if !sh.show {
				msg = fmt.Sprintf("not the key the running state is sealed with: a new %s needs a restart", sh.what)
			}
			problems = append(problems, c.Problem(c.writtenKey(sh.keys), "%s", msg))
		}
	}
	if len(problems) > 0 {
		return NewError(c.File, problems)
	}
	s.apply(c)
	return nil
}

// Fingerprint identifies what c was loaded from: the file's bytes and
// every secret as read (a rotated token file changes it, though the config
// file did not). Two loads of a project with one fingerprint run alike, so
// a reload can leave it running as it is. What the projects share (Share)
// is not part of it: it cannot change without a restart.
func (c *Config) Fingerprint() string {
	h := sha256.New()
	h.Write(c.digest[:])
	secrets := append(c.targetSecrets(), c.stateKeyText)
	sort.Strings(secrets) // headers come from a map
	for _, s := range secrets {
		fmt.Fprintf(h, "%d:%s", len(s), s)
	}
	return hex.EncodeToString(h.Sum(nil))
}
