package render

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func spanTexts(spans []Span) []string {
	var out []string
	for _, s := range spans {
		out = append(out, s.Text)
	}
	return out
}

func TestURLs(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"https", "Lue lisää https://example.fi/lumo #LUMOhanke", []string{"https://example.fi/lumo"}},
		{"trailing period", "Katso https://example.fi/lumo.", []string{"https://example.fi/lumo"}},
		{"query and fragment", "https://example.com/a?b=1&c=2#x, jne", []string{"https://example.com/a?b=1&c=2#x"}},
		{"parens in path", "(https://en.wikipedia.org/wiki/Primer_(film))", []string{"https://en.wikipedia.org/wiki/Primer_(film)"}},
		{"cased", "HTTPS://www.ExaMPLE.COM/index.html", []string{"HTTPS://www.ExaMPLE.COM/index.html"}},
		{"port", "http://example.com:8080/x", []string{"http://example.com:8080/x"}},
		{"bare gTLD", "example.com ja www.lumo.fi", []string{"example.com", "www.lumo.fi"}},
		{"bare ccTLD alone (3.1.0 has no short-domain rule)", "lumo.fi", []string{"lumo.fi"}},
		{"bare ccTLD domains", "koske.fi, thl.fi/lastensuojelu ja esimerkki.äö.fi.", []string{"koske.fi", "thl.fi/lastensuojelu", "esimerkki.äö.fi"}},
		{"t.co without protocol keeps its query", "t.co/xyz?foo=bar", []string{"t.co/xyz?foo=bar"}},
		{"t.co keeps its query", "https://t.co/xyz?foo=bar&a=1 x", []string{"https://t.co/xyz?foo=bar&a=1"}},
		{"capitals", "KOSKE.FI/X", []string{"KOSKE.FI/X"}},
		{"bare ccTLD with path", "lumo.fi/tapahtumat", []string{"lumo.fi/tapahtumat"}},
		{"t.co special", "t.co", []string{"t.co"}},
		{"t.co slug ends", "https://t.co/abc123/more", []string{"https://t.co/abc123"}},
		{"no TLD", "klo 13.30 ja 5.5.2021 versio 1.2.3", nil},
		{"unknown TLD", "http://example.invalidtld/", nil},
		{"after @", "user@example.com", nil},
		{"after underscore, no protocol", "foo_example.com", nil},
		{"dash inside a label", "foo-example.com", []string{"foo-example.com"}},
		{"unicode domain", "http://☃.net/", []string{"http://☃.net/"}},
		{"IDN TLD", "http://foobar.پاکستان/", []string{"http://foobar.پاکستان/"}},
		{"label over 63", "http://" + strings.Repeat("a", 64) + ".com", nil},
		{"two", "https://a.fi/x https://b.fi/y", []string{"https://a.fi/x", "https://b.fi/y"}},
		{"finnish path", "https://example.fi/ääkköset", []string{"https://example.fi/ääkköset"}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := URLs(tt.text)
			if !reflect.DeepEqual(spanTexts(got), tt.want) {
				t.Errorf("URLs(%q) = %q, want %q", tt.text, spanTexts(got), tt.want)
			}
			for _, s := range got {
				if tt.text[s.Start:s.End] != s.Text {
					t.Errorf("span %+v does not match the text", s)
				}
			}
		})
	}
}

// urls_without_protocol in validate.yml: each text is one URL, all of it.
func TestURLsWithoutProtocolConformance(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "twitter-text", "validate.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests struct {
			Cases []struct {
				Description string `yaml:"description"`
				Text        string `yaml:"text"`
				Expected    bool   `yaml:"expected"`
			} `yaml:"urls_without_protocol"`
		} `yaml:"tests"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Tests.Cases) == 0 {
		t.Fatal("no cases")
	}
	for _, c := range doc.Tests.Cases {
		t.Run(c.Description, func(t *testing.T) {
			got := URLs(c.Text)
			ok := len(got) == 1 && got[0].Text == c.Text
			if ok != c.Expected {
				t.Errorf("URLs(%q) = %q, want whole text: %v", c.Text, spanTexts(got), c.Expected)
			}
		})
	}
}

func TestURLByteOffsets(t *testing.T) {
	text := "Tervetuloa! 👋 Ääni https://example.fi/ä #LUMOhanke"
	us := URLs(text)
	if len(us) != 1 {
		t.Fatalf("URLs = %v", us)
	}
	if want := strings.Index(text, "https://"); us[0].Start != want || us[0].End != want+len("https://example.fi/ä") {
		t.Errorf("span %+v, want start %d", us[0], want)
	}
	hs := Hashtags(text)
	if len(hs) != 1 || hs[0].Start != strings.Index(text, "#") || hs[0].End != len(text) {
		t.Errorf("Hashtags = %+v", hs)
	}
}

func TestHashtags(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"#LUMOhanke", []string{"#LUMOhanke"}},
		{"Tule mukaan! #lastensuojelu #LUMOhanke.", []string{"#lastensuojelu", "#LUMOhanke"}},
		{"#1st #that1time #12345", []string{"#1st", "#that1time"}},
		{"#ашок #트위터 #äänekoski", []string{"#ашок", "#트위터", "#äänekoski"}},
		{"a#b &#x #", nil},
		{"#a#b", nil},
		{"https://example.fi/#LUMOhanke", nil},
		{"＃全角", []string{"＃全角"}},
		{"#️⃣ keycap", nil},
		{"(#LUMO_hanke)", []string{"#LUMO_hanke"}},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := spanTexts(Hashtags(tt.text)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Hashtags(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestXLength(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"Muistutus: ke 5.5.2021 klo 13.30–15.00", 38},
		{"https://example.fi/a/very/long/path/that/is/longer/than/twenty-three", 23},
		{"lue example.com", 27},
		{"lumo.fi", 23},
		{"koske.fi", 23},
		{"thl.fi/lastensuojelu", 23},
		{"esimerkki.äö.fi", 23},
		{"t.co/xyz?foo=bar", 23},
		{"🇿🇿", 4},       // regional indicators that are no flag weigh 2 each
		{"🧑‍🧑‍🧒", 8},    // a sequence twemoji-parser 11 does not know: its parts
		{"👩🏽‍💻", 2},     // one it knows
		{"↔\ufe0e", 4},  // text style: no emoji
		{"a\u202ab", 4}, // directional marks are valid in 3.1.0
		{"(https://x.fi/a)", 25},
		{"क्षत्रिय", 8},
		{"…", 2}, // U+2026 is outside the weight-1 ranges
		{"👍🏽", 2},
		{"🇫🇮", 2},
		{"©", 1},
		{"©\uFE0F", 2},
		{"äö", 2},
		{"a\u0308", 1}, // NFC: ä
		{"漢字", 4},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := XLength(tt.text); got != tt.want {
				t.Errorf("XLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestMastodonLength(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"äiti", 4},
		{"https://example.fi/a/very/long/path/that/is/longer/than/twenty-three", 23},
		{"a https://x.fi b", 2 + 23 + 2},
		{"example.com", 11},                  // Mastodon counts bare domains in full
		{"👨‍👩‍👧‍👦", 1},                       // grapheme clusters
		{"@lumo@mastodon.social kiitos", 12}, // a remote mention counts as @lumo
		{"@lumo kiitos", 12},
		{"x@lumo@mastodon.social", 22},            // no mention after a word character
		{"https://example.fi/a https://b.fi", 47}, // every URL 23
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := MastodonLength(tt.text, URLLength); got != tt.want {
				t.Errorf("MastodonLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func TestGraphemeLength(t *testing.T) {
	tests := []struct {
		text string
		want int
	}{
		{"", 0},
		{"äiti", 4},
		{"a\u0308", 1},
		{"👨‍👩‍👧‍👦🇫🇮", 2},
		{"https://x.fi", 12},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := GraphemeLength(tt.text); got != tt.want {
				t.Errorf("GraphemeLength(%q) = %d, want %d", tt.text, got, tt.want)
			}
		})
	}
}

func FuzzXLength(f *testing.F) {
	for _, s := range []string{"", "Hi http://test.co", "👨‍👩‍👧‍👦1⃣", "http://あいう.com/(a(b))?x=1#y", "\u2066\u202Ahttp://foobar.پاکستان/\u202C", "a.b.c.d.e.fi/x", "\xff\xfe#tag", "🇦🇨koske.fi $AAPL @a@b.fi क्षि"} {
		f.Add(s, uint16(0))
	}
	f.Add("a.", uint16(20000)) // many dots: once quadratic
	f.Fuzz(func(t *testing.T, s string, size uint16) {
		if len(s) > 400 {
			return
		}
		s = longFuzzText(s, int(size))
		if n := XLength(s); n < 0 {
			t.Fatalf("XLength(%q) = %d", s, n)
		}
		if n, runes := GraphemeLength(s), len([]rune(s)); n > runes || runes > 0 && n == 0 {
			t.Fatalf("GraphemeLength = %d for %d code points", n, runes)
		}
		if MastodonLength(s, URLLength) < 0 {
			t.Fatal("negative Mastodon length")
		}
		check := func(kind string, spans []Span) {
			last := 0
			for _, u := range spans {
				if u.Start < last || u.End > len(s) || u.Start >= u.End || s[u.Start:u.End] != u.Text {
					t.Fatalf("bad %s span %+v in %q", kind, u, s)
				}
				last = u.End
			}
		}
		check("URL", URLs(s))
		check("hashtag", Hashtags(s))
		check("cashtag", Cashtags(s))
		check("mention", Mentions(s))
		check("Mastodon mention", MastodonMentions(s))
		check("facet", BlueskyEntities(s)[:len(BlueskyFacets(s))])
	})
}

func BenchmarkXLength(b *testing.B) {
	text := "Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 klo 13.30–15.00, Teams. " +
		"Tervetuloa mukaan kehittämään monialaista lastensuojelua! 👋 https://example.fi/lumo/tapahtumat/kehittajaryhma #LUMOhanke"
	b.ReportAllocs()
	for b.Loop() {
		XLength(text)
	}
}

func TestXValid(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"", false},
		{"Tervetuloa", true},
		{"a\ufeffb", false},
		{"\ufffe", false},
		{"\uffff", false},
		{"a\u202ab", true},
		{strings.Repeat("a", 280), true},
		{strings.Repeat("a", 281), false},
		{strings.Repeat("ä", 140) + "漢", true},
	} {
		if got := XValid(tc.text); got != tc.want {
			t.Errorf("XValid(%.40q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func TestMastodonLengthInstance(t *testing.T) {
	if got := MastodonLength("a https://x.fi/pitka/polku b", 30); got != 2+30+2 {
		t.Errorf("with characters_reserved_per_url 30: %d", got)
	}
}
