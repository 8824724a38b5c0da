package lint

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestTextRules(t *testing.T) {
	for _, tc := range []struct {
		rule string
		fn   func(string) []string
		text string
		want string // a part of the one message expected; "" none
	}{
		{"all-caps", allCaps, "TERVETULOA KAIKKI MUKAAN SEMINAARIIN! #LUMOhanke", `4 words in capitals in a row ("TERVETULOA KAIKKI MUKAAN SEMINAARIIN")`},
		{"all-caps", allCaps, "Mukana LUMO, THL ja STM", ""},
		{"all-caps", allCaps, "LUMO THL STM VM", "4 words"},
		{"all-caps", allCaps, "LUMO THL STM 2021 VM", ""}, // a number ends the run
		{"all-caps", allCaps, "ÄLÄ UNOHDA TÄTÄ TILAISUUTTA", "4 words"},
		{"all-caps", allCaps, "Katso HTTPS://LUMO.EXAMPLE/A/B/C/D ja muuta", ""},
		{"all-caps", allCaps, "Seuraa LUMOa ja kerro kuulumisesi!", ""},
		{"hashtag-case", hashtagCase, "Tervetuloa #lastensuojelunkehittäminen", "#lastensuojelunkehittäminen is 26 letters"},
		{"hashtag-case", hashtagCase, "#LastensuojelunKehittäminen ja #lumohanke", ""},
		{"hashtag-case", hashtagCase, "#lastensuojelu", "13 letters"},
		{"hashtag-case", hashtagCase, "#sotekeskus2021", ""}, // 10 letters
		{"hashtag-case", hashtagCase, "https://lumo.example/sivu#tapahtumakalenteri", ""},
		{"emoji-run", emojiRun, "Tervetuloa! 🎉🎉🎉", "3 emoji in a row"},
		{"emoji-run", emojiRun, "Tervetuloa! 🎉 🎈 🥳 mukaan", "3 emoji"},
		{"emoji-run", emojiRun, "Kiitos 👍🏽👍🏽", ""},               // a skin tone is one emoji
		{"emoji-run", emojiRun, "Perhe 👨‍👩‍👧 ja 🇫🇮", ""},         // ZWJ family, a flag
		{"emoji-run", emojiRun, "🇫🇮🇸🇪🇳🇴 pohjoismaat", "3 emoji"}, // three flags
		{"emoji-run", emojiRun, "1️⃣2️⃣3️⃣ kolme kohtaa", "3 emoji"},
		{"emoji-run", emojiRun, "Ääkköset åäö – ja “lainaus” ✓", ""},
		{"link-text", linkText, "Ilmoittaudu tästä: https://lumo.example/ilmo", `introduced only by "tästä"`},
		{"link-text", linkText, "Klikkaa https://lumo.example/", `"klikkaa"`},
		{"link-text", linkText, "Anmäl dig här → https://lumo.example/sv", `"här"`},
		{"link-text", linkText, "Read more here: www.lumo.example", `"here"`},
		{"link-text", linkText, "Ohjelma ja ilmoittautuminen: https://lumo.example/ilmo", ""},
		{"link-text", linkText, "Tästä lähtien uusi osoite https://lumo.example/", ""},
		{"link-text", linkText, "https://lumo.example/ alussa", ""},
	} {
		t.Run(tc.rule+"/"+tc.text, func(t *testing.T) {
			got := tc.fn(tc.text)
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("%s fired: %q", tc.rule, got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Errorf("%s: got %q, want one message with %q", tc.rule, got, tc.want)
			}
		})
	}
}

func TestConcerns(t *testing.T) {
	for _, tc := range []struct {
		w           Warning
		target, key string
		want        bool
	}{
		{Warning{Post: "announcement:a:"}, "x", "announcement:a:once", true},
		{Warning{Post: "announcement:a:"}, "x", "announcement:ab:once", false},
		{Warning{Post: "announcement:a:", Target: "masto"}, "x", "announcement:a:once", false},
		{Warning{Post: "reminder:e:1h", Target: "x"}, "x", "reminder:e:1h", true},
		{Warning{Post: "reminder:e:1h"}, "x", "reminder:e:1d", false},
		{Warning{}, "x", "reminder:e:1h", false},
	} {
		if got := tc.w.Concerns(tc.target, tc.key); got != tc.want {
			t.Errorf("%+v concerns %s %s: %v, want %v", tc.w, tc.target, tc.key, got, tc.want)
		}
	}
}

func FuzzTextRules(f *testing.F) {
	for _, s := range []string{"TERVETULOA KAIKKI MUKAAN NYT", "#lastensuojelunkehittäminen", "🎉🎉🎉", "tästä https://a.fi", "\xff#\u200d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, fn := range []func(string) []string{allCaps, hashtagCase, emojiRun, linkText} {
			for _, m := range fn(s) {
				if m == "" {
					t.Fatal("empty message")
				}
			}
		}
	})
}

// The cheap pre-checks never hide a finding: wherever a rule finds
// something without its pre-check, the pre-check says it may.
func TestPrechecksNeverHideAFinding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pieces := []string{"A", "B", "LUMO", "THL", "STM", "TERVETULOA", "kaikki", "NYT", "🎉", "👍🏽", "🇫🇮", "☀️", " ", "  ", "#", "#lastensuojelunkehittaminen", "#Lumo", "tästä", "Tästä", "klikkaa", "here", "click",
		"https://lumo.example/x", "www.koske.fi", ":", "→", "2021", "ä", "Å", "\n", "1️⃣"}
	for i := 0; i < 30000; i++ {
		var b strings.Builder
		for n := rng.IntN(12); n >= 0; n-- {
			b.WriteString(pieces[rng.IntN(len(pieces))])
			if rng.IntN(2) == 0 {
				b.WriteByte(' ')
			}
		}
		text := b.String()
		for _, c := range []struct {
			name string
			may  func(string) bool
			rule func(string) []string
		}{{"allCaps", mayShout, findCaps}, {"hashtagCase", mayHaveLongLowerTag, findLowerTags}, {"emojiRun", mayHaveEmojiRun, findEmojiRuns}, {"linkText", mayHaveVagueLink, findVagueLinks}} {
			if !c.may(text) && len(c.rule(text)) > 0 {
				t.Fatalf("%s: the pre-check hides a finding in %q", c.name, text)
			}
		}
	}
}
