package config

import (
	"strings"
	"testing"
)

// Whatever staff type, parseYAML returns either a document or problems
// placed on a line of the file, and never panics.
func FuzzParseYAML(f *testing.F) {
	for _, s := range []string{
		"events:\n  - id: a\n    title: A\n   start: 2021-05-05\n",
		"announcements:\n  - id: a\n    text: Huom: tärkeä\n",
		"events:\n  - id: a\n    title: A\n\n    id: b\n",
		"a: \"unterminated\nb: 1\n",
		"a:\n\t- x\n",
		"text: |\n  kaksi\n  riviä\nb: [1,\n  2]\n",
		"- - a\n  - b\n- c: d\n  e: f\n",
		"text: \"Tervetuloa\" kaikki\n",
		"x: @a\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		doc, ps := parseYAML("f.yaml", []byte(src))
		if doc == nil && len(ps) == 0 {
			t.Fatal("neither a document nor a problem")
		}
		lines := strings.Count(src, "\n") + 1
		for _, p := range ps {
			if p.Line < 0 || p.Line > lines || p.Message == "" || p.File != "f.yaml" {
				t.Fatalf("problem %+v for a file of %d lines", p, lines)
			}
		}
	})
}

func TestSuggestions(t *testing.T) {
	for in, want := range map[string]string{
		"1day": "1d", "2 days": "2d", "1 week": "7d", "2 viikkoa": "14d", "90 sekuntia": "1m30s", "1,5h": "1h30m",
		"3 tuntia": "3h", "1 dag": "1d", "1.5d": "1d12h", "1 päivä ja 2 tuntia": "1d2h", "ten": "", "5": "", "1 fortnight": "",
	} {
		if got := suggestDuration(in); got != want {
			t.Errorf("suggestDuration(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"5.5.2021 klo 13.30":    "write 2021-05-05T13:30",
		"ke 5.5.2021 klo 13.30": "write 2021-05-05T13:30",
		"5.5.2021 13:30":        "write 2021-05-05T13:30",
		"05.05.2021":            "write 2021-05-05",
		"10.6.2021 klo 12-14":   "write 2021-06-10T12:00 (and end: 2021-06-10T14:00)",
		"2021-5-5":              "write 2021-05-05",
		"2021-05-05T13.30":      "write 2021-05-05T13:30",
		"13.30":                 "give the date too, e.g. 2026-12-01T13:30",
		"32.5.2021":             "",
		"5.13.2021":             "",
		"5.5.2021 klo 25.00":    "",
		"huomenna":              "",
	} {
		if got := suggestTime(in); got != want {
			t.Errorf("suggestTime(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"0 10 * * MA":            "0 10 * * MON",
		"0 10 * * ma,ke,pe":      "0 10 * * MON,WED,FRI",
		"CRON_TZ=UTC 0 9 * * SU": "CRON_TZ=UTC 0 9 * * SUN",
		"0 0 10 * * TO":          "0 0 10 * * THU",
		"0 10 * * MONDAY":        "0 10 * * MON",
	} {
		if got, ok := fixCronWeekdays(in); !ok || got != want {
			t.Errorf("fixCronWeekdays(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"0 10 * * MON", "@daily", "0 10 * *"} {
		if got, ok := fixCronWeekdays(in); ok {
			t.Errorf("fixCronWeekdays(%q) = %q: nothing to fix", in, got)
		}
	}
}

func TestWeekdayNames(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"mon", "Monday", "ma", "maanantai", "må", "mån", "måndag", "MA"}, "Monday"},
		{[]string{"thu", "to", "torstai", "tor", "torsdag"}, "Thursday"},
		{[]string{"sat", "la", "lauantai", "lö", "lör", "lördag"}, "Saturday"},
		{[]string{"sun", "su", "sunnuntai", "sö", "sön", "söndag", "su."}, "Sunday"},
	} {
		for _, n := range tc.names {
			if d, err := ParseWeekday(n); err != nil || d.String() != tc.want {
				t.Errorf("ParseWeekday(%q) = %v, %v; want %s", n, d, err, tc.want)
			}
		}
	}
	if _, err := ParseWeekday("7"); err == nil {
		t.Error("a number is taken as a weekday (0 and 7 are both Sunday in cron: ambiguous)")
	}
}

func TestClosest(t *testing.T) {
	keys := keysAt("")
	for in, want := range map[string]string{"announcments": "announcements", "timezon": "timezone", "hashtag": "hashtags",
		"evnets": "events", "targts": "targets", "colour": "", "at": ""} {
		if got := closest(in, keys); got != want {
			t.Errorf("closest(%q) = %q, want %q", in, got, want)
		}
	}
	if got := closest("outptu", keysAt("targets[0]")); got != "output" {
		t.Errorf("closest(outptu) in a target = %q", got)
	}
	if keysAt("targets[0].headers") != nil {
		t.Error("headers take any key")
	}
}
