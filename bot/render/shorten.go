package render

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// Ellipsis marks where Shorten cut text.
const Ellipsis = "…"

// dateTimeRE finds date and time tokens: 5.5.2021, 6.–7.5.2021, 30.12.2021–2.1.2022,
// 13.30–15.00, 9.30, 1:30–3:00 pm, 11:00 am–1:00 pm, 5 May 2021, 6–7 May 2021,
// with a weekday word before a date ("ke 5.5.2021", "onsdag 5.5.2021",
// "Wed 5 May 2021") and "klo"/"kl." before a time.
var dateTimeRE = func() *regexp.Regexp {
	const (
		weekday = `(?:(?:ma|ti|ke|to|pe|la|su|mon|tue|wed|thu|fri|sat|sun|måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag)\s+)?`
		klo     = `(?:(?:klo|kl\.)\s*)?`
		part    = `\d{1,2}(?:[.:]\d{1,2})?(?:\.(?:\d{4})?)?(?:\s?[ap]m\b)?`
		month   = `(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\b`
		enDate  = `\d{1,2}(?:\s?[–-]\s?\d{1,2})?\s` + month + `(?:\s\d{4})?`
	)
	return regexp.MustCompile(`(?i)` + weekday + klo + `(?:` + enDate + `|` + part + `(?:\s?[–-]\s?` + part + `)?)`)
}()

// DateTimes returns the date and time tokens of text that Shorten keeps whole
// (see dateTimeRE); bare numbers such as "2021" or "10" are not among them.
func DateTimes(text string) []Span {
	var out []Span
	for pos := 0; pos < len(text); {
		loc := dateTimeRE.FindStringIndex(text[pos:])
		if loc == nil {
			break
		}
		s, e := pos+loc[0], pos+loc[1]
		tok := text[s:e]
		prev, _ := utf8.DecodeLastRuneInString(text[:s])
		next, _ := utf8.DecodeRuneInString(text[e:])
		switch {
		case s > 0 && (unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '.' || prev == ':'),
			e < len(text) && (unicode.IsDigit(next) || unicode.IsLetter(next)):
			// inside a word or number: look again one character later
			_, size := utf8.DecodeRuneInString(text[s:])
			pos = s + size
			continue
		}
		pos = e
		if !strings.ContainsAny(tok, ".:–-") && !containsLetter(tok) {
			continue // a bare number
		}
		out = append(out, Span{Start: s, End: e, Text: tok})
	}
	return out
}

func containsLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// Shorten returns text unchanged when length(text) <= limit. Otherwise it
// shortens the free text and returns a text whose length is <= limit, keeping
// every protected token whole: URLs (as URLs finds them), hashtags (Hashtags)
// and dates and times (DateTimes, with a weekday word before a date and
// "klo"/"kl." before a time).
//
// The algorithm:
//  1. The text is split into protected tokens and the free runs between them
//     (the whitespace at either end of a free run belongs to no one and is kept).
//  2. If the text with every free run removed (tokens separated by the
//     whitespace that was there, or one space) is still longer than limit, the
//     text cannot be shortened: an error.
//  3. Free runs are cut one at a time, the longest first (usually the title or
//     body; in "Muistutus: <title> ke 5.5.2021 klo 13.30–15.00, Teams. <link>
//     #tag" the title, so date, place, link and tag survive). A run is cut at its
//     end: the longest prefix ending on a word boundary, without trailing
//     punctuation, followed by "…", that makes the whole text fit. If not even
//     its first word fits, the first word is cut between grapheme clusters;
//     then the run becomes "…" alone, then nothing, and the next longest run
//     is cut.
//  4. Runs of spaces are collapsed and the text trimmed, as Execute does.
//
// For the usual post "<long title> <link> <tags>" this is exactly "cut the
// end of the free text before the trailing link and tags".
func Shorten(text string, limit int, length func(string) int) (string, error) {
	if length(text) <= limit {
		return text, nil
	}
	segs := segment(text)
	cuts := make([]*string, len(segs)) // nil: the free run as it was
	empty := ""
	var order []int
	for i, s := range segs {
		if !s.protected && s.core != "" {
			order = append(order, i)
		}
	}
	all := make([]*string, len(segs))
	for _, i := range order {
		all[i] = &empty
	}
	if minimal := assemble(segs, all); length(minimal) > limit {
		return "", fmt.Errorf("shorten: links, hashtags and dates alone measure %d, over the limit %d", length(minimal), limit)
	}
	sort.SliceStable(order, func(a, b int) bool {
		return length(segs[order[a]].core) > length(segs[order[b]].core)
	})
	for _, i := range order {
		core := segs[i].core
		try := func(c string) (string, bool) {
			cuts[i] = &c
			res := assemble(segs, cuts)
			return res, length(res) <= limit
		}
		for _, p := range wordPrefixes(core) {
			if res, ok := try(p + Ellipsis); ok {
				return res, nil
			}
		}
		if res, ok := graphemeCut(core, try); ok {
			return res, nil
		}
		if res, ok := try(Ellipsis); ok {
			return res, nil
		}
		if res, ok := try(""); ok {
			return res, nil
		}
	}
	return "", fmt.Errorf("shorten: cannot fit the text into %d", limit)
}

type textSeg struct {
	protected bool
	text      string // protected token, or the whole free run
	// free runs only: leading whitespace, core, trailing whitespace
	lead, core, trail string
}

// segment splits text into protected tokens and the free runs between them.
func segment(text string) []textSeg {
	var spans []Span
	spans = append(spans, URLs(text)...)
	spans = append(spans, Hashtags(text)...)
	spans = append(spans, DateTimes(text)...)
	sort.Slice(spans, func(a, b int) bool { return spans[a].Start < spans[b].Start })
	var merged [][2]int
	for _, s := range spans {
		if n := len(merged); n > 0 && s.Start < merged[n-1][1] {
			if s.End > merged[n-1][1] {
				merged[n-1][1] = s.End
			}
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
		lead := s[:len(s)-len(core)]
		trimmed := strings.TrimRightFunc(core, unicode.IsSpace)
		segs = append(segs, textSeg{text: s, lead: lead, core: trimmed, trail: core[len(trimmed):]})
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

// assemble joins the segments, replacing free cores by cuts where given.
func assemble(segs []textSeg, cuts []*string) string {
	var b strings.Builder
	for i, s := range segs {
		if s.protected || cuts[i] == nil {
			b.WriteString(s.text)
			continue
		}
		c := *cuts[i]
		if c != "" {
			trail := s.trail
			if trail == "" && i+1 < len(segs) {
				// "…" is a domain character to twitter-text: glued to a
				// following bare domain it would change that URL.
				trail = " "
			}
			b.WriteString(s.lead + c + trail)
			continue
		}
		switch ws := s.lead + s.trail; {
		case strings.Contains(ws, "\n"):
			b.WriteString("\n")
		case ws != "" || (i > 0 && i < len(segs)-1):
			b.WriteString(" ") // keep neighbouring tokens apart
		}
	}
	return CleanSpace(b.String())
}

// wordPrefixes returns the prefixes of s that end before a run of whitespace,
// trailing punctuation removed, longest first. Empty prefixes are left out.
func wordPrefixes(s string) []string {
	var out []string
	for i := len(s); i > 0; {
		r, size := utf8.DecodeLastRuneInString(s[:i])
		i -= size
		if !unicode.IsSpace(r) {
			continue
		}
		p := strings.TrimRightFunc(s[:i], func(r rune) bool {
			return unicode.IsSpace(r) || strings.ContainsRune(",;:.–—-(/", r)
		})
		if p != "" && (len(out) == 0 || out[len(out)-1] != p) {
			out = append(out, p)
		}
	}
	return out
}

// graphemeCut cuts the first word of core between grapheme clusters, the
// longest cut that fits (found by binary search over the cluster count).
func graphemeCut(core string, try func(string) (string, bool)) (string, bool) {
	first := core
	if i := strings.IndexFunc(core, unicode.IsSpace); i >= 0 {
		first = core[:i]
	}
	var bounds []int // byte ends of the clusters
	g := uniseg.NewGraphemes(first)
	for g.Next() {
		_, e := g.Positions()
		bounds = append(bounds, e)
	}
	lo, hi := 1, len(bounds)-1 // keep at least one cluster, cut at least one
	best, bestRes := -1, ""
	for lo <= hi {
		mid := (lo + hi) / 2
		if res, ok := try(first[:bounds[mid-1]] + Ellipsis); ok {
			best, bestRes = mid, res
			lo = mid + 1
		} else {
			hi = mid - 1
		}
	}
	return bestRes, best > 0
}
