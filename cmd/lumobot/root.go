package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/internal/redact"
)

// Exit codes of SPEC §2.
const (
	exitOK      = 0
	exitRuntime = 1
	exitConfig  = 2
)

// Env is the world a run of the command sees, so tests can run it in-process.
type Env struct {
	Args           []string
	Stdout, Stderr io.Writer
	Getenv         func(string) (string, bool)
	Reload         <-chan os.Signal // SIGHUP
	Now            func() time.Time // nil: time.Now
}

// usageError marks mistakes on the command line (exit 2).
type usageError struct{ error }

// globals are the flags every command takes.
type globals struct {
	// configs are the --config paths: one file (what lumobot always
	// ran), or directories and several files (several projects).
	configs   []string
	state     string
	logFormat string
	logLevel  string
}

// Run executes the command line and returns the exit code.
func Run(ctx context.Context, env Env) int {
	if env.Now == nil {
		env.Now = time.Now
	}
	if env.Getenv == nil {
		env.Getenv = os.LookupEnv
	}
	var g globals
	root := &cobra.Command{
		Use:           "lumobot",
		Short:         "Posts a project's news, announcements and event reminders on a schedule",
		SilenceUsage:  true,
		SilenceErrors: true,
		// --version prints what "lumobot version" prints.
		Version: versionText(),
	}
	root.SetVersionTemplate("{{.Version}}")
	defConfig := "./lumobot.yaml"
	if v, ok := env.Getenv("LUMOBOT_CONFIG"); ok && v != "" {
		defConfig = v
	}
	pf := root.PersistentFlags()
	pf.StringArrayVar(&g.configs, "config", []string{defConfig}, "config file, or a directory of project files; repeat for several (env LUMOBOT_CONFIG)")
	pf.StringVar(&g.state, "state", "", "state: an SQLite file path or a postgres:// URL (overrides the state key; env LUMOBOT_STATE)")
	pf.StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	root.SetArgs(env.Args)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(runCmd(ctx, &g, env), previewCmd(ctx, &g, env), validateCmd(&g, env), versionCmd(env),
		healthcheckCmd(ctx, env), checkCmd(ctx, &g, env))

	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	fmt.Fprintln(env.Stderr, "lumobot:", err)
	var ue usageError
	switch {
	case errors.As(err, &ue), config.IsConfigError(err), strings.HasPrefix(err.Error(), "unknown command"),
		strings.HasPrefix(err.Error(), "unknown flag"), strings.Contains(err.Error(), "arg(s)"):
		return exitConfig
	}
	return exitRuntime
}

// load reads the config named by the global flags.
func (g *globals) load(env Env) (*config.Config, error) {
	return config.Load(config.Options{File: g.file(), State: g.state, Env: env.Getenv})
}

// file is the one config file of a process with one project.
func (g *globals) file() string { return g.configs[0] }

// projects reports whether --config names several projects (a directory,
// or more than one path).
func (g *globals) projects() bool { return !config.SingleFile(g.configs) }

// project picks one of several projects for preview and check (--project):
// its config, with what the projects share applied, a logger that hides
// every project's secrets, and its name in the shared state (viewOf).
// With one config file it is setup, and the name "".
func (g *globals) project(env Env, cmd, name, unnamed string) (*config.Config, *slog.Logger, string, error) {
	if !g.projects() {
		if name != "" || unnamed != "" {
			return nil, nil, "", usageError{fmt.Errorf("%s: --project and --unnamed-project are for several projects (--config DIR); one config file is one project", cmd)}
		}
		cfg, log, err := g.setup(env)
		return cfg, log, "", err
	}
	set, outcomes, err := loadProjectSet(projectOptions{Paths: g.configs, State: g.state, Env: env.Getenv, Unnamed: unnamed, Now: env.Now()})
	if err != nil {
		return nil, nil, "", err
	}
	var names []string
	for _, o := range outcomes {
		names = append(names, o.Name)
		if o.Name == name && o.What == refused {
			return nil, nil, "", o.Err
		}
	}
	if name == "" {
		return nil, nil, "", usageError{fmt.Errorf("%s reads one project: name it with --project (one of %s)", cmd, strings.Join(names, ", "))}
	}
	for _, v := range set.Running() {
		if v.name == name {
			log, err := g.liveLogger(env, set.redact)
			if err != nil {
				return nil, nil, "", err
			}
			return v.cfg, log.With("project", name), set.storeName(v), nil
		}
	}
	return nil, nil, "", usageError{fmt.Errorf("--project %s: no such project in %s (there are %s)", name, strings.Join(g.configs, ", "), strings.Join(names, ", "))}
}

// setup reads the config and builds the logger that hides its secrets.
func (g *globals) setup(env Env) (*config.Config, *slog.Logger, error) {
	cfg, err := g.load(env)
	if err != nil {
		return nil, nil, err
	}
	log, err := g.logger(env, cfg.Secrets())
	if err != nil {
		return nil, nil, err
	}
	return cfg, log, nil
}

// logger builds the process's logger; it never prints a configured secret.
func (g *globals) logger(env Env, secrets []string) (*slog.Logger, error) {
	var redact func(string) string
	if len(secrets) > 0 {
		redact = redactor(secrets)
	}
	return g.newLogger(env, redact)
}

// newLogger builds a logger at --log-level in --log-format whose string and
// error values pass through redact (nil: none).
func (g *globals) newLogger(env Env, redact func(string) string) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	if redact != nil {
		opts.ReplaceAttr = func(_ []string, a slog.Attr) slog.Attr {
			switch a.Value.Kind() {
			case slog.KindString:
				a.Value = slog.StringValue(redact(a.Value.String()))
			case slog.KindAny:
				if err, ok := a.Value.Any().(error); ok {
					a.Value = slog.StringValue(redact(err.Error()))
				}
			}
			return a
		}
	}
	switch g.logFormat {
	case "text":
		return slog.New(slog.NewTextHandler(env.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(env.Stderr, opts)), nil
	}
	return nil, usageError{fmt.Errorf("--log-format %q: want text or json", g.logFormat)}
}

// redactor returns a func that removes every secret from a text, in every
// form a server may echo it (the platforms' own redaction, internal/redact).
func redactor(secrets []string) func(string) string {
	return redact.New(secrets...).String
}

// systemClock is the clock the daemon runs on: Env.Now, and real timers.
type systemClock struct{ now func() time.Time }

func (c systemClock) Now() time.Time                         { return c.now() }
func (c systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }

func versionCmd(env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print version, commit and Go version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			fmt.Fprint(env.Stdout, versionText())
			return nil
		},
	}
}

// versionText is the version, the commit and the Go version and platform.
func versionText() string {
	c := commit
	if c == "" {
		if info, ok := debug.ReadBuildInfo(); ok {
			for _, s := range info.Settings {
				if s.Key == "vcs.revision" {
					c = s.Value
				}
			}
		}
	}
	if c == "" {
		c = "unknown"
	}
	return fmt.Sprintf("lumobot %s\ncommit %s\n%s %s/%s\n", version, c, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
