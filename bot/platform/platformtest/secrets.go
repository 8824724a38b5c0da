// Package platformtest holds test helpers shared by the platform packages.
package platformtest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// LogBuffer collects log output; safe for concurrent use.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything logged so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// CaptureLog returns a debug-level JSON logger writing into a LogBuffer, so
// that a test sees every line a client could log.
func CaptureLog() (*slog.Logger, *LogBuffer) {
	b := &LogBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// CheckNoSecrets fails t for every secret that occurs in text in one of the
// forms Forms lists. what names the text ("error", "log") in the failure
// message, with the secret's position in the list and the text (test
// secrets are fakes). Empty secrets are ignored.
func CheckNoSecrets(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	for i, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range Forms(s) {
			if strings.Contains(text, form) {
				t.Errorf("%s leaks secret #%d (as %q): %s", what, i, form, text)
				break
			}
		}
	}
}

// Forms lists how a secret may show up in text: as written, percent-encoded
// (path, query, RFC 3986; upper and lower hex) and JSON-escaped (with and
// without HTML escaping, "/" as "\/"). Written apart from the clients'
// redaction on purpose, so that a gap there is not a gap here.
func Forms(s string) []string {
	out := []string{s, url.PathEscape(s), url.QueryEscape(s), rfc3986(s)}
	for _, f := range out[1:] {
		out = append(out, lowerHex(f))
	}
	for _, html := range []bool{true, false} {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(html)
		_ = enc.Encode(s)
		j := strings.TrimSpace(b.String())
		j = j[1 : len(j)-1]
		out = append(out, j, strings.ReplaceAll(j, "/", `\/`))
	}
	return out
}

// Echo is one answer of a careless server that writes a secret back.
type Echo struct {
	Status int    // 401, 403 or 500
	Text   string // one secret in one of its Forms
	Secret int    // the secret's position in the list
}

// Echoes lists an Echo for every form of every secret and every status of
// 401, 403 and 500: one secret in one form per answer, so that a client's
// cut of a long answer cannot hide a form from the test.
func Echoes(secrets ...string) []Echo {
	var out []Echo
	for i, s := range secrets {
		if s == "" {
			continue
		}
		for _, f := range Forms(s) {
			for _, st := range []int{401, 403, 500} {
				out = append(out, Echo{Status: st, Text: f, Secret: i})
			}
		}
	}
	return out
}

func rfc3986(s string) string {
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

// lowerHex writes every %XX of s as %xx.
func lowerHex(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			b.WriteString("%" + strings.ToLower(s[i+1:i+3]))
			i += 2
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
