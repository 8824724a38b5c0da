package render_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot/render"
)

// entityStrings writes spans as the reference does: start, end, and the value without its
// sign ('#', '$', '@').
func entityStrings(ss []render.Span, sign bool) []string {
	var out []string
	for _, s := range ss {
		v := s.Text
		if sign {
			_, size := utf8.DecodeRuneInString(v)
			v = v[size:]
		}
		out = append(out, fmt.Sprintf("%d %d %s", s.Start, s.End, v))
	}
	return out
}

func facetStrings(fs []render.Facet) []string {
	var out []string
	for _, f := range fs {
		out = append(out, fmt.Sprintf("%d %d %s %s", f.Start, f.End, f.Kind, f.Value))
	}
	return out
}

// sortedFacets: RichText lists links, then tags, then cashtags; ours are sorted by start.
func sortedFacets(es [][]any) []string {
	out := refSpans(es)
	sort.SliceStable(out, func(a, b int) bool {
		var x, y int
		fmt.Sscan(out[a], &x)
		fmt.Sscan(out[b], &y)
		return x < y
	})
	return out
}

func TestReference(t *testing.T) {
	texts := append(corpus(600), conformanceTexts(t)...)
	ref := reference(t, texts)
	x, bs, bsOurs := newTally(), newTally(), newTally()
	mentions := 0
	for i, text := range texts {
		r := ref[i]
		x.total++
		p := render.ParseTweet(text)
		if p.WeightedLength != r.X.WeightedLength {
			x.add("weightedLength", text, p.WeightedLength, r.X.WeightedLength)
		}
		if p.Valid != r.X.Valid {
			x.add("valid", text, p.Valid, r.X.Valid)
		}
		if p.Permillage != r.X.Permillage || p.ValidRangeEnd != r.X.ValidRangeEnd {
			x.add("permillage/validRangeEnd", text, []int{p.Permillage, p.ValidRangeEnd}, []int{r.X.Permillage, r.X.ValidRangeEnd})
		}
		for _, c := range []struct {
			kind string
			got  []render.Span
			want [][]any
			sign bool
		}{
			{"urls", render.URLs(text), r.X.URLs, false},
			{"hashtags", render.Hashtags(text), r.X.Hashtags, true},
			{"cashtags", render.Cashtags(text), r.X.Cashtags, true},
			{"mentions", render.Mentions(text), r.X.Mentions, true},
		} {
			if got, want := entityStrings(c.got, c.sign), refSpans(c.want); !sameStrings(got, want) {
				x.add(c.kind, text, got, want)
			}
		}
		bs.total++
		if got := render.GraphemeLength(text); got != r.Bsky.GraphemeLength {
			bs.add("graphemeLength", text, got, r.Bsky.GraphemeLength)
		}
		// Mention facets need the handle resolved to a DID: lumobot makes none.
		var noMentions [][]any
		for _, f := range r.Bsky.Facets {
			if f[2] == "mention" {
				mentions++
				continue
			}
			noMentions = append(noMentions, f)
		}
		want := sortedFacets(noMentions)
		if got := facetStrings(render.BlueskyFacetsExact(text)); !sameStrings(got, want) {
			bs.add("facets (exact)", text, got, want)
		}
		bsOurs.total++
		if got := facetStrings(render.BlueskyFacets(text)); !sameStrings(got, want) {
			if !deliberate(text, render.BlueskyFacets(text), render.BlueskyFacetsExact(text)) {
				bsOurs.add("facets (not deliberate)", text, got, want)
			} else {
				bsOurs.diffs["deliberate"]++ // counted, not failed
			}
		}
	}
	x.report(t, "X (twitter-text 3.1.0)", true)
	bs.report(t, fmt.Sprintf("Bluesky (@atproto/api 0.21.0 RichText; %d mention facets not made)", mentions), true)
	d := bsOurs.diffs["deliberate"]
	delete(bsOurs.diffs, "deliberate")
	bsOurs.report(t, fmt.Sprintf("Bluesky facets as posted (%d deliberate differences)", d), true)
}

// deliberate reports whether ours differs from RichText's (exact) only in the documented
// ways: a link that ends earlier by trailing punctuation or quotes, or a link RichText
// leaves out because its scheme is in capitals.
func deliberate(text string, ours, exact []render.Facet) bool {
	j := 0
	for _, f := range ours {
		if j < len(exact) && exact[j].Start == f.Start {
			e := exact[j]
			j++
			if e == f {
				continue
			}
			if f.Kind != render.FacetLink || e.Kind != render.FacetLink || f.End > e.End ||
				strings.Trim(text[f.End:e.End], ".,;:!?'\"”’»)") != "" {
				return false
			}
			continue
		}
		if f.Kind != render.FacetLink || strings.HasPrefix(f.Text, "http") {
			return false
		}
	}
	return j == len(exact)
}
