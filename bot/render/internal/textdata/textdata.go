// Package textdata holds what the reference implementations know as data: twitter-text
// 3.1.0's character classes and top-level domains, twemoji-parser's emoji pattern, the TLD
// list @atproto/api's RichText links bare domains with, and where Intl.Segmenter's grapheme
// clusters differ from rivo/uniseg's. The files are written by
// bot/render/testdata/reference/gen.js from the pinned npm packages; see SOURCE.md.
package textdata

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
)

var (
	//go:embed classes.txt
	classesTxt string
	//go:embed gtld.txt
	gtldTxt string
	//go:embed cctld.txt
	cctldTxt string
	//go:embed emoji.txt
	emojiTxt string
	//go:embed tlds.txt
	tldsTxt string
)

// Set is a set of code points: sorted, disjoint, inclusive ranges.
type Set struct {
	ranges [][2]rune
	ascii  [128]bool
}

// Has reports whether r is in the set.
func (s *Set) Has(r rune) bool {
	if r >= 0 && r < 128 {
		return s.ascii[r]
	}
	i := sort.Search(len(s.ranges), func(i int) bool { return s.ranges[i][1] >= r })
	return i < len(s.ranges) && s.ranges[i][0] <= r
}

var (
	classesOnce sync.Once
	classes     map[string]*Set
)

// Class returns the named character class of classes.txt; it panics on an unknown name,
// which is a programming error caught by any test.
func Class(name string) *Set {
	classesOnce.Do(func() {
		classes = map[string]*Set{}
		for _, line := range lines(classesTxt) {
			fields := strings.Fields(line)
			s := &Set{}
			for _, f := range fields[1:] {
				lo, hi, ok := strings.Cut(f, "-")
				a, err1 := strconv.ParseInt(lo, 16, 32)
				b, err2 := strconv.ParseInt(hi, 16, 32)
				if !ok || err1 != nil || err2 != nil {
					panic(fmt.Sprintf("textdata: bad range %q in class %s", f, fields[0]))
				}
				s.ranges = append(s.ranges, [2]rune{rune(a), rune(b)})
				for c := a; c <= b && c < 128; c++ {
					s.ascii[c] = true
				}
			}
			classes[fields[0]] = s
		}
	})
	s, ok := classes[name]
	if !ok {
		panic("textdata: no class " + name)
	}
	return s
}

// GTLDs and CCTLDs are twitter-text's top-level domains in the order its pattern tries them.
func GTLDs() []string { return lines(gtldTxt) }

// CCTLDs: see GTLDs.
func CCTLDs() []string { return lines(cctldTxt) }

// EmojiPattern is twemoji-parser's emoji pattern in Go's regexp syntax.
func EmojiPattern() string { return lines(emojiTxt)[0] }

// BlueskyTLDs is the tlds package's list, as RichText checks a bare domain's ending.
func BlueskyTLDs() []string { return lines(tldsTxt) }

// lines returns the lines of a data file that are not comments.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}
