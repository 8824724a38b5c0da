// Package page reads what a link card shows of a web page: its title,
// description and image, as the page states them for sharing (Open Graph,
// then Twitter card tags, then its <title> and meta description). It reads
// the head only, within a byte budget, so a hostile or huge page costs
// little.
package page

import (
	"bytes"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/lumohanke/lumobot/feeds"
)

// Card is what a link card shows of a page. Any field may be empty.
type Card struct {
	Title       string // plain text, at most MaxTitle characters
	Description string // plain text, at most MaxDescription characters
	Image       string // absolute http(s) URL
}

// Bounds on a card's texts (characters); a longer text is cut at a word
// boundary and ends with "…".
const (
	MaxTitle       = 300
	MaxDescription = 1000
)

// MaxScan is how much of a body Parse reads: the head of a page lies
// well within it (inline styles and scripts included), and what lies
// beyond is not read, however large the page.
const MaxScan = 1 << 20

// maxURL bounds an image URL (bytes); a longer one is no URL to fetch.
const maxURL = 4096

// Parse reads a page's card from its HTML body. contentType (may be empty)
// gives the charset, as may the page's <meta charset>; a body that is
// valid UTF-8 is read as UTF-8 whatever it declares. pageURL is where the
// page was fetched from: a relative image URL is resolved against it and
// the page's <base href>.
//
// Each field takes the first of: og:title, twitter:title, <title>;
// og:description, twitter:description, <meta name="description">;
// og:image:secure_url of the first image, og:image (or og:image:url),
// twitter:image (or twitter:image:src) that is a usable http(s) URL.
// Only the head is read: reading stops at </head>, at <body>, or after
// MaxScan bytes, and what is inside <script>, <style>, <noscript>,
// <template> and the like (a "meta tag" in a script's text, say) is not
// read. Entities are decoded, controls and invalid UTF-8 removed, white
// space collapsed.
func Parse(body []byte, contentType, pageURL string) Card {
	if len(body) > MaxScan {
		body = body[:MaxScan]
	}
	var f facts
	f.read(toUTF8(body, contentType))

	var c Card
	c.Title = clipWords(first(f.og["og:title"], f.tw["twitter:title"], f.title), MaxTitle)
	c.Description = clipWords(first(f.og["og:description"], f.tw["twitter:description"], f.description), MaxDescription)

	base := webURL(nil, pageURL)
	if b := webURL(base, f.base); b != nil {
		base = b
	}
	for _, raw := range []string{f.secure, f.og["og:image"], f.tw["twitter:image"], f.tw["twitter:image:src"]} {
		if u := webURL(base, raw); u != nil {
			c.Image = u.String()
			break
		}
	}
	return c
}

// facts are the raw values read from a head, the first of each.
type facts struct {
	og, tw      map[string]string // by property, lower case
	secure      string            // og:image:secure_url of the first og:image
	images      int               // og:image (and og:image:url) tags seen
	title       string
	description string
	base        string
}

// read tokenizes body until the end of its head. The tokenizer reads the
// text of script, style, textarea, title and the like as text, never as
// tags, so no markup inside them is seen.
func (f *facts) read(body []byte) {
	f.og = map[string]string{}
	f.tw = map[string]string{}
	z := html.NewTokenizer(bytes.NewReader(body))
	inTitle, seenTitle := false, false
	skip := 0 // depth inside <template> and foreign content, whose tags are not the page's
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return
		case html.TextToken:
			if inTitle && skip == 0 {
				f.title += string(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Head:
				return
			case atom.Title:
				inTitle = false
			case atom.Template, atom.Svg, atom.Math:
				if skip > 0 {
					skip--
				}
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Body:
				return
			case atom.Template, atom.Svg, atom.Math:
				if tt == html.StartTagToken {
					skip++
				}
				continue
			}
			if skip > 0 {
				continue
			}
			switch a {
			case atom.Title:
				// The first <title> only; its text is raw (RCDATA), so
				// it ends at </title> whatever it holds.
				inTitle = !seenTitle && tt == html.StartTagToken
				seenTitle = true
			case atom.Meta:
				if hasAttr {
					f.meta(attrs(z))
				}
			case atom.Base:
				if hasAttr && f.base == "" {
					f.base = attrs(z)["href"]
				}
			}
		}
	}
}

// attrs reads a tag's attributes, the first of each name (as HTML does).
func attrs(z *html.Tokenizer) map[string]string {
	m := map[string]string{}
	for {
		k, v, more := z.TagAttr()
		key := string(k) // the tokenizer lower-cases names
		if _, dup := m[key]; !dup {
			m[key] = string(v)
		}
		if !more {
			return m
		}
	}
}

// meta notes one <meta>. Open Graph's tags use property= and Twitter's
// name=, but pages mix them up, and both are read for both.
func (f *facts) meta(a map[string]string) {
	content, ok := a["content"]
	if !ok {
		return
	}
	key := strings.ToLower(strings.TrimSpace(a["property"]))
	if key == "" {
		key = strings.ToLower(strings.TrimSpace(a["name"]))
	}
	switch {
	case key == "og:image" || key == "og:image:url":
		// og:image:url is og:image by another name; each starts an image
		// whose structured properties (secure_url) follow it.
		f.images++
		if _, ok := f.og["og:image"]; !ok {
			f.og["og:image"] = content
		}
	case key == "og:image:secure_url":
		if f.images <= 1 && f.secure == "" {
			f.secure = content
		}
	case key == "og:title" || key == "og:description":
		if _, ok := f.og[key]; !ok {
			f.og[key] = content
		}
	case strings.HasPrefix(key, "twitter:"):
		if _, ok := f.tw[key]; !ok {
			f.tw[key] = content
		}
	case key == "description" && a["name"] != "":
		if f.description == "" {
			f.description = content
		}
	}
}

// first is the first of texts that is not empty once cleaned.
func first(texts ...string) string {
	for _, s := range texts {
		if s = clean(s); s != "" {
			return s
		}
	}
	return ""
}

// clean makes one line of plain text: what must not be posted removed
// (feeds.CleanText: controls, bidi overrides, invalid UTF-8 and the
// U+FFFD the tokenizer puts for NUL), white space collapsed.
func clean(s string) string {
	return strings.Join(strings.Fields(feeds.CleanText(s)), " ")
}

// clipWords cuts s to at most max characters, "…" included, after a whole
// word when a space lies in the last half of what is kept (else between
// grapheme clusters, as feeds.Clip does, for a text without spaces).
func clipWords(s string, max int) string {
	clipped := feeds.Clip(s, max)
	if clipped == s {
		return s
	}
	kept := strings.TrimSuffix(clipped, "…") // a prefix of s, cut between clusters
	if next, _ := utf8.DecodeRuneInString(s[len(kept):]); inWord(next) {
		if i := strings.LastIndexByte(kept, ' '); i > len(kept)/2 {
			kept = kept[:i]
		}
	}
	return strings.TrimRight(kept, " ,;:-–—") + "…"
}

// inWord reports whether r continues a word: a letter, digit or mark.
func inWord(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// webURL is raw resolved against base when it is an absolute http(s) URL
// with a host free of controls and of at most maxURL bytes, without
// userinfo; else nil.
func webURL(base *url.URL, raw string) *url.URL {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > maxURL {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	s := strings.ToLower(u.Scheme)
	if s != "http" && s != "https" || u.Host == "" || feeds.CleanText(u.Host) != u.Host || strings.ContainsAny(u.Host, " \t\n") {
		return nil
	}
	u.User = nil
	if len(u.String()) > maxURL {
		return nil
	}
	return u
}
