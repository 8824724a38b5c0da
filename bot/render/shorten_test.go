package render

import (
	"strings"
	"testing"
)

var counters = []struct {
	name   string
	length func(string) int
	limit  int
}{
	{"x", XLength, XLimit},
	{"mastodon", func(s string) int { return MastodonLength(s, URLLength) }, MastodonLimit},
	{"bluesky", GraphemeLength, BlueskyLimit},
}

// mustKeep asserts that every URL, hashtag and date/time token of in is in out.
func mustKeep(t *testing.T, in, out string) {
	t.Helper()
	outURLs := map[string]bool{}
	for _, u := range URLs(out) {
		outURLs[u.Text] = true
	}
	for _, u := range URLs(in) {
		if !outURLs[u.Text] {
			t.Errorf("URL %q lost: %q", u.Text, out)
		}
	}
	for _, h := range Hashtags(in) {
		if !strings.Contains(out, h.Text) {
			t.Errorf("hashtag %q lost: %q", h.Text, out)
		}
	}
	for _, d := range DateTimes(in) {
		if !strings.Contains(out, d.Text) {
			t.Errorf("date %q lost: %q", d.Text, out)
		}
	}
}

func TestShortenPerPlatform(t *testing.T) {
	longTitle := strings.Repeat("Systeemisen lastensuojelun koulutus Äänekoskella ja Wiitaunionissa ", 8)
	tests := []struct {
		name, text string
		wantPrefix string // the shortened text starts with this
		wantSuffix string // ... and ends with this
	}{
		{
			"news with URL and tag",
			longTitle + "https://example.fi/lumo/uutiset/koulutus-2021 #LUMOhanke",
			"Systeemisen lastensuojelun koulutus",
			"… https://example.fi/lumo/uutiset/koulutus-2021 #LUMOhanke",
		},
		{
			"reminder keeps date, time and place",
			"Muistutus: " + longTitle + "ke 5.5.2021 klo 13.30–15.00, Teams. https://example.fi/lumo #LUMOhanke",
			"Muistutus: Systeemisen",
			"… ke 5.5.2021 klo 13.30–15.00, Teams. https://example.fi/lumo #LUMOhanke",
		},
		{
			"multi-day reminder",
			"Muistutus: " + longTitle + "6.–7.5.2021, Äänekoski. https://example.fi/lumo #LUMOhanke",
			"Muistutus:",
			"… 6.–7.5.2021, Äänekoski. https://example.fi/lumo #LUMOhanke",
		},
		{
			"emoji title",
			strings.Repeat("Tervetuloa 👨‍👩‍👧‍👦 perheet 🇫🇮 mukaan! ", 20) + "https://example.fi #LUMOhanke",
			"Tervetuloa 👨‍👩‍👧‍👦",
			"… https://example.fi #LUMOhanke",
		},
	}
	for _, c := range counters {
		for _, tt := range tests {
			t.Run(c.name+"/"+tt.name, func(t *testing.T) {
				if c.length(tt.text) <= c.limit {
					t.Fatalf("test text fits already (%d)", c.length(tt.text))
				}
				got, err := Shorten(tt.text, c.limit, c.length)
				if err != nil {
					t.Fatal(err)
				}
				if n := c.length(got); n > c.limit {
					t.Errorf("length %d > %d: %q", n, c.limit, got)
				}
				if n := c.length(got); n < c.limit-40 {
					t.Errorf("length %d wastes room under %d: %q", n, c.limit, got)
				}
				if !strings.HasPrefix(got, tt.wantPrefix) || !strings.HasSuffix(got, tt.wantSuffix) {
					t.Errorf("got %q\nwant %q … %q", got, tt.wantPrefix, tt.wantSuffix)
				}
				mustKeep(t, tt.text, got)
			})
		}
	}
}

func TestShorten(t *testing.T) {
	tests := []struct {
		name, text string
		limit      int
		want       string
		wantErr    bool
	}{
		{"fits", "lyhyt teksti", 20, "lyhyt teksti", false},
		{"exactly", "12345", 5, "12345", false},
		{"word boundary", "yksi kaksi kolme neljä", 15, "yksi kaksi…", false},
		{"punctuation before cut dropped", "yksi, kaksi, kolme", 12, "yksi, kaksi…", false},
		{"keeps URL", "aaa bbb ccc ddd https://x.fi/a", 25, "aaa bbb… https://x.fi/a", false},
		{"one long word", "Lastensuojelunkehittämishanke https://x.fi", 25, "Lastensuoje… https://x.fi", false},
		{"free text dropped entirely", "sana https://x.fi/abcdefghij", 23, "https://x.fi/abcdefghij", false},
		{"tokens alone too long", "otsikko https://x.fi/abcdefghij #LUMOhanke", 20, "", true},
		{"date alone too long", "tapahtuma 30.12.2021–2.1.2022", 10, "", true},
		{"tokens kept apart", "https://a.fi/x,https://b.fi/y", 28, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Shorten(tt.text, tt.limit, GraphemeLength)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v (got %q)", err, tt.wantErr, got)
			}
			if err == nil && got != tt.want {
				t.Errorf("Shorten(%q, %d) = %q, want %q", tt.text, tt.limit, got, tt.want)
			}
		})
	}
}

func TestDateTimes(t *testing.T) {
	text := "ke 5.5.2021 klo 13.30–15.00; 6.–7.5.2021; 30.5.–2.6.2021; 30.12.2021–2.1.2022; onsdag 5.5.2021 kl. 9.30; " +
		"Wed 5 May 2021, 1:30–3:00 pm; 11:00 am–1:00 pm; 6–7 May 2021; vuonna 2021 oli 10 kokousta; 28.5 klo 9-15"
	want := []string{"ke 5.5.2021", "klo 13.30–15.00", "6.–7.5.2021", "30.5.–2.6.2021", "30.12.2021–2.1.2022",
		"onsdag 5.5.2021", "kl. 9.30", "Wed 5 May 2021", "1:30–3:00 pm", "11:00 am–1:00 pm", "6–7 May 2021", "28.5", "klo 9-15"}
	got := spanTexts(DateTimes(text))
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("DateTimes =\n%q\nwant\n%q", got, want)
	}
}

func FuzzShorten(f *testing.F) {
	f.Add("Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 klo 13.30–15.00, Teams. https://example.fi/lumo #LUMOhanke", 60)
	f.Add("Tervetuloa 👨‍👩‍👧‍👦 perheet 🇫🇮 mukaan! https://example.fi #LUMOhanke", 30)
	f.Add("a,https://a.fi/x,b #t 1.2.3 example.com/x", 10)
	f.Add("", 0)
	f.Fuzz(func(t *testing.T, text string, limit int) {
		if limit < 0 || limit > 1000 || len(text) > 2000 {
			return
		}
		for _, c := range counters {
			got, err := Shorten(text, limit, c.length)
			if err != nil {
				continue
			}
			if n := c.length(got); n > limit {
				t.Fatalf("%s: Shorten(%q, %d) = %q, length %d", c.name, text, limit, got, n)
			}
			outURLs := map[string]int{}
			for _, u := range URLs(got) {
				outURLs[u.Text]++
			}
			for _, u := range URLs(text) {
				if outURLs[u.Text] == 0 {
					t.Fatalf("%s: Shorten(%q, %d) = %q lost URL %q", c.name, text, limit, got, u.Text)
				}
				outURLs[u.Text]--
			}
		}
	})
}
