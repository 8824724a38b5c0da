package main

// Replicas on one PostgreSQL state (issue 16), with the real binary: three
// `lumobot run` on one database post to the fakes of crash_test.go while
// they are killed and restarted, while the database goes away and comes
// back, and while a min_gap paces them. Without LUMOBOT_PG the tests skip
// (under CI they fail: .ci/run starts PostgreSQL and sets it).

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/bluesky"
	"github.com/lumohanke/lumobot/bot/store/pgstore"
)

// repDatabase returns the URL of a new, empty schema on LUMOBOT_PG (dropped
// at the end), or skips the test.
func repDatabase(t *testing.T) string {
	t.Helper()
	base := os.Getenv("LUMOBOT_PG")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LUMOBOT_PG is not set under CI: .ci/run starts PostgreSQL and exports it")
		}
		t.Skip("LUMOBOT_PG is not set: set it to a PostgreSQL URL (postgres://user:pass@127.0.0.1:5432/db?sslmode=disable) to run the replica tests")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "lumobot_replicas_" + hex.EncodeToString(b)
	ctx := context.Background()
	admin, err := pgxpool.New(ctx, base)
	if err != nil {
		t.Fatalf("LUMOBOT_PG: %v", err)
	}
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// repDuration is how long the chaos of TestReplicas lasts: LUMOBOT_REPLICA_SECONDS, else 45 s.
func repDuration(t *testing.T) time.Duration {
	d := 45 * time.Second
	if s := os.Getenv("LUMOBOT_REPLICA_SECONDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 5 {
			t.Fatalf("LUMOBOT_REPLICA_SECONDS=%q: want a number of seconds, 5 or more", s)
		}
		d = time.Duration(n) * time.Second
	}
	if testing.Short() {
		d = 15 * time.Second
	}
	return d
}

// inflight wraps the fakes and records, per post, how many requests for
// it are under way at once: a delivery must never be in flight twice.
type inflight struct {
	next http.Handler

	mu      sync.Mutex
	now     map[string]int
	overlap map[string]int // post → the most requests at once, when over 1
}

func newInflight(next http.Handler) *inflight {
	return &inflight{next: next, now: map[string]int{}, overlap: map[string]int{}}
}

// postKey names the post a request creates: Mastodon's Idempotency-Key,
// Bluesky's record key, X's text (its duplicate rule is by text).
func postKey(r *http.Request, body []byte) string {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		return "mastodon " + r.Header.Get("Idempotency-Key")
	case r.Method == http.MethodPost && r.URL.Path == "/2/tweets":
		var in struct{ Text string }
		json.Unmarshal(body, &in)
		return "x " + in.Text
	case r.URL.Path == "/xrpc/com.atproto.repo.putRecord":
		var in struct{ Rkey string }
		json.Unmarshal(body, &in)
		return "bluesky " + in.Rkey
	}
	return ""
}

func (f *inflight) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	key := postKey(r, body)
	if key != "" {
		f.mu.Lock()
		f.now[key]++
		if n := f.now[key]; n > 1 && n > f.overlap[key] {
			f.overlap[key] = n
		}
		f.mu.Unlock()
		var once sync.Once
		done := func() {
			once.Do(func() {
				f.mu.Lock()
				f.now[key]--
				f.mu.Unlock()
			})
		}
		defer done()
		// A request ends for its client when its connection is closed (a
		// lost answer): Go's transport may replay a POST with an
		// Idempotency-Key at once on a new connection, before this
		// handler has returned.
		w = hijackDone{ResponseWriter: w, done: done}
	}
	f.next.ServeHTTP(w, r)
}

// hijackDone is a ResponseWriter whose hijacked connection ends the
// request's time in flight when it is closed.
type hijackDone struct {
	http.ResponseWriter
	done func()
}

func (w hijackDone) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := w.ResponseWriter.(http.Hijacker).Hijack()
	if err != nil {
		return nil, nil, err
	}
	return closeDone{Conn: c, done: w.done}, rw, nil
}

type closeDone struct {
	net.Conn
	done func()
}

func (c closeDone) Close() error {
	c.done()
	return c.Conn.Close()
}

func (f *inflight) overlaps() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]int{}
	for k, v := range f.overlap {
		out[k] = v
	}
	return out
}

// fetchLog is a news feed that records when it was fetched.
type fetchLog struct {
	feed *feedServer
	mu   sync.Mutex
	at   []time.Time
}

func (f *fetchLog) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.at = append(f.at, time.Now())
	f.mu.Unlock()
	f.feed.ServeHTTP(w, r)
}

func (f *fetchLog) times() []time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Time(nil), f.at...)
}

// replica is one `lumobot run` of a test, restartable.
type replica struct {
	t       *testing.T
	name    string
	dir     string
	log     string
	listen  string // its HTTP address
	env     []string
	p       *dlvProc
	started int
}

func newReplica(t *testing.T, dir, name string, env ...string) *replica {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return &replica{t: t, name: name, dir: dir, log: filepath.Join(dir, name+".log"), listen: addr, env: env}
}

func (r *replica) start() {
	r.t.Helper()
	lf, err := os.OpenFile(r.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		r.t.Fatal(err)
	}
	cmd := exec.Command(binary, "run", "--log-format", "json")
	cmd.Dir = r.dir
	cmd.Env = append(append(os.Environ(), "LUMOBOT_HTTP_LISTEN="+r.listen), r.env...)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	p := &dlvProc{cmd: cmd, started: time.Now(), done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); lf.Close(); close(p.done) }()
	r.p = p
	r.started++
	r.t.Cleanup(p.kill)
}

func (r *replica) alive() bool {
	if r.p == nil {
		return false
	}
	select {
	case <-r.p.done:
		return false
	default:
		return true
	}
}

// ready asks the replica's /readyz: 200, 503, or 0 when it does not answer.
func (r *replica) ready() (int, string) {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get("http://" + r.listen + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(b))
}

// repDeliveries reads every delivery in the state at u, by target and key.
func repDeliveries(t *testing.T, u string) map[string]map[string]bot.Delivery {
	t.Helper()
	ctx := context.Background()
	st, err := pgstore.Open(ctx, u, pgstore.Options{Now: time.Now, ReadOnly: true})
	if err != nil {
		t.Fatalf("open state: %v", err)
	}
	defer st.Close()
	out := map[string]map[string]bot.Delivery{}
	counts, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for target := range counts {
		out[target] = map[string]bot.Delivery{}
		open, err := st.Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range open {
			out[target][d.Key] = d
		}
	}
	ended, err := st.Recent(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ended {
		out[d.Target][d.Key] = d
	}
	return out
}

func openCount(ds map[string]map[string]bot.Delivery) int {
	n := 0
	for _, m := range ds {
		for _, d := range m {
			if d.Status == bot.StatusPending || d.Status == bot.StatusSending {
				n++
			}
		}
	}
	return n
}

// checkExactlyOnce asserts that every expected key was sent once to each
// platform, nothing else was posted, and the outbox agrees with what the
// fakes hold.
func checkExactlyOnce(t *testing.T, fake *dlvFake, ds map[string]map[string]bot.Delivery, expected map[string]bool) {
	t.Helper()
	posts := fake.Posts()
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for _, target := range []string{"mastodon", "x", "bluesky"} {
		byText := map[string]int{}
		for _, p := range posts[target] {
			byText[p.Text]++
		}
		var keys []string
		for k := range ds[target] {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(ds[target]) != len(expected) {
			t.Errorf("%s: outbox has %d deliveries %v, want %d", target, len(ds[target]), keys, len(expected))
		}
		for key := range expected {
			d, ok := ds[target][key]
			if !ok {
				t.Errorf("%s: %s not in the outbox (lost)", target, key)
				continue
			}
			if d.Status != bot.StatusSent {
				t.Errorf("%s: %s is %s (%s), want sent", target, key, d.Status, d.Reason)
			}
			if n := byText[d.Text]; n != 1 {
				t.Errorf("%s: %s (%q) posted %d times, want once", target, key, d.Text, n)
			}
			switch target {
			case "mastodon":
				if i, ok := fake.idem[key]; !ok {
					t.Errorf("mastodon: no status created with Idempotency-Key %s", key)
				} else if fake.statuses[i].Text != d.Text || d.RemoteID != fake.statuses[i].ID {
					t.Errorf("mastodon: %s recorded remote id %q, the server holds %+v", key, d.RemoteID, fake.statuses[i])
				}
			case "bluesky":
				rkey := bluesky.RecordKey(key)
				if fake.records[rkey] != d.Text || d.RemoteID != "at://"+dlvDID+"/app.bsky.feed.post/"+rkey {
					t.Errorf("bluesky: %s: record %s holds %q, remote id %q", key, rkey, fake.records[rkey], d.RemoteID)
				}
			case "x":
				found := false
				for _, tw := range fake.tweets {
					found = found || (tw.Text == d.Text && tw.ID == d.RemoteID)
				}
				if !found && d.Status == bot.StatusSent && d.RemoteID != "" {
					t.Errorf("x: %s recorded remote id %q, which holds no tweet %q", key, d.RemoteID, d.Text)
				}
			}
		}
		if len(posts[target]) != len(expected) {
			t.Errorf("%s holds %d posts, want exactly %d", target, len(posts[target]), len(expected))
		}
	}
}

// repConfig is the replicas' config: a news feed polled every two seconds,
// announcements due at ats, the three fake platforms at api.
func repConfig(state, feedURL, api string, ats []time.Time, schedule string) string {
	loc, _ := time.LoadLocation("Europe/Helsinki")
	var b strings.Builder
	fmt.Fprintf(&b, "timezone: Europe/Helsinki\nhashtags: [\"#LUMOhanke\"]\nstate: %s\n", state)
	b.WriteString("schedule:\n  poll: \"*/2 * * * * *\"\n  retry_initial: 200ms\n  retry_max: 1s\n" + schedule)
	if feedURL != "" {
		fmt.Fprintf(&b, "feeds:\n  - name: uutiset\n    url: %s\n    backfill: 100\n", feedURL)
	}
	if len(ats) > 0 {
		b.WriteString("announcements:\n")
	}
	for i, at := range ats {
		fmt.Fprintf(&b, "  - id: a%d\n    text: \"Tiedote %d: LUMO-hankkeen kehittäjäryhmä kokoontuu\"\n    at: %s\n", i, i, at.In(loc).Format(time.RFC3339Nano))
	}
	b.WriteString(dlvTargets(api, "5s"))
	return b.String()
}

// TestReplicas runs three replicas on one database for repDuration while
// they are killed with SIGKILL at random and restarted, posting
// announcements and news to fakes that fail 20 % of requests, lose 20 % of
// answers and answer slowly; then lets them finish. Every post must be on
// every platform exactly once, the outbox must agree, no post may ever have
// been in flight twice at once, and the feed must have been fetched about
// once per poll, not once per replica.
func TestReplicas(t *testing.T) {
	u := repDatabase(t)
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LUMOBOT_REPLICA_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (LUMOBOT_REPLICA_SEED=%d repeats the kill schedule and faults)", seed, seed)
	rng := mrand.New(mrand.NewPCG(seed, 2))
	chaos := repDuration(t)

	fake, _ := newDlvFake(t, seed)
	fake.FailP, fake.LoseP, fake.Latency = 0.20, 0.20, 300*time.Millisecond
	rec := newInflight(fake)
	api := httptest.NewServer(rec)
	t.Cleanup(api.Close)

	var items []string
	for i := range 5 {
		items = append(items, fmt.Sprintf("Uutinen %d: kehittäjäryhmä kokoontuu", i))
	}
	feed := &fetchLog{feed: &feedServer{items: items}}
	fsrv := httptest.NewServer(feed)
	t.Cleanup(fsrv.Close)

	dir := t.TempDir()
	var ats []time.Time
	for i := 0; time.Duration(i)*2*time.Second < chaos; i++ {
		ats = append(ats, time.Now().Add(3*time.Second+time.Duration(i)*2*time.Second))
	}
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), repConfig(u+"&lease=5s", fsrv.URL+"/feed.xml", api.URL, ats, ""))
	expected := map[string]bool{}
	for i := range ats {
		expected[fmt.Sprintf("announcement:a%d:once", i)] = true
	}

	reps := []*replica{newReplica(t, dir, "r0"), newReplica(t, dir, "r1"), newReplica(t, dir, "r2")}
	for _, r := range reps {
		r.start()
	}
	start := time.Now()
	kills, inflightKills, nextItem := 0, 0, len(items)
	lastItem := time.Now()
	for time.Since(start) < chaos {
		time.Sleep(time.Duration(500+rng.IntN(2500)) * time.Millisecond)
		for _, r := range reps {
			if r.p != nil && !r.alive() && !r.killed() {
				t.Fatalf("%s exited on its own (%v):\n%s", r.name, r.p.err, dlvTail(r.log, 30))
			}
		}
		// Kill one at random (never the last one standing), restart the
		// dead ones after a while.
		var live []*replica
		for _, r := range reps {
			if r.alive() {
				live = append(live, r)
			}
		}
		if len(live) > 1 {
			victim := live[rng.IntN(len(live))]
			if fake.unanswered.Load() > 0 {
				inflightKills++
			}
			victim.p.kill()
			kills++
		}
		for _, r := range reps {
			if !r.alive() && rng.IntN(2) == 0 {
				r.start()
			}
		}
		if time.Since(lastItem) > 3*time.Second {
			feed.feed.add(fmt.Sprintf("Uutinen %d: lisätty replikoiden kaatuessa", nextItem))
			nextItem++
			lastItem = time.Now()
		}
	}
	for i := range nextItem {
		expected[fmt.Sprintf("news:uutiset:uutinen-%d", i)] = true
	}
	chaosEnd := time.Now()
	t.Logf("%d SIGKILLs in %s (%d with a post recorded by a platform but not yet answered); %d replica starts",
		kills, chaosEnd.Sub(start).Round(time.Millisecond), inflightKills, reps[0].started+reps[1].started+reps[2].started)

	// Then all three up until every delivery has ended.
	for _, r := range reps {
		if !r.alive() {
			r.start()
		}
	}
	var ds map[string]map[string]bot.Delivery
	if !dlvWait(60*time.Second, func() bool {
		ps := fake.Posts()
		if len(ps["mastodon"]) < len(expected) || len(ps["x"]) < len(expected) || len(ps["bluesky"]) < len(expected) {
			return false
		}
		ds = repDeliveries(t, u)
		return openCount(ds) == 0
	}) {
		t.Errorf("not done 60 s after the chaos: %d deliveries open", openCount(repDeliveries(t, u)))
	}
	for _, r := range reps {
		if code, took := r.p.stop(15 * time.Second); code != 0 {
			t.Errorf("%s: SIGTERM: exit %d after %s\n%s", r.name, code, took, dlvTail(r.log, 20))
		}
	}
	ds = repDeliveries(t, u)
	checkExactlyOnce(t, fake, ds, expected)

	if ov := rec.overlaps(); len(ov) > 0 {
		t.Errorf("posts in flight more than once at a time: %v", ov)
	}
	// Each poll fetched the feed once: at most one fetch per two-second
	// poll slot, but for a slot in which the leader died (a handover may
	// poll the slot again).
	fetches := feed.times()
	slots := map[int64]int{}
	inChaos := 0
	for _, at := range fetches {
		if at.Before(chaosEnd) {
			slots[at.Unix()/2]++
			inChaos++
		}
	}
	doubled := 0
	for _, n := range slots {
		doubled += n - 1
	}
	polls := int(chaosEnd.Sub(start) / (2 * time.Second))
	t.Logf("feed fetched %d times in %d two-second poll slots of the chaos (%d polls due; %d slots fetched more than once); %d times in all", inChaos, len(slots), polls, doubled, len(fetches))
	if doubled > kills {
		t.Errorf("%d poll slots fetched more than once, more than the %d kills explain: the replicas poll each for itself", doubled, kills)
	}
	if len(slots) < polls/2 {
		t.Errorf("only %d of %d polls fetched the feed", len(slots), polls)
	}
	outcomes := map[string]int{}
	for _, r := range fake.Requests() {
		outcomes[r.Platform+" "+r.Outcome]++
	}
	t.Logf("%d posts on each of 3 platforms (%d announcements, %d news); requests by outcome: %v", len(expected), len(ats), nextItem, outcomes)
	t.Logf("in the replicas' logs: %v", logCount(reps, "this replica polls the feeds now", "platform says the post exists already", "post sent\"", "post failed, will retry"))
	if t.Failed() {
		for _, r := range reps {
			t.Logf("%s log tail:\n%s", r.name, dlvTail(r.log, 30))
		}
	}
}

// logCount counts the lines of the replicas' logs that contain each of
// msgs.
func logCount(reps []*replica, msgs ...string) map[string]int {
	out := map[string]int{}
	for _, r := range reps {
		b, _ := os.ReadFile(r.log)
		for _, m := range msgs {
			out[m] += strings.Count(string(b), m)
		}
	}
	return out
}

// killed reports whether the replica's process ended by SIGKILL (the
// test's); any other end during the chaos is a failure.
func (r *replica) killed() bool {
	ws, ok := r.p.cmd.ProcessState.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// pgProxy is a TCP proxy in front of PostgreSQL that the test can cut: cut
// closes every connection and refuses new ones (they are closed at once),
// heal lets them through again.
type pgProxy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	cut   bool
	conns map[net.Conn]bool
}

func newPGProxy(t *testing.T, target string) *pgProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &pgProxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.setCut(true) })
	go p.serve()
	return p
}

func (p *pgProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		cut := p.cut
		if !cut {
			p.conns[c] = true
		}
		p.mu.Unlock()
		if cut {
			c.Close()
			continue
		}
		go p.pipe(c)
	}
}

func (p *pgProxy) pipe(c net.Conn) {
	s, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[s] = true
	p.mu.Unlock()
	done := make(chan struct{}, 2)
	go func() { io.Copy(s, c); done <- struct{}{} }()
	go func() { io.Copy(c, s); done <- struct{}{} }()
	<-done
	c.Close()
	s.Close()
	p.mu.Lock()
	delete(p.conns, c)
	delete(p.conns, s)
	p.mu.Unlock()
}

func (p *pgProxy) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
		}
	}
}

// via is u with its host and port replaced by the proxy's.
func (p *pgProxy) via(t *testing.T, u string) string {
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	pu.Host = p.ln.Addr().String()
	q := pu.Query()
	q.Set("connect_timeout", "2")
	pu.RawQuery = q.Encode()
	return pu.String()
}

// TestReplicasSurviveDatabaseOutage: the database goes away for longer
// than the lease while three replicas have posts due; every replica says
// not ready meanwhile and keeps running, says ready again once it is back,
// and every post goes out exactly once.
func TestReplicasSurviveDatabaseOutage(t *testing.T) {
	u := repDatabase(t)
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newPGProxy(t, pu.Host)
	fake, _ := newDlvFake(t, 7)
	fake.FailP, fake.LoseP, fake.Latency = 0.10, 0.10, 300*time.Millisecond
	// One Mastodon post is slow: the database goes while it is in flight,
	// so its answer comes when "sent" cannot be recorded.
	slow := make(chan struct{}, 1)
	var once sync.Once
	fake.Hook = func(platform string, w http.ResponseWriter, r *http.Request) bool {
		if platform == "mastodon" && isPost(r) && r.Header.Get("Idempotency-Key") == "announcement:a1:once" {
			once.Do(func() { slow <- struct{}{}; time.Sleep(2500 * time.Millisecond) })
		}
		return false
	}
	rec := newInflight(fake)
	api := httptest.NewServer(rec)
	t.Cleanup(api.Close)
	dir := t.TempDir()
	// Due before, during and after the outage (it is from 6 s to 18 s).
	var ats []time.Time
	for i := range 12 {
		ats = append(ats, time.Now().Add(4*time.Second+time.Duration(i)*1500*time.Millisecond))
	}
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), repConfig(proxy.via(t, u)+"&lease=5s", "", api.URL, ats, ""))
	expected := map[string]bool{}
	for i := range ats {
		expected[fmt.Sprintf("announcement:a%d:once", i)] = true
	}
	reps := []*replica{newReplica(t, dir, "r0"), newReplica(t, dir, "r1"), newReplica(t, dir, "r2")}
	for _, r := range reps {
		r.start()
	}
	for _, r := range reps {
		if !dlvWait(15*time.Second, func() bool { code, _ := r.ready(); return code == 200 }) {
			code, body := r.ready()
			t.Fatalf("%s not ready before the outage: %d %s\n%s", r.name, code, body, dlvTail(r.log, 20))
		}
	}
	select {
	case <-slow:
	case <-time.After(20 * time.Second):
		t.Fatal("the slow post never came")
	}
	time.Sleep(300 * time.Millisecond)
	before := len(fake.Posts()["mastodon"])
	proxy.setCut(true)
	cutAt := time.Now()
	t.Logf("database cut with %d of %d posts out on mastodon", before, len(ats))
	for _, r := range reps {
		if !dlvWait(10*time.Second, func() bool { code, _ := r.ready(); return code == 503 }) {
			code, body := r.ready()
			t.Errorf("%s still says %d %q with the database gone", r.name, code, body)
		} else {
			_, body := r.ready()
			t.Logf("%s during the outage: %s", r.name, body)
		}
	}
	time.Sleep(time.Until(cutAt.Add(12 * time.Second)))
	for _, r := range reps {
		if !r.alive() {
			t.Errorf("%s exited during the outage (%v):\n%s", r.name, r.p.err, dlvTail(r.log, 20))
		}
	}
	proxy.setCut(false)
	healed := time.Now()
	for _, r := range reps {
		if !dlvWait(30*time.Second, func() bool { code, _ := r.ready(); return code == 200 }) {
			code, body := r.ready()
			t.Errorf("%s not ready again 30 s after the database came back: %d %s\n%s", r.name, code, body, dlvTail(r.log, 20))
		}
	}
	t.Logf("ready again %s after the database came back", time.Since(healed).Round(time.Millisecond))
	var ds map[string]map[string]bot.Delivery
	ok := dlvWait(40*time.Second, func() bool {
		ds = repDeliveries(t, u)
		return openCount(ds) == 0 && len(fake.Posts()["mastodon"]) >= len(ats)
	})
	if !ok {
		t.Errorf("%d deliveries still open 40 s after the database came back", openCount(ds))
	}
	for _, r := range reps {
		if code, took := r.p.stop(15 * time.Second); code != 0 {
			t.Errorf("%s: SIGTERM: exit %d after %s", r.name, code, took)
		}
	}
	checkExactlyOnce(t, fake, repDeliveries(t, u), expected)
	if ov := rec.overlaps(); len(ov) > 0 {
		t.Errorf("posts in flight more than once at a time: %v", ov)
	}
	logged := logCount(reps, "not renewed in time: its request is cut short", "post sent but not recorded",
		"plan failed", "delivery works again", "platform says the post exists already")
	t.Logf("in the replicas' logs: %v", logged)
	if logged["post sent but not recorded"]+logged["not renewed in time: its request is cut short"] == 0 {
		t.Error("the post in flight when the database went was neither cut short nor sent without a record: the outage missed it")
	}
	if t.Failed() {
		for _, r := range reps {
			t.Logf("%s log tail:\n%s", r.name, dlvTail(r.log, 40))
		}
	}
}

// TestReplicasPaceAsOne: with min_gap, three replicas post no faster than
// one would: every platform receives the posts min_gap apart.
func TestReplicasPaceAsOne(t *testing.T) {
	u := repDatabase(t)
	fake, _ := newDlvFake(t, 9)
	fake.Latency = 100 * time.Millisecond
	api := httptest.NewServer(fake)
	t.Cleanup(api.Close)
	dir := t.TempDir()
	const gap = 2 * time.Second
	due := time.Now().Add(3 * time.Second)
	ats := []time.Time{due, due, due, due, due}
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), repConfig(u, "", api.URL, ats, "  min_gap: 2s\n"))
	reps := []*replica{newReplica(t, dir, "r0"), newReplica(t, dir, "r1"), newReplica(t, dir, "r2")}
	for _, r := range reps {
		r.start()
	}
	ok := dlvWait(due.Sub(time.Now())+time.Duration(len(ats))*gap+15*time.Second, func() bool {
		ps := fake.Posts()
		return len(ps["mastodon"]) == len(ats) && len(ps["x"]) == len(ats) && len(ps["bluesky"]) == len(ats)
	})
	for _, r := range reps {
		r.p.stop(15 * time.Second)
	}
	if !ok {
		t.Fatalf("not every post went out: %v", fake.Posts())
	}
	for platform, ps := range fake.Posts() {
		sort.Slice(ps, func(i, j int) bool { return ps[i].At.Before(ps[j].At) })
		for i := 1; i < len(ps); i++ {
			if d := ps[i].At.Sub(ps[i-1].At); d < gap {
				t.Errorf("%s: posts %d and %d only %s apart, min_gap %s", platform, i-1, i, d.Round(time.Millisecond), gap)
			}
		}
	}
}

// A PostgreSQL state is named by validate and check without its password,
// and no log line or error of run shows it: not when the database cannot
// be reached (the daemon waits for it, run --once ends with exit 1).
func TestStatePasswordNeverShown(t *testing.T) {
	dir := t.TempDir()
	const password = "hunter2-correct-horse"
	cfg := "state: postgres://lumobot:${PGPASSWORD}@127.0.0.1:1/lumobot?sslmode=disable&connect_timeout=1\n" +
		"targets:\n  - {name: konsoli, type: console}\nhttp:\n  listen: \"\"\n"
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), cfg)
	env := append(os.Environ(), "PGPASSWORD="+password, "LUMOBOT_HTTP_LISTEN=")
	run := func(limit time.Duration, args ...string) (string, int) {
		ctx, cancel := context.WithTimeout(context.Background(), limit)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary, args...)
		cmd.Dir, cmd.Env = dir, env
		cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
		out, _ := cmd.CombinedOutput()
		return string(out), cmd.ProcessState.ExitCode()
	}
	out, code := run(10*time.Second, "validate")
	if code != 0 || !strings.Contains(out, "state: PostgreSQL postgres://lumobot:xxxxx@127.0.0.1:1/lumobot") {
		t.Errorf("validate: exit %d, %q; want the state named as PostgreSQL", code, out)
	}
	out2, code := run(20*time.Second, "run", "--once")
	if code != 1 || !strings.Contains(out2, "127.0.0.1:1") {
		t.Errorf("run --once on an unreachable database: exit %d, %q; want 1 naming the server", code, out2)
	}
	out3, _ := run(4*time.Second, "run", "--log-format", "json")
	if !strings.Contains(out3, "cannot be reached; trying again") {
		t.Errorf("the daemon does not say it waits for the database: %q", out3)
	}
	for _, o := range []string{out, out2, out3} {
		if strings.Contains(o, password) || strings.Contains(o, "hunter2") {
			t.Errorf("the password is shown: %s", o)
		}
	}
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), strings.Replace(cfg, "postgres://lumobot:${PGPASSWORD}@127.0.0.1:1/lumobot?sslmode=disable&connect_timeout=1", "state/lumobot.db", 1))
	if out, _ := run(10*time.Second, "validate"); !strings.Contains(out, "state: SQLite state/lumobot.db") {
		t.Errorf("validate of an SQLite state: %q", out)
	}
}
