package lint

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/rivo/uniseg"
)

// The accessibility rules read a post's text as a screen reader and a
// follower scanning a timeline would. Each returns one message a finding,
// without the post's place: Check adds that.

// urlRe finds links, so that the text rules neither read a URL's path as
// words nor its fragment as a hashtag.
var urlRe = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]+`)

// hashtagRe is a hashtag as the platforms link one: # and letters, digits
// or underscores, not inside a word.
var hashtagRe = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_&/#])(#[\p{L}\p{N}_]+)`)

// minCapsRun is how many words in capitals in a row read as shouting.
const minCapsRun = 4

// allCaps finds runs of four or more words written in capitals: screen
// readers may spell them letter by letter, and everyone reads them as
// shouting. A word is in capitals when it has a letter and no lower-case
// letter; a URL, a hashtag or a word without letters ends a run, so
// acronyms beside each other ("LUMO THL STM") stay below the limit.
func allCaps(text string) []string {
	if !mayShout(text) {
		return nil
	}
	return findCaps(text)
}

func findCaps(text string) []string {
	var out []string
	var run []string
	flush := func() {
		if len(run) >= minCapsRun {
			out = append(out, fmt.Sprintf("%d words in capitals in a row (%q): screen readers may spell them out letter by letter and readers take them as shouting; write them in normal case", len(run), strings.Join(run, " ")))
		}
		run = run[:0]
	}
	for _, field := range strings.Fields(urlRe.ReplaceAllString(text, " \x00 ")) {
		word := strings.TrimFunc(field, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
		if strings.HasPrefix(field, "#") || word == "" || !capitals(word) {
			flush()
			continue
		}
		run = append(run, word)
	}
	flush()
	return out
}

func capitals(word string) bool {
	letter := false
	for _, r := range word {
		if unicode.IsLower(r) {
			return false
		}
		letter = letter || unicode.IsLetter(r)
	}
	return letter
}

// maxLowerHashtag is the longest all-lower-case hashtag taken for one word.
// The heuristic: Finnish compounds make long single words, but a hashtag of
// 13 or more letters with no capital is nearly always several words run
// together (#lastensuojelunkehittäminen), which a screen reader reads as
// one unpronounceable word. CamelCase lets it read the words.
const maxLowerHashtag = 12

// hashtagCase finds long hashtags written all in lower case.
func hashtagCase(text string) []string {
	if !mayHaveLongLowerTag(text) {
		return nil
	}
	return findLowerTags(text)
}

func findLowerTags(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range hashtagRe.FindAllStringSubmatch(urlRe.ReplaceAllString(text, " "), -1) {
		tag := m[1]
		letters, lower := 0, true
		for _, r := range tag[1:] {
			if unicode.IsLetter(r) {
				letters++
			}
			if unicode.IsUpper(r) || unicode.IsTitle(r) {
				lower = false
			}
		}
		if !lower || letters <= maxLowerHashtag || seen[tag] {
			continue
		}
		seen[tag] = true
		out = append(out, fmt.Sprintf("hashtag %s is %d letters in lower case: screen readers read it as one word; write each word with a capital (CamelCase), e.g. #LastensuojelunKehittäminen", tag, letters))
	}
	return out
}

// minEmojiRun is how many emoji in a row a screen reader reads out one by
// one ("party popper, party popper, party popper") before the text goes on.
const minEmojiRun = 3

// emojiRun finds three or more emoji in a row (spaces between them do not
// break a run). An emoji is one grapheme cluster (a skin tone, a ZWJ
// family or a flag counts once).
func emojiRun(text string) []string {
	if !mayHaveEmojiRun(text) {
		return nil
	}
	return findEmojiRuns(text)
}

func findEmojiRuns(text string) []string {
	var out []string
	var run []string
	flush := func() {
		if len(run) >= minEmojiRun {
			out = append(out, fmt.Sprintf("%d emoji in a row (%s): screen readers read out every one of them; keep one or two", len(run), strings.Join(run, "")))
		}
		run = run[:0]
	}
	g := uniseg.NewGraphemes(text)
	for g.Next() {
		c := g.Str()
		switch {
		case isEmoji(c):
			run = append(run, c)
		case strings.TrimSpace(c) == "":
			// a space between emoji does not end the run
		default:
			flush()
		}
	}
	flush()
	return out
}

// isEmoji reports whether a grapheme cluster shows as an emoji: it asks for
// emoji presentation (U+FE0F, a keycap), is a flag, or starts with a
// pictograph from the blocks where Unicode's Extended_Pictographic
// characters live. An approximation of the property, enough for a warning.
func isEmoji(c string) bool {
	if strings.ContainsRune(c, '\uFE0F') || strings.ContainsRune(c, '\u20E3') {
		return true
	}
	r := []rune(c)[0]
	switch {
	case r >= 0x1F1E6 && r <= 0x1F1FF: // regional indicators: flags
		return true
	case r >= 0x1F000 && r <= 0x1FAFF:
		return true
	case r >= 0x2600 && r <= 0x27BF: // miscellaneous symbols, dingbats
		return true
	case r >= 0x2300 && r <= 0x23FF, r >= 0x2B00 && r <= 0x2BFF:
		return true
	}
	return false
}

// vagueLinkWords introduce a link without saying where it goes. A follower
// using a screen reader, or scanning the post, hears "here" and a URL.
var vagueLinkWords = map[string]bool{
	"tästä": true, "klikkaa": true, // fi
	"här": true, "klicka": true, // sv
	"here": true, "click": true, // en
}

// linkText finds links whose only introduction is a word such as "tästä"
// or "click": the word right before the link (punctuation such as ":" or
// "→" aside) is one of vagueLinkWords.
func linkText(text string) []string {
	if !mayHaveVagueLink(text) {
		return nil
	}
	return findVagueLinks(text)
}

func findVagueLinks(text string) []string {
	var out []string
	for _, loc := range urlRe.FindAllStringIndex(text, -1) {
		before := strings.Fields(text[:loc[0]])
		for len(before) > 0 && strings.IndexFunc(before[len(before)-1], unicode.IsLetter) < 0 {
			before = before[:len(before)-1] // ":", "→", "-"
		}
		if len(before) == 0 {
			continue
		}
		word := strings.ToLower(strings.TrimFunc(before[len(before)-1], func(r rune) bool { return !unicode.IsLetter(r) }))
		if vagueLinkWords[word] {
			out = append(out, fmt.Sprintf("link %s is introduced only by %q: say what it leads to (\"Ohjelma ja ilmoittautuminen: %s\")", text[loc[0]:loc[1]], word, text[loc[0]:loc[1]]))
		}
	}
	return out
}

// The rules run on every post preview shows (a year's preview is tens of
// thousands); these cheap scans tell when a rule cannot find anything, so
// that the regular expressions and grapheme segmentation run only where
// they may.

// mayShout: at least minCapsRun words anywhere are in capitals (findCaps
// reads a link as a space, so "B👍www.x.fi" holds the word "B"). One pass,
// no allocation.
func mayShout(text string) bool {
	n := 0
	for len(text) > 0 {
		text = strings.TrimLeftFunc(text, unicode.IsSpace)
		end := strings.IndexFunc(text, unicode.IsSpace)
		if end < 0 {
			end = len(text)
		}
		word := text[:end]
		text = text[end:]
		if k := strings.IndexFunc(word, unicode.IsLower); k >= 0 {
			rest := word[k:]
			if !strings.HasPrefix(rest, "http") && !strings.HasPrefix(rest, "www.") {
				continue
			}
			word = word[:k]
		}
		if strings.IndexFunc(word, unicode.IsLetter) >= 0 {
			if n++; n >= minCapsRun {
				return true
			}
		}
	}
	return false
}

// mayHaveLongLowerTag: some # is followed by more than maxLowerHashtag
// letters with no capital among them.
func mayHaveLongLowerTag(text string) bool {
	for i := strings.IndexByte(text, '#'); i >= 0; {
		letters, lower := 0, true
		for _, r := range text[i+1:] {
			if !unicode.IsLetter(r) && !unicode.IsNumber(r) && r != '_' {
				break
			}
			if unicode.IsLetter(r) {
				letters++
			}
			if unicode.IsUpper(r) || unicode.IsTitle(r) {
				lower = false
			}
		}
		if lower && letters > maxLowerHashtag {
			return true
		}
		j := strings.IndexByte(text[i+1:], '#')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return false
}

// mayHaveEmojiRun: at least minEmojiRun characters from the blocks
// isEmoji accepts.
func mayHaveEmojiRun(text string) bool {
	n := 0
	for _, r := range text {
		if r >= 0x2300 && (r <= 0x27BF || (r >= 0x2B00 && r <= 0x2BFF) || (r >= 0x1F000 && r <= 0x1FAFF) || r == 0xFE0F || r == 0x20E3) {
			if n++; n >= minEmojiRun {
				return true
			}
		}
	}
	return false
}

// mayHaveVagueLink: one of vagueLinkWords occurs at all.
func mayHaveVagueLink(text string) bool {
	lower := strings.ToLower(text)
	for w := range vagueLinkWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}
