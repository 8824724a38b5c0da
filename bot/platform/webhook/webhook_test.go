package webhook_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/platformtest"
	"github.com/lumohanke/lumobot/bot/platform/webhook"
)

// The secret parts of the webhook URL (Slack-shaped) and of a header.
const (
	secretPath  = "/services/T0LUMO1/B0LUMO2/s3cr3tW3bh00kT0k3n"
	secretQuery = "qu3ryS3cr3t"
	headerToken = "Bearer h3ad3rS3cr3tT0k3n"
)

var secrets = []string{secretPath, "s3cr3tW3bh00kT0k3n", secretQuery, headerToken}

var now = time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)

type request struct {
	Method, URI string
	Header      http.Header
	Body        string
}

type fakeHook struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newFakeHook(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *fakeHook {
	t.Helper()
	f := &fakeHook{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, request{Method: r.Method, URI: r.URL.RequestURI(), Header: r.Header.Clone(), Body: string(body)})
		n := len(f.reqs)
		f.mu.Unlock()
		answer(w, r, n)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeHook) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

// hookURL is the server's webhook URL, with its secret path and query.
func (f *fakeHook) hookURL() string { return f.URL + secretPath + "?token=" + secretQuery }

func reply(status int, body string, headers ...string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// echo answers with the request URL in the body, as some receivers do in
// their error pages.
func echo(status int) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, r *http.Request, _ int) {
		w.WriteHeader(status)
		io.WriteString(w, `{"error":"no webhook at `+r.URL.RequestURI()+`","path":"`+r.URL.Path+`"}`)
	}
}

func lose(w http.ResponseWriter, _ *http.Request, _ int) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

func newClient(t *testing.T, opts webhook.Options, logger *slog.Logger, hc *http.Client) *webhook.Client {
	t.Helper()
	if opts.Now == nil {
		opts.Now = func() time.Time { return now }
	}
	c, err := webhook.New(opts, logger, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var post = bot.Post{
	Key: "reminder:kehittajaryhma-2021-05:1d", Kind: bot.KindReminder, Target: "teams",
	Due:  time.Date(2021, 5, 4, 9, 0, 0, 0, time.FixedZone("EEST", 3*3600)),
	Text: "Muistutus: LUMO-hankkeen \"kehittäjäryhmä\" ke 5.5.2021 klo 13.30–15.00 <Teams> & https://example.fi/lumo\n#LUMOhanke",
	Link: "https://example.fi/lumo",
}

type postCase struct {
	name    string
	answer  func(http.ResponseWriter, *http.Request, int)
	want    string
	wantAt  time.Time
	wantID  string
	wantMsg []string
}

func postCases() []postCase {
	long := strings.Repeat("virhe ", 60) // 360 bytes
	return []postCase{
		{name: "slack ok", answer: reply(200, "ok"), want: "sent"},
		{name: "no content", answer: reply(204, ""), want: "sent"},
		{name: "teams workflow accepted", answer: reply(202, ""), want: "sent"},
		{name: "discord message with id", answer: reply(200, `{"id":"1236548749187305512","type":0,"content":"x"}`), want: "sent", wantID: "1236548749187305512"},
		{name: "numeric id", answer: reply(201, `{"id": 42}`), want: "sent", wantID: "42"},
		{name: "bad request, long body cut", answer: reply(400, long), want: "permanent",
			wantMsg: []string{"status 400", "virhe virhe", "…"}},
		{name: "discord unknown webhook", answer: reply(404, `{"message": "Unknown Webhook", "code": 10015}`), want: "permanent",
			wantMsg: []string{"status 404", "Unknown Webhook", "check the webhook url"}},
		{name: "slack invalid token", answer: reply(403, "invalid_token"), want: "permanent",
			wantMsg: []string{"status 403", "invalid_token"}},
		{name: "slack archived channel", answer: reply(410, "channel_is_archived"), want: "permanent", wantMsg: []string{"status 410"}},
		{name: "payload too large", answer: reply(413, ""), want: "permanent", wantMsg: []string{"status 413", "(empty answer)"}},
		{name: "echoed url is redacted", answer: echo(404), want: "permanent", wantMsg: []string{"[redacted]"}},
		{name: "rate limited, seconds", answer: reply(429, `{"message": "You are being rate limited.", "retry_after": 30, "global": false}`, "Retry-After", "30"),
			want: "retry-at", wantAt: now.Add(30 * time.Second), wantMsg: []string{"rate limited (429)"}},
		{name: "rate limited, http date", answer: reply(429, "", "Retry-After", "Tue, 05 May 2026 10:05:00 GMT"),
			want: "retry-at", wantAt: time.Date(2026, 5, 5, 10, 5, 0, 0, time.UTC)},
		{name: "rate limited, date already passed", answer: reply(429, "", "Retry-After", "Tue, 05 May 2026 09:05:00 GMT"), want: "retryable"},
		{name: "rate limited, no retry-after", answer: reply(429, "rate_limited"), want: "retryable"},
		{name: "request timeout", answer: reply(408, ""), want: "retryable"},
		{name: "server error", answer: reply(500, "oops"), want: "retryable", wantMsg: []string{"status 500"}},
		{name: "bad gateway", answer: reply(502, "<html>Bad Gateway</html>"), want: "retryable", wantMsg: []string{"status 502"}},
		{name: "unavailable", answer: reply(503, ""), want: "retryable"},
		{name: "unavailable, retry-after", answer: reply(503, "maintenance", "Retry-After", "300"),
			want: "retry-at", wantAt: now.Add(5 * time.Minute), wantMsg: []string{"status 503", "maintenance"}},
		{name: "connection dropped after the request", answer: lose, want: "retryable"},
		{name: "redirect is not followed", answer: reply(302, "", "Location", "https://login.example"+secretPath), want: "permanent",
			wantMsg: []string{"redirected (302)", "https://login.example"}},
	}
}

func TestPost(t *testing.T) {
	for _, tc := range postCases() {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeHook(t, tc.answer)
			c := newClient(t, webhook.Options{URL: srv.hookURL(), Headers: map[string]string{"Authorization": headerToken}}, nil, nil)
			rec, err := c.Post(context.Background(), post)
			if got := platformtest.Outcome(err); got != tc.want {
				t.Fatalf("outcome %s (err %v), want %s", got, err, tc.want)
			}
			if !platformtest.RetryAt(err).Equal(tc.wantAt) {
				t.Errorf("retry at %v, want %v", platformtest.RetryAt(err), tc.wantAt)
			}
			for _, s := range tc.wantMsg {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if err != nil {
				if !strings.HasPrefix(err.Error(), "webhook: ") {
					t.Errorf("error %q lacks the lower-case context", err)
				}
				// status, host, the 200-byte quote and the hint fit well in 400
				if len(err.Error()) > 400 {
					t.Errorf("error is %d bytes long: %q", len(err.Error()), err)
				}
			}
			if rec.ID != tc.wantID || rec.URL != "" {
				t.Errorf("receipt %+v, want id %q", rec, tc.wantID)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want exactly 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.URI != secretPath+"?token="+secretQuery {
				t.Errorf("request %s %s", r.Method, r.URI)
			}
			for name, want := range map[string]string{"Content-Type": "application/json", "Authorization": headerToken, "Idempotency-Key": post.Key} {
				if got := r.Header.Get(name); got != want {
					t.Errorf("header %s = %q, want %q", name, got, want)
				}
			}
			var body struct{ Text string }
			if err := json.Unmarshal([]byte(r.Body), &body); err != nil || body.Text != post.Text {
				t.Errorf("body %s does not carry the text exactly (%v)", r.Body, err)
			}
		})
	}
}

func TestBodyTemplate(t *testing.T) {
	tests := []struct {
		name string
		body string
		want map[string]any
	}{
		{name: "default", body: "", want: map[string]any{"text": post.Text}},
		{name: "every field", body: `{"text":{{json .Text}},"key":{{json .Key}},"kind":{{json .Kind}},"link":{{json .Link}},"due":{{json .Due}},"target":{{json .Target}}}`,
			want: map[string]any{"text": post.Text, "key": post.Key, "kind": "reminder", "link": post.Link, "due": "2021-05-04T09:00:00+03:00", "target": "teams"}},
		{name: "matrix hookshot", body: `{"text": {{json .Text}}, "username": "lumobot"}`, want: map[string]any{"text": post.Text, "username": "lumobot"}},
		{name: "discord", body: `{"content": {{json .Text}}, "allowed_mentions": {"parse": []}}`,
			want: map[string]any{"content": post.Text, "allowed_mentions": map[string]any{"parse": []any{}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeHook(t, reply(204, ""))
			c := newClient(t, webhook.Options{URL: srv.URL, Body: tc.body}, nil, nil)
			if _, err := c.Post(context.Background(), post); err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal([]byte(srv.requests()[0].Body), &got); err != nil {
				t.Fatal(err)
			}
			gotJSON, _ := json.Marshal(got)
			wantJSON, _ := json.Marshal(tc.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("body\n got %s\nwant %s", gotJSON, wantJSON)
			}
		})
	}
}

// A body that renders to something other than JSON is refused before any
// request is made.
func TestInvalidJSONNotSent(t *testing.T) {
	srv := newFakeHook(t, reply(200, "ok"))
	c := newClient(t, webhook.Options{URL: srv.URL, Body: `{"text": {{json .Text}}, "link": "{{.Link}}"}`}, nil, nil)
	p := post
	p.Link = `https://example.fi/?q="lumo"`
	_, err := c.Post(context.Background(), p)
	if platformtest.Outcome(err) != "permanent" || !strings.Contains(err.Error(), "not valid JSON") {
		t.Fatalf("got %s (%v), want permanent invalid JSON", platformtest.Outcome(err), err)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("%d requests made with an invalid body", n)
	}
}

func TestNew(t *testing.T) {
	const good = "https://hooks.example" + secretPath
	tests := []struct {
		name string
		opts webhook.Options
		want string // "" ok
	}{
		{"ok", webhook.Options{URL: good}, ""},
		{"no url", webhook.Options{}, "url is missing"},
		{"bad url", webhook.Options{URL: "https://hooks.example" + secretPath + "/%zz"}, "url is not valid"},
		{"not http", webhook.Options{URL: "ftp://hooks.example" + secretPath}, `scheme "ftp"`},
		{"no host", webhook.Options{URL: "https://" + secretPath}, "with a host"},
		{"template does not parse", webhook.Options{URL: good, Body: `{"text": {{json .Text}`}, "webhook: body"},
		{"unknown function", webhook.Options{URL: good, Body: `{"text": {{jsonify .Text}}}`}, `"jsonify" not defined`},
		{"unknown field", webhook.Options{URL: good, Body: `{"text": {{json .Title}}}`}, "Title"},
		{"not JSON", webhook.Options{URL: good, Body: `{"text": "{{.Text}}"}`}, "not valid JSON"},
		{"plain text", webhook.Options{URL: good, Body: `{{.Text}}`}, "not valid JSON"},
		{"bad header name", webhook.Options{URL: good, Headers: map[string]string{"Bad Header": "x"}}, "header name"},
		{"header injection", webhook.Options{URL: good, Headers: map[string]string{"Authorization": headerToken + "\r\nX-Evil: 1"}}, "line break"},
		{"no clock", webhook.Options{URL: good}, "clock"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.name != "no clock" {
				tc.opts.Now = func() time.Time { return now }
			}
			_, err := webhook.New(tc.opts, nil, nil)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			platformtest.CheckNoSecrets(t, "error", err.Error(), secrets...)
		})
	}
}

func TestTimeout(t *testing.T) {
	block := func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	srv := newFakeHook(t, block)
	c := newClient(t, webhook.Options{URL: srv.hookURL()}, nil, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Post(ctx, post)
	if platformtest.Outcome(err) != "retryable" || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %s (%v), want retryable deadline exceeded", platformtest.Outcome(err), err)
	}

	c = newClient(t, webhook.Options{URL: srv.hookURL()}, nil, &http.Client{Timeout: 100 * time.Millisecond})
	if _, err := c.Post(context.Background(), post); platformtest.Outcome(err) != "retryable" {
		t.Fatalf("client timeout: got %s (%v), want retryable", platformtest.Outcome(err), err)
	}
}

func TestCounter(t *testing.T) {
	c := newClient(t, webhook.Options{URL: "https://hooks.example/x"}, nil, nil)
	if c.Limit() != 0 {
		t.Errorf("Limit = %d, want 0 (none)", c.Limit())
	}
	if n := c.Length("Hyvää päivää 🙂"); n != 14 {
		t.Errorf("Length = %d, want 14 runes", n)
	}
}

// The webhook URL's path and query and the header values appear in no
// error and no log line, whatever the receiver answers.
func TestNoSecretsLeak(t *testing.T) {
	logger, logs := platformtest.CaptureLog()
	var texts []string
	for _, tc := range postCases() {
		srv := newFakeHook(t, tc.answer)
		c := newClient(t, webhook.Options{URL: srv.hookURL(), Headers: map[string]string{"Authorization": headerToken}}, logger, nil)
		if _, err := c.Post(context.Background(), post); err != nil {
			texts = append(texts, err.Error())
		}
	}
	// refused, timed out, and an invalid body
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := newClient(t, webhook.Options{URL: srv.URL + secretPath + "?token=" + secretQuery}, logger, nil)
	_, err := c.Post(context.Background(), post)
	texts = append(texts, err.Error())
	slow := newFakeHook(t, func(w http.ResponseWriter, r *http.Request, _ int) { <-r.Context().Done() })
	c = newClient(t, webhook.Options{URL: slow.hookURL()}, logger, &http.Client{Timeout: 50 * time.Millisecond})
	_, err = c.Post(context.Background(), post)
	texts = append(texts, err.Error())
	c = newClient(t, webhook.Options{URL: slow.hookURL(), Body: `{"a": "{{.Link}}"}`}, logger, nil)
	p := post
	p.Link = `"`
	_, err = c.Post(context.Background(), p)
	texts = append(texts, err.Error())

	if len(texts) < 15 {
		t.Fatalf("only %d errors collected", len(texts))
	}
	for _, s := range texts {
		platformtest.CheckNoSecrets(t, "error", s, secrets...)
	}
	platformtest.CheckNoSecrets(t, "log", logs.String(), secrets...)
	if !strings.Contains(logs.String(), "webhook answered") {
		t.Error("nothing was logged: the log check proves nothing")
	}
}

// A receiver that writes the webhook URL and the header values back in its
// error answers, in any form, leaves none of them in an error or a log.
func TestEchoedSecrets(t *testing.T) {
	const (
		path   = "/hooks/T0LUMO1/s3cr3t+W3bh00k&T0k3n"
		query  = "qu3ry/S3cr3t ä"
		apiKey = `k3y/S3cr3t+&<x>"q`
		user   = "lumo-bot"
		pass   = "pa55/w0rd:x"
	)
	basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	creds := []string{"s3cr3t+W3bh00k&T0k3n", query, apiKey, basic, pass, user + ":" + pass}
	shapes := []func(r *http.Request, echo string) string{
		func(_ *http.Request, echo string) string { // Discord's shape; the answer is quoted, not parsed
			return `{"message": "Invalid Webhook Token ` + echo + `", "code": 50027}`
		},
		func(r *http.Request, echo string) string { // a proxy's page, echoing the request
			return "no hook at " + r.URL.String() + " for " + r.Header.Get("Authorization") + " / " + r.Header.Get("X-Api-Key") + ": " + echo
		},
		func(_ *http.Request, echo string) string { return "invalid_token " + echo }, // Slack
	}
	var mu sync.Mutex
	var cur platformtest.Echo
	var shape int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		e, body := cur, shapes[shape](r, cur.Text)
		mu.Unlock()
		w.WriteHeader(e.Status)
		io.WriteString(w, body)
	}))
	defer srv.Close()
	logger, logs := platformtest.CaptureLog()
	u := srv.URL + path + "?token=" + url.QueryEscape(query)
	c := newClient(t, webhook.Options{URL: u, Headers: map[string]string{"Authorization": "Basic " + basic, "X-Api-Key": apiKey}}, logger, nil)
	echoes := platformtest.Echoes(creds...)
	for i, e := range echoes {
		mu.Lock()
		cur, shape = e, i%len(shapes)
		mu.Unlock()
		_, err := c.Post(context.Background(), post)
		what := fmt.Sprintf("secret #%d as %q, status %d, shape %d: error", e.Secret, e.Text, e.Status, i%len(shapes))
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		platformtest.CheckNoSecrets(t, what, err.Error(), creds...)
		if !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("%s %v: nothing was redacted: the echo did not reach the error, or leaked", what, err)
		}
	}
	if len(echoes) < 6*3*8 {
		t.Fatalf("only %d echoes", len(echoes))
	}
	platformtest.CheckNoSecrets(t, "log", logs.String(), creds...)
}
