package feeds

import (
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Bounds on what a source may hand the core: a title longer than this is
// not a title, and rendering, shortening and the status page should never
// see megabytes from one field.
const (
	MaxTitle   = 2000 // characters
	MaxSummary = 8000
)

// CleanText removes from s what must never reach a platform or a terminal:
// C0 and C1 control characters (but newline and tab), DEL, bidirectional
// overrides and isolates (U+202A–202E, U+2066–2069), the byte order mark and
// invalid UTF-8. It keeps every other character, so Finnish, emoji and
// right-to-left scripts pass unchanged.
func CleanText(s string) string {
	if clean(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if !unwanted(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func clean(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			// Cheap check first: ASCII text without controls is the common case.
			for _, r := range s {
				if unwanted(r) {
					return false
				}
			}
			return true
		}
	}
	return true
}

func unwanted(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069:
		return true
	case r == 0xfeff, r == utf8.RuneError:
		return true
	}
	return false
}

// Clip cuts s to at most max characters (code points), the last of them
// "…" when it cut, so that a hostile or broken source cannot make every
// later step slow. The cut falls between grapheme clusters: a letter with
// its accents or an emoji sequence is kept whole or dropped whole, and a
// cluster of thousands of combining marks ("Zalgo" text) counts for all
// of its code points.
func Clip(s string, max int) string {
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	if max <= 0 {
		return ""
	}
	n, end, state := 0, 0, -1
	for rest := s; rest != ""; {
		var cluster string
		cluster, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		r := utf8.RuneCountInString(cluster)
		if n+r > max-1 {
			break
		}
		n += r
		end += len(cluster)
	}
	return strings.TrimRight(s[:end], " \t\n") + "…"
}
