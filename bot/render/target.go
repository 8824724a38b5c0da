package render

import "github.com/lumohanke/lumobot/bot/render/internal/richtext"

// A Target is what Shorten needs to know of a platform: its limit, how it counts, what it
// links or tags (the spans Shorten must keep whole and must not create) and whether it
// accepts a text.
type Target struct {
	Limit  int
	Length func(string) int
	// Entities returns what the platform links or tags in a text; nil means what any of
	// X, Mastodon and Bluesky would (see AllEntities).
	Entities func(string) []Span
	// Valid reports whether the platform accepts a text; nil accepts any.
	Valid func(string) bool
}

// X is X's target: XLength within XLimit, twitter-text's URLs (bare domains too),
// hashtags, cashtags and mentions, and XValid.
func X() Target {
	return Target{Limit: XLimit, Length: XLength, Entities: XEntities, Valid: XValid}
}

// Mastodon is an instance's target: limit its max_characters, urlLength its
// characters_reserved_per_url (0: the defaults, MastodonLimit and URLLength).
func Mastodon(limit, urlLength int) Target {
	if limit <= 0 {
		limit = MastodonLimit
	}
	if urlLength <= 0 {
		urlLength = URLLength
	}
	return Target{
		Limit:    limit,
		Length:   func(s string) int { return MastodonLength(s, urlLength) },
		Entities: MastodonEntities,
	}
}

// Bluesky is Bluesky's target: GraphemeLength within BlueskyLimit and the facets
// BlueskyFacets finds (lumobot sends those facets with the post).
func Bluesky() Target {
	return Target{Limit: BlueskyLimit, Length: GraphemeLength, Entities: BlueskyEntities}
}

// XEntities are the spans X links or tags in text.
func XEntities(text string) []Span {
	return concat(URLs(text), Hashtags(text), Cashtags(text), Mentions(text))
}

// MastodonEntities are the spans Mastodon links or tags: http(s) URLs, hashtags (by
// twitter-text's rule, close to Mastodon's) and mentions.
func MastodonEntities(text string) []Span {
	return concat(protocolURLs(text), Hashtags(text), MastodonMentions(text))
}

// BlueskyEntities are the spans of BlueskyFacets and, should the app detect them itself,
// of RichText's exact links, tags and mentions.
func BlueskyEntities(text string) []Span {
	var out []Span
	for _, f := range BlueskyFacets(text) {
		out = append(out, f.Span)
	}
	for _, f := range richtext.Detect(text, richtext.Options{Exact: true, Mentions: true}) {
		out = append(out, Span{Start: f.Start, End: f.End, Text: text[f.Start:f.End]})
	}
	return out
}

// AllEntities is what any platform links or tags, RichText's exact links included (the
// Bluesky app's, should it detect them itself): what Shorten keeps when it is not told the
// platform.
func AllEntities(text string) []Span {
	return concat(XEntities(text), MastodonMentions(text), BlueskyEntities(text))
}

func concat(lists ...[]Span) []Span {
	var out []Span
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}
