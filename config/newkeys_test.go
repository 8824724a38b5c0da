package config

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPos(t *testing.T) {
	yamlBody := `timezone: Europe/Helsinki
schedule:
  poll: "*/15 * * * *"
events:
  - id: kehittajaryhma
    title: Kehittäjäryhmä
    start: 2021-05-05T13:30
    reminders:
      - before: 1d
`
	jsonBody := `{
  "timezone": "Europe/Helsinki",
  "schedule": {"poll": "*/15 * * * *"},
  "events": [
    {
      "id": "kehittajaryhma",
      "title": "Kehittäjäryhmä",
      "start": "2021-05-05T13:30",
      "reminders": [{"before": "1d"}]
    }
  ]
}`
	tomlBody := `timezone = "Europe/Helsinki"
[schedule]
poll = "*/15 * * * *"

[[events]]
id = "kehittajaryhma"
title = "Kehittäjäryhmä"
start = "2021-05-05T13:30"
[[events.reminders]]
before = "1d"
`
	for _, tc := range []struct {
		file, body string
		want       map[string]int // key → line; negative: not written, the enclosing item's line
	}{
		{"c.yaml", yamlBody, map[string]int{"timezone": 1, "schedule.poll": 3, "events[0]": 5, "events[0].id": 5, "events[0].start": 7,
			"events[0].reminders[0].before": 9, "events[0].end": -5, "schedule.min_gap": -2}},
		{"c.json", jsonBody, map[string]int{"timezone": 2, "schedule.poll": 3, "events[0]": 5, "events[0].id": 6, "events[0].start": 8,
			"events[0].reminders[0].before": 9, "events[0].end": -5}},
		{"c.toml", tomlBody, map[string]int{"timezone": 1, "schedule.poll": 3, "events[0]": 5, "events[0].start": 8,
			"events[0].reminders[0].before": 10, "events[0].end": -5}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			path := write(t, tc.file, tc.body)
			cfg, err := Load(Options{File: path, Env: noEnv})
			if err != nil {
				t.Fatal(err)
			}
			for key, line := range tc.want {
				pos, ok := cfg.Pos(key)
				if wantOK := line > 0; pos.Line != max(line, -line) || ok != wantOK || pos.File != path {
					t.Errorf("Pos(%q) = %+v, %v; want line %d, %v", key, pos, ok, max(line, -line), wantOK)
				}
			}
		})
	}
	// A problem carries the same place, for validate --format json.
	cfg, err := Load(Options{File: write(t, "c.yaml", yamlBody), Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	p := cfg.Problem("events[0].start", "test")
	if p.Line != 7 || p.Key != "events[0].start" || p.ID != "kehittajaryhma" || !strings.HasSuffix(p.String(), `c.yaml:7: event "kehittajaryhma": start: test`) {
		t.Errorf("Problem = %+v (%s)", p, p)
	}
	var none Config
	if pos, ok := none.Pos("timezone"); ok || pos.Line != 0 {
		t.Errorf("a config not from Load has no positions: %+v", pos)
	}
}

func TestProblemsInDetail(t *testing.T) {
	path := write(t, "c.yaml", "events:\n  - id: k\n    title: K\n    start: 5.5.2021\n")
	_, err := Load(Options{File: path, Env: noEnv})
	e, ok := err.(*Error)
	if !ok || len(e.Details) != 1 {
		t.Fatalf("got %T %v", err, err)
	}
	d := e.Details[0]
	if d.File != path || d.Line != 4 || d.Key != "events[0].start" || d.ID != "k" || d.Message != `"5.5.2021" is not a date and time lumobot reads: write 2021-05-05` {
		t.Errorf("detail %+v", d)
	}
	if e.Problems[0] != d.String() {
		t.Errorf("Problems[0] %q differs from the detail %q", e.Problems[0], d.String())
	}
}

func TestNewKeys(t *testing.T) {
	dir := t.TempDir()
	key := bytes.Repeat([]byte{0xab}, 32)
	os.WriteFile(filepath.Join(dir, "state.key"), []byte(hex.EncodeToString(key)+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "calendar.url"), []byte("https://calendar.example/private/s3cr3t-token/basic.ics\n"), 0o600)
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte(`
paused: true
state_key_file: state.key
schedule:
  quiet_days: [sun, LA, lördag, sun]
  quiet_dates: [2026-12-24, 2026-06-19, 2026-06-19]
feeds:
  - name: intra
    url: http://10.0.0.5/feed.xml
    allow_private: true
  - name: kalenteri
    url_file: calendar.url
  - name: julkinen
    url: https://lumo.example/feed/
targets:
  - {name: a, type: console}
  - {name: b, type: console, max_per_hour: 0}
  - {name: c, type: console, max_per_hour: 5}
`), 0o600)
	cfg, err := Load(Options{File: path, Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if !cfg.Paused {
		t.Error("paused not read")
	}
	if !bytes.Equal(cfg.StateKey, key) {
		t.Errorf("state key %x", cfg.StateKey)
	}
	if want := []time.Weekday{time.Sunday, time.Saturday}; !slices.Equal(cfg.Schedule.QuietDays, want) {
		t.Errorf("quiet days %v, want %v", cfg.Schedule.QuietDays, want)
	}
	if want := []Date{{2026, 6, 19}, {2026, 12, 24}}; !slices.Equal(cfg.Schedule.QuietDates, want) {
		t.Errorf("quiet dates %v, want %v", cfg.Schedule.QuietDates, want)
	}
	if !cfg.Feeds[0].AllowPrivate || cfg.Feeds[2].AllowPrivate {
		t.Errorf("allow_private %v %v", cfg.Feeds[0].AllowPrivate, cfg.Feeds[2].AllowPrivate)
	}
	if cfg.Feeds[1].URL != "https://calendar.example/private/s3cr3t-token/basic.ics" || cfg.Feeds[1].Kind != KindEvents {
		t.Errorf("url_file feed %q %s", cfg.Feeds[1].URL, cfg.Feeds[1].Kind)
	}
	for i, want := range []int{DefaultMaxPerHour, 0, 5} {
		if got := cfg.Targets[i].HourlyLimit; got != want {
			t.Errorf("targets[%d] hourly limit %d, want %d", i, got, want)
		}
	}
	hel := cfg.Location
	for _, tc := range []struct {
		at    string
		quiet bool
	}{
		{"2026-06-19T12:00:00+03:00", true},  // a quiet date, a Friday
		{"2026-06-20T00:30:00+03:00", true},  // Saturday just after midnight in Helsinki
		{"2026-06-19T21:30:00Z", true},       // that same moment in UTC (a Friday there)
		{"2026-06-22T09:00:00+03:00", false}, // Monday
		{"2026-12-24T23:59:00+02:00", true},
		{"2026-12-25T00:00:00+02:00", false},
	} {
		at, _ := time.Parse(time.RFC3339, tc.at)
		if got := cfg.Schedule.QuietDay(at, hel); got != tc.quiet {
			t.Errorf("QuietDay(%s) = %v, want %v", tc.at, got, tc.quiet)
		}
	}
}

func TestPausedFromEnvironment(t *testing.T) {
	path := write(t, "c.yaml", "timezone: Europe/Helsinki\n")
	for env, want := range map[string]bool{"true": true, "1": true, "false": false} {
		t.Setenv("LUMOBOT_PAUSED", env)
		cfg, err := Load(Options{File: path, Env: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Paused != want {
			t.Errorf("LUMOBOT_PAUSED=%s: paused %v", env, cfg.Paused)
		}
	}
	os.Unsetenv("LUMOBOT_PAUSED")
	if cfg, err := Load(Options{File: path, Env: noEnv}); err != nil || cfg.Paused {
		t.Errorf("default: paused %v, %v", cfg != nil && cfg.Paused, err)
	}
}

func TestStateKeyForms(t *testing.T) {
	key := []byte("LUMO state key: 32 bytes, really")
	for _, tc := range []struct {
		name string
		file []byte
		ok   bool
	}{
		{"hex", []byte(hex.EncodeToString(key) + "\n"), true},
		{"base64", []byte(base64.StdEncoding.EncodeToString(key) + "\n"), true},
		{"base64 raw url", []byte(base64.RawURLEncoding.EncodeToString(key)), true},
		{"raw bytes", key, true},
		{"raw bytes ending in a newline byte", append(append([]byte{}, key[:31]...), '\n'), true},
		{"too short", []byte("0123456789abcdef\n"), false},
		{"hex of 16 bytes", []byte(hex.EncodeToString(key[:16])), false},
		{"hex of 16 bytes, with a newline", []byte(hex.EncodeToString(key[:16]) + "\n"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "k"), tc.file, 0o600)
			path := filepath.Join(dir, "c.yaml")
			os.WriteFile(path, []byte("state_key_file: k\n"), 0o600)
			cfg, err := Load(Options{File: path, Env: noEnv})
			if !tc.ok {
				if err == nil || !strings.Contains(err.Error(), "state_key_file: "+filepath.Join(dir, "k")+": ") || !strings.Contains(err.Error(), "64 hex digits") {
					t.Errorf("got %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := key
			if tc.name == "raw bytes ending in a newline byte" {
				want = tc.file
			}
			if !bytes.Equal(cfg.StateKey, want) {
				t.Errorf("key %q, want %q", cfg.StateKey, want)
			}
		})
	}
	// As a value from the environment.
	path := write(t, "c.yaml", "state_key: ${STATE_KEY}\n")
	env := func(k string) (string, bool) { return hex.EncodeToString(key), k == "STATE_KEY" }
	cfg, err := Load(Options{File: path, Env: env})
	if err != nil || !bytes.Equal(cfg.StateKey, key) {
		t.Errorf("state_key from ${ENV}: %v %q", err, cfg.StateKey)
	}
}

// Secrets lists every secret, however it was given, so the logger can
// hide it; plain non-secret values (a public feed URL) are not in it.
func TestSecretsListsEverySecret(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"ck": "x-consumer-key-1", "cs": "x-consumer-secret-2", "at": "x-access-token-3", "ats": "x-token-secret-4",
		"hook": "https://hooks.example/T0/B0/webhook-secret-5", "cal": "https://cal.example/private-6/basic.ics",
		"state.key": strings.Repeat("7f", 32),
	}
	for name, v := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(v+"\n"), 0o600)
	}
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte(`
state_key_file: state.key
feeds:
  - {name: julkinen, url: "https://lumo.example/feed/"}
  - {name: kalenteri, url_file: cal}
  - {name: toinen, url: "${NEWS_URL}"}
targets:
  - name: x
    type: x
    consumer_key_file: ck
    consumer_secret_file: cs
    access_token_file: at
    access_token_secret_file: ats
  - {name: m, type: mastodon, server: "https://m.example", access_token: "${MASTODON_TOKEN}"}
  - {name: b, type: bluesky, handle: lumo.example, app_password: bsky-app-password-8}
  - name: w
    type: webhook
    url_file: hook
    headers: {Authorization: "Bearer header-secret-9"}
`), 0o600)
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"NEWS_URL": "https://news.example/feed?token=news-10", "MASTODON_TOKEN": "mastodon-token-11"}[k]
		return v, ok
	}
	cfg, err := Load(Options{File: path, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.Secrets()
	for _, want := range []string{"x-consumer-key-1", "x-consumer-secret-2", "x-access-token-3", "x-token-secret-4",
		"https://hooks.example/T0/B0/webhook-secret-5", "https://cal.example/private-6/basic.ics", strings.Repeat("7f", 32),
		"bsky-app-password-8", "Bearer header-secret-9", "https://news.example/feed?token=news-10", "mastodon-token-11"} {
		if !slices.Contains(got, want) {
			t.Errorf("Secrets() lacks %q", want)
		}
	}
	if slices.Contains(got, "https://lumo.example/feed/") {
		t.Error("a plain feed URL is listed as a secret")
	}
}
