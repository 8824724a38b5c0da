package bot

import (
	"testing"
	"time"

	"github.com/lumohanke/lumobot/config"
)

var helsinki = mustLoad("Europe/Helsinki")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func hel(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, helsinki)
	if err != nil {
		panic(err)
	}
	return t
}

func TestQuietEnd(t *testing.T) {
	night := config.QuietHours{Start: config.ClockTime{Hour: 21}, End: config.ClockTime{Hour: 7, Minute: 30}, Set: true}
	early := config.QuietHours{Start: config.ClockTime{Hour: 1}, End: config.ClockTime{Hour: 6}, Set: true}
	for _, tc := range []struct {
		name string
		q    config.QuietHours
		at   string
		want string
	}{
		{"none", config.QuietHours{}, "2021-05-05 23:00", "2021-05-05 23:00"},
		{"before start", night, "2021-05-05 20:59", "2021-05-05 20:59"},
		{"at start", night, "2021-05-05 21:00", "2021-05-06 07:30"},
		{"after midnight", night, "2021-05-06 03:00", "2021-05-06 07:30"},
		{"at end", night, "2021-05-06 07:30", "2021-05-06 07:30"},
		{"same-day window", early, "2021-05-06 03:00", "2021-05-06 06:00"},
		{"outside same-day window", early, "2021-05-06 23:00", "2021-05-06 23:00"},
		// 2021-03-28: Helsinki springs forward 03:00→04:00; 07:30 still exists.
		{"spring-forward night", night, "2021-03-27 22:00", "2021-03-28 07:30"},
		{"fall-back night", night, "2021-10-30 22:00", "2021-10-31 07:30"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := QuietEnd(tc.q, hel(tc.at), helsinki)
			if want := hel(tc.want); !got.Equal(want) {
				t.Errorf("QuietEnd(%s) = %s, want %s", tc.at, got.In(helsinki), want)
			}
		})
	}
}

func TestGateNext(t *testing.T) {
	at := hel("2021-05-05 12:00")
	for _, tc := range []struct {
		name string
		gate Gate
		sent []time.Time
		want time.Time
	}{
		{"free", Gate{Location: helsinki}, nil, at},
		{"min gap", Gate{Location: helsinki, MinGap: 10 * time.Minute}, []time.Time{at.Add(-4 * time.Minute)}, at.Add(6 * time.Minute)},
		{"min gap passed", Gate{Location: helsinki, MinGap: 10 * time.Minute}, []time.Time{at.Add(-11 * time.Minute)}, at},
		{"daily limit reached", Gate{Location: helsinki, Daily: 2}, []time.Time{at.Add(-20 * time.Hour), at.Add(-time.Hour)}, at.Add(4 * time.Hour)},
		{"daily limit with older post", Gate{Location: helsinki, Daily: 2}, []time.Time{at.Add(-30 * time.Hour), at.Add(-time.Hour)}, at},
		{"monthly limit", Gate{Location: helsinki, Monthly: 1}, []time.Time{hel("2021-05-01 10:00")}, hel("2021-06-01 00:00")},
		{"gap pushes into quiet hours", Gate{Location: helsinki, MinGap: 2 * time.Hour,
			Quiet: config.QuietHours{Start: config.ClockTime{Hour: 13}, End: config.ClockTime{Hour: 15}, Set: true}},
			[]time.Time{at.Add(-time.Hour)}, hel("2021-05-05 15:00")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.gate.Next(at, tc.sent); !got.Equal(tc.want) {
				t.Errorf("Next = %s, want %s", got.In(helsinki), tc.want.In(helsinki))
			}
		})
	}
}

func TestSimulatePriorityAndSkips(t *testing.T) {
	now := hel("2021-05-05 09:00")
	g := Gate{Location: helsinki, MinGap: time.Hour}
	posts := []Post{
		{Key: "news:a:old", Kind: KindNews, Due: now, Order: hel("2021-05-01 10:00")},
		{Key: "news:a:new", Kind: KindNews, Due: now, Order: hel("2021-05-04 10:00")},
		{Key: "reminder:late:1h", Kind: KindReminder, Due: now, Order: hel("2021-05-05 12:00"), Expires: hel("2021-05-05 09:30")},
		{Key: "reminder:soon:1h", Kind: KindReminder, Due: now, Order: hel("2021-05-05 11:00"), Expires: hel("2021-05-05 11:00")},
		{Key: "announcement:x:once", Kind: KindAnnouncement, Due: now},
	}
	got := g.Simulate(posts, nil, now)
	want := []struct {
		key, at, skipped string
	}{
		{"announcement:x:once", "2021-05-05 09:00", ""},
		{"reminder:soon:1h", "2021-05-05 10:00", ""},
		{"reminder:late:1h", "2021-05-05 11:00", "event already started"},
		{"news:a:new", "2021-05-05 11:00", ""},
		{"news:a:old", "2021-05-05 12:00", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d posts, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Key != w.key || g.Skipped != w.skipped || (w.skipped == "" && !g.Due.Equal(hel(w.at))) {
			t.Errorf("#%d = %s at %s skipped %q, want %s at %s skipped %q", i, g.Key, g.Due.In(helsinki).Format("15:04"), g.Skipped, w.key, w.at, w.skipped)
		}
	}
}
