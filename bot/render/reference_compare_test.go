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
	texts := append(corpus(corpusSize()), conformanceTexts(t)...)
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

// corpusSize: fewer stress texts under -short (and -race), all of them in CI's full run.
func corpusSize() int {
	if testing.Short() {
		return 500
	}
	return 1500
}

// entityValues are the texts the reference found, in order, whatever their offsets.
func entityValues(text string, lists ...[][]any) []string {
	var out []string
	for _, l := range lists {
		for _, e := range l {
			out = append(out, text[int(e[0].(float64)):int(e[1].(float64))])
		}
	}
	sort.Strings(out)
	return out
}

// TestReferenceShorten shortens every corpus text that is over X's or Bluesky's limit and
// asks the references whether the result fits, is valid, and has exactly the links, tags,
// cashtags and mentions of the original.
func TestReferenceShorten(t *testing.T) {
	texts := corpus(corpusSize())
	ref := reference(t, texts)
	type job struct {
		platform, in, out string
		r                 refAnswer
	}
	var jobs []job
	failed := map[string]int{}
	for i, text := range texts {
		r := ref[i]
		for _, p := range []struct {
			name string
			over bool
			t    render.Target
		}{
			{"x", r.X.WeightedLength > render.XLimit || !r.X.Valid, render.X()},
			{"bluesky", r.Bsky.GraphemeLength > render.BlueskyLimit, render.Bluesky()},
		} {
			if !p.over {
				continue
			}
			out, err := p.t.Shorten(text)
			if err != nil {
				failed[p.name]++
				continue
			}
			jobs = append(jobs, job{p.name, text, out, r})
		}
	}
	var outs []string
	for _, j := range jobs {
		outs = append(outs, j.out)
	}
	got := reference(t, outs)
	res := map[string]*tally{"x": newTally(), "bluesky": newTally()}
	for i, j := range jobs {
		g, ta := got[i], res[j.platform]
		ta.total++
		switch j.platform {
		case "x":
			if g.X.WeightedLength > render.XLimit || !g.X.Valid {
				ta.add("over the limit or invalid", j.out, g.X.WeightedLength, render.XLimit)
			}
			before := entityValues(j.in, j.r.X.URLs, j.r.X.Hashtags, j.r.X.Cashtags, j.r.X.Mentions)
			after := entityValues(j.out, g.X.URLs, g.X.Hashtags, g.X.Cashtags, g.X.Mentions)
			if !sameStrings(before, after) {
				ta.add("links or tags changed", j.out, after, before)
			}
		case "bluesky":
			if g.Bsky.GraphemeLength > render.BlueskyLimit {
				ta.add("over the limit", j.out, g.Bsky.GraphemeLength, render.BlueskyLimit)
			}
			if before, after := entityValues(j.in, j.r.Bsky.Facets), entityValues(j.out, g.Bsky.Facets); !sameStrings(before, after) {
				ta.add("facets changed", j.out, after, before)
			}
		}
	}
	res["x"].report(t, fmt.Sprintf("X: shortened texts (%d could not be shortened)", failed["x"]), true)
	res["bluesky"].report(t, fmt.Sprintf("Bluesky: shortened texts (%d could not be shortened)", failed["bluesky"]), true)
}
