package news

import (
	"bytes"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// dropIllegalChars removes from a UTF-8 body what XML 1.0 forbids and Go's
// XML decoder rejects with an error for the whole document: raw C0
// control bytes (but tab, newline and carriage return), U+FFFE and U+FFFF,
// and character references to such characters (&#27; &#x1B; &#0;
// &#xD800; ...). One item's ESC sequence must not cost the feed its other
// items. None of these could reach a post anyway: feeds.CleanText removes
// them from every field. A JSON Feed loses only raw control bytes, which
// JSON forbids in strings too.
func dropIllegalChars(body []byte) []byte {
	if !hasIllegal(body) {
		return body
	}
	out := make([]byte, 0, len(body))
	for i := 0; i < len(body); {
		c := body[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			i++
			continue
		case c == 0xEF && i+2 < len(body) && body[i+1] == 0xBF && (body[i+2] == 0xBE || body[i+2] == 0xBF):
			i += 3
			continue
		case c == '&' && i+1 < len(body) && body[i+1] == '#':
			if n, ok := charRef(body[i:]); ok && !xmlChar(n.r) {
				i += n.len
				continue
			}
		}
		out = append(out, c)
		i++
	}
	return out
}

func hasIllegal(body []byte) bool {
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r':
			return true
		case c == 0xEF && i+2 < len(body) && body[i+1] == 0xBF && (body[i+2] == 0xBE || body[i+2] == 0xBF):
			return true
		case c == '&' && i+1 < len(body) && body[i+1] == '#':
			if n, ok := charRef(body[i:]); ok && !xmlChar(n.r) {
				return true
			}
		}
	}
	return false
}

type ref struct {
	r   rune // -1 when the number is too large for a rune
	len int  // bytes, "&#" to ";" inclusive
}

// charRef reads a character reference at the start of b ("&#27;",
// "&#x1b;"); ok is false when b does not start with a well-formed one.
func charRef(b []byte) (ref, bool) {
	i, base := 2, 10
	if i < len(b) && (b[i] == 'x' || b[i] == 'X') {
		i, base = 3, 16
	}
	start := i
	var n int64
	for ; i < len(b) && i-start <= 64; i++ {
		d := digit(b[i], base)
		if d < 0 {
			break
		}
		if n <= utf8.MaxRune {
			n = n*int64(base) + int64(d)
		}
	}
	if i == start || i >= len(b) || b[i] != ';' {
		return ref{}, false
	}
	r := rune(-1)
	if n <= utf8.MaxRune {
		r = rune(n)
	}
	return ref{r: r, len: i + 1}, true
}

func digit(c byte, base int) int {
	switch {
	case '0' <= c && c <= '9':
		return int(c - '0')
	case base == 16 && 'a' <= c && c <= 'f':
		return int(c-'a') + 10
	case base == 16 && 'A' <= c && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// xmlChar reports whether r is a character XML 1.0 allows (its Char rule).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= utf8.MaxRune
}

// dropUnknownEntities removes what looks like an entity reference but is
// none that HTML knows ("&lol9;", "&#xZZ;"), as left in text by an XML DTD
// entity that no one expanded or by a reference that HTML decoding could
// not read. It must not be posted as it is. A bare "&" ("AT&T") stays.
// One pass, checking the output's tail at each ';', so that a reference
// that a removal brings together ("&lo&lol;l;") goes too.
func dropUnknownEntities(s string) string {
	if strings.IndexByte(s, '&') < 0 || strings.IndexByte(s, ';') < 0 {
		return s
	}
	out := make([]byte, 0, len(s))
	dropped := false
	for i := 0; i < len(s); i++ {
		out = append(out, s[i])
		if s[i] != ';' {
			continue
		}
		from := max(0, len(out)-maxEntity)
		j := bytes.LastIndexByte(out[from:], '&')
		if j < 0 {
			continue
		}
		tail := string(out[from+j:])
		if entityLen(tail) == len(tail) && html.UnescapeString(tail) == tail {
			out = out[:from+j]
			dropped = true
		}
	}
	if !dropped {
		return s
	}
	return string(out)
}

// maxEntity bounds the entity-shaped references entityLen reads.
const maxEntity = len("&#;") + maxEntityName

const maxEntityName = 32

// entityLen is the length of the entity-shaped "&name;" or "&#...;" at
// the start of s (names of at most maxEntityName letters and digits), or 0.
func entityLen(s string) int {
	i := 1
	if i < len(s) && s[i] == '#' {
		i++
	}
	start := i
	for i < len(s) && i-start < maxEntityName && isAlnum(s[i]) {
		i++
	}
	if i == start || i >= len(s) || s[i] != ';' {
		return 0
	}
	if start == 1 && !isLetter(s[1]) {
		return 0
	}
	return i + 1
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
func isAlnum(c byte) bool  { return isLetter(c) || '0' <= c && c <= '9' }
