package bot_test

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store"
	"github.com/lumohanke/lumobot/feeds"
	"github.com/lumohanke/lumobot/feeds/calendar"
	"github.com/lumohanke/lumobot/feeds/news"
)

// parsers are the real parsers, as cmd wires them.
var parsers = bot.Parsers{
	News: func(body []byte, contentType, base string, now time.Time) ([]feeds.Item, []error, error) {
		items, warnings, err := news.ParseWithWarnings(body, contentType, base, now)
		var errs []error
		for _, w := range warnings {
			errs = append(errs, errors.New(w.String()))
		}
		return items, errs, err
	},
	Calendar: calendar.ParseWithWarnings,
}

// agreeModel is LUMO's autumn 2021 calendar and spring 2022 events, with
// quiet hours and a least gap between posts.
func agreeModel(t *testing.T) *model {
	m := newModel(t, "#LUMOhanke")
	m.Poll = m.cron("0 6 * * *") // the calendar does not change: a poll a day keeps the test quick
	m.Quiet = bot.QuietHours{Start: bot.TimeOfDay{Hour: 21}, End: bot.TimeOfDay{Hour: 7, Minute: 30}, Set: true}
	rules := m.rules("7d@09:00 1d@09:00 2h")
	ics, _ := filepath.Abs("testdata/lumo-events.ics")
	m.Feeds = append(m.Feeds, bot.Feed{Name: "tapahtumat", URL: ics, Source: ics, Kind: bot.FeedEvents, Rules: rules, Timeout: 10 * time.Second, MaxBytes: 1 << 20})
	m.recurring("yo", "Yövuoron vinkki", "30 3 * * SUN", hel("2021-09-01 00:00"), hel("2022-05-01 00:00"))
	m.event("kevat-1", "Kevätseminaari", hel("2022-03-27 10:00"), hel("2022-03-27 12:00"), rules)
	m.event("kevat-2", "Kehittäjäryhmä", hel("2022-03-28 05:00"), hel("2022-03-28 06:00"), rules)
	m.event("kevat-3", "Koulutuspäivät", hel("2022-03-26 00:00"), hel("2022-03-28 00:00"), rules).AllDay = true
	return m
}

// newState opens a new state for a test.
func newState(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open(filepath.Join(t.TempDir(), "state.db"), store.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// newBot is a bot on agreeModel over a new state, posting to a recorder on
// clock c.
func newBot(t *testing.T, c *fakeClock) (*bot.Bot, *recorder) {
	return newBotOn(t, c, newState(t), newRecorder(c.Now))
}

// newBotOn is a bot on agreeModel over st, posting to rec: a new process
// on an existing state.
func newBotOn(t *testing.T, c *fakeClock, st bot.Store, rec *recorder) (*bot.Bot, *recorder) {
	t.Helper()
	m := agreeModel(t)
	b := bot.New(m.Config, bot.Deps{
		Store:   st,
		Fetcher: &feeds.Fetcher{},
		Parsers: parsers,
		Clock:   c,
		Targets: []bot.Target{{Name: "t", Type: "test", Poster: rec, Counter: rec, Gate: bot.Gate{
			Quiet: m.Quiet, Location: m.Location, MinGap: 5 * time.Minute,
		}}},
	})
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

	c := newClock(start)
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

	// The daemon: its Step, woken when Step says.
	c.Set(start)
	db, drec := newBot(t, c)
	for c.Now().Before(end) {
		next := db.Step(ctx, c.Now())
		if !next.After(c.Now()) {
			t.Fatalf("daemon would spin at %s", c.Now())
		}
		if wake := c.Now().Add(12 * time.Hour); next.After(wake) {
			t.Fatalf("daemon sleeps past %s, longer than 12 h", wake)
		}
		c.Set(next)
	}

	// Cron running `run --once` every hour: a new process each time.
	c.Set(start)
	ostore, orec := newState(t), newRecorder(c.Now)
	for ; c.Now().Before(end); c.Add(time.Hour) {
		ob, _ := newBotOn(t, c, ostore, orec)
		ob.Step(ctx, c.Now())
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
