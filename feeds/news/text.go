package news

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/lumohanke/lumobot/feeds"
)

// PlainText converts an HTML fragment to one line of plain text: tags
// removed (with their attributes, so no link target or image is left in the
// text), the content of script, style and similar elements dropped,
// entities decoded (&auml; &ndash; &nbsp; &#8217; ...), every run of white
// space (line breaks and no-break spaces included) collapsed to one space,
// and the result trimmed. Block elements and <br> separate words. What
// must not be posted goes too: control and bidirectional formatting
// characters (feeds.CleanText) and references to entities that HTML does
// not know ("&lol9;").
func PlainText(s string) string {
	return plainText(s, false)
}

// plainText is PlainText; with keepUnknown, a tag whose name is not an
// HTML name ("Vector<int>" in a title) is kept as text.
func plainText(s string, keepUnknown bool) string {
	if strings.IndexAny(s, "<&") < 0 {
		return collapse(feeds.CleanText(s))
	}
	var b strings.Builder
	b.Grow(len(s))
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose text is not content
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if keepUnknown && skip == 0 {
				b.Write(z.Raw()) // an unfinished "tag" at the end: "x<y"
			}
			// Cleaning first: removing a control can bring an "&" and a
			// name together into an entity-shaped reference.
			return collapse(dropUnknownEntities(feeds.CleanText(b.String())))
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken, html.EndTagToken, html.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if a == 0 && keepUnknown {
				if skip == 0 {
					b.Write(z.Raw())
				}
				continue
			}
			if skipped[a] {
				switch tt {
				case html.StartTagToken:
					skip++
				case html.EndTagToken:
					if skip > 0 {
						skip--
					}
				}
				continue
			}
			if !inline[a] {
				b.WriteByte(' ')
			}
		}
	}
}

// skipped elements hold no readable content.
var skipped = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Template: true, atom.Noscript: true,
	atom.Iframe: true, atom.Object: true, atom.Svg: true, atom.Math: true,
	atom.Head: true, atom.Title: true, atom.Select: true, atom.Textarea: true,
}

// inline elements join their text to the text around them; every other tag
// (p, div, br, li, td, h1, ... and unknown ones) separates words.
var inline = map[atom.Atom]bool{
	atom.A: true, atom.Abbr: true, atom.B: true, atom.Bdi: true, atom.Bdo: true,
	atom.Cite: true, atom.Code: true, atom.Data: true, atom.Del: true, atom.Dfn: true,
	atom.Em: true, atom.Font: true, atom.I: true, atom.Ins: true, atom.Kbd: true,
	atom.Mark: true, atom.Q: true, atom.S: true, atom.Samp: true, atom.Small: true,
	atom.Span: true, atom.Strike: true, atom.Strong: true, atom.Sub: true, atom.Sup: true,
	atom.Time: true, atom.Tt: true, atom.U: true, atom.Var: true, atom.Wbr: true,
	atom.Big: true, atom.Nobr: true, atom.Label: true,
}

// collapse replaces every run of Unicode white space (including U+00A0 and
// line breaks) with one space and trims the ends.
func collapse(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
