package twittertext

import (
	"regexp"
	"regexp/syntax"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot/render/internal/textdata"
)

// twemoji-parser's pattern is a large alternation: Go's regexp runs it over a long text in
// time proportional to the text times the pattern. So it is only tried, anchored and on a
// short window, where an emoji can start (emojiStarts, the pattern's first characters).
var (
	emojiRE          = regexp.MustCompile(`^(?:` + textdata.EmojiPattern() + `)`)
	emojiStarts      = firstRunes(textdata.EmojiPattern())
	emojiTextDefault = textdata.Class("emojiTextDefault")
)

// maxEmojiBytes bounds the window: the longest sequence of the pattern is far shorter.
const maxEmojiBytes = 128

// Emoji returns the emoji twemoji-parser finds in s, as byte spans. Its pattern takes some
// characters alone only when no U+FE0E follows ((?!\uFE0E), which Go's regexp lacks): such
// a match is dropped here and the search goes on after it, as there it would.
func Emoji(s string) [][]int {
	var out [][]int
	for pos := 0; pos < len(s); {
		r, size := decode(s, pos)
		if !emojiStarts.has(r) {
			pos += size
			continue
		}
		m := emojiRE.FindStringIndex(s[pos:min(len(s), pos+maxEmojiBytes)])
		if m == nil {
			pos += size
			continue
		}
		end := pos + m[1]
		if end-pos == size && emojiTextDefault.Has(r) && strings.HasPrefix(s[end:], "\uFE0E") {
			pos += size
			continue
		}
		out = append(out, []int{pos, end})
		pos = end
	}
	return out
}

type runeSet [][2]rune

func (rs runeSet) has(r rune) bool {
	i := sort.Search(len(rs), func(i int) bool { return rs[i][1] >= r })
	return i < len(rs) && rs[i][0] <= r
}

// merged sorts the ranges and joins those that touch.
func (rs runeSet) merged() runeSet {
	sort.Slice(rs, func(a, b int) bool { return rs[a][0] < rs[b][0] })
	var out runeSet
	for _, x := range rs {
		if n := len(out); n > 0 && x[0] <= out[n-1][1]+1 {
			out[n-1][1] = max(out[n-1][1], x[1])
			continue
		}
		out = append(out, x)
	}
	return out
}

// firstRunes returns the characters a match of pattern can start with.
func firstRunes(pattern string) runeSet {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic("twittertext: emoji pattern: " + err.Error())
	}
	var rs runeSet
	var first func(re *syntax.Regexp) bool // adds re's first runes; reports whether re can be empty
	first = func(re *syntax.Regexp) bool {
		switch re.Op {
		case syntax.OpLiteral:
			if len(re.Rune) == 0 {
				return true
			}
			rs = append(rs, [2]rune{re.Rune[0], re.Rune[0]})
			return false
		case syntax.OpCharClass:
			for i := 0; i+1 < len(re.Rune); i += 2 {
				rs = append(rs, [2]rune{re.Rune[i], re.Rune[i+1]})
			}
			return false
		case syntax.OpCapture, syntax.OpPlus:
			return first(re.Sub[0])
		case syntax.OpQuest, syntax.OpStar:
			first(re.Sub[0])
			return true
		case syntax.OpConcat:
			for _, sub := range re.Sub {
				if !first(sub) {
					return false
				}
			}
			return true
		case syntax.OpAlternate:
			empty := false
			for _, sub := range re.Sub {
				empty = first(sub) || empty
			}
			return empty
		case syntax.OpEmptyMatch:
			return true
		}
		// anything else: any character may start it
		rs = append(rs, [2]rune{0, utf8.MaxRune})
		return true
	}
	first(re)
	return rs.merged()
}
