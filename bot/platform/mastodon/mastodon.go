// Package mastodon posts statuses to a Mastodon account through its REST API
// (POST /api/v1/statuses), with the post's idempotency key as the
// Idempotency-Key header so that a re-send after a lost answer returns the
// status already created instead of a second one.
//
// Images go up first (POST /api/v2/media with their description), are
// waited for while the server processes them, and the status names their
// ids. The ids are kept in Options.Cache, so that a retry after a failed
// status reuses media the server still holds unattached.
package mastodon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/platform/internal/attach"
	"github.com/lumohanke/lumobot/bot/platform/internal/httpx"
	"github.com/lumohanke/lumobot/bot/render"
)

// Defaults used when the instance does not say (Mastodon's own defaults).
const (
	DefaultMaxCharacters = 500
	DefaultURLLength     = 23
)

// Options configure a Client.
type Options struct {
	Server      string // https://mastodon.example
	AccessToken string // needs the write:statuses scope (read:accounts for Check)
	Visibility  string // public (default) | unlisted | private | direct
	Language    string // ISO 639-1; a post's own Lang wins
	// Count measures text as Mastodon does with every URL counted urlLen
	// characters (the render package's MastodonLength). Nil: code points
	// with URLs as urlLen.
	Count func(text string, urlLen int) int
	// Now is the clock, for Retry-After. Required.
	Now func() time.Time
	// Cache keeps what the instance said across runs (the state's key/value
	// table), so that preview counts with the instance's own limits, and
	// the media ids of an attempt for its retries. Nil: none.
	Cache Cache

	// Media loads a post's images (files or URLs); needed for posts with
	// images, which fail without it.
	Media media.Loader
	// Sleep waits d or until ctx ends, while the server processes an
	// upload (it answers 202, then 206 until done). Nil: a timer. Tests
	// give one that moves their clock instead.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Cache is a small key/value store.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
}

// cached is what the cache holds of an instance. The media fields are
// zero in entries of earlier versions: the defaults apply.
type cached struct {
	MaxCharacters int `json:"max_characters"`
	URLLength     int `json:"characters_reserved_per_url"`
	mediaLimits
}

// mediaLimits are the instance's configuration.media_attachments.
type mediaLimits struct {
	ImageSizeLimit   int      `json:"image_size_limit,omitempty"`
	ImageMatrixLimit int      `json:"image_matrix_limit,omitempty"`
	DescriptionLimit int      `json:"description_limit,omitempty"`
	MimeTypes        []string `json:"supported_mime_types,omitempty"`
	MaxAttachments   int      `json:"max_media_attachments,omitempty"`
}

func (c *Client) cacheKey() string { return "mastodon:instance:" + c.server }

// Cached takes the limits the instance gave at an earlier run, when the
// cache has them, and reports whether the client knows the instance's own
// limits (from it or from the cache). It asks nothing over the network.
func (c *Client) Cached(ctx context.Context) bool {
	c.mu.Lock()
	known := c.known
	c.mu.Unlock()
	if known || c.opts.Cache == nil {
		return known
	}
	b, ok, err := c.opts.Cache.Get(ctx, c.cacheKey())
	var v cached
	if err != nil || !ok || json.Unmarshal(b, &v) != nil || v.MaxCharacters <= 0 || v.URLLength <= 0 {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.known {
		c.maxChars, c.urlLen, c.known = v.MaxCharacters, v.URLLength, true
		c.media = v.mediaLimits
	}
	return true
}

// Client is one Mastodon account. It is safe for concurrent use.
type Client struct {
	server string
	opts   Options
	logger *slog.Logger
	hx     *httpx.Client
	redact *httpx.Redactor

	// prep is held by the one Prepare asking the instance, so that it is
	// asked once; a channel, so that a caller waiting for it can give up
	// when its context ends.
	prep chan struct{}

	// mu guards the fields below and is never held across I/O: Limit and
	// Length, which rendering and preview call, answer at once while
	// Prepare waits for the instance.
	mu       sync.Mutex
	prepared bool
	known    bool // the limits are the instance's own (asked now or cached)
	maxChars int
	urlLen   int
	media    mediaLimits // zero fields: Mastodon's defaults

	cache attach.Cache // media ids; Store nil without Options.Cache
}

var (
	_ bot.Poster  = (*Client)(nil)
	_ bot.Counter = (*Client)(nil)
)

// New checks opts and returns a Client. A nil logger discards, a nil client
// is an http.Client with a 30 s timeout. The clock is required.
func New(opts Options, logger *slog.Logger, client *http.Client) (*Client, error) {
	if strings.TrimSpace(opts.Server) == "" {
		return nil, errors.New("mastodon: server is required")
	}
	u, err := url.Parse(strings.TrimSpace(opts.Server))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("mastodon: server %q is not an http(s) URL", opts.Server)
	}
	if u.User != nil {
		return nil, errors.New("mastodon: server must not carry credentials")
	}
	if strings.TrimSpace(opts.AccessToken) == "" {
		return nil, errors.New("mastodon: access_token is required")
	}
	switch opts.Visibility {
	case "":
		opts.Visibility = "public"
	case "public", "unlisted", "private", "direct":
	default:
		return nil, fmt.Errorf("mastodon: visibility %q is not one of public, unlisted, private, direct", opts.Visibility)
	}
	if opts.Now == nil {
		return nil, errors.New("mastodon: the clock (Options.Now) is missing")
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	if opts.Sleep == nil {
		opts.Sleep = sleep
	}
	red := httpx.NewRedactor(opts.AccessToken)
	return &Client{
		cache:  attach.Cache{Platform: "mastodon", Store: opts.Cache, Logger: logger},
		server: strings.TrimRight(u.String(), "/"),
		opts:   opts,
		logger: logger,
		redact: red,
		hx: httpx.New(client, httpx.Options{MaxText: 200, Redact: red, Now: opts.Now,
			Reset: func(h http.Header, _ time.Time) (time.Time, bool) {
				t := parseReset(h.Get("X-RateLimit-Reset"))
				return t, !t.IsZero()
			}}),
		prep:     make(chan struct{}, 1),
		maxChars: DefaultMaxCharacters,
		urlLen:   DefaultURLLength,
	}, nil
}

// Prepare reads the instance's status limits once (GET /api/v2/instance,
// falling back to /api/v1/instance on servers without v2). When the instance
// cannot be read or does not say, Mastodon's defaults (500, 23) are kept and
// a warning is logged; the defaults are then cached too, so that the instance
// is asked once per Client. It returns an error only when ctx ends.
func (c *Client) Prepare(ctx context.Context) error {
	if c.isPrepared() {
		return nil
	}
	select {
	case c.prep <- struct{}{}:
	case <-ctx.Done():
		return fmt.Errorf("mastodon: read instance limits: %w", ctx.Err())
	}
	defer func() { <-c.prep }()
	if c.isPrepared() { // another Prepare asked while this one waited
		return nil
	}
	maxChars, urlLen, ml, err := c.instanceLimits(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mastodon: read instance limits: %w", ctx.Err())
		}
		c.logger.Warn("mastodon: cannot read instance limits, using defaults",
			"server", c.server, "err", c.redact.Error(err), "max_characters", DefaultMaxCharacters, "url_length", DefaultURLLength)
	}
	c.mu.Lock()
	if maxChars > 0 {
		c.maxChars = maxChars
	}
	if urlLen > 0 {
		c.urlLen = urlLen
	}
	if err == nil {
		c.media = ml
	}
	c.prepared = true
	c.known = c.known || err == nil
	v := cached{MaxCharacters: c.maxChars, URLLength: c.urlLen, mediaLimits: c.media}
	c.mu.Unlock()
	if err == nil && c.opts.Cache != nil {
		if b, jerr := json.Marshal(v); jerr == nil {
			if perr := c.opts.Cache.Put(ctx, c.cacheKey(), b); perr != nil {
				c.logger.Warn("mastodon: cannot keep the instance limits in the state", "error", perr)
			}
		}
	}
	return nil
}

func (c *Client) isPrepared() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.prepared
}

type instance struct {
	Configuration struct {
		Statuses struct {
			MaxCharacters            int `json:"max_characters"`
			CharactersReservedPerURL int `json:"characters_reserved_per_url"`
			MaxMediaAttachments      int `json:"max_media_attachments"`
		} `json:"statuses"`
		MediaAttachments mediaLimits `json:"media_attachments"`
	} `json:"configuration"`
	MaxTootChars int `json:"max_toot_chars"` // Pleroma, Akkoma, glitch forks (v1)
	UploadLimit  int `json:"upload_limit"`   // Pleroma, Akkoma (v1)
}

func (c *Client) instanceLimits(ctx context.Context) (int, int, mediaLimits, error) {
	var in instance
	resp, err := c.call(ctx, http.MethodGet, "/api/v2/instance", nil, "", &in)
	if resp != nil && resp.Status == http.StatusNotFound {
		_, err = c.call(ctx, http.MethodGet, "/api/v1/instance", nil, "", &in)
	}
	if err != nil {
		return 0, 0, mediaLimits{}, err
	}
	ml := in.Configuration.MediaAttachments
	ml.MaxAttachments = in.Configuration.Statuses.MaxMediaAttachments
	if ml.ImageSizeLimit == 0 {
		ml.ImageSizeLimit = in.UploadLimit
	}
	maxChars := in.Configuration.Statuses.MaxCharacters
	if maxChars == 0 {
		maxChars = in.MaxTootChars
	}
	urlLen := in.Configuration.Statuses.CharactersReservedPerURL
	if maxChars == 0 || urlLen == 0 {
		c.logger.Warn("mastodon: instance does not state all status limits, using defaults for the missing ones",
			"server", c.server, "max_characters", maxChars, "characters_reserved_per_url", urlLen)
	}
	return maxChars, urlLen, ml, nil
}

// Check verifies the access token and returns the account as "@acct".
func (c *Client) Check(ctx context.Context) (string, error) {
	var acct struct {
		Acct     string `json:"acct"`
		Username string `json:"username"`
	}
	if _, err := c.call(ctx, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, "", &acct); err != nil {
		return "", c.redact.Error(httpx.Wrap(err, "mastodon: verify credentials on "+c.server))
	}
	name := acct.Acct
	if name == "" {
		name = acct.Username
	}
	return "@" + name, nil
}

// Limit is the instance's character limit (500 until Prepare read it).
func (c *Client) Limit() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maxChars
}

// Shorten fits text to the instance's limit as Mastodon counts and links
// it (the instance's reserved URL length), its links, tags and mentions
// kept whole.
func (c *Client) Shorten(text string) (string, error) {
	c.mu.Lock()
	limit, urlLen := c.maxChars, c.urlLen
	c.mu.Unlock()
	return render.Mastodon(limit, urlLen).Shorten(text)
}

// Length counts text as the instance does.
func (c *Client) Length(text string) int {
	c.mu.Lock()
	urlLen := c.urlLen
	c.mu.Unlock()
	if c.opts.Count != nil {
		return c.opts.Count(text, urlLen)
	}
	return countChars(text, urlLen)
}

type status struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	URI string `json:"uri"`
}

// Post publishes p.Text. Every attempt for one p.Key carries the same
// Idempotency-Key, which Mastodon keeps for an hour.
func (c *Client) Post(ctx context.Context, p bot.Post) (bot.Receipt, error) {
	r, err := c.post(ctx, p)
	return r, c.redact.Error(err)
}

func (c *Client) post(ctx context.Context, p bot.Post) (bot.Receipt, error) {
	if err := c.Prepare(ctx); err != nil {
		return bot.Receipt{}, bot.Retryable(err)
	}
	lang := p.Lang
	if lang == "" {
		lang = c.opts.Language
	}
	ids, err := c.mediaIDs(ctx, p)
	if err != nil {
		return bot.Receipt{}, err
	}
	body := struct {
		Status     string   `json:"status"`
		Visibility string   `json:"visibility"`
		Language   string   `json:"language,omitempty"`
		MediaIDs   []string `json:"media_ids,omitempty"`
	}{p.Text, c.opts.Visibility, lang, ids}
	var st status
	if _, err := c.call(ctx, http.MethodPost, "/api/v1/statuses", body, p.Key, &st); err != nil {
		return bot.Receipt{}, httpx.Wrap(err, "mastodon: post "+p.Key)
	}
	if st.ID == "" {
		return bot.Receipt{}, bot.Retryable(fmt.Errorf("mastodon: post %s: answer without a status id", p.Key))
	}
	u := st.URL
	if u == "" {
		u = st.URI
	}
	c.logger.Debug("mastodon: posted", "key", p.Key, "id", st.ID, "url", u)
	return bot.Receipt{ID: st.ID, URL: u}, nil
}

// call sends one request (in as JSON unless nil) and decodes a 2xx JSON
// answer into out. Every error is classified; resp is the answer, if any.
func (c *Client) call(ctx context.Context, method, path string, in any, idemKey string, out any) (*httpx.Response, error) {
	req := httpx.Request{Method: method, URL: c.server + path, Header: http.Header{}}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	if in != nil {
		req.JSON = in
	}
	return c.exchange(ctx, req, path, false, out)
}

// exchange sends req with the access token and decodes a 2xx JSON answer
// into out; media says the call is about media, for the hints of errors.
func (c *Client) exchange(ctx context.Context, req httpx.Request, path string, media bool, out any) (*httpx.Response, error) {
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("Authorization", "Bearer "+c.opts.AccessToken)
	req.Header.Set("Accept", "application/json")
	method := req.Method
	resp, err := c.hx.Do(ctx, req)
	if err != nil {
		return resp, httpx.Wrap(err, method+" "+path)
	}
	if !resp.OK() {
		return resp, c.hx.Classify(resp, statusError(resp.Status, c.hx.Text(resp.Body, errorMessage), media))
	}
	if resp.ReadErr != nil {
		// The status may exist: the retry carries the same Idempotency-Key.
		return resp, bot.Retryable(fmt.Errorf("%s %s: read answer: %w", method, path, resp.ReadErr))
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, bot.Retryable(fmt.Errorf("%s %s: decode answer: %w", method, path, err))
		}
	}
	return resp, nil
}

// statusError words a non-2xx answer, with what to do about it.
func statusError(status int, msg string, media bool) error {
	s := fmt.Sprintf("HTTP %d", status)
	if msg != "" {
		s += ": " + msg
	}
	switch {
	case status == http.StatusUnauthorized:
		s += ": the access token is not accepted; set a valid access_token for this server"
	case status == http.StatusForbidden && media:
		s += ": the access token may not upload media; it needs the write:media scope (or write) and an active account"
	case status == http.StatusForbidden:
		s += ": the access token may not post; it needs the write:statuses scope and an active account"
	case status == http.StatusUnprocessableEntity && media:
		s += ": the server refused the image"
	case status == http.StatusUnprocessableEntity:
		s += ": the server refused the status"
	}
	return errors.New(s)
}

// errorMessage pulls Mastodon's {"error": "...", "error_description": "..."}
// out of an answer ("" when there is none: httpx quotes the body).
func errorMessage(data []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(data, &e) != nil || e.Error == "" {
		return ""
	}
	if e.Description != "" {
		return e.Error + ": " + e.Description
	}
	return e.Error
}

// parseReset reads X-RateLimit-Reset: an ISO 8601 timestamp in Mastodon
// (Time#iso8601(6), e.g. 2026-11-22T10:00:00.000000Z); unix seconds are
// accepted too, as some compatible servers send them.
func parseReset(v string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t
	}
	var secs int64
	if _, err := fmt.Sscanf(v, "%d", &secs); err == nil && secs > 0 {
		return time.Unix(secs, 0)
	}
	return time.Time{}
}

var urlRE = regexp.MustCompile(`https?://\S+`)

// countChars counts code points (Ruby's String#length, which Mastodon uses)
// with each URL as urlLen. Trailing punctuation is not part of a URL.
func countChars(text string, urlLen int) int {
	n := utf8.RuneCountInString(text)
	for _, m := range urlRE.FindAllStringIndex(text, -1) {
		u := trimURL(text[m[0]:m[1]])
		n += urlLen - utf8.RuneCountInString(u)
	}
	return n
}

// trimURL drops punctuation that ends a sentence rather than the URL.
func trimURL(u string) string {
	for u != "" {
		last := u[len(u)-1]
		switch {
		case strings.IndexByte(".,;:!?'\"", last) >= 0:
			u = u[:len(u)-1]
		case last == ')' && strings.Count(u, "(") < strings.Count(u, ")"):
			u = u[:len(u)-1]
		default:
			return u
		}
	}
	return u
}
