package bluesky

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/rivo/uniseg"

	"github.com/lumohanke/lumobot/bot/platform/internal/weburl"
)

// Cards reads what a link card shows of a page.
type Cards interface {
	Read(ctx context.Context, url string) (Card, error)
}

// Card is a page as a link card shows it.
type Card struct {
	Title       string
	Description string
	Image       string // absolute http(s) URL of the picture (og:image); "" if none
}

// Bounds of a card's texts: Bluesky's lexicon sets none, but a card is a
// preview, and a page may put a whole article in its description.
const (
	maxCardTitle       = 300  // graphemes
	maxCardDescription = 1000 // graphemes
	maxPage            = 1 << 20
)

// PageCards reads a card from a page's Open Graph tags (og:title,
// og:description, og:image), falling back to <title> and <meta
// name="description">. Only the page's head is needed: at most the first
// megabyte is read.
type PageCards struct {
	client *http.Client
}

// NewPageCards returns a PageCards fetching through client (nil: a client
// with a 15 s timeout).
func NewPageCards(client *http.Client) *PageCards {
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	return &PageCards{client: client}
}

var _ Cards = (*PageCards)(nil)

// Read fetches rawURL and reads its card. The error never holds the URL
// beyond its host (a link may carry a token in its query).
func (pc *PageCards) Read(ctx context.Context, rawURL string) (Card, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return Card{}, fmt.Errorf("read page on %s: %w", weburl.Host(rawURL), weburl.Unwrap(err))
	}
	req.Header.Set("Accept", "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1")
	req.Header.Set("User-Agent", "lumobot (link card)")
	resp, err := pc.client.Do(req)
	if err != nil {
		return Card{}, fmt.Errorf("read page on %s: %w", weburl.Host(rawURL), weburl.Unwrap(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return Card{}, fmt.Errorf("read page on %s: HTTP %d", weburl.Host(rawURL), resp.StatusCode)
	}
	if ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); ct != "" && ct != "text/html" && ct != "application/xhtml+xml" {
		return Card{}, fmt.Errorf("read page on %s: %s is not a page", weburl.Host(rawURL), ct)
	}
	body, err := charset.NewReader(io.LimitReader(resp.Body, maxPage), resp.Header.Get("Content-Type"))
	if err != nil {
		return Card{}, fmt.Errorf("read page on %s: %w", weburl.Host(rawURL), err)
	}
	base := resp.Request.URL // after redirects: relative og:image resolves against it
	return ParseCard(body, base)
}

// ParseCard reads a card from an HTML page's head; base resolves a relative
// og:image. An og:image that is not http(s) is left out.
func ParseCard(r io.Reader, base *url.URL) (Card, error) {
	z := html.NewTokenizer(r)
	var (
		og, meta    = map[string]string{}, map[string]string{}
		title       strings.Builder
		inTitle     bool
		sawAnything bool
	)
loop:
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if err := z.Err(); !errors.Is(err, io.EOF) {
				return Card{}, fmt.Errorf("parse page: %w", err)
			}
			break loop
		case html.TextToken:
			if inTitle {
				title.Write(z.Text())
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			switch atom.Lookup(name) {
			case atom.Title:
				inTitle = false
			case atom.Head:
				break loop
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			sawAnything = true
			switch atom.Lookup(name) {
			case atom.Body:
				break loop
			case atom.Title:
				inTitle = tt == html.StartTagToken
			case atom.Meta:
				var prop, nm, content string
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "property":
						prop = strings.ToLower(strings.TrimSpace(string(v)))
					case "name":
						nm = strings.ToLower(strings.TrimSpace(string(v)))
					case "content":
						content = string(v)
					}
				}
				// Some pages write og: tags with name= instead of property=.
				for _, k := range []string{prop, nm} {
					if strings.HasPrefix(k, "og:") {
						if _, dup := og[k]; !dup {
							og[k] = content
						}
					}
				}
				if nm != "" {
					if _, dup := meta[nm]; !dup {
						meta[nm] = content
					}
				}
			}
		}
	}
	if !sawAnything {
		return Card{}, errors.New("parse page: no HTML")
	}
	c := Card{
		Title:       clean(first(og["og:title"], title.String(), meta["twitter:title"]), maxCardTitle),
		Description: clean(first(og["og:description"], meta["description"], meta["twitter:description"]), maxCardDescription),
	}
	if img := strings.TrimSpace(first(og["og:image:secure_url"], og["og:image"], og["og:image:url"], meta["twitter:image"])); img != "" {
		if u, err := url.Parse(img); err == nil {
			if base != nil {
				u = base.ResolveReference(u)
			}
			if (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
				c.Image = u.String()
			}
		}
	}
	return c, nil
}

func first(vs ...string) string {
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			return v
		}
	}
	return ""
}

// clean collapses whitespace and cuts s to n graphemes, marking the cut.
func clean(s string, n int) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
	if uniseg.GraphemeClusterCount(s) <= n {
		return s
	}
	var b strings.Builder
	g := uniseg.NewGraphemes(s)
	for i := 0; i < n-1 && g.Next(); i++ {
		b.WriteString(g.Str())
	}
	return strings.TrimRight(b.String(), " ") + "…"
}
