package page

import (
	"bytes"
	"encoding/json"
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/feeds"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtures are the pages in testdata, with the URL and Content-Type each
// is read as.
var fixtures = []struct {
	file, url, contentType string
	want                   Card
}{
	{
		file:        "wordpress_yoast.html",
		url:         "https://lumohanke.fi/2021/05/28/sytyketta-yhteistyohon/",
		contentType: "text/html; charset=UTF-8",
		want: Card{
			Title: "Sytykettä yhteistyöhön – valmennus alkaa",
			Description: "Valmennus lastensuojelun yhteistyökumppaneille kolmessa osiossa: 28.5., 7.6. ja 21.6. klo 9–12. " +
				"Työskentelyä monialaisessa verkostossa, asiakkaiden osallisuus & systeeminen toimintamalli.",
			Image: "https://lumohanke.fi/wp-content/uploads/2021/05/sytyketta-koulutus.jpg",
		},
	},
	{
		file:        "title_and_description_only.html",
		url:         "https://lumo.example/kehittajaryhmat",
		contentType: "text/html",
		want: Card{
			Title:       "Kehittäjäryhmät | LUMO",
			Description: "Kehittäjäryhmät kokoontuvat maakunnittain – katso aikataulu ja ilmoittaudu.",
		},
	},
	{
		// The charset is in the page only; ä and ö are single bytes.
		file:        "iso-8859-1_meta_charset.html",
		url:         "http://vanha.lumo.example/tyopajat/index.html",
		contentType: "text/html",
		want: Card{
			Title:       "PÄÄKAUPUNKISEUDUN TYÖPAJAT",
			Description: "Työpajat järjestetään Helsingissä, Espoossa ja Vantaalla. Lisätietoja: hanketyöntekijä Sari Mäkelä.",
			Image:       "http://vanha.lumo.example/tyopajat/kuvat/tyopaja%20%C3%A4.jpg",
		},
	},
	{
		file:        "script_with_fake_meta.html",
		url:         "https://lumo.example/webinaari",
		contentType: "text/html; charset=utf-8",
		want: Card{
			Title:       "Webinaari: osallisuus lastensuojelussa",
			Description: "Tallenne ja diat.",
			Image:       "https://cdn.lumo.example/kuvat/webinaari.png", // against <base href>
		},
	},
}

func TestParseFixtures(t *testing.T) {
	covered := map[string]bool{}
	for _, tt := range fixtures {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			got := Parse(readFixture(t, tt.file), tt.contentType, tt.url)
			if got != tt.want {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, tt.want)
			}
			checkCard(t, got)
		})
	}
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".html") && !covered[e.Name()] {
			t.Errorf("fixture %s has no case", e.Name())
		}
	}
}

// TestParseGolden compares each fixture's card with
// testdata/golden/<fixture>.json; go test -run TestParseGolden -update
// rewrites them (review the diff).
func TestParseGolden(t *testing.T) {
	for _, tt := range fixtures {
		t.Run(tt.file, func(t *testing.T) {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(Parse(readFixture(t, tt.file), tt.contentType, tt.url)); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			path := filepath.Join("testdata", "golden", tt.file+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("card of %s differs from %s (run with -update and review the diff)\ngot:\n%s", tt.file, path, got)
			}
		})
	}
}

func TestParse(t *testing.T) {
	head := func(s string) string {
		return "<!doctype html><html><head>" + s + "</head><body><p>Teksti</p></body></html>"
	}
	tests := []struct {
		name        string
		body        string
		contentType string
		pageURL     string // "" for https://lumo.example/a/sivu
		want        Card
	}{
		{"empty", "", "", "", Card{}},
		{"no head, no tags", "pelkkää tekstiä", "", "", Card{}},
		{"Open Graph first", head(`<title>T</title><meta name="description" content="D"><meta name="twitter:title" content="TT">` +
			`<meta property="og:title" content="OG"><meta property="og:description" content="OGD"><meta name="twitter:description" content="TD">`),
			"", "", Card{Title: "OG", Description: "OGD"}},
		{"Twitter tags second", head(`<title>T</title><meta name="description" content="D"><meta name="twitter:title" content="TT">` +
			`<meta name="twitter:description" content="TD"><meta name="twitter:image" content="/t.jpg">`),
			"", "", Card{Title: "TT", Description: "TD", Image: "https://lumo.example/t.jpg"}},
		{"twitter:image:src", head(`<meta name="twitter:image:src" content="https://lumo.example/s.jpg">`), "", "",
			Card{Image: "https://lumo.example/s.jpg"}},
		{"og tags given with name=, Twitter's with property=", head(`<meta name="og:title" content="N"><meta property="twitter:description" content="P">`),
			"", "", Card{Title: "N", Description: "P"}},
		{"property names in any case", head(`<META PROPERTY="OG:TITLE" CONTENT="Iso">`), "", "", Card{Title: "Iso"}},
		{"an empty og:title falls back", head(`<meta property="og:title" content="  "><title>Sivu</title>`), "", "", Card{Title: "Sivu"}},
		{"the first of each tag", head(`<meta property="og:title" content="Eka"><meta property="og:title" content="Toka">` +
			`<title>Yksi</title><title>Kaksi</title>`), "", "", Card{Title: "Eka"}},
		{"the first title", head(`<title>Yksi</title><title>Kaksi</title>`), "", "", Card{Title: "Yksi"}},
		{"meta description only by name", head(`<meta property="description" content="ei"><meta name="description" content="kyllä">`),
			"", "", Card{Description: "kyllä"}},
		{"entities decoded once, white space collapsed", head("<title>\n  A &amp;amp; B &ndash;\u00a0C\t</title>" +
			`<meta name="description" content="rivi&#10;toinen &lt;b&gt;">`), "", "", Card{Title: "A &amp; B – C", Description: "rivi toinen <b>"}},
		{"og:image relative to the page", head(`<meta property="og:image" content="../kuvat/k.jpg">`), "", "",
			Card{Image: "https://lumo.example/kuvat/k.jpg"}},
		{"og:image protocol-relative", head(`<meta property="og:image" content="//cdn.lumo.example/k.jpg">`), "", "http://lumo.example/",
			Card{Image: "http://cdn.lumo.example/k.jpg"}},
		{"og:image relative to <base href>", head(`<base href="https://cdn.lumo.example/s/"><meta property="og:image" content="k.jpg">`), "", "",
			Card{Image: "https://cdn.lumo.example/s/k.jpg"}},
		{"a relative <base href> against the page", head(`<base href="/static/"><meta property="og:image" content="k.jpg">`), "", "",
			Card{Image: "https://lumo.example/static/k.jpg"}},
		{"a javascript: <base href> is ignored", head(`<base href="javascript:alert(1)//"><meta property="og:image" content="k.jpg">`), "", "",
			Card{Image: "https://lumo.example/a/k.jpg"}},
		{"the first <base href> only", head(`<base href="https://a.example/"><base href="https://b.example/"><meta property="og:image" content="k.jpg">`),
			"", "", Card{Image: "https://a.example/k.jpg"}},
		{"no page URL: a relative image is dropped", head(`<meta property="og:image" content="k.jpg">`), "", "-", Card{}},
		{"no page URL: an absolute image is kept", head(`<meta property="og:image" content="https://lumo.example/k.jpg">`), "", "-",
			Card{Image: "https://lumo.example/k.jpg"}},
		{"secure_url first", head(`<meta property="og:image" content="http://lumo.example/k.jpg">` +
			`<meta property="og:image:secure_url" content="https://lumo.example/k.jpg">`), "", "", Card{Image: "https://lumo.example/k.jpg"}},
		{"the secure_url of a second image is not the first's", head(`<meta property="og:image" content="http://lumo.example/1.jpg">` +
			`<meta property="og:image" content="http://lumo.example/2.jpg"><meta property="og:image:secure_url" content="https://lumo.example/2.jpg">`),
			"", "", Card{Image: "http://lumo.example/1.jpg"}},
		{"og:image:url", head(`<meta property="og:image:url" content="https://lumo.example/u.jpg">`), "", "", Card{Image: "https://lumo.example/u.jpg"}},
		{"an unusable og:image falls back to twitter:image", head(`<meta property="og:image" content="data:image/png;base64,AAAA">` +
			`<meta name="twitter:image" content="https://lumo.example/t.jpg">`), "", "", Card{Image: "https://lumo.example/t.jpg"}},
		{"no userinfo in the image", head(`<meta property="og:image" content="https://u:p@lumo.example/k.jpg">`), "", "",
			Card{Image: "https://lumo.example/k.jpg"}},
		{"a control in the image host", head(`<meta property="og:image" content="https://lumo&#x202e;.example/k.jpg">`), "", "", Card{}},
		{"an image URL too long", head(`<meta property="og:image" content="https://lumo.example/` + strings.Repeat("a", maxURL) + `">`), "", "", Card{}},
		{"a tag in the body is not read", `<html><head><title>Sivu</title></head><body><meta property="og:title" content="ei">`, "", "",
			Card{Title: "Sivu"}},
		{"reading stops at <body> without </head>", `<title>Sivu</title><body><meta property="og:title" content="ei">`, "", "",
			Card{Title: "Sivu"}},
		{"no head element", `<meta property="og:title" content="Ilman headia"><p>x`, "", "", Card{Title: "Ilman headia"}},
		{"a tag in a script is not read", head(`<script>x='<meta property="og:title" content="fake">'</script><title>Aito</title>`), "", "",
			Card{Title: "Aito"}},
		{"an unclosed script hides the rest", head(`<script>x='<title>fake</title><meta property="og:title" content="fake">`), "", "", Card{}},
		{"svg title is not the page's", head(`<svg><title>Kuvake</title></svg><title>Sivu</title>`), "", "", Card{Title: "Sivu"}},
		{"an unclosed title", `<head><title>Sivu ilman loppua`, "", "", Card{Title: "Sivu ilman loppua"}},
		{"NUL bytes", head("<title>Si\x00vu</title><meta property=\"og:description\" content=\"a\x00b\">"), "", "",
			Card{Title: "Sivu", Description: "ab"}},
		{"controls and bidi overrides removed", head("<title>A\x1b[2J\u202eB</title>"), "", "", Card{Title: "A[2JB"}},
		{"UTF-8 declared, latin-1 bytes repaired", head("<title>P\xe4iv\xe4</title>"), "text/html; charset=utf-8", "", Card{Title: "Päivä"}},
		{"latin-1 by the Content-Type", head("<title>P\xe4iv\xe4</title>"), "text/html; charset=ISO-8859-1", "", Card{Title: "Päivä"}},
		{"valid UTF-8 wins over a latin-1 declaration", head("<title>Päivä</title>"), "text/html; charset=iso-8859-1", "", Card{Title: "Päivä"}},
		{"no charset, not UTF-8: windows-1252", head("<title>\x93Lainaus\x94 \xe4</title>"), "", "", Card{Title: "“Lainaus” ä"}},
		{"UTF-8 BOM", "\xef\xbb\xbf" + head("<title>Päivä</title>"), "", "", Card{Title: "Päivä"}},
		{"UTF-16 with BOM", "\xff\xfe" + utf16le(head("<title>Päivä</title>")), "", "", Card{Title: "Päivä"}},
		{"windows-1251 by meta charset", `<head><meta charset="windows-1251"><title>` + "\xcf\xf0\xe8\xe2\xe5\xf2" + `</title>`, "", "",
			Card{Title: "Привет"}},
		{"a title cut between words", head("<title>" + strings.Repeat("sana ", 100) + "</title>"), "", "",
			Card{Title: strings.TrimSpace(strings.Repeat("sana ", 60)) + "…"}},
		{"a word cut in the middle is dropped", head("<title>" + strings.Repeat("sana ", 59) + "sanasto</title>"), "", "",
			Card{Title: strings.TrimSpace(strings.Repeat("sana ", 59)) + "…"}},
		{"a description cut between words, no trailing comma", head(`<meta name="description" content="` +
			strings.Repeat("x", 990) + ` abcdefgh, ijklmnopq">`), "", "", Card{Description: strings.Repeat("x", 990) + " abcdefgh…"}},
		{"a text without spaces cut between characters", head("<title>" + strings.Repeat("ä", 400) + "</title>"), "", "",
			Card{Title: strings.Repeat("ä", 299) + "…"}},
		{"a title ending at a word when cut", head("<title>" + strings.Repeat("a", 298) + " bbb</title>"), "", "",
			Card{Title: strings.Repeat("a", 298) + "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pageURL := tt.pageURL
			switch pageURL {
			case "":
				pageURL = "https://lumo.example/a/sivu"
			case "-":
				pageURL = ""
			}
			got := Parse([]byte(tt.body), tt.contentType, pageURL)
			if got != tt.want {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, tt.want)
			}
			checkCard(t, got)
		})
	}
}

func utf16le(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r > 0xffff {
			panic("BMP only")
		}
		b.WriteByte(byte(r))
		b.WriteByte(byte(r >> 8))
	}
	return b.String()
}

// Parse reads no more than MaxScan bytes: tags beyond are not seen, and a
// page of many megabytes costs what its first MiB does.
func TestParseScanBudget(t *testing.T) {
	pad := "<meta name=\"x\" content=\"" + strings.Repeat("y", MaxScan) + "\">"
	body := []byte("<head><title>Sivu</title>" + pad + `<meta property="og:title" content="myöhään"></head>`)
	if got := Parse(body, "text/html", ""); got.Title != "Sivu" {
		t.Errorf("Title = %q, want the <title> (the og:title lies beyond MaxScan)", got.Title)
	}
	// Inside the budget, it is read.
	body = []byte("<head><title>Sivu</title>" + strings.Repeat("<link rel=x>", MaxScan/20) + `<meta property="og:title" content="ajoissa"></head>`)
	if got := Parse(body, "text/html", ""); got.Title != "ajoissa" {
		t.Errorf("Title = %q, want the og:title", got.Title)
	}
}

// A page of megabytes of nested, never-closed tags in its head, each a
// meta tag with a long run of entities, costs what its first MaxScan bytes
// do.
func TestParseHugePage(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("<html><head>")
	for b.Len() < 8<<20 {
		b.WriteString(`<div><span><meta property="og:title" content="`)
		b.WriteString(strings.Repeat("&amp;", 100))
		b.WriteString(`">`)
	}
	start := time.Now()
	got := Parse(b.Bytes(), "text/html", "https://lumo.example/")
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("an 8 MiB page took %s", elapsed)
	}
	if n := utf8.RuneCountInString(got.Title); n == 0 || n > MaxTitle {
		t.Errorf("Title of %d runes", n)
	}
	checkCard(t, got)
}

// checkCard fails when a card holds what must never be posted or is
// longer than its bounds.
func checkCard(t testing.TB, c Card) {
	t.Helper()
	for name, s := range map[string]string{"Title": c.Title, "Description": c.Description} {
		if !utf8.ValidString(s) || feeds.CleanText(s) != s || s != strings.TrimSpace(s) ||
			strings.Contains(s, "  ") || strings.ContainsAny(s, "\n\t\r\u00a0\ufffd") {
			t.Errorf("%s is not tidy text: %q", name, s)
		}
	}
	if n := utf8.RuneCountInString(c.Title); n > MaxTitle {
		t.Errorf("Title of %d runes", n)
	}
	if n := utf8.RuneCountInString(c.Description); n > MaxDescription {
		t.Errorf("Description of %d runes", n)
	}
	if c.Image != "" {
		u, err := url.Parse(c.Image)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
			feeds.CleanText(c.Image) != c.Image || len(c.Image) > maxURL {
			t.Errorf("Image %q is no tidy http(s) URL", c.Image)
		}
	}
}

// FuzzCard checks that Parse never panics and always returns a tidy,
// bounded card, whatever the body, Content-Type and page URL.
func FuzzCard(f *testing.F) {
	for _, tt := range fixtures {
		f.Add(readFixture(f, tt.file), tt.contentType, tt.url)
	}
	f.Add([]byte(`<head><base href="//x"><meta property="og:image" content="\\evil"><title>a&#0;b&#x202e;</title>`), "", "https://lumo.example/")
	f.Add([]byte("<head><meta charset=shift_jis><title>\x82\xa0\x82</title>"), "text/html", "")
	f.Add([]byte("\xfe\xff\x00<\x00t"), "", "")
	f.Add([]byte(`<svg><template><title>x</template></svg><title>y`), "text/html; charset=x-user-defined", "http://[::1]:80/")
	f.Add([]byte(`<plaintext><meta property="og:title" content="x">`), "", "https://lumo.example/")
	f.Fuzz(func(t *testing.T, body []byte, contentType, pageURL string) {
		checkCard(t, Parse(body, contentType, pageURL))
	})
}

func BenchmarkParse(b *testing.B) {
	body := readFixture(b, "wordpress_yoast.html")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		Parse(body, "text/html; charset=UTF-8", "https://lumohanke.fi/")
	}
}
