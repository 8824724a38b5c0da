// Package x posts to X (formerly Twitter) through X API v2 (POST /2/tweets),
// signed with OAuth 1.0a user context (HMAC-SHA1) by github.com/dghubble/oauth1.
//
// go-twitter (github.com/dghubble/go-twitter) is not used: it was archived in
// 2022 and speaks only API v1.1, through which X no longer accepts posts on
// its free and basic tiers. Its author's OAuth 1.0a signer is what remains.
package x

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
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dghubble/oauth1"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/internal/weburl"
)

// DefaultAPIURL is where X API v2 answers.
const DefaultAPIURL = "https://api.x.com"

// limit is X's post length limit, in twitter-text weighted characters.
const limit = 280

// maxBody caps how much of an answer is read.
const maxBody = 1 << 20

// Options configure a Client.
type Options struct {
	APIURL string // default DefaultAPIURL

	ConsumerKey, ConsumerSecret    string // the app's API key and secret
	AccessToken, AccessTokenSecret string // the posting account's token (Read and Write)

	// Count measures text as X does (twitter-text v3 weighted length, from
	// bot/render). Default: utf8.RuneCountInString, right only for plain
	// Latin text without URLs.
	Count func(string) int
	// Now is the clock, for Quota and rate-limit resets. Default time.Now.
	Now func() time.Time
}

// Client posts to one X account.
type Client struct {
	api    *url.URL
	http   *http.Client
	logger *slog.Logger
	count  func(string) int
	now    func() time.Time

	mu    sync.Mutex
	quota Quota
}

// Compile-time checks.
var (
	_ bot.Poster  = (*Client)(nil)
	_ bot.Counter = (*Client)(nil)
)

// New checks opts and returns a Client. It returns an error naming the first
// missing credential. client supplies the transport and timeout (nil: a
// client with a 30 s timeout); requests are signed on top of its transport,
// and redirects are not followed (a redirected POST would be lost).
func New(opts Options, logger *slog.Logger, client *http.Client) (*Client, error) {
	for _, c := range []struct{ name, value string }{
		{"consumer_key", opts.ConsumerKey},
		{"consumer_secret", opts.ConsumerSecret},
		{"access_token", opts.AccessToken},
		{"access_token_secret", opts.AccessTokenSecret},
	} {
		if strings.TrimSpace(c.value) == "" {
			return nil, fmt.Errorf("x: %s is missing", c.name)
		}
	}
	raw := opts.APIURL
	if raw == "" {
		raw = DefaultAPIURL
	}
	api, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (api.Scheme != "https" && api.Scheme != "http") || api.Host == "" {
		return nil, fmt.Errorf("x: api_url %q is not an http(s) URL", weburl.Host(raw))
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	// Sign on top of the caller's transport, keeping its timeout.
	base := client.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	signed := oauth1.NewClient(
		context.WithValue(context.Background(), oauth1.HTTPClient, &http.Client{Transport: base}),
		oauth1.NewConfig(opts.ConsumerKey, opts.ConsumerSecret),
		oauth1.NewToken(opts.AccessToken, opts.AccessTokenSecret),
	)
	hc := *client
	hc.Transport = signed.Transport
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	c := &Client{api: api, http: &hc, logger: logger, count: opts.Count, now: opts.Now}
	if c.count == nil {
		c.count = utf8.RuneCountInString
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// Length measures text as X counts it (see Options.Count).
func (c *Client) Length(text string) int { return c.count(text) }

// Limit is X's post length limit: 280.
func (c *Client) Limit() int { return limit }

// Post creates a post with p.Text. A 403 duplicate-content refusal, which X
// answers when a post whose answer was lost is sent again, is returned as an
// error wrapping bot.ErrAlreadySent.
func (c *Client) Post(ctx context.Context, p bot.Post) (bot.Receipt, error) {
	if at, ok := c.exhausted(); ok {
		// X said no posts are left until at: asking again would only
		// spend a request (and, on paid plans, money) on a 429.
		return bot.Receipt{}, bot.RetryAt(fmt.Errorf("x: post limit reached, as x reported; it resets at %s", at.UTC().Format(time.RFC3339)), at)
	}
	body, err := json.Marshal(struct {
		Text string `json:"text"`
	}{p.Text})
	if err != nil {
		return bot.Receipt{}, bot.Permanent(fmt.Errorf("x: encode post: %w", err))
	}
	resp, data, err := c.do(ctx, http.MethodPost, "/2/tweets", body)
	if err != nil {
		return bot.Receipt{}, err
	}
	if resp.StatusCode/100 != 2 {
		err := c.classify("create post", resp, data)
		if errors.Is(err, bot.ErrAlreadySent) {
			c.logger.Info("x refused a duplicate: already sent", "key", p.Key, "target", p.Target)
		}
		return bot.Receipt{}, err
	}
	// 2xx: the post exists. An unreadable answer must not lead to a re-send
	// (duplicate detection is X's, not guaranteed), so it is still success.
	var created struct {
		Data struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &created); err != nil || created.Data.ID == "" {
		c.logger.Warn("x accepted the post but its answer has no id", "key", p.Key, "target", p.Target, "status", resp.StatusCode)
		return bot.Receipt{}, nil
	}
	id := created.Data.ID
	return bot.Receipt{ID: id, URL: "https://x.com/i/web/status/" + id}, nil
}

// Check asks X who the credentials belong to (GET /2/users/me) and returns
// "@username", for `lumobot check`.
func (c *Client) Check(ctx context.Context) (string, error) {
	resp, data, err := c.do(ctx, http.MethodGet, "/2/users/me", nil)
	if err != nil {
		return "", err
	}
	if resp.StatusCode/100 != 2 {
		return "", c.classify("check credentials", resp, data)
	}
	var me struct {
		Data struct {
			Username string `json:"username"`
		} `json:"data"`
	}
	if err := json.Unmarshal(data, &me); err != nil || me.Data.Username == "" {
		return "", bot.Retryable(fmt.Errorf("x: check credentials: answer has no username (status %d)", resp.StatusCode))
	}
	return "@" + me.Data.Username, nil
}

// do sends one signed request and reads the answer. Transport failures come
// back classified as retryable, with the URL reduced to scheme and host.
func (c *Client) do(ctx context.Context, method, path string, body []byte) (*http.Response, []byte, error) {
	u := c.api.JoinPath(path).String()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return nil, nil, bot.Permanent(fmt.Errorf("x: build request %s %s: %w", method, path, weburl.Unwrap(err)))
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("User-Agent", "lumobot")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, nil, bot.Retryable(fmt.Errorf("x: %s %s%s: %w", method, weburl.Host(c.api.String()), path, weburl.Unwrap(err)))
	}
	defer resp.Body.Close()
	c.record(resp.Header)
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil && resp.StatusCode/100 != 2 {
		return nil, nil, bot.Retryable(fmt.Errorf("x: %s %s%s: read answer (status %d): %w", method, weburl.Host(c.api.String()), path, resp.StatusCode, err))
	}
	c.logger.Debug("x answered", "method", method, "path", path, "status", resp.StatusCode,
		"remaining", resp.Header.Get("x-rate-limit-remaining"),
		"day_remaining", resp.Header.Get("x-user-limit-24hour-remaining"))
	return resp, data, nil
}

// problem is X's error body: RFC 7807 problem details (API v2) or the
// v1.1 style {"errors":[{"code":...,"message":...}]}.
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Errors []struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Detail  string `json:"detail"`
	} `json:"errors"`
}

// text joins what the problem says, shortened for a log line.
func (p problem) text(data []byte) string {
	var parts []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s == "" {
			return
		}
		for _, have := range parts {
			if have == s {
				return
			}
		}
		parts = append(parts, s)
	}
	add(p.Detail)
	for _, e := range p.Errors {
		msg := e.Message
		if msg == "" {
			msg = e.Detail
		}
		if e.Code != 0 {
			msg = fmt.Sprintf("%s (code %d)", msg, e.Code)
		}
		add(msg)
	}
	if len(parts) == 0 {
		add(p.Title)
	}
	if len(parts) == 0 {
		add(string(data))
	}
	return shorten(strings.Join(parts, "; "), 300)
}

func (p problem) has(code int, substr string) bool {
	if strings.Contains(strings.ToLower(p.Detail), substr) {
		return true
	}
	for _, e := range p.Errors {
		if e.Code == code || strings.Contains(strings.ToLower(e.Message), substr) {
			return true
		}
	}
	return false
}

// classify turns a non-2xx answer into a classified error.
func (c *Client) classify(op string, resp *http.Response, data []byte) error {
	var p problem
	_ = json.Unmarshal(data, &p) // a non-JSON body leaves p empty
	msg := p.text(data)
	status := resp.StatusCode
	switch {
	case status == http.StatusForbidden && p.has(187, "duplicate"):
		return fmt.Errorf("x: %s: %s: %w", op, msg, bot.ErrAlreadySent)
	case status == http.StatusUnauthorized:
		return bot.Permanent(fmt.Errorf("x: %s: unauthorized (401): %s: check consumer key/secret and access token/secret", op, msg))
	case status == http.StatusForbidden && p.has(453, "subset of x api"):
		return bot.Permanent(fmt.Errorf("x: %s: forbidden (403): %s: the app's access level does not include this endpoint; attach the app to a project with an access level that does", op, msg))
	case status == http.StatusForbidden:
		return bot.Permanent(fmt.Errorf("x: %s: forbidden (403): %s: set the app's permissions to Read and Write in the developer portal, then regenerate the access token and secret", op, msg))
	case status == http.StatusTooManyRequests:
		err := fmt.Errorf("x: %s: rate limited (429): %s", op, msg)
		if at, ok := c.resetAt(resp.Header); ok {
			return bot.RetryAt(err, at)
		}
		return bot.Retryable(err)
	case status == http.StatusRequestTimeout || status >= 500:
		return bot.Retryable(fmt.Errorf("x: %s: status %d: %s", op, status, msg))
	case status/100 == 3:
		return bot.Permanent(fmt.Errorf("x: %s: redirected (%d) to %s: set api_url to the final address", op, status, weburl.Host(resp.Header.Get("Location"))))
	case status == http.StatusBadRequest:
		return bot.Permanent(fmt.Errorf("x: %s: invalid request (400): %s", op, msg))
	default:
		return bot.Permanent(fmt.Errorf("x: %s: status %d: %s", op, status, msg))
	}
}

// shorten cuts s to at most n bytes on a rune boundary.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
