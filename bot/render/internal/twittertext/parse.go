package twittertext

import (
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// WeightRange gives the code points Start..End (inclusive) a weight.
type WeightRange struct{ Start, End, Weight int }

// Config is a twitter-text configuration (config/v3.json and its kin).
type Config struct {
	MaxWeightedTweetLength int
	Scale                  int
	DefaultWeight          int
	EmojiParsingEnabled    bool
	TransformedURLLength   int
	Ranges                 []WeightRange
}

// V3 is twitter-text's config/v3.json, its default and what X counts with.
var V3 = Config{
	MaxWeightedTweetLength: 280,
	Scale:                  100,
	DefaultWeight:          200,
	EmojiParsingEnabled:    true,
	TransformedURLLength:   23,
	Ranges: []WeightRange{
		{0, 4351, 100},
		{8192, 8205, 100},
		{8208, 8223, 100},
		{8242, 8247, 100},
	},
}

// Result is parseTweet's answer. Ranges are inclusive UTF-16 indices into the text as given.
type Result struct {
	WeightedLength    int
	Valid             bool
	Permillage        int
	DisplayRangeStart int
	DisplayRangeEnd   int
	ValidRangeStart   int
	ValidRangeEnd     int
}

// Parse is parseTweet(text, cfg): the text NFC-normalized, every URL weighs
// TransformedURLLength, every emoji twemoji-parser knows DefaultWeight, any other character
// the weight of its range (a character outside the BMP: of its low surrogate); the text is
// invalid when empty, too long, or when it has U+FFFE, U+FEFF or U+FFFF.
func Parse(text string, cfg *Config) Result {
	n := norm.NFC.String(text)
	urlEnd := map[int]int{}
	for _, u := range URLs(n, true) {
		urlEnd[u.Start] = u.End
	}
	emojiEnd := map[int]int{}
	if cfg.EmojiParsingEnabled {
		for _, e := range Emoji(n) {
			emojiEnd[e[0]] = e[1]
		}
	}
	maxW := cfg.MaxWeightedTweetLength * cfg.Scale
	weighted, valid, validDisplay, idx := 0, true, 0, 0
	for i := 0; i < len(n); {
		end, weight := 0, 0
		if e, ok := urlEnd[i]; ok {
			end, weight = e, cfg.TransformedURLLength*cfg.Scale
		} else if e, ok := emojiEnd[i]; ok {
			end, weight = e, cfg.DefaultWeight
		} else {
			r, size := decode(n, i)
			end = i + size
			unit := r
			if r >= 0x10000 {
				unit = 0xDC00 + (r-0x10000)&0x3FF
			}
			weight = cfg.weight(unit)
		}
		idx += UTF16Len(n[i:end])
		weighted += weight
		if valid {
			last, _ := utf8.DecodeLastRuneInString(n[i:end])
			valid = !(last == 0xFFFE || last == 0xFEFF || last == 0xFFFF)
		}
		if valid && weighted <= maxW {
			validDisplay = idx - 1
		}
		i = end
	}
	origLen := UTF16Len(text)
	res := Result{WeightedLength: weighted / cfg.Scale}
	res.Permillage = int(float64(weighted) / float64(cfg.Scale) / float64(cfg.MaxWeightedTweetLength) * 1000)
	res.Valid = valid && weighted > 0 && weighted <= maxW
	if origLen > 0 {
		res.DisplayRangeEnd = origLen - 1
	}
	res.ValidRangeEnd = validDisplay + origLen - idx
	return res
}

func (c *Config) weight(unit rune) int {
	for _, r := range c.Ranges {
		if int(unit) >= r.Start && int(unit) <= r.End {
			return r.Weight
		}
	}
	return c.DefaultWeight
}
