package main

// Platform and state faults against the real binary (see crash_test.go for
// the fakes): 429 storms, a dead platform, a slow one, a full or read-only
// state disk, a corrupted state file, SIGTERM with a post in flight.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// dlvConfig is a config with announcements due at the given times (keys
// announcement:a<i>:once) and the given targets.
func dlvConfig(schedule string, ats []time.Time, targets string) string {
	loc, _ := time.LoadLocation("Europe/Helsinki")
	var b strings.Builder
	b.WriteString("timezone: Europe/Helsinki\nhashtags: [\"#LUMOhanke\"]\nstate: state/lumobot.db\nhttp:\n  listen: \"\"\n")
	b.WriteString("schedule:\n  poll: \"*/5 * * * * *\"\n  retry_initial: 200ms\n  retry_max: 500ms\n" + schedule)
	if len(ats) > 0 {
		b.WriteString("announcements:\n")
	}
	for i, at := range ats {
		fmt.Fprintf(&b, "  - id: a%d\n    text: \"Tiedote %d: LUMO-hankkeen kehittäjäryhmä kokoontuu\"\n    at: %s\n", i, i, at.In(loc).Format(time.RFC3339Nano))
	}
	b.WriteString(targets)
	return b.String()
}

// isPost tells a request that creates a post.
func isPost(r *http.Request) bool {
	return r.Method == http.MethodPost && (r.URL.Path == "/api/v1/statuses" || r.URL.Path == "/2/tweets" ||
		r.URL.Path == "/xrpc/com.atproto.repo.putRecord")
}

// TestFault429StormWaitsForReset: every platform answers 429 with its reset
// header until the reset; lumobot sends nothing more before it, then each
// post goes out once.
func TestFault429StormWaitsForReset(t *testing.T) {
	fake, srv := newDlvFake(t, 1)
	reset := time.Now().Add(4 * time.Second).Truncate(time.Second).Add(time.Second) // whole second: X sends unix seconds
	var mu sync.Mutex
	before := map[string][]time.Time{}
	fake.Hook = func(platform string, w http.ResponseWriter, r *http.Request) bool {
		if !isPost(r) || !time.Now().Before(reset) {
			return false
		}
		mu.Lock()
		before[platform] = append(before[platform], time.Now())
		mu.Unlock()
		switch platform {
		case "mastodon":
			w.Header().Set("X-RateLimit-Limit", "300")
			w.Header().Set("X-RateLimit-Remaining", "0")
			w.Header().Set("X-RateLimit-Reset", reset.UTC().Format("2006-01-02T15:04:05.000000Z"))
			w.WriteHeader(429)
			fmt.Fprint(w, `{"error":"Too many requests"}`)
		case "x":
			w.Header().Set("x-rate-limit-limit", "100")
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", strconv.FormatInt(reset.Unix(), 10))
			w.WriteHeader(429)
			fmt.Fprint(w, `{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}`)
		case "bluesky":
			w.Header().Set("RateLimit-Limit", "5000")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
			w.WriteHeader(429)
			fmt.Fprint(w, `{"error":"RateLimitExceeded","message":"Rate Limit Exceeded"}`)
		}
		return true
	}
	dir := t.TempDir()
	due := time.Now().Add(time.Second)
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), dlvConfig("", []time.Time{due, due, due.Add(200 * time.Millisecond)}, dlvTargets(srv.URL, "5s")))
	logPath := filepath.Join(dir, "lumobot.log")
	p := dlvStart(t, dir, logPath, "run", "--log-format", "json")
	ok := dlvWait(time.Until(reset)+8*time.Second, func() bool {
		ps := fake.Posts()
		return len(ps["mastodon"]) == 3 && len(ps["x"]) == 3 && len(ps["bluesky"]) == 3
	})
	time.Sleep(300 * time.Millisecond)
	if code, took := p.stop(10 * time.Second); code != 0 {
		t.Fatalf("SIGTERM: exit %d after %s", code, took)
	}
	if !ok {
		t.Errorf("not all posts went out by %s after the reset: %v\n%s", 8*time.Second, fake.Posts(), dlvTail(logPath, 30))
	}
	mu.Lock()
	defer mu.Unlock()
	for _, platform := range []string{"mastodon", "x", "bluesky"} {
		if n := len(before[platform]); n != 1 {
			t.Errorf("%s: %d post requests before the reset %s, want 1 (the one that learnt of the limit): %v",
				platform, n, reset.Format("15:04:05"), before[platform])
		}
		texts := map[string]int{}
		for _, p := range fake.Posts()[platform] {
			texts[p.Text]++
			if p.At.Before(reset) {
				t.Errorf("%s: %q created at %s, before the reset %s", platform, p.Text, p.At.Format("15:04:05.000"), reset.Format("15:04:05"))
			}
		}
		for text, n := range texts {
			if n != 1 {
				t.Errorf("%s: %q posted %d times", platform, text, n)
			}
		}
	}
	for target, ds := range dlvDeliveries(t, filepath.Join(dir, "state", "lumobot.db")) {
		for key, d := range ds {
			if d.Status != bot.StatusSent {
				t.Errorf("%s %s: %s (%s), want sent", target, key, d.Status, d.Reason)
			}
		}
	}
}

// TestFaultDeadPlatformGivesUp: Mastodon answers 503 for longer than
// give_up_after: its posts are recorded failed with the reason, never sent,
// while X and Bluesky get theirs on time.
func TestFaultDeadPlatformGivesUp(t *testing.T) {
	fake, srv := newDlvFake(t, 2)
	fake.Hook = func(platform string, w http.ResponseWriter, r *http.Request) bool {
		if platform != "mastodon" {
			return false
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(503)
		fmt.Fprint(w, "<html><body><h1>503 Service Unavailable</h1></body></html>")
		return true
	}
	dir := t.TempDir()
	due := time.Now().Add(1500 * time.Millisecond)
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), dlvConfig("  give_up_after: 3s\n", []time.Time{due, due}, dlvTargets(srv.URL, "5s")))
	logPath := filepath.Join(dir, "lumobot.log")
	p := dlvStart(t, dir, logPath, "run", "--log-format", "json")
	dlvWait(6*time.Second, func() bool { return len(fake.Posts()["x"]) == 2 && len(fake.Posts()["bluesky"]) == 2 })
	time.Sleep(time.Until(due.Add(4500 * time.Millisecond)))
	if code, took := p.stop(10 * time.Second); code != 0 {
		t.Fatalf("SIGTERM: exit %d after %s", code, took)
	}
	posts := fake.Posts()
	for _, platform := range []string{"x", "bluesky"} {
		if len(posts[platform]) != 2 {
			t.Errorf("%s got %d posts, want 2", platform, len(posts[platform]))
		}
		for _, p := range posts[platform] {
			if late := p.At.Sub(due); late > time.Second {
				t.Errorf("%s: %q posted %s after it was due: the dead Mastodon held it back", platform, p.Text, late.Round(time.Millisecond))
			}
		}
	}
	if len(posts["mastodon"]) != 0 {
		t.Errorf("mastodon holds %v", posts["mastodon"])
	}
	attempts := 0
	for _, r := range fake.Requests() {
		if r.Platform == "mastodon" && r.Path == "/api/v1/statuses" {
			attempts++
		}
	}
	ds := dlvDeliveries(t, filepath.Join(dir, "state", "lumobot.db"))
	for key, d := range ds["mastodon"] {
		if d.Status != bot.StatusFailed || !strings.Contains(d.Reason, "gave up after 3s") || !strings.Contains(d.Reason, "503") {
			t.Errorf("mastodon %s: %s %q, want failed saying it gave up after 3s on 503", key, d.Status, d.Reason)
		}
	}
	for _, target := range []string{"x", "bluesky"} {
		for key, d := range ds[target] {
			if d.Status != bot.StatusSent {
				t.Errorf("%s %s: %s, want sent", target, key, d.Status)
			}
		}
	}
	if len(ds["mastodon"]) != 2 || attempts < 4 {
		t.Errorf("mastodon: %d deliveries, %d attempts; want 2 deliveries retried before giving up", len(ds["mastodon"]), attempts)
	}
	logged := 0
	for _, l := range dlvJSONLines(t, dlvTail(logPath, 1000)) {
		if l["level"] == "ERROR" && l["target"] == "mastodon" && strings.HasPrefix(fmt.Sprint(l["key"]), "announcement:a") {
			logged++
		}
	}
	if logged != 2 {
		t.Errorf("%d error lines for the failed Mastodon posts, want 2", logged)
	}
}

// TestFaultSlowPlatformRetried: Mastodon hangs past the target's timeout
// (its instance endpoint too); the post is retried and goes out once, and
// X is not held back by it.
func TestFaultSlowPlatformRetried(t *testing.T) {
	fake, srv := newDlvFake(t, 3)
	var mu sync.Mutex
	hung := map[string]int{}
	fake.Hook = func(platform string, w http.ResponseWriter, r *http.Request) bool {
		if platform != "mastodon" {
			return false
		}
		mu.Lock()
		hung[r.URL.Path]++
		n := hung[r.URL.Path]
		mu.Unlock()
		if n > 2 {
			return false
		}
		select { // hang until the client gives up
		case <-r.Context().Done():
		case <-time.After(20 * time.Second):
		}
		return true
	}
	dir := t.TempDir()
	// Mastodon's instance endpoint hangs too: planning and rendering must
	// not wait for it (Limit and Length answer with the defaults meanwhile).
	due := time.Now().Add(1500 * time.Millisecond)
	targets := strings.Replace(dlvTargets(srv.URL, "5s"), "timeout: 5s", "timeout: 2s", 1) // mastodon's
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), dlvConfig("", []time.Time{due}, targets))
	logPath := filepath.Join(dir, "lumobot.log")
	p := dlvStart(t, dir, logPath, "run", "--log-format", "json")
	ok := dlvWait(15*time.Second, func() bool { return len(fake.Posts()["mastodon"]) == 1 })
	time.Sleep(500 * time.Millisecond)
	if code, took := p.stop(10 * time.Second); code != 0 {
		t.Fatalf("SIGTERM: exit %d after %s", code, took)
	}
	posts := fake.Posts()
	if !ok || len(posts["mastodon"]) != 1 {
		t.Errorf("mastodon holds %v, want the post once after retries\n%s", posts["mastodon"], dlvTail(logPath, 20))
	}
	mu.Lock()
	if hung["/api/v1/statuses"] < 3 {
		t.Errorf("mastodon got %d status requests, want 2 timed out and 1 more", hung["/api/v1/statuses"])
	}
	mu.Unlock()
	for _, platform := range []string{"x", "bluesky"} {
		if len(posts[platform]) != 1 {
			t.Errorf("%s holds %v, want 1 post", platform, posts[platform])
			continue
		}
		if late := posts[platform][0].At.Sub(due); late > time.Second {
			t.Errorf("%s: posted %s after it was due: the slow Mastodon held it back", platform, late.Round(time.Millisecond))
		}
	}
	for target, ds := range dlvDeliveries(t, filepath.Join(dir, "state", "lumobot.db")) {
		for key, d := range ds {
			if d.Status != bot.StatusSent {
				t.Errorf("%s %s: %s (%s), want sent", target, key, d.Status, d.Reason)
			}
		}
	}
}

// TestFaultSIGTERMWithPostInFlight: SIGTERM while Mastodon takes 2 s to
// answer: exit 0 within 10 s, the post recorded sent, none again on restart.
func TestFaultSIGTERMWithPostInFlight(t *testing.T) {
	fake, srv := newDlvFake(t, 4)
	arrived := make(chan struct{}, 10)
	fake.Hook = func(platform string, w http.ResponseWriter, r *http.Request) bool {
		if platform == "mastodon" && isPost(r) {
			arrived <- struct{}{}
			time.Sleep(2 * time.Second) // then handled normally: recorded and answered
		}
		return false
	}
	dir := t.TempDir()
	due := time.Now().Add(1500 * time.Millisecond)
	targets := "targets:\n" + strings.SplitN(strings.TrimPrefix(dlvTargets(srv.URL, "5s"), "targets:\n"), "  - name: x", 2)[0]
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), dlvConfig("", []time.Time{due}, targets))
	logPath := filepath.Join(dir, "lumobot.log")
	p := dlvStart(t, dir, logPath, "run", "--log-format", "json")
	select {
	case <-arrived:
	case <-time.After(10 * time.Second):
		t.Fatalf("no post request\n%s", dlvTail(logPath, 20))
	}
	time.Sleep(300 * time.Millisecond)
	code, took := p.stop(10 * time.Second)
	if code != 0 {
		t.Fatalf("SIGTERM with a post in flight: exit %d after %s, want 0 within 10s\n%s", code, took, dlvTail(logPath, 20))
	}
	t.Logf("stopped %s after SIGTERM", took.Round(time.Millisecond))
	ds := dlvDeliveries(t, filepath.Join(dir, "state", "lumobot.db"))
	d := ds["mastodon"]["announcement:a0:once"]
	if d.Status != bot.StatusSent || d.RemoteID == "" {
		t.Fatalf("after SIGTERM the delivery is %s (remote id %q), want sent with the status id", d.Status, d.RemoteID)
	}
	// Restart: nothing is sent again.
	p = dlvStart(t, dir, logPath, "run", "--log-format", "json")
	time.Sleep(2 * time.Second)
	if code, _ := p.stop(10 * time.Second); code != 0 {
		t.Fatalf("second run: exit %d", code)
	}
	if n := len(arrived); n != 0 {
		t.Errorf("%d more post requests after the restart, want none", n)
	}
	if ps := fake.Posts()["mastodon"]; len(ps) != 1 {
		t.Errorf("mastodon holds %d posts, want 1", len(ps))
	}
}

// dlvRun runs the binary in dir, killing it after limit (code -1), and
// returns its output (stdout and stderr) and exit code.
func dlvRun(t *testing.T, dir string, limit time.Duration, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LUMOBOT_HTTP_LISTEN=")
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		return string(out), -1
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return string(out), ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return string(out), 0
}

// dlvMount mounts a tmpfs of size at dir, or skips the test.
func dlvMount(t *testing.T, dir, size string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs (needs root and CAP_SYS_ADMIN): %v %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", "-l", dir).CombinedOutput(); err != nil {
			t.Logf("umount %s: %v %s", dir, err, out)
		}
	})
}

func dlvHash(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// dlvConsole is a config posting announcements to a jsonl file with the
// state at state.
func dlvConsole(state string, ats []time.Time) string {
	return strings.Replace(dlvConfig("", ats, "targets:\n  - name: konsoli\n    type: console\n    output: posts.jsonl\n    format: jsonl\n"),
		"state: state/lumobot.db", "state: "+state, 1)
}

// TestFaultStateDiskReadOnlyOrFull: the state on a read-only or full file
// system: exit 1 with a message naming the file, nothing posted, the file
// untouched; once the disk is fixed, the post goes out once.
func TestFaultStateDiskReadOnlyOrFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	for _, mode := range []string{"read-only", "full"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			mnt := filepath.Join(dir, "mnt")
			dlvMount(t, mnt, "48m") // above the 32 MiB free the state keeps in reserve
			state := filepath.Join(mnt, "lumobot.db")
			due := time.Now().Add(1500 * time.Millisecond)
			dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), dlvConsole(state, []time.Time{due}))
			if _, stderr, code := lumobot(t, dir, "run", "--once"); code != 0 { // creates the state; nothing due yet
				t.Fatalf("first run: exit %d: %s", code, stderr)
			}
			var filler string
			switch mode {
			case "read-only":
				if out, err := exec.Command("mount", "-o", "remount,ro", mnt).CombinedOutput(); err != nil {
					t.Skipf("remount read-only: %v %s", err, out)
				}
			case "full":
				filler = filepath.Join(mnt, "filler")
				f, err := os.Create(filler)
				if err != nil {
					t.Fatal(err)
				}
				chunk := bytes.Repeat([]byte{0xAA}, 4096)
				for {
					if _, err := f.Write(chunk); err != nil {
						break
					}
				}
				f.Sync()
				f.Close()
			}
			hash := dlvHash(t, state)
			time.Sleep(time.Until(due.Add(100 * time.Millisecond)))
			_, stderr, code := lumobot(t, dir, "run", "--once")
			t.Logf("%s disk: exit %d: %s", mode, code, strings.TrimSpace(stderr))
			if code != 1 {
				t.Errorf("exit %d, want 1", code)
			}
			if !strings.Contains(stderr, state) {
				t.Errorf("the message does not name the state file %s", state)
			}
			if posts := readPosts(t, filepath.Join(dir, "posts.jsonl")); len(posts) != 0 {
				t.Errorf("posted %v with the state not writable", posts)
			}
			if dlvHash(t, state) != hash {
				t.Errorf("the state file changed")
			}
			// The disk is fixed: the post goes out, once.
			switch mode {
			case "read-only":
				if out, err := exec.Command("mount", "-o", "remount,rw", mnt).CombinedOutput(); err != nil {
					t.Fatalf("remount rw: %v %s", err, out)
				}
			case "full":
				os.Remove(filler)
			}
			for range 2 {
				_, stderr, code := lumobot(t, dir, "run", "--once")
				if code != 0 {
					t.Fatalf("after the fix: exit %d: %s", code, stderr)
				}
				t.Logf("after the fix: %s", stderr)
			}
			if posts := readPosts(t, filepath.Join(dir, "posts.jsonl")); len(posts) != 1 || posts[0].Key != "announcement:a0:once" {
				t.Errorf("after the fix posted %+v, want the announcement once", posts)
			}
		})
	}
}

// TestFaultCorruptedStateRefused: a damaged state file is refused with exit
// 1 and a message naming it, and its bytes stay as they were.
func TestFaultCorruptedStateRefused(t *testing.T) {
	dir := t.TempDir()
	due := time.Now().Add(time.Second)
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), dlvConsole("state/lumobot.db", []time.Time{due}))
	if _, stderr, code := lumobot(t, dir, "run", "--once"); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	good, err := os.ReadFile(filepath.Join(dir, "state", "lumobot.db"))
	if err != nil || len(good) < 8192 {
		t.Fatalf("state file: %d bytes, %v", len(good), err)
	}
	time.Sleep(time.Until(due.Add(100 * time.Millisecond)))
	damaged := func(f func([]byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"not a database", []byte("this is not an SQLite database, someone wrote over it\n")},
		{"truncated", good[:1000]},
		{"pages overwritten", damaged(func(b []byte) []byte {
			for i := 4096; i < len(b); i++ {
				b[i] = byte(i * 7)
			}
			return b
		})},
		{"header damaged", damaged(func(b []byte) []byte {
			copy(b[16:24], []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
			return b
		})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sub := t.TempDir()
			os.Link(filepath.Join(dir, "lumobot.yaml"), filepath.Join(sub, "lumobot.yaml"))
			state := filepath.Join(sub, "state", "lumobot.db")
			os.MkdirAll(filepath.Dir(state), 0o750)
			dlvWrite(t, state, string(tc.data))
			for _, args := range [][]string{{"run", "--once"}, {"run"}} {
				start := time.Now()
				stderr, code := dlvRun(t, sub, 10*time.Second, args...)
				if code != 1 || !strings.Contains(stderr, state) || !strings.Contains(stderr, "corrupt") {
					t.Errorf("%v: exit %d after %s, stderr %q; want exit 1 naming %s as corrupted", args, code, time.Since(start).Round(time.Millisecond), stderr, state)
				}
			}
			if got, _ := os.ReadFile(state); !bytes.Equal(got, tc.data) {
				t.Errorf("the state file was changed")
			}
			for _, side := range []string{"-wal", "-shm", "-journal"} {
				if _, err := os.Stat(state + side); err == nil {
					t.Errorf("%s was created beside the corrupted file", side)
				}
			}
			if posts := readPosts(t, filepath.Join(sub, "posts.jsonl")); len(posts) != 0 {
				t.Errorf("posted %v", posts)
			}
		})
	}
}
