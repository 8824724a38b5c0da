package mastodon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/platformtest"
)

const token = "tok-SECRET-9f8e7d6c5b4a"

// now is the tests' clock.
var now = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)

func clock() time.Time { return now }

// fake answers like a Mastodon server: statuses are kept per Idempotency-Key,
// so a repeated key returns the status created first.
type fake struct {
	t  *testing.T
	mu sync.Mutex

	instanceGETs int
	instance     string // body of /api/v2/instance; "" → 404
	v1instance   string

	// mode for POST /api/v1/statuses: "", "422", "401", "403", "429", "500", "503", "lost"
	mode     string
	lost     int // answers still to lose in mode "lost"
	posts    int // POST attempts
	keys     []string
	bodies   []map[string]string
	statuses map[string]string // idempotency key → id
	created  int
}

func newFake(t *testing.T) (*fake, *httptest.Server) {
	f := &fake{t: t, statuses: map[string]string{},
		instance: `{"domain":"mastodon.example","configuration":{"statuses":{"max_characters":1000,"max_media_attachments":4,"characters_reserved_per_url":23}}}`}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v2/instance":
		f.instanceGETs++
		if f.instance == "" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"Record not found"}`)
			return
		}
		fmt.Fprint(w, f.instance)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/instance":
		fmt.Fprint(w, f.v1instance)
	case r.Method == http.MethodGet && r.URL.Path == "/api/v1/accounts/verify_credentials":
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"The access token is invalid"}`)
			return
		}
		fmt.Fprint(w, `{"id":"1","username":"LUMOhanke","acct":"LUMOhanke"}`)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		f.posts++
		key := r.Header.Get("Idempotency-Key")
		f.keys = append(f.keys, key)
		if r.Header.Get("Authorization") != "Bearer "+token || f.mode == "401" {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"The access token is invalid"}`)
			return
		}
		var body map[string]string
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.t.Errorf("request body: %v", err)
		}
		f.bodies = append(f.bodies, body)
		switch f.mode {
		case "403":
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprint(w, `{"error":"This action is outside the authorized scopes"}`)
			return
		case "422":
			w.WriteHeader(http.StatusUnprocessableEntity)
			fmt.Fprint(w, `{"error":"Validation failed: Text character limit of 500 exceeded"}`)
			return
		case "429":
			w.Header().Set("X-RateLimit-Limit", "300")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", "2026-11-22T10:00:00.000000Z")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"error":"Too many requests"}`)
			return
		case "500":
			w.WriteHeader(http.StatusInternalServerError)
			fmt.Fprint(w, `<html><body>We're sorry, but something went wrong</body></html>`)
			return
		case "503":
			// A proxy in front of Puma during a restart.
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprint(w, `<html><body>503 Service Temporarily Unavailable</body></html>`)
			return
		}
		id, ok := f.statuses[key]
		if !ok || key == "" {
			f.created++
			id = fmt.Sprintf("1134%05d", f.created)
			f.statuses[key] = id
		}
		if f.mode == "lost" && f.lost > 0 {
			f.lost--
			// The status exists now, but the answer never arrives.
			hj, ok := w.(http.Hijacker)
			if !ok {
				f.t.Fatal("cannot hijack")
			}
			conn, _, _ := hj.Hijack()
			conn.Close()
			return
		}
		fmt.Fprintf(w, `{"id":%q,"url":"https://mastodon.example/@LUMOhanke/%s","uri":"https://mastodon.example/users/LUMOhanke/statuses/%s","content":"<p>x</p>","visibility":%q,"language":%q}`,
			id, id, id, body["visibility"], body["language"])
	default:
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprint(w, `{"error":"Record not found"}`)
	}
}

func newClient(t *testing.T, srv *httptest.Server, logs *bytes.Buffer) *Client {
	t.Helper()
	var logger *slog.Logger
	if logs != nil {
		logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	c, err := New(Options{Server: srv.URL + "/", AccessToken: token, Language: "fi", Now: clock}, logger, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func post(key string) bot.Post {
	return bot.Post{Key: key, Target: "mastodon", Text: "Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 #LUMOhanke",
		Due: time.Date(2021, 5, 4, 9, 0, 0, 0, time.UTC)}
}

func TestNewRequires(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"no server", Options{AccessToken: token}, "server is required"},
		{"bad server", Options{Server: "mastodon.example", AccessToken: token}, "not an http(s) URL"},
		{"no token", Options{Server: "https://mastodon.example"}, "access_token is required"},
		{"bad visibility", Options{Server: "https://mastodon.example", AccessToken: token, Visibility: "everyone"}, "visibility"},
		{"no clock", Options{Server: "https://mastodon.example", AccessToken: token}, "clock"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want containing %q", err, tc.want)
			}
			if strings.Contains(err.Error(), token) {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
}

func TestPostSuccessSameIdempotencyKey(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv, nil)
	p := post("announcement:seuraa-lumoa:2026-12-01T10:00")
	r1, err := c.Post(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := c.Post(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if r1.ID == "" || r1 != r2 {
		t.Fatalf("receipts %+v and %+v: want one same status", r1, r2)
	}
	if r1.URL != "https://mastodon.example/@LUMOhanke/"+r1.ID {
		t.Fatalf("URL = %q", r1.URL)
	}
	if len(f.keys) != 2 || f.keys[0] != p.Key || f.keys[1] != p.Key {
		t.Fatalf("Idempotency-Key headers = %q, want %q twice", f.keys, p.Key)
	}
	if f.created != 1 {
		t.Fatalf("created %d statuses, want 1", f.created)
	}
	b := f.bodies[0]
	if b["status"] != p.Text || b["visibility"] != "public" || b["language"] != "fi" {
		t.Fatalf("body = %v", b)
	}
}

func TestPostLanguageFromPost(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv, nil)
	p := post("news:uutiset:1")
	p.Lang = "sv"
	if _, err := c.Post(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if got := f.bodies[0]["language"]; got != "sv" {
		t.Fatalf("language = %q, want the post's sv", got)
	}
}

func TestInstanceLimitsReadOnce(t *testing.T) {
	f, srv := newFake(t)
	c := newClient(t, srv, nil)
	if c.Limit() != 500 {
		t.Fatalf("limit before Prepare = %d, want the default 500", c.Limit())
	}
	for i := range 5 {
		if _, err := c.Post(context.Background(), post(fmt.Sprintf("news:uutiset:%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.instanceGETs != 1 {
		t.Fatalf("instance read %d times, want 1", f.instanceGETs)
	}
	if c.Limit() != 1000 {
		t.Fatalf("limit = %d, want the instance's 1000", c.Limit())
	}
}

func TestInstanceLimits(t *testing.T) {
	for _, tc := range []struct {
		name       string
		v2, v1     string
		limit, url int
		warn       bool
	}{
		{"v2", `{"configuration":{"statuses":{"max_characters":5000,"characters_reserved_per_url":30}}}`, "", 5000, 30, false},
		{"v2 absent fields", `{"configuration":{}}`, "", 500, 23, true},
		{"v1 fallback", "", `{"configuration":{"statuses":{"max_characters":700,"characters_reserved_per_url":23}}}`, 700, 23, false},
		{"pleroma max_toot_chars", "", `{"max_toot_chars":5000}`, 5000, 23, true},
		{"broken", `{"configuration":`, "", 500, 23, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := newFake(t)
			f.instance, f.v1instance = tc.v2, tc.v1
			var logs bytes.Buffer
			c := newClient(t, srv, &logs)
			if err := c.Prepare(context.Background()); err != nil {
				t.Fatal(err)
			}
			if c.Limit() != tc.limit {
				t.Errorf("limit = %d, want %d", c.Limit(), tc.limit)
			}
			if got := c.Length("a https://lumo.example/very/long/path/that/is/long"); got != 2+tc.url {
				t.Errorf("length = %d, want %d", got, 2+tc.url)
			}
			if warned := strings.Contains(logs.String(), "level=WARN"); warned != tc.warn {
				t.Errorf("warned = %v, want %v; logs:\n%s", warned, tc.warn, logs.String())
			}
		})
	}
}

func TestInstanceUnreachable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close() // nothing listens
	var logs bytes.Buffer
	c := newClient(t, srv, &logs)
	if err := c.Prepare(context.Background()); err != nil {
		t.Fatalf("Prepare = %v, want defaults without error", err)
	}
	if c.Limit() != 500 || !strings.Contains(logs.String(), "using defaults") {
		t.Fatalf("limit %d, logs %q", c.Limit(), logs.String())
	}
}

func TestLengthCustomCounter(t *testing.T) {
	_, srv := newFake(t)
	var gotURLLen int
	c, err := New(Options{Server: srv.URL, AccessToken: token, Now: clock, Count: func(text string, urlLen int) int {
		gotURLLen = urlLen
		return 42
	}}, nil, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	if c.Length("x") != 42 || gotURLLen != 23 {
		t.Fatalf("custom counter not used (urlLen %d)", gotURLLen)
	}
}

func TestDefaultCount(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int
	}{
		{"", 0},
		{"Tänään ✨", 8},
		{"https://lumo.example/ä", 23},
		{"Lue lisää: https://lumo.example/a?b=c.", 11 + 23 + 1},
		{"(katso https://lumo.example/x)", 1 + 6 + 23 + 1},
		{"https://fi.wikipedia.org/wiki/Lastensuojelu_(Suomi)", 23},
		{"a http://x.fi b https://y.fi", 2 + 23 + 3 + 23},
	} {
		if got := countChars(tc.text, 23); got != tc.want {
			t.Errorf("countChars(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
}

func TestPostErrors(t *testing.T) {
	reset := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		mode      string
		permanent bool
		retryAt   time.Time
		want      string
	}{
		{"422", true, time.Time{}, "Text character limit of 500 exceeded"},
		{"401", true, time.Time{}, "access_token"},
		{"403", true, time.Time{}, "write:statuses"},
		{"429", false, reset, "429"},
		{"500", false, time.Time{}, "500"},
		{"503", false, now.Add(2 * time.Minute), "HTTP 503: <html><body>503 Service Temporarily Unavailable</body></html>"},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			f, srv := newFake(t)
			f.mode = tc.mode
			c := newClient(t, srv, nil)
			_, err := c.Post(context.Background(), post("reminder:kehittajaryhma:1d"))
			var de *bot.DeliveryError
			if !errors.As(err, &de) {
				t.Fatalf("err = %v, want a *bot.DeliveryError", err)
			}
			if de.Permanent != tc.permanent || !de.RetryAt.Equal(tc.retryAt) {
				t.Fatalf("permanent %v retryAt %v, want %v %v (%v)", de.Permanent, de.RetryAt, tc.permanent, tc.retryAt, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.want) || !strings.Contains(msg, "reminder:kehittajaryhma:1d") {
				t.Fatalf("error %q does not say %q and the key", msg, tc.want)
			}
			if msg != strings.ToLower(msg[:1])+msg[1:] || strings.Contains(msg, token) {
				t.Fatalf("error %q: want lower case and no token", msg)
			}
		})
	}
}

func TestNetworkErrorRetryable(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	c := newClient(t, srv, nil)
	srv.Close()
	_, err := c.Post(context.Background(), post("news:uutiset:1"))
	var de *bot.DeliveryError
	if !errors.As(err, &de) || de.Permanent || !de.RetryAt.IsZero() {
		t.Fatalf("err = %v, want retryable", err)
	}
}

func TestLostAnswerThenRetry(t *testing.T) {
	// Go's transport itself replays a POST carrying Idempotency-Key once on
	// a reused connection that died, so lose more answers than that.
	f, srv := newFake(t)
	f.mode, f.lost = "lost", 5
	c := newClient(t, srv, nil)
	p := post("announcement:viikkovinkki:2026-12-07T10:00")
	_, err := c.Post(context.Background(), p)
	var de *bot.DeliveryError
	if !errors.As(err, &de) || de.Permanent {
		t.Fatalf("first attempt: err = %v, want retryable", err)
	}
	f.mu.Lock()
	f.lost = 0
	attempts := f.posts
	f.mu.Unlock()
	r, err := c.Post(context.Background(), p)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	if f.created != 1 || f.posts != attempts+1 || r.ID != f.statuses[p.Key] {
		t.Fatalf("created %d statuses in %d requests (receipt %+v), want 1", f.created, f.posts, r)
	}
	for _, k := range f.keys {
		if k != p.Key {
			t.Fatalf("Idempotency-Key headers %q, want %q on every attempt", f.keys, p.Key)
		}
	}
}

func TestCheck(t *testing.T) {
	_, srv := newFake(t)
	c := newClient(t, srv, nil)
	got, err := c.Check(context.Background())
	if err != nil || got != "@LUMOhanke" {
		t.Fatalf("Check = %q, %v", got, err)
	}
	bad, err := New(Options{Server: srv.URL, AccessToken: "wrong-" + token, Now: clock}, nil, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	_, err = bad.Check(context.Background())
	var de *bot.DeliveryError
	if !errors.As(err, &de) || !de.Permanent || strings.Contains(err.Error(), token) {
		t.Fatalf("Check with a bad token = %v", err)
	}
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	var logs bytes.Buffer
	var errs []string
	for _, mode := range []string{"", "401", "403", "422", "429", "500", "lost"} {
		f, srv := newFake(t)
		f.mode, f.lost = mode, 1
		f.instance = `{"error":"` + token + `"}` // a server echoing the token back
		c := newClient(t, srv, &logs)
		if _, err := c.Post(context.Background(), post("news:uutiset:"+mode)); err != nil {
			errs = append(errs, err.Error())
		}
		if _, err := c.Check(context.Background()); err != nil {
			errs = append(errs, err.Error())
		}
	}
	// A server that echoes the token in its error answer.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"invalid token %s"}`, strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
	}))
	defer echo.Close()
	c := newClient(t, echo, &logs)
	if _, err := c.Post(context.Background(), post("news:uutiset:echo")); err != nil {
		errs = append(errs, err.Error())
	}
	if len(errs) < 6 {
		t.Fatalf("only %d errors collected", len(errs))
	}
	platformtest.CheckNoSecrets(t, "error", strings.Join(errs, "\n"), token)
	platformtest.CheckNoSecrets(t, "log", logs.String(), token)
}

// slowInstance is a Mastodon whose instance endpoint answers only when
// released; arrived tells that a request is waiting.
func slowInstance(t *testing.T) (srv *httptest.Server, arrived <-chan struct{}, release func()) {
	t.Helper()
	in := make(chan struct{}, 10)
	gate := make(chan struct{})
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v2/instance" {
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"error":"Record not found"}`)
			return
		}
		in <- struct{}{}
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		fmt.Fprint(w, `{"domain":"mastodon.example","configuration":{"statuses":{"max_characters":1000,"characters_reserved_per_url":30}}}`)
	}))
	var once sync.Once
	release = func() { once.Do(func() { close(gate) }) }
	t.Cleanup(func() { release(); srv.Close() })
	return srv, in, release
}

// wait fails t if f has not returned within a generous bound: f must not
// wait for the network, so any bound a real wait would exceed does.
func wait(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { f(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("%s blocked while Prepare waited for the instance", what)
	}
}

// Limit and Length, which rendering and preview call, answer at once while
// Prepare waits for a slow instance; the instance's limits apply after.
func TestLimitAndLengthDoNotWaitForPrepare(t *testing.T) {
	srv, arrived, release := slowInstance(t)
	c := newClient(t, srv, nil)
	prepared := make(chan error, 1)
	go func() { prepared <- c.Prepare(context.Background()) }()
	<-arrived // Prepare is now inside its HTTP call

	text := "a https://lumo.example/very/long/path/that/is/long"
	wait(t, "Limit", func() {
		if got := c.Limit(); got != DefaultMaxCharacters {
			t.Errorf("Limit while preparing = %d, want the default %d", got, DefaultMaxCharacters)
		}
	})
	wait(t, "Length", func() {
		if got := c.Length(text); got != 2+DefaultURLLength {
			t.Errorf("Length while preparing = %d, want %d", got, 2+DefaultURLLength)
		}
	})
	select {
	case err := <-prepared:
		t.Fatalf("Prepare returned (%v) before the instance answered", err)
	default:
	}

	release()
	if err := <-prepared; err != nil {
		t.Fatal(err)
	}
	if c.Limit() != 1000 || c.Length(text) != 2+30 {
		t.Errorf("after Prepare: limit %d, length %d; want the instance's 1000 and %d", c.Limit(), c.Length(text), 2+30)
	}
}

// A second caller waits for the Prepare in flight (the instance is asked
// once) but gives up when its own context ends.
func TestPrepareWaitHonoursContext(t *testing.T) {
	srv, arrived, release := slowInstance(t)
	c := newClient(t, srv, nil)
	first := make(chan error, 1)
	go func() { first <- c.Prepare(context.Background()) }()
	<-arrived

	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() { second <- c.Prepare(ctx) }()
	cancel()
	if err := <-second; !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting Prepare with a cancelled context = %v, want context.Canceled", err)
	}
	release()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	select {
	case <-arrived:
		t.Error("the instance was asked twice")
	default:
	}
	if err := c.Prepare(context.Background()); err != nil || c.Limit() != 1000 {
		t.Errorf("Prepare after = %v, limit %d", err, c.Limit())
	}
}

// A server that writes the token back in its error answers, in any form
// and any of Mastodon's error shapes, leaves it in no error and no log.
func TestEchoedSecrets(t *testing.T) {
	const tok = `tok/SECRET+9f8e&<7d6c>"5b4a ä`
	shapes := []func(r *http.Request, echo string) string{
		func(_ *http.Request, echo string) string {
			b, _ := json.Marshal(map[string]string{"error": "The access token is invalid: " + echo})
			return string(b)
		},
		func(r *http.Request, echo string) string { // Doorkeeper's OAuth shape, echoing the header too
			b, _ := json.Marshal(map[string]string{"error": "invalid_token", "error_description": echo + " " + r.Header.Get("Authorization")})
			return string(b)
		},
		func(_ *http.Request, echo string) string { return "<html><body>Bad " + echo + " here</body></html>" },
	}
	var mu sync.Mutex
	var cur platformtest.Echo
	var shape int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		e, body := cur, shapes[shape](r, cur.Text)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(e.Status)
		fmt.Fprint(w, body)
	}))
	defer srv.Close()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	echoes := platformtest.Echoes(tok)
	for i, e := range echoes {
		mu.Lock()
		cur, shape = e, i%len(shapes)
		mu.Unlock()
		// A new Client each time, so that Prepare asks the instance and logs.
		c, err := New(Options{Server: srv.URL, AccessToken: tok, Now: clock}, logger, srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		_, perr := c.Post(context.Background(), post("news:uutiset:echo"))
		_, cerr := c.Check(context.Background())
		for _, err := range []error{perr, cerr} {
			what := fmt.Sprintf("token as %q, status %d, shape %d: error", e.Text, e.Status, i%len(shapes))
			if err == nil {
				t.Fatalf("%s: no error", what)
			}
			platformtest.CheckNoSecrets(t, what, err.Error(), tok)
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("%s %v: nothing was redacted: the echo did not reach the error, or leaked", what, err)
			}
		}
	}
	if len(echoes) < 3*8 {
		t.Fatalf("only %d echoes", len(echoes))
	}
	if strings.Count(logs.String(), "[redacted]") < len(echoes) {
		t.Error("the instance's echoes were not logged: the log check proves little")
	}
	platformtest.CheckNoSecrets(t, "log", logs.String(), tok)
}
