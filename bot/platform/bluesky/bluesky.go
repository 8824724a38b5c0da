// Package bluesky posts to a Bluesky (AT Protocol) account over XRPC.
//
// Posts are written with com.atproto.repo.putRecord under a record key
// derived from the post's idempotency key (RecordKey), so a re-send after a
// lost answer overwrites the same record instead of adding a second post.
// The session (access and refresh JWTs) is kept in a SessionStore and
// refreshed with com.atproto.server.refreshSession; createSession, which
// Bluesky limits to a few dozen a day, is called only when there is no
// usable session.
//
// Images are uploaded with com.atproto.repo.uploadBlob and named in the
// record (app.bsky.embed.images, with alt text and aspect ratio); a post
// without images may carry a card for its link (app.bsky.embed.external)
// read from the page's Open Graph tags. Blobs are content-addressed: a
// retry uploads the same bytes and gets the same blob, so nothing needs to
// be remembered between attempts.
package bluesky

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/platform/internal/httpx"
	"github.com/lumohanke/lumobot/bot/render"
)

// DefaultService is the PDS entryway used when Options.Service is empty.
const DefaultService = "https://bsky.social"

// MaxGraphemes is the longest post text Bluesky accepts.
const MaxGraphemes = 300

// Options configure a Client.
type Options struct {
	Service     string // PDS or entryway URL; default https://bsky.social
	Handle      string // lumohanke.bsky.social (a leading @ is dropped)
	AppPassword string
	Language    string // BCP 47; a post's own Lang wins
	// Sessions keeps the session across restarts; nil keeps it in memory.
	Sessions SessionStore
	// Link attaches an app.bsky.embed.external card for the post's Link
	// when the post has no images: what Cards reads of the page, or the
	// URL's host as title, no description and no thumb.
	Link bool
	// Cards reads a link's page for its card (NewPageCards). Nil: cards
	// show the host only.
	Cards Cards
	// Media loads a post's images and a card's thumb (files or URLs);
	// needed for posts with images, which fail without it.
	Media media.Loader
	// Now is the clock, for token expiry, Retry-After and the createdAt of
	// a post without a due time. Required.
	Now func() time.Time
}

// SessionStore keeps small values across restarts; the state database
// implements it.
type SessionStore interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, v []byte) error
}

// Client is one Bluesky account. It is safe for concurrent use.
type Client struct {
	service string
	opts    Options
	logger  *slog.Logger
	hx      *httpx.Client
	redact  *httpx.Redactor // the app password and the session tokens seen
	now     func() time.Time
	key     string // session key in opts.Sessions

	mu       sync.Mutex // guards the fields below and serializes session calls
	sess     *session
	loaded   bool   // opts.Sessions was read
	stored   []byte // the session's bytes as last read from or written to opts.Sessions
	loginErr error  // createSession refused the credentials: never retried
}

var (
	_ bot.Poster  = (*Client)(nil)
	_ bot.Counter = (*Client)(nil)
)

// New checks opts and returns a Client. A nil logger discards, a nil client
// is an http.Client with a 30 s timeout. The clock is required. No request
// is made.
func New(opts Options, logger *slog.Logger, client *http.Client) (*Client, error) {
	opts.Handle = strings.TrimPrefix(strings.TrimSpace(opts.Handle), "@")
	if opts.Handle == "" {
		return nil, errors.New("bluesky: handle is required")
	}
	if opts.AppPassword == "" {
		return nil, errors.New("bluesky: app_password is required")
	}
	if strings.TrimSpace(opts.Service) == "" {
		opts.Service = DefaultService
	}
	u, err := url.Parse(strings.TrimSpace(opts.Service))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("bluesky: service %q is not an http(s) URL", opts.Service)
	}
	if u.User != nil {
		return nil, errors.New("bluesky: service must not carry credentials")
	}
	if opts.Now == nil {
		return nil, errors.New("bluesky: the clock (Options.Now) is missing")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Sessions == nil {
		opts.Sessions = &memoryStore{}
	}
	red := httpx.NewRedactor(opts.AppPassword)
	return &Client{
		service: strings.TrimRight(u.String(), "/"),
		opts:    opts,
		logger:  logger,
		hx:      httpx.New(client, httpx.Options{MaxText: 200, Redact: red, Now: opts.Now, Reset: rateLimitReset}),
		redact:  red,
		now:     opts.Now,
		key:     "bluesky:" + opts.Handle,
	}, nil
}

// rateLimitReset reads RateLimit-Reset, which the PDS sends in unix seconds.
func rateLimitReset(h http.Header, _ time.Time) (time.Time, bool) {
	secs, err := strconv.ParseInt(strings.TrimSpace(h.Get("RateLimit-Reset")), 10, 64)
	if err != nil || secs <= 0 {
		return time.Time{}, false
	}
	return time.Unix(secs, 0), true
}

// Length counts grapheme clusters, as Bluesky does.
func (c *Client) Length(text string) int { return render.GraphemeLength(text) }

// Limit is Bluesky's 300 graphemes.
func (c *Client) Limit() int { return MaxGraphemes }

// Shorten fits text to Bluesky as RichText reads it: the links, tags and
// cashtags sent as facets kept whole.
func (c *Client) Shorten(text string) (string, error) { return render.Bluesky().Shorten(text) }

// Check makes sure there is a working session (creating one only when none
// is stored or the stored one cannot be refreshed) and returns the account
// as "@handle (did)".
func (c *Client) Check(ctx context.Context) (string, error) {
	var out struct {
		Handle string `json:"handle"`
		DID    string `json:"did"`
	}
	err := c.authed(ctx, http.MethodGet, "com.atproto.server.getSession", func(session) any { return nil }, &out)
	if err != nil {
		return "", c.redact.Error(annotate(err, "bluesky: check "+c.opts.Handle))
	}
	return fmt.Sprintf("@%s (%s)", out.Handle, out.DID), nil
}

type postRecord struct {
	Type      string   `json:"$type"`
	Text      string   `json:"text"`
	CreatedAt string   `json:"createdAt"`
	Langs     []string `json:"langs,omitempty"`
	Facets    []Facet  `json:"facets,omitempty"`
	Embed     any      `json:"embed,omitempty"` // imagesEmbed or *external
}

type putRecord struct {
	Repo       string     `json:"repo"`
	Collection string     `json:"collection"`
	RKey       string     `json:"rkey"`
	Record     postRecord `json:"record"`
}

// Post writes p as an app.bsky.feed.post under RecordKey(p.Key), its images
// uploaded first. The record is a function of p (createdAt is p.Due, a blob
// is named by its bytes), so a re-send writes the very same record again;
// only a link card's facts read from the page may differ.
func (c *Client) Post(ctx context.Context, p bot.Post) (bot.Receipt, error) {
	rkey := RecordKey(p.Key)
	rec := c.record(p)
	embed, err := c.embed(ctx, p)
	if err != nil {
		return bot.Receipt{}, c.redact.Error(err)
	}
	if embed != nil {
		rec.Embed = embed
	}
	var out struct {
		URI string `json:"uri"`
		CID string `json:"cid"`
	}
	var handle string
	err = c.authed(ctx, http.MethodPost, "com.atproto.repo.putRecord", func(s session) any {
		handle = s.Handle
		return putRecord{Repo: s.DID, Collection: "app.bsky.feed.post", RKey: rkey, Record: rec}
	}, &out)
	if err != nil {
		return bot.Receipt{}, c.redact.Error(annotate(err, "bluesky: post "+p.Key))
	}
	if out.URI == "" {
		return bot.Receipt{}, bot.Retryable(fmt.Errorf("bluesky: post %s: answer without a record uri", p.Key))
	}
	if handle == "" {
		handle = c.opts.Handle
	}
	r := bot.Receipt{ID: out.URI, URL: "https://bsky.app/profile/" + handle + "/post/" + rkey}
	c.logger.Debug("bluesky: posted", "key", p.Key, "uri", out.URI, "url", r.URL)
	return r, nil
}

func (c *Client) record(p bot.Post) postRecord {
	due := p.Due
	if due.IsZero() {
		due = c.now() // only for posts without a due time, never planned ones
	}
	rec := postRecord{
		Type:      "app.bsky.feed.post",
		Text:      p.Text,
		CreatedAt: due.UTC().Format("2006-01-02T15:04:05.000Z"),
		Facets:    Facets(p.Text),
	}
	lang := p.Lang
	if lang == "" {
		lang = c.opts.Language
	}
	if lang != "" {
		rec.Langs = []string{lang}
	}
	return rec
}

// annotate puts context in front of err and classifies it.
func annotate(err error, where string) error {
	return classify(fmt.Errorf("%s: %w", where, err))
}

// classify sorts an error of an XRPC call by the answer behind it (see
// httpx.Class); an error classified already keeps its class, any other
// (network trouble, an unreadable answer) is retryable.
func classify(err error) error {
	var xe *xrpcError
	if errors.As(err, &xe) {
		if xe.tokenProblem() {
			return bot.Retryable(err) // still refused after a fresh session: try later
		}
		// InvalidRequest (the record itself, e.g. too long) is permanent;
		// the bare 500 of createRecord retryable.
		return httpx.Class(xe.status, xe.reset, err)
	}
	var de *bot.DeliveryError
	if errors.As(err, &de) {
		return &bot.DeliveryError{Permanent: de.Permanent, RetryAt: de.RetryAt, Err: err}
	}
	return bot.Retryable(err)
}
