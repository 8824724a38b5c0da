package render

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func goldenCases(t *testing.T) []struct {
	name, kind string
	data       any
} {
	hel := helsinki(t)
	return []struct {
		name, kind string
		data       any
	}{
		{"news", "news", NewsData{
			Title: "LUMO-hankkeen syksyn koulutukset julkaistu", Link: "https://example.fi/lumo/uutiset/koulutukset",
			Published: time.Date(2021, 8, 16, 10, 0, 0, 0, hel), Feed: "uutiset", Due: time.Date(2021, 8, 16, 10, 5, 0, 0, hel),
		}},
		// 1d@09:00: tomorrow
		{"reminder-timed", "reminder", ReminderData{
			Title: "LUMO-hankkeen kehittäjäryhmä", Location: "Teams", Link: "https://example.fi/lumo",
			Start: time.Date(2021, 5, 5, 13, 30, 0, 0, hel), End: time.Date(2021, 5, 5, 15, 0, 0, 0, hel), Before: "1d",
			Due: time.Date(2021, 5, 4, 9, 0, 0, 0, hel),
		}},
		// 2h: today
		{"reminder-timed-today", "reminder", ReminderData{
			Title: "LUMO-hankkeen kehittäjäryhmä", Location: "Teams", Link: "https://example.fi/lumo",
			Start: time.Date(2021, 5, 5, 13, 30, 0, 0, hel), End: time.Date(2021, 5, 5, 15, 0, 0, 0, hel), Before: "2h",
			Due: time.Date(2021, 5, 5, 11, 30, 0, 0, hel),
		}},
		// 7d@09:00: a week ahead, so next week
		{"reminder-timed-week", "reminder", ReminderData{
			Title: "LUMO-hankkeen kehittäjäryhmä", Location: "Teams", Link: "https://example.fi/lumo",
			Start: time.Date(2021, 5, 12, 13, 30, 0, 0, hel), End: time.Date(2021, 5, 12, 15, 0, 0, 0, hel), Before: "7d",
			Due: time.Date(2021, 5, 5, 9, 0, 0, 0, hel),
		}},
		// Monday for Friday: later this week
		{"reminder-timed-thisweek", "reminder", ReminderData{
			Title: "LUMO-hankkeen kehittäjäryhmä", Location: "Teams", Link: "https://example.fi/lumo",
			Start: time.Date(2021, 5, 7, 9, 0, 0, 0, hel), End: time.Date(2021, 5, 7, 11, 0, 0, 0, hel), Before: "4d",
			Due: time.Date(2021, 5, 3, 9, 0, 0, 0, hel),
		}},
		// 2h before 0.30: tonight
		{"reminder-timed-night", "reminder", ReminderData{
			Title: "Yöpäivystäjien tapaaminen", Location: "Teams", Link: "https://example.fi/lumo/yo",
			Start: time.Date(2021, 5, 5, 0, 30, 0, 0, hel), End: time.Date(2021, 5, 5, 2, 0, 0, 0, hel), Before: "2h",
			Due: time.Date(2021, 5, 4, 22, 30, 0, 0, hel),
		}},
		// 14d: further than a week, so the date with its year
		{"reminder-timed-far", "reminder", ReminderData{
			Title: "LUMO-hankkeen kehittäjäryhmä", Location: "Teams", Link: "https://example.fi/lumo",
			Start: time.Date(2021, 5, 19, 13, 30, 0, 0, hel), End: time.Date(2021, 5, 19, 15, 0, 0, 0, hel), Before: "14d",
			Due: time.Date(2021, 5, 5, 9, 0, 0, 0, hel),
		}},
		// no .Due (a caller that sets none): the absolute date
		{"reminder-timed-nodue", "reminder", ReminderData{
			Title: "LUMO-hankkeen kehittäjäryhmä", Location: "Teams", Link: "https://example.fi/lumo",
			Start: time.Date(2021, 5, 5, 13, 30, 0, 0, hel), End: time.Date(2021, 5, 5, 15, 0, 0, 0, hel), Before: "1d",
		}},
		{"reminder-timed-noplace", "reminder", ReminderData{
			Title: "NUOREN ÄÄNI lastensuojelussa", Link: "https://example.fi/lumo/nuoren-aani",
			Start: time.Date(2021, 6, 10, 12, 0, 0, 0, hel), End: time.Date(2021, 6, 10, 14, 0, 0, 0, hel), Before: "7d",
			Due: time.Date(2021, 6, 3, 9, 0, 0, 0, hel),
		}},
		{"reminder-allday", "reminder", ReminderData{
			Title: "Sytykettä yhteistyöhön, osio II", Location: "Jyväskylä", Link: "https://example.fi/lumo/sytyke",
			Start: time.Date(2021, 6, 7, 0, 0, 0, 0, hel), End: time.Date(2021, 6, 7, 0, 0, 0, 0, hel), AllDay: true,
			Before: "1d", Due: time.Date(2021, 6, 6, 9, 0, 0, 0, hel),
		}},
		{"reminder-allday-week", "reminder", ReminderData{
			Title: "Sytykettä yhteistyöhön, osio II", Location: "Jyväskylä", Link: "https://example.fi/lumo/sytyke",
			Start: time.Date(2021, 6, 7, 0, 0, 0, 0, hel), End: time.Date(2021, 6, 7, 0, 0, 0, 0, hel), AllDay: true,
			Before: "7d", Due: time.Date(2021, 5, 31, 9, 0, 0, 0, hel),
		}},
		{"reminder-multiday", "reminder", ReminderData{
			Title: "Systeemisen lastensuojelun koulutus", Location: "Äänekoski ja Wiitaunioni", Link: "https://example.fi/lumo/koulutus",
			Start: time.Date(2021, 5, 6, 0, 0, 0, 0, hel), End: time.Date(2021, 5, 7, 0, 0, 0, 0, hel), AllDay: true,
			Before: "1d", Due: time.Date(2021, 5, 5, 9, 0, 0, 0, hel),
		}},
		{"reminder-multiday-far", "reminder", ReminderData{
			Title: "Systeemisen lastensuojelun koulutus", Location: "Äänekoski ja Wiitaunioni", Link: "https://example.fi/lumo/koulutus",
			Start: time.Date(2021, 5, 6, 0, 0, 0, 0, hel), End: time.Date(2021, 5, 7, 0, 0, 0, 0, hel), AllDay: true,
			Before: "14d", Due: time.Date(2021, 4, 22, 9, 0, 0, 0, hel),
		}},
		// 7d@09:00 over the year end
		{"reminder-newyear", "reminder", ReminderData{
			Title: "Vuodenvaihteen leiri", Link: "https://example.fi/lumo/leiri",
			Start: time.Date(2021, 12, 30, 0, 0, 0, 0, hel), End: time.Date(2022, 1, 2, 0, 0, 0, 0, hel), AllDay: true,
			Before: "7d", Due: time.Date(2021, 12, 23, 9, 0, 0, 0, hel),
		}},
		{"announcement", "announcement", AnnouncementData{
			Text: "Seuraa LUMOa ja kerro kuulumisesi!", Link: "https://example.fi/lumo",
			Due: time.Date(2021, 5, 3, 10, 0, 0, 0, hel), At: time.Date(2021, 5, 3, 10, 0, 0, 0, hel),
		}},
	}
}

func TestGoldenDefaults(t *testing.T) {
	for _, lang := range Languages {
		r := New(lang, []string{"#LUMOhanke"})
		for _, c := range goldenCases(t) {
			t.Run(lang+"/"+c.name, func(t *testing.T) {
				tmpl, err := r.Parse(c.kind, Default(c.kind))
				if err != nil {
					t.Fatal(err)
				}
				got, err := r.Execute(tmpl, c.data)
				if err != nil {
					t.Fatal(err)
				}
				path := filepath.Join("testdata", "golden", c.name+"."+lang+".txt")
				if *update {
					if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(path, []byte(got+"\n"), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(path)
				if err != nil {
					t.Fatalf("%v (run with -update to create)", err)
				}
				if got != strings.TrimSuffix(string(want), "\n") {
					t.Errorf("%s:\n got %q\nwant %q", path, got, want)
				}
				if n := XLength(got); n > XLimit {
					t.Errorf("default %s is %d long on X", c.kind, n)
				}
			})
		}
	}
}

func TestDefaultUnknownKind(t *testing.T) {
	if d := Default("podcast"); d != "" {
		t.Errorf("Default(podcast) = %q", d)
	}
}

func TestParseErrors(t *testing.T) {
	r := New("fi", nil)
	tests := []struct{ name, text, want string }{
		{"news", "{{.Title}", `"news"`},
		{"reminder", "ok\n{{if .Title}}", "reminder:2"},
		{"announcement", "{{nosuchfunc .Text}}", `"nosuchfunc" not defined`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := r.Parse(tt.name, tt.text)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error %q should name %q and contain %q", err, tt.name, tt.want)
			}
		})
	}
}

func TestExecuteErrors(t *testing.T) {
	r := New("fi", nil)
	tests := []struct {
		name, text string
		data       any
	}{
		{"missing field", "{{.Titel}}", NewsData{}},
		{"missing map key", "{{.title}}", map[string]string{"Title": "x"}},
		{"bad call", "{{truncate .Title 3}}", NewsData{Title: "x"}},
		{"wrong kind", "{{.Text}}", ReminderData{}},
		{"nil data field", "{{.Title}}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := r.Parse("t", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			out, err := r.Execute(tmpl, tt.data)
			if err == nil {
				t.Fatalf("no error, output %q", out)
			}
			if strings.Contains(out, "<no value>") {
				t.Errorf("output %q", out)
			}
			if !strings.Contains(err.Error(), `"t"`) {
				t.Errorf("error %q does not name the template", err)
			}
		})
	}
	if _, err := r.Execute(nil, nil); err == nil {
		t.Error("nil template: no error")
	}
}

func TestCheck(t *testing.T) {
	r := New("fi", nil)
	bad, _ := r.Parse("reminder", "{{.Titel}} {{date .Start}}")
	if err := r.Check(bad, "reminder"); err == nil {
		t.Error("Check accepted {{.Titel}}")
	}
	for _, kind := range []string{"news", "reminder", "announcement"} {
		tmpl, _ := r.Parse(kind, Default(kind))
		if err := r.Check(tmpl, kind); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
	if err := r.Check(bad, "podcast"); err == nil {
		t.Error("unknown kind accepted")
	}
	for kind, text := range map[string]string{
		"news":         "{{.Title}} {{relday .Due .Published}}",
		"reminder":     "{{reldate .Due .Start}} {{if near .Due .Start}}{{shortdaterange .Start .End}}{{end}} {{tonight .Due .Start}}",
		"announcement": "{{.Text}} {{reldate .Due .At}} {{time .At}} {{shortdate .Due}}",
	} {
		tmpl, err := r.Parse(kind, text)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Check(tmpl, kind); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
	for kind, text := range map[string]string{"news": "{{.At}}", "announcement": "{{.Start}}"} {
		tmpl, _ := r.Parse(kind, text)
		if err := r.Check(tmpl, kind); err == nil {
			t.Errorf("%s: Check accepted %s", kind, text)
		}
	}
}

func TestTemplateFuncs(t *testing.T) {
	hel := helsinki(t)
	start := time.Date(2021, 5, 5, 13, 30, 0, 0, hel)
	end := time.Date(2021, 5, 5, 15, 0, 0, 0, hel)
	data := ReminderData{Title: "Kehittäjäryhmä \"LUMO\" <b>", Start: start, End: end, Link: "https://example.fi"}
	tests := []struct{ lang, text, want string }{
		{"fi", "{{weekday .Start}} {{date .Start}} klo {{timerange .Start .End}}", "ke 5.5.2021 klo 13.30–15.00 #LUMOhanke"},
		{"fi", "{{time .Start}} {{daterange .Start .End}} {{lang}}", "13.30 5.5.2021 fi #LUMOhanke"},
		{"sv", "{{weekday .Start}} {{date .Start}} kl. {{timerange .Start .End}}", "onsdag 5.5.2021 kl. 13.30–15.00 #LUMOhanke"},
		{"en", "{{weekday .Start}} {{date .Start}}, {{timerange .Start .End}}", "Wed 5 May 2021, 1:30–3:00 pm #LUMOhanke"},
		{"fi", "{{truncate 6 .Title}}", "Kehit… #LUMOhanke"},
		{"fi", "{{lower .Title}} {{upper \"ä\"}}", "kehittäjäryhmä \"lumo\" <b> Ä #LUMOhanke"},
		{"fi", "{{.Title}} {{hashtags}}", "Kehittäjäryhmä \"LUMO\" <b> #LUMOhanke #Lapsi"},
		{"fi", "  lots   of\tspace \n\n next line  ", "lots of space\n\nnext line #LUMOhanke"},
		{"fi", "{{if multiday .Start .End}}many{{else}}one{{end}}", "one #LUMOhanke"},
	}
	for _, tt := range tests {
		t.Run(tt.lang+" "+tt.text, func(t *testing.T) {
			r := New(tt.lang, []string{"LUMOhanke", "#Lapsi", " ", "#lumohanke"})
			tmpl, err := r.Parse("t", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			got, err := r.Execute(tmpl, data)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(tt.text, "hashtags") {
				got = strings.Replace(got, " #Lapsi", "", 1)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestExecuteRawJSON(t *testing.T) {
	r := New("fi", []string{"#LUMOhanke"})
	tmpl, err := r.Parse("body", `{"text": {{json .Text}}}`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := r.ExecuteRaw(tmpl, struct{ Text string }{"Rivi 1\nRivi \"2\"  <tag> & ä"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"text": "Rivi 1\nRivi \"2\"  <tag> & ä"}`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		n       int
		s, want string
	}{
		{10, "lyhyt", "lyhyt"},
		{5, "lyhyt", "lyhyt"},
		{4, "lyhyt", "lyh…"},
		{3, "ab cd", "ab…"},
		{4, "ab cd", "ab…"},
		{1, "abc", "…"},
		{0, "abc", ""},
		{3, "👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦👨‍👩‍👧‍👦", "👨‍👩‍👧‍👦👨‍👩‍👧‍👦…"},
		{3, "äää\u0308ä", "ää…"},
	}
	for _, tt := range tests {
		t.Run(tt.s, func(t *testing.T) {
			if got := Truncate(tt.n, tt.s); got != tt.want {
				t.Errorf("Truncate(%d, %q) = %q, want %q", tt.n, tt.s, got, tt.want)
			}
		})
	}
}

func TestAppendHashtags(t *testing.T) {
	tags := []string{"#LUMOhanke"}
	tests := []struct {
		name, text string
		tags       []string
		want       string
	}{
		{"appended", "Uutinen https://x.fi", tags, "Uutinen https://x.fi #LUMOhanke"},
		{"present", "Uutinen #LUMOhanke https://x.fi", tags, "Uutinen #LUMOhanke https://x.fi"},
		{"case-insensitive", "Uutinen #lumohanke", tags, "Uutinen #lumohanke"},
		{"longer tag is another tag", "Uutinen #LUMOhankeX", tags, "Uutinen #LUMOhankeX #LUMOhanke"},
		{"inside a URL does not count", "https://x.fi/#LUMOhanke", tags, "https://x.fi/#LUMOhanke #LUMOhanke"},
		{"inside a word does not count", "abc#LUMOhanke", tags, "abc#LUMOhanke #LUMOhanke"},
		{"without #", "Uutinen", []string{"LUMOhanke", "lastensuojelu"}, "Uutinen #LUMOhanke #lastensuojelu"},
		{"one present of two", "#Lastensuojelu tänään", []string{"#LUMOhanke", "#lastensuojelu"}, "#Lastensuojelu tänään #LUMOhanke"},
		{"duplicates in tags", "x", []string{"#a", "#A", ""}, "x #a"},
		{"empty text", "", tags, "#LUMOhanke"},
		{"no tags", "x", nil, "x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := AppendHashtags(tt.text, tt.tags); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzExecute(f *testing.F) {
	for _, k := range []string{"news", "reminder", "announcement"} {
		f.Add(Default(k), "LUMO-hankkeen kehittäjäryhmä", int64(1620214200), int64(5400), true)
	}
	f.Add("{{truncate 3 .Title}} {{json .Title}} {{daterange .Start .End}}", "👨‍👩‍👧‍👦 #x https://a.fi", int64(0), int64(-5), false)
	f.Add("{{.Nope}} {{", "", int64(-1), int64(0), false)
	f.Fuzz(func(t *testing.T, text, title string, start, dur int64, allDay bool) {
		for _, lang := range Languages {
			r := New(lang, []string{"#LUMOhanke"})
			tmpl, err := r.Parse("fuzz", text)
			if err != nil {
				continue
			}
			s := time.Unix(start, 0).UTC()
			data := ReminderData{Title: title, Start: s, End: s.Add(time.Duration(dur) * time.Second), AllDay: allDay, Link: title, Due: s.Add(-time.Duration(dur) * time.Second)}
			_, _ = r.Execute(tmpl, data)
			_, _ = r.Execute(tmpl, NewsData{Title: title})
			_, _ = r.ExecuteRaw(tmpl, AnnouncementData{Text: title, Due: s, At: data.End})
		}
	})
}
