package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
	"github.com/lumohanke/lumobot/feeds/calendar"
	"github.com/lumohanke/lumobot/feeds/news"
)

// recorder is a platform that notes what it was sent and when.
type recorder struct {
	mu   sync.Mutex
	now  func() time.Time
	sent map[string]time.Time
}

func (r *recorder) Post(_ context.Context, p bot.Post) (bot.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.sent[p.Key]; dup {
		panic("duplicate post " + p.Key)
	}
	r.sent[p.Key] = r.now()
	return bot.Receipt{ID: p.Key}, nil
}
func (r *recorder) Length(s string) int { return len([]rune(s)) }
func (r *recorder) Limit() int          { return 0 }

// clock is a fake time that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *clock) add(d time.Duration) { c.set(c.now().Add(d)) }

const agreeConfig = `
timezone: Europe/Helsinki
hashtags: ["#LUMOhanke"]
schedule:
  quiet_hours: "21:00-07:30"
  min_gap: 5m
feeds:
  - name: tapahtumat
    url: %ICS%
reminders:
  - before: 7d
    at: "09:00"
  - before: 1d
    at: "09:00"
  - before: 2h
announcements:
  - id: yo
    text: "Yövuoron vinkki"
    cron: "30 3 * * SUN"
    from: 2021-09-01
    until: 2022-04-30
events:
  - {id: kevat-1, title: Kevätseminaari, start: 2022-03-27T10:00, end: 2022-03-27T12:00}
  - {id: kevat-2, title: Kehittäjäryhmä, start: 2022-03-28T05:00, end: 2022-03-28T06:00}
  - {id: kevat-3, title: Koulutuspäivät, start: 2022-03-26, end: 2022-03-27}
`

func newBot(t *testing.T, c *clock) (*bot.Bot, *recorder) {
	t.Helper()
	dir := t.TempDir()
	ics, _ := filepath.Abs("testdata/lumo-events.ics")
	path := filepath.Join(dir, "lumobot.yaml")
	os.WriteFile(path, []byte(strings.ReplaceAll(agreeConfig, "%ICS%", ics)), 0o600)
	cfg, err := config.Load(config.Options{File: path, Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "state.db"), store.Options{Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rec := &recorder{now: c.now, sent: map[string]time.Time{}}
	b, err := bot.New(cfg, bot.Deps{
		Store:   st,
		Fetcher: &feeds.Fetcher{},
		Parsers: bot.Parsers{News: news.Parse, Calendar: calendar.Parse},
		Targets: []bot.Target{{Name: "t", Type: "test", Poster: rec, Counter: rec, Gate: bot.Gate{
			Quiet: cfg.Schedule.Quiet, Location: cfg.Location, MinGap: cfg.Schedule.Gap,
		}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return b, rec
}

// Preview, the daemon and `run --once` from cron must agree on what goes
// out, across the autumn 2021 daylight-saving change, with quiet hours and
// a minimum gap in play.
func TestPreviewDaemonAndOnceAgree(t *testing.T) {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	for _, w := range []struct{ name, start, end string }{
		{"autumn 2021", "2021-09-01T08:00:00+03:00", "2021-12-20T00:00:00+02:00"},
		{"spring 2022", "2022-03-01T08:00:00+02:00", "2022-04-10T00:00:00+03:00"},
	} {
		t.Run(w.name, func(t *testing.T) {
			start, _ := time.Parse(time.RFC3339, w.start)
			end, _ := time.Parse(time.RFC3339, w.end)
			agree(t, hel, start.In(hel), end.In(hel))
		})
	}
}

func agree(t *testing.T, hel *time.Location, start, end time.Time) {
	ctx := context.Background()

	c := &clock{t: start}
	pb, _ := newBot(t, c)
	pb.Poll(ctx, start)
	plan, err := pb.Preview(ctx, start, end, false)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{}
	for _, s := range plan["t"] {
		if s.Skipped == "" {
			want[s.Key] = s.Due
		}
	}
	if len(want) < 10 {
		t.Fatalf("preview planned only %d posts", len(want))
	}

	// The daemon: wakes when Plan says the next post falls due.
	c.set(start)
	db, drec := newBot(t, c)
	db.Poll(ctx, c.now())
	for c.now().Before(end) {
		next, err := db.Plan(ctx, c.now())
		if err != nil {
			t.Fatal(err)
		}
		held, err := db.DeliverAll(ctx, c.now)
		if err != nil {
			t.Fatal(err)
		}
		if !held.IsZero() && (next.IsZero() || held.Before(next)) {
			next = held
		}
		if wake := c.now().Add(12 * time.Hour); next.IsZero() || next.After(wake) {
			next = wake // the daemon wakes at least every 12 h to plan
		}
		if !next.After(c.now()) {
			t.Fatalf("daemon would spin at %s", c.now())
		}
		c.set(next)
	}

	// Cron running `run --once` every hour.
	c.set(start)
	ob, orec := newBot(t, c)
	for ; c.now().Before(end); c.add(time.Hour) {
		ob.Poll(ctx, c.now())
		if _, err := ob.Plan(ctx, c.now()); err != nil {
			t.Fatal(err)
		}
		if _, err := ob.DeliverAll(ctx, c.now); err != nil {
			t.Fatal(err)
		}
	}

	compare := func(name string, got map[string]time.Time, slack time.Duration) {
		t.Helper()
		var missing, extra, off []string
		for k, w := range want {
			g, ok := got[k]
			switch {
			case !ok:
				missing = append(missing, k)
			case g.Before(w) || g.Sub(w) > slack:
				off = append(off, k+": "+g.In(hel).Format(time.RFC3339)+" vs preview "+w.In(hel).Format(time.RFC3339))
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				extra = append(extra, k)
			}
		}
		sort.Strings(missing)
		sort.Strings(extra)
		sort.Strings(off)
		if len(missing)+len(extra)+len(off) > 0 {
			t.Errorf("%s disagrees with preview:\nmissing %v\nextra %v\noff %v", name, missing, extra, off)
		}
	}
	compare("daemon", drec.sent, 0)
	compare("run --once every hour", orec.sent, time.Hour)

	if start.Year() == 2022 {
		// Over the spring-forward night (27.3.2022 03:00→04:00).
		for key, at := range map[string]string{
			"announcement:yo:2022-03-27T04:00": "2022-03-27T07:30:00+03:00", // 03:30 did not exist; quiet until 07:30
			"reminder:kevat-1:1d@09:00":        "2022-03-26T09:00:00+02:00",
			"reminder:kevat-1:2h":              "2022-03-27T08:00:00+03:00",
			"reminder:kevat-2:1d@09:00":        "2022-03-27T09:00:00+03:00",
			"reminder:kevat-3:1d@09:00":        "2022-03-25T09:00:00+02:00", // all-day: 09:00, not midnight
		} {
			if got, ok := want[key]; !ok || got.In(hel).Format(time.RFC3339) != at {
				t.Errorf("%s at %v (planned %v), want %s", key, got.In(hel), ok, at)
			}
		}
		if _, ok := want["reminder:kevat-3:2h"]; ok {
			t.Error("a 2h rule applied to an all-day event")
		}
		// 2h before 05:00 is 03:00, in quiet hours until 07:30, after the
		// start: skipped, not posted late.
		if _, ok := want["reminder:kevat-2:2h"]; ok {
			t.Error("a reminder held by quiet hours past its event's start is planned")
		}
		return
	}
	// Spot checks against the calendar's facts: the 3.11. meeting moved to
	// 14.30, so its 2h reminder is 12.30 local; after the October change
	// 09:00 is still 09:00.
	for key, at := range map[string]string{
		"reminder:lumo-kehittajaryhma-syksy@lumo.example/20211103T113000Z:2h":       "2021-11-03T12:30:00+02:00",
		"reminder:lumo-kehittajaryhma-syksy@lumo.example/20211103T113000Z:1d@09:00": "2021-11-02T09:00:00+02:00",
		"reminder:lumo-kehittajaryhma-syksy@lumo.example/20211027T103000Z:1d@09:00": "",
		"announcement:yo:2021-10-31T03:30":                                          "2021-10-31T07:30:00+02:00",
	} {
		got, ok := want[key]
		if at == "" {
			if ok {
				t.Errorf("%s planned at %s; 27.10. is not a meeting day", key, got)
			}
			continue
		}
		if !ok || got.In(hel).Format(time.RFC3339) != at {
			t.Errorf("%s at %v (planned %v), want %s", key, got.In(hel), ok, at)
		}
	}
}
