package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/server"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/internal/redact"
)

// Several projects in one process (--config DIR, or several --config):
// the glue the daemon runs them with. Each project is loaded and compiled
// on its own; a reload re-reads every file and acts project by project:
// an unchanged project keeps running untouched, a changed or new one is
// started, a removed one is stopped, and one whose file is now broken (or
// whose start fails) is logged and keeps the version it runs. With one
// config file (not a directory) there is one project, as before: unnamed
// in the state, "default" in the metrics.

// projectVersion is one project's config as it was loaded and compiled.
type projectVersion struct {
	name string
	cfg  *config.Config
	core bot.Config
	// print tells two loads of the project apart (config.Fingerprint):
	// equal, the running version is left as it is.
	print string
}

// projectState is one project's place in the set.
type projectState struct {
	running  *projectVersion // nil: none runs (refused from the start)
	file     string
	loadedAt time.Time // of the running version
	status   *server.ConfigStatus
}

// projectSet is the process's projects. Its methods are for one
// goroutine (the daemon's loop); State and Snapshot may be called from
// others (the status page).
type projectSet struct {
	paths   []string
	single  bool   // one config file: the one project, unnamed in the state
	unnamed string // the project of a directory whose names in the state are unprefixed
	state   string
	env     func(string) (string, bool)
	shared  config.Shared

	mu       sync.Mutex
	projects map[string]*projectState

	redact *liveRedactor
}

// projectOutcome is what a load or a reload did with one project.
type projectOutcome struct {
	Name string
	What outcome
	Err  error // why it was refused (What == refused)
}

type outcome string

const (
	started   outcome = "started"   // new, or changed: its new version runs
	unchanged outcome = "unchanged" // the same file and secrets: left running as it was
	refused   outcome = "refused"   // its file or its start failed; a running version stays
	removed   outcome = "removed"   // its file is gone: stopped
)

// projectOptions say where the projects come from.
type projectOptions struct {
	Paths []string // --config: files and directories
	State string   // --state
	Env   func(string) (string, bool)
	// Unnamed is the project of a directory that keeps the state's names
	// unprefixed: the one project of a state written with one config
	// file, now moved into a directory beside others. Its deliveries,
	// feeds and sessions are then found where they are, and nothing it
	// sent goes out again. "": every project of a directory is named.
	Unnamed string
	Now     time.Time
}

// loadProjectSet loads the projects paths name, at start. With one config
// file it is what loading that file was: an invalid file is the error (exit
// 2). With a directory, a broken project is listed refused (outcome) and
// the others run; the error is for what stops all of them: a path that
// cannot be read, projects that disagree on what they share (state, state
// key, http.listen), or no project that loads at all.
func loadProjectSet(o projectOptions) (*projectSet, []projectOutcome, error) {
	paths, now := o.Paths, o.Now
	s := &projectSet{
		paths: paths, single: config.SingleFile(paths), unnamed: o.Unnamed, state: o.State, env: o.Env,
		projects: map[string]*projectState{}, redact: newLiveRedactor(),
	}
	loaded, err := s.load()
	if err != nil {
		return nil, nil, err
	}
	if s.unnamed != "" {
		if s.single {
			return nil, nil, usageError{fmt.Errorf("an unnamed project (%s) is for a directory of projects; one config file's project is unnamed already", s.unnamed)}
		}
		if !slices.ContainsFunc(loaded, func(p config.Project) bool { return p.Name == s.unnamed }) {
			return nil, nil, usageError{fmt.Errorf("the unnamed project %s is none of the projects in %s", s.unnamed, strings.Join(paths, ", "))}
		}
	}
	var ok []config.Project
	for _, p := range loaded {
		if p.Err == nil {
			ok = append(ok, p)
		} else if s.single {
			return nil, nil, p.Err
		}
	}
	if len(ok) == 0 {
		return nil, nil, noProject(paths, loaded)
	}
	shared, err := config.Share(ok)
	if err != nil {
		return nil, nil, err
	}
	s.shared = shared
	var outcomes []projectOutcome
	for _, p := range loaded {
		st := &projectState{file: p.File, status: server.NewConfigStatus(p.File, now)}
		s.projects[p.Name] = st
		if p.Err != nil {
			st.status.NotRunning(p.File, p.Err, now)
			outcomes = append(outcomes, projectOutcome{Name: p.Name, What: refused, Err: p.Err})
			continue
		}
		v, err := s.version(p)
		if err != nil {
			if s.single {
				return nil, nil, err
			}
			st.status.NotRunning(p.File, err, now)
			outcomes = append(outcomes, projectOutcome{Name: p.Name, What: refused, Err: err})
			continue
		}
		st.running, st.loadedAt = v, now
		s.redact.Add(v.cfg.Secrets()...)
		outcomes = append(outcomes, projectOutcome{Name: p.Name, What: started})
	}
	if s.running() == 0 {
		var all []config.Project
		for _, o := range outcomes {
			all = append(all, config.Project{Name: o.Name, Err: o.Err})
		}
		return nil, nil, noProject(paths, all)
	}
	return s, outcomes, nil
}

// noProject is the config error of a start at which no project can run:
// every project's problems (exit 2).
func noProject(paths []string, ps []config.Project) error {
	e := &config.Error{File: strings.Join(paths, ", ") + ": no project can run"}
	for _, p := range ps {
		e.Problems = append(e.Problems, p.Err.Error())
	}
	return e
}

// load reads the projects' files: one config file as Load reads it (its
// name is no project's, so any name does), or every project of the paths.
func (s *projectSet) load() ([]config.Project, error) {
	if s.single {
		file := s.paths[0]
		cfg, err := config.Load(config.Options{File: file, State: s.state, Env: s.env})
		return []config.Project{{Name: config.ProjectNameOf(file), File: file, Config: cfg, Err: err}}, nil
	}
	return config.LoadProjects(s.paths, config.Options{State: s.state, Env: s.env})
}

// version compiles a loaded project (every template parsed and tried).
func (s *projectSet) version(p config.Project) (*projectVersion, error) {
	core, err := compile(p.Config)
	if err != nil {
		return nil, err
	}
	return &projectVersion{name: p.Name, cfg: p.Config, core: core, print: p.Config.Fingerprint()}, nil
}

func (s *projectSet) running() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.projects {
		if st.running != nil {
			n++
		}
	}
	return n
}

// Running returns the versions that run, by name.
func (s *projectSet) Running() []*projectVersion {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*projectVersion
	for _, name := range s.namesLocked() {
		if v := s.projects[name].running; v != nil {
			out = append(out, v)
		}
	}
	return out
}

func (s *projectSet) namesLocked() []string {
	names := make([]string, 0, len(s.projects))
	for n := range s.projects {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Shared is what every project shares: the state to open, its key and the
// HTTP server's address.
func (s *projectSet) Shared() config.Shared { return s.shared }

// Single reports whether the set is one config file's one project.
func (s *projectSet) Single() bool { return s.single }

// storeName is the project's name in the shared state (project.Wrap): ""
// for the one project of a single config file, whose state keeps the names
// it had before projects, and for the unnamed project of a directory.
func (s *projectSet) storeName(v *projectVersion) string {
	if s.single || v.name == s.unnamed {
		return ""
	}
	return v.name
}

// metricName is the project's label in the metrics.
func (s *projectSet) metricName(v *projectVersion) string {
	if s.single {
		return server.DefaultProject
	}
	return v.name
}

// Redact removes every secret of every project loaded so far from a text:
// for the logger and the bots' errors. Secrets of a version replaced by a
// reload stay in it, for whatever that version still logs.
func (s *projectSet) Redact(text string) string { return s.redact.String(text) }

// ConfigStatus is the project's config status for its page.
func (s *projectSet) ConfigStatus(name string) *server.ConfigStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.projects[name]; st != nil {
		return st.status
	}
	return nil
}

// reload reads every project's file again and acts on each project: start
// runs a new or changed version (for a changed one it replaces the running
// one once the new one is up; an error refuses the new version and must
// leave the old one running), stop ends a project whose file is gone. A
// project whose file is broken, moves what the projects share, or fails
// to start is logged and keeps its running version; the other projects go
// on. The error is for a reload that read nothing (a path that cannot be
// read): then nothing changes.
func (s *projectSet) reload(log *slog.Logger, now time.Time, start func(*projectVersion) error, stop func(name string)) ([]projectOutcome, error) {
	loaded, err := s.load()
	if err != nil {
		return nil, err
	}
	var out []projectOutcome
	seen := map[string]bool{}
	for _, p := range loaded {
		seen[p.Name] = true
		o := s.reloadOne(p, log, now, start)
		out = append(out, o)
	}
	s.mu.Lock()
	var gone []string
	for _, name := range s.namesLocked() {
		if !seen[name] {
			gone = append(gone, name)
		}
	}
	s.mu.Unlock()
	for _, name := range gone {
		s.mu.Lock()
		st := s.projects[name]
		delete(s.projects, name)
		s.mu.Unlock()
		if st.running != nil {
			stop(name)
		}
		log.Info("project removed: its file is gone", "project", name, "file", st.file)
		out = append(out, projectOutcome{Name: name, What: removed})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *projectSet) reloadOne(p config.Project, log *slog.Logger, now time.Time, start func(*projectVersion) error) projectOutcome {
	s.mu.Lock()
	st := s.projects[p.Name]
	if st == nil {
		st = &projectState{file: p.File, status: server.NewConfigStatus(p.File, now)}
		s.projects[p.Name] = st
	}
	prev := st.running
	s.mu.Unlock()

	refuse := func(err error) projectOutcome {
		if prev != nil {
			st.status.Rejected(err, now)
			log.Error("project's config refused; its running version stays", "project", p.Name, "file", p.File, "error", err)
		} else {
			st.status.NotRunning(p.File, err, now)
			log.Error("project's config refused; the project does not run", "project", p.Name, "file", p.File, "error", err)
		}
		return projectOutcome{Name: p.Name, What: refused, Err: err}
	}
	if p.Err != nil {
		return refuse(p.Err)
	}
	if err := s.shared.Admit(p.Config); err != nil {
		return refuse(err)
	}
	v, err := s.version(p)
	if err != nil {
		return refuse(err)
	}
	// Its secrets are redacted before anything can log them.
	s.redact.Add(v.cfg.Secrets()...)
	if prev != nil && prev.print == v.print && p.File == st.file {
		// Back to what runs: the refusal, if any, is over.
		st.status.Loaded(p.File, st.loadedAt)
		log.Debug("project unchanged", "project", p.Name)
		return projectOutcome{Name: p.Name, What: unchanged}
	}
	if err := start(v); err != nil {
		return refuse(err)
	}
	s.mu.Lock()
	st.running, st.loadedAt, st.file = v, now, p.File
	s.mu.Unlock()
	st.status.Loaded(p.File, now)
	if prev == nil {
		log.Info("project started", "project", p.Name, "file", p.File, "feeds", len(v.cfg.Feeds), "targets", len(v.cfg.Targets))
	} else {
		log.Info("project reloaded", "project", p.Name, "file", p.File, "feeds", len(v.cfg.Feeds), "targets", len(v.cfg.Targets))
	}
	return projectOutcome{Name: p.Name, What: started}
}

// Snapshot is what the status page shows: with one config file, that
// project's snapshot as it was; with several projects, one snapshot each
// (one of a project that does not run says why), built by one for those
// that run.
func (s *projectSet) Snapshot(ctx context.Context, now time.Time, one func(ctx context.Context, v *projectVersion, cs *server.ConfigStatus) (server.Snapshot, error)) (server.Snapshot, error) {
	type entry struct {
		name string
		v    *projectVersion
		cs   *server.ConfigStatus
	}
	s.mu.Lock()
	var list []entry
	for _, name := range s.namesLocked() {
		st := s.projects[name]
		list = append(list, entry{name, st.running, st.status})
	}
	s.mu.Unlock()
	if s.single {
		for _, e := range list {
			if e.v != nil {
				return one(ctx, e.v, e.cs)
			}
		}
		return server.Snapshot{}, errors.New("no project runs")
	}
	out := server.Snapshot{Now: now}
	for _, e := range list {
		if e.v == nil {
			out.Projects = append(out.Projects, server.Snapshot{Project: e.name, Config: e.cs.View()})
			continue
		}
		snap, err := one(ctx, e.v, e.cs)
		if err != nil {
			return server.Snapshot{}, fmt.Errorf("project %s: %w", e.name, err)
		}
		snap.Project = e.name
		out.Projects = append(out.Projects, snap)
		if out.Location == nil {
			out.Location = snap.Location
		}
	}
	return out, nil
}

// watchMatch tells which file changes concern the projects: for a
// directory, any project file in it and Kubernetes' ..data link; for a
// file, the file itself and ..data. dirs are the directories to watch.
func watchMatch(paths []string, single bool) (dirs []string, match func(event string) bool) {
	type want struct {
		dir  string
		file string // "": any project file of dir
	}
	var wants []want
	for _, p := range paths {
		if single || !isDir(p) {
			wants = append(wants, want{filepath.Clean(filepath.Dir(p)), filepath.Base(p)})
		} else {
			wants = append(wants, want{filepath.Clean(p), ""})
		}
	}
	seen := map[string]bool{}
	for _, w := range wants {
		if !seen[w.dir] {
			seen[w.dir] = true
			dirs = append(dirs, w.dir)
		}
	}
	return dirs, func(event string) bool {
		dir, base := filepath.Clean(filepath.Dir(event)), filepath.Base(event)
		for _, w := range wants {
			if dir != w.dir {
				continue
			}
			switch {
			case base == "..data", base == w.file:
				return true
			case w.file == "" && !strings.HasPrefix(base, ".") && projectExt(base):
				return true
			}
		}
		return false
	}
}

func projectExt(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".yaml", ".yml", ".toml", ".json":
		return true
	}
	return false
}

func isDir(p string) bool { return !config.SingleFile([]string{p}) }

// liveRedactor removes every secret it was given from a text; secrets can
// be added while it is in use (a reload that brings a new project or a
// rotated token), and none is ever dropped.
type liveRedactor struct {
	mu   sync.Mutex
	seen map[string]bool
	r    *redact.Redactor // safe for concurrent use
}

func newLiveRedactor() *liveRedactor {
	return &liveRedactor{seen: map[string]bool{}, r: redact.New()}
}

// Add adds secrets to what is redacted.
func (r *liveRedactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var fresh []string
	for _, s := range secrets {
		if s != "" && !r.seen[s] {
			r.seen[s] = true
			fresh = append(fresh, s)
		}
	}
	if len(fresh) > 0 {
		r.r.Add(fresh...)
	}
}

// String is text without any secret.
func (r *liveRedactor) String(text string) string { return r.r.String(text) }

// liveLogger is the process's logger, as globals.logger builds it, with
// a redaction that follows the set's secrets as reloads add them.
func (g *globals) liveLogger(env Env, r *liveRedactor) (*slog.Logger, error) {
	return g.newLogger(env, r.String)
}
