package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/spf13/cobra"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/bot/server"
	"github.com/lumohanke/lumobot/bot/store"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
	"github.com/lumohanke/lumobot/feeds/calendar"
	"github.com/lumohanke/lumobot/lint"
)

func runCmd(ctx context.Context, g *globals, env Env) *cobra.Command {
	var once, watch, acceptLostWAL bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run the daemon: poll feeds, plan posts, deliver them when due",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, log, err := g.setup(env)
			if err != nil {
				return err
			}
			// Compiled first: a broken template is exit 2 before any file is made.
			core, err := compile(cfg)
			if err != nil {
				return err
			}
			st, err := store.Open(cfg.State, store.Options{Now: env.Now, Exclusive: true, Key: cfg.StateKey, AcceptLostWAL: acceptLostWAL})
			if errors.Is(err, store.ErrLostWAL) {
				return fmt.Errorf("%w\n(put the -wal file back beside the state, or start once with --accept-lost-wal to accept that what it held is lost: posts recorded there may go out again)", err)
			}
			if err != nil {
				return err
			}
			defer st.Close()
			if once {
				a, err := newApp(cfg, core, st, log, env, nil)
				if err != nil {
					return err
				}
				defer a.Close()
				return a.once(ctx)
			}
			return daemon(ctx, g, env, cfg, core, st, log, watch)
		},
	}
	cmd.Flags().BoolVar(&once, "once", false, "one cycle: poll every source, plan, deliver what is due now, exit")
	cmd.Flags().BoolVar(&watch, "watch", false, "also reload when the config file changes (as on SIGHUP)")
	cmd.Flags().BoolVar(&acceptLostWAL, "accept-lost-wal", false, "open a state whose write-ahead log was lost after an unclean stop (what it held is gone)")
	return cmd
}

// once is one cycle, for cron jobs and CI: a Step at the time it starts.
func (a *app) once(ctx context.Context) error {
	prepareTargets(ctx, a.targets, a.log)
	now := a.clock.Now()
	a.bot.Poll(ctx, now)
	if _, err := a.bot.Plan(ctx, now); err != nil {
		return err
	}
	if _, err := a.bot.DeliverAll(ctx); err != nil {
		return err
	}
	if err := a.bot.StateProblem(); err != nil {
		return fmt.Errorf("nothing sent: %w", err)
	}
	return nil
}

func previewCmd(ctx context.Context, g *globals, env Env) *cobra.Command {
	var (
		nowFlag string
		days    int
		format  string
	)
	cmd := &cobra.Command{
		Use:   "preview",
		Short: "Print the posts planned from --now for --days, per target; writes and posts nothing",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if format != "text" && format != "json" {
				return usageError{fmt.Errorf("--format %q: want text or json", format)}
			}
			if days < 1 || days > 3660 {
				return usageError{fmt.Errorf("--days %d: want 1 to 3660", days)}
			}
			cfg, log, err := g.setup(env)
			if err != nil {
				return err
			}
			now := env.Now()
			if nowFlag != "" {
				t, _, err := config.ParseLocalTime(nowFlag, cfg.Location)
				if err != nil {
					return usageError{fmt.Errorf("--now: %w", err)}
				}
				now = t
			}
			core, err := compile(cfg)
			if err != nil {
				return err
			}
			st, cleanup, err := openForReading(cfg.State, env.Now, cfg.StateKey)
			if err != nil {
				return err
			}
			defer cleanup()
			a, err := newApp(cfg, core, st, log, env, nil)
			if err != nil {
				return err
			}
			defer a.Close()
			plan, err := a.bot.Preview(ctx, now, now.AddDate(0, 0, days), true)
			if err != nil {
				return err
			}
			ws := previewWarnings(a, core, plan, now, now.AddDate(0, 0, days))
			rows := previewRows(a, plan, cfg.Location, ws)
			if format == "json" {
				return encodeRows(env.Stdout, rows)
			}
			printPreview(env, a, rows, now, days, cfg.Location, ws)
			return nil
		},
	}
	cmd.Flags().StringVar(&nowFlag, "now", "", "plan as if it were this time (default: now), e.g. 2021-05-01T08:00:00+03:00")
	cmd.Flags().IntVar(&days, "days", 14, "how many days ahead")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	return cmd
}

// encodeRows writes rows as one JSON array, byte for byte as a json.Encoder
// with SetIndent("", "  ") and SetEscapeHTML(false) would, but a row at a
// time and without reflection: for a year's preview the encoder built tens
// of megabytes in memory, and indented them into a second copy, before
// writing a byte.
func encodeRows(w io.Writer, rows []previewRow) error {
	if len(rows) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	bw.WriteString("[\n")
	for i, r := range rows {
		buf = appendRow(buf[:0], r)
		if i < len(rows)-1 {
			buf = append(buf, ",\n"...)
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

// appendRow appends r as encodeRows writes it: the object indented by two
// spaces, its fields by four, fields in previewRow's order.
func appendRow(b []byte, r previewRow) []byte {
	b = append(b, "  {\n    \"due\": "...)
	b = appendJSONString(b, r.Due)
	b = append(b, ",\n    \"target\": "...)
	b = appendJSONString(b, r.Target)
	b = append(b, ",\n    \"kind\": "...)
	b = appendJSONString(b, r.Kind)
	b = append(b, ",\n    \"key\": "...)
	b = appendJSONString(b, r.Key)
	b = append(b, ",\n    \"text\": "...)
	b = appendJSONString(b, r.Text)
	b = append(b, ",\n    \"length\": "...)
	b = strconv.AppendInt(b, int64(r.Length), 10)
	b = append(b, ",\n    \"limit\": "...)
	b = strconv.AppendInt(b, int64(r.Limit), 10)
	if r.Skipped != "" {
		b = append(b, ",\n    \"skipped\": "...)
		b = appendJSONString(b, r.Skipped)
	}
	if len(r.Warnings) > 0 {
		b = append(b, ",\n    \"warnings\": ["...)
		for i, w := range r.Warnings {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, "\n      "...)
			var j bytes.Buffer
			enc := json.NewEncoder(&j)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(w) // strings and ints: cannot fail
			b = append(b, bytes.TrimSuffix(j.Bytes(), []byte("\n"))...)
		}
		b = append(b, "\n    ]"...)
	}
	return append(b, "\n  }"...)
}

// appendJSONString appends s quoted as encoding/json does without HTML
// escaping. Only ASCII needs escaping in valid UTF-8; a string with invalid
// UTF-8, U+2028, U+2029 or DEL is left to encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return appendJSONStringSlow(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return appendJSONStringSlow(b, s)
		}
		i += size
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendJSONStringSlow(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// openForReading opens the state without creating it: preview must not
// write, so a missing state is read as an empty one in a temporary file.
func openForReading(path string, now func() time.Time, key []byte) (*store.Store, func(), error) {
	if _, err := os.Stat(path); err == nil {
		st, err := store.Open(path, store.Options{Now: now, Key: key})
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	}
	dir, err := os.MkdirTemp("", "lumobot-preview-")
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(filepath.Join(dir, "empty.db"), store.Options{Now: now})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return st, func() { st.Close(); os.RemoveAll(dir) }, nil
}

// previewRow is one line of `preview --format json`.
type previewRow struct {
	Due     string `json:"due"`
	Target  string `json:"target"`
	Kind    string `json:"kind"`
	Key     string `json:"key"`
	Text    string `json:"text"`
	Length  int    `json:"length"`
	Limit   int    `json:"limit"`
	Skipped string `json:"skipped,omitempty"`
	// Warnings are the lint warnings about this post (see validate).
	Warnings []validationItem `json:"warnings,omitempty"`
	lints    []lint.Warning   // the same, for the text output
}

// previewWarnings are validate's warnings about the posts planned, and
// about the events known to this preview (remote calendars included).
func previewWarnings(a *app, core bot.Config, plan map[string][]bot.Scheduled, now, until time.Time) []lint.Warning {
	posts := []lint.Post{}
	for _, t := range a.targets {
		for _, s := range plan[t.Name] {
			posts = append(posts, lint.Post{Target: t.Name, Key: s.Key, Due: s.Due, Text: s.Text})
		}
	}
	return warnings(a.cfg, bot.NewPlanner(core), a.targets, now, a.bot.Events(now, until), posts)
}

func previewRows(a *app, plan map[string][]bot.Scheduled, loc *time.Location, ws []lint.Warning) []previewRow {
	n := 0
	for _, t := range a.targets {
		n += len(plan[t.Name])
	}
	rows := make([]previewRow, 0, n)
	for _, t := range a.targets {
		for _, s := range plan[t.Name] {
			var mine []validationItem
			var lints []lint.Warning
			for _, w := range ws {
				if w.Concerns(t.Name, s.Key) {
					mine = append(mine, itemOf(w.Problem, w.Rule))
					lints = append(lints, w)
				}
			}
			rows = append(rows, previewRow{
				Due: s.Due.In(loc).Format(time.RFC3339), Target: t.Name, Kind: string(s.Kind), Key: s.Key,
				Text: s.Text, Length: t.Counter.Length(s.Text), Limit: t.Counter.Limit(), Skipped: s.Skipped,
				Warnings: mine, lints: lints,
			})
		}
	}
	return rows
}

func printPreview(env Env, a *app, rows []previewRow, now time.Time, days int, loc *time.Location, ws []lint.Warning) {
	w := bufio.NewWriterSize(env.Stdout, 64<<10) // a write a line was a system call a line
	defer w.Flush()
	fmt.Fprintf(w, "Planned from %s for %d days (%s):\n", now.In(loc).Format("2006-01-02 15:04 MST"), days, loc)
	// What concerns no post shown (an announcement in the past) is said
	// once, before the posts.
	for _, wn := range lint.Unique(ws) {
		if wn.Post == "" {
			fmt.Fprintf(w, "  %s\n", feeds.CleanText(wn.String()))
		}
	}
	for _, t := range a.targets {
		var mine []previewRow
		for _, r := range rows {
			if r.Target == t.Name {
				mine = append(mine, r)
			}
		}
		fmt.Fprintf(w, "\n%s (%s): %d posts\n", t.Name, t.Type, len(mine))
		if !t.limitKnown {
			fmt.Fprintf(w, "  (the platform's own limit is not known yet: counted with the default %d; `lumobot run` asks it and keeps it in the state)\n", t.Counter.Limit())
		}
		for _, r := range mine {
			due, _ := time.Parse(time.RFC3339, r.Due)
			limit := "no limit"
			if r.Limit > 0 {
				limit = fmt.Sprintf("%d/%d", r.Length, r.Limit)
			}
			status := ""
			if r.Skipped != "" {
				status = "  SKIPPED: " + r.Skipped
			}
			fmt.Fprintf(w, "\n  %s %s  %s  %s  (%s)%s\n", render.Weekday(due.In(loc), "fi"), due.In(loc).Format("2006-01-02 15:04"), r.Kind, r.Key, limit, status)
			// Never a raw control sequence to a terminal.
			for _, line := range strings.Split(feeds.CleanText(r.Text), "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
			for _, wn := range r.lints {
				fmt.Fprintf(w, "    %s\n", feeds.CleanText(wn.String()))
			}
		}
	}
}

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
	return lint.Check(lint.Input{Config: cfg, Planner: pl, Targets: targets, Now: now, Events: events, Posts: posts})
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

func checkCmd(ctx context.Context, g *globals, env Env) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Verify each target's credentials with its platform, without posting",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			cfg, log, err := g.setup(env)
			if err != nil {
				return err
			}
			st, cleanup, err := openForReading(cfg.State, env.Now, cfg.StateKey)
			if err != nil {
				return err
			}
			defer cleanup()
			ts, err := buildTargets(cfg, st, log, env)
			if err != nil {
				return err
			}
			defer closeTargets(ts)
			redact := redactor(cfg.Secrets())
			failed := 0
			w := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
			for _, t := range ts {
				if t.check == nil {
					// A console or webhook has no way to ask: say so, not "ok".
					fmt.Fprintf(w, "%s\t%s\tnot checked\t(this type has no credential check; its first post shows whether it works)\n", t.Name, t.Type)
					continue
				}
				cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
				who, err := t.check.Check(cctx)
				cancel()
				if err != nil {
					failed++
					fmt.Fprintf(w, "%s\t%s\tFAILED\t%s\n", t.Name, t.Type, redact(err.Error()))
					continue
				}
				fmt.Fprintf(w, "%s\t%s\tok\t%s\n", t.Name, t.Type, who)
			}
			w.Flush()
			if failed > 0 {
				return fmt.Errorf("%d of %d targets failed the check", failed, len(ts))
			}
			return nil
		},
	}
}

func healthcheckCmd(ctx context.Context, env Env) *cobra.Command {
	var url string
	cmd := &cobra.Command{
		Use:   "healthcheck",
		Short: "Ask a running lumobot's /healthz (for container HEALTHCHECK: no shell or curl needed)",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if url == "" {
				listen := ":8080"
				if v, ok := env.Getenv("LUMOBOT_HTTP_LISTEN"); ok && v != "" {
					listen = v
				}
				host, port, err := net.SplitHostPort(listen)
				if err != nil {
					return usageError{fmt.Errorf("LUMOBOT_HTTP_LISTEN %q: %w", listen, err)}
				}
				if host == "" || host == "0.0.0.0" || host == "::" {
					host = "127.0.0.1"
				}
				url = "http://" + net.JoinHostPort(host, port) + "/healthz"
			}
			cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			if err := server.Healthcheck(cctx, url); err != nil {
				return err
			}
			fmt.Fprintln(env.Stdout, "ok")
			return nil
		},
	}
	cmd.Flags().StringVar(&url, "url", "", "health URL (default from LUMOBOT_HTTP_LISTEN, else http://127.0.0.1:8080/healthz)")
	return cmd
}

var errShutdown = errors.New("shutting down")
