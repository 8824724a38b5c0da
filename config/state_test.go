package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExpandState(t *testing.T) {
	env := map[string]string{"PGPASSWORD": "s3cr:t@/x?y", "PGHOST": "db.example", "DATABASE_URL": "postgres://u:p%40ss@db/lumobot?sslmode=require", "EMPTY": ""}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, tc := range []struct {
		in, want, err string
	}{
		{"./data/lumobot.db", "./data/lumobot.db", ""},
		{"postgres://lumobot:${PGPASSWORD}@${PGHOST}:5432/lumobot?sslmode=require",
			"postgres://lumobot:s3cr%3At%40%2Fx%3Fy@db.example:5432/lumobot?sslmode=require", ""},
		{"${DATABASE_URL}", "postgres://u:p%40ss@db/lumobot?sslmode=require", ""}, // whole: as it is
		{"postgres://lumobot:${NOPE}@db/lumobot", "", "environment variable NOPE is not set"},
		{"postgres://lumobot:${EMPTY}@db/lumobot", "", "environment variable EMPTY is not set"},
		{"${NOPE}", "", "environment variable NOPE is not set"},
		{"postgres://u:${PGPASSWORD}@[bad/db", "", "not a valid URL"},
	} {
		got, err := expandState(tc.in, lookup)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: %q, %v; want error %q", tc.in, got, err, tc.err)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr") {
				t.Errorf("%s: the error shows the password: %v", tc.in, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestStateSecretsAndRedaction(t *testing.T) {
	for _, tc := range []struct {
		state   string
		secrets []string
		shown   string
	}{
		{"/data/lumobot.db", nil, "/data/lumobot.db"},
		{"postgres://lumobot:lumobot-ci@127.0.0.1:5432/lumobot_test?sslmode=disable", []string{"lumobot-ci"},
			"postgres://lumobot:xxxxx@127.0.0.1:5432/lumobot_test?sslmode=disable"},
		{"postgresql://lumobot:s3cr%3At%40x@db/l", []string{"s3cr%3At%40x", "s3cr:t@x"}, "postgresql://lumobot:xxxxx@db/l"},
		{"postgres://db/l?user=lumobot&password=hunter22", []string{"hunter22"}, "postgres://db/l?password=xxxxx&user=lumobot"},
		{"postgres://lumobot@db/l", nil, "postgres://lumobot@db/l"},
	} {
		got := stateSecrets(tc.state)
		for _, s := range tc.secrets {
			if !slices.Contains(got, s) {
				t.Errorf("%s: secrets %q lack %q", tc.state, got, s)
			}
		}
		if len(tc.secrets) == 0 && len(got) > 0 {
			t.Errorf("%s: secrets %q, want none", tc.state, got)
		}
		if shown := RedactState(tc.state); shown != tc.shown {
			t.Errorf("RedactState(%s) = %q, want %q", tc.state, shown, tc.shown)
		}
	}
}

// A state URL in the file with its password from the environment: loaded
// filled in, not taken for a path, and its password among the secrets.
func TestLoadStateURL(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lumobot.yaml")
	os.WriteFile(file, []byte("state: postgres://lumobot:${PGPASSWORD}@db.example:5432/lumobot?sslmode=require\ntargets:\n  - {name: konsoli, type: console}\n"), 0o600)
	env := func(k string) (string, bool) {
		if k == "PGPASSWORD" {
			return "correct-horse", true
		}
		return "", false
	}
	c, err := Load(Options{File: file, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	if c.State != "postgres://lumobot:correct-horse@db.example:5432/lumobot?sslmode=require" {
		t.Errorf("state = %q", c.State)
	}
	if !slices.Contains(c.Secrets(), "correct-horse") {
		t.Errorf("secrets %q lack the state's password", c.Secrets())
	}
	_, err = Load(Options{File: file, Env: func(string) (string, bool) { return "", false }})
	if err == nil || !strings.Contains(err.Error(), "state") || !strings.Contains(err.Error(), "PGPASSWORD is not set") {
		t.Errorf("without PGPASSWORD: %v", err)
	}
}
