package config

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// Problem is one mistake in the config, with where it is: what `validate
// --format json` reports and what Error prints, one line each.
type Problem struct {
	Pos
	// Key is the key path as Validate names it: "events[0].start".
	Key string `json:"key,omitempty"`
	// ID names the item the key belongs to (an event's or announcement's
	// id, a feed's or target's name), when it has one.
	ID string `json:"id,omitempty"`
	// Env is the environment variable the value came from, if it did.
	Env string `json:"env,omitempty"`
	// Message says what is wrong and how to write it instead.
	Message string `json:"message"`
}

// String is the problem as a person reads it:
//
//	lumo.yaml:23: event "kehittajaryhma": start: cannot read "5.5.2021 klo 13.30": write 2021-05-05T13:30
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Pos.String())
	b.WriteString(": ")
	if l := label(p.Key, p.ID); l != "" {
		b.WriteString(l)
		if p.Env != "" {
			fmt.Fprintf(&b, " (from %s)", p.Env)
		}
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Error is an invalid configuration: every problem found. The command
// layer maps it to exit code 2.
type Error struct {
	File string
	// Problems are the lines printed, one a problem. Code outside this
	// package that adds its own may give them here alone.
	Problems []string
	// Details are the problems found by Load, with their places; Problems
	// holds the same, as text.
	Details []Problem
}

// NewError builds an Error from placed problems (see Config.Problem).
func NewError(file string, ps []Problem) *Error {
	e := &Error{File: file, Details: ps}
	for _, p := range ps {
		e.Problems = append(e.Problems, p.String())
	}
	return e
}

func (e *Error) Error() string {
	src := e.File
	if src == "" {
		src = "config"
	}
	if len(e.Problems) == 1 {
		if strings.HasPrefix(e.Problems[0], src+":") {
			return e.Problems[0]
		}
		return fmt.Sprintf("%s: %s", src, e.Problems[0])
	}
	return fmt.Sprintf("%s: %d problems:\n  %s", src, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// IsConfigError reports whether err is an invalid configuration.
func IsConfigError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

var itemKey = regexp.MustCompile(`^(events|announcements|feeds|targets)\[(\d+)\]\.?(.*)$`)

var itemNames = map[string]string{"events": "event", "announcements": "announcement", "feeds": "feed", "targets": "target"}

// label names a key for people: `event "kehittajaryhma": start` rather
// than events[0].start, when the item has an id.
func label(key, id string) string {
	m := itemKey.FindStringSubmatch(key)
	if m == nil || id == "" {
		return key
	}
	l := fmt.Sprintf("%s %q", itemNames[m[1]], id)
	if m[3] != "" {
		l += ": " + m[3]
	}
	return l
}

// itemID is the id of the item key belongs to, if it has a usable one.
func (c *Config) itemID(key string) string {
	m := itemKey.FindStringSubmatch(key)
	if m == nil {
		return ""
	}
	i, _ := strconv.Atoi(m[2])
	var id string
	switch m[1] {
	case "events":
		if i < len(c.Events) {
			id = c.Events[i].ID
		}
	case "announcements":
		if i < len(c.Announcements) {
			id = c.Announcements[i].ID
		}
	case "feeds":
		if i < len(c.Feeds) {
			id = c.Feeds[i].Name
		}
	case "targets":
		if i < len(c.Targets) {
			id = c.Targets[i].Name
		}
	}
	if id == "" && c.idx != nil { // not decoded (a decode error): as written
		field := "id"
		if m[1] == "feeds" || m[1] == "targets" {
			field = "name"
		}
		id = c.idx.text[fmt.Sprintf("%s[%s].%s", m[1], m[2], field)]
	}
	if !idRe.MatchString(id) {
		return ""
	}
	return id
}

// Problem places a message about key: its file and line, and the id of its
// item. Code outside the package that checks more (templates) uses it so
// that its messages read like Load's.
func (c *Config) Problem(key, format string, args ...any) Problem {
	pos, _ := c.Pos(key)
	p := Problem{Pos: pos, Key: key, ID: c.itemID(key), Message: fmt.Sprintf(format, args...)}
	if env := envName(key); env != "" && c.envSet(env) {
		p.Env, p.Pos = env, Pos{File: c.File}
	}
	return p
}

// envName is the LUMOBOT_* variable that overrides key, for keys outside
// lists (viper binds no others).
func envName(key string) string {
	if key == "" || strings.ContainsAny(key, "[") {
		return ""
	}
	return "LUMOBOT_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// envSet reports whether viper took a value from the environment: viper
// reads the process environment itself.
func (c *Config) envSet(name string) bool {
	if c.idx == nil { // not from Load
		return false
	}
	_, ok := os.LookupEnv(name)
	return ok
}

// problems collects what Validate and Load find.
type problems struct {
	c    *Config
	list []Problem
	// bad marks keys already reported, so that a check that depends on one
	// says nothing more (one mistake, one message).
	bad map[string]bool
}

func (p *problems) add(key, format string, args ...any) {
	p.list = append(p.list, p.c.Problem(key, format, args...))
	if p.bad == nil {
		p.bad = map[string]bool{}
	}
	p.bad[key] = true
}

func (p *problems) reported(key string) bool { return p.bad[key] }
