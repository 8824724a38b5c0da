package bot_test

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/feeds"
)

func TestReminderDue(t *testing.T) {
	m := newModel(t)
	rule := func(before, at string) bot.Rule {
		if at != "" {
			before += "@" + at
		}
		return m.rule(before, "{{.Title}}")
	}
	for _, tc := range []struct {
		name, start, before, at, want string
	}{
		{"7d at 09:00", "2021-05-05 13:30", "7d", "09:00", "2021-04-28 09:00"},
		{"1d at 09:00", "2021-05-05 13:30", "1d", "09:00", "2021-05-04 09:00"},
		{"1h", "2021-05-05 13:30", "1h", "", "2021-05-05 12:30"},
		{"1d12h", "2021-05-05 13:30", "1d12h", "", "2021-05-04 01:30"},
		// Spring forward 2021-03-28 03:00→04:00 in Helsinki.
		{"1d at 09:00 over spring forward", "2021-03-28 10:00", "1d", "09:00", "2021-03-27 09:00"},
		{"1d is a calendar day over spring forward", "2021-03-28 10:00", "1d", "", "2021-03-27 10:00"},
		{"2h is two real hours over the gap", "2021-03-28 05:00", "2h", "", "2021-03-28 02:00"},
		// Fall back 2021-10-31 04:00→03:00.
		{"1d at 09:00 over fall back", "2021-11-01 10:00", "1d", "09:00", "2021-10-31 09:00"},
		{"7d at 09:00 over fall back", "2021-11-03 13:30", "7d", "09:00", "2021-10-27 09:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := bot.ReminderDue(hel(tc.start), rule(tc.before, tc.at), helsinki)
			if want := hel(tc.want); !got.Equal(want) {
				t.Errorf("due %s, want %s", got.In(helsinki).Format(time.RFC3339), want.Format(time.RFC3339))
			}
		})
	}
	// 2h before 05:00 EEST is 02:00 EET: two real hours, across the gap.
	start := hel("2021-03-28 05:00")
	if d := start.Sub(bot.ReminderDue(start, rule("2h", ""), helsinki)); d != 2*time.Hour {
		t.Errorf("2h before spans %s of real time", d)
	}
}

// plannerModel is LUMO's spring 2021: a meeting with three reminders, a
// cancelled event, a one-off and a weekly announcement.
func plannerModel(t testing.TB) *model {
	m := newModel(t, "#LUMOhanke")
	rules := m.rules("7d@09:00 1d@09:00 1h")
	e := m.event("kehittajaryhma-2021-05", "LUMO-hankkeen kehittäjäryhmä", hel("2021-05-05 13:30"), hel("2021-05-05 15:00"), rules)
	e.Location, e.Link = "Teams", "https://lumo.example/lumo"
	m.event("peruttu", "Verkostotapaaminen", hel("2021-05-06 10:00"), hel("2021-05-06 10:00"), rules).Cancelled = true
	m.once("seuraa-lumoa", "Seuraa LUMOa ja kerro kuulumisesi!", hel("2021-05-03 10:00"))
	// until 2021-05-17, a date alone, includes that day
	m.recurring("viikkovinkki", "Viikon vinkki", "0 10 * * MON", hel("2021-05-01 00:00"), hel("2021-05-18 00:00"))
	return m
}

func keys(ds []bot.Draft) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.Key+"@"+d.Due.In(helsinki).Format("2006-01-02T15:04"))
	}
	sort.Strings(out)
	return out
}

func TestPlanWindow(t *testing.T) {
	pl := bot.NewPlanner(plannerModel(t).Config)
	evs := pl.ConfigEvents()
	for _, tc := range []struct {
		name, now, until string
		want             []string
		dropped          map[string]string
	}{
		{
			name: "the month ahead", now: "2021-04-25 08:00", until: "2021-05-25 00:00",
			want: []string{
				"announcement:seuraa-lumoa:once@2021-05-03T10:00",
				"announcement:viikkovinkki:2021-05-03T10:00@2021-05-03T10:00",
				"announcement:viikkovinkki:2021-05-10T10:00@2021-05-10T10:00",
				"announcement:viikkovinkki:2021-05-17T10:00@2021-05-17T10:00", // until a date includes that day
				"reminder:kehittajaryhma-2021-05:1d@09:00@2021-05-04T09:00",
				"reminder:kehittajaryhma-2021-05:1h@2021-05-05T12:30",
				"reminder:kehittajaryhma-2021-05:7d@09:00@2021-04-28T09:00",
			},
			dropped: map[string]string{"reminder:peruttu:1h": "event cancelled"},
		},
		{
			name: "after downtime only the latest overdue reminder of an event goes", now: "2021-05-04 15:00", until: "2021-05-04 15:01",
			want: []string{
				"reminder:kehittajaryhma-2021-05:1d@09:00@2021-05-04T09:00",
			},
			dropped: map[string]string{"reminder:kehittajaryhma-2021-05:7d@09:00": "superseded by reminder:kehittajaryhma-2021-05:1d@09:00"},
		},
		{
			name: "within late_grace", now: "2021-05-03 15:59", until: "2021-05-03 16:00",
			want: []string{
				"announcement:seuraa-lumoa:once@2021-05-03T10:00",
				"announcement:viikkovinkki:2021-05-03T10:00@2021-05-03T10:00",
				"reminder:kehittajaryhma-2021-05:7d@09:00@2021-04-28T09:00",
			},
		},
		{
			name: "past late_grace", now: "2021-05-03 16:00", until: "2021-05-03 16:01",
			want: []string{"reminder:kehittajaryhma-2021-05:7d@09:00@2021-04-28T09:00"},
		},
		{
			name: "never after the event started", now: "2021-05-05 13:30", until: "2021-05-06 00:00",
			want:    nil,
			dropped: map[string]string{"reminder:kehittajaryhma-2021-05:1h": "event already started"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			drafts, dropped, _ := pl.Plan(evs, bot.Window{Now: hel(tc.now), Until: hel(tc.until)})
			got := keys(drafts)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("planned:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tc.want, "\n  "))
			}
			for k, v := range tc.dropped {
				if dropped[k] != v {
					t.Errorf("dropped[%s] = %q, want %q", k, dropped[k], v)
				}
			}
		})
	}
}

func TestRenderFinnishReminder(t *testing.T) {
	pl := bot.NewPlanner(plannerModel(t).Config)
	drafts, _, _ := pl.Plan(pl.ConfigEvents(), bot.Window{Now: hel("2021-05-04 09:30"), Until: hel("2021-05-04 10:00")})
	posts, errs := pl.Render(drafts, "console", nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(posts) != 1 {
		t.Fatalf("got %d posts, want the 1d reminder: %+v", len(posts), posts)
	}
	text := posts[0].Text
	for _, want := range []string{"LUMO-hankkeen kehittäjäryhmä – huomenna ke 5.5.", "13.30–15.00", "https://lumo.example/lumo", "#LUMOhanke"} {
		if !strings.Contains(text, want) {
			t.Errorf("reminder %q lacks %q", text, want)
		}
	}
}

// A daily 03:30 announcement must go out once a day, every day, for two
// years: Helsinki skips 03:00–04:00 in March and repeats it in October.
func TestCronAcrossDaylightSaving(t *testing.T) {
	m := newModel(t)
	m.LateGrace = time.Hour
	m.recurring("yo", "Hyvää yötä", "30 3 * * *", time.Time{}, time.Time{})
	pl := bot.NewPlanner(m.Config)
	perDay := map[string][]string{}
	start := hel("2021-01-01 00:00")
	// Walk as the daemon would: each step plans [now, now+1h) and keeps
	// what is due in it.
	seen := map[string]bool{}
	for now := start; now.Before(start.AddDate(2, 0, 0)); now = now.Add(time.Hour) {
		drafts, _, _ := pl.Plan(nil, bot.Window{Now: now, Until: now.Add(time.Hour)})
		for _, d := range drafts {
			if d.Due.Before(now) || seen[d.Key] {
				continue
			}
			seen[d.Key] = true
			day := d.Due.In(helsinki).Format("2006-01-02")
			perDay[day] = append(perDay[day], d.Due.In(helsinki).Format("15:04 MST"))
		}
	}
	days := 0
	for d := start; d.Before(start.AddDate(2, 0, 0)); d = d.AddDate(0, 0, 1) {
		days++
		day := d.Format("2006-01-02")
		if len(perDay[day]) != 1 {
			t.Errorf("%s: %d posts %v, want exactly 1", day, len(perDay[day]), perDay[day])
		}
	}
	if days != 730 {
		t.Fatalf("walked %d days", days)
	}
	for day, want := range map[string]string{
		"2021-03-28": "04:00 EEST", // 03:30 does not exist: the first valid time after the gap
		"2021-10-31": "03:30 EEST", // 03:30 happens twice: once, the first time
		"2022-03-27": "04:00 EEST",
		"2022-10-30": "03:30 EEST",
		"2021-07-01": "03:30 EEST",
		"2021-12-01": "03:30 EET",
	} {
		if got := perDay[day]; len(got) != 1 || got[0] != want {
			t.Errorf("%s: %v, want %s", day, got, want)
		}
	}
}

func TestNewsDrafts(t *testing.T) {
	m := newModel(t)
	f := bot.Feed{Name: "uutiset", Kind: bot.FeedNews, Backfill: 1, MaxAge: 7 * 24 * time.Hour,
		Include: []string{"lumo"}, Exclude: []string{"peruttu"}, Template: m.News}
	pl := bot.NewPlanner(m.Config)
	now := hel("2021-06-10 12:00")
	items := []feeds.Item{
		{ID: "a", Title: "LUMO uutinen A", Published: hel("2021-06-09 10:00")},
		{ID: "b", Title: "LUMO uutinen B", Published: hel("2021-06-10 10:00")},
		{ID: "c", Title: "Muu uutinen", Published: hel("2021-06-10 11:00")},
		{ID: "d", Title: "LUMO tapahtuma peruttu", Published: hel("2021-06-10 11:00")},
		{ID: "e", Title: "Vanha LUMO-uutinen", Published: hel("2021-06-01 10:00")},
		{ID: "f", Title: "Kategoriassa", Categories: []string{"LUMO"}, Published: hel("2021-06-08 10:00")},
	}
	for _, tc := range []struct {
		name   string
		first  bool
		unseen map[string]bool
		want   []string
	}{
		{"first sight posts the backfill newest", true, nil, []string{"news:uutiset:b"}},
		{"later, every unseen match", false, map[string]bool{"a": true, "c": true, "d": true, "e": true, "f": true}, []string{"news:uutiset:a", "news:uutiset:f"}},
		{"nothing unseen", false, map[string]bool{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			drafts, _ := pl.NewsDrafts(f, items, tc.first, tc.unseen, now)
			for _, d := range drafts {
				got = append(got, d.Key)
				if d.Due != now {
					t.Errorf("%s due %s, want now", d.Key, d.Due)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

// Render works in parallel batches and renders identical drafts once; the
// result must be exactly what rendering each draft alone gives, in order.
func TestRenderBatchEqualsOneByOne(t *testing.T) {
	m := plannerModel(t)
	m.recurring("tunneittain", "Tunnin vinkki", "0 * * * *", hel("2021-04-01 00:00"), hel("2021-06-01 00:00"))
	pl := bot.NewPlanner(m.Config)
	drafts, _, _ := pl.Plan(pl.ConfigEvents(), bot.Window{Now: hel("2021-04-01 00:00"), Until: hel("2021-06-01 00:00")})
	if len(drafts) < 1000 {
		t.Fatalf("only %d drafts", len(drafts))
	}
	all, errs := pl.Render(drafts, "t", nil)
	if len(errs) > 0 || len(all) != len(drafts) {
		t.Fatalf("%d posts, %v", len(all), errs)
	}
	for i, d := range drafts {
		one, errs := pl.Render([]bot.Draft{d}, "t", nil)
		if len(errs) > 0 || len(one) != 1 {
			t.Fatalf("%s: %v", d.Key, errs)
		}
		if !reflect.DeepEqual(one[0], all[i]) {
			t.Fatalf("draft %d (%s):\n batch %+v\n alone %+v", i, d.Key, all[i], one[0])
		}
	}
}

// The reminders of one event never share one text: each says when the
// event is as seen from when it goes out, and keeps the date.
func TestRemindersOfOneEventDiffer(t *testing.T) {
	m := newModel(t, "#LUMOhanke")
	m.event("kr", "Kehittäjäryhmä", hel("2021-05-05 13:30"), hel("2021-05-05 15:00"), m.rules("7d@09:00 1d@09:00 2h"))
	pl := bot.NewPlanner(m.Config)
	drafts, _, _ := pl.Plan(pl.ConfigEvents(), bot.Window{Now: hel("2021-04-20 00:00"), Until: hel("2021-05-06 00:00")})
	posts, errs := pl.Render(drafts, "t", nil)
	if len(errs) > 0 || len(posts) != 3 {
		t.Fatalf("%d posts, %v", len(posts), errs)
	}
	want := map[string]string{
		"reminder:kr:7d@09:00": "ensi keskiviikkona 5.5.",
		"reminder:kr:1d@09:00": "huomenna ke 5.5.",
		"reminder:kr:2h":       "tänään ke 5.5.",
	}
	seen := map[string]bool{}
	for _, p := range posts {
		if !strings.Contains(p.Text, want[p.Key]) {
			t.Errorf("%s: %q lacks %q", p.Key, p.Text, want[p.Key])
		}
		if seen[p.Text] {
			t.Errorf("two reminders share the text %q", p.Text)
		}
		seen[p.Text] = true
	}
}
