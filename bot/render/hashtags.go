package render

import (
	"unicode"
	"unicode/utf8"
)

// Hashtags returns the hashtags of text, '#' included, as byte spans (for
// Bluesky tag facets). The rule is twitter-text's: '#' or '＃' at the start or
// after a character that is not a letter, mark, digit, '_' or '&'; then a run
// of letters, marks, digits and '_' (and the few joiners twitter-text allows)
// with at least one letter or mark; not followed by another '#' or "://";
// not inside a URL. "#12345" is no hashtag, "#1st" is.
func Hashtags(text string) []Span {
	var out []Span
	var urls []Span
	urlsDone := false
	prev := rune(-1)
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if (r == '#' || r == '＃') && (prev == -1 || prev == 0xFE0E || prev == 0xFE0F || !hashtagAlnum(prev) && prev != '&') {
			start := i
			k := i + size
			if next, _ := utf8.DecodeRuneInString(text[k:]); next == 0xFE0F || next == 0x20E3 {
				prev = r
				i += size
				continue
			}
			alpha := false
			for k < len(text) {
				c, n := utf8.DecodeRuneInString(text[k:])
				if !hashtagAlnum(c) {
					break
				}
				if unicode.IsLetter(c) || unicode.IsMark(c) {
					alpha = true
				}
				k += n
			}
			rest := text[k:]
			if alpha && !(len(rest) > 0 && (rest[0] == '#' || hasPrefix(rest, "＃") || hasPrefix(rest, "://"))) {
				if !urlsDone {
					urls, urlsDone = URLs(text), true
				}
				if !overlaps(urls, start, k) {
					out = append(out, Span{Start: start, End: k, Text: text[start:k]})
				}
			}
			if k > i+size {
				prev, _ = utf8.DecodeLastRuneInString(text[:k])
				i = k
				continue
			}
		}
		prev = r
		i += size
	}
	return out
}

func hashtagAlnum(r rune) bool {
	if unicode.IsLetter(r) || unicode.IsMark(r) || unicode.Is(unicode.Nd, r) || r == '_' {
		return true
	}
	switch r {
	case 0x200C, 0x200D, 0xA67E, 0x05BE, 0x05F3, 0x05F4, 0xFF5E, 0x301C, 0x309B, 0x309C, 0x30A0, 0x30FB, 0x3003, 0x0F0B, 0x0F0C, 0x00B7:
		return true
	}
	return false
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func overlaps(spans []Span, start, end int) bool {
	for _, s := range spans {
		if start < s.End && s.Start < end {
			return true
		}
	}
	return false
}
