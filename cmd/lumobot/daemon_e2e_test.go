package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// freePort finds a loopback port nobody listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// daemonProc is a running `lumobot run` whose JSON log lines are collected.
type daemonProc struct {
	cmd  *exec.Cmd
	mu   sync.Mutex
	logs []map[string]any
	bad  []string
	done chan struct{}
}

func startDaemon(t *testing.T, dir string, args ...string) *daemonProc {
	t.Helper()
	cmd := exec.Command(binary, append([]string{"run", "--log-format", "json"}, args...)...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &daemonProc{cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(d.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var m map[string]any
			d.mu.Lock()
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				d.bad = append(d.bad, sc.Text())
			} else {
				d.logs = append(d.logs, m)
			}
			d.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return d
}

// waitLog waits for a log line with msg and returns it.
func (d *daemonProc) waitLog(t *testing.T, msg string, n int) map[string]any {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		d.mu.Lock()
		seen := 0
		for _, l := range d.logs {
			if l["msg"] == msg {
				seen++
				if seen == n {
					d.mu.Unlock()
					return l
				}
			}
		}
		d.mu.Unlock()
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no log line %q (#%d) within 15s; logs: %v", msg, n, d.logs)
	return nil
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDaemonHTTPReloadAndSignals(t *testing.T) {
	dir := t.TempDir()
	addr := freePort(t)
	feed := &feedServer{items: []string{"Uutinen"}}
	srv := httptest.NewServer(feed)
	t.Cleanup(srv.Close)
	due := time.Now().Add(2 * time.Second).Truncate(time.Second)
	config := func(extra string) string {
		return fmt.Sprintf(`
timezone: Europe/Helsinki
hashtags: ["#LUMOhanke"]
state: state.db
schedule:
  poll: "*/30 * * * * *"
feeds:
  - name: uutiset
    url: %s/feed.xml
targets:
  - name: konsoli
    type: console
    output: posts.jsonl
    format: jsonl
announcements:
  - id: tervetuloa
    text: "Tervetuloa <mukaan>!"
    at: %s
%s
http:
  listen: %q
`, srv.URL, due.Format(time.RFC3339), extra, addr)
	}
	cfgPath := filepath.Join(dir, "lumobot.yaml")
	os.WriteFile(cfgPath, []byte(config("")), 0o600)
	d := startDaemon(t, dir)
	base := "http://" + addr
	d.waitLog(t, "http server listening", 1)

	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Errorf("/healthz %d %q", code, body)
	}
	if code, body := get(t, base+"/readyz"); code != 200 {
		t.Errorf("/readyz %d %q", code, body)
	}
	code, page := get(t, base+"/")
	if code != 200 || !strings.Contains(page, `lang="fi"`) || !strings.Contains(page, "Tervetuloa &lt;mukaan&gt;!") {
		t.Errorf("status page %d does not show the planned post escaped:\n%s", code, page)
	}

	// The announcement goes out at its time, not at a poll.
	sent := d.waitLog(t, "post sent", 1)
	if sent["key"] != "announcement:tervetuloa:once" {
		t.Errorf("sent %v", sent)
	}
	if late := time.Since(due); late > 2*time.Second {
		t.Errorf("announcement went out %s after its time", late)
	}
	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`lumobot_posts_total{kind="announcement",outcome="sent",project="default",target="konsoli"} 1`,
		`lumobot_feed_polls_total{feed="uutiset",project="default",result="ok"}`,
		`lumobot_outbox_deliveries{project="default",status="sent",target="konsoli"} 1`,
		`go_goroutines`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// A good reload: the new announcement is planned.
	os.WriteFile(cfgPath, []byte(config(`  - id: uusi
    text: "Uusi tiedote"
    at: 2030-01-01T10:00`)), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	d.waitLog(t, "config reloaded", 1)
	if _, page := get(t, base+"/"); strings.Contains(page, "Uusi tiedote") {
		// 2030 is beyond the page's two weeks: it must not be listed.
		t.Errorf("status page lists a post years ahead")
	}
	// A broken reload: logged, the old config keeps running.
	os.WriteFile(cfgPath, []byte("schedule:\n  pol: nope\n"), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	failed := d.waitLog(t, "reload failed; the running config stays", 1)
	if !strings.Contains(fmt.Sprint(failed["error"]), "schedule.pol") {
		t.Errorf("reload failure does not name the key: %v", failed)
	}
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Errorf("not ready after a failed reload: %d", code)
	}
	// Staff see it on the page and ops in /status.json, until a good reload.
	if code, js := get(t, base+"/status.json"); code != 200 || !strings.Contains(js, `"reload_error": "`) || !strings.Contains(js, "pol") {
		t.Errorf("/status.json does not show the rejected reload: %d %s", code, js)
	}
	if _, page := get(t, base+"/"); !strings.Contains(page, "pol") {
		t.Errorf("the status page does not show the rejected reload")
	}
	_, metrics = get(t, base+"/metrics")
	for _, want := range []string{`lumobot_config_reloads_total{project="default",result="success"} 1`, `lumobot_config_reloads_total{project="default",result="failure"} 1`} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// SIGTERM: exit 0 within 10 s.
	start := time.Now()
	d.cmd.Process.Signal(syscall.SIGTERM)
	errc := make(chan error, 1)
	go func() { errc <- d.cmd.Wait() }()
	select {
	case err := <-errc:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after SIGTERM")
	}
	<-d.done
	t.Logf("stopped %s after SIGTERM", time.Since(start))
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.bad) > 0 {
		t.Errorf("log lines that are not JSON: %q", d.bad)
	}
	posts := readPosts(t, filepath.Join(dir, "posts.jsonl"))
	if len(posts) != 1 || posts[0].Text != "Tervetuloa <mukaan>! #LUMOhanke" {
		t.Errorf("posts %+v", posts)
	}
}

// With --watch, saving the config reloads it once (debounced), and a
// broken save keeps the running config.
func TestDaemonWatchesConfig(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "lumobot.yaml")
	good := "timezone: Europe/Helsinki\nstate: state.db\nschedule:\n  poll: '0 0 * * *'\nhttp:\n  listen: ''\n"
	os.WriteFile(cfgPath, []byte(good), 0o600)
	d := startDaemon(t, dir, "--watch")
	d.waitLog(t, "lumobot started", 1)

	// An editor's save: several writes in a burst.
	for i := 0; i < 3; i++ {
		os.WriteFile(cfgPath, []byte(good+"hashtags: ['#LUMOhanke']\n"), 0o600)
		time.Sleep(50 * time.Millisecond)
	}
	l := d.waitLog(t, "reloading config", 1)
	if l["why"] != "config file changed" {
		t.Errorf("reload reason %v", l["why"])
	}
	d.waitLog(t, "config reloaded", 1)

	os.WriteFile(cfgPath, []byte("hashtags: [nope]\n"), 0o600)
	d.waitLog(t, "reload failed; the running config stays", 1)
	time.Sleep(1500 * time.Millisecond)
	d.mu.Lock()
	n := 0
	for _, l := range d.logs {
		if l["msg"] == "reloading config" {
			n++
		}
	}
	d.mu.Unlock()
	if n != 2 {
		t.Errorf("%d reloads for two saves, want 2 (debounced)", n)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	if err := d.cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
}
