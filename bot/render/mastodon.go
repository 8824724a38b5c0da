package render

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MastodonLength returns the length Mastodon counts for text (its StatusLengthValidator):
// grapheme clusters, where every http(s) URL counts urlLength (the instance's
// characters_reserved_per_url, 23 by default) and a remote mention "@user@domain" counts as
// "@user". The limit is the instance's max_characters (MastodonLimit by default). Bare
// domains count in full: Mastodon does not link them.
func MastodonLength(text string, urlLength int) int {
	type ent struct {
		Span
		count int // what the entity counts instead of its text
	}
	var es []ent
	for _, u := range protocolURLs(text) {
		es = append(es, ent{u, urlLength})
	}
	for _, m := range MastodonMentions(text) {
		user, _, _ := strings.Cut(m.Text[1:], "@")
		es = append(es, ent{m, 1 + GraphemeLength(user)})
	}
	if len(es) == 0 {
		return GraphemeLength(text)
	}
	sort.SliceStable(es, func(a, b int) bool { return es[a].Start < es[b].Start })
	n, last := 0, 0
	for _, e := range es {
		if e.Start < last {
			continue // overlapping: Mastodon keeps the first
		}
		n += GraphemeLength(text[last:e.Start]) + e.count
		last = e.End
	}
	return n + GraphemeLength(text[last:])
}

// MastodonMentions returns the mentions Mastodon links in text, '@' included: "@user" and
// "@user@domain" (Account::MENTION_RE: not after '=', '/' or a word character; a user name
// of [a-z0-9_] with '.' and '-' inside; a domain of word characters, '.' and '-' that ends
// in a word character), not followed by '@', a Latin accented letter or "://".
func MastodonMentions(text string) []Span {
	var out []Span
	for i := 0; i < len(text); i++ {
		if text[i] != '@' {
			continue
		}
		if prev, _ := utf8.DecodeLastRuneInString(text[:i]); i > 0 && (prev == '=' || prev == '/' || isWord(prev)) {
			continue
		}
		k := i + 1
		end := -1
		for k < len(text) && (isUserChar(text[k]) || text[k] == '.' || text[k] == '-') {
			k++
			if isUserChar(text[k-1]) {
				end = k
			}
		}
		if end < 0 || !isUserChar(text[i+1]) {
			continue
		}
		if end < len(text) && text[end] == '@' {
			d, dEnd := end+1, -1
			for d < len(text) {
				r, size := utf8.DecodeRuneInString(text[d:])
				if !isWord(r) && r != '.' && r != '-' {
					break
				}
				d += size
				if isWord(r) {
					dEnd = d
				}
			}
			if dEnd > end+1 && hasTwoChars(text[end+1:dEnd]) {
				end = dEnd
			}
		}
		after := text[end:]
		if r, _ := utf8.DecodeRuneInString(after); strings.HasPrefix(after, "@") || strings.HasPrefix(after, "://") || after != "" && isLatinAccent(r) {
			continue
		}
		out = append(out, Span{Start: i, End: end, Text: text[i:end]})
		i = end - 1
	}
	return out
}

// hasTwoChars: [[:word:].-]+[[:word:]]+ needs two characters.
func hasTwoChars(s string) bool { return utf8.RuneCountInString(s) >= 2 }

func isUserChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// isWord is Ruby's [[:word:]]: letters, marks, decimal digits and connector punctuation.
func isWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) || unicode.Is(unicode.Pc, r)
}

func isLatinAccent(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x24F,
		r >= 0x300 && r <= 0x36F, r >= 0x1E00 && r <= 0x1EFF:
		return true
	}
	switch r {
	case 0x253, 0x254, 0x256, 0x257, 0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B, 0x2BB:
		return true
	}
	return false
}
