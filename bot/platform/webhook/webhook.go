// Package webhook posts to incoming webhooks (Teams, Slack, Matrix hookshot,
// Discord, or anything taking a JSON POST). The webhook URL is a secret: it
// appears in errors and logs only as scheme and host.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"text/template"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/platform/internal/attach"
	"github.com/lumohanke/lumobot/bot/platform/internal/httpx"
	"github.com/lumohanke/lumobot/bot/platform/internal/weburl"
)

// DefaultBody is the body template used when Options.Body is empty: the
// shape Slack, Teams (legacy connectors) and Mattermost accept.
const DefaultBody = `{"text": {{json .Text}}}`

const (
	maxAnswer  = 64 << 10 // bytes of an answer read
	maxSnippet = 200      // bytes of an error answer quoted in an error
)

// Options configure a Client.
type Options struct {
	URL     string            // the webhook URL; a secret
	Body    string            // text/template of the JSON body; default DefaultBody
	Headers map[string]string // extra request headers; values may be secrets and are never shown
	// Now is the clock, for Retry-After. Required.
	Now func() time.Time
}

// Data is what the body template sees.
type Data struct {
	Text   string    // exactly what is posted
	Key    string    // idempotency key
	Kind   bot.Kind  // news | reminder | announcement
	Link   string    // the post's main link, if any
	Due    time.Time // when the post fell due
	Target string    // the target's name
	// Images are the post's pictures. A webhook uploads nothing: a
	// receiver can show an image only by its URL.
	Images []Image
}

// Image is one of the post's pictures as the body template sees it;
// {{json .Images}} writes them as a JSON array of {"url","alt","name"}.
type Image struct {
	URL  string `json:"url"`  // the source when it is an http(s) URL; "" for a file
	Alt  string `json:"alt"`  // the text alternative
	Name string `json:"name"` // the source's base name
}

// images is p's pictures for the template.
func images(p bot.Post) []Image {
	var out []Image
	for _, im := range p.Images {
		img := Image{Alt: im.Alt, Name: attach.Name(im.Source)}
		if attach.IsURL(im.Source) {
			img.URL = im.Source
		}
		out = append(out, img)
	}
	return out
}

// MediaLimits is zero: a webhook takes no uploads, and a receiver's own
// limits are unknown.
func (c *Client) MediaLimits(context.Context) media.Limits { return media.Limits{} }

// AltLimit is 0: no limit known.
func (c *Client) AltLimit(context.Context) int { return 0 }

// Client posts to one webhook.
type Client struct {
	url     *url.URL
	where   string // scheme://host, for errors and logs
	body    *template.Template
	headers http.Header
	hx      *httpx.Client
	redact  *httpx.Redactor
	logger  *slog.Logger
}

// Compile-time checks.
var (
	_ bot.Poster  = (*Client)(nil)
	_ bot.Counter = (*Client)(nil)
)

// New checks opts, parses the body template once and tries it on sample
// data, so that a bad URL, template or header is a config error. client
// supplies transport and timeout (nil: a client with a 30 s timeout);
// redirects are not followed, as a redirected POST turns into a GET and the
// post would be lost while looking sent.
func New(opts Options, logger *slog.Logger, client *http.Client) (*Client, error) {
	if strings.TrimSpace(opts.URL) == "" {
		return nil, errors.New("webhook: url is missing")
	}
	u, err := url.Parse(strings.TrimSpace(opts.URL))
	if err != nil {
		// url.Parse quotes the whole URL in its error: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("webhook: url is not valid: %v", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("webhook: url must be an http(s) URL with a host, got scheme %q", u.Scheme)
	}
	if opts.Now == nil {
		return nil, errors.New("webhook: the clock (Options.Now) is missing")
	}
	c := &Client{url: u, where: u.Scheme + "://" + u.Host, logger: logger, headers: http.Header{}, redact: httpx.NewRedactor()}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	c.redact.AddURL(u)

	src := opts.Body
	if strings.TrimSpace(src) == "" {
		src = DefaultBody
	}
	// The body sees the rendered post; "json" makes a value a JSON literal.
	c.body, err = template.New("body").Option("missingkey=error").Funcs(template.FuncMap{"json": jsonLiteral}).Parse(src)
	if err != nil {
		return nil, fmt.Errorf("webhook: body: %w", err)
	}
	sample := Data{Text: `Muistutus: "LUMO" ke 5.5.2021 klo 13.30–15.00 #LUMOhanke`, Key: "reminder:sample:1d",
		Kind: bot.KindReminder, Link: "https://example.fi/lumo", Due: time.Date(2021, 5, 4, 9, 0, 0, 0, time.UTC), Target: "webhook",
		Images: []Image{{URL: "https://example.fi/kuvat/lumo-ilta.jpg", Alt: `Oppilaita "LUMO"-illassa`, Name: "lumo-ilta.jpg"}}}
	if _, err := c.render(sample); err != nil {
		return nil, fmt.Errorf("webhook: body: %w", err)
	}

	for name, value := range opts.Headers {
		if !validName(name) {
			return nil, fmt.Errorf("webhook: header name %q is not valid", name)
		}
		if strings.ContainsAny(value, "\r\n\x00") {
			return nil, fmt.Errorf("webhook: header %s: value contains a line break", name)
		}
		c.headers.Set(name, value)
		c.redact.AddHeader(value)
	}

	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	hc := *client
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hx = httpx.New(&hc, httpx.Options{MaxBody: maxAnswer, MaxText: maxSnippet, Redact: c.redact, Now: opts.Now})
	return c, nil
}

// Length is the number of characters (runes) in text.
func (c *Client) Length(text string) int { return utf8.RuneCountInString(text) }

// Limit is 0: webhooks set no length limit of their own.
func (c *Client) Limit() int { return 0 }

// Post renders the body for p and POSTs it as application/json, with
// Idempotency-Key: p.Key for receivers that honour it.
func (c *Client) Post(ctx context.Context, p bot.Post) (bot.Receipt, error) {
	r, err := c.post(ctx, p)
	return r, c.redact.Error(err)
}

func (c *Client) post(ctx context.Context, p bot.Post) (bot.Receipt, error) {
	body, err := c.render(Data{Text: p.Text, Key: p.Key, Kind: p.Kind, Link: p.Link, Due: p.Due, Target: p.Target, Images: images(p)})
	if err != nil {
		return bot.Receipt{}, bot.Permanent(fmt.Errorf("webhook: %s: %w", p.Key, err))
	}
	h := c.headers.Clone()
	if p.Key != "" && h.Get("Idempotency-Key") == "" {
		h.Set("Idempotency-Key", p.Key)
	}
	resp, err := c.hx.Do(ctx, httpx.Request{Method: http.MethodPost, URL: c.url.String(), Body: body, ContentType: "application/json", Header: h})
	if resp != nil {
		c.logger.Debug("webhook answered", "host", c.url.Host, "status", resp.Status, "key", p.Key, "target", p.Target)
	}
	if err != nil {
		return bot.Receipt{}, httpx.Wrap(err, "webhook: post to "+c.where)
	}
	status := resp.Status
	switch {
	case resp.OK():
		// Delivered, whatever the body says: never send it twice.
		return bot.Receipt{ID: answerID(resp.Body)}, nil
	case status == http.StatusTooManyRequests:
		err = fmt.Errorf("webhook: post to %s: rate limited (429): %s", c.where, c.snippet(resp.Body))
	case status/100 == 3:
		err = fmt.Errorf("webhook: post to %s: redirected (%d) to %s: configure the final url",
			c.where, status, weburl.Host(resp.Header.Get("Location")))
	case status == http.StatusUnauthorized, status == http.StatusForbidden, status == http.StatusNotFound, status == http.StatusGone:
		err = fmt.Errorf("webhook: post to %s: status %d: %s: check the webhook url (it may have been revoked) and the headers",
			c.where, status, c.snippet(resp.Body))
	default:
		err = fmt.Errorf("webhook: post to %s: status %d: %s", c.where, status, c.snippet(resp.Body))
	}
	return bot.Receipt{}, c.hx.Classify(resp, err)
}

// render executes the body template and checks that the result is JSON.
func (c *Client) render(d Data) ([]byte, error) {
	var b bytes.Buffer
	if err := c.body.Execute(&b, d); err != nil {
		return nil, fmt.Errorf("render body: %w", err)
	}
	if !json.Valid(b.Bytes()) {
		var v any
		err := json.Unmarshal(b.Bytes(), &v)
		return nil, fmt.Errorf("rendered body is not valid JSON (use {{json .Text}} for strings): %v", err)
	}
	return b.Bytes(), nil
}

// jsonLiteral writes v as a JSON value, without HTML escaping.
func jsonLiteral(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// answerID is the "id" of a JSON object answer (Discord with ?wait=true,
// many custom receivers), string or number; "" otherwise.
func answerID(answer []byte) string {
	var v struct {
		ID json.RawMessage `json:"id"`
	}
	if json.Unmarshal(answer, &v) != nil || len(v.ID) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(v.ID, &s) == nil {
		return s
	}
	var n json.Number
	if json.Unmarshal(v.ID, &n) == nil {
		return n.String()
	}
	return ""
}

// snippet quotes at most maxSnippet bytes of an answer, with the webhook
// URL's pieces and the header values removed (see redact.Redactor.AddURL),
// in case the receiver echoes them back.
func (c *Client) snippet(answer []byte) string {
	s := c.hx.Text(answer, nil)
	if s == "" {
		return "(empty answer)"
	}
	return strconv.Quote(s)
}

// validName reports whether name is an HTTP header field name (RFC 9110 token).
func validName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if r > 0x7e || r <= ' ' || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return false
		}
	}
	return true
}
