package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, name, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func noEnv(string) (string, bool) { return "", false }

func TestLoadExample(t *testing.T) {
	cfg, err := Load(Options{File: "../examples/lumo.yaml", Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Location.String() != "Europe/Helsinki" || cfg.Language != "fi" || cfg.Hashtags[0] != "#LUMOhanke" {
		t.Errorf("got %s %s %v", cfg.Location, cfg.Language, cfg.Hashtags)
	}
	if want := filepath.Join("..", "examples", "data", "lumobot.db"); cfg.State != want {
		t.Errorf("state %q, want %q (relative to the config file)", cfg.State, want)
	}
	if cfg.Feeds[1].Kind != KindEvents {
		t.Errorf(".ics feed kind %q, want events", cfg.Feeds[1].Kind)
	}
	if len(cfg.Targets) != 1 || cfg.Targets[0].Type != TypeConsole {
		t.Errorf("targets %+v", cfg.Targets)
	}
}

func TestTimesAreLocal(t *testing.T) {
	// Unquoted YAML timestamps must not drift into UTC.
	path := write(t, "c.yaml", `
timezone: Europe/Helsinki
events:
  - id: a
    title: A
    start: 2021-05-05T13:30:00
    end: 2021-05-05T15:00
  - id: b
    title: B
    start: 2021-05-06
    end: 2021-05-07
announcements:
  - id: x
    text: hi
    at: 2026-12-01T10:00
  - id: y
    text: hi
    cron: "0 10 * * MON"
    until: 2027-01-31
  - id: z
    text: hi
    at: 2026-12-01T10:00:00+00:00
`)
	cfg, err := Load(Options{File: path, Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	hel, _ := time.LoadLocation("Europe/Helsinki")
	check := func(name string, got time.Time, want time.Time) {
		t.Helper()
		if !got.Equal(want) {
			t.Errorf("%s = %s, want %s", name, got, want)
		}
	}
	check("events[0].start", cfg.Events[0].StartTime, time.Date(2021, 5, 5, 13, 30, 0, 0, hel))
	check("events[0].end", cfg.Events[0].EndTime, time.Date(2021, 5, 5, 15, 0, 0, 0, hel))
	check("events[1].start", cfg.Events[1].StartTime, time.Date(2021, 5, 6, 0, 0, 0, 0, hel))
	check("events[1].end (exclusive, after the last day)", cfg.Events[1].EndTime, time.Date(2021, 5, 8, 0, 0, 0, 0, hel))
	if !cfg.Events[1].AllDay {
		t.Error("date-only event is not all-day")
	}
	check("announcements[0].at", cfg.Announcements[0].AtTime, time.Date(2026, 12, 1, 10, 0, 0, 0, hel))
	check("announcements[1].until (includes the 31st)", cfg.Announcements[1].UntilTime, time.Date(2027, 2, 1, 0, 0, 0, 0, hel))
	check("announcements[2].at (offset kept)", cfg.Announcements[2].AtTime, time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC))
}

func TestEnvironmentOverrides(t *testing.T) {
	path := write(t, "c.yaml", "timezone: Europe/Helsinki\n")
	t.Setenv("LUMOBOT_TIMEZONE", "Europe/Stockholm")
	t.Setenv("LUMOBOT_SCHEDULE_POLL", "0 * * * *")
	t.Setenv("LUMOBOT_SCHEDULE_MIN_GAP", "10m")
	t.Setenv("LUMOBOT_HTTP_LISTEN", "")
	cfg, err := Load(Options{File: path, Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Timezone != "Europe/Stockholm" || cfg.Schedule.Poll != "0 * * * *" || cfg.Schedule.Gap != 10*time.Minute {
		t.Errorf("env not applied: %s %q %s", cfg.Timezone, cfg.Schedule.Poll, cfg.Schedule.Gap)
	}
}

func TestSecrets(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "key"), []byte("file-consumer-key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "c.yaml")
	os.WriteFile(path, []byte(`
targets:
  - name: x
    type: x
    consumer_key_file: key
    consumer_secret: ${X_SECRET}
    access_token: plain-token
    access_token_secret: ${X_TOKEN_SECRET}
`), 0o600)
	env := func(k string) (string, bool) {
		v, ok := map[string]string{"X_SECRET": "env-secret", "X_TOKEN_SECRET": "env-token-secret"}[k]
		return v, ok
	}
	cfg, err := Load(Options{File: path, Env: env})
	if err != nil {
		t.Fatal(err)
	}
	x := cfg.Targets[0]
	if x.ConsumerKey != "file-consumer-key" || x.ConsumerSecret != "env-secret" || x.AccessToken != "plain-token" || x.AccessTokenSecret != "env-token-secret" {
		t.Errorf("secrets not resolved: %+v", x)
	}
	_, err = Load(Options{File: path, Env: noEnv})
	if err == nil || !strings.Contains(err.Error(), `c.yaml:6: target "x": consumer_secret: environment variable X_SECRET is not set`) {
		t.Errorf("unset variable: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), "file-consumer-key") {
		t.Errorf("error leaks a secret: %v", err)
	}
}

func TestMissingFile(t *testing.T) {
	_, err := Load(Options{File: filepath.Join(t.TempDir(), "nope.yaml"), Env: noEnv})
	if !IsConfigError(err) || !strings.Contains(err.Error(), "not found") {
		t.Errorf("got %v", err)
	}
}

func TestDurations(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"45s": 45 * time.Second, "10m": 10 * time.Minute, "2h": 2 * time.Hour, "7d": 7 * 24 * time.Hour,
		"1d12h": 36 * time.Hour, "0": 0, "1h30m": 90 * time.Minute,
	} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
		if in != "0" && in != "1h30m" && in != "90s" {
			if back := FormatDuration(got); back != in {
				t.Errorf("FormatDuration(%s) = %q, want %q", got, back, in)
			}
		}
	}
	for _, bad := range []string{"1w", "-1h", "d", "1.5d", "ten"} {
		if _, err := ParseDuration(bad); err == nil {
			t.Errorf("ParseDuration(%q) accepted", bad)
		}
	}
}

func TestTOMLAndJSON(t *testing.T) {
	toml := write(t, "c.toml", "timezone = \"Europe/Helsinki\"\nhashtags = [\"#LUMOhanke\"]\n[schedule]\npoll = \"0 * * * *\"\n")
	json := write(t, "c.json", `{"timezone": "Europe/Helsinki", "schedule": {"poll": "0 * * * *"}}`)
	for _, p := range []string{toml, json} {
		cfg, err := Load(Options{File: p, Env: noEnv})
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if cfg.Schedule.Poll != "0 * * * *" {
			t.Errorf("%s: poll %q", p, cfg.Schedule.Poll)
		}
	}
}

func BenchmarkLoadExample(b *testing.B) {
	for b.Loop() {
		if _, err := Load(Options{File: "../examples/lumo.yaml", Env: noEnv}); err != nil {
			b.Fatal(err)
		}
	}
}
