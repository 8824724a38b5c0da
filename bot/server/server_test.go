package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// testClock is the servers' clock in tests; pages that must show a time set
// Snapshot.Now or their own clock.
func testClock() time.Time { return time.Date(2021, 5, 5, 7, 0, 0, 0, time.UTC) }

func TestNewNeedsClock(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New without Options.Now did not panic")
		}
	}()
	New(Options{})
}

func TestHealthz(t *testing.T) {
	rec := get(t, New(Options{Now: testClock}).Handler(), "/healthz")
	if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Errorf("got %d %q, want 200 ok", rec.Code, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestReadyz(t *testing.T) {
	for _, tc := range []struct {
		name  string
		ready func(context.Context) error
		code  int
		body  string
	}{
		{"no func", nil, http.StatusOK, "ok\n"},
		{"ready", func(context.Context) error { return nil }, http.StatusOK, "ok\n"},
		{"not ready", func(context.Context) error { return errors.New("shutting down") },
			http.StatusServiceUnavailable, "not ready: shutting down\n"},
		{"deadline", func(ctx context.Context) error {
			if _, ok := ctx.Deadline(); !ok {
				return errors.New("no deadline")
			}
			return nil
		}, http.StatusOK, "ok\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := get(t, New(Options{Now: testClock, Ready: tc.ready}).Handler(), "/readyz")
			if rec.Code != tc.code || rec.Body.String() != tc.body {
				t.Errorf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tc.code, tc.body)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
}

func TestMetricsEndpoint(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, nil, testClock)
	m.Polled("uutiset", false, nil, time.Unix(1620198000, 0))
	m.Finished("x", "news", "sent")
	h := New(Options{Now: testClock, Registry: reg}).Handler()
	rec := get(t, h, "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`lumobot_feed_polls_total{feed="uutiset",project="default",result="ok"} 1`,
		`lumobot_feed_last_success_timestamp_seconds{feed="uutiset",project="default"} 1.620198e+09`,
		`lumobot_posts_total{kind="news",outcome="sent",project="default",target="x"} 1`,
		`lumobot_config_reloads_total{project="default",result="failure"} 0`,
		"go_goroutines ", "process_start_time_seconds", "go_build_info",
		"promhttp_metric_handler_requests_total",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if rec := get(t, New(Options{Now: testClock}).Handler(), "/metrics"); rec.Code != http.StatusNotFound {
		t.Errorf("no registry: /metrics status %d, want 404", rec.Code)
	}
}

// listen opens a loopback listener on a free port.
func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func TestServeShutsDownOnCancel(t *testing.T) {
	ln := listen(t)
	url := "http://" + ln.Addr().String()
	// A request in flight when ctx ends is allowed to finish.
	started, release := make(chan struct{}), make(chan struct{})
	srv := New(Options{Now: testClock, Snapshot: func(context.Context) (Snapshot, error) {
		close(started)
		<-release
		return Snapshot{}, nil
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()

	if err := Healthcheck(context.Background(), url+"/healthz"); err != nil {
		t.Fatalf("healthcheck of running server: %v", err)
	}
	var wg sync.WaitGroup
	var slowCode int
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, err := http.Get(url + "/")
		if err != nil {
			t.Errorf("request in flight: %v", err)
			return
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		slowCode = resp.StatusCode
	}()
	<-started
	cancel()
	time.Sleep(50 * time.Millisecond)
	close(release)
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v, want nil", err)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("Serve did not return after ctx was cancelled")
	}
	wg.Wait()
	if slowCode != http.StatusOK {
		t.Errorf("request in flight got %d, want 200", slowCode)
	}
	if err := Healthcheck(context.Background(), url+"/healthz"); err == nil {
		t.Error("server still answers after shutdown")
	}
}

func TestServeShutdownTimeout(t *testing.T) {
	old := shutdownTimeout
	shutdownTimeout = 100 * time.Millisecond
	defer func() { shutdownTimeout = old }()

	ln := listen(t)
	started := make(chan struct{})
	srv := New(Options{Now: testClock, Snapshot: func(ctx context.Context) (Snapshot, error) {
		close(started)
		<-ctx.Done() // hangs until the connection is closed
		return Snapshot{}, ctx.Err()
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v, want nil", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("Serve did not give up on a hanging request")
	}
}

func TestServeListenerError(t *testing.T) {
	ln := listen(t)
	ln.Close()
	err := New(Options{Now: testClock}).Serve(context.Background(), ln)
	if err == nil {
		t.Fatal("Serve on a closed listener returned nil")
	}
}

func TestListenAndServe(t *testing.T) {
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- New(Options{Now: testClock, Listen: addr}).ListenAndServe(ctx) }()
	deadline := time.Now().Add(3 * time.Second)
	for {
		err := Healthcheck(context.Background(), "http://"+addr+"/healthz")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server on %s never became healthy: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ListenAndServe: %v", err)
	}
	if err := New(Options{Now: testClock, Listen: "127.0.0.1:bad"}).ListenAndServe(context.Background()); err == nil {
		t.Error("ListenAndServe on a bad address returned nil")
	}
}

func TestHealthcheck(t *testing.T) {
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := New(Options{Now: testClock, Ready: func(context.Context) error { return errors.New("state not open") }})
	go srv.Serve(ctx, ln)
	base := "http://" + ln.Addr().String()

	if err := Healthcheck(context.Background(), base+"/healthz"); err != nil {
		t.Errorf("live: %v", err)
	}
	err := Healthcheck(context.Background(), base+"/readyz")
	if err == nil || !strings.Contains(err.Error(), "status 503: not ready: state not open") {
		t.Errorf("not ready: got %v", err)
	}
	if err := Healthcheck(context.Background(), base+"/missing"); err == nil {
		t.Error("404 counted healthy")
	}

	dead := listen(t)
	deadURL := "http://" + dead.Addr().String() + "/healthz"
	dead.Close()
	if err := Healthcheck(context.Background(), deadURL); err == nil {
		t.Error("dead port counted healthy")
	}
	if err := Healthcheck(context.Background(), "::not a url"); err == nil {
		t.Error("bad URL counted healthy")
	}
}

func TestHealthcheckTimeout(t *testing.T) {
	// A listener that accepts but never answers.
	ln := listen(t)
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := Healthcheck(ctx, "http://"+ln.Addr().String()+"/healthz"); err == nil {
		t.Error("silent server counted healthy")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("healthcheck took %v despite a 200ms deadline", d)
	}
}

func TestSecurityHeaders(t *testing.T) {
	rec := get(t, New(Options{Now: testClock}).Handler(), "/healthz")
	for k, want := range map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
		"Referrer-Policy":        "no-referrer",
	} {
		if got := rec.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
}

// /thumbs/<id> serves what Options.Thumb gives for a ThumbID, and 404 for
// anything else: no thumbnails configured, a malformed id, an unknown one.
func TestThumbs(t *testing.T) {
	src := "/srv/lumobot/kuvat/verkostopaiva.jpg"
	thumb := func(_ context.Context, id string) ([]byte, error) {
		if id == ThumbID(src) {
			return []byte("\xff\xd8jpeg"), nil
		}
		return nil, errors.New("not an image of the config")
	}
	snap := func(context.Context) (Snapshot, error) { return Snapshot{}, nil }
	h := New(Options{Now: testClock, Snapshot: snap, Thumb: thumb}).Handler()
	rec := get(t, h, "/thumbs/"+ThumbID(src))
	if rec.Code != 200 || rec.Body.String() != "\xff\xd8jpeg" || rec.Header().Get("Content-Type") != "image/jpeg" {
		t.Errorf("thumbnail: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	for _, path := range []string{"/thumbs/" + ThumbID("/etc/passwd"), "/thumbs/..%2f..%2fetc", "/thumbs/" + strings.ToUpper(ThumbID(src))} {
		if rec := get(t, h, path); rec.Code != 404 {
			t.Errorf("%s: %d, want 404", path, rec.Code)
		}
	}
	if rec := get(t, New(Options{Now: testClock, Snapshot: snap}).Handler(), "/thumbs/"+ThumbID(src)); rec.Code != 404 {
		t.Errorf("without Thumb: %d, want 404", rec.Code)
	}
}
