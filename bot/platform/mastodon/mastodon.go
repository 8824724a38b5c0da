// Package mastodon posts statuses to a Mastodon account through its REST API
// (POST /api/v1/statuses), with the post's idempotency key as the
// Idempotency-Key header so that a re-send after a lost answer returns the
// status already created instead of a second one.
package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
)

// Defaults used when the instance does not say (Mastodon's own defaults).
const (
	DefaultMaxCharacters = 500
	DefaultURLLength     = 23
)

// maxBody caps what is read of any answer.
const maxBody = 1 << 20

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
}

// Client is one Mastodon account. It is safe for concurrent use.
type Client struct {
	server string
	opts   Options
	logger *slog.Logger
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	prepared bool
	maxChars int
	urlLen   int
}

var (
	_ bot.Poster  = (*Client)(nil)
	_ bot.Counter = (*Client)(nil)
)

// New checks opts and returns a Client. A nil logger discards, a nil client
// is an http.Client with a 30 s timeout.
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
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{
		server:   strings.TrimRight(u.String(), "/"),
		opts:     opts,
		logger:   logger,
		client:   client,
		now:      time.Now,
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
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.prepared {
		return nil
	}
	maxChars, urlLen, err := c.instanceLimits(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("mastodon: read instance limits: %w", ctx.Err())
		}
		c.logger.Warn("mastodon: cannot read instance limits, using defaults",
			"server", c.server, "err", err, "max_characters", DefaultMaxCharacters, "url_length", DefaultURLLength)
	}
	if maxChars > 0 {
		c.maxChars = maxChars
	}
	if urlLen > 0 {
		c.urlLen = urlLen
	}
	c.prepared = true
	return nil
}

type instance struct {
	Configuration struct {
		Statuses struct {
			MaxCharacters            int `json:"max_characters"`
			CharactersReservedPerURL int `json:"characters_reserved_per_url"`
		} `json:"statuses"`
	} `json:"configuration"`
	MaxTootChars int `json:"max_toot_chars"` // Pleroma, Akkoma, glitch forks (v1)
}

func (c *Client) instanceLimits(ctx context.Context) (int, int, error) {
	var in instance
	err := c.call(ctx, http.MethodGet, "/api/v2/instance", nil, "", &in)
	var he *httpError
	if errors.As(err, &he) && he.status == http.StatusNotFound {
		err = c.call(ctx, http.MethodGet, "/api/v1/instance", nil, "", &in)
	}
	if err != nil {
		return 0, 0, err
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
	return maxChars, urlLen, nil
}

// Check verifies the access token and returns the account as "@acct".
func (c *Client) Check(ctx context.Context) (string, error) {
	var acct struct {
		Acct     string `json:"acct"`
		Username string `json:"username"`
	}
	if err := c.call(ctx, http.MethodGet, "/api/v1/accounts/verify_credentials", nil, "", &acct); err != nil {
		return "", classify(fmt.Errorf("mastodon: verify credentials on %s: %w", c.server, err))
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
	if err := c.Prepare(ctx); err != nil {
		return bot.Receipt{}, bot.Retryable(err)
	}
	lang := p.Lang
	if lang == "" {
		lang = c.opts.Language
	}
	body := struct {
		Status     string `json:"status"`
		Visibility string `json:"visibility"`
		Language   string `json:"language,omitempty"`
	}{p.Text, c.opts.Visibility, lang}
	var st status
	if err := c.call(ctx, http.MethodPost, "/api/v1/statuses", body, p.Key, &st); err != nil {
		return bot.Receipt{}, classify(fmt.Errorf("mastodon: post %s: %w", p.Key, err))
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

// httpError is a non-2xx answer.
type httpError struct {
	status  int
	message string    // the server's "error" text, if any
	reset   time.Time // X-RateLimit-Reset on 429
}

func (e *httpError) Error() string {
	if e.message == "" {
		return fmt.Sprintf("HTTP %d", e.status)
	}
	return fmt.Sprintf("HTTP %d: %s", e.status, e.message)
}

// classify sorts err into the core's classes by the answer behind it.
func classify(err error) error {
	var he *httpError
	if !errors.As(err, &he) {
		return bot.Retryable(err) // network trouble, timeouts, bad JSON in a 2xx
	}
	switch {
	case he.status == http.StatusUnauthorized:
		return bot.Permanent(fmt.Errorf("%w: the access token is not accepted; set a valid access_token for this server", err))
	case he.status == http.StatusForbidden:
		return bot.Permanent(fmt.Errorf("%w: the access token may not post; it needs the write:statuses scope and an active account", err))
	case he.status == http.StatusUnprocessableEntity:
		return bot.Permanent(fmt.Errorf("%w: the server refused the status", err))
	case he.status == http.StatusTooManyRequests:
		if !he.reset.IsZero() {
			return bot.RetryAt(err, he.reset)
		}
		return bot.Retryable(err)
	case he.status == http.StatusRequestTimeout, he.status == http.StatusTooEarly, he.status >= 500:
		return bot.Retryable(err)
	default:
		return bot.Permanent(err)
	}
}

// call sends one request and decodes a 2xx JSON answer into out.
func (c *Client) call(ctx context.Context, method, path string, in any, idemKey string, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.server+path, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Authorization", "Bearer "+c.opts.AccessToken)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "lumobot")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if idemKey != "" {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		he := &httpError{status: resp.StatusCode, message: c.redact(errorMessage(data))}
		if resp.StatusCode == http.StatusTooManyRequests {
			he.reset = parseReset(resp.Header.Get("X-RateLimit-Reset"))
		}
		return he
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode answer: %w", method, path, err)
		}
	}
	return nil
}

// errorMessage pulls Mastodon's {"error": "...", "error_description": "..."}
// out of an answer; anything else becomes a short excerpt.
func errorMessage(data []byte) string {
	var e struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		if e.Description != "" {
			return e.Error + ": " + e.Description
		}
		return e.Error
	}
	s := strings.Join(strings.Fields(string(data)), " ")
	if utf8.RuneCountInString(s) > 200 {
		s = string([]rune(s)[:200]) + "…"
	}
	return s
}

// redact removes the access token from text the server sent back.
func (c *Client) redact(s string) string {
	if c.opts.AccessToken == "" {
		return s
	}
	return strings.ReplaceAll(s, c.opts.AccessToken, "[redacted]")
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
