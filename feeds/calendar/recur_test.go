package calendar

import (
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/teambition/rrule-go"
)

// Expanding from a DTSTART moved forward gives what expanding from the
// real one does: rules of every frequency, interval and BY part, in a zone
// with DST, over windows years after DTSTART (but within the 292 years in
// which rrule-go expands from DTSTART itself, which is the reference).
func TestForwardSameInstances(t *testing.T) {
	rules := []string{
		"FREQ=YEARLY", "FREQ=YEARLY;INTERVAL=3", "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
		"FREQ=YEARLY;BYWEEKNO=1,53;BYDAY=MO", "FREQ=YEARLY;BYYEARDAY=-1,100", "FREQ=YEARLY;BYDAY=20TU",
		"FREQ=YEARLY;BYMONTH=3,10;BYDAY=-1SU;BYHOUR=3", "FREQ=YEARLY;INTERVAL=2;BYMONTH=1;BYDAY=MO;BYSETPOS=-1",
		"FREQ=MONTHLY", "FREQ=MONTHLY;INTERVAL=5", "FREQ=MONTHLY;BYMONTHDAY=31", "FREQ=MONTHLY;BYDAY=2TU,-1FR",
		"FREQ=MONTHLY;INTERVAL=2;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "FREQ=MONTHLY;BYMONTHDAY=-3;BYHOUR=8,20",
		"FREQ=WEEKLY", "FREQ=WEEKLY;INTERVAL=3", "FREQ=WEEKLY;INTERVAL=2;BYDAY=SU,WE;WKST=SU",
		"FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;WKST=MO", "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1",
		"FREQ=WEEKLY;INTERVAL=4;BYDAY=SA;BYHOUR=2,3;BYMINUTE=30",
		"FREQ=DAILY", "FREQ=DAILY;INTERVAL=10", "FREQ=DAILY;INTERVAL=7;BYMONTH=3", "FREQ=DAILY;BYDAY=FR;BYMONTHDAY=13",
		"FREQ=HOURLY;INTERVAL=5", "FREQ=HOURLY;INTERVAL=7;BYDAY=MO", "FREQ=HOURLY;INTERVAL=11;BYDAY=MO;BYHOUR=3,9",
		"FREQ=MINUTELY;INTERVAL=90", "FREQ=MINUTELY;INTERVAL=1439;BYHOUR=1,2,3,4,5",
		"FREQ=SECONDLY;INTERVAL=7200;BYMINUTE=30,0",
	}
	starts := []time.Time{
		time.Date(1990, 1, 31, 9, 30, 0, 0, helsinki),
		time.Date(1991, 3, 31, 3, 30, 15, 0, helsinki), // a Sunday, near DST
		time.Date(1996, 2, 29, 23, 0, 0, 0, helsinki),
	}
	windows := [][2]time.Time{
		{time.Date(2021, 3, 20, 0, 0, 0, 0, time.UTC), time.Date(2021, 4, 5, 0, 0, 0, 0, time.UTC)},
		{time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)},
		{time.Date(2040, 10, 20, 12, 0, 0, 0, time.UTC), time.Date(2040, 11, 3, 0, 0, 0, 0, time.UTC)},
	}
	for _, v := range rules {
		for _, d := range starts {
			t.Run(v+"/"+d.Format("2006-01-02T15:04"), func(t *testing.T) {
				r, err := parseRule(v, d, false)
				if err != nil && strings.Contains(err.Error(), "never") {
					t.Skip(err) // from this DTSTART; TestNever checks those
				}
				if err != nil {
					t.Fatal(err)
				}
				opt := r.opt
				ref, err := rrule.NewRRule(opt)
				if err != nil {
					t.Fatal(err)
				}
				for _, w := range windows {
					got, err := r.between(w[0], w[1], 100000)
					if err != nil {
						t.Fatal(err)
					}
					want := ref.Between(w[0], w[1].Add(-time.Second), true)
					if !slices.EqualFunc(got, want, time.Time.Equal) {
						t.Errorf("window %v: got %d instances %v, want %d %v", w[0], len(got), head(got), len(want), head(want))
					}
				}
			})
		}
	}
}

func head(ts []time.Time) []time.Time { return ts[:min(len(ts), 4)] }

// The bound on a rule's occurrences a day, from its parts.
func TestPerDay(t *testing.T) {
	all := func(n int) string {
		var s []string
		for i := range n {
			s = append(s, fmt.Sprint(i))
		}
		return strings.Join(s, ",")
	}
	cases := []struct {
		rule string
		want int
	}{
		{"FREQ=DAILY", 1},
		{"FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR,SA,SU", 1},
		{"FREQ=DAILY;BYHOUR=9,17", 2},
		{"FREQ=DAILY;BYHOUR=" + all(24), 24},
		{"FREQ=DAILY;BYHOUR=" + all(24) + ";BYMINUTE=0,30", 48},
		{"FREQ=DAILY;BYHOUR=" + all(24) + ";BYMINUTE=" + all(60) + ";BYSECOND=" + all(60), 86400},
		{"FREQ=DAILY;BYHOUR=" + all(24) + ";BYMINUTE=" + all(60) + ";BYSETPOS=1,-1", 2},
		{"FREQ=DAILY;BYHOUR=1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1", 1},
		{"FREQ=MONTHLY;BYHOUR=" + all(24) + ";BYMINUTE=0,30;COUNT=5", 5},
		{"FREQ=HOURLY", 24},
		{"FREQ=HOURLY;INTERVAL=2", 12},
		{"FREQ=HOURLY;INTERVAL=5", 5},
		{"FREQ=HOURLY;BYHOUR=9,10", 2},
		{"FREQ=HOURLY;BYMINUTE=0,30", 48},
		{"FREQ=HOURLY;INTERVAL=2;BYMINUTE=0,30", 24},
		{"FREQ=MINUTELY", 1440},
		{"FREQ=MINUTELY;INTERVAL=60", 24},
		{"FREQ=MINUTELY;INTERVAL=59", 25},
		{"FREQ=MINUTELY;INTERVAL=90", 16},
		{"FREQ=MINUTELY;BYHOUR=9;BYMINUTE=0,15,30,45", 4},
		{"FREQ=MINUTELY;INTERVAL=15;BYHOUR=9,10", 8},
		{"FREQ=SECONDLY", 86400},
		{"FREQ=SECONDLY;INTERVAL=3600", 24},
		{"FREQ=SECONDLY;BYHOUR=12;BYMINUTE=0;BYSECOND=0", 1},
		{"FREQ=SECONDLY;INTERVAL=30;BYHOUR=12", 120},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			opt, err := rrule.StrToROption(dedupAll(tc.rule))
			if err != nil {
				t.Fatal(err)
			}
			if got := perDay(opt); got != tc.want {
				t.Errorf("perDay = %d, want %d", got, tc.want)
			}
			_, err = parseRule(tc.rule, time.Date(2021, 1, 1, 9, 0, 0, 0, helsinki), false)
			if refused := errors.Is(err, errRefused); refused != (tc.want > maxPerDay) {
				t.Errorf("parseRule: %v; refused %v, want %v", err, refused, tc.want > maxPerDay)
			}
		})
	}
}

func dedupAll(rule string) string {
	parts := strings.Split(rule, ";")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		parts[i] = k + "=" + dedupList(v)
	}
	return strings.Join(parts, ";")
}

// Rules that can never occur are seen as such from their parts, or from a
// short probe; rules that occur rarely are not.
func TestNever(t *testing.T) {
	cases := []struct {
		rule  string
		never bool
	}{
		{"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", true},
		{"FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30", true},
		{"FREQ=MINUTELY;INTERVAL=60;BYMONTH=4;BYMONTHDAY=31", true},
		{"FREQ=SECONDLY;INTERVAL=7200;BYMINUTE=30", true}, // DTSTART on the hour
		{"FREQ=SECONDLY;INTERVAL=7199;BYMINUTE=30", false},
		{"FREQ=HOURLY;INTERVAL=12;BYHOUR=10", true},
		{"FREQ=HOURLY;INTERVAL=12;BYHOUR=21", false},
		{"FREQ=HOURLY;INTERVAL=21;BYDAY=MO;BYHOUR=3", true}, // a week is 8 steps: Mondays at 0 and 21 only
		{"FREQ=HOURLY;INTERVAL=21;BYDAY=MO;BYHOUR=21", false},
		{"FREQ=MINUTELY;INTERVAL=720;BYMINUTE=30", true},
		{"FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1", true},
		{"FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=15", true},
		{"FREQ=MONTHLY;BYDAY=6MO", true},
		{"FREQ=WEEKLY;BYDAY=MO;BYSETPOS=2", true},
		{"FREQ=HOURLY;BYSETPOS=2", true},
		{"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", false}, // every 28 years or so
		{"FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", false},
		{"FREQ=MONTHLY;BYDAY=5MO", false},
		{"FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", false},
		{"FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH", false},
		{"FREQ=MONTHLY;BYMONTHDAY=31", false},
		{"FREQ=WEEKLY;BYDAY=MO,TU;BYSETPOS=2", false},
	}
	for _, tc := range cases {
		t.Run(tc.rule, func(t *testing.T) {
			_, err := parseRule(tc.rule, time.Date(2021, 1, 1, 9, 0, 0, 0, helsinki), false)
			if got := err != nil && (strings.Contains(err.Error(), "never") || strings.Contains(err.Error(), "no period")); got != tc.never {
				t.Errorf("parseRule: %v; never %v, want %v", err, got, tc.never)
			}
		})
	}
}

// The flood of issue 18: 86,400 occurrences a day are refused outright,
// with a warning naming the event, and cheaply (no instance is expanded:
// the allocations are those of reading the rule).
func TestFloodRefused(t *testing.T) {
	all := func(n int) string {
		var s []string
		for i := range n {
			s = append(s, fmt.Sprint(i))
		}
		return strings.Join(s, ",")
	}
	cases := []struct{ name, rules string }{
		{"every second", "RRULE:FREQ=DAILY;BYHOUR=" + all(24) + ";BYMINUTE=" + all(60) + ";BYSECOND=" + all(60)},
		{"minutely", "RRULE:FREQ=MINUTELY"},
		{"half-hourly", "RRULE:FREQ=HOURLY;BYMINUTE=0,30"},
		{"two rules of 13", "RRULE:FREQ=DAILY;BYHOUR=" + all(13) + "\r\nRRULE:FREQ=DAILY;BYHOUR=11,12,13,14,15,16,17,18,19,20,21,22,23"},
	}
	from, to := at(t, "2021-06-01T00:00:00+03:00"), at(t, "2021-07-01T00:00:00+03:00")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := ics("BEGIN:VEVENT", "UID:flood@example", "SUMMARY:Flood", "DTSTART:20210601T000000Z", tc.rules,
				"END:VEVENT", "BEGIN:VEVENT", "UID:flood@example", "RECURRENCE-ID:20210602T000000Z",
				"DTSTART:20210602T010000Z", "END:VEVENT",
				"BEGIN:VEVENT", "UID:fine", "SUMMARY:Fine", "DTSTART:20210601T090000Z", "RRULE:FREQ=HOURLY;INTERVAL=8", "END:VEVENT")
			evs, ws, err := ParseWithWarnings(body, helsinki, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) != 89 {
				t.Errorf("got %d occurrences, want the other event's 89", len(evs))
			}
			for _, e := range evs {
				if strings.HasPrefix(e.ID, "flood") {
					t.Fatalf("flood occurrence %s returned", e.ID)
				}
			}
			if len(ws) != 1 || !strings.Contains(ws[0].Error(), `"flood@example"`) || !strings.Contains(ws[0].Error(), "refused") {
				t.Errorf("warnings %v, want one refusal naming flood@example", ws)
			}
			allocs := testing.AllocsPerRun(3, func() { _, _, _ = ParseWithWarnings(body, helsinki, from, to) })
			if allocs > 2000 {
				t.Errorf("%v allocations: the flood was expanded", allocs)
			}
		})
	}
}

// A yearly birthday from 1604 (Apple and iCloud write unknown birth years
// so) and a daily event from 1700 have their occurrences today.
func TestOldDTSTART(t *testing.T) {
	body := ics("BEGIN:VEVENT", "UID:bday", "SUMMARY:Synttärit", "DTSTART;VALUE=DATE:16040315", "DTEND;VALUE=DATE:16040316",
		"RRULE:FREQ=YEARLY", "END:VEVENT",
		"BEGIN:VEVENT", "UID:leap", "SUMMARY:Karkauspäivä", "DTSTART;VALUE=DATE:16040229", "RRULE:FREQ=YEARLY", "END:VEVENT",
		"BEGIN:VEVENT", "UID:daily", "SUMMARY:Päivittäin", "DTSTART;TZID=Europe/Helsinki:17000101T090000",
		"RRULE:FREQ=DAILY;INTERVAL=3", "END:VEVENT")
	got, err := Parse(body, helsinki, at(t, "2024-02-27T00:00:00+02:00"), at(t, "2024-03-16T00:00:00+02:00"))
	if err != nil {
		t.Fatal(err)
	}
	// 1.1.1700 + 3k days: 1700-01-01 to 2024-02-27 is 118,395 days, 0 mod 3.
	var want []occ
	for d := at(t, "2024-02-27T09:00:00+02:00"); d.Before(at(t, "2024-03-16T00:00:00+02:00")); d = d.AddDate(0, 0, 3) {
		want = append(want, occ{"daily/" + d.UTC().Format("20060102T150405Z"), "Päivittäin", d.Format(time.RFC3339), d.Format(time.RFC3339), false, false})
	}
	want = append(want,
		occ{"leap/20240229", "Karkauspäivä", "2024-02-29T00:00:00+02:00", "2024-03-01T00:00:00+02:00", true, false},
		occ{"bday/20240315", "Synttärit", "2024-03-15T00:00:00+02:00", "2024-03-16T00:00:00+02:00", true, false})
	check(t, got, want, helsinki)
}

// One event's occurrences in a window are bounded, and so are a whole
// document's, keeping the earliest: ten thousand daily events over a year
// are 3.66 million occurrences, and must not cost gigabytes.
func TestBounds(t *testing.T) {
	t.Run("per event", func(t *testing.T) {
		body := ics("BEGIN:VEVENT", "UID:hourly", "DTSTART:20210101T000000Z", "RRULE:FREQ=HOURLY", "END:VEVENT")
		evs, ws, err := ParseWithWarnings(body, helsinki, at(t, "2021-01-01T00:00:00Z"), at(t, "2023-01-01T00:00:00Z"))
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != maxPerEvent {
			t.Errorf("got %d occurrences, want %d", len(evs), maxPerEvent)
		}
		if last := evs[len(evs)-1].Start; !last.Equal(at(t, "2021-01-01T00:00:00Z").Add((maxPerEvent - 1) * time.Hour)) {
			t.Errorf("last kept %v: not the earliest kept", last)
		}
		if len(ws) != 1 || !strings.Contains(ws[0].Error(), `"hourly"`) {
			t.Errorf("warnings %v", ws)
		}
	})
	t.Run("per document", func(t *testing.T) {
		if testing.Short() {
			t.Skip("ten thousand events over a year: a few seconds")
		}
		var lines []string
		for i := range 10000 {
			lines = append(lines, "BEGIN:VEVENT", fmt.Sprintf("UID:daily-%05d", i), "SUMMARY:Joka päivä",
				fmt.Sprintf("DTSTART;TZID=Europe/Helsinki:20210101T%02d%02d00", 8+i%10, i%60), "RRULE:FREQ=DAILY", "END:VEVENT")
		}
		body := ics(lines...)
		from, to := at(t, "2021-01-01T00:00:00+02:00"), at(t, "2022-01-01T00:00:00+02:00")
		before := allocated()
		evs, ws, err := ParseWithWarnings(body, helsinki, from, to)
		mb := (allocated() - before) >> 20
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		t.Logf("%d occurrences, %d MB allocated in all, %d MB live after (the events returned)", len(evs), mb, ms.HeapAlloc>>20)
		if len(evs) != maxTotal {
			t.Errorf("got %d occurrences, want %d", len(evs), maxTotal)
		}
		// All 10,000 on each of the first 10 days: the earliest are kept.
		if evs[0].ID != "daily-00000/20210101T060000Z" || !evs[len(evs)-1].Start.Before(at(t, "2021-01-11T00:00:00+02:00")) {
			t.Errorf("first %s, last %v", evs[0].ID, evs[len(evs)-1].Start)
		}
		if mb > 512 {
			t.Errorf("%d MB allocated", mb)
		}
		if len(ws) != 1 || !strings.Contains(ws[0].Error(), "10000 events") || !strings.Contains(ws[0].Error(), `"daily-00000"`) {
			t.Errorf("warnings %v", ws)
		}
	})
}

func allocated() uint64 {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.TotalAlloc
}
