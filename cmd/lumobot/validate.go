package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds/calendar"
	"github.com/lumohanke/lumobot/lint"
	"github.com/spf13/cobra"
)

func validateCmd(g *globals, env Env) *cobra.Command {
	var nowFlag, format string
	cmd := &cobra.Command{
		Use:   "validate",
		Short: "Check the config and every template without posting",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if format != "text" && format != "json" {
				return usageError{fmt.Errorf("--format %q: want text or json", format)}
			}
			if g.projects() {
				if format == "json" {
					return usageError{errors.New("--format json checks one config file; with several projects use --format text")}
				}
				return validateProjects(g, env, nowFlag)
			}
			cfg, ws, err := validate(g, env, nowFlag)
			if format == "json" {
				if jerr := writeValidation(env.Stdout, cfg, ws, err); jerr != nil {
					return jerr
				}
				return err
			}
			if err != nil {
				return err
			}
			for _, w := range ws {
				fmt.Fprintln(env.Stderr, w)
			}
			fmt.Fprintf(env.Stdout, "%s: valid: %d feeds, %d events, %d announcements, %d targets, %d warnings\n",
				cfg.File, len(cfg.Feeds), len(cfg.Events), len(cfg.Announcements), len(cfg.Targets), len(ws))
			fmt.Fprintf(env.Stdout, "state: %s\n", describeState(cfg.State))
			return nil
		},
	}
	cmd.Flags().StringVar(&nowFlag, "now", "", "check as if it were this time (default: now), e.g. 2021-05-01T08:00:00+03:00")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

// validate loads, compiles and lints the config. cfg is nil when it could
// not be read.
func validate(g *globals, env Env, nowFlag string) (*config.Config, []lint.Warning, error) {
	cfg, log, err := g.setup(env)
	if err != nil {
		return nil, nil, err
	}
	return validateConfig(cfg, log, env, nowFlag)
}

// validateConfig compiles and lints a loaded config.
func validateConfig(cfg *config.Config, log *slog.Logger, env Env, nowFlag string) (*config.Config, []lint.Warning, error) {
	now := env.Now()
	if nowFlag != "" {
		t, _, err := config.ParseLocalTime(nowFlag, cfg.Location)
		if err != nil {
			return cfg, nil, usageError{fmt.Errorf("--now: %w", err)}
		}
		now = t
	}
	ts, err := buildTargets(cfg, nil, log, env)
	if err != nil {
		return cfg, nil, err
	}
	defer closeTargets(ts)
	core, err := compile(cfg)
	if err != nil {
		return cfg, nil, err
	}
	if err := imageProblems(context.Background(), cfg, ts); err != nil {
		return cfg, nil, err
	}
	pl := bot.NewPlanner(core)
	return cfg, lint.Unique(warnings(cfg, pl, ts, now, localEvents(cfg, core, pl, now, log), nil)), nil
}

// localEvents are the config's events and those of calendars read from
// local files; remote calendars are not fetched by validate.
func localEvents(cfg *config.Config, core bot.Config, pl *bot.Planner, now time.Time, log *slog.Logger) []bot.Event {
	evs := pl.ConfigEvents()
	for _, f := range core.Feeds {
		if f.Kind != bot.FeedEvents || strings.Contains(f.Source, "://") {
			continue
		}
		body, err := readCapped(f.Source, f.MaxBytes)
		if err != nil {
			log.Warn("calendar not read for the checks", "feed", f.Name, "error", err)
			continue
		}
		got, _, err := calendar.ParseWithWarnings(body, cfg.Location, now.Add(-24*time.Hour), now.Add(lint.Horizon+pl.MaxLead()))
		if err != nil {
			log.Warn("calendar not read for the checks", "feed", f.Name, "error", err)
			continue
		}
		evs = append(evs, pl.CalendarEvents(f, got)...)
	}
	return evs
}

// readCapped reads at most limit bytes of a file (0: the feeds' default).
func readCapped(path string, limit int64) ([]byte, error) {
	if limit <= 0 {
		limit = 10 << 20
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: over %d bytes", path, limit)
	}
	return b, nil
}

// warnings are what is legal but probably not meant (package lint). posts
// nil plans them from events for a year after now.
func warnings(cfg *config.Config, pl *bot.Planner, ts []built, now time.Time, events []bot.Event, posts []lint.Post) []lint.Warning {
	targets := make([]lint.Target, len(ts))
	for i, t := range ts {
		targets[i] = lint.Target{Name: t.Name, Type: t.Type, Counter: t.Counter}
	}
	out := lint.Check(lint.Input{Config: cfg, Planner: pl, Targets: targets, Now: now, Events: events, Posts: posts})
	return append(out, budgetWarnings(cfg, pl, ts, now, events)...)
}

// budgetWindow is how far ahead validate adds up what each target's posts
// will cost and how many there are.
const budgetWindow = 30 * 24 * time.Hour

// budgetWarnings warns (rule "budget") when the reminders and
// announcements planned for the next 30 days cost more than a target's
// monthly_budget, or are more than its monthly_limit or, on one day, its
// daily_limit: the rest would be skipped or held. News is not counted: it
// is not planned ahead.
func budgetWarnings(cfg *config.Config, pl *bot.Planner, ts []built, now time.Time, events []bot.Event) []lint.Warning {
	drafts, _, _ := pl.Plan(events, bot.Window{Since: now, Now: now, Until: now.Add(budgetWindow)})
	var out []lint.Warning
	warn := func(i int, field, format string, args ...any) {
		p := cfg.Problem(fmt.Sprintf("targets[%d].%s", i, field), format, args...)
		out = append(out, lint.Warning{Problem: p, Rule: "budget", Target: ts[i].Name})
	}
	for i, t := range ts {
		g := t.Gate
		if g.Budget == nil && g.Daily == 0 && g.Monthly == 0 {
			continue
		}
		posts, _ := pl.Render(drafts, t.Name, t.Counter)
		var cost bot.Money
		perDay := map[string]int{}
		busiest, busiestDay := 0, ""
		for _, p := range posts {
			cost += g.Budget.Cost(p)
			day := p.Due.In(cfg.Location).Format("2006-01-02")
			if perDay[day]++; perDay[day] > busiest {
				busiest, busiestDay = perDay[day], day
			}
		}
		if g.Budget != nil && g.Budget.Monthly >= 0 && cost > g.Budget.Monthly {
			warn(i, "monthly_budget", "the %d posts planned for the next 30 days cost %s, over the monthly budget of %s: the last of them would be skipped (\"budget\")", len(posts), cost, g.Budget.Monthly)
		}
		if g.Monthly > 0 && len(posts) > g.Monthly {
			warn(i, "monthly_limit", "%d posts are planned for the next 30 days, over monthly_limit %d: the rest wait for the next month", len(posts), g.Monthly)
		}
		if g.Daily > 0 && busiest > g.Daily {
			warn(i, "daily_limit", "%d posts are planned for %s, over daily_limit %d: the rest wait for the next day", busiest, busiestDay, g.Daily)
		}
	}
	return out
}

// validationItem is one error or warning of `validate --format json`.
type validationItem struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Key     string `json:"key"`
	ID      string `json:"id,omitempty"`
	Env     string `json:"env,omitempty"`
	Rule    string `json:"rule,omitempty"`
	Message string `json:"message"`
}

func itemOf(p config.Problem, rule string) validationItem {
	return validationItem{File: p.File, Line: p.Line, Key: p.Key, ID: p.ID, Env: p.Env, Rule: rule, Message: p.Message}
}

// writeValidation prints `validate --format json`: the config's errors
// when err is one, else its warnings. Another error is left to the caller.
func writeValidation(w io.Writer, cfg *config.Config, ws []lint.Warning, err error) error {
	out := struct {
		Valid    bool             `json:"valid"`
		Errors   []validationItem `json:"errors"`
		Warnings []validationItem `json:"warnings"`
	}{Valid: err == nil, Errors: []validationItem{}, Warnings: []validationItem{}}
	var ce *config.Error
	switch {
	case errors.As(err, &ce):
		for _, p := range ce.Details {
			out.Errors = append(out.Errors, itemOf(p, ""))
		}
		if len(ce.Details) == 0 { // problems found outside config (targets)
			for _, msg := range ce.Problems {
				out.Errors = append(out.Errors, validationItem{File: ce.File, Message: msg})
			}
		}
	case err != nil:
		var ue usageError
		if !errors.As(err, &ue) {
			return nil // not the config's fault: exit 1 with the error alone
		}
		file := ""
		if cfg != nil {
			file = cfg.File
		}
		out.Errors = append(out.Errors, validationItem{File: file, Message: err.Error()})
	}
	for _, wn := range ws {
		out.Warnings = append(out.Warnings, itemOf(wn.Problem, wn.Rule))
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// validateProjects checks every project of --config's directories and
// files, each as validate checks one file, and what they share: it fails
// (exit 2) when any project fails.
func validateProjects(g *globals, env Env, nowFlag string) error {
	ps, err := config.LoadProjects(g.configs, config.Options{State: g.state, Env: env.Getenv})
	if err != nil {
		return err
	}
	failed := 0
	var ok []config.Project
	for _, p := range ps {
		if p.Err != nil {
			failed++
			fmt.Fprintf(env.Stderr, "%s: %v\n", p.Name, p.Err)
			continue
		}
		log, err := g.logger(env, p.Config.Secrets())
		if err != nil {
			return err
		}
		cfg, ws, err := validateConfig(p.Config, log, env, nowFlag)
		if err != nil {
			failed++
			fmt.Fprintf(env.Stderr, "%s: %v\n", p.Name, err)
			continue
		}
		for _, w := range ws {
			fmt.Fprintf(env.Stderr, "%s: %s\n", p.Name, w)
		}
		fmt.Fprintf(env.Stdout, "%s: %s: valid: %d feeds, %d events, %d announcements, %d targets, %d warnings\n",
			p.Name, cfg.File, len(cfg.Feeds), len(cfg.Events), len(cfg.Announcements), len(cfg.Targets), len(ws))
		ok = append(ok, p)
	}
	if len(ok) > 0 {
		shared, err := config.Share(ok)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "state: %s\n", describeState(shared.State))
	}
	if failed > 0 {
		return &config.Error{File: strings.Join(g.configs, ", "), Problems: []string{fmt.Sprintf("%d of %d projects are not valid", failed, len(ps))}}
	}
	return nil
}
