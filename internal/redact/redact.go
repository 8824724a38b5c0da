package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
)

// Placeholder replaces a credential in text.
const Placeholder = "[redacted]"

// recentMax bounds the secrets Remember keeps: a session's tokens are
// replaced every few hours (four secrets a session: two tokens and their
// signatures), and the old ones are dead soon after.
const recentMax = 32

// Redactor removes a client's credentials from text, in every form a server
// may echo them: as written, percent-encoded (path, query, RFC 3986, upper
// or lower hex), JSON-escaped (with or without HTML escaping, with "\/",
// with non-ASCII as \u escapes). It is safe for concurrent use; a nil
// Redactor removes nothing.
type Redactor struct {
	mu     sync.RWMutex
	fixed  []string // every form of the configured secrets
	recent []string // runtime secrets (session tokens), newest last
	forms  []string // fixed plus the forms of recent, longest first
}

// New returns a Redactor for secrets (empty ones are ignored).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add adds configured secrets, kept for the Redactor's life. Every
// non-empty secret counts, however short (see wordMin for how a short one is
// matched).
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s != "" {
			r.fixed = append(r.fixed, forms(s)...)
		}
	}
	r.rebuild()
}

// Remember adds a secret learnt at run time (a session token); only the
// last few are kept.
func (r *Redactor) Remember(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range secrets {
		if s != "" && !slices.Contains(r.recent, s) {
			r.recent = append(r.recent, s)
		}
	}
	if len(r.recent) > recentMax {
		r.recent = r.recent[len(r.recent)-recentMax:]
	}
	r.rebuild()
}

// AddHeader adds a header value that carries a credential: the value, its
// credential after an auth scheme ("Bearer xyz" → "xyz"), and for Basic the
// decoded user:password and password.
func (r *Redactor) AddHeader(value string) {
	value = strings.TrimSpace(value)
	parts := []string{value}
	if scheme, cred, ok := strings.Cut(value, " "); ok {
		cred = strings.TrimSpace(cred)
		parts = append(parts, cred)
		if strings.EqualFold(scheme, "basic") {
			if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
				parts = append(parts, string(dec))
				if _, pw, ok := strings.Cut(string(dec), ":"); ok {
					parts = append(parts, pw)
				}
			}
		}
	}
	r.Add(parts...)
}

// AddURL adds a URL whose path and query are its secret (a webhook): the
// URL, its request URI, path, path segments and query values, user and
// password. Pieces shorter than 6 bytes ("api", "v1") are left alone: they
// are not secret and replacing them would garble every text.
func (r *Redactor) AddURL(u *url.URL) {
	var parts []string
	add := func(s string) {
		if len(s) >= 6 {
			parts = append(parts, s)
		}
	}
	add(u.String())
	add(u.RequestURI())
	add(u.Path)
	for seg := range strings.SplitSeq(u.Path, "/") {
		add(seg)
	}
	add(u.RawQuery)
	for _, vs := range u.Query() {
		for _, v := range vs {
			add(v)
		}
	}
	if u.User != nil {
		add(u.User.Username())
		if pw, ok := u.User.Password(); ok {
			add(pw)
		}
	}
	r.Add(parts...)
}

// rebuild recomputes forms. r.mu is held.
func (r *Redactor) rebuild() {
	all := slices.Clone(r.fixed)
	for _, s := range r.recent {
		all = append(all, forms(s)...)
	}
	slices.SortFunc(all, func(a, b string) int { return len(b) - len(a) }) // a whole URL before its pieces
	r.forms = slices.Compact(all)
}

// String returns s with every form of every secret replaced.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, f := range r.forms {
		if !strings.Contains(s, f) {
			continue
		}
		if len(f) >= wordMin {
			s = strings.ReplaceAll(s, f, Placeholder)
		} else {
			s = replaceWords(s, f)
		}
	}
	return s
}

// wordMin is the length from which a secret is replaced wherever it occurs.
// A shorter one (a test's "at", a toy password) is replaced only as a word
// of its own: anywhere, it would garble every text ("cre[redacted]e post")
// and hide what the error says.
const wordMin = 8

// replaceWords replaces the occurrences of f in s that no letter or digit
// touches on either side.
func replaceWords(s, f string) string {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, f)
		if i < 0 {
			b.WriteString(rest)
			return b.String()
		}
		before, _ := utf8.DecodeLastRuneInString(b.String() + rest[:i])
		after, _ := utf8.DecodeRuneInString(rest[i+len(f):])
		if wordRune(before) || wordRune(after) {
			b.WriteString(rest[:i+1])
			rest = rest[i+1:]
			continue
		}
		b.WriteString(rest[:i])
		b.WriteString(Placeholder)
		rest = rest[i+len(f):]
	}
}

func wordRune(r rune) bool { return r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) }

// Error returns err with its text redacted. The class (a *bot.DeliveryError
// found in err) stays outermost, and errors.Is still sees the causes
// (bot.ErrDuplicate, context.DeadlineExceeded); err itself is returned
// when its text holds no secret.
func (r *Redactor) Error(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	clean := r.String(msg)
	if clean == msg {
		return err
	}
	red := &redacted{msg: clean, err: err}
	var de *bot.DeliveryError
	if errors.As(err, &de) {
		return &bot.DeliveryError{Permanent: de.Permanent, RetryAt: de.RetryAt, Err: red}
	}
	return red
}

// redacted is an error whose text had secrets removed.
type redacted struct {
	msg string
	err error
}

func (e *redacted) Error() string { return e.msg }
func (e *redacted) Unwrap() error { return e.err }

// forms lists how a server may write s back.
func forms(s string) []string {
	out := []string{s, url.PathEscape(s), url.QueryEscape(s), pctEncode(s)}
	for _, f := range out[1:] {
		out = append(out, lowerHex(f))
	}
	for _, html := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		if enc.Encode(s) == nil {
			j := strings.TrimSuffix(strings.TrimSpace(b.String()), `"`)
			j = strings.TrimPrefix(j, `"`)
			for _, v := range []string{j, strings.ReplaceAll(j, "/", `\/`)} {
				out = append(out, v, asciiJSON(v))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// pctEncode is RFC 3986 percent-encoding (OAuth 1.0a's): unreserved
// characters as they are, every other byte as %XX.
func pctEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// lowerHex writes the %XX escapes of s in lower case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = bytes.ToLower(b[i+1 : i+2])[0], bytes.ToLower(b[i+2 : i+3])[0]
			i += 2
		}
	}
	return string(b)
}

// asciiJSON escapes the non-ASCII runes of a JSON string body as \uXXXX,
// as Python's json.dumps and many servers do.
func asciiJSON(j string) string {
	var b strings.Builder
	for _, r := range j {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}
