package richtext

import (
	"unicode"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot/render/internal/textdata"
	"github.com/rivo/uniseg"
)

// RichText counts graphemes with Intl.Segmenter, of the Unicode version its JavaScript
// engine has (Node 20's ICU: Unicode 17). rivo/uniseg v0.4.7, the newest release, is
// Unicode 15.0: it lacks the Indic conjunct rule GB9c (15.1) and the joining characters
// added since. Boundaries joins uniseg's clusters where Intl.Segmenter does.
var (
	incbLinker    = textdata.Class("incbLinker")
	incbConsonant = textdata.Class("incbConsonant")
	incbExtend    = textdata.Class("incbExtend")
	attaches      = textdata.Class("attach")
	prepends      = textdata.Class("prepend")
)

// GraphemeLen is the number of grapheme clusters of s, as RichText's graphemeLength.
func GraphemeLen(s string) int {
	n := 0
	Boundaries(s, func(int) { n++ })
	return n
}

// Boundaries calls at with the end of every grapheme cluster of s, in order.
func Boundaries(s string, at func(end int)) {
	state := -1
	prevStart, prevEnd := 0, 0 // the pending cluster
	for pos := 0; pos < len(s); {
		c, _, _, st := uniseg.FirstGraphemeClusterInString(s[pos:], state)
		state = st
		start, end := pos, pos+len(c)
		pos = end
		if start > 0 && joins(s[prevStart:prevEnd], c) {
			prevEnd = end
			continue
		}
		if start > 0 {
			at(prevEnd)
		}
		prevStart, prevEnd = start, end
	}
	if len(s) > 0 {
		at(prevEnd)
	}
}

// joins reports whether Intl.Segmenter keeps cluster b with the cluster a before it.
func joins(a, b string) bool {
	first, _ := utf8.DecodeRuneInString(b)
	last, _ := utf8.DecodeLastRuneInString(a)
	if isControl(last) || isControl(first) {
		return false
	}
	if attaches.Has(first) || prepends.Has(last) {
		return true
	}
	if !incbConsonant.Has(first) {
		return false
	}
	// GB9c: Consonant [Extend Linker]* Linker [Extend Linker]* × Consonant
	linker := false
	for i := len(a); i > 0; {
		r, size := utf8.DecodeLastRuneInString(a[:i])
		i -= size
		switch {
		case incbLinker.Has(r):
			linker = true
		case incbExtend.Has(r):
		case incbConsonant.Has(r):
			return linker
		default:
			return false
		}
	}
	return false
}

// isControl approximates Grapheme_Cluster_Break=Control|CR|LF, where nothing joins.
func isControl(r rune) bool {
	if r == 0x200C || r == 0x200D {
		return false
	}
	return unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) ||
		unicode.Is(unicode.Cf, r) && !prepends.Has(r) && !attaches.Has(r)
}
