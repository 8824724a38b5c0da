package news

import (
	"fmt"
	"mime"
	"net/url"
	"path"
	"slices"
	"strings"

	"github.com/mmcdole/gofeed"
	ext "github.com/mmcdole/gofeed/extensions"

	"github.com/lumohanke/lumobot/feeds"
)

// source is what image needs to know of the feed an item is in.
type source struct {
	jsonFeed bool
	// logo is the feed's own image (RSS <image>, Atom logo or icon, JSON
	// Feed icon), resolved: an item "image" that is the site's logo or
	// favicon (what some generators fill in for a post without a picture)
	// does not illustrate the item.
	logo string
}

// A candidate is one picture an item names, with what is known of it.
type candidate struct {
	field string // where it was found, for a warning: "media:content"
	url   string
	typ   string
	// levels are the Media RSS elements whose media:description and
	// media:title speak for it, innermost first; its alt text is read from
	// them only for the candidate taken (see altText).
	levels []map[string][]ext.Extension
}

// image picks an item's picture: the first usable of, in this order,
//
//   - a JSON Feed item's image, else its banner_image;
//   - a Media RSS media:content that is an image (by its type, by
//     medium="image", or, with neither stated, by the file name's
//     extension) at item level, then inside each media:group (its
//     isDefault content first);
//   - an RSS <enclosure>, Atom <link rel="enclosure"> or JSON Feed
//     attachment of an image type;
//   - a media:thumbnail at item level, in a group, or in a media:content
//     (a video's thumbnail stands for the video).
//
// Full pictures come before thumbnails, which platforms would show
// blurred. A picture named with a query (WordPress.com names the featured
// image first as "x.jpg?w=100", a hundred pixels wide) gives way to the
// same file named without one, when the item names that too. Each comes
// with the text alternative its own Media RSS context gives (see altText).
// A candidate whose URL is not a web URL is skipped with a warning.
// Skipped silently, because they do not illustrate the item: the feed's
// own logo (see source) and the author avatars that WordPress.com adds to
// every item as a media:content (Gravatar).
func image(it *gofeed.Item, base *url.URL, itemTitle string, src source) (*feeds.Image, []string) {
	var problems []string
	for _, c := range candidates(it, src.jsonFeed) {
		raw := strings.TrimSpace(c.url)
		if raw == "" {
			continue
		}
		if len(raw) > maxLink {
			problems = append(problems, fmt.Sprintf("%s URL of %d bytes: ignored", c.field, len(raw)))
			continue
		}
		u := resolve(base, raw)
		if u == "" {
			problems = append(problems, fmt.Sprintf("%s URL %q is no http(s) URL: ignored", c.field, clipRaw(raw)))
			continue
		}
		if avatar(u) || u == src.logo {
			continue
		}
		return &feeds.Image{URL: u, Alt: altText(u, itemTitle, c.levels...), Type: c.typ}, problems
	}
	return nil, problems
}

// maxCandidates bounds the pictures of one item that are looked at, so
// that an item naming thousands costs no more than one naming a few.
const maxCandidates = 64

func candidates(it *gofeed.Item, jsonFeed bool) []candidate {
	out := make([]candidate, 0, 4)
	add := func(c candidate) {
		if len(out) < maxCandidates {
			out = append(out, c)
		}
	}
	if jsonFeed && it.Image != nil {
		// gofeed puts a JSON Feed item's image, else its banner_image, here.
		// For RSS it holds itunes:image (a podcast's episode art), or what
		// we read below, so it is read for JSON Feed only.
		add(candidate{field: "image", url: it.Image.URL})
	}

	media := it.Extensions["media"]
	top := media // the item level of the Media RSS hierarchy
	groups := media["group"]
	for _, c := range media["content"] {
		if isImageContent(c) {
			add(mediaCandidate(c, c.Children, top))
		}
	}
	for _, g := range groups {
		contents := g.Children["content"]
		if len(contents) > maxCandidates {
			contents = contents[:maxCandidates]
		}
		contents = slices.Clone(contents)
		slices.SortStableFunc(contents, func(a, b ext.Extension) int {
			return boolOrder(isDefault(a), isDefault(b))
		})
		for _, c := range contents {
			if isImageContent(c) {
				add(mediaCandidate(c, c.Children, g.Children, top))
			}
		}
	}

	for _, e := range it.Enclosures {
		if e == nil {
			continue
		}
		if typ := imageType(e.Type); typ != "" || strings.TrimSpace(e.Type) == "" && imageExt(e.URL) {
			add(candidate{field: "enclosure", url: e.URL, typ: typ})
		}
	}

	for _, t := range media["thumbnail"] {
		add(thumbCandidate(t, top))
	}
	for _, g := range groups {
		for _, t := range g.Children["thumbnail"] {
			add(thumbCandidate(t, g.Children, top))
		}
		for _, c := range g.Children["content"] {
			for _, t := range c.Children["thumbnail"] {
				add(thumbCandidate(t, c.Children, g.Children, top))
			}
		}
	}
	for _, c := range media["content"] {
		for _, t := range c.Children["thumbnail"] {
			add(thumbCandidate(t, c.Children, top))
		}
	}
	preferOriginals(out)
	return out
}

// preferOriginals replaces a picture named with a query by a full-size
// picture (not a thumbnail) of the same file named without one.
func preferOriginals(cs []candidate) {
	for i := range cs {
		u, err := url.Parse(strings.TrimSpace(cs[i].url))
		if err != nil || u.RawQuery == "" {
			continue
		}
		for _, o := range cs {
			if o.field == "media:thumbnail" {
				continue
			}
			v, err := url.Parse(strings.TrimSpace(o.url))
			if err != nil || v.RawQuery != "" || v.Fragment != "" || v.Scheme != u.Scheme || v.Host != u.Host || v.Path != u.Path {
				continue
			}
			cs[i].url = o.url
			if cs[i].typ == "" {
				cs[i].typ = o.typ
			}
			// Its own context speaks for it first, then the original's.
			cs[i].levels = append(slices.Clip(cs[i].levels), o.levels...)
			break
		}
	}
}

func mediaCandidate(c ext.Extension, levels ...map[string][]ext.Extension) candidate {
	return candidate{field: "media:content", url: c.Attrs["url"], typ: imageType(c.Attrs["type"]), levels: levels}
}

func thumbCandidate(t ext.Extension, levels ...map[string][]ext.Extension) candidate {
	return candidate{field: "media:thumbnail", url: t.Attrs["url"], levels: levels}
}

// altText is the text alternative of a picture from its Media RSS levels,
// innermost first (the media:content, its media:group, the item): the
// first media:description found, else the first media:title. A text that
// says nothing about the picture is passed over: the item's own title
// (YouTube repeats it as media:title; using the headline as alt text is
// the operator's choice, made in a template) and the picture's file name
// (WordPress.com puts "img_0042" in media:title).
func altText(imageURL, itemTitle string, levels ...map[string][]ext.Extension) string {
	for _, name := range []string{"description", "title"} {
		for _, level := range levels {
			for _, e := range level[name] {
				alt := plainAlt(e)
				if alt == "" || strings.EqualFold(alt, itemTitle) || isFileName(alt, imageURL) {
					continue
				}
				return feeds.Clip(alt, feeds.MaxAlt)
			}
		}
	}
	return ""
}

// plainAlt is a media:description or media:title as plain text. Media RSS
// says type="plain" (the default) or "html"; plain text is read as titles
// are (entities decoded, tags of HTML names removed), since feeds escape
// it as often as not.
func plainAlt(e ext.Extension) string {
	if strings.EqualFold(strings.TrimSpace(e.Attrs["type"]), "html") {
		return PlainText(e.Value)
	}
	return title(e.Value)
}

// isFileName reports whether alt is only the name of the picture's file,
// with or without its extension.
func isFileName(alt, imageURL string) bool {
	u, err := url.Parse(imageURL)
	if err != nil {
		return false
	}
	file := path.Base(u.Path)
	if file == "." || file == "/" {
		return false
	}
	stem := strings.TrimSuffix(file, path.Ext(file))
	alt = strings.ToLower(alt)
	return alt == strings.ToLower(file) || alt == strings.ToLower(stem)
}

// isImageContent reports whether a media:content is a picture: its type
// says so, or, with no type, medium="image" does, or, with neither, its
// file name's extension.
func isImageContent(c ext.Extension) bool {
	if t := strings.TrimSpace(c.Attrs["type"]); t != "" {
		return imageType(t) != ""
	}
	switch strings.ToLower(strings.TrimSpace(c.Attrs["medium"])) {
	case "image":
		return true
	case "":
		return imageExt(c.Attrs["url"])
	}
	return false
}

func isDefault(c ext.Extension) bool {
	return strings.EqualFold(strings.TrimSpace(c.Attrs["isDefault"]), "true")
}

// boolOrder sorts true before false.
func boolOrder(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// imageType is t as a lower-case image/* media type without parameters,
// or empty when t is no image type.
func imageType(t string) string {
	mt, _, err := mime.ParseMediaType(strings.TrimSpace(t))
	if err != nil || !strings.HasPrefix(mt, "image/") || len(mt) > 100 {
		return ""
	}
	return mt
}

// imageExt reports whether a URL's path names a file of a picture type.
func imageExt(raw string) bool {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return false
	}
	switch strings.ToLower(path.Ext(u.Path)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp", ".avif":
		return true
	}
	return false
}

// avatar reports whether an image URL is a Gravatar, the author's avatar
// that WordPress.com feeds add to every item as a media:content.
func avatar(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "gravatar.com" || strings.HasSuffix(h, ".gravatar.com")
}
