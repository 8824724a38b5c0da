package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// `lumobot check` asks each platform whether its credentials work and
// posts nothing.
func TestCheckCommand(t *testing.T) {
	var posts int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/api/v1/accounts/verify_credentials" && r.Header.Get("Authorization") == "Bearer good-token":
			fmt.Fprint(w, `{"id":"1","username":"LUMOhanke","acct":"LUMOhanke"}`)
		case r.URL.Path == "/api/v1/accounts/verify_credentials":
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"The access token is invalid"}`)
		case r.URL.Path == "/api/v1/statuses":
			posts++
			w.WriteHeader(http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	for _, tc := range []struct {
		token, out string
		code       int
	}{
		{"good-token", "@LUMOhanke", 0},
		{"bad-token", "FAILED", 1},
	} {
		cfg := fmt.Sprintf("state: s.db\ntargets:\n  - {name: console, type: console}\n  - name: masto\n    type: mastodon\n    server: %s\n    access_token: %s\n", srv.URL, tc.token)
		os.WriteFile(filepath.Join(dir, "lumobot.yaml"), []byte(cfg), 0o600)
		stdout, stderr, code := lumobot(t, dir, "check")
		if code != tc.code || !strings.Contains(stdout, tc.out) {
			t.Errorf("token %s: exit %d, stdout %q, stderr %q; want exit %d and %q", tc.token, code, stdout, stderr, tc.code, tc.out)
		}
		if strings.Contains(stdout+stderr, tc.token) {
			t.Errorf("the token appears in the output")
		}
		if !strings.Contains(stdout, "console") || !strings.Contains(stdout, "not checked") {
			t.Errorf("the console target is not said to be unchecked: %q", stdout)
		}
	}
	if posts != 0 {
		t.Errorf("check posted %d times", posts)
	}
	if _, err := os.Stat(filepath.Join(dir, "s.db")); err == nil {
		t.Error("check created the state file")
	}
}
