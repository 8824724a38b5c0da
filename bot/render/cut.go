package render

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot/render/internal/richtext"
)

// Shorten returns text unchanged when it fits (and is valid); otherwise a text that fits,
// made by cutting free text: everything but the protected spans, which are what the
// platform links or tags (t.Entities) and dates and times (DateTimes).
//
//  1. The text splits into protected spans and the free runs between them.
//  2. If the protected spans alone (free runs dropped, neighbours kept apart by a space or
//     a line break) do not fit, the text cannot be shortened: an error.
//  3. Free runs are cut one at a time, the longest first: a run is cut at its end, at the
//     last word boundary that makes the text fit, trailing punctuation dropped and "…"
//     added; if not even its first word fits, that word is cut between grapheme clusters;
//     then the run becomes "…", then nothing, and the next longest is cut.
//  4. A cut is taken only if afterwards the platform finds exactly the links and tags it
//     found before (none lost, cut, glued to the "…" or to other text, none created, e.g.
//     "foo.com" out of "foo.community"), and the text is valid.
//
// Measuring is linear in the text; the longest fitting cut is found by binary search, so
// Shorten is O(n log n).
func (t Target) Shorten(text string) (string, error) {
	if t.Entities == nil {
		t.Entities = AllEntities
	}
	valid := func(s string) bool { return t.Valid == nil || t.Valid(s) }
	if t.Length(text) <= t.Limit {
		if !valid(text) {
			return "", errors.New("shorten: the platform does not accept the text")
		}
		return text, nil
	}
	sh := newShortener(text, t)
	minimal := sh.assemble(len(sh.order), -1, "")
	if n := t.Length(minimal); n > t.Limit {
		return "", fmt.Errorf("shorten: links, hashtags and dates alone measure %d, over the limit %d", n, t.Limit)
	}
	fits := func(s string) bool { return t.Length(s) <= t.Limit }
	// The fewest runs dropped whole, longest first, after which the text fits.
	j := sort.Search(len(sh.order)+1, func(j int) bool { return fits(sh.assemble(j, -1, "")) })
	if j == 0 {
		// Nothing to cut: the text fits once its white space is cleaned up.
		if valid(minimal) && sh.keepsEntities(minimal) {
			return minimal, nil
		}
		return "", errors.New("shorten: the platform does not accept the text")
	}
	run := sh.order[j-1]
	cands := sh.candidates(run)
	cutText := func(c candidate) string {
		if c.drop {
			return ""
		}
		return sh.segs[run].core[:c.keep] + Ellipsis
	}
	first := sort.Search(len(cands), func(c int) bool { return fits(sh.assemble(j-1, run, cutText(cands[c]))) })
	// A few candidates at most: each check costs the text's length.
	checked, looked := 0, 0
	for c := first; c < len(cands) && checked < 8 && looked < 64; c++ {
		looked++
		if !sh.locallyFine(run, cands[c]) {
			continue
		}
		checked++
		if res := sh.assemble(j-1, run, cutText(cands[c])); fits(res) && valid(res) && sh.keepsEntities(res) {
			return res, nil
		}
	}
	for _, res := range []string{sh.assemble(j, -1, ""), minimal} {
		if fits(res) && valid(res) && sh.keepsEntities(res) {
			return res, nil
		}
	}
	if !valid(minimal) {
		return "", errors.New("shorten: the platform does not accept the text")
	}
	return "", fmt.Errorf("shorten: cannot fit the text into %d without changing its links or tags", t.Limit)
}

type textSeg struct {
	protected bool
	text      string // protected span, or the whole free run
	// free runs: leading white space, core, trailing white space
	lead, core, trail string
}

type shortener struct {
	text     string
	t        Target
	segs     []textSeg
	order    []int    // free runs with a core, longest (as measured) first
	rank     []int    // rank[i]: the place of seg i in order, or -1
	entities []string // what the platform found in the text, in order
}

func newShortener(text string, t Target) *shortener {
	ents := t.Entities(text)
	sh := &shortener{text: text, t: t, entities: entityTexts(ents)}
	protect := append(append(append([]Span(nil), ents...), DateTimes(text)...), schemeURLs(text)...)
	sh.segs = segment(text, protect)
	sh.rank = make([]int, len(sh.segs))
	lengths := make([]int, len(sh.segs))
	for i, s := range sh.segs {
		sh.rank[i] = -1
		if !s.protected && s.core != "" {
			sh.order = append(sh.order, i)
			lengths[i] = t.Length(s.core)
		}
	}
	sort.SliceStable(sh.order, func(a, b int) bool { return lengths[sh.order[a]] > lengths[sh.order[b]] })
	for r, i := range sh.order {
		sh.rank[i] = r
	}
	return sh
}

func entityTexts(es []Span) []string {
	sort.SliceStable(es, func(a, b int) bool { return es[a].Start < es[b].Start })
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Text
	}
	return out
}

// schemeURLs are "http://" or "https://" (any case) and what follows up to white space,
// trailing punctuation and quotes left out: a URL a reader sees whether or not the
// platform links it (X does not link https://lumo.example), never to be cut.
func schemeURLs(text string) []Span {
	var out []Span
	lower := []byte(text) // ASCII lower case only: the offsets must stay those of text
	for i, c := range lower {
		if c >= 'A' && c <= 'Z' {
			lower[i] = c + 'a' - 'A'
		}
	}
	for i := 0; i < len(text); {
		k := bytes.Index(lower[i:], []byte("http"))
		if k < 0 {
			break
		}
		start := i + k
		rest := string(lower[start:min(len(lower), start+8)])
		n := 0
		switch {
		case strings.HasPrefix(rest, "https://"):
			n = len("https://")
		case strings.HasPrefix(rest, "http://"):
			n = len("http://")
		}
		if n == 0 {
			i = start + len("http")
			continue
		}
		end := start + n
		for end < len(text) {
			r, size := utf8.DecodeRuneInString(text[end:])
			if unicode.IsSpace(r) {
				break
			}
			end += size
		}
		e := end
		for e > start+n {
			r, size := utf8.DecodeLastRuneInString(text[:e])
			if !strings.ContainsRune(".,;:!?'\"”’»)]}>…", r) {
				break
			}
			e -= size
		}
		if e > start+n {
			out = append(out, Span{Start: start, End: e, Text: text[start:e]})
		}
		i = end
	}
	return out
}

// keepsEntities reports whether the platform finds in res just what it found in the text.
func (sh *shortener) keepsEntities(res string) bool {
	got := entityTexts(sh.t.Entities(res))
	if len(got) != len(sh.entities) {
		return false
	}
	for i := range got {
		if got[i] != sh.entities[i] {
			return false
		}
	}
	return true
}

// segment splits text into the protected spans (merged where they overlap) and the free
// runs between them.
func segment(text string, spans []Span) []textSeg {
	sort.Slice(spans, func(a, b int) bool { return spans[a].Start < spans[b].Start })
	var merged [][2]int
	for _, s := range spans {
		if n := len(merged); n > 0 && s.Start < merged[n-1][1] {
			merged[n-1][1] = max(merged[n-1][1], s.End)
			continue
		}
		merged = append(merged, [2]int{s.Start, s.End})
	}
	var segs []textSeg
	free := func(s string) {
		if s == "" {
			return
		}
		core := strings.TrimLeftFunc(s, unicode.IsSpace)
		trimmed := strings.TrimRightFunc(core, unicode.IsSpace)
		segs = append(segs, textSeg{text: s, lead: s[:len(s)-len(core)], core: trimmed, trail: core[len(trimmed):]})
	}
	last := 0
	for _, m := range merged {
		free(text[last:m[0]])
		segs = append(segs, textSeg{protected: true, text: text[m[0]:m[1]]})
		last = m[1]
	}
	free(text[last:])
	return segs
}

// assemble joins the segments with the free runs of rank < dropped removed and run cut
// (a segment index, or -1) replaced by cutText.
func (sh *shortener) assemble(dropped, cut int, cutText string) string {
	var b strings.Builder
	b.Grow(len(sh.text))
	for i, s := range sh.segs {
		c, replaced := "", false
		switch {
		case s.protected || sh.rank[i] < 0:
		case i == cut:
			c, replaced = cutText, true
		case sh.rank[i] < dropped:
			replaced = true
		}
		if !replaced {
			b.WriteString(s.text)
			continue
		}
		if c != "" {
			trail := s.trail
			if trail == "" && i+1 < len(sh.segs) {
				trail = " " // "…" is a domain character to X: keep it off what follows
			}
			b.WriteString(s.lead + c + trail)
			continue
		}
		switch ws := s.lead + s.trail; {
		case strings.Contains(ws, "\n"):
			b.WriteString("\n")
		case ws != "" || (i > 0 && i < len(sh.segs)-1):
			b.WriteString(" ") // keep the neighbours apart
		}
	}
	return CleanSpace(b.String())
}

// candidate is one way to cut a run: its core up to keep, then "…" (none when drop). Its
// text is made only when it is tried: the candidates of a long run are many.
type candidate struct {
	keep int
	drop bool
}

// candidates are the cuts of seg i's core, longest first: at word boundaries, then the
// first word between grapheme clusters, then "…" alone, then nothing.
func (sh *shortener) candidates(i int) []candidate {
	core := sh.segs[i].core
	var out []candidate
	seen := -1
	for k := len(core); k > 0; {
		r, size := utf8.DecodeLastRuneInString(core[:k])
		k -= size
		if !isCutSpace(r) {
			continue
		}
		p := strings.TrimRightFunc(core[:k], func(r rune) bool {
			return unicode.IsSpace(r) || strings.ContainsRune(",;:.–—-(/[{\"'“‘«", r)
		})
		if p != "" && len(p) != seen {
			seen = len(p)
			out = append(out, candidate{keep: len(p)})
		}
	}
	firstEnd := strings.IndexFunc(core, isCutSpace)
	if firstEnd < 0 {
		firstEnd = len(core)
	}
	var bounds []int
	richtext.Boundaries(core[:firstEnd], func(e int) { bounds = append(bounds, e) })
	for g := len(bounds) - 2; g >= 0; g-- { // keep one cluster at least, cut one at least
		out = append(out, candidate{keep: bounds[g]})
	}
	return append(out, candidate{keep: 0}, candidate{drop: true})
}

// isCutSpace: the white space every platform's finders end a link or tag at.
func isCutSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

// locallyFine rejects, before anything is measured, a cut that glues its "…" to a
// protected span before it or makes a new link or tag of its last word and the "…".
func (sh *shortener) locallyFine(i int, c candidate) bool {
	if c.drop {
		return true
	}
	s := sh.segs[i]
	kept := s.core[:c.keep]
	word := kept[strings.LastIndexFunc(kept, isCutSpace)+1:]
	if len(word) == len(kept) && s.lead == "" && i > 0 {
		return false // glued to the protected span before it
	}
	return len(sh.t.Entities(word+Ellipsis)) == 0
}
