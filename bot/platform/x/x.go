// Package x posts to X (formerly Twitter) through X API v2 (POST /2/tweets),
// signed with OAuth 1.0a user context (HMAC-SHA1) by github.com/dghubble/oauth1.
//
// go-twitter (github.com/dghubble/go-twitter) is not used: it was archived in
// 2022 and speaks only API v1.1, through which X no longer accepts posts on
// its free and basic tiers. Its author's OAuth 1.0a signer is what remains.
package x

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dghubble/oauth1"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/platform/internal/attach"
	"github.com/lumohanke/lumobot/bot/platform/internal/httpx"
	"github.com/lumohanke/lumobot/bot/platform/internal/weburl"
	"github.com/lumohanke/lumobot/bot/render"
)

// DefaultAPIURL is where X API v2 answers.
const DefaultAPIURL = "https://api.x.com"

// limit is X's post length limit, in twitter-text weighted characters.
const limit = 280

// Options configure a Client.
type Options struct {
	APIURL string // default DefaultAPIURL

	ConsumerKey, ConsumerSecret    string // the app's API key and secret
	AccessToken, AccessTokenSecret string // the posting account's token (Read and Write)

	// Count measures text as X does (twitter-text v3 weighted length, from
	// bot/render). Default: utf8.RuneCountInString, right only for plain
	// Latin text without URLs.
	Count func(string) int
	// Now is the clock, for Quota and rate-limit resets. Required.
	Now func() time.Time

	// Media loads a post's images (files or URLs); needed for posts with
	// images, which fail without it.
	Media media.Loader
	// Cache keeps uploaded media ids (the state's key/value table) so that
	// a retry of a delivery posts with the media its first attempt
	// uploaded, while X keeps them. Nil: every attempt uploads.
	Cache Cache
}

// Client posts to one X account.
type Client struct {
	api    *url.URL
	hx     *httpx.Client
	redact *httpx.Redactor
	logger *slog.Logger
	count  func(string) int
	now    func() time.Time
	media  media.Loader
	cache  attach.Cache

	mu    sync.Mutex
	quota Quota
}

// Compile-time checks.
var (
	_ bot.Poster  = (*Client)(nil)
	_ bot.Counter = (*Client)(nil)
)

// New checks opts and returns a Client. It returns an error naming the first
// missing credential, or the missing clock. client supplies the transport and timeout (nil: a
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
	if opts.Now == nil {
		return nil, errors.New("x: the clock (Options.Now) is missing")
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

	red := httpx.NewRedactor(opts.ConsumerKey, opts.ConsumerSecret, opts.AccessToken, opts.AccessTokenSecret)
	if api.User != nil {
		pw, _ := api.User.Password()
		red.Add(api.User.Username(), pw)
	}
	c := &Client{api: api, redact: red, logger: logger, count: opts.Count, now: opts.Now, media: opts.Media}
	if opts.Cache != nil {
		c.cache = attach.Cache{Platform: "x", Store: opts.Cache, Logger: logger}
	}
	c.hx = httpx.New(&hc, httpx.Options{MaxText: 300, Redact: red, Now: opts.Now, Reset: resetAt})
	if c.count == nil {
		c.count = utf8.RuneCountInString
	}
	return c, nil
}

// Length measures text as X counts it (see Options.Count).
func (c *Client) Length(text string) int { return c.count(text) }

// Limit is X's post length limit: 280.
func (c *Client) Limit() int { return limit }

// Shorten fits text to X as twitter-text reads it: its links, hashtags,
// cashtags and mentions kept whole, the result valid.
func (c *Client) Shorten(text string) (string, error) { return render.X().Shorten(text) }

// Post creates a post with p.Text. A 403 duplicate-content refusal is
// returned as a permanent error wrapping bot.ErrDuplicate: X refuses a text
// it has seen recently, which is this post only if an earlier attempt's
// answer was lost, and the core knows whether one was.
func (c *Client) Post(ctx context.Context, p bot.Post) (bot.Receipt, error) {
	if !render.XValid(p.Text) {
		// X would refuse it: say why here, not as X's 400.
		return bot.Receipt{}, bot.Permanent(fmt.Errorf("x: the text is not valid for X (over %d weighted characters, or a character X refuses such as U+FEFF)", limit))
	}
	r, err := c.post(ctx, p)
	return r, c.redact.Error(err)
}

func (c *Client) post(ctx context.Context, p bot.Post) (bot.Receipt, error) {
	if at, ok := c.exhausted(); ok {
		// X said no posts are left until at: asking again would only
		// spend a request (and, on paid plans, money) on a 429.
		return bot.Receipt{}, bot.RetryAt(fmt.Errorf("x: post limit reached, as x reported; it resets at %s", at.UTC().Format(time.RFC3339)), at)
	}
	ids, err := c.mediaIDs(ctx, p)
	if err != nil {
		return bot.Receipt{}, err
	}
	type mediaIDs struct {
		MediaIDs []string `json:"media_ids"`
	}
	body := struct {
		Text  string    `json:"text"`
		Media *mediaIDs `json:"media,omitempty"`
	}{Text: p.Text}
	if len(ids) > 0 {
		body.Media = &mediaIDs{ids}
	}
	resp, err := c.do(ctx, http.MethodPost, "/2/tweets", body)
	if err != nil {
		return bot.Receipt{}, err
	}
	if !resp.OK() {
		err := c.classify("create post", resp)
		if errors.Is(err, bot.ErrDuplicate) {
			c.logger.Info("x refused the text as a duplicate", "key", p.Key, "target", p.Target)
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
	if err := json.Unmarshal(resp.Body, &created); err != nil || created.Data.ID == "" {
		c.logger.Warn("x accepted the post but its answer has no id", "key", p.Key, "target", p.Target, "status", resp.Status)
		return bot.Receipt{}, nil
	}
	id := created.Data.ID
	return bot.Receipt{ID: id, URL: "https://x.com/i/web/status/" + id}, nil
}

// Check asks X who the credentials belong to (GET /2/users/me) and returns
// "@username", for `lumobot check`.
func (c *Client) Check(ctx context.Context) (string, error) {
	who, err := c.check(ctx)
	return who, c.redact.Error(err)
}

func (c *Client) check(ctx context.Context) (string, error) {
	resp, err := c.do(ctx, http.MethodGet, "/2/users/me", nil)
	if err != nil {
		return "", err
	}
	if !resp.OK() {
		return "", c.classify("check credentials", resp)
	}
	var me struct {
		Data struct {
			Username string `json:"username"`
		} `json:"data"`
	}
	if err := json.Unmarshal(resp.Body, &me); err != nil || me.Data.Username == "" {
		return "", bot.Retryable(fmt.Errorf("x: check credentials: answer has no username (status %d)", resp.Status))
	}
	return "@" + me.Data.Username, nil
}

// do sends one signed request (body as JSON unless nil) and reads the
// answer; see send.
func (c *Client) do(ctx context.Context, method, path string, body any) (*httpx.Response, error) {
	req := httpx.Request{Method: method, URL: c.api.JoinPath(path).String()}
	if body != nil {
		req.JSON = body
	}
	return c.send(ctx, req, path)
}

// send sends one signed request and reads the answer, recording the limits
// it reports, except for the media endpoints: their windows are their own,
// and Quota is about posting. Failures without an answer to judge come back
// classified, with the URL reduced to scheme and host.
func (c *Client) send(ctx context.Context, req httpx.Request, path string) (*httpx.Response, error) {
	method := req.Method
	resp, err := c.hx.Do(ctx, req)
	if resp != nil {
		if !strings.HasPrefix(path, "/2/media/") {
			c.record(resp.Header)
		}
		c.logger.Debug("x answered", "method", method, "path", path, "status", resp.Status,
			"remaining", resp.Header.Get("x-rate-limit-remaining"),
			"day_remaining", resp.Header.Get("x-user-limit-24hour-remaining"))
	}
	if err != nil {
		return nil, httpx.Wrap(err, fmt.Sprintf("x: %s %s%s", method, weburl.Host(c.api.String()), path))
	}
	return resp, nil
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

// text joins what the problem says ("" if nothing).
func (p problem) text() string {
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
	return strings.Join(parts, "; ")
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

// classify words a non-2xx answer; httpx decides its class.
func (c *Client) classify(op string, resp *httpx.Response) error {
	var p problem
	msg := c.hx.Text(resp.Body, func(b []byte) string {
		_ = json.Unmarshal(b, &p) // a non-JSON body leaves p empty: the body is quoted
		return p.text()
	})
	status := resp.Status
	var err error
	switch {
	case status == http.StatusForbidden && p.has(187, "duplicate"):
		err = fmt.Errorf("x: %s: refused as %w (403): %s", op, bot.ErrDuplicate, msg)
	case status == http.StatusUnauthorized:
		err = fmt.Errorf("x: %s: unauthorized (401): %s: check consumer key/secret and access token/secret", op, msg)
	case status == http.StatusForbidden && p.has(453, "subset of x api"):
		err = fmt.Errorf("x: %s: forbidden (403): %s: the app's access level does not include this endpoint; attach the app to a project with an access level that does", op, msg)
	case status == http.StatusForbidden:
		err = fmt.Errorf("x: %s: forbidden (403): %s: set the app's permissions to Read and Write in the developer portal, then regenerate the access token and secret", op, msg)
	case status == http.StatusTooManyRequests:
		err = fmt.Errorf("x: %s: rate limited (429): %s", op, msg)
	case status/100 == 3:
		err = fmt.Errorf("x: %s: redirected (%d) to %s: set api_url to the final address", op, status, weburl.Host(resp.Header.Get("Location")))
	case status == http.StatusBadRequest:
		err = fmt.Errorf("x: %s: invalid request (400): %s", op, msg)
	default:
		err = fmt.Errorf("x: %s: status %d: %s", op, status, msg)
	}
	return c.hx.Classify(resp, err)
}
