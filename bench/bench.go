// Package bench is lumobot's performance harness: it builds the real
// lumobot binary, serves generated feeds and a calendar on loopback and
// measures a feed cycle against the floor (fetch + gofeed, nothing else),
// the 304 cycle, peak memory, an idle daemon, a year's preview and
// delivery latency, each against its budget. cmd/lumobench is its command
// line; docs/PERFORMANCE.md records the figures.
package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options say what to measure.
type Options struct {
	Feeds, Items int           // news feeds served and items in each (default 200 × 100)
	Runs         int           // repetitions; figures are medians (default 5)
	Workers      int           // floor's fetchers and lumobot's schedule.concurrency (default 8)
	Idle         time.Duration // how long the idle daemon's CPU is measured (default 10 s)
	Events       int           // weekly events in the calendar for preview (default 500)
	PreviewDays  int           // default 365
	Posts        int           // delivery-latency samples (default 5)
	Bin          string        // a lumobot binary; empty: build one with go build
	Root         string        // the module's directory; empty: found with go env GOMOD
	Dir          string        // scratch directory; empty: a temporary one, removed after
	Log          io.Writer     // progress; nil: none
}

func (o *Options) defaults() {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	def(&o.Feeds, 200)
	def(&o.Items, 100)
	def(&o.Runs, 5)
	def(&o.Workers, 8)
	def(&o.Events, 500)
	def(&o.PreviewDays, 365)
	def(&o.Posts, 5)
	if o.Idle <= 0 {
		o.Idle = 10 * time.Second
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// Result holds the medians (and the samples they came from).
type Result struct {
	Opts                       Options
	FeedBytes                  int
	Floor, Cold, Warm          time.Duration
	FloorRSS, ColdRSS, WarmRSS int64   // bytes, peak (getrusage ru_maxrss)
	IdleCPU                    float64 // fraction of one core
	IdleRSS                    int64   // bytes (VmRSS after the measurement)
	Preview                    time.Duration
	PreviewPosts               int
	Latency                    time.Duration
	Samples                    map[string][]time.Duration
	LoadBefore, LoadAfter      string
	Started                    time.Time
}

// Budget is one figure against its limit.
type Budget struct {
	Name, Figure, Limit string
	OK                  bool
}

// Budgets are the limits.
func (r *Result) Budgets() []Budget {
	const mib = 1 << 20
	ms := func(d time.Duration) string { return fmt.Sprintf("%.0f ms", float64(d)/1e6) }
	return []Budget{
		{"cold run --once", ms(r.Cold), fmt.Sprintf("≤ 1.5 × floor = %s", ms(r.Floor*3/2)), r.Cold <= r.Floor*3/2},
		{"warm run --once (304)", ms(r.Warm), fmt.Sprintf("≤ 0.35 × floor = %s", ms(r.Floor*35/100)), r.Warm <= r.Floor*35/100},
		{"cold peak RSS", fmt.Sprintf("%.1f MiB", float64(r.ColdRSS)/mib), "≤ 120 MiB", r.ColdRSS <= 120*mib},
		{"cold peak RSS / floor's", fmt.Sprintf("%.2f ×", float64(r.ColdRSS)/float64(max(r.FloorRSS, 1))), "≤ 4 ×", r.ColdRSS <= 4*r.FloorRSS},
		{"idle CPU", fmt.Sprintf("%.2f %% of a core", 100*r.IdleCPU), "≤ 1 %", r.IdleCPU <= 0.01},
		{"idle RSS", fmt.Sprintf("%.1f MiB", float64(r.IdleRSS)/mib), "≤ 40 MiB", r.IdleRSS <= 40*mib},
		{fmt.Sprintf("preview --days %d", r.Opts.PreviewDays), ms(r.Preview), "≤ 1 s", r.Preview <= time.Second},
		{"delivery latency", ms(r.Latency), "≤ 1 s", r.Latency <= time.Second},
	}
}

// Report writes the figures and budgets as a table.
func (r *Result) Report(w io.Writer) {
	const mib = 1 << 20
	o := r.Opts
	fmt.Fprintf(w, "lumobench %s: %d feeds × %d items (%.1f KB each), %d runs (medians), %d workers\n",
		r.Started.Format(time.RFC3339), o.Feeds, o.Items, float64(r.FeedBytes)/1000, o.Runs, o.Workers)
	fmt.Fprintf(w, "load average before: %s; after: %s\n\n", r.LoadBefore, r.LoadAfter)
	fmt.Fprintf(w, "%-26s %12s\n", "floor (fetch + gofeed)", fmt.Sprintf("%.0f ms", float64(r.Floor)/1e6))
	fmt.Fprintf(w, "%-26s %12s\n", "floor peak RSS", fmt.Sprintf("%.1f MiB", float64(r.FloorRSS)/mib))
	fmt.Fprintf(w, "%-26s %12s\n", "warm peak RSS", fmt.Sprintf("%.1f MiB", float64(r.WarmRSS)/mib))
	fmt.Fprintf(w, "%-26s %12d\n", "preview posts", r.PreviewPosts)
	fmt.Fprintf(w, "CPU (user+sys) medians: floor %s, cold %s, warm %s, preview %s (wall on a loaded machine is CPU plus waiting for a core)\n\n",
		cpuMs(r.Samples["floor-cpu"]), cpuMs(r.Samples["cold-cpu"]), cpuMs(r.Samples["warm-cpu"]), cpuMs(r.Samples["preview-cpu"]))
	fmt.Fprintf(w, "%-26s %18s  %-28s %s\n", "figure", "median", "budget", "")
	for _, b := range r.Budgets() {
		v := "PASS"
		if !b.OK {
			v = "FAIL"
		}
		fmt.Fprintf(w, "%-26s %18s  %-28s %s\n", b.Name, b.Figure, b.Limit, v)
	}
	fmt.Fprintln(w, "\nsamples:")
	keys := make([]string, 0, len(r.Samples))
	for k := range r.Samples {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		var parts []string
		for _, d := range r.Samples[k] {
			parts = append(parts, fmt.Sprintf("%.0f", float64(d)/1e6))
		}
		fmt.Fprintf(w, "  %-10s ms: %s\n", k, strings.Join(parts, " "))
	}
}

// Run measures everything Options ask for.
func Run(ctx context.Context, o Options) (*Result, error) {
	o.defaults()
	r := &Result{Opts: o, Samples: map[string][]time.Duration{}, Started: time.Now(), LoadBefore: loadavg()}
	dir := o.Dir
	if dir == "" {
		d, err := os.MkdirTemp("", "lumobench-")
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
	srv, err := NewServer(o.Feeds, o.Items, o.Events)
	if err != nil {
		return nil, err
	}
	defer srv.Close()
	r.FeedBytes = srv.FeedBytes()
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}

	var floorRSS, coldRSS, warmRSS []int64
	var lastState string
	for i := range o.Runs {
		// The floor, as a child of this very binary.
		fl := exec.CommandContext(ctx, self, "-base", srv.URL, "-feeds", strconv.Itoa(o.Feeds), "-workers", strconv.Itoa(o.Workers))
		fl.Env = append(os.Environ(), roleEnv+"=floor")
		d, rss, err := measure(fl)
		if err != nil {
			return nil, fmt.Errorf("floor: %w", err)
		}
		r.Samples["floor"] = append(r.Samples["floor"], d)
		r.Samples["floor-cpu"] = append(r.Samples["floor-cpu"], cpuOf(fl))
		floorRSS = append(floorRSS, rss)

		// A fresh state each run: cold, then warm (every feed 304).
		run := filepath.Join(dir, fmt.Sprintf("run%d", i))
		cfg, err := writeNewsConfig(run, srv, o, "")
		if err != nil {
			return nil, err
		}
		full0, nm0 := srv.Counts()
		cold := exec.CommandContext(ctx, bin, "run", "--once", "--config", cfg, "--log-level", "warn")
		d, rss, err = measure(cold)
		if err != nil {
			return nil, fmt.Errorf("cold run: %w", err)
		}
		r.Samples["cold"] = append(r.Samples["cold"], d)
		r.Samples["cold-cpu"] = append(r.Samples["cold-cpu"], cpuOf(cold))
		coldRSS = append(coldRSS, rss)
		full1, nm1 := srv.Counts()
		warm := exec.CommandContext(ctx, bin, "run", "--once", "--config", cfg, "--log-level", "warn")
		d, rss, err = measure(warm)
		if err != nil {
			return nil, fmt.Errorf("warm run: %w", err)
		}
		r.Samples["warm-cpu"] = append(r.Samples["warm-cpu"], cpuOf(warm))
		full2, nm2 := srv.Counts()
		if full1-full0 != o.Feeds || nm1 != nm0 || nm2-nm1 != o.Feeds || full2 != full1 {
			return nil, fmt.Errorf("run %d: cold fetched %d (304: %d), warm fetched %d (304: %d); want %d and 0, 0 and %d",
				i, full1-full0, nm1-nm0, full2-full1, nm2-nm1, o.Feeds, o.Feeds)
		}
		r.Samples["warm"] = append(r.Samples["warm"], d)
		warmRSS = append(warmRSS, rss)
		lastState = run
		fmt.Fprintf(o.Log, "run %d/%d: floor %v, cold %v, warm %v\n", i+1, o.Runs,
			r.Samples["floor"][i].Round(time.Millisecond), r.Samples["cold"][i].Round(time.Millisecond), d.Round(time.Millisecond))
	}
	r.Floor, r.Cold, r.Warm = median(r.Samples["floor"]), median(r.Samples["cold"]), median(r.Samples["warm"])
	r.FloorRSS, r.ColdRSS, r.WarmRSS = medianInt(floorRSS), medianInt(coldRSS), medianInt(warmRSS)

	if err := idle(ctx, bin, lastState, srv, o, r); err != nil {
		return nil, fmt.Errorf("idle: %w", err)
	}
	fmt.Fprintf(o.Log, "idle: CPU %.2f %%, RSS %.1f MiB\n", 100*r.IdleCPU, float64(r.IdleRSS)/(1<<20))
	if err := preview(ctx, bin, dir, srv, o, r); err != nil {
		return nil, fmt.Errorf("preview: %w", err)
	}
	fmt.Fprintf(o.Log, "preview: %v, %d posts\n", r.Preview.Round(time.Millisecond), r.PreviewPosts)
	if err := latency(ctx, bin, dir, srv, o, r); err != nil {
		return nil, fmt.Errorf("latency: %w", err)
	}
	fmt.Fprintf(o.Log, "latency: %v\n", r.Latency.Round(time.Millisecond))
	r.LoadAfter = loadavg()
	return r, nil
}

// build compiles ./cmd/lumobot of the module into dir.
func build(ctx context.Context, root, dir string, log io.Writer) (string, error) {
	if root == "" {
		out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
		if err != nil {
			return "", fmt.Errorf("go env GOMOD: %w", err)
		}
		gomod := strings.TrimSpace(string(out))
		if gomod == "" || gomod == os.DevNull {
			return "", errors.New("not inside the lumobot module: give -root or -bin")
		}
		root = filepath.Dir(gomod)
	}
	bin := filepath.Join(dir, "lumobot")
	fmt.Fprintf(log, "building %s/cmd/lumobot\n", root)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/lumobot")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build: %w\n%s", err, out)
	}
	return bin, nil
}

// measure runs cmd to its end and returns its wall time and peak RSS.
func measure(cmd *exec.Cmd) (time.Duration, int64, error) {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w\n%s", filepath.Base(cmd.Path), err, tail(stderr.String()))
	}
	return d, maxRSS(cmd.ProcessState), nil
}

// cpuOf is the user + system CPU time of an ended command.
func cpuOf(cmd *exec.Cmd) time.Duration {
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

func maxRSS(ps *os.ProcessState) int64 {
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		return ru.Maxrss * 1024 // KiB on Linux
	}
	return 0
}

func tail(s string) string {
	if len(s) > 2000 {
		return "…" + s[len(s)-2000:]
	}
	return s
}

// writeNewsConfig writes a config over the served feeds into dir (a state
// of its own there); listen is http.listen ("" none).
func writeNewsConfig(dir string, srv *Server, o Options, listen string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "timezone: Europe/Helsinki\nlanguage: fi\nhashtags: [\"#LUMOhanke\"]\nstate: ./state.db\n")
	// Once an hour, at the minute half an hour away: never while measuring.
	fmt.Fprintf(&b, "schedule:\n  poll: \"%d * * * *\"\n  concurrency: %d\n", (time.Now().Minute()+30)%60, o.Workers)
	b.WriteString("feeds:\n")
	for i := range o.Feeds {
		fmt.Fprintf(&b, "  - {name: uutiset-%d, url: %q, kind: news, backfill: 0}\n", i, srv.FeedURL(i))
	}
	fmt.Fprintf(&b, "targets:\n  - {name: console, type: console, output: %s, format: text, max_per_hour: 0}\n", os.DevNull)
	fmt.Fprintf(&b, "http:\n  listen: %q\n", listen)
	p := filepath.Join(dir, "lumobot.yaml")
	return p, os.WriteFile(p, []byte(b.String()), 0o644)
}

// idle starts the daemon on the state the runs left (every feed known),
// waits for its first poll (all 304) and measures its CPU and RSS.
func idle(ctx context.Context, bin, dir string, srv *Server, o Options, r *Result) error {
	addr, err := freePort()
	if err != nil {
		return err
	}
	cfg, err := writeNewsConfig(dir, srv, o, addr)
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "run", "--config", cfg, "--log-level", "warn")
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer stop(cmd)
	// Wait until every feed has been polled once.
	deadline := time.Now().Add(60 * time.Second)
	for {
		n, err := polls("http://" + addr + "/metrics")
		if err == nil && n >= o.Feeds {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("daemon did not poll %d feeds within 60 s (got %d, %v)\n%s", o.Feeds, n, err, tail(stderr.String()))
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // let the poll's garbage be collected and goroutines park
	pid := cmd.Process.Pid
	t0, err := cpuTicks(pid)
	if err != nil {
		return err
	}
	w0 := time.Now()
	select {
	case <-time.After(o.Idle):
	case <-ctx.Done():
		return ctx.Err()
	}
	t1, err := cpuTicks(pid)
	if err != nil {
		return err
	}
	wall := time.Since(w0)
	r.IdleCPU = float64(t1-t0) / clkTck / wall.Seconds()
	r.IdleRSS, err = vmRSS(pid)
	return err
}

// clkTck is USER_HZ, 100 on every Linux Go supports.
const clkTck = 100

// cpuTicks is utime + stime of pid, in clock ticks (/proc/<pid>/stat).
func cpuTicks(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')') // the command name may hold spaces
	f := strings.Fields(s[i+1:])
	// f[0] is field 3 (state); utime and stime are fields 14 and 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc/%d/stat", pid)
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	return u + st, errors.Join(err1, err2)
}

// vmRSS is VmRSS of pid in bytes (/proc/<pid>/status).
func vmRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

// polls sums lumobot_feed_polls_total on the daemon's /metrics.
func polls(url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	n := 0.0
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "lumobot_feed_polls_total") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err == nil {
			n += v
		}
	}
	return int(n), sc.Err()
}

func stop(cmd *exec.Cmd) {
	_ = cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// previewNow is when preview plans from; the calendar's weekly events start
// the Monday before (previewStart), in Helsinki.
var (
	helsinki     = mustZone("Europe/Helsinki")
	previewNow   = time.Date(2026, 1, 5, 8, 0, 0, 0, helsinki)
	previewStart = time.Date(2025, 12, 29, 0, 0, 0, 0, helsinki)
)

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.FixedZone(name, 2*3600)
	}
	return l
}

// preview times `lumobot preview --days N` over the calendar's weekly events.
func preview(ctx context.Context, bin, dir string, srv *Server, o Options, r *Result) error {
	pd := filepath.Join(dir, "preview")
	if err := os.MkdirAll(pd, 0o755); err != nil {
		return err
	}
	conf := fmt.Sprintf(`timezone: Europe/Helsinki
language: fi
hashtags: ["#LUMOhanke"]
state: ./state.db
feeds:
  - {name: tapahtumat, url: %q, kind: events}
reminders:
  - {before: 1d, at: "09:00"}
  - {before: 1h}
targets:
  - {name: console, type: console, output: %s, format: text, max_per_hour: 0}
http:
  listen: ""
`, srv.URL+"/events.ics", os.DevNull)
	cfg := filepath.Join(pd, "lumobot.yaml")
	if err := os.WriteFile(cfg, []byte(conf), 0o644); err != nil {
		return err
	}
	outPath := filepath.Join(pd, "preview.json")
	for range o.Runs {
		// The 15 MB of JSON go to a file, not through a pipe into this
		// process: the harness's own garbage collection must not hold the
		// preview back on a full pipe. Our heap from the feed runs is
		// collected first for the same reason.
		runtime.GC()
		debug.FreeOSMemory()
		out, err := os.Create(outPath)
		if err != nil {
			return err
		}
		cmd := exec.CommandContext(ctx, bin, "preview", "--config", cfg, "--now", previewNow.Format(time.RFC3339),
			"--days", strconv.Itoa(o.PreviewDays), "--format", "json", "--log-level", "warn")
		cmd.Stdout = out
		d, _, err := measure(cmd)
		out.Close()
		if err != nil {
			return err
		}
		r.Samples["preview"] = append(r.Samples["preview"], d)
		r.Samples["preview-cpu"] = append(r.Samples["preview-cpu"], cpuOf(cmd))
		b, err := os.ReadFile(outPath)
		if err != nil {
			return err
		}
		r.PreviewPosts = bytes.Count(b, []byte(`"key":`))
	}
	r.Preview = median(r.Samples["preview"])
	if r.PreviewPosts == 0 {
		return errors.New("preview planned no posts")
	}
	return nil
}

// latency runs a daemon with announcements due two seconds apart and a
// webhook target on the fake server, and measures due → request.
func latency(ctx context.Context, bin, dir string, srv *Server, o Options, r *Result) error {
	ld := filepath.Join(dir, "latency")
	if err := os.MkdirAll(ld, 0o755); err != nil {
		return err
	}
	first := time.Now().Truncate(time.Second).Add(4 * time.Second)
	due := make([]time.Time, o.Posts)
	var b strings.Builder
	fmt.Fprintf(&b, "timezone: Europe/Helsinki\nlanguage: fi\nstate: ./state.db\nschedule:\n  poll: \"%d * * * *\"\nannouncements:\n", (time.Now().Minute()+30)%60)
	for i := range due {
		due[i] = first.Add(time.Duration(2*i) * time.Second)
		fmt.Fprintf(&b, "  - {id: lumobench-%d, text: \"Viive %d.\", at: %q}\n", i, i, due[i].UTC().Format("2006-01-02T15:04:05-07:00"))
	}
	fmt.Fprintf(&b, "targets:\n  - {name: hook, type: webhook, url: %q, max_per_hour: 0}\nhttp:\n  listen: \"\"\n", srv.URL+"/hook")
	cfg := filepath.Join(ld, "lumobot.yaml")
	if err := os.WriteFile(cfg, []byte(b.String()), 0o644); err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "run", "--config", cfg, "--log-level", "warn")
	cmd.Stderr = &stderr
	before := len(srv.Hooks())
	if err := cmd.Start(); err != nil {
		return err
	}
	defer stop(cmd)
	deadline := due[len(due)-1].Add(10 * time.Second)
	for len(srv.Hooks())-before < len(due) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	hooks := srv.Hooks()[before:]
	for i, d := range due {
		found := false
		for _, h := range hooks {
			if strings.Contains(h.Body, fmt.Sprintf("Viive %d.", i)) {
				r.Samples["latency"] = append(r.Samples["latency"], h.At.Sub(d))
				found = true
				break
			}
		}
		if !found {
			return fmt.Errorf("announcement %d (due %s) never arrived\n%s", i, d.Format(time.TimeOnly), tail(stderr.String()))
		}
	}
	r.Latency = median(r.Samples["latency"])
	return nil
}

func cpuMs(ds []time.Duration) string { return fmt.Sprintf("%.0f ms", float64(median(ds))/1e6) }

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func medianInt(xs []int64) int64 {
	ds := make([]time.Duration, len(xs))
	for i, x := range xs {
		ds[i] = time.Duration(x)
	}
	return int64(median(ds))
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
