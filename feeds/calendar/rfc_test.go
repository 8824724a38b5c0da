package calendar

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/feeds"
)

// RFC 5545 as ical.js reads it: RANGE=THISANDFUTURE, overrides that are no
// instance, unreadable and several RRULEs.
func TestRecurrenceSet(t *testing.T) {
	// A weekly Monday 10:00 Helsinki series from 1.3.2021, five times.
	series := []string{"BEGIN:VEVENT", "UID:s", "SUMMARY:Viikko", "DTSTART;TZID=Europe/Helsinki:20210301T100000",
		"DTEND;TZID=Europe/Helsinki:20210301T110000", "RRULE:FREQ=WEEKLY;COUNT=5", "EXDATE;TZID=Europe/Helsinki:20210315T100000"}
	override := func(lines ...string) []string {
		return append(append([]string{"BEGIN:VEVENT", "UID:s"}, lines...), "END:VEVENT")
	}
	body := func(extra ...[]string) []byte {
		all := append(append([]string{}, series...), "END:VEVENT")
		for _, e := range extra {
			all = append(all, e...)
		}
		return ics(all...)
	}
	from, to := "2021-01-01T00:00:00+02:00", "2022-01-01T00:00:00+02:00"
	cases := []struct {
		name     string
		body     []byte
		want     []occ
		warnings []string // each a substring of one warning, in order
	}{
		{
			// 22.3. moved to Tuesday 12:00 for 90 minutes "and future":
			// 29.3. (after Helsinki's DST change) moves the same in wall
			// clock, with the override's text; 1.3. and 8.3. stay.
			name: "this and future",
			body: body(override("RECURRENCE-ID;RANGE=THISANDFUTURE;TZID=Europe/Helsinki:20210322T100000",
				"DTSTART;TZID=Europe/Helsinki:20210323T120000", "DURATION:PT1H30M", "SUMMARY:Siirretty")),
			want: []occ{
				{"s/20210301T080000Z", "Viikko", "2021-03-01T10:00:00+02:00", "2021-03-01T11:00:00+02:00", false, false},
				{"s/20210308T080000Z", "Viikko", "2021-03-08T10:00:00+02:00", "2021-03-08T11:00:00+02:00", false, false},
				{"s/20210322T080000Z", "Siirretty", "2021-03-23T12:00:00+02:00", "2021-03-23T13:30:00+02:00", false, false},
				{"s/20210329T070000Z", "Siirretty", "2021-03-30T12:00:00+03:00", "2021-03-30T13:30:00+03:00", false, false},
			},
		},
		{
			// "Cancel this and all future ones".
			name: "this and future cancelled",
			body: body(override("RECURRENCE-ID;RANGE=THISANDFUTURE:20210308T080000Z",
				"DTSTART;TZID=Europe/Helsinki:20210308T100000", "STATUS:CANCELLED")),
			want: []occ{
				{"s/20210301T080000Z", "Viikko", "2021-03-01T10:00:00+02:00", "2021-03-01T11:00:00+02:00", false, false},
				{"s/20210308T080000Z", "Viikko", "2021-03-08T10:00:00+02:00", "2021-03-08T11:00:00+02:00", false, true},
				{"s/20210322T080000Z", "Viikko", "2021-03-22T10:00:00+02:00", "2021-03-22T11:00:00+02:00", false, true},
				{"s/20210329T070000Z", "Viikko", "2021-03-29T10:00:00+03:00", "2021-03-29T11:00:00+03:00", false, true},
			},
		},
		{
			// Not instances: after COUNT, off the rule, EXDATE'd. None
			// doubles an occurrence; a real one (8.3.) still moves.
			name: "overrides that are no instance",
			body: body(override("RECURRENCE-ID;TZID=Europe/Helsinki:20210405T100000", "DTSTART;TZID=Europe/Helsinki:20210405T100000"),
				override("RECURRENCE-ID;TZID=Europe/Helsinki:20210302T100000", "DTSTART;TZID=Europe/Helsinki:20210302T100000"),
				override("RECURRENCE-ID;TZID=Europe/Helsinki:20210315T100000", "DTSTART;TZID=Europe/Helsinki:20210316T100000"),
				override("RECURRENCE-ID;TZID=Europe/Helsinki:20210308T100000", "DTSTART;TZID=Europe/Helsinki:20210309T100000")),
			want: []occ{
				{"s/20210301T080000Z", "Viikko", "2021-03-01T10:00:00+02:00", "2021-03-01T11:00:00+02:00", false, false},
				{"s/20210308T080000Z", "Viikko", "2021-03-09T10:00:00+02:00", "2021-03-09T11:00:00+02:00", false, false},
				{"s/20210322T080000Z", "Viikko", "2021-03-22T10:00:00+02:00", "2021-03-22T11:00:00+02:00", false, false},
				{"s/20210329T070000Z", "Viikko", "2021-03-29T10:00:00+03:00", "2021-03-29T11:00:00+03:00", false, false},
			},
			warnings: []string{"20210405T070000Z is no instance", "20210302T080000Z is no instance", "20210315T080000Z is no instance"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			evs, ws, err := ParseWithWarnings(tc.body, helsinki, at(t, from), at(t, to))
			if err != nil {
				t.Fatal(err)
			}
			check(t, evs, tc.want, helsinki)
			checkWarnings(t, ws, tc.warnings)
		})
	}
}

func checkWarnings(t *testing.T, ws []error, want []string) {
	t.Helper()
	if len(ws) != len(want) {
		t.Errorf("got %d warnings %v, want %d", len(ws), ws, len(want))
		return
	}
	for i, w := range ws {
		var cw *Warning
		if !errors.As(w, &cw) || !strings.Contains(w.Error(), want[i]) || strings.Contains(w.Error(), "\n") {
			t.Errorf("warning %d: %v, want one line with %q", i, w, want[i])
		}
	}
}

func TestRRULEs(t *testing.T) {
	cases := []struct {
		name     string
		lines    []string
		want     []string // IDs
		warnings []string
	}{
		{
			name:     "empty RRULE keeps DTSTART and RDATEs",
			lines:    []string{"RRULE:", "RDATE:20210610T090000Z"},
			want:     []string{"e/20210601T090000Z", "e/20210610T090000Z"},
			warnings: []string{`UID "e" (line 4): empty RRULE: the event is kept`},
		},
		{
			name:     "unreadable RRULE keeps DTSTART",
			lines:    []string{"RRULE:FREQ=FORTNIGHTLY"},
			want:     []string{"e/20210601T090000Z"},
			warnings: []string{`RRULE "FREQ=FORTNIGHTLY" unreadable`},
		},
		{
			name:     "no FREQ",
			lines:    []string{"RRULE:COUNT=3"},
			want:     []string{"e/20210601T090000Z"},
			warnings: []string{"no FREQ"},
		},
		{
			// Tuesdays and Thursdays, Thursdays twice over: each once.
			name:  "several RRULEs are their union",
			lines: []string{"RRULE:FREQ=WEEKLY;BYDAY=TU;COUNT=3", "RRULE:FREQ=WEEKLY;BYDAY=TH,TU;UNTIL=20210610T235959Z", "RDATE:20210603T090000Z"},
			want:  []string{"e/20210601T090000Z", "e/20210603T090000Z", "e/20210608T090000Z", "e/20210610T090000Z", "e/20210615T090000Z"},
		},
		{
			name:     "one of two RRULEs unreadable",
			lines:    []string{"RRULE:FREQ=WEEKLY;BYDAY=XX", "RRULE:FREQ=WEEKLY;COUNT=2"},
			want:     []string{"e/20210601T090000Z", "e/20210608T090000Z"},
			warnings: []string{"unreadable"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lines := append([]string{"BEGIN:VEVENT", "UID:e", "DTSTART:20210601T090000Z"}, tc.lines...)
			evs, ws, err := ParseWithWarnings(ics(append(lines, "END:VEVENT")...), helsinki, at(t, "2021-01-01T00:00:00Z"), at(t, "2022-01-01T00:00:00Z"))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range evs {
				got = append(got, e.ID)
			}
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			checkWarnings(t, ws, tc.warnings)
		})
	}
}

// Text reaches the core clean and bounded; a URL too long to be one is
// left out rather than cut.
func TestText(t *testing.T) {
	long := strings.Repeat("ä", feeds.MaxTitle+10)
	body := ics("BEGIN:VEVENT", "UID:txt", "DTSTART:20210601T090000Z",
		"SUMMARY:\u202eKehittäjä\x1b[31mryhmä\u202c "+long,
		"LOCATION:Jyväskylä\\nsali\x07 2",
		"DESCRIPTION:"+strings.Repeat("kuvaus ", feeds.MaxSummary),
		"URL:https://lumo.example/"+strings.Repeat("x", maxURL),
		"END:VEVENT",
		"BEGIN:VEVENT", "UID:url", "DTSTART:20210601T090000Z", "URL:https://lumo.example/\u2066a\x00b", "END:VEVENT")
	evs, ws, err := ParseWithWarnings(body, helsinki, at(t, "2021-01-01T00:00:00Z"), at(t, "2022-01-01T00:00:00Z"))
	if err != nil || len(evs) != 2 {
		t.Fatalf("%v, %d events", err, len(evs))
	}
	e := evs[0]
	if want := feeds.Clip("Kehittäjä[31mryhmä "+long, feeds.MaxTitle); e.Title != want {
		t.Errorf("Title = %.60q…", e.Title)
	}
	if n := len([]rune(e.Title)); n != feeds.MaxTitle {
		t.Errorf("Title has %d characters", n)
	}
	if e.Location != "Jyväskylä\nsali 2" {
		t.Errorf("Location = %q", e.Location)
	}
	if n := len([]rune(e.Description)); n != feeds.MaxSummary || !strings.HasSuffix(e.Description, "…") {
		t.Errorf("Description has %d characters", n)
	}
	if e.Link != "" {
		t.Errorf("Link = %.40q…, want it left out", e.Link)
	}
	if evs[1].Link != "https://lumo.example/ab" {
		t.Errorf("Link = %q", evs[1].Link)
	}
	checkWarnings(t, ws, []string{"SUMMARY is longer", "URL is longer", "DESCRIPTION is longer"})
}

// A megabyte SUMMARY (and as much DESCRIPTION, folded) is read in linear
// time: BenchmarkHugeText measures it.
func TestHugeText(t *testing.T) {
	body := hugeText()
	start := time.Now()
	evs, err := Parse(body, helsinki, at(t, "2021-01-01T00:00:00Z"), at(t, "2022-01-01T00:00:00Z"))
	t.Logf("%d bytes in %v", len(body), time.Since(start))
	if err != nil || len(evs) != 1 || len([]rune(evs[0].Title)) != feeds.MaxTitle {
		t.Fatalf("%v, %d events", err, len(evs))
	}
}

func hugeText() []byte {
	summary := strings.Repeat("Kehittäjäryhmä\\, ", 1<<20/18)
	var folded strings.Builder
	d := strings.Repeat("rivi\\n", 1<<20/6)
	for len(d) > 74 {
		folded.WriteString(d[:74] + "\r\n ")
		d = d[74:]
	}
	folded.WriteString(d)
	return ics("BEGIN:VEVENT", "UID:huge", "DTSTART:20210601T090000Z", "SUMMARY:"+summary, "DESCRIPTION:"+folded.String(), "END:VEVENT")
}

func BenchmarkHugeText(b *testing.B) {
	body := hugeText()
	from, to := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Parse(body, helsinki, from, to); err != nil {
			b.Fatal(err)
		}
	}
}
