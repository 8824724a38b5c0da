package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// A state is an SQLite file path, or the URL of a PostgreSQL database
// (postgres:// or postgresql://) for several replicas. A URL may name
// environment variables as ${VAR} anywhere in it, so that its password
// stays out of the file: state: postgres://lumobot:${PGPASSWORD}@db:5432/lumobot.

// IsStateURL reports whether state names a PostgreSQL database.
func IsStateURL(state string) bool {
	s := strings.ToLower(state)
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

var envInText = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandState fills the ${VAR}s of the state. A state that is one ${VAR}
// is that variable's value as it is (a whole URL or path); a ${VAR} inside
// a URL is percent-encoded, so that a password with @, : or / in it keeps
// the URL whole.
func expandState(state string, lookup func(string) (string, bool)) (string, error) {
	if m := envRef.FindStringSubmatch(strings.TrimSpace(state)); m != nil {
		v, ok := lookup(m[1])
		if !ok || v == "" {
			return state, fmt.Errorf("environment variable %s is not set", m[1])
		}
		return v, nil
	}
	if !strings.Contains(state, "${") {
		return state, nil
	}
	var missing []string
	out := envInText.ReplaceAllStringFunc(state, func(ref string) string {
		name := ref[2 : len(ref)-1]
		v, ok := lookup(name)
		if !ok || v == "" {
			missing = append(missing, name)
			return ref
		}
		return escapeURLPart(v)
	})
	if len(missing) > 0 {
		return state, fmt.Errorf("environment variable %s is not set", strings.Join(missing, ", "))
	}
	if IsStateURL(out) {
		if _, err := url.Parse(out); err != nil {
			// url's error quotes the URL, password and all: not that.
			return state, fmt.Errorf("not a valid URL once its ${VAR}s are filled in (want postgres://user:${PGPASSWORD}@host:5432/db?sslmode=require)")
		}
	}
	return out, nil
}

// escapeURLPart percent-encodes every byte but the unreserved ones, which
// is right in a URL's user info, host, path and query alike.
func escapeURLPart(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// stateSecrets are the secrets in a state URL: its password (as written
// and decoded), from the user info or a password= parameter.
func stateSecrets(state string) []string {
	if !IsStateURL(state) {
		return nil
	}
	var out []string
	add := func(raw, decoded string) {
		for _, s := range []string{raw, decoded} {
			if len(s) >= 4 { // as the other secrets: shorter ones would cut words up
				out = append(out, s)
			}
		}
	}
	rest := state[strings.Index(state, "://")+3:]
	if at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@"); at >= 0 {
		if _, pass, ok := strings.Cut(rest[:at], ":"); ok {
			dec, err := url.PathUnescape(pass)
			if err != nil {
				dec = ""
			}
			add(pass, dec)
		}
	}
	if _, query, ok := strings.Cut(state, "?"); ok {
		for _, kv := range strings.Split(query, "&") {
			if k, v, ok := strings.Cut(kv, "="); ok && k == "password" {
				dec, err := url.QueryUnescape(v)
				if err != nil {
					dec = ""
				}
				add(v, dec)
			}
		}
	}
	return out
}

// RedactState is the state for a log line or the status page: a URL with
// its password replaced by xxxxx, a path as it is.
func RedactState(state string) string {
	if !IsStateURL(state) {
		return state
	}
	u, err := url.Parse(state)
	if err != nil {
		return strings.SplitN(state, "://", 2)[0] + "://(a URL that does not parse)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
