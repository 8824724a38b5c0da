package main

// SPEC §8 bad input with the binary: broken configs exit 2 naming the key
// and post nothing; broken feeds each give one clear log line naming the
// URL while a good feed in the same config is processed.

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBadConfigExits2NamingTheKey(t *testing.T) {
	loc, _ := time.LoadLocation("Europe/Helsinki")
	// Would post if it were valid: an announcement due a second after the
	// state's first run (the daemon, "run", would post it and run on until
	// dlvRun's limit, failing the case).
	base := func(extra string) string {
		at := time.Now().Add(time.Second).In(loc).Format(time.RFC3339)
		return fmt.Sprintf(`timezone: Europe/Helsinki
state: state/lumobot.db
announcements:
  - id: tiedote
    text: "Seuraa LUMOa!"
    at: %s
targets:
  - name: konsoli
    type: console
    output: posts.jsonl
    format: jsonl
%s`, at, extra)
	}
	for _, tc := range []struct {
		name, config, want string
	}{
		{"unknown key", strings.Replace(base(""), "timezone:", "schedule:\n  pol: \"* * * * *\"\ntimezone:", 1), "schedule.pol"},
		{"unknown nested key", base("    outptu: stderr\n"), "outptu"},
		{"bad cron", strings.Replace(base(""), "timezone:", "schedule:\n  poll: \"61 * * * *\"\ntimezone:", 1), "schedule.poll"},
		{"bad announcement cron", strings.Replace(base(""), "targets:", "  - id: viikko\n    text: x\n    cron: \"0 10 * * MONDAY-ish\"\ntargets:", 1), `announcement "viikko": cron`},
		{"bad duration", strings.Replace(base(""), "timezone:", "schedule:\n  min_gap: \"10 minutes\"\ntimezone:", 1), "schedule.min_gap"},
		{"unknown zone", strings.Replace(base(""), "Europe/Helsinki", "Europe/Helsinky", 1), "timezone"},
		{"template parse", base("templates:\n  announcement: \"{{.Text\"\n"), "templates.announcement"},
		{"template execute", base("templates:\n  announcement: \"{{.Text.Nope}}\"\n"), "templates.announcement"},
		{"template unknown function", base("templates:\n  news: \"{{nosuch .Title}}\"\n"), "templates.news"},
		{"target without credentials", base("  - name: mastodon\n    type: mastodon\n    server: https://mastodon.example\n"), `target "mastodon": access_token`},
		{"x without secret", base("  - name: x\n    type: x\n    consumer_key: a\n    consumer_secret: b\n    access_token: c\n"), `target "x": access_token_secret`},
		{"env unset", base("  - name: mastodon\n    type: mastodon\n    server: https://mastodon.example\n    access_token: ${LUMOBOT_TEST_SURELY_UNSET_TOKEN}\n"), "LUMOBOT_TEST_SURELY_UNSET_TOKEN"},
		{"secret file missing", base("  - name: mastodon\n    type: mastodon\n    server: https://mastodon.example\n    access_token_file: /nonexistent/token\n"), "access_token"},
		{"duplicate announcement id", strings.Replace(base(""), "targets:", "  - id: tiedote\n    text: toinen\n    at: 2030-01-01T10:00\ntargets:", 1), `lumobot.yaml:7: announcement "tiedote": id`},
		{"duplicate event id", base("events:\n  - id: e1\n    title: A\n    start: 2030-05-05T13:30\n  - id: e1\n    title: B\n    start: 2030-05-06T13:30\n"), `event "e1": id`},
		{"duplicate target name", base("  - name: konsoli\n    type: console\n"), `target "konsoli": name`},
		{"duplicate feed name", base("feeds:\n  - name: uutiset\n    url: a.xml\n  - name: uutiset\n    url: b.xml\n"), `feed "uutiset": name`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), tc.config)
			for _, args := range [][]string{{"validate"}, {"run", "--once"}, {"run"}} {
				out, code := dlvRun(t, dir, 10*time.Second, args...)
				if code != 2 || !strings.Contains(out, tc.want) || !strings.Contains(out, "lumobot.yaml") {
					t.Errorf("%v: exit %d, output %q; want exit 2 naming lumobot.yaml and %s", args, code, strings.TrimSpace(out), tc.want)
				}
			}
			if posts := readPosts(t, filepath.Join(dir, "posts.jsonl")); len(posts) > 0 {
				t.Errorf("something was posted: %v", posts)
			}
		})
	}
}

func TestBadFeedsOneLineEachGoodFeedPosted(t *testing.T) {
	item := func(guid, title string) string {
		return fmt.Sprintf(`<item><title>%s</title><link>https://lumo.example/%s</link><guid>%s</guid><pubDate>%s</pubDate></item>`,
			title, guid, guid, time.Now().Add(-time.Hour).Format(time.RFC1123Z))
	}
	rss := func(items string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>LUMO</title><link>https://lumo.example/</link>` + items + `</channel></rss>`
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/good.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, rss(item("hyva-1", "Hyvä uutinen: kehittäjäryhmä kokoontuu")))
	})
	mux.HandleFunc("/latin1.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		body := strings.Replace(rss(item("latin-1", "Koulutus Äänekoskella ja Jyväskylässä")), "UTF-8", "ISO-8859-1", 1)
		var b []byte
		for _, r := range body { // to ISO-8859-1
			b = append(b, byte(r))
		}
		w.Write(b)
	})
	mux.HandleFunc("/slow.xml", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	mux.HandleFunc("/huge.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, rss(strings.Repeat(item("iso", "Iso uutinen"), 400)))
	})
	mux.HandleFunc("/malformed.xml", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>Rikki</title><item><title>Puolikas`)
	})
	mux.HandleFunc("/loop-a.xml", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-b.xml", http.StatusFound) })
	mux.HandleFunc("/loop-b.xml", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/loop-a.xml", http.StatusFound) })
	mux.HandleFunc("/fails.xml", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Internal Server Error", http.StatusInternalServerError)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	bad := []string{"slow.xml", "huge.xml", "malformed.xml", "loop-a.xml", "fails.xml"}
	var feeds strings.Builder
	for _, name := range append([]string{"good.xml", "latin1.xml"}, bad...) {
		fmt.Fprintf(&feeds, "  - name: %s\n    url: %s/%s\n    backfill: 1\n    timeout: 1s\n    max_bytes: 4KiB\n", strings.TrimSuffix(name, ".xml"), srv.URL, name)
	}
	dir := t.TempDir()
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), `timezone: Europe/Helsinki
hashtags: ["#LUMOhanke"]
state: state/lumobot.db
feeds:
`+feeds.String()+`targets:
  - name: konsoli
    type: console
    output: posts.jsonl
    format: jsonl
`)
	start := time.Now()
	_, stderr, code := lumobot(t, dir, "run", "--once", "--log-format", "json")
	took := time.Since(start)
	if code != 0 {
		t.Fatalf("run --once: exit %d (a broken feed is not a failure of the run)\n%s", code, stderr)
	}
	if took > 5*time.Second {
		t.Errorf("run --once took %s: the slow feed's 1s timeout was not kept", took.Round(time.Millisecond))
	}
	lines := dlvJSONLines(t, stderr)
	for _, name := range bad {
		url := srv.URL + "/" + name
		var hits []map[string]any
		for _, l := range lines {
			if strings.Contains(fmt.Sprint(l), url) {
				hits = append(hits, l)
			}
		}
		if len(hits) != 1 {
			t.Errorf("%s: %d log lines name it, want exactly one: %v", name, len(hits), hits)
			continue
		}
		l := hits[0]
		t.Logf("%s: %s %q error=%q", name, l["level"], l["msg"], l["error"])
		if l["level"] != "ERROR" || l["url"] != url || l["feed"] != strings.TrimSuffix(name, ".xml") || fmt.Sprint(l["error"]) == "" {
			t.Errorf("%s: log line %v: want level ERROR with the feed, its url and the error", name, l)
		}
	}
	want := map[string]string{
		"news:good:hyva-1":    "Hyvä uutinen: kehittäjäryhmä kokoontuu https://lumo.example/hyva-1 #LUMOhanke",
		"news:latin1:latin-1": "Koulutus Äänekoskella ja Jyväskylässä https://lumo.example/latin-1 #LUMOhanke",
	}
	posts := readPosts(t, filepath.Join(dir, "posts.jsonl"))
	for _, p := range posts {
		if want[p.Key] != p.Text {
			t.Errorf("posted %s %q, want only %v", p.Key, p.Text, want)
		}
		delete(want, p.Key)
	}
	if len(want) > 0 {
		t.Errorf("not posted: %v\n%s", want, stderr)
	}
	for _, l := range lines {
		if s := fmt.Sprint(l); strings.Contains(s, "/good.xml") || strings.Contains(s, "/latin1.xml") {
			if l["level"] == "ERROR" || l["level"] == "WARN" {
				t.Errorf("a good feed was complained about: %v", l)
			}
		}
	}
}

// TestEmptyEnvTurnsHTTPOff: LUMOBOT_HTTP_LISTEN= (set, empty) overrides
// http.listen from the file, as the README promises ("" turns it off); the
// tests rely on it to keep daemons off port 8080.
func TestEmptyEnvTurnsHTTPOff(t *testing.T) {
	dir := t.TempDir()
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), "timezone: Europe/Helsinki\nstate: state/lumobot.db\nhttp:\n  listen: \"127.0.0.1:0\"\n")
	logPath := filepath.Join(dir, "lumobot.log")
	p := dlvStart(t, dir, logPath, "run", "--log-format", "json") // with LUMOBOT_HTTP_LISTEN=
	dlvWait(5*time.Second, func() bool { return strings.Contains(dlvTail(logPath, 50), "lumobot started") })
	if code, _ := p.stop(10 * time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, dlvTail(logPath, 20))
	}
	if log := dlvTail(logPath, 50); strings.Contains(log, "http server listening") {
		t.Errorf("LUMOBOT_HTTP_LISTEN= did not turn the HTTP server off:\n%s", log)
	}
}
