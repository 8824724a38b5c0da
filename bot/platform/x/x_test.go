package x_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/platformtest"
	"github.com/lumohanke/lumobot/bot/platform/x"
)

// Fake credentials; the leak test looks for each of them.
const (
	consumerKey    = "ck-lumo-consumer-key-7f3a"
	consumerSecret = "cs-lumo-consumer-SECRET-91b2"
	accessToken    = "1445880548472328192-at-lumo-token-55c1"
	tokenSecret    = "ats-lumo-token-SECRET-0d4e"
)

var secrets = []string{consumerKey, consumerSecret, accessToken, tokenSecret}

// now is the fixed clock of the tests; X's reset headers are set around it.
var now = time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)

// Answers as the X API v2 documents them (docs.x.com; bodies as reported in
// plhery/node-twitter-api-v2#469, akrherz/iembot#163, socioboard#440).
const (
	bodyCreated      = `{"data":{"id":"1445880548472328192","text":"Hello from lumobot"}}`
	bodyDuplicate    = `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`
	bodyForbidden    = `{"title":"Forbidden","detail":"You are not permitted to perform this action.","type":"about:blank","status":403}`
	bodySubset       = `{"errors":[{"message":"You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level. You can learn more here: https://developer.x.com/en/portal/product","code":453}]}`
	bodyUnauthorized = `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`
	bodyInvalid      = `{"errors":[{"parameters":{"text":[""]},"message":"Post text is too long."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`
	bodyTooMany      = `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`
	bodyServerError  = `{"title":"Internal Server Error","detail":"Something went wrong","type":"about:blank","status":500}`
	bodyMe           = `{"data":{"id":"2244994945","name":"LUMO-hanke","username":"LUMOhanke"}}`
)

// request is what the fake X saw.
type request struct {
	Method, Path, ContentType, Body string
	SigErr                          error
}

// fakeX is an httptest server that checks each request's OAuth 1.0a
// signature and answers with the handler given.
type fakeX struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []request
}

func newFakeX(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *fakeX {
	t.Helper()
	f := &fakeX{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rq := request{Method: r.Method, Path: r.URL.Path, ContentType: r.Header.Get("Content-Type"), Body: string(body)}
		rq.SigErr = verifyOAuth(r, consumerSecret, tokenSecret)
		f.mu.Lock()
		f.reqs = append(f.reqs, rq)
		n := len(f.reqs)
		f.mu.Unlock()
		if rq.SigErr != nil {
			t.Errorf("request %d: bad OAuth 1.0a signature: %v", n, rq.SigErr)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, bodyUnauthorized)
			return
		}
		answer(w, r, n)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeX) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.reqs...)
}

func reply(status int, body string, headers ...string) func(http.ResponseWriter, *http.Request, int) {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// lose reads the request, then drops the connection without an answer:
// the post was made but the answer is lost.
func lose(w http.ResponseWriter, _ *http.Request, _ int) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

func newClient(t *testing.T, api string, logger *slog.Logger, hc *http.Client) *x.Client {
	t.Helper()
	c, err := x.New(x.Options{
		APIURL:      api,
		ConsumerKey: consumerKey, ConsumerSecret: consumerSecret,
		AccessToken: accessToken, AccessTokenSecret: tokenSecret,
		Now: func() time.Time { return now },
	}, logger, hc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func unix(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

type postCase struct {
	name    string
	answer  func(http.ResponseWriter, *http.Request, int)
	want    string    // outcome
	wantAt  time.Time // for retry-at
	wantID  string
	wantMsg []string // substrings of the error
}

func postCases() []postCase {
	reset := now.Add(15 * time.Minute)
	day := now.Add(20 * time.Hour)
	return []postCase{
		{name: "created", answer: reply(201, bodyCreated, "x-rate-limit-remaining", "99"),
			want: "sent", wantID: "1445880548472328192"},
		{name: "created, unreadable answer is still sent", answer: reply(201, `{"data":`),
			want: "sent"},
		{name: "duplicate content", answer: reply(403, bodyDuplicate),
			want: "duplicate", wantMsg: []string{"duplicate content (403)", "You are not allowed to create a Tweet with duplicate content."}},
		{name: "duplicate, v1.1 code 187", answer: reply(403, `{"errors":[{"code":187,"message":"Status is a duplicate."}]}`),
			want: "duplicate", wantMsg: []string{"Status is a duplicate. (code 187)"}},
		{name: "forbidden: no write permission", answer: reply(403, bodyForbidden),
			want: "permanent", wantMsg: []string{"forbidden (403)", "You are not permitted to perform this action.", "Read and Write", "regenerate the access token"}},
		{name: "forbidden: access level (453)", answer: reply(403, bodySubset),
			want: "permanent", wantMsg: []string{"forbidden (403)", "subset of X API V2 endpoints", "code 453", "access level"}},
		{name: "unauthorized", answer: reply(401, bodyUnauthorized),
			want: "permanent", wantMsg: []string{"unauthorized (401)", "check consumer key/secret and access token"}},
		{name: "invalid request", answer: reply(400, bodyInvalid),
			want: "permanent", wantMsg: []string{"invalid request (400)", "Post text is too long.", "One or more parameters"}},
		{name: "not found", answer: reply(404, `{"title":"Not Found Error","detail":"Sorry, that page does not exist.","type":"https://api.twitter.com/2/problems/resource-not-found"}`),
			want: "permanent", wantMsg: []string{"status 404", "does not exist"}},
		{name: "rate limited: window reset",
			answer: reply(429, bodyTooMany, "x-rate-limit-limit", "100", "x-rate-limit-remaining", "0", "x-rate-limit-reset", unix(reset)),
			want:   "retry-at", wantAt: reset, wantMsg: []string{"rate limited (429)"}},
		{name: "rate limited: 24-hour user limit",
			answer: reply(429, bodyTooMany, "x-rate-limit-remaining", "98", "x-rate-limit-reset", unix(reset),
				"x-user-limit-24hour-limit", "17", "x-user-limit-24hour-remaining", "0", "x-user-limit-24hour-reset", unix(day)),
			want: "retry-at", wantAt: day},
		{name: "rate limited: only the 24-hour reset",
			answer: reply(429, bodyTooMany, "x-user-limit-24hour-reset", unix(day)),
			want:   "retry-at", wantAt: day},
		{name: "rate limited: no reset header", answer: reply(429, bodyTooMany),
			want: "retryable"},
		{name: "rate limited: reset already passed", answer: reply(429, bodyTooMany, "x-rate-limit-remaining", "0", "x-rate-limit-reset", unix(now.Add(-time.Minute))),
			want: "retryable"},
		{name: "server error", answer: reply(500, bodyServerError), want: "retryable", wantMsg: []string{"status 500"}},
		{name: "bad gateway (answer lost behind a proxy)", answer: reply(502, "<html>Bad Gateway</html>"), want: "retryable", wantMsg: []string{"status 502"}},
		{name: "service unavailable", answer: reply(503, `{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`), want: "retryable"},
		{name: "service unavailable, retry-after", answer: reply(503, `{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`, "Retry-After", "120"),
			want: "retry-at", wantAt: now.Add(2 * time.Minute), wantMsg: []string{"status 503"}},
		{name: "rate limited: retry-after wins over the reset", answer: reply(429, bodyTooMany, "Retry-After", "60", "x-rate-limit-remaining", "0", "x-rate-limit-reset", unix(reset)),
			want: "retry-at", wantAt: now.Add(time.Minute)},
		{name: "connection dropped after the request", answer: lose, want: "retryable"},
		{name: "redirect is not followed", answer: reply(301, "", "Location", "https://elsewhere.example/2/tweets?token=abc"),
			want: "permanent", wantMsg: []string{"redirected (301)", "https://elsewhere.example"}},
	}
}

func TestPost(t *testing.T) {
	for _, tc := range postCases() {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeX(t, tc.answer)
			c := newClient(t, srv.URL, nil, nil)
			text := "Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 klo 13.30–15.00 #LUMOhanke"
			rec, err := c.Post(context.Background(), bot.Post{Key: "reminder:kehittajaryhma:1d", Target: "x", Text: text})
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
			if err != nil && !strings.HasPrefix(err.Error(), "x: ") {
				t.Errorf("error %q does not start with the lower-case context \"x: \"", err)
			}
			if rec.ID != tc.wantID {
				t.Errorf("receipt id %q, want %q", rec.ID, tc.wantID)
			}
			if tc.wantID != "" && rec.URL != "https://x.com/i/web/status/"+tc.wantID {
				t.Errorf("receipt url %q", rec.URL)
			}
			reqs := srv.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests, want exactly 1", len(reqs))
			}
			r := reqs[0]
			if r.Method != http.MethodPost || r.Path != "/2/tweets" || r.ContentType != "application/json" {
				t.Errorf("request %s %s (%s), want POST /2/tweets (application/json)", r.Method, r.Path, r.ContentType)
			}
			var sent map[string]any
			if err := json.Unmarshal([]byte(r.Body), &sent); err != nil || len(sent) != 1 || sent["text"] != text {
				t.Errorf("body %s, want {\"text\": %q}", r.Body, text)
			}
		})
	}
}

// A post whose answer is lost is sent again; X refuses the duplicate. The
// client cannot know it was its own post: it reports a permanent
// ErrDuplicate, never ErrAlreadySent, and the core decides (sent only after
// an attempt with unknown outcome, as here).
func TestLostAnswerThenDuplicate(t *testing.T) {
	srv := newFakeX(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			lose(w, r, n)
			return
		}
		reply(403, bodyDuplicate)(w, r, n)
	})
	c := newClient(t, srv.URL, nil, nil)
	p := bot.Post{Key: "news:uutiset:42", Target: "x", Text: "Uutinen #LUMOhanke"}
	_, err := c.Post(context.Background(), p)
	if platformtest.Outcome(err) != "retryable" {
		t.Fatalf("lost answer: %s (%v), want retryable", platformtest.Outcome(err), err)
	}
	_, err = c.Post(context.Background(), p)
	if got := platformtest.Outcome(err); got != "duplicate" {
		t.Fatalf("re-send: %s (%v), want a permanent ErrDuplicate", got, err)
	}
	if errors.Is(err, bot.ErrAlreadySent) {
		t.Errorf("re-send: %v: X's refusal does not prove this post exists", err)
	}
	if reqs := srv.requests(); len(reqs) != 2 || reqs[0].Body != reqs[1].Body {
		t.Errorf("requests %+v, want the same post twice", reqs)
	}
}

func TestTimeout(t *testing.T) {
	block := func(w http.ResponseWriter, r *http.Request, _ int) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}
	t.Run("context deadline", func(t *testing.T) {
		srv := newFakeX(t, block)
		c := newClient(t, srv.URL, nil, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := c.Post(ctx, bot.Post{Text: "hei"})
		if platformtest.Outcome(err) != "retryable" || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %s (%v), want retryable deadline exceeded", platformtest.Outcome(err), err)
		}
	})
	t.Run("client timeout", func(t *testing.T) {
		srv := newFakeX(t, block)
		c := newClient(t, srv.URL, nil, &http.Client{Timeout: 100 * time.Millisecond})
		start := time.Now()
		_, err := c.Post(context.Background(), bot.Post{Text: "hei"})
		if platformtest.Outcome(err) != "retryable" {
			t.Fatalf("got %s (%v), want retryable", platformtest.Outcome(err), err)
		}
		if time.Since(start) > 3*time.Second {
			t.Errorf("the caller's client timeout was not kept")
		}
	})
}

func TestConnectionRefused(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	api := srv.URL
	srv.Close()
	c := newClient(t, api, nil, nil)
	_, err := c.Post(context.Background(), bot.Post{Text: "hei"})
	if platformtest.Outcome(err) != "retryable" {
		t.Fatalf("got %s (%v), want retryable", platformtest.Outcome(err), err)
	}
}

func TestSignature(t *testing.T) {
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(context.Background())
		reply(201, bodyCreated)(w, r, 1)
	}))
	defer srv.Close()
	c := newClient(t, srv.URL+"/", nil, nil)
	if _, err := c.Post(context.Background(), bot.Post{Text: `Hyvää päivää! "lainaus" & 100% #LUMOhanke`}); err != nil {
		t.Fatal(err)
	}
	if err := verifyOAuth(got, consumerSecret, tokenSecret); err != nil {
		t.Errorf("valid secrets: %v", err)
	}
	// The verifier itself must be able to fail.
	if err := verifyOAuth(got, consumerSecret+"x", tokenSecret); err == nil {
		t.Error("a wrong consumer secret verified")
	}
	if err := verifyOAuth(got, consumerSecret, "other"); err == nil {
		t.Error("a wrong token secret verified")
	}
	auth := got.Header.Get("Authorization")
	for _, want := range []string{`oauth_consumer_key="` + consumerKey + `"`, `oauth_token="` + accessToken + `"`, `oauth_signature_method="HMAC-SHA1"`, `oauth_signature="`, `oauth_version="1.0"`} {
		if !strings.Contains(auth, want) {
			t.Errorf("Authorization header lacks %s", want)
		}
	}
	if strings.Contains(auth, "text") {
		t.Error("the JSON body leaked into the OAuth parameters")
	}
}

func TestCheck(t *testing.T) {
	srv := newFakeX(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Method != http.MethodGet || r.URL.Path != "/2/users/me" {
			reply(404, `{}`)(w, r, n)
			return
		}
		reply(200, bodyMe)(w, r, n)
	})
	c := newClient(t, srv.URL, nil, nil)
	who, err := c.Check(context.Background())
	if err != nil || who != "@LUMOhanke" {
		t.Fatalf("Check = %q, %v; want @LUMOhanke", who, err)
	}

	bad := newFakeX(t, reply(401, bodyUnauthorized))
	c = newClient(t, bad.URL, nil, nil)
	if _, err := c.Check(context.Background()); platformtest.Outcome(err) != "permanent" || !strings.Contains(err.Error(), "check consumer key") {
		t.Fatalf("Check with bad credentials: %s (%v), want permanent", platformtest.Outcome(err), err)
	}
}

func TestQuota(t *testing.T) {
	reset, day := now.Add(15*time.Minute), now.Add(24*time.Hour)
	srv := newFakeX(t, reply(201, bodyCreated,
		"x-rate-limit-limit", "100", "x-rate-limit-remaining", "99", "x-rate-limit-reset", unix(reset),
		"x-user-limit-24hour-limit", "17", "x-user-limit-24hour-remaining", "16", "x-user-limit-24hour-reset", unix(day)))
	c := newClient(t, srv.URL, nil, nil)
	if q := c.Quota(); !q.At.IsZero() || q.Window.Reported {
		t.Fatalf("quota before any answer: %+v", q)
	}
	if _, err := c.Post(context.Background(), bot.Post{Text: "hei"}); err != nil {
		t.Fatal(err)
	}
	q := c.Quota()
	want := x.Quota{
		At:     now,
		Window: x.Window{Reported: true, Limit: 100, Remaining: 99, Reset: time.Unix(reset.Unix(), 0)},
		Day:    x.Window{Reported: true, Limit: 17, Remaining: 16, Reset: time.Unix(day.Unix(), 0)},
		AppDay: x.Window{Limit: -1, Remaining: -1},
	}
	if q != want {
		t.Errorf("quota\n got %+v\nwant %+v", q, want)
	}
}

func TestNew(t *testing.T) {
	full := x.Options{ConsumerKey: consumerKey, ConsumerSecret: consumerSecret, AccessToken: accessToken, AccessTokenSecret: tokenSecret,
		Now: func() time.Time { return now }}
	tests := []struct {
		name string
		edit func(*x.Options)
		want string // "" ok
	}{
		{"complete", func(*x.Options) {}, ""},
		{"no consumer key", func(o *x.Options) { o.ConsumerKey = "" }, "consumer_key is missing"},
		{"no consumer secret", func(o *x.Options) { o.ConsumerSecret = " " }, "consumer_secret is missing"},
		{"no access token", func(o *x.Options) { o.AccessToken = "" }, "access_token is missing"},
		{"no access token secret", func(o *x.Options) { o.AccessTokenSecret = "" }, "access_token_secret is missing"},
		{"no clock", func(o *x.Options) { o.Now = nil }, "clock"},
		{"bad api url", func(o *x.Options) { o.APIURL = "ftp://api.x.com" }, "api_url"},
		{"api url with credentials is redacted", func(o *x.Options) { o.APIURL = "ftp://u:" + tokenSecret + "@proxy" }, "ftp://proxy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := full
			tc.edit(&o)
			_, err := x.New(o, nil, nil)
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

func TestLength(t *testing.T) {
	c := newClient(t, "", nil, nil)
	if got := c.Length("Hyvää päivää"); got != 12 {
		t.Errorf("default Length = %d, want 12 runes", got)
	}
	if c.Limit() != 280 {
		t.Errorf("Limit = %d, want 280", c.Limit())
	}
	c, err := x.New(x.Options{ConsumerKey: "a", ConsumerSecret: "b", AccessToken: "c", AccessTokenSecret: "d",
		Count: func(s string) int { return 23 }, Now: time.Now}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Length("https://example.fi/a/very/long/path"); got != 23 {
		t.Errorf("Length with Options.Count = %d, want 23", got)
	}
}

// No credential appears in any error or log line, whatever X answers.
func TestNoSecretsLeak(t *testing.T) {
	logger, logs := platformtest.CaptureLog()
	var texts []string
	for _, tc := range postCases() {
		srv := newFakeX(t, tc.answer)
		c := newClient(t, srv.URL, logger, nil)
		if _, err := c.Post(context.Background(), bot.Post{Key: "k", Target: "x", Text: "hei"}); err != nil {
			texts = append(texts, err.Error())
		}
		if _, err := c.Check(context.Background()); err != nil {
			texts = append(texts, err.Error())
		}
	}
	// Transport failures: refused, timeout.
	srv := httptest.NewServer(http.NotFoundHandler())
	srv.Close()
	c := newClient(t, srv.URL, logger, &http.Client{Timeout: 50 * time.Millisecond})
	_, err := c.Post(context.Background(), bot.Post{Text: "hei"})
	texts = append(texts, err.Error())
	// A token in the API URL's userinfo (X echoing the credentials is
	// TestEchoedSecrets).
	c = newClient(t, strings.Replace(srv.URL, "http://", "http://"+consumerKey+":"+consumerSecret+"@", 1), logger, nil)
	_, err = c.Post(context.Background(), bot.Post{Text: "hei"})
	texts = append(texts, err.Error())

	if len(texts) < len(postCases()) {
		t.Fatalf("only %d errors collected", len(texts))
	}
	for _, s := range texts {
		platformtest.CheckNoSecrets(t, "error", s, secrets...)
	}
	platformtest.CheckNoSecrets(t, "log", logs.String(), secrets...)
	if !strings.Contains(logs.String(), "x answered") {
		t.Error("nothing was logged: the log check proves nothing")
	}
}

// verifyOAuth recomputes the OAuth 1.0a HMAC-SHA1 signature of r (RFC 5849
// §3.4) from the known secrets, independently of the oauth1 package. The
// JSON body is not a parameter (only form bodies are), so a signature that
// included it would not verify.
func verifyOAuth(r *http.Request, consumerSecret, tokenSecret string) error {
	h := r.Header.Get("Authorization")
	if !strings.HasPrefix(h, "OAuth ") {
		return fmt.Errorf("no OAuth Authorization header")
	}
	params := map[string]string{}
	for _, part := range strings.Split(strings.TrimPrefix(h, "OAuth "), ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("bad header part %q", part)
		}
		params[pctDecode(k)] = pctDecode(strings.Trim(v, `"`))
	}
	for k, want := range map[string]string{
		"oauth_consumer_key": consumerKey, "oauth_token": accessToken,
		"oauth_signature_method": "HMAC-SHA1", "oauth_version": "1.0",
	} {
		if params[k] != want {
			return fmt.Errorf("%s = %q, want %q", k, params[k], want)
		}
	}
	if params["oauth_nonce"] == "" || params["oauth_timestamp"] == "" {
		return fmt.Errorf("no nonce or timestamp")
	}
	sig, err := base64.StdEncoding.DecodeString(params["oauth_signature"])
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("no signature")
	}
	delete(params, "oauth_signature")
	delete(params, "realm")
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	var pairs []string
	for k, v := range params {
		pairs = append(pairs, pctEncode(k)+"="+pctEncode(v))
	}
	sort.Strings(pairs)
	base := strings.ToUpper(r.Method) + "&" + pctEncode("http://"+strings.ToLower(r.Host)+r.URL.EscapedPath()) + "&" + pctEncode(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(pctEncode(consumerSecret)+"&"+pctEncode(tokenSecret)))
	mac.Write([]byte(base))
	if !hmac.Equal(mac.Sum(nil), sig) {
		return fmt.Errorf("signature does not match base string %q", base)
	}
	return nil
}

// pctEncode is RFC 3986 percent-encoding as RFC 5849 §3.6 requires.
func pctEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func pctDecode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			n, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err == nil {
				b.WriteByte(byte(n))
				i += 2
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// When X said the account's posts for the day are used up, the next post
// waits for the reset without a request.
func TestDailyLimitReportedByX(t *testing.T) {
	day := now.Add(3 * time.Hour)
	srv := newFakeX(t, reply(201, bodyCreated,
		"x-user-limit-24hour-limit", "17", "x-user-limit-24hour-remaining", "0", "x-user-limit-24hour-reset", unix(day)))
	c := newClient(t, srv.URL, nil, nil)
	if _, err := c.Post(context.Background(), bot.Post{Key: "a", Text: "eka"}); err != nil {
		t.Fatal(err)
	}
	_, err := c.Post(context.Background(), bot.Post{Key: "b", Text: "toka"})
	var de *bot.DeliveryError
	if !errors.As(err, &de) || de.Permanent || !de.RetryAt.Equal(time.Unix(day.Unix(), 0)) {
		t.Fatalf("second post: %v, want RetryAt %s", err, day)
	}
	if n := len(srv.requests()); n != 1 {
		t.Errorf("%d requests, want 1: the second must not be sent", n)
	}
}

// A server that writes the credentials back in its error answers, in any
// form (as sent in the OAuth header, percent- or JSON-escaped, in a problem
// body or a bare page), leaves none of them in an error or a log line.
func TestEchoedSecrets(t *testing.T) {
	// Credentials with characters that escape differently in each form.
	creds := []string{`ck/lumo+KEY&<7f3a>"`, `cs lumo SECRET/91b2=ä`, "1445880548472328192-at~lumo%token", `ats\lumo"SECRET'0d4e`}
	shapes := []func(r *http.Request, echo string) string{
		func(_ *http.Request, echo string) string { // API v2 problem
			b, _ := json.Marshal(map[string]any{"title": "Unauthorized", "type": "about:blank", "detail": "Unauthorized: " + echo})
			return string(b)
		},
		func(r *http.Request, echo string) string { // v1.1 errors, echoing the OAuth header too
			b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"code": 32, "message": "Could not authenticate you: " + echo + " " + r.Header.Get("Authorization")}}})
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
		io.WriteString(w, body)
	}))
	defer srv.Close()
	logger, logs := platformtest.CaptureLog()
	c, err := x.New(x.Options{APIURL: srv.URL, ConsumerKey: creds[0], ConsumerSecret: creds[1],
		AccessToken: creds[2], AccessTokenSecret: creds[3], Now: func() time.Time { return now }}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	echoes := platformtest.Echoes(creds...)
	for i, e := range echoes {
		mu.Lock()
		cur, shape = e, i%len(shapes)
		mu.Unlock()
		_, perr := c.Post(context.Background(), bot.Post{Key: "k", Target: "x", Text: "hei"})
		_, cerr := c.Check(context.Background())
		for _, err := range []error{perr, cerr} {
			what := fmt.Sprintf("secret #%d as %q, status %d, shape %d: error", e.Secret, e.Text, e.Status, i%len(shapes))
			if err == nil {
				t.Fatalf("%s: no error", what)
			}
			platformtest.CheckNoSecrets(t, what, err.Error(), creds...)
			if !strings.Contains(err.Error(), "[redacted]") {
				t.Errorf("%s %v: nothing was redacted: the echo did not reach the error, or leaked", what, err)
			}
		}
	}
	if len(echoes) < 4*3*8 {
		t.Fatalf("only %d echoes", len(echoes))
	}
	platformtest.CheckNoSecrets(t, "log", logs.String(), creds...)
}
