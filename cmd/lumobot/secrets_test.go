package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// No secret appears in preview, validate, check or a run's logs, for any
// target type, even when every platform is unreachable and errors abound.
func TestNoSecretInAnyOutput(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now: every request fails

	secrets := map[string]string{
		"X_CONSUMER_KEY":    "xck-3f9a1c",
		"X_CONSUMER_SECRET": "xcs-77be02d4",
		"X_TOKEN":           "xat-51d0e8",
		"X_TOKEN_SECRET":    "xts-c0ffee42",
		"MASTODON_TOKEN":    "mtk-9a8b7c6d",
		"BLUESKY_PASSWORD":  "bsky-app-pw-4242",
		"WEBHOOK_PATH":      "T000/B000/whsecret9876",
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`
state: s.db
hashtags: ["#LUMOhanke"]
schedule:
  retry_initial: 1s
feeds:
  - {name: uutiset, url: news.xml, backfill: 1, max_age: 3650d}
targets:
  - name: x
    type: x
    api_url: %[1]s
    consumer_key: ${X_CONSUMER_KEY}
    consumer_secret: ${X_CONSUMER_SECRET}
    access_token: ${X_TOKEN}
    access_token_secret: ${X_TOKEN_SECRET}
  - {name: m, type: mastodon, server: %[1]s, access_token: "${MASTODON_TOKEN}"}
  - {name: b, type: bluesky, service: %[1]s, handle: lumo.example, app_password: "${BLUESKY_PASSWORD}"}
  - {name: w, type: webhook, url_file: hook.url}
`, dead)
	os.WriteFile(filepath.Join(dir, "lumobot.yaml"), []byte(cfg), 0o600)
	os.WriteFile(filepath.Join(dir, "news.xml"), []byte(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>LUMO</title>
<item><title>Tervetuloa!</title><link>https://lumo.example/1</link><guid>1</guid><pubDate>Mon, 03 May 2021 12:00:00 +0300</pubDate></item></channel></rss>`), 0o600)
	os.WriteFile(filepath.Join(dir, "hook.url"), []byte(dead+"/hooks/"+secrets["WEBHOOK_PATH"]+"\n"), 0o600)
	for k, v := range secrets {
		t.Setenv(k, v)
	}
	var all strings.Builder
	for _, args := range [][]string{
		{"validate", "--log-level", "debug"},
		{"preview", "--log-level", "debug"},
		{"preview", "--format", "json"},
		{"check", "--log-level", "debug"},
		{"run", "--once", "--log-level", "debug"},
		{"run", "--once", "--log-level", "debug", "--log-format", "json"},
	} {
		stdout, stderr, _ := lumobot(t, dir, args...)
		all.WriteString(stdout + stderr)
	}
	out := all.String()
	if !strings.Contains(out, "Tervetuloa!") || !strings.Contains(out, "post failed, will retry") {
		t.Fatalf("the runs did not get as far as posting:\n%s", out)
	}
	for name, s := range secrets {
		if strings.Contains(out, s) {
			t.Errorf("%s (%s) appears in the output", name, s)
		}
	}
}
