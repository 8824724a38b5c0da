package news

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/feeds"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func mustTime(t *testing.T, layout, value string) time.Time {
	t.Helper()
	tm, err := time.Parse(layout, value)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixtureFiles lists the feed documents in testdata (not the notes).
func fixtureFiles(t testing.TB) []string {
	t.Helper()
	entries, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && filepath.Ext(e.Name()) != ".md" {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestParseFixtures checks facts read by hand from each fixture: item
// count and the first item's identity, title, link, date and summary.
func TestParseFixtures(t *testing.T) {
	rfc1123z := time.RFC1123Z
	tests := []struct {
		file          string
		wantErr       bool
		count         int
		id            string
		title         string
		link          string
		published     time.Time
		summaryPrefix string
		categories    []string
		// contains: a text that must appear in some item's title or summary
		contains string
		// images is how many items have an Image; image is the first
		// item's (nil: none).
		images int
		image  *feeds.Image
	}{
		{
			file:          "atom_xhtml_content_typepad.xml",
			count:         43,
			id:            "tag:typepad.com,2003:post-6a017d3e79c482970c01bb098db7b9970d",
			title:         "Advances and Testing in Vestibular Pathology",
			link:          "http://expertopinionent.typepad.com/my-blog/2017/04/advances-and-testing-in-vestibular-pathology.html",
			published:     mustTime(t, time.RFC3339, "2017-04-07T12:20:50+10:30"),
			summaryPrefix: "Dr Nicholas Jufas interviews Dr Dave Pothier, a Staff Otologist & Neurotologist in the Department",
		},
		{
			file:          "atom_xml_base_relative_links_daringfireball.xml",
			count:         48,
			id:            "tag:daringfireball.net,2017:/linked//6.33853",
			title:         "The Talk Show: ‘I Do Like Throwing a Baby’",
			link:          "https://daringfireball.net/thetalkshow/2017/06/26/ep-195",
			published:     mustTime(t, time.RFC3339, "2017-06-27T00:54:17Z"),
			summaryPrefix: "New episode of America’s favorite 3-star podcast, with special guest John Moltz.",
		},
		{
			file:  "jsonfeed_1.1_authors.json",
			count: 4,
			id:    "Item without authors",
		},
		{
			file:          "jsonfeed_1.1_de_3960.json",
			count:         20,
			id:            "user/posts/2020-02-21-lecker-lecker/index.md",
			title:         "Lecker, lecker",
			link:          "https://journal.3960.org/posts/2020-02-21-lecker-lecker/",
			published:     mustTime(t, time.RFC3339, "2020-02-21T18:08:06+01:00"),
			summaryPrefix: "Da ist es zwar nicht ganz billig, dafür schmeckt's aber auch nicht.",
			categories:    []string{"Lustiges"},
			contains:      "„Sabine“ am Flughafen Amsterdam",
			// 12 of the 20 items name the feed's icon as their image.
			images: 8,
		},
		{file: "malformed_incomplete_cdata.xml", wantErr: true},
		{
			file:          "malformed_xmldecl_not_at_start_podcast.xml",
			count:         1,
			id:            "c88fbba9-c228-4724-bf41-8c193b72491c",
			title:         "Ostafrika stellt sich auf die nächste Heuschreckenplage ein",
			link:          "https://www.swr.de/swr2/wissen/Hungersnot-Ostafrika-stellt-sich-auf-die-naechste-Heuschreckenplage-ein,ostafrika-stellt-sich-auf-naechste-heuschreckenplage-ein-100.html",
			published:     mustTime(t, rfc1123z, "Tue, 10 Mar 2020 16:05:00 +0100"),
			summaryPrefix: "Nach der jüngsten Heuschreckenplage droht Ostafrika neues Unheil.",
			categories:    []string{"Wissen,Heuschrecken,Heuschreckenschwärme,Heuschreckenplage,Ostafrika,Natur"},
		},
		{
			file:          "rss1_rdf_biorxiv.rdf",
			count:         30,
			id:            "http://biorxiv.org/cgi/content/short/743294v1?rss=1", // no guid: the link
			title:         "Wheat inositol pyrophosphate kinase (TaVIH2-3B) interacts with Fasciclin-like arabinogalactan (FLA6) protein and alters the plant cell-wall composition",
			link:          "http://biorxiv.org/cgi/content/short/743294v1?rss=1",
			published:     mustTime(t, time.DateOnly, "2019-08-27"),
			summaryPrefix: "Inositol pyrophosphates (PPx-InsPs) are of key interest,",
		},
		{
			file:          "rss1_rdf_with_modules.xml",
			count:         1,
			id:            "http://www.pocketsoap.com/weblog/rssTests/rss1.0withModules.xml#1",
			title:         "Test Item - RSS 1.0",
			link:          "http://www.pocketsoap.com/weblog/rssTests/rss1.0withModules.xml#1",
			published:     mustTime(t, time.RFC3339, "2002-09-28T20:01:19Z"), // dcterms:created
			summaryPrefix: "This is a fairly standard RSS 1.0 feed with a few modules",
		},
		{
			file:          "rss2_bogus_pi_prolog_no_guid_phpxml.xml",
			count:         20,
			id:            "https://www.fcutrecht.net/nieuws/serdar-g-z-b-y-k-scheidsrechter-bij-fc-twente-fc-utrecht~8805",
			title:         "Serdar Gözübüyük scheidsrechter bij FC Twente - FC Utrecht",
			link:          "https://www.fcutrecht.net/nieuws/serdar-g-z-b-y-k-scheidsrechter-bij-fc-twente-fc-utrecht~8805",
			published:     mustTime(t, rfc1123z, "Mon, 06 Sep 2021 12:17:00 +0200"),
			summaryPrefix: "1️⃣ Serdar Gözübüyük 🚩 Joost van Zuilen 🚩 Johan Balder",
		},
		{
			file:          "rss2_bom_cr_newlines_no_guid_donthitsave.xml",
			count:         10, // the upstream README says 9; the file has 10 <item>s
			id:            "https://donthitsave.com/comic/2019/05/24/skipping-around",
			title:         "Skipping Around",
			link:          "https://donthitsave.com/comic/2019/05/24/skipping-around",
			published:     mustTime(t, rfc1123z, "Fri, 24 May 2019 00:00:00 -0700"),
			summaryPrefix: "I was nearly murdered by a coconut today. For real.",
		},
		{
			file:          "rss2_iso-8859-1_content_encoded_golem.xml",
			count:         40,
			id:            "https://www.golem.de/1810/137358-rss.html",
			title:         "Red Dead Redemption 2: Hinweise auf PC-Umsetzung in App von Rockstar Games",
			link:          "https://www.golem.de/news/red-dead-redemption-2-hinweise-auf-pc-umsetzung-in-app-von-rockstar-games-1810-137358-rss.html",
			published:     mustTime(t, rfc1123z, "Sun, 28 Oct 2018 13:48:00 +0100"),
			summaryPrefix: "Viele Spieler wünschen sich eine PC-Version von Red Dead Redemption 2,",
			contains:      "neue Funktionen für Kanalbetreiber und Zuschauer",
		},
		{
			file:          "rss2_relative_links_no_xmldecl_macworld.xml",
			count:         30,
			id:            "https://www.techhive.com/article/3212828/connected-home/best-smart-lock.html#tk.rss_all",
			title:         "Best smart lock",
			link:          "https://www.techhive.com/article/3212828/connected-home/best-smart-lock.html#tk.rss_all",
			published:     mustTime(t, rfc1123z, "Tue, 28 Nov 2017 15:40:00 -0800"),
			summaryPrefix: "Keys are yesterday’s tech, your smart home needs a smart lock.",
			images:        30, // each an <enclosure type="image/jpeg">
			image: &feeds.Image{
				URL:  "https://images.idgesg.net/images/article/2017/08/best-smart-locks-100730768-medium.jpg",
				Type: "image/jpeg",
			},
		},
		{
			file:          "rss2_wordpress_manton.xml",
			count:         10,
			id:            "http://www.manton.org/?p=3071",
			title:         "", // a microblog post: empty <title>
			link:          "http://www.manton.org/2015/09/3071.html",
			published:     mustTime(t, rfc1123z, "Fri, 25 Sep 2015 14:26:40 +0000"),
			summaryPrefix: "This week’s Core Intuition is out with a discussion",
			categories:    []string{"Snippets"},
		},
		{
			file:  "rss_undeclared_latin1_no_guid_uol.xml",
			count: 15,
			id:    "https://noticias.uol.com.br/politica/eleicoes/2018/noticias/2018/09/24/ibope-bolsonaro-perde-de-haddad-ciro-e-alckmin-em-simulacoes-de-2-turno.htm",
			title: "Ibope: Bolsonaro perde de Haddad, Ciro e Alckmin em simulações de 2º turno",
			link:  "https://noticias.uol.com.br/politica/eleicoes/2018/noticias/2018/09/24/ibope-bolsonaro-perde-de-haddad-ciro-e-alckmin-em-simulacoes-de-2-turno.htm",
			// "Seg, 24 Set 2018": Portuguese day and month names, no date.
			summaryPrefix: "Líder na pesquisa Ibope de intenção de voto para o primeiro turno",
			contains:      "Fama \"A\" é campeã da Primeira Divisão da Copa Cidade Alta de Futebol Suíço",
		},
		{
			file:          "lumo-news.xml",
			count:         4,
			id:            "lumo-2021-01-21-tiimi",
			title:         "LUMOn hanketiimi on nyt koossa",
			link:          "https://lumo.example/ajankohtaista/lumo-2021-01-21-tiimi",
			published:     mustTime(t, rfc1123z, "Thu, 21 Jan 2021 10:00:00 +0200"),
			summaryPrefix: "LUMOn hanketiimi on nyt koossa ja olemme päässeet aloittamaan",
			categories:    []string{"Hanke"},
		},
		{
			file:          "rss2_wordpress_com_media_lumo.xml",
			count:         4,
			id:            "http://lumohanke.wordpress.com/?p=212",
			title:         "Sytykettä yhteistyöhön – valmennus alkaa",
			link:          "https://lumohanke.wordpress.com/2021/05/28/sytyketta-yhteistyohon/",
			published:     mustTime(t, rfc1123z, "Fri, 28 May 2021 06:00:00 +0000"),
			summaryPrefix: "Valmennus lastensuojelun yhteistyökumppaneille kolmessa osiossa",
			categories:    []string{"Koulutus"},
			// The full-size file rather than the ?w=100 one; no alt, as
			// the media:title is the file's name. The podcast item has an
			// audio enclosure and the author's Gravatar only.
			images: 3,
			image:  &feeds.Image{URL: "https://lumohanke.files.wordpress.com/2021/05/sytyketta-koulutus.jpg"},
		},
		{
			file:      "atom_youtube_media_group_lumo.xml",
			count:     2,
			id:        "yt:video:Q2xq8Zk0aB4",
			title:     "Webinaari: Systeeminen toimintamalli lastensuojelussa",
			link:      "https://www.youtube.com/watch?v=Q2xq8Zk0aB4",
			published: mustTime(t, time.RFC3339, "2021-05-26T13:00:07+00:00"),
			images:    2,
			image: &feeds.Image{
				URL: "https://i2.ytimg.com/vi/Q2xq8Zk0aB4/hqdefault.jpg",
				Alt: "Tallenne LUMO-hankkeen webinaarista 26.5.2021. Puhujina lastensuojelun ammattilaiset Pirkanmaalta " +
					"ja Kanta-Hämeestä. 00:00 Avaus 04:12 Systeeminen toimintamalli – mitä se on? 31:40 Kokemuksia tiimeistä " +
					"52:03 Kysymykset & vastaukset",
			},
		},
		{
			file:          "jsonfeed_1.1_images_lumo.json",
			count:         5,
			id:            "https://lumo.example/ajankohtaista/sytyketta",
			title:         "Sytykettä yhteistyöhön",
			link:          "https://lumo.example/ajankohtaista/sytyketta",
			published:     mustTime(t, time.RFC3339, "2021-05-28T09:00:00+03:00"),
			summaryPrefix: "Valmennus lastensuojelun yhteistyökumppaneille.",
			categories:    []string{"Koulutus"},
			// image, banner_image, an image attachment; not the audio nor
			// the feed's icon.
			images: 3,
			image:  &feeds.Image{URL: "https://lumo.example/kuvat/2021/sytyketta-1200.jpg"},
		},
	}

	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		t.Run(tt.file, func(t *testing.T) {
			items, err := Parse(readFixture(t, tt.file), "", "")
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Parse: no error, %d items; want an error", len(items))
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(items) != tt.count {
				t.Fatalf("got %d items, want %d", len(items), tt.count)
			}
			first := items[0]
			if first.ID != tt.id {
				t.Errorf("ID = %q, want %q", first.ID, tt.id)
			}
			if first.Title != tt.title {
				t.Errorf("Title = %q, want %q", first.Title, tt.title)
			}
			if first.Link != tt.link {
				t.Errorf("Link = %q, want %q", first.Link, tt.link)
			}
			if !first.Published.Equal(tt.published) {
				t.Errorf("Published = %v, want %v", first.Published, tt.published)
			}
			if !strings.HasPrefix(first.Summary, tt.summaryPrefix) {
				t.Errorf("Summary = %q, want prefix %q", first.Summary, tt.summaryPrefix)
			}
			if tt.categories != nil && !slices.Equal(first.Categories, tt.categories) {
				t.Errorf("Categories = %q, want %q", first.Categories, tt.categories)
			}
			if tt.contains != "" && !slices.ContainsFunc(items, func(it feeds.Item) bool {
				return strings.Contains(it.Title, tt.contains) || strings.Contains(it.Summary, tt.contains)
			}) {
				t.Errorf("no item title or summary contains %q", tt.contains)
			}
			if n := countImages(items); n != tt.images {
				t.Errorf("%d items with an image, want %d", n, tt.images)
			}
			if !sameImage(first.Image, tt.image) {
				t.Errorf("Image = %s, want %s", showImage(first.Image), showImage(tt.image))
			}
			checkItems(t, items)
		})
	}
	for _, name := range fixtureFiles(t) {
		if !covered[name] {
			t.Errorf("fixture %s has no case in TestParseFixtures", name)
		}
	}
}

func countImages(items []feeds.Item) int {
	n := 0
	for _, it := range items {
		if it.Image != nil {
			n++
		}
	}
	return n
}

func sameImage(a, b *feeds.Image) bool {
	return a == nil && b == nil || a != nil && b != nil && *a == *b
}

func showImage(img *feeds.Image) string {
	if img == nil {
		return "none"
	}
	return fmt.Sprintf("%+v", *img)
}

// checkItems asserts what holds for every item of every feed.
func checkItems(t *testing.T, items []feeds.Item) {
	t.Helper()
	ids := map[string]bool{}
	for i, it := range items {
		if it.ID == "" {
			t.Errorf("item %d: empty ID", i)
		}
		if ids[it.ID] {
			t.Errorf("item %d: duplicate ID %q", i, it.ID)
		}
		ids[it.ID] = true
		for field, s := range map[string]string{"Title": it.Title, "Summary": it.Summary, "Link": it.Link} {
			if !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) {
				t.Errorf("item %d: %s is not clean UTF-8: %q", i, field, s)
			}
			if s != strings.TrimSpace(s) || strings.Contains(s, "  ") || strings.ContainsAny(s, "\r\n\t\u00a0") {
				t.Errorf("item %d: %s has untidy white space: %q", i, field, s)
			}
		}
		// Plain text: no markup, no entity left, no mojibake of UTF-8 read as latin-1.
		for _, bad := range []string{"<p", "<a ", "href=", "<img", "&amp;", "&lt;", "&auml;", "&#", "Ã"} {
			if strings.Contains(it.Summary, bad) || strings.Contains(it.Title, bad) {
				t.Errorf("item %d: text contains %q: title %q, summary %q", i, bad, it.Title, it.Summary)
			}
		}
		if it.Link != "" && !strings.HasPrefix(it.Link, "http://") && !strings.HasPrefix(it.Link, "https://") {
			t.Errorf("item %d: link %q is not an absolute web URL", i, it.Link)
		}
		for _, c := range it.Categories {
			if c == "" || c != strings.TrimSpace(c) {
				t.Errorf("item %d: category %q", i, c)
			}
		}
		checkImage(t, i, it.Image)
	}
}

// TestParseGolden compares the whole parse of every fixture with
// testdata/golden/<fixture>.json; go test -run TestParseGolden -update
// rewrites them (review the diff).
func TestParseGolden(t *testing.T) {
	for _, name := range fixtureFiles(t) {
		t.Run(name, func(t *testing.T) {
			items, err := Parse(readFixture(t, name), "", "")
			var got []byte
			if err != nil {
				got = []byte("error: " + err.Error() + "\n")
			} else {
				got, err = json.MarshalIndent(items, "", "  ")
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, '\n')
			}
			path := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
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
				t.Errorf("parse of %s differs from %s (run with -update and review the diff)\ngot:\n%.2000s", name, path, got)
			}
		})
	}
}

func TestParseLumoNews(t *testing.T) {
	items, err := Parse(readFixture(t, "lumo-news.xml"), "application/rss+xml; charset=utf-8", "https://lumo.example/feed/")
	if err != nil {
		t.Fatal(err)
	}
	want := []feeds.Item{
		{
			ID:         "lumo-2021-01-21-tiimi",
			Title:      "LUMOn hanketiimi on nyt koossa",
			Link:       "https://lumo.example/ajankohtaista/lumo-2021-01-21-tiimi",
			Summary:    "LUMOn hanketiimi on nyt koossa ja olemme päässeet aloittamaan yhteisen työskentelyn monialaisen lastensuojelun kehittämiseksi. Startti-iltapäivä pidetään 27.1. – isompi kick off 14.4.2021.",
			Published:  time.Date(2021, 1, 21, 8, 0, 0, 0, time.UTC),
			Categories: []string{"Hanke"},
		},
		{
			ID:         "lumo-2021-03-30-kickoff",
			Title:      "Tervetuloa LUMO Kick off -webinaariin 14.4.",
			Link:       "https://lumo.example/ajankohtaista/lumo-2021-03-30-kickoff",
			Summary:    "Kick off -webinaarissa esitellään hankkeen tavoitteet: asiakkaiden osallisuus, monialaisen verkoston työ ja systeeminen toimintamalli.",
			Published:  time.Date(2021, 3, 30, 6, 15, 0, 0, time.UTC),
			Categories: []string{"Tapahtumat"},
		},
		{
			ID:         "lumo-2021-05-03-sytyketta",
			Title:      "Sytykettä yhteistyöhön – valmennus yhteistyökumppaneille",
			Link:       "https://lumo.example/ajankohtaista/lumo-2021-05-03-sytyketta",
			Summary:    "Valmennus lastensuojelun yhteistyökumppaneille kolmessa osiossa: 28.5., 7.6. ja 21.6. Lue lisää",
			Published:  time.Date(2021, 5, 3, 9, 0, 0, 0, time.UTC),
			Categories: []string{"Koulutus"},
		},
		{
			ID:         "lumo-2021-06-01-nuoren-aani",
			Title:      "NUOREN ÄÄNI lastensuojelussa 10.6.",
			Link:       "https://lumo.example/ajankohtaista/lumo-2021-06-01-nuoren-aani",
			Summary:    "Keskustelutilaisuus nuorten osallisuudesta 10.6.2021 klo 12–14. Kutsu (pdf) sivuillamme.",
			Published:  time.Date(2021, 6, 1, 5, 0, 0, 0, time.UTC),
			Categories: []string{"Osallisuus"},
		},
	}
	if len(items) != len(want) {
		t.Fatalf("got %d items, want %d", len(items), len(want))
	}
	for i := range want {
		t.Run(want[i].ID, func(t *testing.T) {
			got := items[i]
			if got.ID != want[i].ID || got.Title != want[i].Title || got.Link != want[i].Link ||
				got.Summary != want[i].Summary || !got.Published.Equal(want[i].Published) ||
				!slices.Equal(got.Categories, want[i].Categories) {
				t.Errorf("item %d:\n got %+v\nwant %+v", i, got, want[i])
			}
			if strings.Contains(got.Summary, "sytyketta") || strings.Contains(got.Summary, "href") {
				t.Errorf("summary keeps the link target: %q", got.Summary)
			}
		})
	}
}

func TestParseEncodings(t *testing.T) {
	const rss = `<rss version="2.0"><channel><title>t</title><link>https://example.fi/</link>` +
		`<item><guid>1</guid><title>%s</title><description>%s</description></item></channel></rss>`
	build := func(prolog, title, desc string) []byte {
		return []byte(prolog + strings.Replace(strings.Replace(rss, "%s", title, 1), "%s", desc, 1))
	}
	latin1 := func(s string) string { // s holds only runes < 0x100
		b := make([]byte, 0, len(s))
		for _, r := range s {
			b = append(b, byte(r))
		}
		return string(b)
	}
	utf16le := func(s string) []byte {
		b := []byte{0xFF, 0xFE}
		for _, r := range s { // BMP only
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	tests := []struct {
		name        string
		body        []byte
		contentType string
		title       string
		summary     string
	}{
		{
			name:    "ISO-8859-1 declared in the prolog",
			body:    build(`<?xml version="1.0" encoding="ISO-8859-1"?>`, latin1("Päivä"), latin1("Hyvää yötä")),
			title:   "Päivä",
			summary: "Hyvää yötä",
		},
		{
			name:    "windows-1252 declared in the prolog (en dash 0x96, euro 0x80)",
			body:    build(`<?xml version="1.0" encoding="windows-1252"?>`, "Hinta 5\x80", "klo 12\x9614"),
			title:   "Hinta 5€",
			summary: "klo 12–14",
		},
		{
			name:        "charset in the Content-Type only",
			body:        build(`<?xml version="1.0"?>`, latin1("Äänekoski"), latin1("Wiitaunioni ja Äänekoski")),
			contentType: "application/rss+xml; charset=ISO-8859-1",
			title:       "Äänekoski",
			summary:     "Wiitaunioni ja Äänekoski",
		},
		{
			name:        "Content-Type names a charset the bytes are not in: undeclared latin-1 wins",
			body:        build("", latin1("Jyväskylä"), latin1("Keski-Suomi")),
			contentType: "text/xml; charset=utf-8",
			title:       "Jyväskylä",
			summary:     "Keski-Suomi",
		},
		{
			name:    "undeclared latin-1 bytes, no prolog",
			body:    build("", latin1("Sytykettä yhteistyöhön"), latin1("&lt;p&gt;Lue lisää&lt;/p&gt;")),
			title:   "Sytykettä yhteistyöhön",
			summary: "Lue lisää",
		},
		{
			name:    "prolog says UTF-8 but the bytes are latin-1",
			body:    build(`<?xml version="1.0" encoding="UTF-8"?>`, latin1("Nuoren ääni"), latin1("Osallisuus")),
			title:   "Nuoren ääni",
			summary: "Osallisuus",
		},
		{
			name:    "UTF-8 with one stray latin-1 byte keeps the UTF-8",
			body:    build(`<?xml version="1.0" encoding="UTF-8"?>`, "Sytykettä – osa I", latin1("Lisää")),
			title:   "Sytykettä – osa I",
			summary: "Lisää",
		},
		{
			name:    "prolog says ISO-8859-1 but the bytes are UTF-8",
			body:    build(`<?xml version="1.0" encoding="ISO-8859-1"?>`, "Tervetuloa – päivä", "Hyvää yötä"),
			title:   "Tervetuloa – päivä",
			summary: "Hyvää yötä",
		},
		{
			name:    "UTF-8 with a byte order mark",
			body:    append([]byte("\xEF\xBB\xBF"), build(`<?xml version="1.0" encoding="utf-8"?>`, "Äänekoski", "ok")...),
			title:   "Äänekoski",
			summary: "ok",
		},
		{
			name:    "UTF-16 LE with a byte order mark",
			body:    utf16le(string(build(`<?xml version="1.0" encoding="UTF-16"?>`, "Äänekoski – €", "ok"))),
			title:   "Äänekoski – €",
			summary: "ok",
		},
		{
			name:    "JSON Feed in latin-1",
			body:    []byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"` + latin1("Päivä") + `","content_text":"x"}]}`),
			title:   "Päivä",
			summary: "x",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Parse(tt.body, tt.contentType, "")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(items) != 1 {
				t.Fatalf("got %d items, want 1", len(items))
			}
			if items[0].Title != tt.title || items[0].Summary != tt.summary {
				t.Errorf("got title %q summary %q, want %q, %q", items[0].Title, items[0].Summary, tt.title, tt.summary)
			}
		})
	}
}

func TestParseNotAFeed(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		contentType string
		notFeed     bool   // must wrap ErrNotFeed
		mention     string // the error must say this
	}{
		{name: "empty", body: "", notFeed: true, mention: "not a feed"},
		{name: "blank", body: " \r\n\t", notFeed: true, mention: "not a feed"},
		{name: "HTML page", body: "<!DOCTYPE html><html><head><title>LUMO</title></head><body>x</body></html>", contentType: "text/html", notFeed: true, mention: "HTML page"},
		{name: "plain text", body: "Tervetuloa!", notFeed: true, mention: "not a feed"},
		{name: "other XML", body: `<?xml version="1.0"?><config><a/></config>`, notFeed: true, mention: "not a feed"},
		{name: "iCalendar", body: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", notFeed: true, mention: "iCalendar"},
		{name: "JSON that is no feed", body: `{"name":"lumo"}`, notFeed: true, mention: "JSON"},
		{name: "JSON array", body: `[1,2,3]`, notFeed: true, mention: "not a feed"},
		{name: "truncated RSS", body: `<rss version="2.0"><channel><item><title>a</title></item>`, mention: "parse feed"},
		{name: "broken JSON Feed", body: `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":`, mention: "parse feed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Parse([]byte(tt.body), tt.contentType, "")
			if err == nil {
				t.Fatalf("no error, %d items", len(items))
			}
			if tt.notFeed != errors.Is(err, ErrNotFeed) {
				t.Errorf("errors.Is(err, ErrNotFeed) = %v, want %v (err: %v)", !tt.notFeed, tt.notFeed, err)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
		})
	}
}

func TestParseEmptyFeedIsNoError(t *testing.T) {
	for _, body := range []string{
		`<rss version="2.0"><channel><title>t</title></channel></rss>`,
		`<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>`,
		`{"version":"https://jsonfeed.org/version/1.1","title":"t","items":[]}`,
	} {
		items, err := Parse([]byte(body), "", "")
		if err != nil || len(items) != 0 {
			t.Errorf("Parse(%.40q) = %d items, %v; want 0 items, no error", body, len(items), err)
		}
	}
}

func TestParseIdentity(t *testing.T) {
	hash := func(title, published string) string {
		sum := sha256.Sum256([]byte(title + "\n" + published))
		return hex.EncodeToString(sum[:16])
	}
	item := func(inner string) string {
		return `<rss version="2.0"><channel><title>t</title><link>https://example.fi/</link><item>` + inner + `</item></channel></rss>`
	}
	tests := []struct {
		name string
		body string
		id   string
	}{
		{"guid", item(`<guid isPermaLink="false">abc-1</guid><link>https://example.fi/a</link><title>A</title>`), "abc-1"},
		{"guid trimmed", item("<guid>\n  abc-2 \t</guid><title>A</title>"), "abc-2"},
		{"no guid: link", item(`<link>https://example.fi/b</link><title>B</title>`), "https://example.fi/b"},
		{"no guid: relative link resolved", item(`<link> /c </link><title>C</title>`), "https://example.fi/c"},
		{"blank guid: link", item(`<guid>  </guid><link>https://example.fi/d</link>`), "https://example.fi/d"},
		{"no guid, no link: hash of title and date", item(`<title>Päivä</title><pubDate>Wed, 05 May 2021 13:30:00 +0300</pubDate>`),
			hash("Päivä", "2021-05-05T10:30:00Z")},
		{"no guid, no link, no date", item(`<title>Päivä</title>`), hash("Päivä", "0001-01-01T00:00:00Z")},
		{"atom id", `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>urn:uuid:1225c695</id><title>x</title></entry></feed>`, "urn:uuid:1225c695"},
		{"json id", `{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"42","url":"https://example.fi/42"}]}`, "42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Parse([]byte(tt.body), "", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 || items[0].ID != tt.id {
				t.Fatalf("got %+v, want one item with ID %q", items, tt.id)
			}
		})
	}
	t.Run("same title, other date: other ID", func(t *testing.T) {
		a, _ := Parse([]byte(item(`<title>X</title><pubDate>Wed, 05 May 2021 13:30:00 +0300</pubDate>`)), "", "")
		b, _ := Parse([]byte(item(`<title>X</title><pubDate>Thu, 06 May 2021 13:30:00 +0300</pubDate>`)), "", "")
		if len(a) != 1 || len(b) != 1 || a[0].ID == b[0].ID {
			t.Errorf("IDs %v and %v should differ", a, b)
		}
	})
	t.Run("same item, other offset: same ID", func(t *testing.T) {
		a, _ := Parse([]byte(item(`<title>X</title><pubDate>Wed, 05 May 2021 13:30:00 +0300</pubDate>`)), "", "")
		b, _ := Parse([]byte(item(`<title>X</title><pubDate>Wed, 05 May 2021 10:30:00 GMT</pubDate>`)), "", "")
		if len(a) != 1 || len(b) != 1 || a[0].ID != b[0].ID {
			t.Errorf("IDs %v and %v should be equal", a, b)
		}
	})
}

func TestParseLinks(t *testing.T) {
	rss := func(channelLink, itemLink string) string {
		return `<rss version="2.0"><channel><title>t</title><link>` + channelLink + `</link><item><title>x</title><link>` +
			itemLink + `</link></item></channel></rss>`
	}
	tests := []struct {
		name    string
		body    string
		baseURL string
		link    string
	}{
		{"absolute", rss("https://example.fi/", "https://other.fi/a"), "", "https://other.fi/a"},
		{"relative to the channel link", rss("https://example.fi/uutiset/", "/sytyketta"), "https://feeds.example.net/rss", "https://example.fi/sytyketta"},
		{"path-relative to the channel link", rss("https://example.fi/uutiset/", "juttu-1"), "", "https://example.fi/uutiset/juttu-1"},
		{"relative channel link resolved against the document URL", rss("/", "/a"), "https://example.fi/feed.xml", "https://example.fi/a"},
		{"no channel link: document URL", rss("", "a?id=1"), "https://example.fi/blog/feed.xml", "https://example.fi/blog/a?id=1"},
		{"relative, no base at all: dropped", rss("", "/a"), "", ""},
		{"javascript: dropped", rss("https://example.fi/", "javascript:alert(1)"), "", ""},
		{"mailto: dropped", rss("https://example.fi/", "mailto:lumo@example.fi"), "", ""},
		{"userinfo stripped", rss("https://example.fi/", "https://user:pw@example.fi/a"), "", "https://example.fi/a"},
		{"file base does not make a file link", rss("", "/a"), "file:///srv/feed.xml", ""},
		{"scheme-relative", rss("https://example.fi/", "//cdn.example.fi/x"), "", "https://cdn.example.fi/x"},
		{
			"guid permalink when there is no link",
			`<rss version="2.0"><channel><title>t</title><item><guid>https://example.fi/p/1</guid><title>x</title></item></channel></rss>`,
			"", "https://example.fi/p/1",
		},
		{
			"atom xml:base",
			`<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://example.fi/blog/"><id>f</id><title>t</title>` +
				`<entry><id>e1</id><title>x</title><link rel="alternate" href="2021/lumo"/></entry></feed>`,
			"https://feeds.example.net/atom", "https://example.fi/blog/2021/lumo",
		},
		{
			"atom relative link, no xml:base: document URL",
			`<feed xmlns="http://www.w3.org/2005/Atom"><id>f</id><title>t</title>` +
				`<entry><id>e1</id><title>x</title><link href="/2021/lumo"/></entry></feed>`,
			"https://example.fi/atom.xml", "https://example.fi/2021/lumo",
		},
		{
			"atom relative link: the document URL, not the alternate link",
			`<feed xmlns="http://www.w3.org/2005/Atom"><id>f</id><title>t</title><link rel="alternate" href="https://example.fi/blog/"/>` +
				`<entry><id>e1</id><title>x</title><link href="2021/lumo"/></entry></feed>`,
			"https://example.fi/feeds/atom.xml", "https://example.fi/feeds/2021/lumo",
		},
		{
			"json feed relative url against home_page_url",
			`{"version":"https://jsonfeed.org/version/1.1","home_page_url":"https://example.fi/","items":[{"id":"1","url":"/posts/1"}]}`,
			"", "https://example.fi/posts/1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Parse([]byte(tt.body), "", tt.baseURL)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 {
				t.Fatalf("got %d items", len(items))
			}
			if items[0].Link != tt.link {
				t.Errorf("Link = %q, want %q", items[0].Link, tt.link)
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	tests := []struct {
		name string
		body string
		want feeds.Item
	}{
		{
			name: "title: entities decoded, tags removed, white space collapsed",
			body: `<rss version="2.0"><channel><item><guid>1</guid><title>  LUMO &amp;amp; &lt;b&gt;Kick&lt;/b&gt; off
				&#8211;   webinaari </title></item></channel></rss>`,
			want: feeds.Item{ID: "1", Title: "LUMO & Kick off – webinaari"},
		},
		{
			name: "title: a non-HTML angle bracket stays",
			body: `<rss version="2.0"><channel><item><guid>1</guid><title>Vector&lt;int&gt; ja a &lt; b</title></item></channel></rss>`,
			want: feeds.Item{ID: "1", Title: "Vector<int> ja a < b"},
		},
		{
			name: "summary falls back to content when the description is empty",
			body: `<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><guid>1</guid>` +
				`<description></description><content:encoded><![CDATA[<p>Sis&auml;lt&ouml;</p>]]></content:encoded></item></channel></rss>`,
			want: feeds.Item{ID: "1", Summary: "Sisältö"},
		},
		{
			name: "summary: description wins over content",
			body: `<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item><guid>1</guid>` +
				`<description>Lyhyt</description><content:encoded>Pitk&amp;auml; teksti</content:encoded></item></channel></rss>`,
			want: feeds.Item{ID: "1", Summary: "Lyhyt"},
		},
		{
			name: "categories trimmed, blank and repeated ones dropped",
			body: `<rss version="2.0"><channel><item><guid>1</guid><category> Hanke </category><category>  </category>` +
				`<category>Koulutus</category><category>Hanke</category></item></channel></rss>`,
			want: feeds.Item{ID: "1", Categories: []string{"Hanke", "Koulutus"}},
		},
		{
			name: "atom: published, else updated",
			body: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><updated>2021-06-10T09:00:00Z</updated></entry></feed>`,
			want: feeds.Item{ID: "1", Published: time.Date(2021, 6, 10, 9, 0, 0, 0, time.UTC)},
		},
		{
			name: "atom: published wins over updated",
			body: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><published>2021-06-01T08:00:00+03:00</published>` +
				`<updated>2021-06-10T09:00:00Z</updated><summary type="html">&lt;p&gt;NUOREN &amp;Auml;&amp;Auml;NI&lt;/p&gt;</summary></entry></feed>`,
			want: feeds.Item{ID: "1", Published: time.Date(2021, 6, 1, 5, 0, 0, 0, time.UTC), Summary: "NUOREN ÄÄNI"},
		},
		{
			name: "atom xhtml content",
			body: `<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">` +
				`<p>Osio I</p><p>Osio&#160;II</p></div></content></entry></feed>`,
			want: feeds.Item{ID: "1", Summary: "Osio I Osio II"},
		},
		{
			name: "unparsable date: zero",
			body: `<rss version="2.0"><channel><item><guid>1</guid><pubDate>ensi viikolla</pubDate></item></channel></rss>`,
			want: feeds.Item{ID: "1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, err := Parse([]byte(tt.body), "", "")
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 {
				t.Fatalf("got %d items", len(items))
			}
			got := items[0]
			if got.ID != tt.want.ID || got.Title != tt.want.Title || got.Summary != tt.want.Summary ||
				!got.Published.Equal(tt.want.Published) || !slices.Equal(got.Categories, tt.want.Categories) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseKeepsOrder(t *testing.T) {
	body := `<rss version="2.0"><channel>` +
		`<item><guid>b</guid><pubDate>Tue, 01 Jun 2021 08:00:00 +0300</pubDate></item>` +
		`<item><guid>a</guid><pubDate>Mon, 03 May 2021 12:00:00 +0300</pubDate></item>` +
		`<item><guid>c</guid><pubDate>Thu, 10 Jun 2021 12:00:00 +0300</pubDate></item></channel></rss>`
	items, err := Parse([]byte(body), "", "")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, it.ID)
	}
	if !slices.Equal(ids, []string{"b", "a", "c"}) {
		t.Errorf("order %v, want [b a c]", ids)
	}
}

func TestPlainText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  plain   text \n", "plain text"},
		{"<p>Hyv&auml;&auml; p&auml;iv&auml;&auml;</p>", "Hyvää päivää"},
		{"klo 12&ndash;14", "klo 12–14"},
		{"a&nbsp;b&#160;c&#xA0;d", "a b c d"},
		{"&#8217;&#x2019;&rsquo;", "’’’"},
		{"<p>first</p><p>second</p>", "first second"},
		{"line<br>break<br/>again", "line break again"},
		{"<ul><li>yksi</li><li>kaksi</li></ul>", "yksi kaksi"},
		{"<b>Lihava</b>teksti ja <a href=\"/sytyketta\">Lue lis&auml;&auml;</a>", "Lihavateksti ja Lue lisää"},
		{"<img src=\"/x.png\" alt=\"kuva\">Teksti", "Teksti"},
		{"<script>var x = '<p>no</p>';</script><style>p{color:red}</style>Näkyy", "Näkyy"},
		{"<!-- kommentti -->Ok", "Ok"},
		{"1 &lt; 2 &amp;&amp; 3 &gt; 2", "1 < 2 && 3 > 2"},
		{"AT&T stays, &unknown; goes", "AT&T stays, goes"},
		{"&lol9;&lol9; &#xZZ; &amp;lol9; &notanentity", "¬anentity"},
		{"esc\x1b[2J bel\x07 nul\x00 \u202eevil &#27;[0m", "esc[2J bel nul evil [0m"},
		{"<div>Osio I<div>Osio II</div></div>", "Osio I Osio II"},
		{"unclosed <p>tag", "unclosed tag"},
		{"tab\tnew\r\nline", "tab new line"},
		{"<table><tr><td>a</td><td>b</td></tr></table>", "a b"},
		{"x<y", "x"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := PlainText(tt.in); got != tt.want {
				t.Errorf("PlainText(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// FuzzParse checks that Parse never panics and that what it returns is
// tidy: every item has an ID and only clean, trimmed UTF-8 text within
// the model's bounds, dates in range, and images with web URLs and tidy
// alt text. FuzzParseLong covers long
// fields, which this target's mutator would spend its time minimizing.
func FuzzParse(f *testing.F) {
	for _, name := range fixtureFiles(f) {
		f.Add(readFixture(f, name), "")
	}
	f.Add([]byte(`<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>1</id><title type="html">`+
		strings.Repeat("&lt;div&gt;", 200)+"x&#27;&#x202e;&lol;"+`</title><published>2500-01-01T00:00:00Z</published></entry></feed>`), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","title":"`+
		strings.Repeat(`\u001b[2J\u202e&amp;&lol9;`, 50)+`","date_published":"0001-01-01T00:00:00Z"}]}`), "application/feed+json")
	f.Add([]byte(`<rss><channel><item><title>a&lt;b</title></item></channel></rss>`), "text/xml; charset=iso-8859-1")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1"}]}`), "application/feed+json")
	f.Add([]byte("\xFF\xFE<\x00r\x00s\x00s\x00>\x00"), "")
	f.Add([]byte(`<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><link>https://lumo.example/</link><item><guid>1</guid>`+
		`<media:group><media:description type="html">&lt;b&gt;Kuva&lt;/b&gt;&#x202e;</media:description>`+
		`<media:content url="../k.jpg?w=100" medium="image" isDefault="true"/><media:content url="javascript:x" type="image/png"/>`+
		`<media:thumbnail url="//cdn.lumo.example/t.jpg"/></media:group><media:content url="../k.jpg" medium="image"/>`+
		`<enclosure url="https://u:p@lumo.example/e.jpg" type="IMAGE/JPEG; x=y"/></item></channel></rss>`), "")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","icon":"/i.png","items":[{"id":"1","image":"/i.png","banner_image":" ‮//x",`+
		`"attachments":[{"url":"/a.webp","mime_type":"image/webp"}]}]}`), "application/feed+json")
	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		items, err := Parse(body, contentType, "https://example.fi/feed")
		if err != nil {
			return
		}
		for i, it := range items {
			if it.ID == "" {
				t.Errorf("item %d: empty ID", i)
			}
			for _, s := range []string{it.Title, it.Summary, it.Link} {
				if !utf8.ValidString(s) || s != strings.TrimSpace(s) {
					t.Errorf("item %d: untidy text %q", i, s)
				}
			}
			if it.Link != "" && !strings.HasPrefix(it.Link, "http://") && !strings.HasPrefix(it.Link, "https://") {
				t.Errorf("item %d: link %q", i, it.Link)
			}
		}
		checkClean(t, items) // images included
		again, warnings, err := ParseWithWarnings(body, contentType, "https://example.fi/feed", time.Date(2021, 5, 3, 0, 0, 0, 0, time.UTC))
		if err != nil || len(again) != len(items) {
			t.Fatalf("ParseWithWarnings: %d items, %v; Parse: %d items", len(again), err, len(items))
		}
		for _, w := range warnings {
			if feeds.CleanText(w.String()) != w.String() {
				t.Errorf("unclean warning %q", w)
			}
		}
	})
}

// finnishFeed builds an RSS 2.0 feed of about size bytes in Finnish, with
// escaped HTML and entities in its descriptions.
func finnishFeed(size int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>LUMO – Lastensuojelun uudistaminen monialaisesti</title>
<link>https://lumo.example/</link><description>LUMO-hankkeen ajankohtaiset</description><language>fi</language>
`)
	for i := 0; b.Len() < size; i++ {
		day := i%28 + 1
		b.WriteString("<item><title>Sytykettä yhteistyöhön – osa ")
		b.WriteString(strings.Repeat("I", i%3+1))
		b.WriteString("</title><link>/ajankohtaista/uutinen-")
		b.WriteString(time.Date(2021, 5, day, 0, 0, 0, 0, time.UTC).Format("2006-01-02"))
		b.WriteString("</link><guid isPermaLink=\"false\">lumo-")
		b.WriteString(strings.Repeat("x", i%5) + time.Date(2021, 5, day, 0, 0, 0, i, time.UTC).Format("20060102.000000000"))
		b.WriteString("</guid><pubDate>")
		b.WriteString(time.Date(2021, 5, day, 12, 0, 0, 0, time.FixedZone("EEST", 3*3600)).Format(time.RFC1123Z))
		b.WriteString("</pubDate><category>Koulutus</category><description>&lt;p&gt;Valmennus lastensuojelun " +
			"yhteisty&amp;ouml;kumppaneille kolmessa osiossa: 28.5., 7.6. ja 21.6. klo 9&amp;ndash;12. " +
			"Ty&amp;ouml;skentely&amp;auml; monialaisessa verkostossa, asiakkaiden osallisuus ja systeeminen " +
			"toimintamalli.&lt;/p&gt;&lt;p&gt;&lt;a href=\"/sytyketta\"&gt;Lue lis&amp;auml;&amp;auml;&lt;/a&gt;&lt;/p&gt;" +
			"</description></item>\n")
	}
	b.WriteString("</channel></rss>\n")
	return b.Bytes()
}

func BenchmarkParse(b *testing.B) {
	body := finnishFeed(40 << 10)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body, "application/rss+xml", "https://lumo.example/feed/"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestFinnishFeed(t *testing.T) {
	body := finnishFeed(40 << 10)
	items, err := Parse(body, "", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(body) < 40<<10 || len(items) < 40 {
		t.Fatalf("generated %d bytes, %d items", len(body), len(items))
	}
	checkItems(t, items)
	if want := "Valmennus lastensuojelun yhteistyökumppaneille kolmessa osiossa: 28.5., 7.6. ja 21.6. klo 9–12."; !strings.HasPrefix(items[0].Summary, want) {
		t.Errorf("summary %q", items[0].Summary)
	}
	if items[0].Link != "https://lumo.example/ajankohtaista/uutinen-2021-05-01" {
		t.Errorf("link %q", items[0].Link)
	}
}
