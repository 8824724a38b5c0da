// Package twittertext is a port of twitter-text 3.1.0 (JavaScript), the library X counts
// and links posts with: parseTweet (weighted length and validity) and the extractors of
// URLs, hashtags, cashtags and mentions. It follows the library's regular expressions
// literally, including their quirks, but runs in time linear in the text where the
// expressions backtrack. Offsets are UTF-8 byte offsets into the text as given; lengths
// that twitter-text takes in UTF-16 code units are counted that way.
//
// The character classes, TLD lists and the emoji pattern are data generated from the npm
// packages (see package textdata); the differential test in bot/render compares every
// answer with the packages themselves.
package twittertext

import (
	"unicode"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot/render/internal/textdata"
)

// Entity is what an extractor found: Text is text[Start:End].
type Entity struct {
	Start, End int
	Text       string
}

var (
	domainChars      = textdata.Class("domain")
	pathChars        = textdata.Class("path")
	pathEndChars     = textdata.Class("pathEnd")
	queryChars       = textdata.Class("query")
	queryEndChars    = textdata.Class("queryEnd")
	precedingChars   = textdata.Class("preceding")
	asciiDomainChars = textdata.Class("asciiDomain")
	hashtagAlpha     = textdata.Class("hashtagAlpha")
	hashtagAlnum     = textdata.Class("hashtagAlnum")
	latinAccents     = textdata.Class("latinAccent")
	jsSpaces         = textdata.Class("jsSpace")
)

// decode returns the code point at s[i:] as JavaScript sees the text after it went through
// JSON: invalid UTF-8 is U+FFFD.
func decode(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	if c := s[i]; c < utf8.RuneSelf {
		return rune(c), 1
	}
	return utf8.DecodeRuneInString(s[i:])
}

func decodeLast(s string, i int) (rune, int) {
	if i <= 0 {
		return -1, 0
	}
	return utf8.DecodeLastRuneInString(s[:i])
}

// units is the length of r in UTF-16 code units.
func units(r rune) int {
	if r >= 0x10000 {
		return 2
	}
	return 1
}

// UTF16Len is the length of s in UTF-16 code units, as JavaScript's String.length.
func UTF16Len(s string) int {
	n := 0
	for _, r := range s {
		n += units(r)
	}
	return n
}

// fold is JavaScript's case-insensitive canonical form of a character (a non-Unicode
// regular expression with the i flag): its upper case, unless that is several characters
// or maps a non-ASCII character onto ASCII.
func fold(r rune) rune {
	switch r {
	case 0xDF, 0x149, 0x1F0, 0x390, 0x3B0, 0x587, 0x1E96, 0x1E97, 0x1E98, 0x1E99, 0x1E9A:
		return r // upper case is two or three characters
	}
	u := unicode.ToUpper(r)
	if r >= utf8.RuneSelf && u < utf8.RuneSelf {
		return r
	}
	return u
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// tldFollows reports whether a top-level domain may end before r: (?=[^0-9a-zA-Z@+-]|$).
func tldFollows(r rune) bool {
	return r < 0 || !(isASCIIAlnum(r) || r == '@' || r == '+' || r == '-')
}
