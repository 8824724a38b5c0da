package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// StateOptions say what the state comparison measures: the feed cycle of
// Run (cold and warm `run --once` over Feeds × Items) on SQLite and on
// PostgreSQL, and delivery throughput of one and of several replicas.
type StateOptions struct {
	Options
	// PG is the PostgreSQL server (postgres://user:pass@host/db); each
	// measurement gets a schema of its own there, dropped after.
	PG string
	// Posts is how many announcements fall due at once for the
	// throughput, on each of Targets webhook targets (default 200 × 2).
	Posts, Targets int
	// Replicas is the larger number of replicas measured (default 3).
	Replicas int
}

// StateResult holds medians and samples.
type StateResult struct {
	Opts                   StateOptions
	SQLiteCold, SQLiteWarm time.Duration
	PGCold, PGWarm         time.Duration
	// Throughput is posts per second from the first request to the last,
	// by setup: "sqlite×1", "pg×1", "pg×3".
	Throughput map[string]float64
	Span       map[string]time.Duration // due → last request
	Samples    map[string][]time.Duration
	Started    time.Time
	LoadBefore string
	LoadAfter  string
}

// RunStates measures what StateOptions ask for.
func RunStates(ctx context.Context, o StateOptions) (*StateResult, error) {
	o.defaults()
	if o.Posts <= 0 {
		o.Posts = 200
	}
	if o.Targets <= 0 {
		o.Targets = 2
	}
	if o.Replicas <= 0 {
		o.Replicas = 3
	}
	if o.PG == "" {
		return nil, errors.New("no PostgreSQL server: give -pg or LUMOBOT_PG")
	}
	r := &StateResult{Opts: o, Samples: map[string][]time.Duration{}, Throughput: map[string]float64{},
		Span: map[string]time.Duration{}, Started: time.Now(), LoadBefore: loadavg()}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "lumobench-states-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	bin := o.Bin
	if bin == "" {
		var err error
		if bin, err = build(ctx, o.Root, dir, o.Log); err != nil {
			return nil, err
		}
	}
	srv, err := NewServer(o.Feeds, o.Items, 0)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	admin, err := pgxpool.New(ctx, o.PG)
	if err != nil {
		return nil, fmt.Errorf("pg: %w", err)
	}
	defer admin.Close()

	for i := range o.Runs {
		for _, backend := range []string{"sqlite", "pg"} {
			run := filepath.Join(dir, fmt.Sprintf("%s%d", backend, i))
			state := "./state.db"
			if backend == "pg" {
				u, drop, err := schema(ctx, admin, o.PG)
				if err != nil {
					return nil, err
				}
				defer drop()
				state = u
			}
			cfg, err := writeNewsConfig(run, srv, o.Options, "")
			if err != nil {
				return nil, err
			}
			if err := setState(cfg, state); err != nil {
				return nil, err
			}
			for _, phase := range []string{"cold", "warm"} {
				full0, nm0 := srv.Counts()
				cmd := exec.CommandContext(ctx, bin, "run", "--once", "--config", cfg, "--log-level", "warn")
				d, _, err := measure(cmd)
				if err != nil {
					return nil, fmt.Errorf("%s %s run: %w", backend, phase, err)
				}
				full1, nm1 := srv.Counts()
				if phase == "cold" && full1-full0 != o.Feeds || phase == "warm" && nm1-nm0 != o.Feeds {
					return nil, fmt.Errorf("%s %s run %d: %d full answers and %d 304s, want %d of one", backend, phase, i, full1-full0, nm1-nm0, o.Feeds)
				}
				key := backend + "-" + phase
				r.Samples[key] = append(r.Samples[key], d)
				r.Samples[key+"-cpu"] = append(r.Samples[key+"-cpu"], cpuOf(cmd))
			}
			fmt.Fprintf(o.Log, "run %d/%d %s: cold %v, warm %v\n", i+1, o.Runs, backend,
				r.Samples[backend+"-cold"][i].Round(time.Millisecond), r.Samples[backend+"-warm"][i].Round(time.Millisecond))
		}
	}
	r.SQLiteCold, r.SQLiteWarm = median(r.Samples["sqlite-cold"]), median(r.Samples["sqlite-warm"])
	r.PGCold, r.PGWarm = median(r.Samples["pg-cold"]), median(r.Samples["pg-warm"])

	for _, setup := range []struct {
		name     string
		pg       bool
		replicas int
	}{{"sqlite×1", false, 1}, {"pg×1", true, 1}, {fmt.Sprintf("pg×%d", o.Replicas), true, o.Replicas}} {
		var spans, firsts []time.Duration
		for i := range o.Runs {
			state := "./state.db"
			if setup.pg {
				u, drop, err := schema(ctx, admin, o.PG)
				if err != nil {
					return nil, err
				}
				defer drop()
				state = u
			}
			span, first, err := throughput(ctx, bin, filepath.Join(dir, fmt.Sprintf("tp-%s-%d", strings.ReplaceAll(setup.name, "×", "x"), i)), srv, o, state, setup.replicas)
			if err != nil {
				return nil, fmt.Errorf("throughput %s: %w", setup.name, err)
			}
			spans, firsts = append(spans, span), append(firsts, first)
			fmt.Fprintf(o.Log, "throughput %s run %d/%d: %d posts in %v after the first\n", setup.name, i+1, o.Runs, o.Posts*o.Targets, (span - first).Round(time.Millisecond))
		}
		r.Samples["tp-"+setup.name] = spans
		r.Samples["tp-first-"+setup.name] = firsts
		span, first := median(spans), median(firsts)
		r.Span[setup.name] = span
		r.Throughput[setup.name] = float64(o.Posts*o.Targets) / (span - first).Seconds()
	}
	r.LoadAfter = loadavg()
	return r, nil
}

// schema makes a new schema on the server and returns a URL on it.
func schema(ctx context.Context, admin *pgxpool.Pool, base string) (string, func(), error) {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "lumobench_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+name); err != nil {
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), func() { _, _ = admin.Exec(context.Background(), `DROP SCHEMA `+name+` CASCADE`) }, nil
}

// setState points the config file at state.
func setState(cfg, state string) error {
	b, err := os.ReadFile(cfg)
	if err != nil {
		return err
	}
	s := strings.Replace(string(b), "state: ./state.db\n", fmt.Sprintf("state: %q\n", state), 1)
	return os.WriteFile(cfg, []byte(s), 0o644)
}

// throughput starts replicas daemons on state with o.Posts announcements
// due in a few seconds on each of o.Targets webhook targets, and returns
// the time from due to the last request and to the first.
func throughput(ctx context.Context, bin, dir string, srv *Server, o StateOptions, state string, replicas int) (last, first time.Duration, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, 0, err
	}
	due := time.Now().Truncate(time.Second).Add(5 * time.Second)
	var b strings.Builder
	fmt.Fprintf(&b, "timezone: Europe/Helsinki\nlanguage: fi\nstate: %q\nschedule:\n  poll: \"%d * * * *\"\nannouncements:\n", state, (time.Now().Minute()+30)%60)
	for i := range o.Posts {
		fmt.Fprintf(&b, "  - {id: tp-%d, text: \"Läpäisy %d.\", at: %q}\n", i, i, due.UTC().Format("2006-01-02T15:04:05-07:00"))
	}
	b.WriteString("targets:\n")
	for t := range o.Targets {
		fmt.Fprintf(&b, "  - {name: hook%d, type: webhook, url: %q, max_per_hour: 0}\n", t, fmt.Sprintf("%s/hook?t=%d", srv.URL, t))
	}
	b.WriteString("http:\n  listen: \"\"\n")
	cfg := filepath.Join(dir, "lumobot.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return 0, 0, err
	}
	before := len(srv.Hooks())
	var logs []*strings.Builder
	for range replicas {
		var stderr strings.Builder
		logs = append(logs, &stderr)
		cmd := exec.CommandContext(ctx, bin, "run", "--config", cfg, "--log-level", "warn")
		cmd.Stderr = io.Writer(&stderr)
		cmd.Env = append(os.Environ(), "LUMOBOT_HTTP_LISTEN=")
		if err := cmd.Start(); err != nil {
			return 0, 0, err
		}
		defer stop(cmd)
	}
	want := o.Posts * o.Targets
	deadline := due.Add(120 * time.Second)
	for len(srv.Hooks())-before < want && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	hooks := srv.Hooks()[before:]
	if len(hooks) < want {
		return 0, 0, fmt.Errorf("%d of %d posts arrived\n%s", len(hooks), want, tail(logs[0].String()))
	}
	time.Sleep(500 * time.Millisecond)
	if n := len(srv.Hooks()) - before; n != want {
		return 0, 0, fmt.Errorf("%d requests for %d posts: some went out twice", n, want)
	}
	return hooks[len(hooks)-1].At.Sub(due), hooks[0].At.Sub(due), nil
}

// Report writes the comparison as a table.
func (r *StateResult) Report(w io.Writer) {
	o := r.Opts
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/1e6) }
	fmt.Fprintf(w, "lumobench states %s: %d feeds × %d items, %d runs (medians), %d workers; throughput: %d posts × %d webhook targets\n",
		r.Started.Format(time.RFC3339), o.Feeds, o.Items, o.Runs, o.Workers, o.Posts, o.Targets)
	fmt.Fprintf(w, "load average before: %s; after: %s\n\n", r.LoadBefore, r.LoadAfter)
	fmt.Fprintf(w, "%-28s %10s %10s %8s\n", "run --once", "SQLite", "PostgreSQL", "PG/SQLite")
	fmt.Fprintf(w, "%-28s %10s %10s %7.2f×\n", fmt.Sprintf("cold (%d answers)", o.Feeds), ms(r.SQLiteCold), ms(r.PGCold), float64(r.PGCold)/float64(max(r.SQLiteCold, 1)))
	fmt.Fprintf(w, "%-28s %10s %10s %7.2f×\n", "warm (every feed 304)", ms(r.SQLiteWarm), ms(r.PGWarm), float64(r.PGWarm)/float64(max(r.SQLiteWarm, 1)))
	fmt.Fprintf(w, "%-28s %10s %10s\n", "cold CPU", cpuMs(r.Samples["sqlite-cold-cpu"]), cpuMs(r.Samples["pg-cold-cpu"]))
	fmt.Fprintf(w, "%-28s %10s %10s\n\n", "warm CPU", cpuMs(r.Samples["sqlite-warm-cpu"]), cpuMs(r.Samples["pg-warm-cpu"]))
	fmt.Fprintf(w, "%-12s %14s %14s %14s\n", "delivery", "posts/s", "due→first", "due→last")
	for _, name := range []string{"sqlite×1", "pg×1", fmt.Sprintf("pg×%d", o.Replicas)} {
		fmt.Fprintf(w, "%-12s %14.0f %14s %14s\n", name, r.Throughput[name], ms(median(r.Samples["tp-first-"+name])), ms(r.Span[name]))
	}
	fmt.Fprintln(w, "\nsamples (ms):")
	for _, k := range []string{"sqlite-cold", "pg-cold", "sqlite-warm", "pg-warm"} {
		var parts []string
		for _, d := range r.Samples[k] {
			parts = append(parts, fmt.Sprintf("%.0f", float64(d)/1e6))
		}
		fmt.Fprintf(w, "  %-12s %s\n", k, strings.Join(parts, " "))
	}
}

// BenchFormat writes every sample as a line of Go's benchmark format, for
// benchstat: the cycle as BenchmarkCycle/state=…/phase=…, the throughput
// as BenchmarkDeliver/setup=… with posts/s.
func (r *StateResult) BenchFormat(w io.Writer) {
	for _, backend := range []string{"sqlite", "pg"} {
		for _, phase := range []string{"cold", "warm"} {
			for _, d := range r.Samples[backend+"-"+phase] {
				fmt.Fprintf(w, "BenchmarkCycle/state=%s/phase=%s 1 %d ns/op\n", backend, phase, d.Nanoseconds())
			}
		}
	}
	n := r.Opts.Posts * r.Opts.Targets
	for _, name := range []string{"sqlite×1", "pg×1", fmt.Sprintf("pg×%d", r.Opts.Replicas)} {
		firsts := r.Samples["tp-first-"+name]
		for i, last := range r.Samples["tp-"+name] {
			fmt.Fprintf(w, "BenchmarkDeliver/setup=%s 1 %d ns/op %.1f posts/s\n", strings.ReplaceAll(name, "×", "x"),
				(last - firsts[i]).Nanoseconds(), float64(n)/(last-firsts[i]).Seconds())
		}
	}
}
