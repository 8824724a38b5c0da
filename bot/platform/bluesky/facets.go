package bluesky

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

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

// maxTagLen is the longest tag Bluesky accepts, in characters.
const maxTagLen = 64

// Facets finds the links (http and https URLs) and hashtags of text, the
// way Bluesky's own clients detect them: a URL starts the text or follows
// white space or "(", and loses trailing punctuation that ends the sentence
// (a closing parenthesis only when the URL has no opening one); a hashtag
// starts the text or follows white space, runs to the next white space, loses
// trailing punctuation, must not be all digits and is at most 64 characters.
// Offsets are UTF-8 byte offsets into text, sorted.
func Facets(text string) []Facet {
	var out []Facet
	for i := 0; i < len(text); {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !startsToken(text, i) {
			i += size
			continue
		}
		switch {
		case hasSchemePrefix(text[i:]):
			end := i + tokenLen(text[i:])
			u := trimURL(text[i:end])
			if len(u) > len("https://") && !strings.HasSuffix(u, "://") {
				out = append(out, Facet{
					Index:    ByteSlice{i, i + len(u)},
					Features: []Feature{{Type: TypeLink, URI: u}},
				})
			}
			i = end
		case (r == '#' || r == '＃') && !isPrecededBy(text, i, '('):
			end := i + size + tagRunLen(text[i+size:])
			tag := strings.TrimRightFunc(text[i+size:end], unicode.IsPunct)
			if validTag(tag) {
				out = append(out, Facet{
					Index:    ByteSlice{i, i + size + len(tag)},
					Features: []Feature{{Type: TypeTag, Tag: tag}},
				})
			}
			i = end
		default:
			i += size
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Index.ByteStart < out[b].Index.ByteStart })
	return out
}

// startsToken reports whether a token may start at byte i: at the start of
// the text, after white space, or (for URLs) after "(".
func startsToken(text string, i int) bool {
	if i == 0 {
		return true
	}
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	return unicode.IsSpace(prev) || prev == '('
}

func isPrecededBy(text string, i int, r rune) bool {
	if i == 0 {
		return false
	}
	prev, _ := utf8.DecodeLastRuneInString(text[:i])
	return prev == r
}

func hasSchemePrefix(s string) bool {
	l := strings.ToLower(s[:min(len(s), 8)])
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// tokenLen is the length in bytes of the run of non-space characters that
// starts s.
func tokenLen(s string) int {
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return i
	}
	return len(s)
}

// tagRunLen is the length in bytes of a hashtag's characters: up to white
// space or an invisible separator.
func tagRunLen(s string) int {
	if strings.HasPrefix(s, "\ufe0f") { // "#️⃣" is the keycap emoji, not a tag
		return 0
	}
	if i := strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || isInvisible(r) }); i >= 0 {
		return i
	}
	return len(s)
}

func isInvisible(r rune) bool {
	switch r {
	case '\u00ad', '\u2060', '\u200a', '\u200b', '\u200c', '\u200d', '\u20e2':
		return true
	}
	return false
}

func validTag(tag string) bool {
	if tag == "" || utf8.RuneCountInString(tag) > maxTagLen {
		return false
	}
	return strings.ContainsFunc(tag, func(r rune) bool { return !unicode.IsDigit(r) && !unicode.IsPunct(r) })
}

// trimURL drops punctuation that ends a sentence rather than the URL: .,;:!?
// and quotes always, ")" when the URL opens fewer parentheses than it closes.
func trimURL(u string) string {
	for u != "" {
		r, size := utf8.DecodeLastRuneInString(u)
		switch {
		case strings.ContainsRune(".,;:!?'\"”’»", r):
			u = u[:len(u)-size]
		case r == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
			u = u[:len(u)-size]
		default:
			return u
		}
	}
	return u
}
