package bluesky

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rivo/uniseg"

	"github.com/lumohanke/lumobot/bot/platform/platformtest"
)

const (
	testHandle   = "lumohanke.test"
	testDID      = "did:plc:lumohanke4tests7abcdefgh"
	testPassword = "abcd-efgh-ijkl-mnop"
)

// rateWindow is how far ahead the fake's RateLimit-Reset lies: the PDS
// sends the end of the current window, in unix seconds.
const rateWindow = 5 * time.Minute

var tidRE = regexp.MustCompile(`^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$`)

// pds answers like the reference PDS (@atproto/pds) for the calls lumobot
// makes: status codes, error names and messages, ratelimit headers. Records
// are kept by rkey; putRecord overwrites.
type pds struct {
	t   *testing.T
	mu  sync.Mutex
	now time.Time // the server's clock, shared with the client under test

	accessTTL, refreshTTL time.Duration
	seq                   int
	access                map[string]time.Time // valid access JWT → exp
	refresh               map[string]time.Time // valid refresh JWT → exp
	issued                []string             // every JWT handed out

	creates, refreshes, puts, gets int
	refreshBodies                  []string
	refreshBearers                 []string
	records                        map[string]json.RawMessage // rkey → record

	createMode string // "", "401", "429"
	putMode    string // "", "500", "429", "lost", "echo"
	lost       int

	blobs     map[string][]byte // CID → bytes uploaded
	blobTypes map[string]string // CID → Content-Type sent
	uploads   int
	blobMode  string // "", "400", "413"

	password string // the app password createSession accepts
	// echo, when set, is the answer of createSession (echoIn "create") or
	// of putRecord and getSession (echoIn "put"): a careless server writing
	// a secret back, in one of three shapes (echoShape).
	echo      *platformtest.Echo
	echoIn    string
	echoShape int
}

// answerEcho writes p.echo in the XRPC error shape (0: in the message, 1:
// in the error name) or as a bare page (2).
func (p *pds) answerEcho(w http.ResponseWriter) {
	e := p.echo
	switch p.echoShape % 3 {
	case 0:
		xrpcErr(w, e.Status, "AuthenticationRequired", "Invalid identifier or password: "+e.Text)
	case 1:
		xrpcErr(w, e.Status, "Invalid"+e.Text, "Bad token")
	default:
		w.WriteHeader(e.Status)
		fmt.Fprint(w, "<html><body>Bad gateway for "+e.Text+"</body></html>")
	}
}

func newPDS(t *testing.T) (*pds, *httptest.Server) {
	p := &pds{t: t, now: time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC), password: testPassword,
		accessTTL: 2 * time.Hour, refreshTTL: 60 * 24 * time.Hour,
		access: map[string]time.Time{}, refresh: map[string]time.Time{}, records: map[string]json.RawMessage{},
		blobs: map[string][]byte{}, blobTypes: map[string]string{}}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

func (p *pds) clock() time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.now
}

func (p *pds) advance(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.now = p.now.Add(d)
}

func (p *pds) jwt(typ string, exp time.Time) string {
	p.seq++
	enc := base64.RawURLEncoding.EncodeToString
	header := enc([]byte(`{"typ":"` + typ + `","alg":"ES256K"}`))
	payload := enc([]byte(fmt.Sprintf(`{"scope":"com.atproto.access","sub":%q,"iat":%d,"exp":%d,"jti":"j%d"}`,
		testDID, p.now.Unix(), exp.Unix(), p.seq)))
	tok := header + "." + payload + "." + enc([]byte(fmt.Sprintf("signature-%d-secret", p.seq)))
	p.issued = append(p.issued, tok)
	return tok
}

func (p *pds) newSession() map[string]any {
	a := p.jwt("at+jwt", p.now.Add(p.accessTTL))
	r := p.jwt("refresh+jwt", p.now.Add(p.refreshTTL))
	p.access[a] = p.now.Add(p.accessTTL)
	p.refresh[r] = p.now.Add(p.refreshTTL)
	return map[string]any{"accessJwt": a, "refreshJwt": r, "handle": testHandle, "did": testDID,
		"active": true, "email": "lumo@example.fi", "emailConfirmed": true}
}

// revokeAll invalidates every token, as a password change or a new PDS does.
func (p *pds) revokeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.access = map[string]time.Time{}
	p.refresh = map[string]time.Time{}
}

// invalidateAccess drops the access tokens only (a signing key rotation).
func (p *pds) invalidateAccess() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.access = map[string]time.Time{}
}

func xrpcErr(w http.ResponseWriter, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"error":%q,"message":%q}`, name, msg)
}

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// checkAccess answers as the PDS auth verifier does: 400 ExpiredToken for an
// expired JWT, 400 InvalidToken for one it cannot verify, 401 for none.
func (p *pds) checkAccess(w http.ResponseWriter, r *http.Request) bool {
	tok := bearer(r)
	if r.Header.Get("Authorization") == "" {
		xrpcErr(w, 401, "AuthMissing", "Authentication Required")
		return false
	}
	exp, ok := p.access[tok]
	if !ok {
		xrpcErr(w, 400, "InvalidToken", "Token could not be verified")
		return false
	}
	if !p.now.Before(exp) {
		xrpcErr(w, 400, "ExpiredToken", "Token has expired")
		return false
	}
	return true
}

func (p *pds) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	defer p.mu.Unlock()
	body, _ := io.ReadAll(r.Body)
	switch r.URL.Path {
	case "/xrpc/com.atproto.server.createSession":
		p.creates++
		if p.echo != nil && p.echoIn == "create" {
			p.answerEcho(w)
			return
		}
		if p.createMode == "429" {
			w.Header().Set("RateLimit-Limit", "30")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(p.now.Add(rateWindow).Unix(), 10))
			w.Header().Set("RateLimit-Policy", "30;w=300")
			xrpcErr(w, 429, "RateLimitExceeded", "Rate Limit Exceeded")
			return
		}
		var in struct{ Identifier, Password string }
		if err := json.Unmarshal(body, &in); err != nil {
			xrpcErr(w, 400, "InvalidRequest", "Input must be an object")
			return
		}
		if p.createMode == "401" || in.Identifier != testHandle || in.Password != p.password {
			xrpcErr(w, 401, "AuthenticationRequired", "Invalid identifier or password")
			return
		}
		json.NewEncoder(w).Encode(p.newSession())
	case "/xrpc/com.atproto.server.refreshSession":
		p.refreshes++
		p.refreshBodies = append(p.refreshBodies, string(body))
		p.refreshBearers = append(p.refreshBearers, bearer(r))
		if len(body) != 0 {
			xrpcErr(w, 400, "InvalidRequest", "A request body was provided when none was expected")
			return
		}
		tok := bearer(r)
		exp, ok := p.refresh[tok]
		if !ok {
			if _, isAccess := p.access[tok]; isAccess {
				xrpcErr(w, 400, "InvalidToken", "Invalid token type")
				return
			}
			xrpcErr(w, 400, "ExpiredToken", "Token has been revoked")
			return
		}
		if !p.now.Before(exp) {
			xrpcErr(w, 400, "ExpiredToken", "Token has expired")
			return
		}
		delete(p.refresh, tok) // rotation: a refresh token is good once
		json.NewEncoder(w).Encode(p.newSession())
	case "/xrpc/com.atproto.server.getSession":
		p.gets++
		if !p.checkAccess(w, r) {
			return
		}
		if p.echo != nil && p.echoIn == "put" {
			p.answerEcho(w)
			return
		}
		fmt.Fprintf(w, `{"handle":%q,"did":%q,"active":true}`, testHandle, testDID)
	case "/xrpc/com.atproto.repo.putRecord":
		p.puts++
		if !p.checkAccess(w, r) {
			return
		}
		if p.echo != nil && p.echoIn == "put" {
			p.answerEcho(w)
			return
		}
		switch p.putMode {
		case "500":
			xrpcErr(w, 500, "InternalServerError", "Internal Server Error")
			return
		case "429":
			w.Header().Set("RateLimit-Limit", "5000")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(p.now.Add(rateWindow).Unix(), 10))
			xrpcErr(w, 429, "RateLimitExceeded", "Rate Limit Exceeded")
			return
		case "echo":
			xrpcErr(w, 400, "InvalidRequest", "bad request from "+bearer(r)+" "+testPassword)
			return
		}
		var in struct {
			Repo, Collection, Rkey string
			Record                 json.RawMessage
		}
		if err := json.Unmarshal(body, &in); err != nil {
			xrpcErr(w, 400, "InvalidRequest", "Input must be an object")
			return
		}
		if in.Repo != testDID {
			xrpcErr(w, 400, "InvalidRequest", "Could not find repo: "+in.Repo)
			return
		}
		if in.Collection != "app.bsky.feed.post" || !tidRE.MatchString(in.Rkey) {
			xrpcErr(w, 400, "InvalidRequest", "Invalid rkey: "+in.Rkey)
			return
		}
		var fields map[string]any
		json.Unmarshal(in.Record, &fields)
		text, _ := fields["text"].(string)
		if fields["$type"] != "app.bsky.feed.post" || fields["createdAt"] == nil {
			xrpcErr(w, 400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record must have the property \"createdAt\"")
			return
		}
		if n := uniseg.GraphemeClusterCount(text); n > 300 {
			xrpcErr(w, 400, "InvalidRequest", "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes")
			return
		}
		p.records[in.Rkey] = in.Record
		sum := sha256.Sum256(in.Record)
		if p.putMode == "lost" && p.lost > 0 {
			p.lost--
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				p.t.Fatal(err)
			}
			conn.Close()
			return
		}
		fmt.Fprintf(w, `{"uri":"at://%s/app.bsky.feed.post/%s","cid":"bafyrei%s","commit":{"cid":"bafyreic","rev":"3l"},"validationStatus":"valid"}`,
			testDID, in.Rkey, hex.EncodeToString(sum[:10]))
	case "/xrpc/com.atproto.repo.uploadBlob":
		p.uploads++
		if !p.checkAccess(w, r) {
			return
		}
		switch p.blobMode {
		case "400":
			xrpcErr(w, 400, "InvalidRequest", "Wrong type of file. It is image/x-unknown but it must match image/*.")
			return
		case "413":
			xrpcErr(w, 413, "PayloadTooLarge", "request entity too large")
			return
		}
		// Content-addressed, as the PDS names blobs (a raw CIDv1, base32).
		sum := sha256.Sum256(body)
		cid := "bafkrei" + hex.EncodeToString(sum[:16])
		ct := r.Header.Get("Content-Type")
		p.blobs[cid], p.blobTypes[cid] = body, ct
		fmt.Fprintf(w, `{"blob":{"$type":"blob","ref":{"$link":%q},"mimeType":%q,"size":%d}}`, cid, ct, len(body))
	default:
		xrpcErr(w, 501, "MethodNotImplemented", "Method Not Implemented")
	}
}

// store is a SessionStore counting its calls.
type store struct {
	mu   sync.Mutex
	m    map[string][]byte
	puts int
}

func (s *store) Get(_ context.Context, key string) ([]byte, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	return v, ok, nil
}

func (s *store) Put(_ context.Context, key string, v []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string][]byte{}
	}
	s.m[key] = append([]byte(nil), v...)
	s.puts++
	return nil
}
