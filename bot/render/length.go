package render

import (
	"github.com/lumohanke/lumobot/bot/render/internal/richtext"
	"github.com/lumohanke/lumobot/bot/render/internal/twittertext"
)

// Platform limits.
const (
	XLimit        = 280 // weighted, see XLength
	MastodonLimit = 500 // default; instances may configure another
	BlueskyLimit  = 300 // grapheme clusters
	URLLength     = 23  // what X and Mastodon count for every URL (Mastodon: by default)
)

// Span is a part of a text: Start and End are UTF-8 byte offsets (End exclusive), Text is
// text[Start:End].
type Span struct {
	Start, End int
	Text       string
}

// TweetResult is twitter-text's parseTweet answer; ranges are inclusive UTF-16 indices.
type TweetResult = twittertext.Result

// ParseTweet is twitter-text 3.1.0's parseTweet with its default configuration (v3), what
// X counts and checks posts with.
func ParseTweet(text string) TweetResult { return twittertext.Parse(text, &twittertext.V3) }

// XLength returns the length X counts for text: twitter-text 3.1.0's weighted length. The
// text is NFC-normalized; every URL (see URLs) counts 23; every emoji twemoji-parser 11
// knows counts 2 (a sequence it does not know counts its parts); other characters count 1
// in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F and U+2032–U+2037, else 2. The limit is
// XLimit (280).
func XLength(text string) int { return ParseTweet(text).WeightedLength }

// XValid reports whether X accepts text: not empty, within 280, and without U+FFFE, U+FEFF
// or U+FFFF. A text X refuses must not be posted there.
func XValid(text string) bool { return ParseTweet(text).Valid }

// GraphemeLength returns the number of grapheme clusters of text as Bluesky's RichText
// counts them (Intl.Segmenter; see internal/richtext for how rivo/uniseg's older Unicode is
// brought up to it): Bluesky's count, limit BlueskyLimit (300).
func GraphemeLength(text string) int { return richtext.GraphemeLen(text) }

// BlueskyLength is GraphemeLength, named for the platform.
func BlueskyLength(text string) int { return GraphemeLength(text) }

// URLs returns the URLs X links in text (twitter-text's extractUrlsWithIndices): http(s)
// URLs and bare domains such as "koske.fi", "thl.fi/lastensuojelu" or "esimerkki.äö.fi".
func URLs(text string) []Span { return spans(twittertext.URLs(text, true)) }

// protocolURLs returns only the URLs written with http:// or https://.
func protocolURLs(text string) []Span { return spans(twittertext.URLs(text, false)) }

// Hashtags returns the hashtags X finds in text, '#' included (twitter-text's rule: after
// the start or a character that is no letter, digit, '_' or '&'; at least one letter;
// not inside a URL). "#12345" is no hashtag, "#1st" is.
func Hashtags(text string) []Span { return spans(twittertext.Hashtags(text)) }

// Cashtags returns the cashtags X finds in text, '$' included ("$AAPL", "$BRK.A").
func Cashtags(text string) []Span { return spans(twittertext.Cashtags(text)) }

// Mentions returns the mentions X finds in text, '@' included.
func Mentions(text string) []Span { return spans(twittertext.Mentions(text)) }

func spans(es []twittertext.Entity) []Span {
	if len(es) == 0 {
		return nil
	}
	out := make([]Span, len(es))
	for i, e := range es {
		out[i] = Span(e)
	}
	return out
}
