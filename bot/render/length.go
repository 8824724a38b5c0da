package render

import (
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// Platform limits.
const (
	XLimit        = 280 // weighted, see XLength
	MastodonLimit = 500 // default; instances may configure another
	BlueskyLimit  = 300 // grapheme clusters
	URLLength     = 23  // what X and Mastodon count for every URL
)

// weightRange gives code points start..end (inclusive) a weight.
type weightRange struct{ start, end, weight int }

// tweetConfig is a twitter-text configuration (config/v2.json, v3.json).
type tweetConfig struct {
	maxWeightedTweetLength int
	scale                  int
	defaultWeight          int
	emojiParsingEnabled    bool
	transformedURLLength   int
	ranges                 []weightRange
}

// configV3 is twitter-text's config/v3.json, what X counts with today.
var configV3 = tweetConfig{
	maxWeightedTweetLength: 280,
	scale:                  100,
	defaultWeight:          200,
	emojiParsingEnabled:    true,
	transformedURLLength:   23,
	ranges: []weightRange{
		{0, 4351, 100},
		{8192, 8205, 100},
		{8208, 8223, 100},
		{8242, 8247, 100},
	},
}

// tweetResult is twitter-text's parseTweet result. Indices are UTF-16 code
// units of the text as given, ranges inclusive.
type tweetResult struct {
	weightedLength    int
	valid             bool
	permillage        int
	displayRangeStart int
	displayRangeEnd   int
	validRangeStart   int
	validRangeEnd     int
}

// XLength returns the length X counts for text: twitter-text v3's weighted
// length. The text is NFC-normalized first; every URL (see URLs) counts 23;
// every emoji (a grapheme cluster that is an emoji, including ZWJ sequences,
// skin tones, flags and keycaps) counts 2; other code points count 1 when in
// U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F or U+2032–U+2037, else 2.
// The limit is XLimit (280).
func XLength(text string) int {
	return parseTweet(text, &configV3).weightedLength
}

// MastodonLength returns the length Mastodon counts for text: characters
// (Unicode code points), with every http(s) URL counted as urlLength (23 by
// default). Mastodon does not shorten bare domains, so they count in full.
// The server itself counts grapheme clusters, which are never more than code
// points, so this count is never below the server's.
func MastodonLength(text string, urlLength int) int {
	n := 0
	last := 0
	for _, u := range protocolURLs(text) {
		n += utf8.RuneCountInString(text[last:u.Start]) + urlLength
		last = u.End
	}
	return n + utf8.RuneCountInString(text[last:])
}

// GraphemeLength returns the number of grapheme clusters of text (extended
// clusters per UAX #29, as rivo/uniseg segments them): Bluesky's count, limit
// BlueskyLimit (300).
func GraphemeLength(text string) int {
	return uniseg.GraphemeClusterCount(text)
}

func parseTweet(text string, cfg *tweetConfig) tweetResult {
	n := norm.NFC.String(text)
	urlEnd := map[int]int{}
	for _, u := range URLs(n) {
		urlEnd[u.Start] = u.End
	}
	var emojiEnd map[int]int
	if cfg.emojiParsingEnabled {
		emojiEnd = emojiClusters(n)
	}
	max := cfg.maxWeightedTweetLength * cfg.scale
	weighted := 0
	valid := true
	validDisplay := 0
	idx := 0 // UTF-16 index of the current position
	for i := 0; i < len(n); {
		var end, weight int
		var lastUnit rune // the last UTF-16 code unit of what is counted
		if e, ok := urlEnd[i]; ok {
			end = e
			weight = cfg.transformedURLLength * cfg.scale
		} else if e, ok := emojiEnd[i]; ok {
			end = e
			weight = cfg.defaultWeight
		} else {
			r, size := utf8.DecodeRuneInString(n[i:])
			end = i + size
			unit := r
			if r >= 0x10000 {
				unit = 0xDC00 + (r-0x10000)&0x3FF // JavaScript weighs the low surrogate
			}
			weight = cfg.weight(unit)
		}
		seg := n[i:end]
		lastR, _ := utf8.DecodeLastRuneInString(seg)
		lastUnit = lastR
		idx += utf16Len(seg)
		weighted += weight
		if valid {
			valid = !(lastUnit == 0xFFFE || lastUnit == 0xFEFF || lastUnit == 0xFFFF)
		}
		if valid && weighted <= max {
			validDisplay = idx - 1
		}
		i = end
	}
	res := tweetResult{
		weightedLength: (weighted + cfg.scale - 1) / cfg.scale,
	}
	res.valid = valid && weighted > 0 && weighted <= max
	res.permillage = weighted * 1000 / max
	origLen := utf16Len(text)
	if origLen > 0 {
		res.displayRangeEnd = origLen - 1
	}
	res.validRangeEnd = validDisplay + origLen - idx
	return res
}

func (c *tweetConfig) weight(unit rune) int {
	for _, r := range c.ranges {
		if int(unit) >= r.start && int(unit) <= r.end {
			return r.weight
		}
	}
	return c.defaultWeight
}

// emojiClusters maps the byte offset of every grapheme cluster of s that is an
// emoji to its end. A cluster is an emoji when
//   - it is a pair of regional indicators (a flag), or
//   - it is a keycap: [0-9#*], optional U+FE0F, U+20E3, or
//   - it starts with © or ® followed by U+FE0F, or
//   - it starts with a pictographic code point (U+203C and above: symbols,
//     dingbats, emoji) and carries an emoji marker: U+FE0F, a skin-tone
//     modifier, a ZWJ joining another code point, or tag characters.
//
// A single code point is never reported: on its own it weighs the same
// either way, except © and ® which twemoji counts as text unless they carry
// U+FE0F.
func emojiClusters(s string) map[int]int {
	var m map[int]int
	state := -1
	for pos := 0; pos < len(s); {
		cluster, _, _, newState := uniseg.FirstGraphemeClusterInString(s[pos:], state)
		state = newState
		if isEmojiCluster(cluster) {
			if m == nil {
				m = map[int]int{}
			}
			m[pos] = pos + len(cluster)
		}
		pos += len(cluster)
	}
	return m
}

func isEmojiCluster(c string) bool {
	rs := []rune(c)
	if len(rs) < 2 {
		return false
	}
	first := rs[0]
	if isRegionalIndicator(first) && isRegionalIndicator(rs[1]) {
		return true
	}
	if first == '#' || first == '*' || first >= '0' && first <= '9' {
		return rs[1] == 0x20E3 || len(rs) > 2 && rs[1] == 0xFE0F && rs[2] == 0x20E3
	}
	if first == 0xA9 || first == 0xAE {
		return rs[1] == 0xFE0F
	}
	if first < 0x203C {
		return false
	}
	for i, r := range rs[1:] {
		switch {
		case r == 0xFE0F, r >= 0x1F3FB && r <= 0x1F3FF, r >= 0xE0020 && r <= 0xE007F:
			return true
		case r == 0x200D && i+2 < len(rs):
			return true
		}
	}
	return false
}

func isRegionalIndicator(r rune) bool { return r >= 0x1F1E6 && r <= 0x1F1FF }
