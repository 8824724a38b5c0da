// Package richtext is a port of @atproto/api's RichText facet detection (0.21.0,
// detectFacets): links with http(s):// and bare domains under a TLD of the tlds package,
// hashtags and cashtags, with offsets in UTF-8 bytes. Mentions are not detected: a mention
// facet needs the handle resolved to a DID, which lumobot does not do.
//
// Exact reproduces RichText, quirks included. The default differs on purpose in two ways
// (Options.Exact false), both to link what the writer meant:
//   - trailing punctuation: RichText drops one of .,;:!? and then one ")" when the link has
//     no "("; here every trailing .,;:!? and quote is dropped, and ")" while the link has
//     more ")" than "(";
//   - "HTTPS://" in capitals: RichText leaves it plain text; here the scheme is matched
//     case-insensitively and the link's URI gets it in lower case.
package richtext

import (
	"strings"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot/render/internal/textdata"
)

// Kind of a facet.
const (
	Link    = "link"
	Tag     = "tag"
	Mention = "mention"
)

// Facet is a detected span: Kind, and Value the link's URI or the tag (a cashtag as "$"
// and its ticker in upper case, as RichText stores it).
type Facet struct {
	Start, End  int
	Kind, Value string
}

// Options chooses between RichText's exact behaviour and lumobot's (see the package doc),
// and whether mentions are detected too (Kind Mention, Value the handle).
type Options struct{ Exact, Mentions bool }

var (
	jsSpace = textdata.Class("jsSpace")
	punct   = textdata.Class("punct")
	tlds    = func() map[string]bool {
		m := map[string]bool{}
		for _, t := range textdata.BlueskyTLDs() {
			m[t] = true
		}
		return m
	}()
)

func decode(s string, i int) (rune, int) {
	if i >= len(s) {
		return -1, 0
	}
	return utf8.DecodeRuneInString(s[i:])
}

func isSpace(r rune) bool { return r >= 0 && jsSpace.Has(r) }

// Detect returns the facets of text in RichText's order: links, then tags, then cashtags.
func Detect(text string, opts Options) []Facet {
	var out []Facet
	if opts.Mentions {
		out = mentions(text)
	}
	out = append(out, links(text, opts)...)
	out = append(out, tags(text)...)
	return append(out, cashtags(text)...)
}

// tokenStart reports whether a token may start at i: (^|\s|\() for links and cashtags
// (paren true), (^|\s) for tags. With the m flag ^ also follows a line break, which is a
// space anyway.
func tokenStart(s string, i int, paren bool) bool {
	if i == 0 {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:i])
	return isSpace(r) || paren && r == '('
}

// nonSpaceEnd is the end of the run of non-space characters at i.
func nonSpaceEnd(s string, i int) int {
	for i < len(s) {
		r, size := decode(s, i)
		if isSpace(r) {
			break
		}
		i += size
	}
	return i
}

// links is URL_REGEX's loop: /(^|\s|\()((https?:\/\/[\S]+)|((?<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[\S]*))/gim.
func links(s string, opts Options) []Facet {
	var out []Facet
	for i := 0; i < len(s); {
		if !tokenStart(s, i, true) {
			_, size := decode(s, i)
			i += size
			continue
		}
		start := i
		end, uri, ok := linkAt(s, i, opts)
		if end == 0 {
			_, size := decode(s, i)
			i += size
			continue
		}
		i = end
		if !ok {
			continue
		}
		e := end
		if opts.Exact {
			if strings.ContainsRune(".,;:!?", rune(uri[len(uri)-1])) {
				uri, e = uri[:len(uri)-1], e-1
			}
			if strings.HasSuffix(uri, ")") && !strings.Contains(uri, "(") {
				uri, e = uri[:len(uri)-1], e-1
			}
		} else {
			for {
				r, size := utf8.DecodeLastRuneInString(uri)
				if strings.ContainsRune(".,;:!?'\"”’»", r) || r == ')' && strings.Count(uri, "(") < strings.Count(uri, ")") {
					uri, e = uri[:len(uri)-size], e-size
					continue
				}
				break
			}
			if strings.HasSuffix(uri, "://") {
				continue
			}
		}
		out = append(out, Facet{Start: start, End: e, Kind: Link, Value: uri})
	}
	return out
}

// linkAt matches the link alternatives at i: the end of the match (0 when none), the URI
// and whether it is kept (a bare domain must end in a known TLD).
func linkAt(s string, i int, opts Options) (int, string, bool) {
	const https, http = "https://", "http://"
	for _, p := range []string{https, http} {
		if len(s)-i > len(p) && strings.EqualFold(s[i:i+len(p)], p) {
			end := nonSpaceEnd(s, i+len(p))
			if end == i+len(p) {
				break // [\S]+ needs one character
			}
			u := s[i:end]
			if !strings.HasPrefix(u, "http") {
				if opts.Exact {
					// matched case-insensitively but does not start with "http", and the
					// domain group did not take part: RichText drops it
					return end, "", false
				}
				u = strings.ToLower(u[:len(p)]) + u[len(p):]
			}
			return end, u, true
		}
	}
	// (?<domain>[a-z][a-z0-9]*(\.[a-z0-9]+)+)[\S]* with the i flag
	k := i
	if k >= len(s) || !isASCIILetter(s[k]) {
		return 0, "", false
	}
	for k < len(s) && isASCIIAlnum(s[k]) {
		k++
	}
	labels := 0
	for k+1 < len(s) && s[k] == '.' && isASCIIAlnum(s[k+1]) {
		k++
		for k < len(s) && isASCIIAlnum(s[k]) {
			k++
		}
		labels++
	}
	if labels == 0 {
		return 0, "", false
	}
	domain := s[i:k]
	end := nonSpaceEnd(s, k)
	if !validDomain(domain) {
		return end, "", false
	}
	return end, "https://" + s[i:end], true
}

// validDomain is isValidDomain: the domain ends in "." and a TLD of the list (case-sensitively).
func validDomain(d string) bool {
	for j := len(d) - 1; j > 0; j-- {
		if d[j] == '.' && tlds[d[j+1:]] {
			return true
		}
	}
	return false
}

// mentions is MENTION_REGEX's loop: /(^|\s|\()(@)([a-zA-Z0-9.-]+)(\b)/g, the handle ending
// in a known TLD (or ".test").
func mentions(s string) []Facet {
	var out []Facet
	last := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '@' || !leadingOK(s, i, last, true) {
			continue
		}
		k := i + 1
		for k < len(s) && (isASCIIAlnum(s[k]) || s[k] == '.' || s[k] == '-') {
			k++
		}
		// (\b) after a greedy run: back off to a word boundary
		boundary := func(k int) bool { return isWordByte(s[k-1]) != (k < len(s) && isWordByte(s[k])) }
		for k > i+1 && !boundary(k) {
			k--
		}
		if k == i+1 {
			continue
		}
		last = k
		h := s[i+1 : k]
		if !validDomain(h) && !strings.HasSuffix(h, ".test") {
			continue
		}
		out = append(out, Facet{Start: i, End: k, Kind: Mention, Value: h})
	}
	return out
}

func isWordByte(c byte) bool { return isASCIIAlnum(c) || c == '_' }

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isASCIIAlnum(c byte) bool  { return isASCIILetter(c) || c >= '0' && c <= '9' }
