package bluesky

import (
	"reflect"
	"testing"
)

// span is what a facet covers, read back with []byte slicing.
type span struct {
	start, end int
	text       string
	typ, value string
}

func spans(text string, fs []Facet) []span {
	var out []span
	b := []byte(text)
	for _, f := range fs {
		for _, ft := range f.Features {
			v := ft.URI
			if ft.Type == TypeTag {
				v = ft.Tag
			}
			out = append(out, span{f.Index.ByteStart, f.Index.ByteEnd, string(b[f.Index.ByteStart:f.Index.ByteEnd]), ft.Type, v})
		}
	}
	return out
}

func TestFacets(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want []span
	}{
		{"finnish and emoji before tag and link", "Tänään ✨ #LUMOhanke https://lumo.example/ä", []span{
			{14, 24, "#LUMOhanke", TypeTag, "LUMOhanke"},
			{25, 48, "https://lumo.example/ä", TypeLink, "https://lumo.example/ä"},
		}},
		{"zwj emoji and umlauts", "👩‍👩‍👧 Äänekoski #Äänekoski!", []span{
			{31, 43, "#Äänekoski", TypeTag, "Äänekoski"},
		}},
		{"sentence punctuation", "Lue lisää: https://lumo.example/a?b=c. Kiitos, #LUMOhanke.", []span{
			{13, 39, "https://lumo.example/a?b=c", TypeLink, "https://lumo.example/a?b=c"},
			{49, 59, "#LUMOhanke", TypeTag, "LUMOhanke"},
		}},
		{"url in parentheses", "(katso https://lumo.example/x), kiitos", []span{
			{7, 29, "https://lumo.example/x", TypeLink, "https://lumo.example/x"},
		}},
		{"url right after a parenthesis", "(https://lumo.example/y)", []span{
			{1, 23, "https://lumo.example/y", TypeLink, "https://lumo.example/y"},
		}},
		{"balanced parentheses stay", "https://fi.wikipedia.org/wiki/Kunta_(Suomi)", []span{
			{0, 43, "https://fi.wikipedia.org/wiki/Kunta_(Suomi)", TypeLink, "https://fi.wikipedia.org/wiki/Kunta_(Suomi)"},
		}},
		{"fragment is not a tag", "https://lumo.example/#ohjelma", []span{
			{0, 29, "https://lumo.example/#ohjelma", TypeLink, "https://lumo.example/#ohjelma"},
		}},
		{"tag at start, several", "#LUMOhanke #lastensuojelu", []span{
			{0, 10, "#LUMOhanke", TypeTag, "LUMOhanke"},
			{11, 25, "#lastensuojelu", TypeTag, "lastensuojelu"},
		}},
		{"fullwidth hash", "＃LUMO", []span{{0, 7, "＃LUMO", TypeTag, "LUMO"}}},
		{"not tags", "C# #123 #, a#b #️⃣ ##", nil},
		{"not links", "http:// ftp://lumo.example xhttps://lumo.example", nil},
		{"newline before", "rivi\n#LUMOhanke\nhttps://a.fi", []span{
			{5, 15, "#LUMOhanke", TypeTag, "LUMOhanke"},
			{16, 28, "https://a.fi", TypeLink, "https://a.fi"},
		}},
		{"empty", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := spans(tc.text, Facets(tc.text))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Facets(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}

func TestFacetsTagLength(t *testing.T) {
	long := "#" + string(make([]byte, 0))
	for range 65 {
		long += "ä"
	}
	if fs := Facets(long); len(fs) != 0 {
		t.Errorf("a 65-character tag made facets %v", fs)
	}
	if fs := Facets(long[:len(long)-2]); len(fs) != 1 {
		t.Errorf("a 64-character tag made no facet")
	}
}

func FuzzFacets(f *testing.F) {
	f.Add("Tänään ✨ #LUMOhanke https://lumo.example/ä")
	f.Add("(https://x.fi/a_(b)) #t.")
	f.Fuzz(func(t *testing.T, text string) {
		last := 0
		for _, fc := range Facets(text) {
			s, e := fc.Index.ByteStart, fc.Index.ByteEnd
			if s < last || s >= e || e > len(text) {
				t.Fatalf("bad index %d..%d (last %d, len %d) in %q", s, e, last, len(text), text)
			}
			last = e
		}
	})
}

// What RichText (@atproto/api 0.21.0) links and tags beyond http(s) URLs and plain tags;
// the differential test in bot/render checks the rest against RichText itself.
func TestFacetsLikeRichText(t *testing.T) {
	for _, tc := range []struct {
		name string
		text string
		want []span
	}{
		{"bare domain with path", "Katso www.koske.fi/tapahtumat!", []span{
			{6, 29, "www.koske.fi/tapahtumat", TypeLink, "https://www.koske.fi/tapahtumat"},
		}},
		{"bare ccTLD domain", "koske.fi ja thl.fi/lastensuojelu", []span{
			{0, 8, "koske.fi", TypeLink, "https://koske.fi"},
			{12, 32, "thl.fi/lastensuojelu", TypeLink, "https://thl.fi/lastensuojelu"},
		}},
		{"unknown TLD and capitals stay text", "esimerkki.invalidtld KOSKE.FI", nil},
		{"t.co keeps its query", "t.co/xyz?foo=bar", []span{{0, 16, "t.co/xyz?foo=bar", TypeLink, "https://t.co/xyz?foo=bar"}}},
		{"tag with a hyphen", "#Sote-uudistus.", []span{{0, 14, "#Sote-uudistus", TypeTag, "Sote-uudistus"}}},
		{"cashtag", "Osake $aapl, ($TSLA)", []span{
			{6, 11, "$aapl", TypeTag, "$AAPL"},
			{14, 19, "$TSLA", TypeTag, "$TSLA"},
		}},
		{"UTF-8 offsets after emoji and Finnish", "👨‍👩‍👧‍👦 Äänekoski #LUMOhanke koske.fi", []span{
			{38, 48, "#LUMOhanke", TypeTag, "LUMOhanke"},
			{49, 57, "koske.fi", TypeLink, "https://koske.fi"},
		}},
		// The deliberate differences: RichText would keep "a." of "a..", keep the ")"
		// of "a)" when the link has "(" elsewhere... and leave HTTPS:// unlinked.
		{"trailing dots all dropped", "https://x.fi/a..", []span{{0, 14, "https://x.fi/a", TypeLink, "https://x.fi/a"}}},
		{"unbalanced parenthesis dropped", "https://x.fi/(a))", []span{{0, 16, "https://x.fi/(a)", TypeLink, "https://x.fi/(a)"}}},
		{"quote dropped", `https://x.fi/a" sanoi`, []span{{0, 14, "https://x.fi/a", TypeLink, "https://x.fi/a"}}},
		{"no link after a quote, as in RichText", `"https://x.fi/a"`, nil},
		{"capital scheme linked", "HTTPS://X.FI/A", []span{{0, 14, "HTTPS://X.FI/A", TypeLink, "https://X.FI/A"}}},
		{"mention gets no facet", "@alice.bsky.social", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := spans(tc.text, Facets(tc.text))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Facets(%q)\n got %+v\nwant %+v", tc.text, got, tc.want)
			}
		})
	}
}
