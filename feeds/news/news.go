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
	"unicode/utf8"

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
// Text fields come out as plain, trimmed text (see PlainText), titles cut
// to feeds.MaxTitle and summaries to feeds.MaxSummary. Each item gets an
// ID: its GUID/id, else its link, else a hash of title and date. Only
// http and https links are kept; any other link is left empty. An item's
// Image is the picture the feed names for it (Media RSS content or
// thumbnail, an image enclosure, a JSON Feed image), with the text
// alternative the feed gives for it, if any. A fault in one item (a date
// out of range, say) is repaired in that item and never fails the feed;
// ParseWithWarnings says which.
func Parse(body []byte, contentType, baseURL string) ([]feeds.Item, error) {
	items, _, err := ParseWithWarnings(body, contentType, baseURL, time.Time{})
	return items, err
}

// A Warning is a fault in one item that the parser repaired rather than
// fail the feed: a date it could not read or would not believe, a title
// it cut, a link it dropped.
type Warning struct {
	ID, Title string // the item's, as parsed (Title cleaned and cut)
	Problem   string // e.g. `pubDate "Sat, 01 Jan 2500 00:00:00 GMT" is out of range: read as no date`
}

func (w Warning) String() string {
	if w.Title == "" {
		return fmt.Sprintf("item %q: %s", w.ID, w.Problem)
	}
	return fmt.Sprintf("item %q (%q): %s", w.ID, feeds.Clip(w.Title, 60), w.Problem)
}

// MaxFuture is how far after the time of parsing an item's date may lie
// and still be believed; a later one is read as no date (and warned about).
// A day leaves room for a publisher whose clock or time zone is wrong.
const MaxFuture = 24 * time.Hour

// Bounds on the fields of one item beyond feeds.MaxTitle and MaxSummary.
const (
	maxLink       = 4096 // bytes; a longer link is dropped
	maxID         = 1024 // bytes; a longer GUID is replaced by its hash
	maxCategory   = 100  // characters
	maxCategories = 50
)

// ParseWithWarnings is Parse that also reports the faults it repaired, one
// Warning for each, in item order. now (the zero time: no such check) is
// the time of parsing: a date more than MaxFuture after it is read as no
// date, so that a typo in a year cannot make an old item the newest.
func ParseWithWarnings(body []byte, contentType, baseURL string, now time.Time) ([]feeds.Item, []Warning, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, nil, fmt.Errorf("%w: empty body", ErrNotFeed)
	}
	body = dropIllegalChars(toUTF8(body, contentType))
	p := gofeed.NewParser()
	p.RSSTranslator = rssTranslator
	feed, err := p.Parse(bytes.NewReader(body))
	if errors.Is(err, gofeed.ErrFeedTypeNotDetected) {
		return nil, nil, notFeedError(body, contentType)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("parse feed: %w", err)
	}
	if feed.FeedType == "json" && feed.FeedVersion == "" && len(feed.Items) == 0 {
		// gofeed takes any JSON object for a JSON Feed.
		return nil, nil, fmt.Errorf("%w: a JSON document without a JSON Feed version or items", ErrNotFeed)
	}

	base := feedBase(feed.Link, baseURL, feed.FeedType == "atom")
	src := source{jsonFeed: feed.FeedType == "json"}
	if feed.Image != nil {
		src.logo = resolve(base, feed.Image.URL)
	}
	items := make([]feeds.Item, 0, len(feed.Items))
	var warnings []Warning
	for _, it := range feed.Items {
		if it == nil {
			continue
		}
		out, problems := item(it, base, now, src)
		items = append(items, out)
		for _, p := range problems {
			warnings = append(warnings, Warning{ID: out.ID, Title: out.Title, Problem: p})
		}
	}
	return items, warnings, nil
}

// rssTranslator is gofeed's, without its search of every item's HTML for
// an image (an HTML parse of each description): an item's image is what
// the feed names as its media (see image), not a picture in its text,
// which may be an emoji or a tracking pixel; and the search cost about a
// sixth of a cold poll.
var rssTranslator = &gofeed.DefaultRSSTranslator{DisableContentImageScan: true}

func item(it *gofeed.Item, base *url.URL, now time.Time, src source) (feeds.Item, []string) {
	var problems []string
	out := feeds.Item{
		Title:   title(it.Title),
		Summary: feeds.Clip(PlainText(it.Description), feeds.MaxSummary),
	}
	if clipped := feeds.Clip(out.Title, feeds.MaxTitle); clipped != out.Title {
		problems = append(problems, fmt.Sprintf("title of %d characters cut to %d", utf8.RuneCountInString(out.Title), feeds.MaxTitle))
		out.Title = clipped
	}
	if out.Summary == "" {
		out.Summary = feeds.Clip(PlainText(it.Content), feeds.MaxSummary)
	}
	if link := strings.TrimSpace(it.Link); len(link) > maxLink {
		problems = append(problems, fmt.Sprintf("link of %d bytes dropped", len(link)))
	} else {
		out.Link = resolve(base, link)
	}
	if out.Link == "" && len(it.GUID) <= maxLink {
		// An RSS <guid> is a permalink unless it says otherwise; a GUID
		// that is an absolute web URL serves as the link of an item
		// without one.
		if u, err := url.Parse(strings.TrimSpace(it.GUID)); err == nil && u.IsAbs() {
			out.Link = resolve(nil, u.String())
		}
	}

	// stated is the date as the feed gives it, believed or not: the hash
	// ID of an item without GUID or link is made from it, so that the ID
	// does not change when a date in the future stops being one.
	var stated time.Time
	for _, d := range dates(it) {
		if d.parsed == nil || d.parsed.IsZero() {
			if strings.TrimSpace(d.raw) != "" && out.Published.IsZero() {
				problems = append(problems, fmt.Sprintf("%s %q is no date we can read: ignored", d.field, clipRaw(d.raw)))
			}
			continue
		}
		t := d.parsed.UTC()
		if stated.IsZero() {
			stated = t
		}
		if !out.Published.IsZero() {
			continue
		}
		switch {
		case !representable(t):
			problems = append(problems, fmt.Sprintf("%s %q is out of range: ignored", d.field, clipRaw(d.raw)))
		case !now.IsZero() && t.Sub(now) > MaxFuture:
			problems = append(problems, fmt.Sprintf("%s %q is more than %s in the future: ignored",
				d.field, clipRaw(d.raw), MaxFuture))
		default:
			out.Published = t
		}
	}

	seen := make(map[string]bool, len(it.Categories))
	for _, c := range it.Categories {
		c = feeds.Clip(title(c), maxCategory)
		if c != "" && !seen[c] && len(out.Categories) < maxCategories {
			seen[c] = true
			out.Categories = append(out.Categories, c)
		}
	}
	img, imgProblems := image(it, base, out.Title, src)
	out.Image = img
	problems = append(problems, imgProblems...)

	out.ID = strings.TrimSpace(it.GUID)
	if len(out.ID) > maxID {
		sum := sha256.Sum256([]byte(out.ID))
		out.ID = "sha256:" + hex.EncodeToString(sum[:16])
		problems = append(problems, fmt.Sprintf("id of %d bytes replaced by its hash", len(strings.TrimSpace(it.GUID))))
	}
	if out.ID == "" {
		out.ID = out.Link
	}
	if out.ID == "" {
		out.ID = hashID(out.Title, out.Summary, stated)
	}
	return out, problems
}

// A stated date of an item: its field's name in the feed's format, the
// text and what gofeed read from it.
type date struct {
	field  string
	raw    string
	parsed *time.Time
}

// dates lists an item's dates in the order they are preferred: published
// (RSS pubDate or dc:date, Atom published, JSON Feed date_published),
// updated, then the Dublin Core terms that RSS 1.0 feeds use.
func dates(it *gofeed.Item) []date {
	out := []date{{"published date", it.Published, it.PublishedParsed}, {"updated date", it.Updated, it.UpdatedParsed}}
	return append(out, dctermsDates(it)...)
}

// The earliest and the latest date that time.Time.UnixNano can hold,
// rounded inward to whole years: a date outside is no publishing date,
// and a store or a sort that counts nanoseconds would overflow on it.
func representable(t time.Time) bool {
	return t.Year() >= 1678 && t.Year() < 2262
}

// clipRaw keeps a warning about a hostile date short.
func clipRaw(s string) string {
	return feeds.Clip(feeds.CleanText(strings.TrimSpace(s)), 64)
}

// dctermsDates reads the Dublin Core terms dates that gofeed leaves in
// Extensions (RSS 1.0 feeds use them): issued, created, date, modified, in
// W3C-DTF (RFC 3339 or a date alone).
func dctermsDates(it *gofeed.Item) []date {
	ext := it.Extensions["dcterms"]
	var out []date
	for _, name := range []string{"issued", "created", "date", "modified"} {
		for _, e := range ext[name] {
			v := strings.TrimSpace(e.Value)
			d := date{field: "dcterms:" + name, raw: v}
			for _, layout := range []string{time.RFC3339, "2006-01-02T15:04Z07:00", "2006-01-02"} {
				if t, err := time.Parse(layout, v); err == nil {
					d.parsed = &t
					break
				}
			}
			out = append(out, d)
		}
	}
	return out
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
// an http(s) URL with a host free of control and bidi characters (which
// url.Parse lets through there); it never carries userinfo.
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
	if !u.IsAbs() || !isWeb(u) || u.Host == "" || feeds.CleanText(u.Host) != u.Host {
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
