package bluesky

import "github.com/lumohanke/lumobot/bot/render"

// Facet is an app.bsky.richtext.facet: a span of the text in UTF-8 bytes
// and what it is.
type Facet struct {
	Index    ByteSlice `json:"index"`
	Features []Feature `json:"features"`
}

// ByteSlice is app.bsky.richtext.facet#byteSlice: [ByteStart, ByteEnd) in
// the UTF-8 bytes of the text.
type ByteSlice struct {
	ByteStart int `json:"byteStart"`
	ByteEnd   int `json:"byteEnd"`
}

// Feature is one facet feature: #link with URI, or #tag with Tag.
type Feature struct {
	Type string `json:"$type"`
	URI  string `json:"uri,omitempty"`
	Tag  string `json:"tag,omitempty"`
}

// Facet feature types.
const (
	TypeLink = "app.bsky.richtext.facet#link"
	TypeTag  = "app.bsky.richtext.facet#tag"
)

// Facets finds the links, hashtags and cashtags of text as Bluesky's own app does
// (@atproto/api's RichText, see render.BlueskyFacets for the two deliberate differences:
// trailing punctuation never ends a link, and "HTTPS://" in capitals is linked). Links
// include bare domains such as "www.koske.fi/tapahtumat" (their URI gets "https://");
// a cashtag is a tag "$" plus its ticker in upper case. Mentions get no facet: that needs
// the handle resolved to a DID. Offsets are UTF-8 byte offsets into text, sorted.
func Facets(text string) []Facet {
	var out []Facet
	for _, f := range render.BlueskyFacets(text) {
		ft := Feature{Type: TypeLink, URI: f.Value}
		if f.Kind == render.FacetTag {
			ft = Feature{Type: TypeTag, Tag: f.Value}
		}
		out = append(out, Facet{Index: ByteSlice{f.Start, f.End}, Features: []Feature{ft}})
	}
	return out
}
