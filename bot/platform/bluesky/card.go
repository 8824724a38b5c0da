package bluesky

import "context"

// Cards reads what a link card shows of a page. cmd wires feeds/page's
// reader over the guarded fetcher (public addresses only: the link comes
// from content).
type Cards interface {
	Read(ctx context.Context, url string) (Card, error)
}

// Card is a page as a link card shows it.
type Card struct {
	Title       string
	Description string
	Image       string // absolute http(s) URL of the picture (og:image); "" if none
}
