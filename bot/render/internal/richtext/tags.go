package richtext

import (
	"strings"
	"unicode/utf8"
)

// invisible are the characters TAG_REGEX ends a tag at besides white space.
func invisible(r rune) bool {
	switch r {
	case 0xAD, 0x2060, 0x200A, 0x200B, 0x200C, 0x200D, 0x20E2:
		return true
	}
	return false
}

// tags is TAG_REGEX's loop:
// /(^|\s)[#＃]((?!\ufe0f)[^\s…]*[^\d\s\p{P}…]+[^\s…]*)?/gu, the tag then trimmed of
// trailing punctuation and at most 64 characters (graphemes once over 64 UTF-16 units).
func tags(s string) []Facet {
	var out []Facet
	last := 0 // lastIndex
	for i := 0; i < len(s); {
		r, size := decode(s, i)
		if r != '#' && r != '＃' || !leadingOK(s, i, last, false) {
			i += size
			continue
		}
		hash, body := i, i+size
		end := body
		good := false
		if n, _ := decode(s, body); n != 0xFE0F {
			for end < len(s) {
				c, n := decode(s, end)
				if isSpace(c) || invisible(c) {
					break
				}
				good = good || !(c >= '0' && c <= '9' || punct.Has(c))
				end += n
			}
		}
		if !good {
			i, last = body, body
			continue
		}
		i, last = end, end
		tag := strings.TrimRightFunc(s[body:end], func(r rune) bool { return r >= 0 && punct.Has(r) })
		if tag == "" || utf16Len(tag) > 64 && GraphemeLen(tag) > 64 {
			continue
		}
		out = append(out, Facet{Start: hash, End: body + len(tag), Kind: Tag, Value: tag})
	}
	return out
}

// leadingOK: the character before i may lead a token (^, \s, or "(" when paren) and lies at
// or after lastIndex, so that no earlier match consumed it.
func leadingOK(s string, i, last int, paren bool) bool {
	if i == 0 {
		return true
	}
	r, size := utf8.DecodeLastRuneInString(s[:i])
	return i-size >= last && (isSpace(r) || paren && r == '(')
}

// cashtags is CASHTAG_REGEX's loop: /(^|\s|\()\$([A-Za-z][A-Za-z0-9]{0,4})(?=\s|$|[.,;:!?)"'’])/gu.
func cashtags(s string) []Facet {
	var out []Facet
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || !leadingOK(s, i, last, true) {
			continue
		}
		k := i + 1
		if k >= len(s) || !isASCIILetter(s[k]) {
			continue
		}
		for k < len(s) && isASCIIAlnum(s[k]) {
			k++
		}
		if k-i-1 > 5 {
			continue
		}
		if r, _ := decode(s, k); k < len(s) && !isSpace(r) && !strings.ContainsRune(".,;:!?)\"'’", r) {
			continue
		}
		last = k
		out = append(out, Facet{Start: i, End: k, Kind: Tag, Value: "$" + strings.ToUpper(s[i+1:k])})
	}
	return out
}

func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 {
			n += 2
		} else {
			n++
		}
	}
	return n
}
