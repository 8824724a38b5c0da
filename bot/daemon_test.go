package bot_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/feeds"
)

// eventually waits for cond, as goroutines of the daemon catch up with a
// moved fake clock; it fails the test after a generous real-time bound.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// feed answers a URL with a body, or blocks while its gate is closed.
type feed struct {
	mu     sync.Mutex
	bodies map[string]string
	gates  map[string]chan struct{}
	calls  map[string]int
}

func (f *feed) Fetch(ctx context.Context, r feeds.Request) (feeds.Response, error) {
	f.mu.Lock()
	gate := f.gates[r.URL]
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	f.calls[r.URL]++
	f.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return feeds.Response{}, ctx.Err()
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return feeds.Response{Body: []byte(f.bodies[r.URL]), ContentType: "application/rss+xml"}, nil
}

func (f *feed) set(url, body string) { f.mu.Lock(); f.bodies[url] = body; f.mu.Unlock() }

// rss is a feed document with items id0..id(n-1) from offset.
func rss(offset, n int, base time.Time) string {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel><title>Uutiset</title>`)
	for i := offset; i < offset+n; i++ {
		fmt.Fprintf(&b, `<item><title>Uutinen %d</title><guid>id%d</guid><pubDate>%s</pubDate></item>`, i, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String()
}

// The daemon on a fake clock: an announcement goes out when it falls due,
// while a slow feed's fetch still hangs; SIGTERM (ctx) ends Run.
func TestRunPostsWhileAFeedHangs(t *testing.T) {
	m := newModel(t)
	m.once("ilmoitus", "Tervetuloa verkostopäivään", t0.Add(time.Hour))
	m.Feeds = []bot.Feed{{Name: "hidas", URL: "https://lumo.example/hidas.xml", Source: "https://lumo.example/hidas.xml", Kind: bot.FeedNews, Template: m.News}}
	clock := newClock(t0)
	rec := newRecorder(clock.Now)
	hang := make(chan struct{})
	f := &feed{bodies: map[string]string{}, gates: map[string]chan struct{}{"https://lumo.example/hidas.xml": hang}}
	b := bot.New(m.Config, bot.Deps{Store: newState(t), Fetcher: f, Parsers: parsers, Clock: clock,
		Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- b.Run(ctx) }()
	// The planner sleeps until the announcement is due.
	eventually(t, "the planner to sleep", func() bool { return clock.Waiting() >= 1 })
	if part, stuck := b.Stuck(clock.Now(), time.Minute); stuck {
		t.Errorf("stuck at start: %s", part)
	}
	clock.Set(t0.Add(time.Hour))
	eventually(t, "the announcement", func() bool { return rec.count() == 1 })
	if at := rec.sent["announcement:ilmoitus:once"]; !at.Equal(t0.Add(time.Hour)) {
		t.Errorf("posted at %s, want when due", at)
	}
	// The hung feed is what the watchdog sees.
	if part, stuck := b.Stuck(clock.Now(), 30*time.Minute); !stuck || part != "poll hidas" {
		t.Errorf("Stuck = %q %v, want the hung poll", part, stuck)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not end with its context")
	}
	close(hang)
}

// News the poller brings is posted without waiting for the next plan.
func TestRunPostsNewsAsItArrives(t *testing.T) {
	m := newModel(t)
	m.Poll = m.cron("0 * * * *")
	u := "https://lumo.example/uutiset.xml"
	m.Feeds = []bot.Feed{{Name: "uutiset", URL: u, Source: u, Kind: bot.FeedNews, Template: m.News, Backfill: 1}}
	clock := newClock(t0)
	rec := newRecorder(clock.Now)
	f := &feed{bodies: map[string]string{u: rss(0, 2, t0.Add(-time.Hour))}}
	b := bot.New(m.Config, bot.Deps{Store: newState(t), Fetcher: f, Parsers: parsers, Clock: clock,
		Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.Run(ctx)
	eventually(t, "the backfill post", func() bool { return rec.count() == 1 })
	f.set(u, rss(0, 3, t0.Add(-time.Hour)))
	eventually(t, "the poller and planner to sleep", func() bool { return clock.Waiting() >= 2 })
	clock.Set(t0.Add(time.Hour)) // the next poll
	eventually(t, "the new item", func() bool { return rec.count() == 2 })
	if _, ok := rec.sent["news:uutiset:id2"]; !ok {
		t.Errorf("posted %v", rec.sent)
	}
}

// What fell due while lumobot was down and can no longer go out is a
// skipped row with its reason, logged once: nothing vanishes.
func TestStepRecordsWhatWasMissed(t *testing.T) {
	m := newModel(t)
	m.LateGrace = time.Hour
	m.once("ilmoitus", "Tervetuloa", t0.Add(2*time.Hour))
	m.event("tapaaminen", "Verkostotapaaminen", t0.Add(5*time.Hour), t0.Add(6*time.Hour), m.rules("1h"))
	m.recurring("vinkki", "Viikon vinkki", "0 12 * * *", time.Time{}, time.Time{})
	st := newState(t)
	clock := newClock(t0)
	rec := newRecorder(clock.Now)
	log := &logged{}
	newB := func() *bot.Bot {
		return bot.New(m.Config, bot.Deps{Store: st, Fetcher: &feed{}, Parsers: parsers, Clock: clock,
			Logger:  slog.New(slog.NewJSONHandler(log, nil)),
			Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}}})
	}
	newB().Step(context.Background(), t0)
	// Down for two days.
	clock.Set(t0.Add(48 * time.Hour))
	b := newB()
	b.Step(context.Background(), clock.Now())
	b.Step(context.Background(), clock.Now()) // again: nothing twice
	if rec.count() != 0 {
		t.Errorf("posted %v", rec.sent)
	}
	r := &rig{t: t, ctx: context.Background(), st: st}
	for key, reason := range map[string]string{
		"announcement:ilmoitus:once":           "more than late_grace late",
		"reminder:tapaaminen:1h":               "event already started",
		"announcement:vinkki:2026-12-02T12:00": "more than late_grace late",
		"announcement:vinkki:2026-12-03T12:00": "more than late_grace late",
	} {
		d := r.status("t", key)
		if d.Status != bot.StatusSkipped || d.Reason != "missed while lumobot was not running: "+reason {
			t.Errorf("%s: %s %q", key, d.Status, d.Reason)
		}
		if n := log.count(`"msg":"post skipped","key":"` + key + `"`); n != 1 {
			t.Errorf("%s logged %d times, want once", key, n)
		}
	}
}

// A feed whose every id changed (a CMS migration) is not a flood: its
// items are marked seen and only the backfill newest posted, with a
// warning on its health.
func TestRekeyedFeedIsNoFlood(t *testing.T) {
	m := newModel(t)
	u := "https://lumo.example/uutiset.xml"
	m.Feeds = []bot.Feed{{Name: "uutiset", URL: u, Source: u, Kind: bot.FeedNews, Template: m.News, Backfill: 1}}
	clock := newClock(t0)
	rec := newRecorder(clock.Now)
	f := &feed{bodies: map[string]string{u: rss(0, 3, t0.Add(-time.Hour))}}
	b := bot.New(m.Config, bot.Deps{Store: newState(t), Fetcher: f, Parsers: parsers, Clock: clock,
		Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}}})
	b.Step(context.Background(), t0)
	f.set(u, rss(1000, 120, t0))
	clock.Add(time.Hour)
	b.Step(context.Background(), clock.Now())
	h := b.Health()[0]
	if len(h.Warnings) != 1 || !strings.Contains(h.Warnings[0], "120 new items at once") {
		t.Errorf("warnings %q", h.Warnings)
	}
	b.Step(context.Background(), clock.Now().Add(time.Hour))
	if rec.count() != 2 {
		t.Errorf("%d posts, want the first backfill and one more: %v", rec.count(), rec.sent)
	}
}

// A new state's first run posts what fell due within late_grace before it
// (an announcement two minutes late, the latest overdue reminder of an
// event not yet begun) and records what is older, logged once.
func TestFirstRunCatchesUpWithinLateGrace(t *testing.T) {
	m := newModel(t)
	m.LateGrace = 6 * time.Hour
	m.once("myohassa", "Kaksi minuuttia myöhässä", t0.Add(-2*time.Minute))
	m.once("vanha", "Seitsemän tuntia myöhässä", t0.Add(-7*time.Hour))
	m.event("huomenna", "Kehittäjäryhmä", t0.Add(26*time.Hour), t0.Add(27*time.Hour), m.rules("2d 1d12h 1d2h"))
	st := newState(t)
	clock := newClock(t0)
	rec := newRecorder(clock.Now)
	log := &logged{}
	b := bot.New(m.Config, bot.Deps{Store: st, Fetcher: &feed{}, Parsers: parsers, Clock: clock,
		Logger:  slog.New(slog.NewJSONHandler(log, nil)),
		Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}}})
	b.Step(context.Background(), t0)
	b.Step(context.Background(), t0.Add(time.Minute))
	// 2d (due 22 h ago) and 1d12h (10 h ago) are older than late_grace;
	// 1d2h falls due at the first run itself.
	want := map[string]bool{"announcement:myohassa:once": true, "reminder:huomenna:1d2h": true}
	if rec.count() != len(want) {
		t.Errorf("posted %v, want %v", rec.sent, want)
	}
	for k := range want {
		if _, ok := rec.sent[k]; !ok {
			t.Errorf("%s not posted", k)
		}
	}
	r := &rig{t: t, ctx: context.Background(), st: st}
	for _, key := range []string{"announcement:vanha:once", "reminder:huomenna:2d", "reminder:huomenna:1d12h"} {
		d := r.status("t", key)
		if d.Status != bot.StatusSkipped || d.Reason != "before this state's first run" {
			t.Errorf("%s: %s %q", key, d.Status, d.Reason)
		}
		if n := log.count(`"key":"` + key + `"`); n != 1 {
			t.Errorf("%s logged %d times, want once", key, n)
		}
	}
	// Within late_grace, the latest overdue reminder of an event not yet
	// begun goes out.
	m2 := newModel(t)
	m2.event("pian", "Verkostoinfo", t0.Add(3*time.Hour), t0.Add(4*time.Hour), m2.rules("5h 4h"))
	rec2 := newRecorder(clock.Now)
	b2 := bot.New(m2.Config, bot.Deps{Store: newState(t), Fetcher: &feed{}, Parsers: parsers, Clock: clock,
		Targets: []bot.Target{{Name: "t", Poster: rec2, Counter: rec2, Gate: bot.Gate{Location: helsinki}}}})
	b2.Step(context.Background(), t0)
	if _, ok := rec2.sent["reminder:pian:4h"]; !ok || rec2.count() != 1 {
		t.Errorf("posted %v, want only the latest overdue reminder (4h)", rec2.sent)
	}
}

// A reminder held by quiet hours past midnight says "tänään" (it goes out
// on the event's day), in the outbox and on the platform: it is rendered as
// of when it goes out, in the plan and again at its first attempt.
func TestReminderRenderedAsOfItsSendTime(t *testing.T) {
	m := newModel(t)
	m.Quiet = bot.QuietHours{Start: bot.TimeOfDay{Hour: 21}, End: bot.TimeOfDay{Hour: 7, Minute: 30}, Set: true}
	m.event("aamu", "Aamupalaveri", hel("2021-05-05 08:00"), hel("2021-05-05 09:00"), m.rules("10h"))
	clock := newClock(hel("2021-05-04 21:55"))
	rec := newRecorder(clock.Now)
	b := bot.New(m.Config, bot.Deps{Store: newState(t), Fetcher: &feed{}, Parsers: parsers, Clock: clock,
		Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki, Quiet: m.Quiet}}}})
	plan, err := b.Preview(context.Background(), clock.Now(), clock.Now().Add(24*time.Hour), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan["t"]) != 1 || !strings.Contains(plan["t"][0].Text, "tänään") || !plan["t"][0].Due.Equal(hel("2021-05-05 07:30")) {
		t.Fatalf("preview %+v, want one post at 7.30 saying tänään", plan["t"])
	}
	for now := clock.Now(); now.Before(hel("2021-05-05 08:00")); {
		next := b.Step(context.Background(), now)
		clock.Set(next)
		now = next
	}
	text := rec.text["reminder:aamu:10h"]
	if at := rec.sent["reminder:aamu:10h"]; !at.Equal(hel("2021-05-05 07:30")) || !strings.Contains(text, "tänään") || text != plan["t"][0].Text {
		t.Errorf("sent %q at %s, want preview's %q at 7.30", text, at, plan["t"][0].Text)
	}
}

// A reminder that falls on a quiet day moves earlier, to its time of day on
// the last day that is not quiet, and says the day as seen from then; one
// that cannot move (it would come before the event's earlier reminder)
// waits, and is skipped with the cause once the event starts.
func TestQuietDaysMoveRemindersEarlier(t *testing.T) {
	m := newModel(t)
	m.Quiet = bot.QuietHours{Days: []time.Weekday{time.Saturday, time.Sunday}}
	// 2021-06-07 is a Monday; 2021-06-06 a Sunday.
	m.event("ma", "Verkostoinfo", hel("2021-06-07 10:00"), hel("2021-06-07 11:00"), m.rules("1d@09:00 2h"))
	m.event("su", "Sunnuntaikävely", hel("2021-06-06 10:00"), hel("2021-06-06 12:00"), m.rules("1d@09:00 2h"))
	clock := newClock(hel("2021-06-03 12:00"))
	rec := newRecorder(clock.Now)
	b := bot.New(m.Config, bot.Deps{Store: newState(t), Fetcher: &feed{}, Parsers: parsers, Clock: clock,
		Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki, Quiet: m.Quiet}}}})
	plan, err := b.Preview(context.Background(), clock.Now(), hel("2021-06-08 00:00"), false)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bot.Scheduled{}
	for _, s := range plan["t"] {
		got[s.Key] = s
	}
	for key, want := range map[string]struct{ at, text, skipped string }{
		"reminder:ma:1d@09:00": {at: "2021-06-04 09:00", text: "maanantaina 7.6."},
		"reminder:ma:2h":       {at: "2021-06-07 08:00", text: "tänään"},
		"reminder:su:1d@09:00": {at: "2021-06-04 09:00", text: "sunnuntaina 6.6."},
		"reminder:su:2h":       {skipped: "quiet time until Mon 7 Jun 00:00 end after the event starts"},
	} {
		s, ok := got[key]
		switch {
		case !ok:
			t.Errorf("%s not planned", key)
		case want.skipped != "":
			if s.Skipped != want.skipped {
				t.Errorf("%s: skipped %q, want %q", key, s.Skipped, want.skipped)
			}
		case s.Skipped != "" || !s.Due.Equal(hel(want.at)) || !strings.Contains(s.Text, want.text):
			t.Errorf("%s: at %s %q (skipped %q), want at %s with %q", key, s.Due.In(helsinki).Format("Mon 2006-01-02 15:04"), s.Text, s.Skipped, want.at, want.text)
		}
	}
	// The daemon does as preview said.
	for now := clock.Now(); now.Before(hel("2021-06-08 00:00")); {
		next := b.Step(context.Background(), now)
		clock.Set(next)
		now = next
	}
	for key, s := range got {
		at, ok := rec.sent[key]
		switch {
		case s.Skipped != "" && ok:
			t.Errorf("%s sent at %s, preview said skipped", key, at)
		case s.Skipped == "" && (!ok || !at.Equal(s.Due) || rec.text[key] != s.Text):
			t.Errorf("%s sent %v at %s %q, preview said %s %q", key, ok, at, rec.text[key], s.Due, s.Text)
		}
	}
}

// An event moved and then cancelled after its reminder went out gives one
// change notice with the new time and one cancellation; an event moved
// before any of its reminders went out gives none.
func TestChangeAndCancelNotices(t *testing.T) {
	st := newState(t)
	clock := newClock(hel("2021-06-01 09:00")) // a Tuesday
	rec := newRecorder(clock.Now)
	step := func(configure func(m *model)) {
		m := newModel(t)
		m.Change = m.tmpl(render.Default("change"))
		m.Cancel = m.tmpl(render.Default("cancel"))
		configure(m)
		b := bot.New(m.Config, bot.Deps{Store: st, Fetcher: &feed{}, Parsers: parsers, Clock: clock,
			Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}}})
		b.Step(context.Background(), clock.Now())
		b.Step(context.Background(), clock.Now()) // again: nothing twice
	}
	info := func(m *model, start string, loc string) *bot.Event {
		e := m.event("info", "Verkostoinfo", hel(start), hel(start).Add(time.Hour), m.rules("1d@09:00"))
		e.Location = loc
		return e
	}
	other := func(m *model, start string) {
		m.event("toinen", "Kehittäjäryhmä", hel(start), hel(start).Add(time.Hour), m.rules("1d@09:00"))
	}
	step(func(m *model) { info(m, "2021-06-02 13:00", "Teams"); other(m, "2021-06-10 13:00") })
	if _, ok := rec.sent["reminder:info:1d@09:00"]; !ok {
		t.Fatalf("the reminder did not go out: %v", rec.sent)
	}
	clock.Set(hel("2021-06-01 12:00"))
	step(func(m *model) { info(m, "2021-06-03 13:00", "Teams"); other(m, "2021-06-11 13:00") })
	clock.Set(hel("2021-06-01 15:00"))
	step(func(m *model) { info(m, "2021-06-03 13:00", "Teams").Cancelled = true; other(m, "2021-06-11 13:00") })

	var change, cancel []string
	for key, text := range rec.text {
		switch {
		case strings.HasPrefix(key, "change:"):
			change = append(change, key+" "+text)
		case strings.HasPrefix(key, "cancel:"):
			cancel = append(cancel, key+" "+text)
		}
	}
	if len(change) != 1 || !strings.Contains(change[0], "change:info:") || !strings.Contains(change[0], "Muutos: Verkostoinfo siirtyy torstaina 3.6. klo 13.00–14.00, Teams.") {
		t.Errorf("change notices %q, want one for info with its new time", change)
	}
	if len(cancel) != 1 || !strings.Contains(cancel[0], "cancel:info Peruttu: Verkostoinfo torstaina 3.6. klo 13.00.") {
		t.Errorf("cancellations %q, want one for info at its announced time", cancel)
	}
	if rec.count() != 3 {
		t.Errorf("%d posts, want the reminder, the change and the cancellation: %v", rec.count(), rec.text)
	}
}
