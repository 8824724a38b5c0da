package calendar

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/feeds"
	"github.com/teambition/rrule-go"
)

// FuzzParseLong grows a fuzzed event into long inputs: its lines repeated
// up to thousands of times, and one value (text, parameter or rule list)
// stretched to megabytes. Whatever comes in, Parse ends, stays within its
// bounds and hands out clean, clipped text.
func FuzzParseLong(f *testing.F) {
	f.Add([]byte("UID:a\nSUMMARY:Kehittäjäryhmä\nDTSTART:20210601T090000Z\nRRULE:FREQ=DAILY"), uint16(3), uint32(1<<20), uint8(0))
	f.Add([]byte("UID:b\nDTSTART;TZID=Europe/Helsinki:20210601T090000\nRRULE:FREQ=HOURLY;BYMINUTE=0"), uint16(200), uint32(1<<16), uint8(1))
	f.Add([]byte("UID:c\nDTSTART;VALUE=DATE:16040229\nRRULE:FREQ=YEARLY\nRECURRENCE-ID;RANGE=THISANDFUTURE:20210301"), uint16(50), uint32(1<<18), uint8(2))
	f.Add([]byte("UID:d\nDTSTART:20210601T090000Z\nRRULE:FREQ=MINUTELY;INTERVAL=60;BYSECOND=0"), uint16(1), uint32(1<<20), uint8(3))
	from := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	to := from.AddDate(1, 0, 0)
	f.Fuzz(func(t *testing.T, event []byte, repeat uint16, length uint32, kind uint8) {
		length %= 2 << 20
		var long string
		switch kind % 4 {
		case 0:
			long = "SUMMARY:" + strings.Repeat("ä\\,\u202e\x1b", int(length/8))
		case 1:
			long = "DESCRIPTION;X-P=" + strings.Repeat("\"a;b:c\",", int(length/8)) + "x:" + strings.Repeat("z", int(length%1000))
		case 2:
			long = "RRULE:FREQ=DAILY;BYHOUR=" + strings.Repeat("1,", int(length/2)) + "2"
		case 3:
			long = "EXDATE:" + strings.Repeat("20210601T090000Z,", int(length/17))
		}
		var b bytes.Buffer
		b.WriteString("BEGIN:VCALENDAR\r\n")
		for range int(repeat % 2000) {
			b.WriteString("BEGIN:VEVENT\r\n")
			b.Write(event)
			b.WriteString("\r\nEND:VEVENT\r\n")
		}
		b.WriteString("BEGIN:VEVENT\r\nUID:long\r\nDTSTART:20210601T090000Z\r\n" + long + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
		evs, ws, err := ParseWithWarnings(b.Bytes(), helsinki, from, to)
		if err != nil {
			return
		}
		if len(evs) > maxTotal || len(ws) > maxWarnings+1 {
			t.Fatalf("%d events, %d warnings", len(evs), len(ws))
		}
		for i, e := range evs {
			if e.Start.Before(from) || !e.Start.Before(to) || e.End.Before(e.Start) {
				t.Fatalf("event %d: %v–%v outside the window or ending before it starts", i, e.Start, e.End)
			}
			if utf8.RuneCountInString(e.Title) > feeds.MaxTitle || utf8.RuneCountInString(e.Description) > feeds.MaxSummary ||
				feeds.CleanText(e.Title) != e.Title || feeds.CleanText(e.Location) != e.Location || len(e.ID) > maxUID+40 {
				t.Fatalf("event %d: text not clean or not clipped: %.80q", i, e.Title)
			}
		}
	})
}

// FuzzRule checks rules against rrule-go itself: what between returns from
// a DTSTART moved forward is what rrule-go gives from the real DTSTART, and
// parseRule accepts no rule denser than maxPerDay or one that never ends
// its search.
func FuzzRule(f *testing.F) {
	for _, r := range []string{"FREQ=WEEKLY;INTERVAL=3;BYDAY=MO,SU;WKST=SU", "FREQ=MONTHLY;BYDAY=-1FR;BYSETPOS=1",
		"FREQ=HOURLY;INTERVAL=7;BYDAY=TU", "FREQ=YEARLY;BYWEEKNO=53;BYDAY=TH", "FREQ=MINUTELY;INTERVAL=97;BYHOUR=3,4",
		"FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO", "FREQ=SECONDLY;INTERVAL=7200;BYMINUTE=30", "FREQ=YEARLY;COUNT=40;BYYEARDAY=-1"} {
		f.Add(r, int64(0), uint16(100))
	}
	base := time.Date(1990, 3, 31, 3, 30, 0, 0, helsinki)
	f.Fuzz(func(t *testing.T, value string, shift int64, windowDays uint16) {
		if len(value) > 300 {
			return
		}
		d := base.Add(time.Duration(shift%(30*365*24)) * time.Hour).Truncate(time.Second)
		r, err := parseRule(value, d, false)
		if err != nil {
			return
		}
		if n := perDay(&r.opt); n > maxPerDay {
			t.Fatalf("accepted with %d a day", n)
		}
		lo := time.Date(2021, 3, 1, 0, 0, 0, 0, time.UTC)
		hi := lo.Add(time.Duration(windowDays%400+1) * 24 * time.Hour)
		got, err := r.between(lo, hi, 20000)
		if err != nil {
			return
		}
		opt := r.opt
		opt.Count = r.count
		ref, err := rrule.NewRRule(opt)
		if err != nil {
			t.Fatal(err)
		}
		var want []time.Time
		if !r.none {
			want = ref.Between(lo, hi.Add(-time.Second), true)
		}
		if len(want) > 20000 {
			want = want[:20000]
		}
		if !slices.EqualFunc(got, want, time.Time.Equal) {
			t.Fatalf("DTSTART %v: got %d instances %v, want %d %v", d, len(got), head(got), len(want), head(want))
		}
	})
}
