// Package platformtest holds test helpers shared by the platform packages.
package platformtest

import (
	"bytes"
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

// CheckNoSecrets fails t for every secret that occurs in text, as written or
// percent-encoded (path or query escaping). what names the text ("error",
// "log") in the failure message, with the secret's position in the list and
// the text (test secrets are fakes). Empty secrets are ignored.
func CheckNoSecrets(t testing.TB, what, text string, secrets ...string) {
	t.Helper()
	for i, s := range secrets {
		if s == "" {
			continue
		}
		for _, form := range []string{s, url.PathEscape(s), url.QueryEscape(s)} {
			if strings.Contains(text, form) {
				t.Errorf("%s leaks secret #%d: %s", what, i, text)
				break
			}
		}
	}
}
