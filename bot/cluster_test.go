package bot_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store"
)

// cluster is the locks of replicas in one test: what PostgreSQL's
// advisory locks give pgstore, in memory. A replica that dies loses its
// locks.
type cluster struct {
	mu     sync.Mutex
	holder map[string]string // lock name → replica
}

func newCluster() *cluster { return &cluster{holder: map[string]string{}} }

// replica is one replica's view: its Locks and Leader.
func (c *cluster) replica(id string) *member { return &member{c: c, id: id} }

// die releases every lock of the replica, as its connection's end does.
func (c *cluster) die(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for name, h := range c.holder {
		if h == id {
			delete(c.holder, name)
		}
	}
}

type member struct {
	c  *cluster
	id string
}

func (m *member) TryLock(_ context.Context, name string) (bot.Lock, bool, error) {
	m.c.mu.Lock()
	defer m.c.mu.Unlock()
	if _, held := m.c.holder[name]; held {
		return nil, false, nil
	}
	m.c.holder[name] = m.id
	return &memLock{m: m, name: name}, true, nil
}

func (m *member) Lead(ctx context.Context) (bool, error) {
	m.c.mu.Lock()
	h, held := m.c.holder["leader"]
	m.c.mu.Unlock()
	if held {
		return h == m.id, nil
	}
	_, ok, err := m.TryLock(ctx, "leader")
	return ok, err
}

type memLock struct {
	m    *member
	name string
}

func (l *memLock) Held(context.Context) error {
	l.m.c.mu.Lock()
	defer l.m.c.mu.Unlock()
	if l.m.c.holder[l.name] != l.m.id {
		return errors.New("lost")
	}
	return nil
}

func (l *memLock) Unlock() {
	l.m.c.mu.Lock()
	defer l.m.c.mu.Unlock()
	if l.m.c.holder[l.name] == l.m.id {
		delete(l.m.c.holder, l.name)
	}
}

const calendarDoc = `BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//LUMO//test//FI
BEGIN:VEVENT
UID:%s@lumo.example
DTSTAMP:20261201T000000Z
DTSTART;TZID=Europe/Helsinki:20261210T120000
DTEND;TZID=Europe/Helsinki:20261210T140000
SUMMARY:%s
END:VEVENT
END:VCALENDAR
`

func hasEvent(b *bot.Bot, now time.Time, title string) bool {
	for _, e := range b.Events(now, now.Add(30*24*time.Hour)) {
		if e.Title == title {
			return true
		}
	}
	return false
}

// Two replicas on one state: the leader polls, the follower fetches
// nothing but plans from the calendar the leader recorded; when the leader
// dies, the follower takes over within seconds and polls at the
// schedule's next time after the leader's last poll, not at once.
func TestReplicaLeaderHandover(t *testing.T) {
	m := newModel(t)
	news, cal := "https://lumo.example/uutiset.xml", "https://lumo.example/tapahtumat.ics"
	m.Feeds = []bot.Feed{
		{Name: "uutiset", URL: news, Source: news, Kind: bot.FeedNews, Template: m.News, Backfill: 1},
		{Name: "tapahtumat", URL: cal, Source: cal, Kind: bot.FeedEvents},
	}
	st := newState(t)
	clock := newClock(t0) // 10:00, on the */15 schedule
	c := newCluster()
	bodies := func() map[string]string {
		return map[string]string{news: rss(0, 2, t0.Add(-time.Hour)), cal: fmt.Sprintf(calendarDoc, "e1", "Verkostopäivä")}
	}
	fa, fb := &feed{bodies: bodies()}, &feed{bodies: bodies()}
	rec := newRecorder(clock.Now)
	newReplica := func(id string, f *feed) *bot.Bot {
		mb := c.replica(id)
		return bot.New(m.Config, bot.Deps{Store: st, Fetcher: f, Parsers: parsers, Clock: clock, Leader: mb, Locks: mb,
			Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}}})
	}
	calls := func(f *feed, u string) int { f.mu.Lock(); defer f.mu.Unlock(); return f.calls[u] }

	actx, akill := context.WithCancel(context.Background())
	defer akill()
	a := newReplica("a", fa)
	go a.Run(actx)
	eventually(t, "a's first poll", func() bool { return calls(fa, news) == 1 && calls(fa, cal) == 1 })
	eventually(t, "the backfill post", func() bool { return rec.count() == 1 })

	bctx, bstop := context.WithCancel(context.Background())
	defer bstop()
	b := newReplica("b", fb)
	go b.Run(bctx)
	eventually(t, "b to plan from a's calendar", func() bool { return hasEvent(b, clock.Now(), "Verkostopäivä") })
	if !a.Leading() {
		t.Error("a does not lead")
	}

	// The next poll: a polls, b fetches nothing but takes the new calendar.
	fa.set(cal, fmt.Sprintf(calendarDoc, "e2", "Työpaja"))
	clock.Set(t0.Add(15 * time.Minute))
	eventually(t, "a's second poll", func() bool {
		v, _, _ := st.Get(context.Background(), "bot:polled")
		p, _ := time.Parse(time.RFC3339Nano, string(v))
		return p.Equal(t0.Add(15 * time.Minute))
	})
	clock.Add(4 * time.Second) // b's next turn
	eventually(t, "b to take the calendar a read", func() bool { return hasEvent(b, clock.Now(), "Työpaja") })
	if n := calls(fb, news) + calls(fb, cal); n != 0 {
		t.Fatalf("the follower fetched %d times", n)
	}

	// a dies; within one follower turn b leads, and polls at 10:30.
	akill()
	c.die("a")
	clock.Add(4 * time.Second)
	eventually(t, "b to lead", b.Leading)
	if n := calls(fb, news); n != 0 {
		t.Fatalf("b polled at once on taking over (%d fetches); a polled at 10:15", n)
	}
	fb.set(news, rss(0, 3, t0.Add(-time.Hour)))
	clock.Set(t0.Add(30 * time.Minute))
	eventually(t, "b's poll at 10:30", func() bool { return calls(fb, news) == 1 })
	eventually(t, "the new item", func() bool { return rec.count() == 2 })
	if n := calls(fa, news); n != 2 {
		t.Errorf("a fetched the news %d times, want 2 (10:00, 10:15)", n)
	}
}

// A leader that dies in the middle of a poll did not record it: the next
// leader polls at once.
func TestReplicaTakesOverAnUnfinishedPoll(t *testing.T) {
	m := newModel(t)
	news := "https://lumo.example/uutiset.xml"
	m.Feeds = []bot.Feed{{Name: "uutiset", URL: news, Source: news, Kind: bot.FeedNews, Template: m.News}}
	st := newState(t)
	clock := newClock(t0)
	c := newCluster()
	hang := make(chan struct{})
	fa := &feed{bodies: map[string]string{news: rss(0, 2, t0)}, gates: map[string]chan struct{}{news: hang}}
	fb := &feed{bodies: map[string]string{news: rss(0, 2, t0)}}
	rec := newRecorder(clock.Now)
	run := func(ctx context.Context, id string, f *feed) {
		mb := c.replica(id)
		b := bot.New(m.Config, bot.Deps{Store: st, Fetcher: f, Parsers: parsers, Clock: clock, Leader: mb, Locks: mb,
			Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}}})
		go b.Run(ctx)
	}
	actx, akill := context.WithCancel(context.Background())
	run(actx, "a", fa)
	eventually(t, "a's poll to hang", func() bool { fa.mu.Lock(); defer fa.mu.Unlock(); return fa.calls[news] == 1 })
	bctx, bstop := context.WithCancel(context.Background())
	defer bstop()
	run(bctx, "b", fb)
	akill()
	c.die("a")
	clock.Add(4 * time.Second)
	eventually(t, "b to poll", func() bool { fb.mu.Lock(); defer fb.mu.Unlock(); return fb.calls[news] == 1 })
	close(hang)
}

// Two replicas' delivery passes for one target: while one sends, the other
// sends nothing and looks again in a moment.
func TestReplicaTargetLock(t *testing.T) {
	st := newState(t)
	c := newCluster()
	ra, rb := newRig(t, st), newRig(t, st)
	ra.d.Locks, rb.d.Locks = c.replica("a"), c.replica("b")
	rb.clock = ra.clock
	rb.d.Clock = ra.clock
	pa := &poster{release: make(chan struct{}), started: make(chan struct{}, 4)}
	pb := &poster{}
	ra.enqueue("t", "k1", "k2")
	done := make(chan time.Time)
	go func() { done <- ra.deliver(ra.target("t", pa)) }()
	<-pa.started // a sends k1 and holds the target
	next := rb.deliver(rb.target("t", pb))
	if pb.n() != 0 {
		t.Fatalf("b sent %d posts while a held the target", pb.n())
	}
	if want := ra.clock.Now().Add(2 * time.Second); !next.Equal(want) {
		t.Errorf("b looks again at %s, want %s (in 2 s)", next, want)
	}
	close(pa.release)
	<-done
	if pa.n() != 2 {
		t.Errorf("a sent %d, want both", pa.n())
	}
	rb.deliver(rb.target("t", pb))
	if pb.n() != 0 {
		t.Errorf("b sent %d after a had sent both", pb.n())
	}
}

// A 429 that one replica met holds the target on the others too.
func TestReplicaSharedRateLimitHold(t *testing.T) {
	st := newState(t)
	c := newCluster()
	ra, rb := newRig(t, st), newRig(t, st)
	ra.d.Locks, rb.d.Locks = c.replica("a"), c.replica("b")
	rb.clock = ra.clock
	rb.d.Clock = ra.clock
	reset := ra.clock.Now().Add(3 * time.Minute) // within the rig's give-up of 5 min
	pa := &poster{script: []error{&bot.DeliveryError{Err: errors.New("429 Too Many Requests"), RetryAt: reset}}}
	pb := &poster{}
	ra.enqueue("t", "k1", "k2")
	ra.deliver(ra.target("t", pa))
	if pa.n() != 1 {
		t.Fatalf("a made %d requests, want the one refused", pa.n())
	}
	ra.clock.Add(time.Minute)
	if next := rb.deliver(rb.target("t", pb)); !next.Equal(reset) {
		t.Errorf("b looks again at %s, want the reset %s", next, reset)
	}
	if pb.n() != 0 {
		t.Fatalf("b sent %d posts during a's 429 hold", pb.n())
	}
	ra.clock.Set(reset)
	rb.deliver(rb.target("t", pb))
	if pb.n() != 2 {
		t.Errorf("b sent %d after the reset, want 2:\n%s", pb.n(), rb.log.buf.String())
	}
}

// leased is a state whose claims expire: Renew is counted and can be made
// to fail.
type leased struct {
	*store.Store
	lease  time.Duration
	renews atomic.Int32
	fail   atomic.Value // error
}

func (l *leased) Lease() time.Duration { return l.lease }
func (l *leased) Renew(ctx context.Context, key, target string) error {
	l.renews.Add(1)
	if err, _ := l.fail.Load().(error); err != nil {
		return err
	}
	return nil
}

// A slow request's claim is renewed while it runs; one whose renewal keeps
// failing is cut short before the claim lapses, and one whose claim
// another replica took is left to it (no retry recorded over it).
func TestReplicaClaimRenewed(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     error
		cut      bool // the request is cancelled
		status   bot.Status
		attempts int
	}{
		{"renewed", nil, false, bot.StatusSent, 1},
		{"renewals fail", errors.New("connection refused"), true, bot.StatusSending, 1},
		{"taken over", fmt.Errorf("renew: %w", bot.ErrLeaseLost), true, bot.StatusSending, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &leased{Store: newState(t), lease: 30 * time.Second}
			if tc.fail != nil {
				st.fail.Store(tc.fail)
			}
			r := newRig(t, st)
			r.d.Locks = newCluster().replica("a")
			p := &poster{release: make(chan struct{}), started: make(chan struct{}, 1)}
			r.enqueue("t", "k")
			done := make(chan struct{})
			go func() { r.deliver(r.target("t", p)); close(done) }()
			<-p.started
			// Three renewals' worth of a slow request (every lease/3 = 10 s).
			ended := func() bool {
				select {
				case <-done:
					return true
				default:
					return false
				}
			}
			for i := 0; i < 3 && !ended(); i++ {
				eventually(t, "the renewal timer", func() bool { return ended() || r.clock.Waiting() >= 1 })
				r.clock.Add(10 * time.Second)
			}
			if !tc.cut {
				close(p.release)
			}
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the pass did not end")
			}
			if n := st.renews.Load(); n < 1 {
				t.Errorf("renewed %d times during a 30 s request", n)
			}
			if d := r.status("t", "k"); d.Status != tc.status || d.Attempts != tc.attempts {
				t.Errorf("delivery %s after %d attempts (%s), want %s after %d", d.Status, d.Attempts, d.Reason, tc.status, tc.attempts)
			}
			if tc.cut && r.log.count("cut short")+r.log.count("another replica may send it") == 0 {
				t.Errorf("not logged:\n%s", strings.TrimSpace(r.log.buf.String()))
			}
		})
	}
}
