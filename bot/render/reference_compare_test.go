package render_test

import (
	"fmt"
	"testing"

	"github.com/lumohanke/lumobot/bot/platform/bluesky"
	"github.com/lumohanke/lumobot/bot/render"
)

func spanStrings(text string, ss []render.Span, value func(string) string) []string {
	var out []string
	for _, s := range ss {
		out = append(out, fmt.Sprintf("%d %d %s", s.Start, s.End, value(s.Text)))
	}
	return out
}

func same(s string) string { return s }

func TestReference(t *testing.T) {
	texts := append(corpus(600), conformanceTexts(t)...)
	ref := reference(t, texts)
	x, bs := newTally(), newTally()
	for i, text := range texts {
		r := ref[i]
		x.total++
		if got := render.XLength(text); got != r.X.WeightedLength {
			x.add("weightedLength", text, got, r.X.WeightedLength)
		}
		if got, want := spanStrings(text, render.URLs(text), same), refSpans(r.X.URLs); !sameStrings(got, want) {
			x.add("urls", text, got, want)
		}
		if got, want := spanStrings(text, render.Hashtags(text), func(s string) string { _, size := firstRune(s); return s[size:] }), refSpans(r.X.Hashtags); !sameStrings(got, want) {
			x.add("hashtags", text, got, want)
		}
		if len(r.X.Cashtags) > 0 {
			x.add("cashtags (not found)", text, nil, refSpans(r.X.Cashtags))
		}
		if len(r.X.Mentions) > 0 {
			x.add("mentions (not found)", text, nil, refSpans(r.X.Mentions))
		}
		bs.total++
		if got := render.GraphemeLength(text); got != r.Bsky.GraphemeLength {
			bs.add("graphemeLength", text, got, r.Bsky.GraphemeLength)
		}
		var facets []string
		for _, f := range bluesky.Facets(text) {
			for _, ft := range f.Features {
				kind, v := "link", ft.URI
				if ft.Type == bluesky.TypeTag {
					kind, v = "tag", ft.Tag
				}
				facets = append(facets, fmt.Sprintf("%d %d %s %s", f.Index.ByteStart, f.Index.ByteEnd, kind, v))
			}
		}
		if want := refSpans(r.Bsky.Facets); !sameStrings(facets, want) {
			bs.add("facets", text, facets, want)
		}
	}
	x.report(t, "X (twitter-text 3.1.0)", false)
	bs.report(t, "Bluesky (@atproto/api 0.21.0 RichText)", false)
}

func firstRune(s string) (rune, int) {
	for i, r := range s {
		if i > 0 {
			return r, i
		}
		_ = r
	}
	for _, r := range s {
		return r, len(string(r))
	}
	return 0, 0
}
