package bot_test

import (
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

func TestQuietEnd(t *testing.T) {
	night := bot.QuietHours{Start: bot.TimeOfDay{Hour: 21}, End: bot.TimeOfDay{Hour: 7, Minute: 30}, Set: true}
	early := bot.QuietHours{Start: bot.TimeOfDay{Hour: 1}, End: bot.TimeOfDay{Hour: 6}, Set: true}
	weekend := night
	weekend.Days = []time.Weekday{time.Saturday, time.Sunday}
	juhannus := bot.QuietHours{Dates: []bot.Date{{Year: 2021, Month: time.June, Day: 25}}}
	for _, tc := range []struct {
		name string
		q    bot.QuietHours
		at   string
		want string
	}{
		{"none", bot.QuietHours{}, "2021-05-05 23:00", "2021-05-05 23:00"},
		{"before start", night, "2021-05-05 20:59", "2021-05-05 20:59"},
		{"at start", night, "2021-05-05 21:00", "2021-05-06 07:30"},
		{"after midnight", night, "2021-05-06 03:00", "2021-05-06 07:30"},
		{"at end", night, "2021-05-06 07:30", "2021-05-06 07:30"},
		{"same-day window", early, "2021-05-06 03:00", "2021-05-06 06:00"},
		{"outside same-day window", early, "2021-05-06 23:00", "2021-05-06 23:00"},
		// 2021-03-28: Helsinki springs forward 03:00→04:00; 07:30 still exists.
		{"spring-forward night", night, "2021-03-27 22:00", "2021-03-28 07:30"},
		{"fall-back night", night, "2021-10-30 22:00", "2021-10-31 07:30"},
		// 2021-05-08 is a Saturday; quiet weekends, and Juhannus 2021-06-25.
		{"quiet weekend from Friday night", weekend, "2021-05-07 22:00", "2021-05-10 07:30"},
		{"quiet Sunday midday", weekend, "2021-05-09 12:00", "2021-05-10 07:30"},
		{"weekday outside quiet time", weekend, "2021-05-10 12:00", "2021-05-10 12:00"},
		{"quiet date alone", juhannus, "2021-06-25 10:00", "2021-06-26 00:00"},
		{"quiet date and weekend in a row", bot.QuietHours{Days: []time.Weekday{time.Saturday, time.Sunday}, Dates: juhannus.Dates}, "2021-06-25 10:00", "2021-06-28 00:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := bot.QuietEnd(tc.q, hel(tc.at), helsinki)
			if want := hel(tc.want); !got.Equal(want) {
				t.Errorf("bot.QuietEnd(%s) = %s, want %s", tc.at, got.In(helsinki), want)
			}
		})
	}
}

func TestGateNext(t *testing.T) {
	at := hel("2021-05-05 12:00")
	for _, tc := range []struct {
		name string
		gate bot.Gate
		sent []time.Time
		want time.Time
	}{
		{"free", bot.Gate{Location: helsinki}, nil, at},
		{"min gap", bot.Gate{Location: helsinki, MinGap: 10 * time.Minute}, []time.Time{at.Add(-4 * time.Minute)}, at.Add(6 * time.Minute)},
		{"min gap passed", bot.Gate{Location: helsinki, MinGap: 10 * time.Minute}, []time.Time{at.Add(-11 * time.Minute)}, at},
		{"daily limit reached", bot.Gate{Location: helsinki, Daily: 2}, []time.Time{at.Add(-20 * time.Hour), at.Add(-time.Hour)}, at.Add(4 * time.Hour)},
		{"daily limit with older post", bot.Gate{Location: helsinki, Daily: 2}, []time.Time{at.Add(-30 * time.Hour), at.Add(-time.Hour)}, at},
		{"monthly limit", bot.Gate{Location: helsinki, Monthly: 1}, []time.Time{hel("2021-05-01 10:00")}, hel("2021-06-01 00:00")},
		{"gap pushes into quiet hours", bot.Gate{Location: helsinki, MinGap: 2 * time.Hour,
			Quiet: bot.QuietHours{Start: bot.TimeOfDay{Hour: 13}, End: bot.TimeOfDay{Hour: 15}, Set: true}},
			[]time.Time{at.Add(-time.Hour)}, hel("2021-05-05 15:00")},
		{"max per hour reached", bot.Gate{Location: helsinki, MaxPerHour: 2},
			[]time.Time{at.Add(-50 * time.Minute), at.Add(-10 * time.Minute)}, at.Add(10 * time.Minute)},
		{"max per hour: older posts do not count", bot.Gate{Location: helsinki, MaxPerHour: 2},
			[]time.Time{at.Add(-61 * time.Minute), at.Add(-10 * time.Minute)}, at},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.gate.Next(at, tc.sent); !got.Equal(tc.want) {
				t.Errorf("Next = %s, want %s", got.In(helsinki), tc.want.In(helsinki))
			}
			if flooded, want := tc.gate.Flooded(at, tc.sent), tc.gate.MaxPerHour > 0 && !tc.want.Equal(at); flooded != want {
				t.Errorf("Flooded = %v, want %v", flooded, want)
			}
		})
	}
}

func TestSimulatePriorityAndSkips(t *testing.T) {
	now := hel("2021-05-05 09:00")
	g := bot.Gate{Location: helsinki, MinGap: time.Hour}
	posts := []bot.Post{
		{Key: "news:a:old", Kind: bot.KindNews, Due: now, Order: hel("2021-05-01 10:00")},
		{Key: "news:a:new", Kind: bot.KindNews, Due: now, Order: hel("2021-05-04 10:00")},
		{Key: "reminder:late:1h", Kind: bot.KindReminder, Due: now, Order: hel("2021-05-05 12:00"), Expires: hel("2021-05-05 09:30")},
		{Key: "reminder:soon:1h", Kind: bot.KindReminder, Due: now, Order: hel("2021-05-05 11:00"), Expires: hel("2021-05-05 11:00")},
		{Key: "announcement:x:once", Kind: bot.KindAnnouncement, Due: now},
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

// A post that quiet time holds past its window is skipped with that cause,
// not a bare "event already started".
func TestSkipReasonSaysQuietTime(t *testing.T) {
	night := bot.QuietHours{Start: bot.TimeOfDay{Hour: 21}, End: bot.TimeOfDay{Hour: 7, Minute: 30}, Set: true}
	weekend := night
	weekend.Days = []time.Weekday{time.Saturday, time.Sunday}
	for _, tc := range []struct {
		name string
		q    bot.QuietHours
		p    bot.Post
		want string
	}{
		{"reminder under quiet hours", night,
			bot.Post{Key: "reminder:ilta:1h", Kind: bot.KindReminder, Due: hel("2021-05-05 21:00"), Expires: hel("2021-05-05 22:00")},
			"quiet hours until 07:30 end after the event starts"},
		{"announcement under a quiet weekend", weekend,
			bot.Post{Key: "announcement:a:once", Kind: bot.KindAnnouncement, Due: hel("2021-05-08 10:00"), Expires: hel("2021-05-08 16:00")},
			"quiet time until Mon 10 May 07:30 end more than late_grace after its time"},
		{"a plain late reminder", bot.QuietHours{},
			bot.Post{Key: "reminder:x:1h", Kind: bot.KindReminder, Due: hel("2021-05-05 09:00"), Expires: hel("2021-05-05 09:30")},
			"event already started"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := bot.Gate{Location: helsinki, Quiet: tc.q}
			now := tc.p.Due
			if tc.want == "event already started" {
				now = tc.p.Expires // lumobot was not there in time
			}
			got := g.Simulate([]bot.Post{tc.p}, nil, now)
			if len(got) != 1 || got[0].Skipped != tc.want {
				t.Errorf("got %+v, want skipped %q", got, tc.want)
			}
		})
	}
}
