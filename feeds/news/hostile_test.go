package news

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/feeds"
)

// checkClean fails when a field of an item holds what must never reach a
// platform or a terminal, or is longer than the model allows.
func checkClean(t testing.TB, items []feeds.Item) {
	t.Helper()
	for i, it := range items {
		fields := append([]string{it.Title, it.Summary, it.Link}, it.Categories...)
		for _, s := range fields {
			if feeds.CleanText(s) != s {
				t.Errorf("item %d: unclean text %q", i, s)
			}
			if strings.ContainsAny(s, "\n\t") {
				t.Errorf("item %d: line break or tab in %q", i, s)
			}
		}
		for _, s := range append([]string{it.Title, it.Summary}, it.Categories...) {
			if dropUnknownEntities(s) != s {
				t.Errorf("item %d: unknown entity left in %q", i, s)
			}
		}
		if n := utf8.RuneCountInString(it.Title); n > feeds.MaxTitle {
			t.Errorf("item %d: title of %d runes", i, n)
		}
		if n := utf8.RuneCountInString(it.Summary); n > feeds.MaxSummary {
			t.Errorf("item %d: summary of %d runes", i, n)
		}
		if !it.Published.IsZero() && !representable(it.Published) {
			t.Errorf("item %d: date %v", i, it.Published)
		}
		checkImage(t, i, it.Image)
	}
}

// checkImage fails when an item's image is not an absolute web URL with
// tidy, bounded alt text and a lower-case image type (or none).
func checkImage(t testing.TB, i int, img *feeds.Image) {
	t.Helper()
	if img == nil {
		return
	}
	u, err := url.Parse(img.URL)
	if err != nil || !u.IsAbs() || u.Host == "" || u.User != nil || (u.Scheme != "http" && u.Scheme != "https") ||
		feeds.CleanText(img.URL) != img.URL || strings.ContainsAny(img.URL, " \n\t") {
		t.Errorf("item %d: image URL %q", i, img.URL)
	}
	if a := img.Alt; feeds.CleanText(a) != a || a != strings.TrimSpace(a) || strings.ContainsAny(a, "\n\t\u00a0") ||
		strings.Contains(a, "  ") || dropUnknownEntities(a) != a {
		t.Errorf("item %d: untidy alt text %q", i, a)
	}
	if n := utf8.RuneCountInString(img.Alt); n > feeds.MaxAlt {
		t.Errorf("item %d: alt text of %d runes", i, n)
	}
	if img.Type != "" && (!strings.HasPrefix(img.Type, "image/") || img.Type != strings.ToLower(img.Type) || strings.Contains(img.Type, ";")) {
		t.Errorf("item %d: image type %q", i, img.Type)
	}
}

func TestParseHostile(t *testing.T) {
	huge := strings.Repeat("Sytykettä yhteistyöhön ", 256<<10/24)
	tests := []struct {
		name string
		body string
		want feeds.Item
	}{
		{
			name: "RSS: raw ESC, BEL and NUL bytes do not fail the feed and are removed",
			body: "<rss version=\"2.0\"><channel><item><guid>1</guid><title>Uusi \x1b[2J\x1b[31mvalmennus\x07\x00</title>" +
				"<description>klo\x1b]0;pwned\x07 9–12</description><category>Koulu\x1btus</category></item></channel></rss>",
			want: feeds.Item{ID: "1", Title: "Uusi [2J[31mvalmennus", Summary: "klo]0;pwned 9–12", Categories: []string{"Koulutus"}},
		},
		{
			name: "RSS: character references to controls, C1 and bidi characters",
			body: `<rss version="2.0"><channel><item><guid>1</guid><title>a&#27;[0m&#x7;b&#0;c&#x202E;d&#x85;e&#x2066;f&#xFFFE;</title>` +
				`<description>&amp;#27;[1m x &amp;#x202e; y</description></item></channel></rss>`,
			// &#x85; is HTML's (and gofeed's) windows-1252 "…", no control.
			want: feeds.Item{ID: "1", Title: "a[0mbcd…ef", Summary: "[1m x y"},
		},
		{
			name: "RSS: an undefined DTD entity arrives literally and is removed",
			body: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol9 "&lol;&lol;&lol;">]>` +
				`<rss version="2.0"><channel><item><guid>1</guid><title>LUMO &lol9; uutiset &amp;lol9;</title>` +
				`<description>&lol9;&lol9; AT&amp;T</description><category>&lol;</category></item></channel></rss>`,
			want: feeds.Item{ID: "1", Title: "LUMO uutiset", Summary: "AT&T"},
		},
		{
			name: "Atom: controls and an override in title, summary and category",
			body: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:1</id><title type="html">&lt;b&gt;Hei&lt;/b&gt;&#x202E;nretsam</title>` +
				"<summary>rivi\x0bvaihto &#x9B;31m</summary><category term=\"uu&#x1B;tiset\"/></entry></feed>",
			want: feeds.Item{ID: "urn:1", Title: "Heinretsam", Summary: "rivivaihto ›31m", Categories: []string{"uutiset"}},
		},
		{
			name: "JSON Feed: escaped ESC, BEL, NUL and U+202E",
			body: `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"a\u001b[2Jb\u0007c\u0000d\u202ee\u2069",` +
				`"content_text":"x\u009b1m\u001b]8;;https://evil.example\u0007y","tags":["t\u001b[0m","\u202e"]}]}`,
			want: feeds.Item{ID: "1", Title: "a[2Jbcde", Summary: "x1m]8;;https://evil.exampley", Categories: []string{"t[0m"}},
		},
		{
			name: "JSON Feed: raw control bytes, which JSON forbids, do not fail the feed",
			body: "{\"version\":\"https://jsonfeed.org/version/1.1\",\"items\":[{\"id\":\"1\",\"title\":\"a\x1b[0mb\x00\"}]}",
			want: feeds.Item{ID: "1", Title: "a[0mb"},
		},
		{
			name: "RSS: a 256 KiB title is cut to MaxTitle",
			body: `<rss version="2.0"><channel><item><guid>1</guid><title>` + huge + `</title></item></channel></rss>`,
			want: feeds.Item{ID: "1", Title: feeds.Clip(strings.TrimSpace(huge), feeds.MaxTitle)},
		},
		{
			name: "JSON Feed: a 256 KiB summary is cut to MaxSummary",
			body: `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_html":"<p>` + huge + `</p>"}]}`,
			want: feeds.Item{ID: "1", Summary: feeds.Clip(strings.TrimSpace(huge), feeds.MaxSummary)},
		},
		{
			name: "link with an override in its host is dropped; control in the link drops it",
			body: `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","url":"https://lumo\u202e.example/a"},` +
				`{"id":"2","url":"https://lumo.example/\u001b[2J"}]}`,
			want: feeds.Item{ID: "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Parse([]byte(tt.body), "", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(items) == 0 {
				t.Fatal("no items")
			}
			checkClean(t, items)
			got := items[0]
			if got.ID != tt.want.ID || got.Title != tt.want.Title || got.Summary != tt.want.Summary ||
				got.Link != tt.want.Link || !slices.Equal(got.Categories, tt.want.Categories) {
				t.Errorf("\n got %q %q %q %q %q\nwant %q %q %q %q %q", got.ID, got.Title, got.Summary, got.Link, got.Categories,
					tt.want.ID, tt.want.Title, tt.want.Summary, tt.want.Link, tt.want.Categories)
			}
		})
	}
}

func TestParseHugeTitleIsBounded(t *testing.T) {
	items, warnings, err := ParseWithWarnings(hugeTitleFeed(), "", "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 2 {
		t.Fatalf("%d items", len(items))
	}
	if n := utf8.RuneCountInString(items[0].Title); n != feeds.MaxTitle || !strings.HasSuffix(items[0].Title, "…") {
		t.Errorf("title of %d runes, ends %q", n, items[0].Title[len(items[0].Title)-8:])
	}
	if items[1].Title != "Toinen" {
		t.Errorf("the next item is %q", items[1].Title)
	}
	if len(warnings) != 1 || warnings[0].ID != "iso" || !strings.Contains(warnings[0].Problem, "cut to 2000") {
		t.Errorf("warnings %v", warnings)
	}
	if s := warnings[0].String(); len(s) > 300 {
		t.Errorf("a warning of %d bytes", len(s))
	}
}

func hugeTitleFeed() []byte {
	return []byte(`<rss version="2.0"><channel><item><guid>iso</guid><title>` +
		strings.Repeat("&lt;b&gt;Ä&lt;/b&gt;ijä ", 256<<10/24) +
		`</title></item><item><guid>2</guid><title>Toinen</title></item></channel></rss>`)
}

// BenchmarkParseHugeTitle shows that a 256 KiB title costs the parser
// little and everything after it nothing: what leaves Parse is cut.
func BenchmarkParseHugeTitle(b *testing.B) {
	body := hugeTitleFeed()
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		items, err := Parse(body, "", "")
		if err != nil || len(items[0].Title) > 4*feeds.MaxTitle {
			b.Fatal(err)
		}
	}
}

func TestParseWithWarningsDates(t *testing.T) {
	now := time.Date(2021, 5, 3, 9, 0, 0, 0, time.UTC)
	rss := func(item string) string {
		return `<rss version="2.0"><channel><item><guid>g</guid><title>Otsikko</title>` + item + `</item></channel></rss>`
	}
	tests := []struct {
		name    string
		body    string
		want    time.Time
		warning string // "" for none
	}{
		{"a good date", rss(`<pubDate>Mon, 03 May 2021 12:00:00 +0300</pubDate>`), time.Date(2021, 5, 3, 9, 0, 0, 0, time.UTC), ""},
		{"year 2500", rss(`<pubDate>Sat, 01 Jan 2500 00:00:00 GMT</pubDate>`), time.Time{}, `published date "Sat, 01 Jan 2500 00:00:00 GMT" is out of range`},
		{"year 2262", rss(`<pubDate>Wed, 12 Apr 2262 00:00:00 GMT</pubDate>`), time.Time{}, "out of range"},
		{"year 1677", rss(`<pubDate>Fri, 01 Jan 1677 00:00:00 GMT</pubDate>`), time.Time{}, "out of range"},
		{"year 1678 is kept", rss(`<pubDate>Sat, 01 Jan 1678 00:00:00 GMT</pubDate>`), time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC), ""},
		{"year 0001", rss(`<pubDate>Mon, 01 Jan 0001 00:00:00 GMT</pubDate>`), time.Time{}, "is no date we can read"},
		{"year 0001 not at midnight", rss(`<pubDate>Mon, 01 Jan 0001 10:00:00 GMT</pubDate>`), time.Time{}, "out of range"},
		{"unreadable", rss(`<pubDate>ensi viikolla</pubDate>`), time.Time{}, `published date "ensi viikolla" is no date we can read`},
		{"a bad published date falls back to updated", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>g</id><title>Otsikko</title>` +
			`<published>9999-12-31T23:59:59Z</published><updated>2021-05-01T08:00:00Z</updated></entry></feed>`,
			time.Date(2021, 5, 1, 8, 0, 0, 0, time.UTC), "out of range"},
		{"JSON Feed year 2262", `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"g","title":"Otsikko","date_published":"2262-04-12T00:00:00Z"}]}`,
			time.Time{}, "out of range"},
		{"within a day ahead is believed", rss(`<pubDate>Tue, 04 May 2021 08:00:00 GMT</pubDate>`), time.Date(2021, 5, 4, 8, 0, 0, 0, time.UTC), ""},
		{"more than a day ahead is not", rss(`<pubDate>Tue, 04 May 2021 10:00:00 GMT</pubDate>`), time.Time{}, "more than 24h0m0s in the future"},
		{"dcterms out of range", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" ` +
			`xmlns:dcterms="http://purl.org/dc/terms/"><item rdf:about="https://lumo.example/1"><title>Otsikko</title>` +
			`<dcterms:issued>3000-01-01</dcterms:issued><dcterms:modified>2021-05-02</dcterms:modified></item></rdf:RDF>`,
			time.Date(2021, 5, 2, 0, 0, 0, 0, time.UTC), `dcterms:issued "3000-01-01" is out of range`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, warnings, err := ParseWithWarnings([]byte(tt.body), "", "", now)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 {
				t.Fatalf("%d items", len(items))
			}
			if !items[0].Published.Equal(tt.want) {
				t.Errorf("published %v, want %v", items[0].Published, tt.want)
			}
			switch {
			case tt.warning == "" && len(warnings) > 0:
				t.Errorf("warnings %v", warnings)
			case tt.warning != "" && (len(warnings) != 1 || !strings.Contains(warnings[0].Problem, tt.warning)):
				t.Errorf("warnings %v, want one with %q", warnings, tt.warning)
			case tt.warning != "":
				w := warnings[0]
				if w.ID == "" || w.Title != "Otsikko" || !strings.Contains(w.String(), `"Otsikko"`) {
					t.Errorf("warning does not name the item: %+v / %s", w, w)
				}
			}
			// Parse has no clock: it believes a future date.
			plain, err := Parse([]byte(tt.body), "", "")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(tt.name, "ahead") {
				if plain[0].Published.IsZero() {
					t.Error("Parse dropped a future date")
				}
			} else if !plain[0].Published.Equal(tt.want) {
				t.Errorf("Parse: published %v, want %v", plain[0].Published, tt.want)
			}
		})
	}
}

// A bad date is one item's fault: the feed's other items are read, in
// order, and only the bad one is reported.
func TestParseBadDateStaysWithItsItem(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0"><channel>`)
	for i, d := range []string{"Mon, 03 May 2021 12:00:00 +0300", "Sat, 01 Jan 2500 00:00:00 GMT", "Tue, 04 May 2021 12:00:00 +0300"} {
		fmt.Fprintf(&b, `<item><guid>%d</guid><title>Uutinen %d</title><pubDate>%s</pubDate></item>`, i, i, d)
	}
	b.WriteString(`</channel></rss>`)
	items, warnings, err := ParseWithWarnings([]byte(b.String()), "", "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[0].Published.IsZero() || !items[1].Published.IsZero() || items[2].Published.IsZero() {
		t.Fatalf("items %+v", items)
	}
	if len(warnings) != 1 || warnings[0].ID != "1" || warnings[0].Title != "Uutinen 1" {
		t.Errorf("warnings %v", warnings)
	}
}

// The hash ID of an item without GUID or link is made from the date the
// feed states, so an item dated tomorrow keeps its ID when tomorrow comes.
func TestParseFutureDateKeepsHashID(t *testing.T) {
	body := []byte(`<rss version="2.0"><channel><item><title>Tuleva</title><pubDate>Fri, 07 May 2021 09:00:00 GMT</pubDate></item></channel></rss>`)
	early, _, err := ParseWithWarnings(body, "", "", time.Date(2021, 5, 3, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	late, _, err := ParseWithWarnings(body, "", "", time.Date(2021, 5, 7, 9, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !early[0].Published.IsZero() || late[0].Published.IsZero() {
		t.Fatalf("published %v then %v", early[0].Published, late[0].Published)
	}
	if early[0].ID != late[0].ID {
		t.Errorf("ID changed from %q to %q", early[0].ID, late[0].ID)
	}
}

func TestParseBoundsIDAndLink(t *testing.T) {
	longGUID := strings.Repeat("g", maxID+1)
	longLink := "https://lumo.example/" + strings.Repeat("a", maxLink)
	body := `<rss version="2.0"><channel><item><guid>` + longGUID + `</guid><title>A</title></item>` +
		`<item><guid>2</guid><title>B</title><link>` + longLink + `</link></item></channel></rss>`
	items, warnings, err := ParseWithWarnings([]byte(body), "", "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(items[0].ID, "sha256:") || len(items[0].ID) != len("sha256:")+32 {
		t.Errorf("ID %q", items[0].ID)
	}
	if items[1].Link != "" {
		t.Errorf("link of %d bytes kept", len(items[1].Link))
	}
	if len(warnings) != 2 {
		t.Errorf("warnings %v", warnings)
	}
}

func TestDropIllegalChars(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"plain <a>&amp;</a>", "plain <a>&amp;</a>"},
		{"tab\tnl\ncr\r", "tab\tnl\ncr\r"},
		{"a\x00b\x1bc\x7fd", "abc\x7fd"}, // DEL is legal XML; CleanText removes it later
		{"&#27;&#x1b;&#X1B;&#0;&#x0;", ""},
		{"&#9;&#10;&#13;&#32;&#xE4;&#x1F600;", "&#9;&#10;&#13;&#32;&#xE4;&#x1F600;"},
		{"&#xD800;&#xFFFE;&#xFFFF;&#x110000;&#99999999999999999999;", ""},
		{"\uFFFE\uFFFFx\uFFFD", "x\uFFFD"},
		{"&#27 &# &#x; &#12a;", "&#27 &# &#x; &#12a;"}, // not references: left to the XML decoder
	} {
		if got := string(dropIllegalChars([]byte(tt.in))); got != tt.want {
			t.Errorf("dropIllegalChars(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzParseLong builds feeds whose title, summary, category, image URL and
// alt text are a fuzzed fragment repeated up to 64 KiB, in each format, so
// that long fields (the ones a hostile feed uses to make every step slow)
// are explored with cheap mutations: Parse must not panic, and what it
// returns must be clean and bounded.
func FuzzParseLong(f *testing.F) {
	f.Add(uint8(0), "Sytykettä &lt;b&gt;yhteistyöhön&lt;/b&gt; ", uint16(1400))
	f.Add(uint8(1), "&#x202E;&#27;[2J&lol9;", uint16(2500))
	f.Add(uint8(2), `\u001b]8;;x\u0007\u202e&amp;`, uint16(1400))
	f.Add(uint8(0), "<![CDATA[<div>]]>", uint16(3000))
	f.Add(uint8(1), "&lt;a href='", uint16(5000))
	f.Fuzz(func(t *testing.T, format uint8, fragment string, reps uint16) {
		if len(fragment) == 0 || len(fragment)*int(reps) > 64<<10 {
			return
		}
		long := strings.Repeat(fragment, int(reps))
		var body string
		switch format % 3 {
		case 0:
			body = `<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item><guid>1</guid><title>` + long +
				`</title><description>` + long + `</description><category>` + long + `</category><pubDate>` + long + `</pubDate>` +
				`<media:content url="` + long + `.jpg" medium="image"><media:description>` + long + `</media:description></media:content>` +
				`<media:thumbnail url="https://lumo.example/t.jpg"/></item>` +
				`<item><guid>2</guid><title>Toinen</title></item></channel></rss>`
		case 1:
			body = `<feed xmlns="http://www.w3.org/2005/Atom" xmlns:media="http://search.yahoo.com/mrss/"><entry><id>1</id><title type="html">` + long +
				`</title><summary type="html">` + long + `</summary><category term="` + long + `"/><updated>` + long +
				`</updated><media:group><media:title>` + long + `</media:title><media:description type="html">` + long +
				`</media:description><media:thumbnail url="https://lumo.example/` + long + `"/></media:group>` +
				`</entry><entry><id>2</id><title>Toinen</title></entry></feed>`
		default:
			body = `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"` + long +
				`","content_html":"` + long + `","image":"` + long + `","tags":["` + long + `"],"date_published":"` + long +
				`"},{"id":"2","title":"Toinen"}]}`
		}
		items, warnings, err := ParseWithWarnings([]byte(body), "", "https://example.fi/feed", time.Date(2021, 5, 3, 0, 0, 0, 0, time.UTC))
		if err != nil {
			return // the fragment broke the document; the error is Parse's answer
		}
		checkClean(t, items)
		for _, w := range warnings {
			if len(w.String()) > 1000 {
				t.Errorf("warning of %d bytes", len(w.String()))
			}
		}
	})
}

func TestDropUnknownEntities(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"AT&T R&D", "AT&T R&D"},
		{"AT&T; R&D", "AT R&D"}, // "&T;" is shaped like an entity, and no known one
		{"a &lol9; b", "a  b"},
		{"&lo&lol;l;", ""},
		{"&a&b&c;;;x", "x"},
		{"&amp; &auml; stay", "&amp; &auml; stay"},
		{"&#xZZ;", ""},
		{"&#12ab;", "&#12ab;"}, // HTML reads "&#12" and "ab;": no unknown entity
		{"& ;&;", "& ;&;"},
		{"&" + strings.Repeat("a", 33) + ";", "&" + strings.Repeat("a", 33) + ";"}, // too long a name to be one
	} {
		if got := dropUnknownEntities(tt.in); got != tt.want {
			t.Errorf("dropUnknownEntities(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
