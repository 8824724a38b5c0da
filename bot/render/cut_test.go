package render

import (
	"strings"
	"testing"
)

var targets = []struct {
	name string
	t    Target
}{
	{"x", X()},
	{"mastodon", Mastodon(0, 0)},
	{"bluesky", Bluesky()},
	{"any", Target{Limit: BlueskyLimit, Length: GraphemeLength}},
}

// checkShortened asserts what Target.Shorten promises: within the limit, valid, and the
// platform finds exactly the links and tags it found before, none glued to "…".
func checkShortened(t *testing.T, tg Target, in, out string) {
	t.Helper()
	if n := tg.Length(out); n > tg.Limit {
		t.Errorf("length %d > %d: %q", n, tg.Limit, out)
	}
	if tg.Valid != nil && !tg.Valid(out) {
		t.Errorf("not valid: %q", out)
	}
	ents := tg.Entities
	if ents == nil {
		ents = AllEntities
	}
	before, after := entityTexts(ents(in)), entityTexts(ents(out))
	if strings.Join(before, "\x00") != strings.Join(after, "\x00") {
		t.Errorf("links and tags changed:\n before %q\n after  %q\n in  %q\n out %q", before, after, in, out)
	}
	for _, e := range ents(out) {
		if strings.HasPrefix(out[e.End:], Ellipsis) || strings.HasSuffix(e.Text, Ellipsis) {
			t.Errorf("%q glued to the ellipsis in %q", e.Text, out)
		}
	}
	for _, u := range schemeURLs(in) {
		if !strings.Contains(out, u.Text) {
			t.Errorf("URL %q cut or dropped: %q", u.Text, out)
		}
	}
}

func TestTargetShorten(t *testing.T) {
	long := strings.Repeat("Systeemisen lastensuojelun koulutus Äänekoskella ja Wiitaunionissa. ", 10)
	for _, tc := range []struct {
		name, text string
		mustHave   []string // in every platform's result
		mustNot    []string
	}{
		{"bare domains stay whole", long + "Lue koske.fi ja thl.fi/lastensuojelu tai www.koske.fi/tapahtumat #LUMOhanke",
			[]string{"koske.fi", "thl.fi/lastensuojelu", "www.koske.fi/tapahtumat", "#LUMOhanke"}, nil},
		{"scheme URL X does not link", long + "https://lumo.example/tapahtumat/2021 #LUMOhanke",
			[]string{"https://lumo.example/tapahtumat/2021"}, []string{"https://lumo.example/tapahtumat/2021…"}},
		{"no new link by cutting a word", "Lastensuojelu.combinationtestisanaerittäinpitkä" + strings.Repeat("x", 400) + " https://x.fi",
			nil, []string{".com…", ".co…"}},
		{"quote after a link is not glued", `"Lue https://x.fi/a" ` + long + " #LUMOhanke",
			[]string{"https://x.fi/a", "#LUMOhanke"}, []string{`/a"…`, "/a…"}},
		{"bracket after a link", "(katso https://x.fi/a) " + long + " #LUMOhanke",
			[]string{"https://x.fi/a"}, []string{"/a)…", "/a…"}},
		{"cashtags and mentions", long + "$AAPL @lumo_hanke @lumo@mastodon.social #Sote-uudistus",
			[]string{"$AAPL", "@lumo_hanke", "@lumo@mastodon.social", "#Sote"}, nil},
		{"t.co keeps its query", long + "t.co/xyz?foo=bar", []string{"t.co/xyz?foo=bar"}, nil},
	} {
		for _, tg := range targets {
			t.Run(tc.name+"/"+tg.name, func(t *testing.T) {
				got, err := tg.t.Shorten(tc.text)
				if err != nil {
					t.Fatal(err)
				}
				checkShortened(t, tg.t, tc.text, got)
				if got == tc.text && tg.t.Length(tc.text) > tg.t.Limit {
					t.Fatalf("not shortened: %q", got)
				}
				ents := tg.t.Entities
				if ents == nil {
					ents = AllEntities
				}
				linked := strings.Join(entityTexts(append(ents(tc.text), schemeURLs(tc.text)...)), " ")
				for _, s := range tc.mustHave {
					if strings.Contains(linked, s) && !strings.Contains(got, s) {
						t.Errorf("%q lost: %q", s, got)
					}
				}
				for _, s := range tc.mustNot {
					if strings.Contains(got, s) {
						t.Errorf("%q made: %q", s, got)
					}
				}
			})
		}
	}
}

func TestTargetShortenRefusesInvalid(t *testing.T) {
	if _, err := X().Shorten("a\ufeffb"); err == nil {
		t.Error("X accepted U+FEFF")
	}
	for _, text := range []string{strings.Repeat("sana ", 100) + "\ufeff", "\ufeff" + strings.Repeat("sana ", 100) + "https://x.fi"} {
		if got, err := X().Shorten(text); err == nil && !XValid(got) {
			t.Errorf("X got a text it refuses: %q", got)
		}
	}
	if got, err := Bluesky().Shorten("a\ufeffb"); err != nil || got != "a\ufeffb" {
		t.Errorf("Bluesky: %q, %v", got, err)
	}
}

func TestShortenMastodonInstance(t *testing.T) {
	tg := Mastodon(100, 40)
	text := strings.Repeat("sana ", 30) + "https://x.fi/a"
	got, err := tg.Shorten(text)
	if err != nil {
		t.Fatal(err)
	}
	if n := MastodonLength(got, 40); n > 100 || n < 90 {
		t.Errorf("length %d for limit 100: %q", n, got)
	}
}

// longFuzzText repeats a fuzzer's text up to about n bytes, so that the targets see long
// inputs (shortening was once quadratic in them).
func longFuzzText(s string, n int) string {
	if s == "" {
		return s
	}
	return strings.Repeat(s, n/len(s)+1)
}

func FuzzTargetShorten(f *testing.F) {
	f.Add("Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 klo 13.30–15.00, Teams. https://example.fi/lumo #LUMOhanke", uint16(60))
	f.Add("Tervetuloa 👨‍👩‍👧‍👦 perheet 🇫🇮 koske.fi (https://x.fi/a_(b)) \"t.co/x?y=1\" $AAPL @a@b.fi ", uint16(2000))
	f.Add("a.comb,https://a.fi/x,b #t 1.2.3 example.com/x…", uint16(30000))
	f.Add("\ufeff#Sote-uudistus www.koske.fi/tapahtumat.. HTTPS://X.FI", uint16(500))
	f.Fuzz(func(t *testing.T, text string, size uint16) {
		if len(text) > 400 {
			return
		}
		text = longFuzzText(text, int(size))
		for _, tg := range targets {
			got, err := tg.t.Shorten(text)
			if err != nil {
				continue
			}
			checkShortened(t, tg.t, text, got)
		}
	})
}
