package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/platformtest"
)

func newClient(t *testing.T, p *pds, srv *httptest.Server, st SessionStore, logs *bytes.Buffer) *Client {
	t.Helper()
	var logger *slog.Logger
	if logs != nil {
		logger = slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	c, err := New(Options{Service: srv.URL, Handle: "@" + testHandle, AppPassword: testPassword, Language: "fi", Sessions: st, Now: p.clock},
		logger, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func testPost(key string) bot.Post {
	return bot.Post{Key: key, Target: "bluesky", Kind: bot.KindReminder,
		Text: "Tänään ✨ #LUMOhanke https://lumo.example/ä",
		Due:  time.Date(2021, 5, 4, 9, 0, 0, 123456789, time.FixedZone("EEST", 3*3600)),
		Link: "https://lumo.example/ä"}
}

func deliveryError(t *testing.T, err error) *bot.DeliveryError {
	t.Helper()
	var de *bot.DeliveryError
	if !errors.As(err, &de) {
		t.Fatalf("err = %v, want a *bot.DeliveryError", err)
	}
	return de
}

func TestNewRequires(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"no handle", Options{AppPassword: testPassword}, "handle is required"},
		{"no password", Options{Handle: testHandle}, "app_password is required"},
		{"bad service", Options{Handle: testHandle, AppPassword: testPassword, Service: "bsky.social"}, "not an http(s) URL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New(tc.opts, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), testPassword) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := New(Options{Handle: testHandle, AppPassword: testPassword}, nil, nil); err == nil || !strings.Contains(err.Error(), "clock") {
		t.Fatalf("no clock: err = %v", err)
	}
	c, err := New(Options{Handle: testHandle, AppPassword: testPassword, Now: time.Now}, nil, nil)
	if err != nil || c.service != DefaultService {
		t.Fatalf("default service: %v %v", c, err)
	}
}

func TestPostRecord(t *testing.T) {
	p, srv := newPDS(t)
	c := newClient(t, p, srv, nil, nil)
	post := testPost("reminder:kehittajaryhma-2021-05:1d")
	r, err := c.Post(context.Background(), post)
	if err != nil {
		t.Fatal(err)
	}
	rkey := RecordKey(post.Key)
	if want := "at://" + testDID + "/app.bsky.feed.post/" + rkey; r.ID != want {
		t.Errorf("ID = %q, want %q", r.ID, want)
	}
	if want := "https://bsky.app/profile/" + testHandle + "/post/" + rkey; r.URL != want {
		t.Errorf("URL = %q, want %q", r.URL, want)
	}
	var rec struct {
		Type      string   `json:"$type"`
		Text      string   `json:"text"`
		CreatedAt string   `json:"createdAt"`
		Langs     []string `json:"langs"`
		Facets    []Facet  `json:"facets"`
		Embed     any      `json:"embed"`
	}
	if err := json.Unmarshal(p.records[rkey], &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Type != "app.bsky.feed.post" || rec.Text != post.Text || rec.CreatedAt != "2021-05-04T06:00:00.123Z" ||
		len(rec.Langs) != 1 || rec.Langs[0] != "fi" || rec.Embed != nil {
		t.Errorf("record = %+v", rec)
	}
	got := map[string]string{}
	for _, f := range rec.Facets {
		got[post.Text[f.Index.ByteStart:f.Index.ByteEnd]] = f.Features[0].Type
	}
	if len(got) != 2 || got["#LUMOhanke"] != TypeTag || got["https://lumo.example/ä"] != TypeLink {
		t.Errorf("facets in the record cover %v", got)
	}
}

func TestPostLinkCardAndLang(t *testing.T) {
	p, srv := newPDS(t)
	c := newClient(t, p, srv, nil, nil)
	c.opts.Link = true
	post := testPost("news:uutiset:1")
	post.Lang = "sv"
	if _, err := c.Post(context.Background(), post); err != nil {
		t.Fatal(err)
	}
	var rec struct {
		Langs []string `json:"langs"`
		Embed struct {
			Type     string `json:"$type"`
			External struct {
				URI, Title string
				Desc       *string `json:"description"`
			} `json:"external"`
		} `json:"embed"`
	}
	json.Unmarshal(p.records[RecordKey(post.Key)], &rec)
	e := rec.Embed
	if e.Type != "app.bsky.embed.external" || e.External.URI != post.Link || e.External.Title != "lumo.example" ||
		e.External.Desc == nil || *e.External.Desc != "" {
		t.Errorf("embed = %+v", e)
	}
	if len(rec.Langs) != 1 || rec.Langs[0] != "sv" {
		t.Errorf("langs = %v, want the post's sv", rec.Langs)
	}
}

func TestResendLeavesOneRecord(t *testing.T) {
	p, srv := newPDS(t)
	c := newClient(t, p, srv, nil, nil)
	post := testPost("announcement:seuraa-lumoa:2026-12-01T10:00")
	r1, err1 := c.Post(context.Background(), post)
	first := string(p.records[RecordKey(post.Key)])
	r2, err2 := c.Post(context.Background(), post)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if r1 != r2 || len(p.records) != 1 || p.puts != 2 {
		t.Fatalf("receipts %v %v, %d records after %d puts; want one", r1, r2, len(p.records), p.puts)
	}
	if string(p.records[RecordKey(post.Key)]) != first {
		t.Fatalf("re-send changed the record:\n%s\n%s", first, p.records[RecordKey(post.Key)])
	}
}

func TestLostAnswerThenRetry(t *testing.T) {
	p, srv := newPDS(t)
	c := newClient(t, p, srv, nil, nil)
	p.putMode, p.lost = "lost", 5
	post := testPost("news:uutiset:lost")
	_, err := c.Post(context.Background(), post)
	if de := deliveryError(t, err); de.Permanent {
		t.Fatalf("lost answer: %v, want retryable", err)
	}
	p.mu.Lock()
	p.lost = 0
	p.mu.Unlock()
	if _, err := c.Post(context.Background(), post); err != nil {
		t.Fatal(err)
	}
	if len(p.records) != 1 {
		t.Fatalf("%d records, want 1", len(p.records))
	}
}

func TestOneSessionForManyPosts(t *testing.T) {
	p, srv := newPDS(t)
	st := &store{}
	c := newClient(t, p, srv, st, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Go(func() {
			_, err := c.Post(context.Background(), testPost(fmt.Sprintf("news:uutiset:%d", i)))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if p.creates != 1 || len(p.records) != 20 {
		t.Fatalf("createSession called %d times for %d records, want once", p.creates, len(p.records))
	}
	if _, ok := st.m["bluesky:"+testHandle]; !ok {
		t.Fatalf("session not stored under bluesky:<handle>: %v", st.m)
	}
	// A restart: a new Client on the same store does not log in again.
	c2 := newClient(t, p, srv, st, nil)
	if _, err := c2.Post(context.Background(), testPost("news:uutiset:after-restart")); err != nil {
		t.Fatal(err)
	}
	if got, err := c2.Check(context.Background()); err != nil || got != "@"+testHandle+" ("+testDID+")" {
		t.Fatalf("Check = %q, %v", got, err)
	}
	if p.creates != 1 {
		t.Fatalf("createSession called %d times after a restart, want 1", p.creates)
	}
}

func TestExpiredAccessTokenRefreshes(t *testing.T) {
	for _, tc := range []struct {
		name     string
		expire   func(p *pds)
		wantPuts int
	}{
		// The client reads exp from the JWT and refreshes before calling.
		{"known from exp", func(p *pds) { p.advance(3 * time.Hour) }, 2},
		// The client cannot know: the server answers 400 InvalidToken.
		{"refused by the server", func(p *pds) { p.invalidateAccess() }, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, srv := newPDS(t)
			st := &store{}
			c := newClient(t, p, srv, st, nil)
			if _, err := c.Post(context.Background(), testPost("news:uutiset:1")); err != nil {
				t.Fatal(err)
			}
			oldRefresh := c.sess.RefreshJwt
			tc.expire(p)
			if _, err := c.Post(context.Background(), testPost("news:uutiset:2")); err != nil {
				t.Fatal(err)
			}
			if p.creates != 1 || p.refreshes != 1 || p.puts != tc.wantPuts || len(p.records) != 2 {
				t.Fatalf("creates %d refreshes %d puts %d records %d", p.creates, p.refreshes, p.puts, len(p.records))
			}
			if p.refreshBodies[0] != "" || p.refreshBearers[0] != oldRefresh {
				t.Fatalf("refreshSession got body %q and bearer of the refresh JWT: %v", p.refreshBodies[0], p.refreshBearers[0] == oldRefresh)
			}
			var stored session
			json.Unmarshal(st.m["bluesky:"+testHandle], &stored)
			if stored.AccessJwt != c.sess.AccessJwt || stored.RefreshJwt == oldRefresh {
				t.Fatal("the refreshed session was not stored")
			}
		})
	}
}

func TestRevokedRefreshCreatesSession(t *testing.T) {
	p, srv := newPDS(t)
	c := newClient(t, p, srv, nil, nil)
	if _, err := c.Post(context.Background(), testPost("news:uutiset:1")); err != nil {
		t.Fatal(err)
	}
	p.revokeAll()
	if _, err := c.Post(context.Background(), testPost("news:uutiset:2")); err != nil {
		t.Fatal(err)
	}
	if p.creates != 2 || p.refreshes != 1 || len(p.records) != 2 {
		t.Fatalf("creates %d refreshes %d records %d; want a refresh, then one createSession", p.creates, p.refreshes, len(p.records))
	}
}

func TestExpiredRefreshTokenCreatesSession(t *testing.T) {
	p, srv := newPDS(t)
	c := newClient(t, p, srv, nil, nil)
	if _, err := c.Post(context.Background(), testPost("news:uutiset:1")); err != nil {
		t.Fatal(err)
	}
	p.advance(61 * 24 * time.Hour)
	if _, err := c.Post(context.Background(), testPost("news:uutiset:2")); err != nil {
		t.Fatal(err)
	}
	if p.creates != 2 || p.refreshes != 0 {
		t.Fatalf("creates %d refreshes %d; an expired refresh JWT goes straight to createSession", p.creates, p.refreshes)
	}
}

func TestBadCredentials(t *testing.T) {
	p, srv := newPDS(t)
	c, err := New(Options{Service: srv.URL, Handle: testHandle, AppPassword: "wrong-" + testPassword, Now: p.clock}, nil, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		_, err = c.Post(context.Background(), testPost("news:uutiset:1"))
		de := deliveryError(t, err)
		if !de.Permanent || !strings.Contains(err.Error(), "check handle and app_password") ||
			!strings.Contains(err.Error(), "AuthenticationRequired") {
			t.Fatalf("err = %v", err)
		}
	}
	if _, err := c.Check(context.Background()); err == nil {
		t.Fatal("Check passed with a wrong password")
	}
	if p.creates != 1 {
		t.Fatalf("createSession called %d times with refused credentials, want 1", p.creates)
	}
}

func TestErrors(t *testing.T) {
	reset := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC).Add(rateWindow) // the fake's clock at start
	long := strings.Repeat("ä", 301)
	for _, tc := range []struct {
		name      string
		setup     func(p *pds)
		text      string
		permanent bool
		retryAt   time.Time
		want      string
	}{
		{"too long", nil, long, true, time.Time{}, "must not be longer than 300 graphemes"},
		{"put 500", func(p *pds) { p.putMode = "500" }, "", false, time.Time{}, "HTTP 500 InternalServerError"},
		{"put 429", func(p *pds) { p.putMode = "429" }, "", false, reset, "RateLimitExceeded"},
		{"login 429", func(p *pds) { p.createMode = "429" }, "", false, reset, "create session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, srv := newPDS(t)
			if tc.setup != nil {
				tc.setup(p)
			}
			c := newClient(t, p, srv, nil, nil)
			post := testPost("reminder:x:1h")
			if tc.text != "" {
				post.Text = tc.text
			}
			_, err := c.Post(context.Background(), post)
			de := deliveryError(t, err)
			if de.Permanent != tc.permanent || !de.RetryAt.Equal(tc.retryAt) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v (permanent %v, retry at %v)", err, de.Permanent, de.RetryAt)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "bluesky: post reminder:x:1h: ") {
				t.Fatalf("err %q lacks context", msg)
			}
		})
	}
}

func TestNetworkErrorRetryable(t *testing.T) {
	p, srv := newPDS(t)
	c := newClient(t, p, srv, nil, nil)
	srv.Close()
	_, err := c.Post(context.Background(), testPost("news:uutiset:1"))
	if de := deliveryError(t, err); de.Permanent || !de.RetryAt.IsZero() {
		t.Fatalf("err = %v, want retryable", err)
	}
}

func TestLength(t *testing.T) {
	c, _ := New(Options{Handle: testHandle, AppPassword: testPassword, Now: time.Now}, nil, nil)
	for _, tc := range []struct {
		text string
		want int
	}{
		{"", 0},
		{"Tänään", 6},
		{"Ta\u0308na\u0308a\u0308n", 6}, // decomposed ä: three code points fewer graphemes
		{"👩‍👩‍👧‍👦 🇫🇮", 3}, // ZWJ family, space, flag
		{strings.Repeat("ä", 300), 300},
		{strings.Repeat("e\u0301", 300), 300}, // 600 code points, 300 graphemes
	} {
		if got := c.Length(tc.text); got != tc.want {
			t.Errorf("Length(%q) = %d, want %d", tc.text, got, tc.want)
		}
	}
	if c.Limit() != 300 {
		t.Errorf("Limit = %d", c.Limit())
	}
}

func TestLimitMatchesServer(t *testing.T) {
	// 300 graphemes of 600 code points pass; 301 graphemes fail.
	p, srv := newPDS(t)
	c := newClient(t, p, srv, nil, nil)
	post := testPost("news:uutiset:300")
	post.Text = strings.Repeat("e\u0301", 300)
	if _, err := c.Post(context.Background(), post); err != nil {
		t.Fatalf("300 graphemes: %v", err)
	}
	post = testPost("news:uutiset:301")
	post.Text = strings.Repeat("e\u0301", 301)
	if _, err := c.Post(context.Background(), post); err == nil || !deliveryError(t, err).Permanent {
		t.Fatalf("301 graphemes: %v, want permanent", err)
	}
}

func TestNoSecretInErrorsOrLogs(t *testing.T) {
	var logs bytes.Buffer
	var errs []string
	var issued []string
	run := func(setup func(p *pds), wrongPassword bool) {
		p, srv := newPDS(t)
		c := newClient(t, p, srv, &store{}, &logs)
		if wrongPassword {
			c.opts.AppPassword = testPassword + "-x"
		}
		if _, err := c.Post(context.Background(), testPost("news:uutiset:1")); err != nil {
			errs = append(errs, err.Error())
		}
		if setup != nil {
			setup(p)
		}
		if _, err := c.Post(context.Background(), testPost("news:uutiset:2")); err != nil {
			errs = append(errs, err.Error())
		}
		if _, err := c.Check(context.Background()); err != nil {
			errs = append(errs, err.Error())
		}
		p.mu.Lock()
		issued = append(issued, p.issued...)
		p.mu.Unlock()
	}
	run(nil, true)
	run(func(p *pds) { p.putMode = "echo" }, false)
	run(func(p *pds) { p.putMode = "500" }, false)
	run(func(p *pds) { p.putMode = "429" }, false)
	run(func(p *pds) { p.revokeAll(); p.createMode = "401" }, false)
	run(func(p *pds) { p.advance(3 * time.Hour) }, false)
	run(func(p *pds) { p.invalidateAccess() }, false)
	if len(errs) < 6 || len(issued) < 10 || logs.Len() == 0 {
		t.Fatalf("too little to check: %d errors, %d tokens, %d bytes of logs", len(errs), len(issued), logs.Len())
	}
	secrets := append(issued, testPassword)
	for _, jwt := range issued { // nor a JWT's signature part alone
		secrets = append(secrets, jwt[strings.LastIndex(jwt, ".")+1:])
	}
	platformtest.CheckNoSecrets(t, "error", strings.Join(errs, "\n"), secrets...)
	platformtest.CheckNoSecrets(t, "log", logs.String(), secrets...)
}

var _ bot.Poster = (*Client)(nil)

// A server that writes the app password or a session token back in its
// error answers, in any form, leaves none of them in an error or a log.
func TestEchoedSecrets(t *testing.T) {
	const password = `abcd/efgh+ijkl&<mn>"op`
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	p, srv := newPDS(t)
	p.password = password
	newC := func() *Client {
		c, err := New(Options{Service: srv.URL, Handle: testHandle, AppPassword: password, Now: p.clock}, logger, srv.Client())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	check := func(what string, err error, secrets []string) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		platformtest.CheckNoSecrets(t, what, err.Error(), secrets...)
		if !strings.Contains(err.Error(), "[redacted]") {
			t.Errorf("%s %v: nothing was redacted: the echo did not reach the error, or leaked", what, err)
		}
	}
	set := func(e *platformtest.Echo, in string, shape int) {
		p.mu.Lock()
		p.echo, p.echoIn, p.echoShape = e, in, shape
		p.mu.Unlock()
	}

	// createSession echoes the password: a new Client each time logs in.
	for i, e := range platformtest.Echoes(password) {
		set(&e, "create", i)
		_, err := newC().Post(context.Background(), testPost("news:uutiset:login"))
		check(fmt.Sprintf("login, password as %q, status %d, shape %d: error", e.Text, e.Status, i%3), err, []string{password})
	}

	// With a session, putRecord and getSession echo the password or a token.
	set(nil, "", 0)
	c := newC()
	if _, err := c.Post(context.Background(), testPost("news:uutiset:ok")); err != nil {
		t.Fatal(err)
	}
	s := *c.sess
	secrets := []string{password, s.AccessJwt, s.RefreshJwt,
		s.AccessJwt[strings.LastIndexByte(s.AccessJwt, '.')+1:], s.RefreshJwt[strings.LastIndexByte(s.RefreshJwt, '.')+1:]}
	echoes := platformtest.Echoes(secrets...)
	for i, e := range echoes {
		set(&e, "put", i)
		_, perr := c.Post(context.Background(), testPost("news:uutiset:echo"))
		_, cerr := c.Check(context.Background())
		what := fmt.Sprintf("secret #%d as %q, status %d, shape %d", e.Secret, e.Text, e.Status, i%3)
		check(what+": post error", perr, secrets)
		check(what+": check error", cerr, secrets)
	}
	if len(echoes) < 5*3*8 || p.creates != len(platformtest.Echoes(password))+1 {
		t.Fatalf("%d echoes, %d logins: the session was not kept, the test is not what it says", len(echoes), p.creates)
	}
	platformtest.CheckNoSecrets(t, "log", logs.String(), secrets...)
}

// swapStore is a state with compare-and-swap, as both backends have.
type swapStore struct{ store }

func (s *swapStore) Swap(_ context.Context, key string, old, new []byte) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.m[key]
	if (old == nil && ok) || (old != nil && (!ok || !bytes.Equal(cur, old))) {
		return false, nil
	}
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = append([]byte(nil), new...)
	return true, nil
}

// Replicas share one session: when one refreshed (spending the refresh
// token, which works once), another adopts the stored session instead of
// refreshing with the spent token and logging in again.
func TestReplicasShareTheRefreshedSession(t *testing.T) {
	for _, tc := range []struct {
		name    string
		st      SessionStore
		creates int
	}{
		{"with Swap", &swapStore{}, 1},
		{"without Swap (a store that cannot compare)", &store{}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, srv := newPDS(t)
			a := newClient(t, p, srv, tc.st, nil)
			b := newClient(t, p, srv, tc.st, nil)
			for i, c := range []*Client{a, b} {
				if _, err := c.Post(context.Background(), testPost(fmt.Sprintf("news:uutiset:%d", i))); err != nil {
					t.Fatal(err)
				}
			}
			p.advance(3 * time.Hour) // both access tokens expired
			for i, c := range []*Client{a, b} {
				if _, err := c.Post(context.Background(), testPost(fmt.Sprintf("news:uutiset:later-%d", i))); err != nil {
					t.Fatal(err)
				}
			}
			if p.creates != tc.creates || len(p.records) != 4 {
				t.Errorf("createSession %d times (want %d), refreshSession %d, records %d", p.creates, tc.creates, p.refreshes, len(p.records))
			}
			if tc.creates == 1 && p.refreshes != 1 {
				t.Errorf("refreshSession %d times, want once: the second replica adopts", p.refreshes)
			}
		})
	}
}
