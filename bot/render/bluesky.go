package render

import (
	"sort"

	"github.com/lumohanke/lumobot/bot/render/internal/richtext"
)

// Facet kinds.
const (
	FacetLink = richtext.Link
	FacetTag  = richtext.Tag
)

// Facet is a Bluesky rich-text facet found in a text: Kind FacetLink with Value the URI, or
// FacetTag with Value the tag (a cashtag as "$" and its ticker in upper case).
type Facet struct {
	Span
	Kind, Value string
}

// BlueskyFacets finds the links, hashtags and cashtags of text as @atproto/api 0.21.0's
// RichText does (links with http(s):// and bare domains such as "www.koske.fi/tapahtumat",
// tags such as "#Sote-uudistus", cashtags such as "$AAPL"), with two deliberate
// differences: trailing punctuation and quotes never end a link (RichText keeps a second
// "." of "..", a quote, or a ")" when the link has a "("), and "HTTPS://" in capitals is
// linked. Offsets are UTF-8 bytes, sorted by start.
func BlueskyFacets(text string) []Facet { return facets(text, richtext.Options{}) }

// blueskyFacetsExact is RichText without the deliberate differences, for the tests.
func blueskyFacetsExact(text string) []Facet { return facets(text, richtext.Options{Exact: true}) }

func facets(text string, opts richtext.Options) []Facet {
	fs := richtext.Detect(text, opts)
	if len(fs) == 0 {
		return nil
	}
	out := make([]Facet, len(fs))
	for i, f := range fs {
		out[i] = Facet{Span: Span{Start: f.Start, End: f.End, Text: text[f.Start:f.End]}, Kind: f.Kind, Value: f.Value}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Start < out[b].Start })
	return out
}
