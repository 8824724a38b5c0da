package render

import (
	"fmt"
	"testing"
	"time"
)

func TestRelDay(t *testing.T) {
	hel := helsinki(t)
	at := func(y, m, d, h, min int) time.Time { return time.Date(y, time.Month(m), d, h, min, 0, 0, hel) }
	// 2021-05-03 is a Monday, 2021-05-05 a Wednesday.
	tests := []struct {
		name     string
		from, t  time.Time
		fi, sv   string
		en       string
		fiDate   string
		svDate   string
		enDate   string
		nearWant bool
	}{
		{"same day", at(2021, 5, 5, 11, 30), at(2021, 5, 5, 13, 30),
			"tänään", "i dag", "today", "tänään ke 5.5.", "i dag onsdag 5.5.", "today, Wed 5 May", true},
		{"same instant", at(2021, 5, 5, 13, 30), at(2021, 5, 5, 13, 30),
			"tänään", "i dag", "today", "tänään ke 5.5.", "i dag onsdag 5.5.", "today, Wed 5 May", true},
		{"next day", at(2021, 5, 4, 9, 0), at(2021, 5, 5, 13, 30),
			"huomenna", "i morgon", "tomorrow", "huomenna ke 5.5.", "i morgon onsdag 5.5.", "tomorrow, Wed 5 May", true},
		{"23.30 for 0.30 is tomorrow", at(2021, 5, 4, 23, 30), at(2021, 5, 5, 0, 30),
			"huomenna", "i morgon", "tomorrow", "huomenna ke 5.5.", "i morgon onsdag 5.5.", "tomorrow, Wed 5 May", true},
		{"0.30 for 23.30 is today", at(2021, 5, 5, 0, 30), at(2021, 5, 5, 23, 30),
			"tänään", "i dag", "today", "tänään ke 5.5.", "i dag onsdag 5.5.", "today, Wed 5 May", true},
		{"later this week: no ensi", at(2021, 5, 3, 9, 0), at(2021, 5, 5, 13, 30),
			"keskiviikkona", "på onsdag", "on Wednesday", "keskiviikkona 5.5.", "på onsdag 5.5.", "on Wednesday 5 May", true},
		{"this week's Sunday", at(2021, 5, 3, 9, 0), at(2021, 5, 9, 10, 0),
			"sunnuntaina", "på söndag", "on Sunday", "sunnuntaina 9.5.", "på söndag 9.5.", "on Sunday 9 May", true},
		{"next week", at(2021, 5, 7, 9, 0), at(2021, 5, 12, 13, 30),
			"ensi keskiviikkona", "på onsdag", "on Wednesday", "ensi keskiviikkona 12.5.", "på onsdag 12.5.", "on Wednesday 12 May", true},
		{"Sunday for Tuesday", at(2021, 5, 9, 9, 0), at(2021, 5, 11, 9, 0),
			"ensi tiistaina", "på tisdag", "on Tuesday", "ensi tiistaina 11.5.", "på tisdag 11.5.", "on Tuesday 11 May", true},
		{"a week ahead", at(2021, 5, 5, 9, 0), at(2021, 5, 12, 13, 30),
			"ensi keskiviikkona", "på onsdag", "on Wednesday", "ensi keskiviikkona 12.5.", "på onsdag 12.5.", "on Wednesday 12 May", true},
		{"a week ahead from Monday", at(2021, 5, 3, 9, 0), at(2021, 5, 10, 9, 0),
			"ensi maanantaina", "på måndag", "on Monday", "ensi maanantaina 10.5.", "på måndag 10.5.", "on Monday 10 May", true},
		{"eight days: the date", at(2021, 5, 4, 9, 0), at(2021, 5, 12, 13, 30),
			"ke 12.5.2021", "onsdag 12.5.2021", "Wed 12 May 2021", "ke 12.5.2021", "onsdag 12.5.2021", "Wed 12 May 2021", false},
		{"in the past: the date", at(2021, 5, 5, 9, 0), at(2021, 5, 4, 13, 30),
			"ti 4.5.2021", "tisdag 4.5.2021", "Tue 4 May 2021", "ti 4.5.2021", "tisdag 4.5.2021", "Tue 4 May 2021", false},
		{"no send time: the date", time.Time{}, at(2021, 5, 5, 13, 30),
			"ke 5.5.2021", "onsdag 5.5.2021", "Wed 5 May 2021", "ke 5.5.2021", "onsdag 5.5.2021", "Wed 5 May 2021", false},
		{"year end: tomorrow", at(2021, 12, 31, 9, 0), at(2022, 1, 1, 12, 0),
			"huomenna", "i morgon", "tomorrow", "huomenna la 1.1.", "i morgon lördag 1.1.", "tomorrow, Sat 1 January", true},
		{"year end: 23.30 for 0.30", at(2021, 12, 31, 23, 30), at(2022, 1, 1, 0, 30),
			"huomenna", "i morgon", "tomorrow", "huomenna la 1.1.", "i morgon lördag 1.1.", "tomorrow, Sat 1 January", true},
		{"year end: a week", at(2021, 12, 28, 9, 0), at(2022, 1, 4, 9, 0),
			"ensi tiistaina", "på tisdag", "on Tuesday", "ensi tiistaina 4.1.", "på tisdag 4.1.", "on Tuesday 4 January", true},
		{"year end: 8 days", at(2021, 12, 27, 9, 0), at(2022, 1, 4, 9, 0),
			"ti 4.1.2022", "tisdag 4.1.2022", "Tue 4 January 2022", "ti 4.1.2022", "tisdag 4.1.2022", "Tue 4 January 2022", false},
		{"leap day", at(2024, 2, 28, 9, 0), at(2024, 2, 29, 9, 0),
			"huomenna", "i morgon", "tomorrow", "huomenna to 29.2.", "i morgon torsdag 29.2.", "tomorrow, Thu 29 February", true},
		// 2021-03-28 is 23 hours long in Helsinki, 2021-10-31 25 hours.
		{"spring forward: 23.30 Sat for 4.30 Sun", at(2021, 3, 27, 23, 30), at(2021, 3, 28, 4, 30),
			"huomenna", "i morgon", "tomorrow", "huomenna su 28.3.", "i morgon söndag 28.3.", "tomorrow, Sun 28 March", true},
		{"spring forward: 0.30 for 23.30 same day", at(2021, 3, 28, 0, 30), at(2021, 3, 28, 23, 30),
			"tänään", "i dag", "today", "tänään su 28.3.", "i dag söndag 28.3.", "today, Sun 28 March", true},
		{"spring forward: 23 hours is still tomorrow", at(2021, 3, 27, 9, 0), at(2021, 3, 28, 9, 0),
			"huomenna", "i morgon", "tomorrow", "huomenna su 28.3.", "i morgon söndag 28.3.", "tomorrow, Sun 28 March", true},
		{"fall back: 25 hours is still tomorrow", at(2021, 10, 30, 23, 30), at(2021, 10, 31, 23, 30),
			"huomenna", "i morgon", "tomorrow", "huomenna su 31.10.", "i morgon söndag 31.10.", "tomorrow, Sun 31 October", true},
		{"fall back: 0.30 for 23.59 same day", at(2021, 10, 31, 0, 30), at(2021, 10, 31, 23, 59),
			"tänään", "i dag", "today", "tänään su 31.10.", "i dag söndag 31.10.", "today, Sun 31 October", true},
		{"fall back: 7 days over it", at(2021, 10, 28, 9, 0), at(2021, 11, 4, 9, 0),
			"ensi torstaina", "på torsdag", "on Thursday", "ensi torstaina 4.11.", "på torsdag 4.11.", "on Thursday 4 November", true},
		// Each time in its own location: 23.30 UTC is 2.30 the next day in Helsinki.
		{"own locations", time.Date(2021, 5, 4, 23, 30, 0, 0, time.UTC), at(2021, 5, 5, 2, 30),
			"huomenna", "i morgon", "tomorrow", "huomenna ke 5.5.", "i morgon onsdag 5.5.", "tomorrow, Wed 5 May", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct{ lang, day, date string }{
				{"fi", tt.fi, tt.fiDate}, {"sv", tt.sv, tt.svDate}, {"en", tt.en, tt.enDate}, {"xx", tt.fi, tt.fiDate},
			} {
				if got := RelDay(tt.from, tt.t, c.lang); got != c.day {
					t.Errorf("RelDay %s = %q, want %q", c.lang, got, c.day)
				}
				if got := RelDate(tt.from, tt.t, c.lang); got != c.date {
					t.Errorf("RelDate %s = %q, want %q", c.lang, got, c.date)
				}
			}
			if got := Near(tt.from, tt.t); got != tt.nearWant {
				t.Errorf("Near = %v, want %v", got, tt.nearWant)
			}
		})
	}
}

func TestTonight(t *testing.T) {
	hel := helsinki(t)
	at := func(d, h, m int) time.Time { return time.Date(2021, 5, d, h, m, 0, 0, hel) }
	tests := []struct {
		name    string
		from, t time.Time
		want    bool
	}{
		{"22.30 for 0.30", at(4, 22, 30), at(5, 0, 30), true},
		{"18.00 for 5.59", at(4, 18, 0), at(5, 5, 59), true},
		{"17.59 for 0.30", at(4, 17, 59), at(5, 0, 30), false},
		{"22.30 for 6.00", at(4, 22, 30), at(5, 6, 0), false},
		{"0.30 for 2.30", at(5, 0, 30), at(5, 2, 30), true},
		{"6.00 for 0.30 the next day", at(4, 6, 0), at(5, 0, 30), false},
		{"9.00 for 13.30", at(5, 9, 0), at(5, 13, 30), false},
		{"two days on", at(3, 22, 30), at(5, 0, 30), false},
		{"in the past", at(5, 3, 0), at(5, 2, 0), false},
		{"no send time", time.Time{}, at(5, 0, 30), false},
		{"midnight", at(4, 22, 0), at(5, 0, 0), true},
		{"year end", time.Date(2021, 12, 31, 22, 0, 0, 0, hel), time.Date(2022, 1, 1, 0, 30, 0, 0, hel), true},
		{"spring forward 23.30 for 4.30", time.Date(2021, 3, 27, 23, 30, 0, 0, hel), time.Date(2021, 3, 28, 4, 30, 0, 0, hel), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tonight(tt.from, tt.t); got != tt.want {
				t.Errorf("Tonight = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestShortDates(t *testing.T) {
	hel := helsinki(t)
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, hel) }
	tests := []struct {
		name       string
		start, end time.Time
		fi, en     string
	}{
		{"one day", d(2021, 5, 6), d(2021, 5, 6), "6.5.", "6 May"},
		{"zero end", d(2021, 5, 6), time.Time{}, "6.5.", "6 May"},
		{"end before start", d(2021, 5, 6), d(2021, 5, 1), "6.5.", "6 May"},
		{"same month", d(2021, 5, 6), d(2021, 5, 7), "6.–7.5.", "6–7 May"},
		{"across months", d(2021, 5, 30), d(2021, 6, 2), "30.5.–2.6.", "30 May – 2 June"},
		{"across years", d(2021, 12, 30), d(2022, 1, 2), "30.12.–2.1.", "30 December – 2 January"},
		{"same month a year on", d(2021, 5, 6), d(2022, 5, 7), "6.5.–7.5.", "6 May – 7 May"},
		{"over fall back", d(2021, 10, 30), d(2021, 11, 1), "30.10.–1.11.", "30 October – 1 November"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, c := range []struct{ lang, want string }{{"fi", tt.fi}, {"sv", tt.fi}, {"en", tt.en}} {
				if got := ShortDateRange(tt.start, tt.end, c.lang); got != c.want {
					t.Errorf("ShortDateRange %s = %q, want %q", c.lang, got, c.want)
				}
			}
			if got, want := ShortDate(tt.start, "en"), tt.en; tt.end.IsZero() && got != want {
				t.Errorf("ShortDate en = %q, want %q", got, want)
			}
		})
	}
}

func TestDaysFarApart(t *testing.T) {
	// A Duration overflows after 292 years; calendar days must not. The
	// count is Python's (date(2021,5,5) - date(1,1,1)).days.
	a := time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	b := time.Date(2021, 5, 5, 0, 0, 0, 0, time.UTC)
	if got, want := days(a, b), 737914; got != want {
		t.Errorf("days = %d, want %d", got, want)
	}
	if got := days(b, a); got != -737914 {
		t.Errorf("days backwards = %d", got)
	}
	if Near(a, b) || Near(b, a) {
		t.Error("Near across two millennia")
	}
	before := time.Date(1969, 12, 31, 23, 0, 0, 0, time.UTC)
	if got := days(before, time.Unix(0, 0).UTC()); got != 1 {
		t.Errorf("days over the epoch = %d, want 1", got)
	}
}

// reminderDue is when a rule "days before at clock" or "hours before"
// sends, as lumobot's planner works it out (whole days are calendar days;
// an all-day event's reminders go at 9.00).
func reminderDue(start time.Time, daysBefore int, at *[2]int, before time.Duration) time.Time {
	loc := start.Location()
	due := time.Date(start.Year(), start.Month(), start.Day()-daysBefore, start.Hour(), start.Minute(), 0, 0, loc).Add(-before)
	if at != nil {
		due = time.Date(due.Year(), due.Month(), due.Day(), at[0], at[1], 0, 0, loc)
	}
	return due
}

// TestDefaultRemindersDiffer renders the default rules' reminders
// (7d@09:00, 1d@09:00, 2h; all-day events have no 2h) of events starting
// at every half hour across a spring-forward, a fall-back and a year end,
// and of all-day and multi-day events, and requires the reminders of one
// event to differ in every language: X refuses a text it already has.
func TestDefaultRemindersDiffer(t *testing.T) {
	hel := helsinki(t)
	nine := &[2]int{9, 0}
	var events []ReminderData
	for _, from := range []time.Time{
		time.Date(2021, 3, 25, 0, 0, 0, 0, hel),
		time.Date(2021, 10, 28, 0, 0, 0, 0, hel),
		time.Date(2021, 12, 29, 0, 0, 0, 0, hel),
	} {
		for i := 0; i < 5*48; i++ {
			start := from.Add(time.Duration(i) * 30 * time.Minute)
			events = append(events, ReminderData{Title: "Kehittäjäryhmä", Start: start, End: start.Add(90 * time.Minute), Location: "Teams", Link: "https://example.fi"})
		}
		for i := 0; i < 7; i++ {
			day := from.AddDate(0, 0, i)
			events = append(events,
				ReminderData{Title: "Koulutus", Start: day, End: day, AllDay: true, Link: "https://example.fi"},
				ReminderData{Title: "Leiri", Start: day, End: day.AddDate(0, 0, 2), AllDay: true, Link: "https://example.fi"})
		}
	}
	for _, lang := range Languages {
		r := New(lang, []string{"#LUMOhanke"})
		tmpl, err := r.Parse("reminder", Default("reminder"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range events {
			dues := map[string]time.Time{
				"7d@09:00": reminderDue(e.Start, 7, nine, 0),
				"1d@09:00": reminderDue(e.Start, 1, nine, 0),
			}
			if !e.AllDay {
				dues["2h"] = reminderDue(e.Start, 0, nil, 2*time.Hour)
			}
			seen := map[string]string{}
			for rule, due := range dues {
				if !due.Before(e.Start) {
					continue // the planner does not send it
				}
				d := e
				d.Due, d.Before = due, rule
				got, err := r.Execute(tmpl, d)
				if err != nil {
					t.Fatal(err)
				}
				if other, ok := seen[got]; ok {
					t.Fatalf("%s: %s and %s of %v (all-day %v) share %q", lang, other, rule, e.Start, e.AllDay, got)
				}
				seen[got] = rule
			}
			if len(seen) < 2 {
				t.Fatalf("%s: %v: only %d reminders rendered", lang, e.Start, len(seen))
			}
		}
	}
}

// TestDefaultReminderWording pins the relative wording of the default in
// the cases golden files do not show one by one.
func TestDefaultReminderWording(t *testing.T) {
	hel := helsinki(t)
	at := func(d, h, m int) time.Time { return time.Date(2021, 5, d, h, m, 0, 0, hel) }
	ev := ReminderData{Title: "Ryhmä", Start: at(5, 0, 30), End: at(5, 2, 0), Link: "https://example.fi"}
	tests := []struct {
		due        time.Time
		fi, sv, en string
		start, end time.Time
		allDay     bool
	}{
		{due: at(4, 22, 30), fi: "Muistutus: Ryhmä – tänä yönä ke 5.5. klo 0.30–2.00.",
			sv: "Påminnelse: Ryhmä – i natt onsdag 5.5. kl. 0.30–2.00.", en: "Reminder: Ryhmä – tonight, Wed 5 May, 12:30–2:00 am."},
		{due: at(4, 9, 0), fi: "Muistutus: Ryhmä – huomenna ke 5.5. klo 0.30–2.00.",
			sv: "Påminnelse: Ryhmä – i morgon onsdag 5.5. kl. 0.30–2.00.", en: "Reminder: Ryhmä – tomorrow, Wed 5 May, 12:30–2:00 am."},
		{due: at(3, 9, 0), start: at(5, 0, 0), end: at(6, 0, 0), allDay: true, fi: "Muistutus: Ryhmä – 5.–6.5., alkaa keskiviikkona.",
			sv: "Påminnelse: Ryhmä – 5.–6.5., börjar på onsdag.", en: "Reminder: Ryhmä – 5–6 May, starts on Wednesday."},
		{due: at(5, 9, 0), start: at(5, 13, 0), end: at(6, 10, 0), fi: "Muistutus: Ryhmä – tänään ke 5.5. klo 13.00 – to 6.5.2021 klo 10.00.",
			sv: "Påminnelse: Ryhmä – i dag onsdag 5.5. kl. 13.00 – torsdag 6.5.2021 kl. 10.00.", en: "Reminder: Ryhmä – today, Wed 5 May, 1:00 pm – Thu 6 May 2021, 10:00 am."},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			d := ev
			d.Due, d.AllDay = tt.due, tt.allDay
			if !tt.start.IsZero() {
				d.Start, d.End = tt.start, tt.end
			}
			for _, c := range []struct{ lang, want string }{{"fi", tt.fi}, {"sv", tt.sv}, {"en", tt.en}} {
				r := New(c.lang, nil)
				tmpl, err := r.Parse("reminder", Default("reminder"))
				if err != nil {
					t.Fatal(err)
				}
				got, err := r.Execute(tmpl, d)
				if err != nil {
					t.Fatal(err)
				}
				if want := c.want + " https://example.fi"; got != want {
					t.Errorf("%s:\n got %q\nwant %q", c.lang, got, want)
				}
			}
		})
	}
}
