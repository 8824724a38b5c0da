package httpx

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

var now = time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// outcome names the class of err as the core sees it.
func outcome(err error) string {
	var de *bot.DeliveryError
	switch {
	case err == nil:
		return "ok"
	case !errors.As(err, &de):
		return "unclassified"
	case de.Permanent:
		return "permanent"
	case !de.RetryAt.IsZero():
		return "retry-at " + de.RetryAt.UTC().Format(time.RFC3339)
	default:
		return "retryable"
	}
}

func TestClassify(t *testing.T) {
	reset := func(h http.Header, _ time.Time) (time.Time, bool) {
		if v := h.Get("X-Reset"); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			return t, err == nil
		}
		return time.Time{}, false
	}
	c := New(http.DefaultClient, Options{Now: clock, Reset: reset})
	for _, tc := range []struct {
		status  int
		headers []string
		want    string
	}{
		{200, nil, "ok"},
		{201, nil, "ok"},
		{204, nil, "ok"},
		{301, nil, "permanent"},
		{400, nil, "permanent"},
		{401, []string{"Retry-After", "30"}, "permanent"}, // Retry-After on a 401 changes nothing
		{403, nil, "permanent"},
		{404, nil, "permanent"},
		{408, nil, "retryable"},
		{413, nil, "permanent"},
		{422, nil, "permanent"},
		{425, nil, "retryable"},
		{429, nil, "retryable"},
		{429, []string{"Retry-After", "30"}, "retry-at 2026-05-05T10:00:30Z"},
		{429, []string{"Retry-After", "0"}, "retry-at 2026-05-05T10:00:00Z"},
		{429, []string{"Retry-After", "-5"}, "retryable"},
		{429, []string{"Retry-After", "Tue, 05 May 2026 10:05:00 GMT"}, "retry-at 2026-05-05T10:05:00Z"},
		{429, []string{"Retry-After", "Tue, 05 May 2026 09:05:00 GMT"}, "retryable"}, // passed
		{429, []string{"Retry-After", "soon"}, "retryable"},
		{429, []string{"X-Reset", "2026-05-05T11:00:00Z"}, "retry-at 2026-05-05T11:00:00Z"},
		{429, []string{"X-Reset", "2026-05-05T09:00:00Z"}, "retryable"}, // passed
		{429, []string{"Retry-After", "60", "X-Reset", "2026-05-05T11:00:00Z"}, "retry-at 2026-05-05T10:01:00Z"},
		{500, nil, "retryable"},
		{502, nil, "retryable"},
		{503, nil, "retryable"},
		{503, []string{"Retry-After", "120"}, "retry-at 2026-05-05T10:02:00Z"},
		{503, []string{"X-Reset", "2026-05-05T11:00:00Z"}, "retry-at 2026-05-05T11:00:00Z"},
		{500, []string{"Retry-After", "120"}, "retryable"},
	} {
		h := http.Header{}
		for i := 0; i+1 < len(tc.headers); i += 2 {
			h.Set(tc.headers[i], tc.headers[i+1])
		}
		err := c.Classify(&Response{Status: tc.status, Header: h}, errors.New("answer"))
		if got := outcome(err); got != tc.want {
			t.Errorf("%d %v: %s, want %s", tc.status, tc.headers, got, tc.want)
		}
	}
}

// recorded is what a test server saw.
type recorded struct {
	method, path, ctype, ua, auth, body string
}

func TestDo(t *testing.T) {
	var got recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = recorded{r.Method, r.URL.Path, r.Header.Get("Content-Type"), r.Header.Get("User-Agent"), r.Header.Get("Authorization"), string(b)}
		w.Header().Set("X-Answer", "yes")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, strings.Repeat("a", 100))
	}))
	defer srv.Close()
	c := New(srv.Client(), Options{Now: clock, MaxBody: 10})
	for _, tc := range []struct {
		name string
		req  Request
		want recorded
	}{
		{"json", Request{Method: "POST", URL: srv.URL + "/j", JSON: map[string]string{"text": "Hyvää & <päivää>"},
			Header: http.Header{"Authorization": {"Bearer t"}}},
			recorded{"POST", "/j", "application/json", "lumobot", "Bearer t", `{"text":"Hyvää \u0026 \u003cpäivää\u003e"}`}},
		{"form", Request{Method: "POST", URL: srv.URL + "/f", Form: url.Values{"status": {"a b&c"}}},
			recorded{"POST", "/f", "application/x-www-form-urlencoded", "lumobot", "", "status=a+b%26c"}},
		{"raw body", Request{Method: "POST", URL: srv.URL + "/r", Body: []byte(`{"x":1}`), ContentType: "application/json",
			Header: http.Header{"user-agent": {"custom"}}},
			recorded{"POST", "/r", "application/json", "custom", "", `{"x":1}`}},
		{"caller's content type", Request{Method: "POST", URL: srv.URL + "/c", JSON: 1,
			Header: http.Header{"Content-Type": {"application/json; charset=utf-8"}}},
			recorded{"POST", "/c", "application/json; charset=utf-8", "lumobot", "", "1"}},
		{"get", Request{Method: "GET", URL: srv.URL + "/g"}, recorded{"GET", "/g", "", "lumobot", "", ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := c.Do(context.Background(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("server saw\n %+v\nwant\n %+v", got, tc.want)
			}
			if resp.Status != 201 || !resp.OK() || resp.Header.Get("X-Answer") != "yes" || string(resp.Body) != "aaaaaaaaaa" {
				t.Errorf("response %d %v %q: want 201 and the body cut at 10 bytes", resp.Status, resp.Header, resp.Body)
			}
		})
	}
}

func TestDoErrors(t *testing.T) {
	const secret = "s3cr3t-hook-t0ken"
	red := NewRedactor()
	u, _ := url.Parse("http://127.0.0.1:1/hooks/" + secret)
	red.AddURL(u)
	c := New(&http.Client{Timeout: 200 * time.Millisecond}, Options{Now: clock, Redact: red})

	// Nothing listens on port 1.
	_, err := c.Do(context.Background(), Request{Method: "POST", URL: u.String(), JSON: 1})
	if outcome(err) != "retryable" || strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "/hooks/") {
		t.Errorf("refused: %s %v, want retryable without the URL", outcome(err), err)
	}
	_, err = c.Do(context.Background(), Request{Method: "POST", URL: u.String(), JSON: func() {}})
	if outcome(err) != "permanent" || !strings.Contains(err.Error(), "encode request") {
		t.Errorf("unencodable body: %s %v", outcome(err), err)
	}
	_, err = c.Do(context.Background(), Request{Method: "BAD METHOD", URL: u.String()})
	if outcome(err) != "permanent" || strings.Contains(err.Error(), secret) {
		t.Errorf("bad request: %s %v", outcome(err), err)
	}

	// The server hangs: the context's deadline is kept and seen by errors.Is.
	block := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer block.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = New(block.Client(), Options{Now: clock}).Do(ctx, Request{Method: "GET", URL: block.URL + "/" + secret})
	if outcome(err) != "retryable" || !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), secret) {
		t.Errorf("deadline: %s %v", outcome(err), err)
	}
}

// An answer cut short: a 2xx keeps what came (the platform accepted the
// request), anything else is a retryable error.
func TestDoShortAnswer(t *testing.T) {
	for _, tc := range []struct {
		status  int
		wantErr string
	}{{200, "ok"}, {500, "retryable"}, {400, "retryable"}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(tc.status)
			io.WriteString(w, `{"id":`)
		}))
		resp, err := New(srv.Client(), Options{Now: clock}).Do(context.Background(), Request{Method: "GET", URL: srv.URL})
		srv.Close()
		if outcome(err) != tc.wantErr {
			t.Errorf("%d: %s (%v), want %s", tc.status, outcome(err), err, tc.wantErr)
		}
		if resp == nil || string(resp.Body) != `{"id":` {
			t.Errorf("%d: response %+v, want what came", tc.status, resp)
		}
		if tc.status == 200 && (resp.ReadErr == nil || !errors.Is(resp.ReadErr, io.ErrUnexpectedEOF)) {
			t.Errorf("200: ReadErr %v, want unexpected EOF", resp.ReadErr)
		}
	}
}

func TestText(t *testing.T) {
	const secret = "tok-SECRET-9f8e7d6c5b4a"
	c := New(http.DefaultClient, Options{Now: clock, MaxText: 40, Redact: NewRedactor(secret)})
	field := func(b []byte) string {
		if s, ok := strings.CutPrefix(string(b), "error="); ok {
			return s
		}
		return ""
	}
	for _, tc := range []struct {
		body string
		want string
	}{
		{"error=bad token " + secret, "bad token [redacted]"},
		{"<html>\n  <b>Bad\tGateway</b>\n</html>", "<html> <b>Bad Gateway</b> </html>"},
		{"error=   ", "error="}, // nothing in the field: the body is quoted
		{"", ""},
		// The cut at 40 bytes falls inside the secret: redacted first, so
		// no half of it is left.
		{strings.Repeat("x", 30) + secret, strings.Repeat("x", 30) + "[redacted]"},
		{strings.Repeat("x", 35) + secret, strings.Repeat("x", 35) + "[reda…"},
		{strings.Repeat("ä", 30), strings.Repeat("ä", 20) + "…"},
		{"bad \xff byte", "bad \uFFFD byte"},
	} {
		if got := c.Text([]byte(tc.body), field); got != tc.want {
			t.Errorf("Text(%q) = %q, want %q", tc.body, got, tc.want)
		}
	}
}

func TestWrap(t *testing.T) {
	at := now.Add(time.Minute)
	err := Wrap(bot.RetryAt(errors.New("HTTP 429"), at), "mastodon: post k")
	var de *bot.DeliveryError
	if !errors.As(err, &de) || !de.RetryAt.Equal(at) || err.Error() != "mastodon: post k: HTTP 429" {
		t.Errorf("Wrap = %v (%+v)", err, de)
	}
	if err := Wrap(context.Canceled, "x"); !errors.Is(err, context.Canceled) || outcome(err) != "unclassified" {
		t.Errorf("Wrap of a plain error = %v", err)
	}
	if Wrap(nil, "x") != nil {
		t.Error("Wrap(nil) is not nil")
	}
}

func TestNewPanicsWithoutClock(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New without a clock did not panic")
		}
	}()
	New(http.DefaultClient, Options{})
}
