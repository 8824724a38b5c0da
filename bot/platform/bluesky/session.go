package bluesky

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/internal/httpx"
)

// session is what createSession and refreshSession answer, and what is kept
// in the SessionStore.
type session struct {
	AccessJwt  string `json:"accessJwt"`
	RefreshJwt string `json:"refreshJwt"`
	Handle     string `json:"handle"`
	DID        string `json:"did"`
}

// expirySlack renews an access token this long before it expires.
const expirySlack = time.Minute

// authed calls an XRPC method with the access token. When the server says
// the token is expired or invalid, the session is refreshed (or, failing
// that, created) and the call is made once more. build makes the request
// body from the session used (nil for none).
func (c *Client) authed(ctx context.Context, method, nsid string, build func(session) any, out any) error {
	s, err := c.session(ctx)
	if err != nil {
		return err
	}
	err = c.xrpc(ctx, method, nsid, s.AccessJwt, build(s), out)
	var xe *xrpcError
	if !errors.As(err, &xe) || !xe.tokenProblem() {
		return err
	}
	c.logger.Info("bluesky: access token refused, renewing the session", "handle", c.opts.Handle, "error", xe.name)
	s, err = c.renew(ctx, s.AccessJwt)
	if err != nil {
		return err
	}
	return c.xrpc(ctx, method, nsid, s.AccessJwt, build(s), out)
}

// session returns a session whose access token is not known to be expired.
func (c *Client) session(ctx context.Context) (session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loginErr != nil {
		return session{}, c.loginErr
	}
	if c.sess == nil && !c.loaded {
		c.load(ctx)
	}
	if c.sess == nil {
		return c.login(ctx)
	}
	if expired(c.sess.AccessJwt, c.now().Add(expirySlack)) {
		return c.refresh(ctx)
	}
	return *c.sess, nil
}

// renew replaces a session whose access token used was refused, unless
// another call already did.
func (c *Client) renew(ctx context.Context, used string) (session, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.loginErr != nil {
		return session{}, c.loginErr
	}
	if c.sess != nil && c.sess.AccessJwt != used {
		return *c.sess, nil
	}
	if c.sess == nil {
		return c.login(ctx)
	}
	return c.refresh(ctx)
}

// Swapper is a SessionStore that can replace a value only if it is still
// what was read (both state backends): replicas on one state share one
// session, and a refresh token works once, so a replica must not overwrite
// the session another has just refreshed.
type Swapper interface {
	Swap(ctx context.Context, key string, old, new []byte) (bool, error)
}

// load reads the stored session. c.mu is held.
func (c *Client) load(ctx context.Context) {
	c.loaded = true
	if s, data, ok := c.read(ctx); ok {
		c.sess, c.stored = &s, data
		c.remember(s)
	}
}

// read is the stored session, if there is a usable one. c.mu is held.
func (c *Client) read(ctx context.Context) (session, []byte, bool) {
	data, ok, err := c.opts.Sessions.Get(ctx, c.key)
	if err != nil {
		c.logger.Warn("bluesky: cannot read the stored session", "handle", c.opts.Handle, "err", err)
		return session{}, nil, false
	}
	if !ok {
		return session{}, nil, false
	}
	var s session
	if err := json.Unmarshal(data, &s); err != nil || s.AccessJwt == "" || s.RefreshJwt == "" || s.DID == "" {
		c.logger.Warn("bluesky: stored session is unusable, ignoring it", "handle", c.opts.Handle)
		return session{}, nil, false
	}
	return s, data, true
}

// adopt takes the stored session when another replica stored a newer one
// than this client last saw: refreshing ours would spend a refresh token
// that replica has already used. c.mu is held.
func (c *Client) adopt(ctx context.Context) (session, bool) {
	if _, ok := c.opts.Sessions.(Swapper); !ok {
		return session{}, false
	}
	s, data, ok := c.read(ctx)
	if !ok || bytes.Equal(data, c.stored) || expired(s.AccessJwt, c.now().Add(expirySlack)) && expired(s.RefreshJwt, c.now().Add(expirySlack)) {
		return session{}, false
	}
	c.logger.Info("bluesky: another replica renewed the session, using it", "handle", c.opts.Handle)
	c.sess, c.stored = &s, data
	c.remember(s)
	return s, true
}

// keep makes s the session and stores it: with a Swapper only over the
// session this client last saw, so that a newer one another replica stored
// meanwhile stays (this client keeps its own in memory, and adopts theirs
// at its next renewal). c.mu is held.
func (c *Client) keep(ctx context.Context, s session) {
	c.sess = &s
	c.remember(s)
	data, err := json.Marshal(s)
	if err == nil {
		if sw, ok := c.opts.Sessions.(Swapper); ok {
			var swapped bool
			swapped, err = sw.Swap(ctx, c.key, c.stored, data)
			if err == nil && swapped {
				c.stored = data
			} else if err == nil {
				c.logger.Info("bluesky: another replica stored a session meanwhile; keeping ours in memory", "handle", c.opts.Handle)
			}
		} else {
			err = c.opts.Sessions.Put(ctx, c.key, data)
		}
	}
	if err != nil {
		c.logger.Warn("bluesky: cannot store the session; it is kept in memory", "handle", c.opts.Handle, "err", err)
	}
}

// refresh trades the refresh token for a new session; when the server no
// longer accepts the refresh token, it logs in once. c.mu is held.
func (c *Client) refresh(ctx context.Context) (session, error) {
	if s, ok := c.adopt(ctx); ok && !expired(s.AccessJwt, c.now().Add(expirySlack)) {
		return s, nil
	}
	if expired(c.sess.RefreshJwt, c.now().Add(expirySlack)) {
		c.logger.Info("bluesky: refresh token expired, creating a session", "handle", c.opts.Handle)
		return c.login(ctx)
	}
	var s session
	err := c.xrpc(ctx, http.MethodPost, "com.atproto.server.refreshSession", c.sess.RefreshJwt, nil, &s)
	var xe *xrpcError
	switch {
	case err == nil:
	case errors.As(err, &xe) && (xe.status == http.StatusBadRequest || xe.status == http.StatusUnauthorized):
		// ExpiredToken, InvalidToken (revoked, or from another server),
		// AuthenticationRequired: only new credentials help.
		if s, ok := c.adopt(ctx); ok {
			return s, nil // another replica's refresh spent our token
		}
		c.logger.Info("bluesky: refresh refused, creating a session", "handle", c.opts.Handle, "error", xe.name)
		return c.login(ctx)
	default:
		return session{}, classify(fmt.Errorf("refresh session for %s: %w", c.opts.Handle, err))
	}
	if s.AccessJwt == "" || s.RefreshJwt == "" {
		return session{}, bot.Retryable(fmt.Errorf("refresh session for %s: answer without tokens", c.opts.Handle))
	}
	if s.DID == "" {
		s.DID = c.sess.DID
	}
	if s.Handle == "" {
		s.Handle = c.sess.Handle
	}
	c.logger.Info("bluesky: session refreshed", "handle", s.Handle, "did", s.DID)
	c.keep(ctx, s)
	return s, nil
}

// login calls createSession. A refusal of the credentials is remembered, so
// that a wrong app password does not spend Bluesky's login limit post after
// post; a new Client (a config reload) tries again. c.mu is held.
func (c *Client) login(ctx context.Context) (session, error) {
	in := struct {
		Identifier string `json:"identifier"`
		Password   string `json:"password"`
	}{c.opts.Handle, c.opts.AppPassword}
	var s session
	err := c.xrpc(ctx, http.MethodPost, "com.atproto.server.createSession", "", in, &s)
	if err != nil {
		err = fmt.Errorf("create session for %s: %w", c.opts.Handle, err)
		var xe *xrpcError
		if errors.As(err, &xe) && xe.status == http.StatusUnauthorized {
			c.loginErr = bot.Permanent(fmt.Errorf("%w: check handle and app_password (an app password from Settings → Privacy and security → App passwords)", err))
			return session{}, c.loginErr
		}
		return session{}, classify(err)
	}
	if s.AccessJwt == "" || s.RefreshJwt == "" || s.DID == "" {
		return session{}, bot.Retryable(fmt.Errorf("create session for %s: answer without tokens or did", c.opts.Handle))
	}
	c.logger.Info("bluesky: session created", "handle", s.Handle, "did", s.DID)
	c.keep(ctx, s)
	return s, nil
}

// expired reports whether the JWT's exp claim is before t. The signature is
// not checked (the server does that); a token without a readable exp is
// taken as valid and left to the server to refuse.
func expired(jwt string, t time.Time) bool {
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return false
	}
	var claims struct {
		Exp json.Number `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp == "" {
		return false
	}
	exp, err := claims.Exp.Float64()
	if err != nil {
		return false
	}
	return time.Unix(int64(exp), 0).Before(t)
}

// xrpcError is a non-2xx XRPC answer: {"error": name, "message": message}.
type xrpcError struct {
	status  int
	name    string
	message string
	reset   time.Time // when a 429 or 503 may be retried (Retry-After, RateLimit-Reset)
}

func (e *xrpcError) Error() string {
	s := fmt.Sprintf("HTTP %d", e.status)
	if e.name != "" {
		s += " " + e.name
	}
	if e.message != "" {
		s += ": " + e.message
	}
	return s
}

// tokenProblem: the access token was not accepted. The PDS answers 400 for
// an expired or unverifiable token, the AppView 401.
func (e *xrpcError) tokenProblem() bool {
	return (e.status == http.StatusBadRequest || e.status == http.StatusUnauthorized) &&
		(e.name == "ExpiredToken" || e.name == "InvalidToken")
}

// xrpc makes one call: POST with in as JSON (as it is when a rawBody; no
// body when in is nil), GET otherwise; bearer is the token to send, if any. A non-2xx answer is an
// *xrpcError, its text redacted; the caller classifies.
func (c *Client) xrpc(ctx context.Context, method, nsid, bearer string, in any, out any) error {
	h := http.Header{}
	h.Set("Accept", "application/json")
	if bearer != "" {
		h.Set("Authorization", "Bearer "+bearer)
	}
	req := httpx.Request{Method: method, URL: c.service + "/xrpc/" + nsid, Header: h}
	switch in := in.(type) {
	case nil:
	case rawBody:
		req.Body, req.ContentType = in.data, in.contentType
	default:
		req.JSON = in
	}
	resp, err := c.hx.Do(ctx, req)
	if err != nil {
		return httpx.Wrap(err, nsid)
	}
	if !resp.OK() {
		xe := &xrpcError{status: resp.Status, reset: c.hx.RetryAt(resp)}
		var e struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(resp.Body, &e) == nil && (e.Error != "" || e.Message != "") {
			// The name is matched (ExpiredToken), so it is kept whole
			// unless it holds a secret.
			xe.name, xe.message = c.redact.String(e.Error), c.hx.Text([]byte(e.Message), nil)
		} else {
			xe.message = c.hx.Text(resp.Body, nil)
		}
		return fmt.Errorf("%s: %w", nsid, xe)
	}
	if resp.ReadErr != nil {
		return fmt.Errorf("%s: read answer: %w", nsid, resp.ReadErr)
	}
	if out != nil {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return fmt.Errorf("%s: decode answer: %w", nsid, err)
		}
	}
	return nil
}

// remember adds a session's tokens, and each JWT's signature alone, to what
// redaction removes (httpx keeps the last few).
func (c *Client) remember(s session) {
	for _, jwt := range []string{s.AccessJwt, s.RefreshJwt} {
		c.redact.Remember(jwt)
		if i := strings.LastIndexByte(jwt, '.'); i >= 0 && len(jwt)-i > 16 {
			c.redact.Remember(jwt[i+1:])
		}
	}
}

// rawBody is a request body sent as it is (uploadBlob's bytes).
type rawBody struct {
	data        []byte
	contentType string
}

// memoryStore is the SessionStore of a Client given none.
type memoryStore struct {
	mu sync.Mutex
	m  map[string][]byte
}

func (m *memoryStore) Get(_ context.Context, key string) ([]byte, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	return v, ok, nil
}

func (m *memoryStore) Put(_ context.Context, key string, v []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil {
		m.m = map[string][]byte{}
	}
	m.m[key] = append([]byte(nil), v...) // the caller may reuse v
	return nil
}
