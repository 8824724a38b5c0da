package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// binary is the lumobot built once for the end-to-end tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "lumobot-e2e-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "lumobot")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build lumobot: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// feedServer serves an RSS feed whose items can be changed, with ETag and
// Last-Modified, and counts what it answered.
type feedServer struct {
	mu        sync.Mutex
	items     []string // titles; the guid is the title's index
	full, nm  atomic.Int32
	userAgent atomic.Value
}

func (f *feedServer) body() (string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>LUMO</title><link>https://lumo.example/</link>`)
	for i, title := range f.items {
		fmt.Fprintf(&b, `<item><title>%s</title><link>https://lumo.example/uutiset/%d</link><guid isPermaLink="false">uutinen-%d</guid><pubDate>%s</pubDate></item>`,
			title, i, i, time.Now().Add(time.Duration(i-len(f.items))*time.Hour).Format(time.RFC1123Z))
	}
	b.WriteString(`</channel></rss>`)
	return b.String(), fmt.Sprintf(`"v%d"`, len(f.items))
}

func (f *feedServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.userAgent.Store(r.UserAgent())
	body, etag := f.body()
	if r.Header.Get("If-None-Match") == etag {
		f.nm.Add(1)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	f.full.Add(1)
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	fmt.Fprint(w, body)
}

func (f *feedServer) add(title string) {
	f.mu.Lock()
	f.items = append(f.items, title)
	f.mu.Unlock()
}

type posted struct {
	Time, Due, Target, Kind, Key, Text string
}

func readPosts(t *testing.T, path string) []posted {
	t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []posted
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		var p posted
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("bad jsonl line %q: %v", sc.Text(), err)
		}
		out = append(out, p)
	}
	return out
}

func lumobot(t *testing.T, dir string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LUMOBOT_HTTP_LISTEN=")
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

func TestRunOnceTwiceNoDuplicates(t *testing.T) {
	feed := &feedServer{items: []string{"Vanha uutinen", "Toinen uutinen", "Kolmas uutinen"}}
	srv := httptest.NewServer(feed)
	defer srv.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`
timezone: Europe/Helsinki
hashtags: ["#LUMOhanke"]
state: state/lumobot.db
feeds:
  - name: uutiset
    url: %s/feed.xml
    backfill: 1
targets:
  - name: konsoli
    type: console
    output: posts.jsonl
    format: jsonl
`, srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "lumobot.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	postsFile := filepath.Join(dir, "posts.jsonl")

	start := time.Now()
	_, stderr, code := lumobot(t, dir, "run", "--once")
	t.Logf("first run --once: %s", time.Since(start))
	if code != 0 {
		t.Fatalf("first run exit %d: %s", code, stderr)
	}
	posts := readPosts(t, postsFile)
	t.Logf("stderr: %s", stderr)
	if len(posts) != 1 || posts[0].Key != "news:uutiset:uutinen-2" || posts[0].Text != "Kolmas uutinen https://lumo.example/uutiset/2 #LUMOhanke" {
		t.Fatalf("first run posted %+v, want only the newest item (backfill 1)", posts)
	}
	if ua, _ := feed.userAgent.Load().(string); !strings.HasPrefix(ua, "lumobot/") {
		t.Errorf("User-Agent %q does not name lumobot", ua)
	}

	// Unchanged feed: one 304, nothing posted.
	if _, stderr, code = lumobot(t, dir, "run", "--once"); code != 0 {
		t.Fatalf("second run exit %d: %s", code, stderr)
	}
	if n := len(readPosts(t, postsFile)); n != 1 {
		t.Errorf("second run: %d posts in all, want still 1", n)
	}
	if feed.nm.Load() != 1 || feed.full.Load() != 1 {
		t.Errorf("feed answered %d full and %d not-modified, want 1 and 1", feed.full.Load(), feed.nm.Load())
	}

	// A new item: posted once, then never again.
	feed.add("Neljäs uutinen: Sytykettä yhteistyöhön")
	for i := 0; i < 2; i++ {
		if _, stderr, code = lumobot(t, dir, "run", "--once"); code != 0 {
			t.Fatalf("run exit %d: %s", code, stderr)
		}
	}
	posts = readPosts(t, postsFile)
	var got []string
	for _, p := range posts {
		got = append(got, p.Key)
	}
	if strings.Join(got, ",") != "news:uutiset:uutinen-2,news:uutiset:uutinen-3" {
		t.Errorf("posted %v, want the backfill item and the new one, once each", got)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.yaml"), []byte("schedule:\n  pol: '* * * * *'\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "good.yaml"), []byte("timezone: Europe/Helsinki\n"), 0o600)
	long := strings.Repeat("Pitkä tiedote ilman loppua. ", 12)
	os.WriteFile(filepath.Join(dir, "long.yaml"), []byte(`
hashtags: ["#LUMOhanke"]
announcements:
  - {id: pitka, text: "`+long+`", at: 2030-01-01T10:00}
targets:
  - {name: x, type: x, consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: ts}
`), 0o600)
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
		stdout string
	}{
		{"version", []string{"version"}, 0, "", "lumobot "},
		{"validate ok", []string{"validate", "--config", "good.yaml"}, 0, "", "valid"},
		{"validate warns about an announcement too long for X", []string{"validate", "--config", "long.yaml"}, 0,
			"warning (too-long): long.yaml:4: announcement \"pitka\": text: 3", "1 warnings"},
		{"validate unknown key", []string{"validate", "--config", "bad.yaml"}, 2, "schedule.pol: unknown key", ""},
		{"run unknown key", []string{"run", "--once", "--config", "bad.yaml"}, 2, "schedule.pol: unknown key", ""},
		{"missing config", []string{"validate", "--config", "nope.yaml"}, 2, "nope.yaml", ""},
		{"unknown flag", []string{"run", "--onse"}, 2, "unknown flag", ""},
		{"unknown command", []string{"rnu"}, 2, "unknown command", ""},
		{"bad preview format", []string{"preview", "--config", "good.yaml", "--format", "xml"}, 2, "--format", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := lumobot(t, dir, tc.args...)
			if code != tc.code || !strings.Contains(stderr, tc.stderr) || !strings.Contains(stdout, tc.stdout) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q", code, stdout, stderr, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

func TestExamplePreviewSpring2021(t *testing.T) {
	var out bytes.Buffer
	code := Run(context.Background(), Env{
		Args:   []string{"preview", "--config", "../../examples/lumo.yaml", "--state", filepath.Join(t.TempDir(), "s.db"), "--now", "2021-05-01T08:00:00+03:00", "--days", "60", "--format", "json"},
		Stdout: &out, Stderr: os.Stderr,
		Getenv: func(string) (string, bool) { return "", false },
	})
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var rows []previewRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("preview json: %v\n%s", err, out.String())
	}
	byKey := map[string]previewRow{}
	for _, r := range rows {
		byKey[r.Key] = r
		if r.Target != "console" || r.Limit != 0 || r.Length == 0 || !strings.Contains(r.Text, "#LUMOhanke") {
			t.Errorf("row %+v", r)
		}
	}
	for key, want := range map[string]struct{ due, text string }{
		"reminder:lumo-kehittajaryhma-2021-05@lumo.example:1d@09:00": {"2021-05-04T09:00:00+03:00", "– huomenna ke 5.5. klo 13.30"},
		"reminder:lumo-kehittajaryhma-2021-05@lumo.example:1h":       {"2021-05-05T12:30:00+03:00", "13.30–15.00"},
		"reminder:lumo-sytyketta-1@lumo.example:1d@09:00":            {"2021-05-27T09:00:00+03:00", "– huomenna pe 28.5. klo 8.30"},
		"reminder:lumo-nuoren-aani-2021@lumo.example:1h":             {"2021-06-10T11:00:00+03:00", "12.00"},
		"announcement:seuraa-lumoa:once":                             {"2021-05-03T10:00:00+03:00", "Seuraa LUMOa"},
	} {
		r, ok := byKey[key]
		if !ok {
			t.Errorf("no %s in preview", key)
			continue
		}
		if r.Due != want.due || !strings.Contains(r.Text, want.text) {
			t.Errorf("%s: due %s text %q; want due %s, text with %q", key, r.Due, r.Text, want.due, want.text)
		}
	}
	if _, ok := byKey["reminder:lumo-peruttu-2021@lumo.example:1d@09:00"]; ok {
		t.Error("a cancelled event has a reminder")
	}
}
