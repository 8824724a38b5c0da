// Package news reads news feeds (RSS 2.0, RSS 1.0/RDF, Atom, JSON Feed)
// into feeds.Item values, with github.com/mmcdole/gofeed doing the format
// work. It parses a body that was fetched elsewhere (feeds.Fetcher).
package news

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/lumohanke/lumobot/feeds"
)

// ErrNotFeed is wrapped by the error for a body that is empty or is not
// RSS, Atom or JSON Feed (an HTML page, say).
var ErrNotFeed = errors.New("not a feed")

// Parse reads a feed document into items, in the feed's order.
//
// contentType (may be empty) supplies the charset of a body that is not
// UTF-8 and whose XML declaration names none; baseURL (may be empty) is where the document was fetched from, and
// resolves relative links together with the feed's own link and xml:base.
// Text fields come out as plain, trimmed text (see PlainText). Each item
// gets an ID: its GUID/id, else its link, else a hash of title and date.
// Only http and https links are kept; any other link is left empty.
func Parse(body []byte, contentType, baseURL string) ([]feeds.Item, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrNotFeed)
	}
	body = toUTF8(body, contentType)
	p := gofeed.NewParser()
	p.RSSTranslator = rssTranslator
	feed, err := p.Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, notFeedError(body, contentType)
	}
	if err != nil {
		return nil, fmt.Errorf("parse feed: %w", err)
	}
	if feed.FeedType == "json" && feed.FeedVersion == "" && len(feed.Items) == 0 {
		// gofeed takes any JSON object for a JSON Feed.
		return nil, fmt.Errorf("%w: a JSON document without a JSON Feed version or items", ErrNotFeed)
	}

	base := feedBase(feed.Link, baseURL, feed.FeedType == "atom")
	items := make([]feeds.Item, 0, len(feed.Items))
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		items = append(items, item(it, base))
	}
	return items, nil
}

// rssTranslator is gofeed's, without its search of every item's HTML for
// an image (an HTML parse of each description): items carry no image here,
// and the search cost about a sixth of a cold poll.
var rssTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}

func item(it *gofeed.Item, base *url.URL) feeds.Item {
	out := feeds.Item{
		Title:   title(it.Title),
		Link:    resolve(base, it.Link),
		Summary: PlainText(it.Description),
	}
	if out.Summary == "" {
		out.Summary = PlainText(it.Content)
	}
	if out.Link == "" {
		// An RSS <guid> is a permalink unless it says otherwise; a GUID
		// that is an absolute web URL serves as the link of an item
		// without one.
		if u, err := url.Parse(strings.TrimSpace(it.GUID)); err == nil && u.IsAbs() {
			out.Link = resolve(nil, u.String())
		}
	}
	switch {
	case it.PublishedParsed != nil && !it.PublishedParsed.IsZero():
		out.Published = it.PublishedParsed.UTC()
	case it.UpdatedParsed != nil && !it.UpdatedParsed.IsZero():
		out.Published = it.UpdatedParsed.UTC()
	default:
		out.Published = dctermsDate(it)
	}
	seen := make(map[string]bool, len(it.Categories))
	for _, c := range it.Categories {
		c = collapse(c)
		if c != "" && !seen[c] {
			seen[c] = true
			out.Categories = append(out.Categories, c)
		}
	}
	out.ID = strings.TrimSpace(it.GUID)
	if out.ID == "" {
		out.ID = out.Link
	}
	if out.ID == "" {
		out.ID = hashID(out.Title, out.Summary, out.Published)
	}
	return out
}

// dctermsDate reads the Dublin Core terms dates that gofeed leaves in
// Extensions (RSS 1.0 feeds use them): issued, else created, else
// modified, in W3C-DTF (RFC 3339 or a date alone).
func dctermsDate(it *gofeed.Item) time.Time {
	ext := it.Extensions["dcterms"]
	for _, name := range []string{"issued", "created", "date", "modified"} {
		for _, e := range ext[name] {
			v := strings.TrimSpace(e.Value)
			for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02"} {
				if t, err := time.Parse(layout, v); err == nil {
					return t.UTC()
				}
			}
		}
	}
	return time.Time{}
}

// hashID is the identity of an item that has neither GUID nor link: the
// hex SHA-256 (first 16 bytes) of title + "\n" + published (RFC 3339, UTC;
// the zero time when the item has no date). An item that has no title
// either is hashed on its summary instead, so that such items do not all
// share one ID.
func hashID(title, summary string, published time.Time) string {
	if title == "" {
		title = summary
	}
	sum := sha256.Sum256([]byte(title + "\n" + published.UTC().Format(time.RFC3339)))
	return hex.EncodeToString(sum[:16])
}

// title converts a feed title to plain text: entities decoded, HTML tags
// removed (a title may be HTML in Atom and, double-escaped, in RSS), white
// space collapsed. Unlike PlainText it keeps a "tag" that is no HTML name,
// as in "Vector<int>".
func title(s string) string {
	return plainText(s, true)
}

// feedBase is the base for relative item links. RSS and JSON Feed have
// no rule for them; the convention is the feed's own link (itself resolved
// against the document URL), else the document URL. Atom's rule (RFC 4287)
// is xml:base, which gofeed applies, else the document URL; the feed's
// link serves only when the document URL is not a web URL.
func feedBase(feedLink, baseURL string, atom bool) *url.URL {
	doc, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || !doc.IsAbs() {
		doc = nil
	}
	if atom && doc != nil && isWeb(doc) {
		return doc
	}
	if l, err := url.Parse(strings.TrimSpace(feedLink)); err == nil && feedLink != "" {
		if doc != nil {
			l = doc.ResolveReference(l)
		}
		if l.IsAbs() && isWeb(l) {
			return l
		}
	}
	return doc
}

// resolve makes link absolute against base and keeps it only when it is
// an http(s) URL; it never carries userinfo.
func resolve(base *url.URL, link string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	u, err := url.Parse(link)
	if err != nil {
		return ""
	}
	if base != nil {
		u = base.ResolveReference(u)
	}
	if !u.IsAbs() || !isWeb(u) || u.Host == "" {
		return ""
	}
	u.User = nil
	return u.String()
}

func isWeb(u *url.URL) bool {
	s := strings.ToLower(u.Scheme)
	return s == "http" || s == "https"
}

func notFeedError(body []byte, contentType string) error {
	what := "no RSS, Atom or JSON Feed root"
	mt, _, _ := mime.ParseMediaType(contentType)
	head := bytes.ToLower(body[:min(len(body), 1024)])
	switch {
	case mt == "text/html" || bytes.Contains(head, []byte("<html")) || bytes.Contains(head, []byte("<!doctype html")):
		what = "an HTML page (the site's page, not its feed?)"
	case mt == "text/calendar" || bytes.Contains(head, []byte("begin:vcalendar")):
		what = "an iCalendar file (kind: events?)"
	}
	return fmt.Errorf("%w: %s", ErrNotFeed, what)
}
