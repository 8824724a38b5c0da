package twittertext

import (
	"strings"

	"github.com/lumohanke/lumobot/bot/render/internal/textdata"
)

// tldIndex maps a top-level domain, folded (see fold), to its place in the pattern's
// alternation: the first alternative that matches wins.
type tldIndex struct {
	order   map[string]int
	maxRune int
}

func newTLDIndex(list []string) *tldIndex {
	x := &tldIndex{order: map[string]int{}}
	for i, t := range list {
		k := foldString(t)
		if _, dup := x.order[k]; !dup {
			x.order[k] = i
		}
		x.maxRune = max(x.maxRune, len([]rune(t)))
	}
	return x
}

func foldString(s string) string {
	var b strings.Builder
	for _, r := range s {
		b.WriteRune(fold(r))
	}
	return b.String()
}

var (
	gTLDs  = newTLDIndex(textdata.GTLDs())
	ccTLDs = newTLDIndex(textdata.CCTLDs())
)

// matchTLD matches validGTLD|validCCTLD|validPunycode at s[at:], where the text ends at
// bound for the lookahead (?=[^0-9a-zA-Z@+-]|$). It returns the end, or -1.
func matchTLD(s string, at, bound int) int {
	var key strings.Builder
	bestG, bestGEnd, bestC, bestCEnd := -1, -1, -1, -1
	n := max(gTLDs.maxRune, ccTLDs.maxRune)
	for k, i := 0, at; k < n && i < bound; k++ {
		r, size := decode(s, i)
		key.WriteRune(fold(r))
		i += size
		next := rune(-1)
		if i < bound {
			next, _ = decode(s, i)
		}
		if !tldFollows(next) {
			continue
		}
		if o, ok := gTLDs.order[key.String()]; ok && (bestG < 0 || o < bestG) {
			bestG, bestGEnd = o, i
		}
		if o, ok := ccTLDs.order[key.String()]; ok && (bestC < 0 || o < bestC) {
			bestC, bestCEnd = o, i
		}
	}
	switch {
	case bestG >= 0:
		return bestGEnd
	case bestC >= 0:
		return bestCEnd
	}
	// xn--[\-0-9a-z]+ (case-insensitive), with no lookahead
	if bound-at > 4 && strings.EqualFold(s[at:at+4], "xn--") {
		i := at + 4
		for i < bound && (isASCIIAlnum(rune(s[i])) || s[i] == '-') {
			i++
		}
		if i > at+4 {
			return i
		}
	}
	return -1
}
