package feeds

import (
	"net/url"
	"strings"
)

// Redact returns rawURL fit for errors and logs: without userinfo
// (user:pass@), with the value of every query parameter named like a
// credential (token, key, secret, password, auth, signature, ...) or
// holding a token replaced by "REDACTED", and, in a URL with a host, every
// token in the path replaced by "REDACTED": a private calendar's address is
// its password (Google's .../private-<token>/basic.ics, Outlook's
// .../calendar/<id>@<domain>/<token>/calendar.ics, Nextcloud's and
// iCloud's published calendars). A token is a "private-" segment's rest, or
// a run of 16 or more letters, digits, '-', '_', '+', '=' that reads as
// random (see isToken). The host and the readable rest are kept as
// written. A string that does not parse as a URL is returned with anything
// up to an '@' after "://" cut and its query redacted.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return redactUnparsable(rawURL)
	}
	changed := false
	if u.User != nil {
		u.User = nil
		changed = true
	}
	if q := redactQuery(u.RawQuery); q != u.RawQuery {
		u.RawQuery = q
		changed = true
	}
	if u.Host != "" {
		if p := redactPath(u.EscapedPath()); p != u.EscapedPath() {
			if dec, err := url.PathUnescape(p); err == nil {
				u.Path, u.RawPath = dec, p
				changed = true
			}
		}
	}
	if u.Opaque != "" && strings.Contains(u.Opaque, "@") {
		// mailto:-like or odd forms: userinfo cannot be told apart; be safe.
		u.Opaque = u.Opaque[strings.LastIndexByte(u.Opaque, '@')+1:]
		changed = true
	}
	if !changed {
		return rawURL // as written (a local path keeps its spaces)
	}
	return u.String()
}

// redactPath redacts the tokens of an escaped path, segment by segment;
// a segment without one is kept as written.
func redactPath(escaped string) string {
	segs := strings.Split(escaped, "/")
	changed := false
	for i, seg := range segs {
		dec, err := url.PathUnescape(seg)
		if err != nil {
			continue
		}
		if red := redactTokens(dec); red != dec {
			segs[i] = url.PathEscape(red)
			changed = true
		}
	}
	if !changed {
		return escaped
	}
	return strings.Join(segs, "/")
}

const redacted = "REDACTED"

// redactTokens replaces the tokens in one decoded path segment or query
// value.
func redactTokens(s string) string {
	if len(s) > len("private-") && strings.EqualFold(s[:len("private-")], "private-") {
		return s[:len("private-")] + redacted
	}
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !tokenChar(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && tokenChar(s[j]) {
			j++
		}
		if isToken(s[i:j]) {
			b.WriteString(s[last:i])
			b.WriteString(redacted)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func tokenChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '_' || c == '+' || c == '='
}

// isToken reports whether a run of token characters reads as random
// rather than as words: 16 characters or more with at least four changes
// between lower case, upper case and digits inside its pieces (between
// '-', '_', ...), one every six characters or more, and a digit among them
// unless the case changes every third character. A hex key, a UUID, a
// base64 secret and a Teamup or Nextcloud key are tokens; "uutinen-2021-05-01",
// "Lastensuojelu2021" and "Toimintasuunnitelma-2021-Final" are not.
func isToken(run string) bool {
	if len(run) < 16 {
		return false
	}
	changes, digit := 0, false
	for i := 0; i < len(run); i++ {
		c := charClass(run[i])
		if c == 3 {
			digit = true
		}
		if i > 0 && c != 0 {
			if p := charClass(run[i-1]); p != 0 && p != c {
				changes++
			}
		}
	}
	return changes >= 4 && changes*6 >= len(run) && (digit || changes*3 >= len(run))
}

// charClass: 0 a separator, 1 lower case, 2 upper case, 3 digit.
func charClass(c byte) int {
	switch {
	case 'a' <= c && c <= 'z':
		return 1
	case 'A' <= c && c <= 'Z':
		return 2
	case '0' <= c && c <= '9':
		return 3
	}
	return 0
}

func redactUnparsable(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		rest := s[i+3:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			s = s[:i+3] + rest[at+1:]
		}
	}
	if q := strings.IndexByte(s, '?'); q >= 0 {
		frag := ""
		if h := strings.IndexByte(s[q:], '#'); h >= 0 {
			frag = s[q+h:]
			s = s[:q+h]
		}
		s = s[:q+1] + redactQuery(s[q+1:]) + frag
	}
	return s
}

func redactQuery(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	for i, p := range parts {
		name, value, hasValue := strings.Cut(p, "=")
		if !hasValue {
			continue
		}
		if dec, err := url.QueryUnescape(name); err == nil {
			name = dec
		}
		if dec, err := url.QueryUnescape(value); err == nil {
			value = dec
		}
		if sensitiveParam(name) || redactTokens(value) != value {
			parts[i] = p[:strings.IndexByte(p, '=')] + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

func sensitiveParam(name string) bool {
	n := strings.ToLower(name)
	for _, s := range []string{"token", "key", "secret", "passw", "auth", "signature", "credential", "session"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	switch n {
	case "sig", "pwd", "pw", "pass", "code", "jwt", "apikey", "access", "x-amz-credential", "hash":
		return true
	}
	return false
}
