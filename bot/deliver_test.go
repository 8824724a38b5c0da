package bot_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// poster answers each call with the next scripted error (nil after the
// script), and may block until released.
type poster struct {
	mu      sync.Mutex
	script  []error
	calls   []bot.Post
	release chan struct{} // nil: answer at once
	started chan struct{} // told of each call, if set
}

func (p *poster) Post(ctx context.Context, post bot.Post) (bot.Receipt, error) {
	if p.started != nil {
		p.started <- struct{}{}
	}
	if p.release != nil {
		select {
		case <-p.release:
		case <-ctx.Done():
			return bot.Receipt{}, ctx.Err()
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls = append(p.calls, post)
	var err error
	if len(p.script) > 0 {
		err, p.script = p.script[0], p.script[1:]
	}
	if err != nil {
		return bot.Receipt{}, err
	}
	return bot.Receipt{ID: "id-" + post.Key, URL: "https://social.example/" + post.Key}, nil
}

func (p *poster) Length(s string) int { return len([]rune(s)) }
func (p *poster) Limit() int          { return 0 }

func (p *poster) n() int { p.mu.Lock(); defer p.mu.Unlock(); return len(p.calls) }

// logged collects log lines.
type logged struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logged) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}
func (l *logged) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Count(l.buf.String(), s)
}

// outcomes counts what an Observer hears.
type outcomes struct {
	mu       sync.Mutex
	finished map[string]int // target/status
	floods   int
}

func (o *outcomes) Polled(string, bool, error, time.Time) {}
func (o *outcomes) Warned(string, int)                    {}
func (o *outcomes) Reloaded(bool)                         {}
func (o *outcomes) NextDue(time.Time)                     {}
func (o *outcomes) Flooded(string)                        { o.mu.Lock(); o.floods++; o.mu.Unlock() }
func (o *outcomes) Finished(target string, _ bot.Kind, st bot.Status) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.finished == nil {
		o.finished = map[string]int{}
	}
	o.finished[target+"/"+string(st)]++
}

// rig is a Deliverer over a real state, a fake clock and scripted posters.
type rig struct {
	t     *testing.T
	ctx   context.Context
	clock *fakeClock
	st    bot.Store
	log   *logged
	obs   *outcomes
	d     *bot.Deliverer
}

var t0 = hel("2026-12-02 10:00")

func newRig(t *testing.T, st bot.Store) *rig {
	if st == nil {
		st = newState(t)
	}
	r := &rig{t: t, ctx: context.Background(), clock: newClock(t0), st: st, log: &logged{}, obs: &outcomes{}}
	r.d = &bot.Deliverer{
		Store:    st,
		Retry:    bot.Retry{Initial: 10 * time.Second, Max: time.Minute, GiveUp: 5 * time.Minute, Jitter: func() float64 { return 1 }},
		Clock:    r.clock,
		Logger:   slog.New(slog.NewJSONHandler(r.log, nil)),
		Observer: r.obs,
		Redact:   func(s string) string { return strings.ReplaceAll(s, "s3cret", "[redacted]") },
	}
	return r
}

func (r *rig) target(name string, p *poster) bot.Target {
	return bot.Target{Name: name, Type: "test", Poster: p, Counter: p, Gate: bot.Gate{Location: helsinki}}
}

func (r *rig) enqueue(target string, keys ...string) {
	r.t.Helper()
	var posts []bot.Post
	for _, k := range keys {
		posts = append(posts, bot.Post{Key: k, Kind: bot.KindAnnouncement, Target: target, Due: r.clock.Now(), Text: "teksti " + k, Lang: "fi", Order: r.clock.Now()})
	}
	if err := r.st.Enqueue(r.ctx, posts, r.clock.Now()); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) deliver(t bot.Target) time.Time {
	r.t.Helper()
	next, err := r.d.Deliver(r.ctx, t)
	if err != nil {
		r.t.Fatal(err)
	}
	return next
}

// status returns the delivery's row.
func (r *rig) status(target, key string) bot.Delivery {
	r.t.Helper()
	open, err := r.st.Open(r.ctx, target)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, o := range open {
		if o.Key == key {
			return o
		}
	}
	type recent interface {
		Recent(ctx context.Context, n int) ([]bot.Delivery, error)
	}
	ended, err := r.st.(recent).Recent(r.ctx, 1000)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, d := range ended {
		if d.Key == key && d.Target == target {
			return d
		}
	}
	r.t.Fatalf("%s→%s not in the outbox", key, target)
	return bot.Delivery{}
}

func TestDeliverSuccess(t *testing.T) {
	r := newRig(t, nil)
	p := &poster{}
	r.enqueue("a", "k1", "k2")
	if next := r.deliver(r.target("a", p)); !next.IsZero() {
		t.Errorf("next = %s, want nothing waiting", next)
	}
	if p.n() != 2 {
		t.Fatalf("%d posts, want 2", p.n())
	}
	for _, k := range []string{"k1", "k2"} {
		d := r.status("a", k)
		if d.Status != bot.StatusSent || d.RemoteID != "id-"+k || d.Attempts != 1 {
			t.Errorf("%s: %+v", k, d)
		}
	}
	if r.obs.finished["a/sent"] != 2 {
		t.Errorf("observer: %v", r.obs.finished)
	}
	// A second pass sends nothing again.
	r.deliver(r.target("a", p))
	if p.n() != 2 {
		t.Errorf("resent: %d posts", p.n())
	}
}

func TestDeliverPermanentFailureRedacted(t *testing.T) {
	r := newRig(t, nil)
	p := &poster{script: []error{bot.Permanent(errors.New("HTTP 401: bad key s3cret"))}}
	r.enqueue("a", "k")
	r.deliver(r.target("a", p))
	d := r.status("a", "k")
	if d.Status != bot.StatusFailed || strings.Contains(d.Reason, "s3cret") || !strings.Contains(d.Reason, "401") {
		t.Errorf("%s %q: want failed, 401, secret redacted", d.Status, d.Reason)
	}
	if r.log.count("s3cret") != 0 {
		t.Error("secret logged")
	}
	if r.log.count(`"level":"ERROR","msg":"post failed"`) != 1 {
		t.Errorf("want one error line:\n%s", r.log.buf.String())
	}
}

func TestDeliverRetryAtHoldsTheTarget(t *testing.T) {
	r := newRig(t, nil)
	reset := t0.Add(2 * time.Minute)
	p := &poster{script: []error{bot.RetryAt(errors.New("HTTP 429"), reset)}}
	r.enqueue("a", "k1")
	tg := r.target("a", p)
	if next := r.deliver(tg); !next.Equal(reset) {
		t.Errorf("next = %s, want the reset %s", next, reset)
	}
	// Another post due meanwhile waits too: the limit is the account's.
	r.clock.Add(time.Minute)
	r.enqueue("a", "k2")
	if next := r.deliver(tg); !next.Equal(reset) || p.n() != 1 {
		t.Errorf("next %s, %d calls: want held until %s with no call", next, p.n(), reset)
	}
	r.clock.Set(reset)
	r.deliver(tg)
	if p.n() != 3 || r.status("a", "k1").Status != bot.StatusSent || r.status("a", "k2").Status != bot.StatusSent {
		t.Errorf("after the reset: %d calls, %s %s", p.n(), r.status("a", "k1").Status, r.status("a", "k2").Status)
	}
}

func TestDeliverBackoffThenGiveUp(t *testing.T) {
	r := newRig(t, nil)
	fail := errors.New("connection reset")
	p := &poster{script: []error{fail, fail, fail, fail, fail, fail, fail, fail, fail, fail}}
	r.enqueue("a", "k")
	tg := r.target("a", p)
	var waits []time.Duration
	for i := 0; i < 10 && r.status("a", "k").Status == bot.StatusPending; i++ {
		next := r.deliver(tg)
		if next.IsZero() {
			break
		}
		waits = append(waits, next.Sub(r.clock.Now()))
		r.clock.Set(next)
	}
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, time.Minute, time.Minute, time.Minute}
	if len(waits) < len(want) {
		t.Fatalf("waits %v", waits)
	}
	for i, w := range want {
		if waits[i] != w {
			t.Errorf("wait %d = %s, want %s (all %v)", i+1, waits[i], w, waits)
		}
	}
	d := r.status("a", "k")
	if d.Status != bot.StatusFailed || !strings.Contains(d.Reason, "gave up after 5m0s: connection reset") {
		t.Errorf("%s %q, want failed after giving up", d.Status, d.Reason)
	}
	if got := r.clock.Now().Sub(t0); got > 5*time.Minute {
		t.Errorf("gave up %s after the first try, want within give_up_after", got)
	}
}

func TestDeliverAlreadySentAndDuplicates(t *testing.T) {
	r := newRig(t, nil)
	dup := bot.Permanent(errors.New("x: 403 duplicate content: " + bot.ErrDuplicate.Error()))
	dup = errors.Join(dup, bot.ErrDuplicate)
	lost := errors.New("timeout awaiting response")
	p := &poster{script: []error{
		errors.Join(errors.New("exists"), bot.ErrAlreadySent), // k1: the platform proves it has this post
		dup,       // k2: a first attempt refused as a duplicate: another post has its text
		lost, dup, // k3: an unknown outcome, then the refusal proves it went out
		bot.RetryAt(errors.New("HTTP 429"), t0.Add(time.Minute)), dup, // k4: refused outright, then duplicate: another post
	}}
	tg := r.target("a", p)
	for _, k := range []string{"k1", "k2", "k3", "k4"} {
		r.enqueue("a", k)
		for i := 0; i < 3; i++ {
			next := r.deliver(tg)
			if next.IsZero() {
				break
			}
			r.clock.Set(next)
		}
	}
	for k, want := range map[string]bot.Status{"k1": bot.StatusSent, "k2": bot.StatusFailed, "k3": bot.StatusSent, "k4": bot.StatusFailed} {
		d := r.status("a", k)
		if d.Status != want {
			t.Errorf("%s: %s (%q), want %s", k, d.Status, d.Reason, want)
		}
		if want == bot.StatusFailed && !strings.Contains(d.Reason, "duplicate") {
			t.Errorf("%s: reason %q does not say duplicate", k, d.Reason)
		}
	}
	if n := r.log.count(`"level":"WARN","msg":"platform refused the post as a duplicate`); n != 2 {
		t.Errorf("%d warnings for refused duplicates, want 2", n)
	}
}

// A crash between "sending" and "sent" leaves an attempt of unknown
// outcome: the next process sends it again at once, under the same key,
// whatever the gate says (the gate let it through before).
func TestDeliverResendsInterruptedAttempt(t *testing.T) {
	r := newRig(t, nil)
	r.enqueue("a", "k")
	if ok, err := r.st.MarkSending(r.ctx, "k", "a", t0); !ok || err != nil {
		t.Fatal(ok, err)
	}
	p := &poster{}
	tg := r.target("a", p)
	tg.Gate.Quiet = bot.QuietHours{Start: bot.TimeOfDay{Hour: 0}, End: bot.TimeOfDay{Hour: 23, Minute: 59}, Set: true}
	r.deliver(tg)
	d := r.status("a", "k")
	if p.n() != 1 || d.Status != bot.StatusSent || d.Attempts != 2 {
		t.Errorf("%d calls, %+v: want one re-send recorded sent at attempt 2", p.n(), d)
	}
}

func TestDeliverExpiredIsSkipped(t *testing.T) {
	r := newRig(t, nil)
	post := bot.Post{Key: "reminder:e:1h", Kind: bot.KindReminder, Target: "a", Due: t0, Expires: t0.Add(time.Minute), Text: "x", Lang: "fi"}
	if err := r.st.Enqueue(r.ctx, []bot.Post{post}, t0); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(2 * time.Minute)
	p := &poster{}
	r.deliver(r.target("a", p))
	if d := r.status("a", post.Key); p.n() != 0 || d.Status != bot.StatusSkipped || d.Reason != "event already started" {
		t.Errorf("%d calls, %s %q", p.n(), d.Status, d.Reason)
	}
}

// A slow platform holds back no other: while one target's request hangs,
// the other's post goes out and is recorded.
func TestDeliverAllSlowTargetHoldsNoOther(t *testing.T) {
	m := newModel(t)
	st := newState(t)
	clock := newClock(t0)
	slow := &poster{release: make(chan struct{}), started: make(chan struct{}, 1)}
	fast := &poster{}
	b := bot.New(m.Config, bot.Deps{Store: st, Clock: clock, Targets: []bot.Target{
		{Name: "slow", Poster: slow, Counter: slow, Gate: bot.Gate{Location: helsinki}},
		{Name: "fast", Poster: fast, Counter: fast, Gate: bot.Gate{Location: helsinki}},
	}})
	var posts []bot.Post
	for _, tg := range []string{"slow", "fast"} {
		posts = append(posts, bot.Post{Key: "k", Kind: bot.KindAnnouncement, Target: tg, Due: t0, Text: "x", Lang: "fi"})
	}
	if err := st.Enqueue(context.Background(), posts, t0); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		b.DeliverAll(context.Background())
		close(done)
	}()
	<-slow.started
	deadline := time.After(10 * time.Second)
	for {
		open, _ := st.Open(context.Background(), "fast")
		if len(open) == 0 && fast.n() == 1 {
			break
		}
		select {
		case <-deadline:
			t.Fatal("the fast target waited for the slow one")
		case <-time.After(5 * time.Millisecond):
		}
	}
	close(slow.release)
	<-done
	if slow.n() != 1 {
		t.Errorf("slow target: %d calls", slow.n())
	}
}

// failingStore fails MarkSent a number of times, as a full disk does, and
// can say it cannot record.
type failingStore struct {
	bot.Store
	mu          sync.Mutex
	markSentErr int   // fail this many MarkSent calls
	cannot      error // CanRecord's answer
}

func (s *failingStore) MarkSent(ctx context.Context, key, target string, r bot.Receipt, now time.Time) error {
	s.mu.Lock()
	if s.markSentErr > 0 {
		s.markSentErr--
		s.mu.Unlock()
		return errors.New("database or disk is full")
	}
	s.mu.Unlock()
	return s.Store.MarkSent(ctx, key, target, r, now)
}

func (s *failingStore) CanRecord(context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cannot
}

func (s *failingStore) Recent(ctx context.Context, n int) ([]bot.Delivery, error) {
	return s.Store.(interface {
		Recent(context.Context, int) ([]bot.Delivery, error)
	}).Recent(ctx, n)
}

// Disk full after the send: the receipt is kept and recording retried;
// the post is never sent again.
func TestDeliverKeepsReceiptWhenRecordingFails(t *testing.T) {
	fs := &failingStore{Store: newState(t), markSentErr: 3}
	r := newRig(t, fs)
	p := &poster{}
	r.enqueue("a", "k")
	tg := r.target("a", p)
	for i := 0; i < 5; i++ {
		r.d.Deliver(r.ctx, tg)
		r.clock.Add(10 * time.Second)
	}
	if p.n() != 1 {
		t.Errorf("%d posts, want 1: a post this process holds a receipt for was sent again", p.n())
	}
	if d := r.status("a", "k"); d.Status != bot.StatusSent || d.RemoteID != "id-k" {
		t.Errorf("%+v, want sent with its receipt", d)
	}
	if n := r.log.count("post sent but not recorded"); n != 1 {
		t.Errorf("%d lines saying so, want 1", n)
	}
}

// A state that cannot record holds sending, and says why; it resumes once
// the state can.
func TestDeliverHoldsWhileStateCannotRecord(t *testing.T) {
	fs := &failingStore{Store: newState(t), cannot: errors.New("12 MB free, want 64 MB")}
	r := newRig(t, fs)
	p := &poster{}
	r.enqueue("a", "k")
	tg := r.target("a", p)
	next := r.deliver(tg)
	if p.n() != 0 || next.IsZero() {
		t.Fatalf("%d posts, next %s: want none and a look again", p.n(), next)
	}
	fs.mu.Lock()
	fs.cannot = nil
	fs.mu.Unlock()
	r.clock.Set(next)
	r.deliver(tg)
	if p.n() != 1 || r.status("a", "k").Status != bot.StatusSent {
		t.Errorf("%d posts after the state recovered", p.n())
	}
	if r.log.count("sending is held") != 1 || r.log.count("sending resumes") != 1 {
		t.Errorf("log:\n%s", r.log.buf.String())
	}
}

// The safety valve holds what passes max_per_hour, loudly, once.
func TestDeliverMaxPerHour(t *testing.T) {
	r := newRig(t, nil)
	p := &poster{}
	for _, k := range []string{"k1", "k2", "k3", "k4"} {
		r.enqueue("a", k)
	}
	tg := r.target("a", p)
	tg.Gate.MaxPerHour = 2
	next := r.deliver(tg)
	r.deliver(tg)
	if p.n() != 2 {
		t.Fatalf("%d posts in the first hour, want 2", p.n())
	}
	if next.IsZero() || next.Sub(t0) != time.Hour {
		t.Errorf("next %s, want an hour after the first post", next)
	}
	if got := r.d.Flooded(); len(got) != 1 || got[0] != "a" {
		t.Errorf("Flooded = %v", got)
	}
	if r.obs.floods != 1 || r.log.count("max_per_hour reached") != 1 {
		t.Errorf("%d flood counts, %d lines; want 1 each", r.obs.floods, r.log.count("max_per_hour reached"))
	}
	r.clock.Set(next)
	r.deliver(tg)
	if p.n() != 4 || len(r.d.Flooded()) != 0 {
		t.Errorf("after the hour: %d posts, flooded %v", p.n(), r.d.Flooded())
	}
}

func TestRetryDelay(t *testing.T) {
	r := bot.Retry{Initial: time.Second, Max: 5 * time.Second, Jitter: func() float64 { return 1 }}
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 4: 5 * time.Second, 10: 5 * time.Second} {
		if got := r.Delay(n); got != want {
			t.Errorf("Delay(%d) = %s, want %s", n, got, want)
		}
	}
	r.Jitter = nil
	for i := 0; i < 100; i++ {
		if d := r.Delay(1); d < 800*time.Millisecond || d >= 1200*time.Millisecond {
			t.Fatalf("jittered delay %s outside ±20%%", d)
		}
	}
}

// Paused, nothing goes out for as long as it lasts; what expires meanwhile
// is recorded skipped when it does; resumed, what is in time goes out.
func TestDeliverPaused(t *testing.T) {
	r := newRig(t, nil)
	p := &poster{}
	r.enqueue("a", "k")
	reminder := bot.Post{Key: "reminder:e:1h", Kind: bot.KindReminder, Target: "a", Due: t0, Expires: t0.Add(30 * time.Minute), Text: "x", Lang: "fi"}
	if err := r.st.Enqueue(r.ctx, []bot.Post{reminder}, t0); err != nil {
		t.Fatal(err)
	}
	r.d.Paused = true
	tg := r.target("a", p)
	for i := 0; i < 6; i++ { // an hour, ten minutes at a time
		if next := r.deliver(tg); !next.IsZero() && !next.Equal(reminder.Expires) {
			t.Errorf("next %s, want the reminder's expiry or nothing", next)
		}
		r.clock.Add(10 * time.Minute)
	}
	if p.n() != 0 {
		t.Fatalf("%d posts while paused", p.n())
	}
	if d := r.status("a", reminder.Key); d.Status != bot.StatusSkipped {
		t.Errorf("reminder: %s, want skipped once its event started", d.Status)
	}
	r.d.Paused = false
	r.deliver(tg)
	if p.n() != 1 || r.status("a", "k").Status != bot.StatusSent {
		t.Errorf("resumed: %d posts", p.n())
	}
}

// The platform gets the post's images as the outbox froze them at the
// first attempt (an edit after it does not reach a retry), and the
// target's on_image_error at each attempt.
func TestDeliverImagesFrozenAndTextOnly(t *testing.T) {
	r := newRig(t, nil)
	p := &poster{script: []error{bot.Retryable(errors.New("503"))}}
	photo := []bot.Image{{Source: "/kuvat/a.jpg", Alt: "Kuva A"}}
	post := bot.Post{Key: "k", Kind: bot.KindAnnouncement, Target: "a", Due: r.clock.Now(), Text: "teksti", Images: photo}
	if err := r.st.Enqueue(r.ctx, []bot.Post{post}, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	tg := r.target("a", p)
	tg.TextOnly = true
	r.deliver(tg)
	post.Images = []bot.Image{{Source: "/kuvat/b.jpg", Alt: "Kuva B"}}
	if err := r.st.Enqueue(r.ctx, []bot.Post{post}, r.clock.Now()); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Minute)
	tg.TextOnly = false
	r.deliver(tg)
	if len(p.calls) != 2 {
		t.Fatalf("%d calls, want 2", len(p.calls))
	}
	for i, c := range p.calls {
		if !reflect.DeepEqual(c.Images, photo) {
			t.Errorf("attempt %d: images %+v, want the first attempt's %+v", i+1, c.Images, photo)
		}
	}
	if !p.calls[0].TextOnly || p.calls[1].TextOnly {
		t.Errorf("TextOnly per attempt = %v, %v; want the target's at each: true, false", p.calls[0].TextOnly, p.calls[1].TextOnly)
	}
}
