package render_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gopkg.in/yaml.v3"
)

// The differential test: the reference implementations (twitter-text 3.1.0 for X and
// @atproto/api's RichText for Bluesky, pinned in testdata/reference/package-lock.json) answer
// for a seeded corpus of stress texts and for twitter-text's conformance texts, and every
// answer of ours must be the same, or one of the deliberate differences (see deliberate*).

// refAnswer is one line of testdata/reference/reference.js.
type refAnswer struct {
	X struct {
		WeightedLength int     `json:"weightedLength"`
		Valid          bool    `json:"valid"`
		Permillage     int     `json:"permillage"`
		ValidRangeEnd  int     `json:"validRangeEnd"`
		URLs           [][]any `json:"urls"`
		Hashtags       [][]any `json:"hashtags"`
		Cashtags       [][]any `json:"cashtags"`
		Mentions       [][]any `json:"mentions"`
	} `json:"x"`
	Bsky struct {
		GraphemeLength int     `json:"graphemeLength"`
		Facets         [][]any `json:"facets"`
	} `json:"bsky"`
}

var (
	refOnce sync.Once
	refDir  string // node_modules of the installed reference packages
	refErr  error
)

// reference runs reference.js over texts. It skips the test when node or the packages are
// missing, and fails under CI=true, where they must be installed.
func reference(t *testing.T, texts []string) []refAnswer {
	t.Helper()
	refOnce.Do(func() {
		if _, err := exec.LookPath("node"); err != nil {
			refErr = fmt.Errorf("node is not installed: %w", err)
			return
		}
		out, err := exec.Command("bash", filepath.Join("testdata", "reference", "install.sh")).Output()
		if err != nil {
			refErr = fmt.Errorf("testdata/reference/install.sh: %w", err)
			return
		}
		refDir = strings.TrimSpace(string(out))
	})
	if refErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the reference implementations are needed under CI: %v", refErr)
		}
		t.Skipf("skipping the differential test: %v (run testdata/reference/install.sh)", refErr)
	}
	var in strings.Builder
	for _, s := range texts {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		in.Write(b)
		in.WriteByte('\n')
	}
	cmd := exec.Command("node", filepath.Join("testdata", "reference", "reference.js"))
	cmd.Env = append(os.Environ(), "NODE_PATH="+refDir)
	cmd.Stdin = strings.NewReader(in.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("reference.js: %v", err)
	}
	var res []refAnswer
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		var a refAnswer
		if err := json.Unmarshal(sc.Bytes(), &a); err != nil {
			t.Fatalf("reference.js answered %.200q: %v", sc.Text(), err)
		}
		res = append(res, a)
	}
	if len(res) != len(texts) {
		t.Fatalf("reference.js answered %d texts of %d", len(res), len(texts))
	}
	return res
}

// Fragments of the stress corpus.
var (
	corpusWords = []string{
		"Tervetuloa", "mukaan", "lastensuojelun", "kehittäjäryhmä", "Äänekoski", "Jyväskylä", "öljy",
		"perhekeskus", "yhteistyö", "Påminnelse", "Åbo", "ja", "sekä", "koulutus", "LUMO-hanke",
		"漢字", "東京で", "こんにちは", "한국어", "ＡＢＣ", "नमस्ते", "क्षत्रिय", "स्त्री", "বাংলা", "தமிழ்",
		"മലയാളം", "తెలుగు", "ગુજરાતી", "ଓଡ଼ିଆ", "مرحبا", "العربية", "עברית", "ภาษาไทย", "ລາວ",
		"a\u0308iti", "e\u0301", "Z\u0351\u0352\u0353", "ﬁ", "ß", "İstanbul", "ǅ", "Ω",
	}
	corpusEmoji = []string{
		"👍", "👍🏽", "👨‍👩‍👧‍👦", "🇫🇮", "🇿🇿", "🇫", "1️⃣", "#️⃣", "*⃣", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "❤️", "❤", "©", "©️", "®", "™",
		"🥲", "🫠", "🫶🏽", "🧑‍🧑‍🧒", "☺️", "↔️", "👩🏽‍💻", "🏳️‍🌈", "🏳️‍⚧️", "🧔‍♀️", "😶‍🌫️", "🫱🏻‍🫲🏿",
		"✨", "☕", "⌚", "🀄", "🅰", "🅰️", "‼️", "〰️", "🔟", "👁‍🗨", "🇺🇳", "🇪🇺", "🇦🇨",
	}
	corpusURLs = []string{
		"https://example.fi/lumo", "http://www.lumo.fi/tapahtumat?x=1&y=2#a", "koske.fi", "thl.fi/lastensuojelu",
		"www.koske.fi/tapahtumat", "esimerkki.äö.fi", "https://esimerkki.äö.fi/polku", "t.co/xyz?foo=bar",
		"https://t.co/abc123", "https://t.co/abc123?foo=bar&x=1", "HTTPS://X.FI/A", "Https://Lumo.Fi",
		"https://fi.wikipedia.org/wiki/Kunta_(Suomi)", "https://x.fi/a..", "https://x.fi/a)", "example.com",
		"foo.community", "http://☃.net/", "пример.рф", "http://пример.рф/путь", "xn--p1ai.xn--p1ai",
		"192.168.0.1", "http://localhost:8080", "user@example.com", "https://example.com:8080/a/b(c)/d",
		"ftp://x.fi", "mailto:x@y.fi", "https://x.fi/ä?ö=1", "lumo.fi.", "www.LUMO.fi", "KOSKE.FI",
		"https://lumo.example/x", "foo-bar.fi", "www.foo-bar.fi/x", "a.b.c.d.fi", "https://x.fi/#ohjelma",
		"https://x.fi/?q=a%20b", "https://x.fi/Русские_слова", "www.example.org/", "bit.ly/abc",
		"https://" + strings.Repeat("a", 64) + ".com", "https://www.example.com/path/to/a/very/long/page.html",
		"https://x.fi/a_(b)_(c)", "sub_domain.example.com", "example.com/path.", "example.comx",
		"https://example.com/a.b,c", "http://example.xn--p1ai/a",
	}
	corpusTags = []string{
		"#LUMOhanke", "#Sote-uudistus", "#2021", "#1st", "#äänekoski", "#タグ", "#tag_with_underscore",
		"#a#b", "##x", "＃全角", "#tag!", "#tag...", "#", "#️⃣x", "#lastensuojelu", "#Äänekoski2021",
		"#" + strings.Repeat("ä", 65), "#ab\u200bcd", "#tag’s", "#c++", "#f.o.o",
		"$AAPL", "$aapl", "$BRK.A", "$100", "$ABCDEFG", "($TSLA)", "$TSLA.", "$tsla,",
		"@lumo_hanke", "@user@mastodon.social", "@alice.bsky.social", "RT @x:", "@http://x.fi", "@_@",
		"ke 5.5.2021 klo 13.30–15.00", "6.–7.5.2021", "klo 9.30",
	}
	corpusPunct = []string{"(", ")", "\"", "“", "”", "«", "»", "'", ",", ".", "!", "?", ":", ";", "...", "…", "[", "]", "<", ">", "-", "/", "—"}
	corpusSeps  = []string{" ", " ", " ", " ", "  ", "\n", "\t", "\u00a0", "\u3000", "", "\u200b", "\u200f", "\u202b", "\u202c", "\u2066"}
	corpusRare  = []string{"\ufeff", "\ufffe", "\uffff", "\u202a", "\u202e", "\u061c", "\u0085", "\u2028", "\ufffd"}
)

// corpus returns the seeded stress texts: n short ones and a few over every limit.
func corpus(n int) []string {
	rng := rand.New(rand.NewPCG(2021, 5))
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	var out []string
	for i := range n {
		var b strings.Builder
		parts := 1 + rng.IntN(8)
		if i%10 == 9 {
			parts = 40 + rng.IntN(120) // long: over X's, Bluesky's and Mastodon's limits
		}
		long := parts >= 40
		for range parts {
			var f string
			kind := rng.IntN(10)
			if long && rng.IntN(10) < 8 {
				kind = []int{0, 1, 2, 7}[rng.IntN(4)] // long texts are mostly prose, as posts are
			}
			switch kind {
			case 0, 1, 2:
				f = pick(corpusWords)
			case 3, 4:
				f = pick(corpusURLs)
			case 5, 6:
				f = pick(corpusTags)
			case 7:
				f = pick(corpusEmoji)
			case 8:
				f = pick(corpusPunct) + pick(corpusURLs) + pick(corpusPunct)
			default:
				f = pick(corpusPunct) + pick(corpusTags) + pick(corpusPunct)
			}
			if rng.IntN(30) == 0 {
				f += pick(corpusRare)
			}
			b.WriteString(f)
			b.WriteString(pick(corpusSeps))
		}
		out = append(out, b.String())
	}
	return out
}

// conformanceTexts are the texts of twitter-text's validate.yml and extract.yml.
func conformanceTexts(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, name := range []string{"validate.yml", "extract.yml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "twitter-text", name))
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Tests map[string][]struct {
				Text string `yaml:"text"`
			} `yaml:"tests"`
		}
		if err := yaml.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, cases := range doc.Tests {
			for _, c := range cases {
				out = append(out, c.Text)
			}
		}
	}
	return out
}

// tally counts differences by kind and keeps a few examples.
type tally struct {
	total    int
	diffs    map[string]int
	examples map[string][]string
}

func newTally() *tally { return &tally{diffs: map[string]int{}, examples: map[string][]string{}} }

func (ta *tally) add(kind, text string, got, want any) {
	ta.diffs[kind]++
	if len(ta.examples[kind]) < 3 {
		ta.examples[kind] = append(ta.examples[kind], fmt.Sprintf("%.160q\n      got  %v\n      want %v", text, got, want))
	}
}

func (ta *tally) report(t *testing.T, name string, fail bool) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d texts", name, ta.total)
	n := 0
	for kind, c := range ta.diffs {
		fmt.Fprintf(&b, "\n  %-28s %d differ", kind, c)
		for _, e := range ta.examples[kind] {
			fmt.Fprintf(&b, "\n    e.g. %s", e)
		}
		n += c
	}
	if n == 0 {
		b.WriteString(": no differences")
	}
	if fail && n > 0 {
		t.Error(b.String())
	} else {
		t.Log(b.String())
	}
}

// spans turns the reference's [start, end, value, ...] entries into comparable strings.
func refSpans(es [][]any) []string {
	var out []string
	for _, e := range es {
		var parts []string
		for _, p := range e {
			parts = append(parts, fmt.Sprint(p))
		}
		out = append(out, strings.Join(parts, " "))
	}
	return out
}

func sameStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
