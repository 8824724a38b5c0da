package page

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/lumohanke/lumobot/feeds"
)

// ErrNotHTML is wrapped by Read's error for a response that is no HTML
// page (an image, a PDF, a feed): it has no card to read.
var ErrNotHTML = errors.New("not an HTML page")

// Reader fetches pages and reads their cards.
type Reader struct {
	// Fetch gets a page's body and Content-Type. It is where the limits
	// are: timeouts, a size cap, the User-Agent, the refusal of internal
	// addresses. Its error should name the URL (feeds.Fetcher's does).
	// finalURL is the page's address after redirects, against which its
	// relative links are read; "" means url.
	Fetch func(ctx context.Context, url string) (body []byte, contentType, finalURL string, err error)
}

// Read fetches pageURL, which must be an absolute http(s) URL (nothing
// else is handed to Fetch), and reads its card (see Parse). A response
// whose Content-Type is not text/html or application/xhtml+xml is
// refused with ErrNotHTML; one without a Content-Type is taken when its
// first bytes look like HTML. A page with no title or image is no error:
// the card's fields are empty, and the caller decides.
func (r Reader) Read(ctx context.Context, pageURL string) (Card, error) {
	name := feeds.Redact(pageURL)
	if webURL(nil, pageURL) == nil {
		return Card{}, fmt.Errorf("link card of %s: not an absolute http(s) URL", name)
	}
	if r.Fetch == nil {
		return Card{}, errors.New("link card: page.Reader has no Fetch")
	}
	body, contentType, final, err := r.Fetch(ctx, pageURL)
	if err != nil {
		return Card{}, fmt.Errorf("link card: %w", err)
	}
	if err := checkHTML(body, contentType); err != nil {
		return Card{}, fmt.Errorf("link card of %s: %w", name, err)
	}
	if webURL(nil, final) == nil {
		final = pageURL
	}
	return Parse(body, contentType, final), nil
}

func checkHTML(body []byte, contentType string) error {
	if strings.TrimSpace(contentType) == "" {
		// http.DetectContentType follows the MIME Sniffing standard,
		// which knows HTML by its first tags.
		contentType = http.DetectContentType(body[:min(len(body), 512)])
		if !strings.HasPrefix(contentType, "text/html") {
			return fmt.Errorf("%w: no Content-Type, and the body does not look like HTML", ErrNotHTML)
		}
		return nil
	}
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("%w: unreadable Content-Type %q", ErrNotHTML, feeds.Clip(feeds.CleanText(contentType), 100))
	}
	switch mt {
	case "text/html", "application/xhtml+xml":
		return nil
	}
	return fmt.Errorf("%w: Content-Type %s", ErrNotHTML, mt)
}
