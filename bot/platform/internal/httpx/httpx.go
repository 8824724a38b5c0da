// Package httpx is the HTTP plumbing the platform clients share, so that
// they cannot drift apart: build and send a request, read the answer with a
// size cap, sort an answer into the core's error classes, and keep the
// client's credentials out of every error text (Redactor). It follows
// alertmanager's notify.PostJSON and Retrier.Check: the client keeps its own
// words (which call, which hint), this package decides the class.
package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/internal/weburl"
	"github.com/lumohanke/lumobot/internal/redact"
)

// Defaults of Options.
const (
	DefaultMaxBody = 1 << 20
	DefaultMaxText = 300
)

// Request is one call. At most one of JSON, Form and Body is set.
type Request struct {
	Method string
	URL    string // may hold a secret (a webhook's path): no error shows it
	// JSON is sent as application/json when not nil.
	JSON any
	// Form is sent as application/x-www-form-urlencoded when not nil.
	Form url.Values
	// Body is sent as it is, with ContentType, when JSON and Form are nil.
	Body        []byte
	ContentType string
	// Header holds more headers. User-Agent is "lumobot" and Content-Type
	// the body's unless set here.
	Header http.Header
}

// Response is an answer, read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte // at most Options.MaxBody bytes
	// ReadErr is set when reading a 2xx answer failed; Body holds what
	// came. The platform did accept the request: whether that is a success
	// is the client's call.
	ReadErr error
}

// OK reports a 2xx status.
func (r *Response) OK() bool { return r.Status/100 == 2 }

// Options configure a Client.
type Options struct {
	MaxBody int64 // bytes of an answer read; default DefaultMaxBody
	MaxText int   // bytes of an answer quoted in an error; default DefaultMaxText
	Redact  *Redactor
	// Now is the clock, for Retry-After. Required.
	Now func() time.Time
	// Reset reads the platform's own rate-limit reset header(s), for 429
	// and 503 answers without Retry-After; nil: none.
	Reset func(h http.Header, now time.Time) (time.Time, bool)
}

// Client sends requests for one platform client.
type Client struct {
	http *http.Client
	opts Options
}

// New returns a Client sending through hc. A nil hc or clock is a
// programming error and panics.
func New(hc *http.Client, opts Options) *Client {
	if hc == nil || opts.Now == nil {
		panic("httpx: New needs an *http.Client and a clock")
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxText <= 0 {
		opts.MaxText = DefaultMaxText
	}
	return &Client{http: hc, opts: opts}
}

// Redactor is the client's Redactor (nil if none was given).
func (c *Client) Redactor() *Redactor { return c.opts.Redact }

// Do sends r and reads the answer. It returns an error only when there is
// no answer to judge, already classified and redacted, without the URL:
// encoding or building the request (permanent), the transport (retryable),
// reading a non-2xx answer (retryable). A non-2xx answer is not an error
// here: the caller words it and Classify sorts it.
func (c *Client) Do(ctx context.Context, r Request) (*Response, error) {
	body, ctype, err := encode(r)
	if err != nil {
		return nil, bot.Permanent(c.opts.Redact.Error(fmt.Errorf("encode request: %w", err)))
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, rd)
	if err != nil {
		return nil, bot.Permanent(c.opts.Redact.Error(fmt.Errorf("build request: %w", weburl.Unwrap(err))))
	}
	for name, values := range r.Header {
		req.Header[http.CanonicalHeaderKey(name)] = values
	}
	if ctype != "" && req.Header.Get("Content-Type") == "" { // the caller's, with its parameters, wins
		req.Header.Set("Content-Type", ctype)
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "lumobot")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// *url.Error repeats the URL, which may be the secret.
		return nil, bot.Retryable(c.opts.Redact.Error(weburl.Unwrap(err)))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody))
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: data}
	if err != nil {
		err = c.opts.Redact.Error(weburl.Unwrap(err))
		if out.OK() {
			out.ReadErr = err
			return out, nil
		}
		return out, bot.Retryable(fmt.Errorf("read answer (status %d): %w", resp.StatusCode, err))
	}
	return out, nil
}

func encode(r Request) ([]byte, string, error) {
	switch {
	case r.JSON != nil:
		b, err := json.Marshal(r.JSON)
		return b, "application/json", err
	case r.Form != nil:
		return []byte(r.Form.Encode()), "application/x-www-form-urlencoded", nil
	case r.Body != nil:
		return r.Body, r.ContentType, nil
	}
	return nil, "", nil
}

// Classify sorts a non-2xx answer into the core's classes around err, the
// client's own words for it (see Class); nil for a 2xx answer.
func (c *Client) Classify(resp *Response, err error) error {
	if resp.OK() {
		return nil
	}
	return c.opts.Redact.Error(Class(resp.Status, c.RetryAt(resp), err))
}

// Class sorts a non-2xx status into the core's classes around err:
//
//   - 429 and 503: bot.RetryAt(at) when at is known, else bot.Retryable;
//   - 408, 425 and the other 5xx: bot.Retryable (the request may not have
//     been read, or the server is in trouble);
//   - everything else (3xx not followed, 4xx): bot.Permanent.
func Class(status int, at time.Time, err error) error {
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable:
		if !at.IsZero() {
			return bot.RetryAt(err, at)
		}
		return bot.Retryable(err)
	case status == http.StatusRequestTimeout || status == http.StatusTooEarly || status >= 500:
		return bot.Retryable(err)
	default:
		return bot.Permanent(err)
	}
}

// RetryAt is when a 429 or 503 answer says to try again: Retry-After
// (delay-seconds or an HTTP-date), else the platform's reset header
// (Options.Reset). Zero for other answers and for a time not after now
// (the caller backs off rather than retrying at once in a loop).
func (c *Client) RetryAt(resp *Response) time.Time {
	if resp.Status != http.StatusTooManyRequests && resp.Status != http.StatusServiceUnavailable {
		return time.Time{}
	}
	now := c.opts.Now()
	if at, ok := RetryAfter(resp.Header.Get("Retry-After"), now); ok {
		return at
	}
	if c.opts.Reset != nil {
		if at, ok := c.opts.Reset(resp.Header, now); ok && at.After(now) {
			return at
		}
	}
	return time.Time{}
}

// RetryAfter reads a Retry-After value (RFC 9110 §10.2.3): delay-seconds
// or an HTTP-date, which must be after now.
func RetryAfter(v string, now time.Time) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return time.Time{}, false
		}
		return now.Add(time.Duration(secs) * time.Second), true
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t, true
	}
	return time.Time{}, false
}

// Text is what an error answer says, for an error message: what parse finds
// in body (the platform's error fields), else body itself; credentials
// removed first, then whitespace collapsed and cut to Options.MaxText
// bytes. "" when there is nothing to quote.
func (c *Client) Text(body []byte, parse func([]byte) string) string {
	s := ""
	if parse != nil {
		s = parse(body)
	}
	if strings.TrimSpace(s) == "" {
		s = string(body)
	}
	// Redacted before and after the whitespace is collapsed (a secret with
	// a space in it may come back with a line break), and before the cut,
	// which could leave half a secret that no longer matches.
	s = c.opts.Redact.String(strings.ToValidUTF8(s, "\uFFFD"))
	s = c.opts.Redact.String(strings.Join(strings.Fields(s), " "))
	return Shorten(s, c.opts.MaxText)
}

// Shorten cuts s to at most n bytes on a rune boundary, marking the cut.
func Shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// Wrap puts prefix in front of err's text, keeping err's class outermost
// (a *bot.DeliveryError found in err); nil stays nil.
func Wrap(err error, prefix string) error {
	if err == nil {
		return nil
	}
	wrapped := fmt.Errorf("%s: %w", prefix, err)
	var de *bot.DeliveryError
	if errors.As(err, &de) {
		return &bot.DeliveryError{Permanent: de.Permanent, RetryAt: de.RetryAt, Err: wrapped}
	}
	return wrapped
}

// Redactor removes a client's credentials from every text it returns; it is
// the one redaction of the whole program (internal/redact), which also
// serves the logs and stored reasons.
type Redactor = redact.Redactor

// NewRedactor returns a Redactor for secrets (empty ones are ignored).
func NewRedactor(secrets ...string) *Redactor { return redact.New(secrets...) }
