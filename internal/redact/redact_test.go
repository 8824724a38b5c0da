package redact

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

func TestRedactorForms(t *testing.T) {
	const secret = `cs/lumo+SECRET&<91b2> "ä"`
	r := New(secret)
	jsonHTML, _ := json.Marshal(secret)
	for _, tc := range []struct{ name, echoed string }{
		{"as written", secret},
		{"path escaped", url.PathEscape(secret)},
		{"query escaped", url.QueryEscape(secret)},
		{"rfc 3986", "cs%2Flumo%2BSECRET%26%3C91b2%3E%20%22%C3%A4%22"},
		{"rfc 3986, lower hex", "cs%2flumo%2bSECRET%26%3c91b2%3e%20%22%c3%a4%22"},
		{"query escaped, lower hex", "cs%2flumo%2bSECRET%26%3c91b2%3e+%22%c3%a4%22"},
		{"json, html escaped", string(jsonHTML[1 : len(jsonHTML)-1])},
		{"json", `cs/lumo+SECRET&<91b2> \"ä\"`},
		{"json, slash escaped", `cs\/lumo+SECRET&<91b2> \"ä\"`},
		{"json, ascii only", `cs/lumo+SECRET&<91b2> \"\u00e4\"`},
		{"json, html escaped, ascii only, slash escaped", `cs\/lumo+SECRET\u0026\u003c91b2\u003e \"\u00e4\"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := `{"error":"bad key ` + tc.echoed + `"}`
			got := r.String(text)
			if got != `{"error":"bad key [redacted]"}` {
				t.Errorf("String(%s) = %s", text, got)
			}
		})
	}
}

func TestRedactorShortAndEmpty(t *testing.T) {
	r := New("", "at", "k")
	for _, tc := range []struct{ in, want string }{
		// A short secret is redacted as a word of its own, never inside one.
		{"x: create post: status 500", "x: create post: status 500"},
		{"token at here", "token [redacted] here"},
		{`{"key":"at"}`, `{"key":"[redacted]"}`},
		{"oauth_token=at&x=k", "oauth_token=[redacted]&x=[redacted]"},
		{"at", "[redacted]"},
		{"at-at", "[redacted]-[redacted]"},
		{"äat atä at1", "äat atä at1"},
		{"ok key", "ok key"},
	} {
		if got := r.String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	var none *Redactor
	if none.String("abc") != "abc" || none.Error(errors.New("abc")).Error() != "abc" {
		t.Error("a nil Redactor changed text")
	}
}

func TestRedactorLongestFirst(t *testing.T) {
	r := New("abcdef", "abcdefghij")
	if got := r.String("x abcdefghij y"); got != "x [redacted] y" {
		t.Errorf("got %q: the longer secret must be replaced whole", got)
	}
}

func TestRedactorHeader(t *testing.T) {
	r := New()
	r.AddHeader("Bearer h3ad3rS3cr3tT0k3n")
	basic := base64.StdEncoding.EncodeToString([]byte("lumo:pa55w0rd-x"))
	r.AddHeader("Basic " + basic)
	for _, echoed := range []string{"Bearer h3ad3rS3cr3tT0k3n", "h3ad3rS3cr3tT0k3n", basic, "lumo:pa55w0rd-x", "pa55w0rd-x"} {
		if got := r.String("got " + echoed); strings.Contains(got, strings.TrimPrefix(echoed, "Bearer ")) {
			t.Errorf("%q left in %q", echoed, got)
		}
	}
	if got := r.String("Bearer or Basic auth"); got != "Bearer or Basic auth" {
		t.Errorf("the scheme words alone were redacted: %q", got)
	}
}

func TestRedactorURL(t *testing.T) {
	u, _ := url.Parse("https://user:pw-secret@hooks.example/services/T0LUMO1/B0LUMO2/s3cr3tW3bh00k?token=qu3ryS3cr3t&v=1")
	r := New()
	r.AddURL(u)
	for _, echoed := range []string{u.String(), u.RequestURI(), "/services/T0LUMO1/B0LUMO2/s3cr3tW3bh00k", "s3cr3tW3bh00k", "qu3ryS3cr3t",
		"token=qu3ryS3cr3t&v=1", "pw-secret", url.PathEscape("/services/T0LUMO1/B0LUMO2/s3cr3tW3bh00k")} {
		got := r.String("no hook at " + echoed)
		for _, piece := range []string{"s3cr3tW3bh00k", "qu3ryS3cr3t", "pw-secret", "T0LUMO1"} {
			if strings.Contains(got, piece) {
				t.Errorf("%q left %s in %q", echoed, piece, got)
			}
		}
	}
	if got := r.String("https://hooks.example/v=1"); got != "https://hooks.example/v=1" {
		t.Errorf("short pieces and the host were redacted: %q", got)
	}
}

func TestRedactorRemember(t *testing.T) {
	r := New("app-password")
	for i := range recentMax + 4 {
		r.Remember(fmt.Sprintf("token-%02d", i))
	}
	got := r.String("app-password token-00 token-03 token-04 token-19")
	if got != "[redacted] token-00 token-03 [redacted] [redacted]" {
		t.Errorf("got %q: want the password and the last %d tokens redacted", got, recentMax)
	}
}

func TestRedactorError(t *testing.T) {
	const secret = "ck-lumo-consumer-key-7f3a"
	r := New(secret)
	at := time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)

	clean := bot.Permanent(errors.New("x: forbidden"))
	if r.Error(clean) != clean {
		t.Error("an error without secrets was replaced")
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"permanent duplicate", bot.Permanent(fmt.Errorf("x: key %s: %w", secret, bot.ErrDuplicate)), "permanent"},
		{"retry at", bot.RetryAt(fmt.Errorf("x: %s", secret), at), "retry-at 2026-05-05T10:00:00Z"},
		{"wrapped class", fmt.Errorf("ctx %s: %w", secret, bot.Retryable(errors.New("e"))), "retryable"},
		{"plain", fmt.Errorf("key %s: %w", secret, errors.ErrUnsupported), "unclassified"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := r.Error(tc.err)
			if strings.Contains(got.Error(), secret) || !strings.Contains(got.Error(), Placeholder) {
				t.Errorf("text %q", got)
			}
			if o := outcome(got); o != tc.want {
				t.Errorf("class %s, want %s", o, tc.want)
			}
			if !errors.Is(got, tc.err) {
				t.Error("the cause is lost")
			}
		})
	}
	if got := r.Error(bot.Permanent(fmt.Errorf("%s: %w", secret, bot.ErrDuplicate))); !errors.Is(got, bot.ErrDuplicate) {
		t.Error("errors.Is(ErrDuplicate) lost by redaction")
	}
}

// Whatever the secret and wherever a server writes it back, in any form the
// Redactor knows, no form is left.
func FuzzRedactor(f *testing.F) {
	f.Add("ck-lumo-consumer-key-7f3a", "x: unauthorized: ", " (401)")
	f.Add(`cs/lumo+SECRET&<91b2> "ä"`, `{"error":"`, `"}`)
	f.Add("🙂 a%b", "", "")
	f.Fuzz(func(t *testing.T, secret, before, after string) {
		// A secret already in the surrounding text, or one the placeholder
		// could spell with it, proves nothing.
		if len(secret) < 4 || strings.ContainsAny(secret, "[]") {
			t.Skip()
		}
		r := New(secret)
		all := forms(secret)
		for _, form := range all {
			if strings.Contains(before+" "+after, form) {
				t.Skip()
			}
		}
		for _, form := range all {
			text := before + form + after
			if len(form) < wordMin { // matched as a word of its own only
				text = before + " " + form + " " + after
			}
			got := r.String(text)
			if !strings.Contains(got, Placeholder) || strings.Contains(got, secret) || strings.Contains(got, form) {
				t.Fatalf("secret %q: form %q left in %q", secret, form, got)
			}
		}
	})
}

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
