// Package server serves lumobot's operations endpoints: /healthz (the
// process is alive), /readyz (ready to work), /metrics (Prometheus) and / (a
// status page in the config's language with the next planned, the retrying
// and the last ended posts per target) and /status.json (the same as JSON). It knows the core only through the Snapshot and Ready functions
// cmd passes in, and implements bot.Observer with Prometheus collectors.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Timeouts of the server. They are variables so tests can shorten them.
var (
	shutdownTimeout = 5 * time.Second  // graceful shutdown, then connections are closed
	snapshotTimeout = 10 * time.Second // building the status page's snapshot
	readyTimeout    = 5 * time.Second  // one readiness check
)

// Options configure a Server.
type Options struct {
	// Listen is the address ListenAndServe listens on, e.g. ":8080".
	Listen string
	// Snapshot builds what the status page shows; nil turns the page off (404).
	Snapshot func(ctx context.Context) (Snapshot, error)
	// Ready reports readiness: nil means ready (state open, config valid,
	// not shutting down). Its error text is shown on /readyz, so it must not
	// carry secrets. A nil func means always ready.
	Ready func(ctx context.Context) error
	// Live reports liveness: nil means alive. A hung loop (a step busy far
	// longer than any bounded step takes) fails it, so that Kubernetes
	// restarts the pod; its text is shown on /healthz. A nil func means
	// always alive.
	Live func() error
	// Registry is served on /metrics; nil turns /metrics off (404).
	Registry *prometheus.Registry
	// Logger logs failed snapshots and server errors; nil discards them.
	Logger *slog.Logger
	// Now is the clock for a snapshot that carries no time. Required.
	Now func() time.Time
	// Thumb gives the JPEG thumbnail of the image named id (ThumbID of its
	// source), shown beside the posts that carry it; an error answers 404.
	// nil: no thumbnails (404).
	Thumb func(ctx context.Context, id string) ([]byte, error)
}

// Server is lumobot's HTTP server.
type Server struct {
	opts    Options
	log     *slog.Logger
	handler http.Handler
}

// New builds a Server; nothing listens until Serve or ListenAndServe. It
// panics without Options.Now: a missing clock is a wiring mistake.
func New(opts Options) *Server {
	if opts.Now == nil {
		panic("server: Options.Now (the clock) is required")
	}
	s := &Server{opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	if opts.Registry != nil {
		h := promhttp.HandlerFor(opts.Registry, promhttp.HandlerOpts{
			ErrorLog:      slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
			ErrorHandling: promhttp.ContinueOnError,
			Registry:      opts.Registry,
			Timeout:       30 * time.Second,
		})
		mux.Handle("GET /metrics", promhttp.InstrumentMetricHandler(opts.Registry, h))
	}
	if opts.Snapshot != nil {
		mux.HandleFunc("GET /{$}", s.status)
		mux.HandleFunc("GET /status.json", s.statusJSON)
		mux.HandleFunc("GET /thumbs/{id}", s.thumb)
		mux.HandleFunc("GET /projects/{name}/{$}", s.projectPage)
		mux.HandleFunc("GET /projects/{name}/status.json", s.projectStatusJSON)
	}
	s.handler = securityHeaders(mux)
	return s
}

// Handler returns the server's routes, for tests and for embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// ListenAndServe listens on Options.Listen and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", s.opts.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.opts.Listen, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx ends, then shuts down gracefully: requests
// in flight get up to 5 seconds to finish before connections are closed.
// It returns nil after a shutdown caused by ctx, or the error that stopped
// the server. ln is closed when Serve returns.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()

	select {
	case err := <-done:
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		s.log.Warn("http server did not shut down in time, closing connections", "err", err)
		_ = srv.Close()
	}
	if serr := <-done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		return fmt.Errorf("serve http on %s: %w", ln.Addr(), serr)
	}
	return nil
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.opts.Live != nil {
		if err := s.opts.Live(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not alive: %s\n", err)
			return
		}
	}
	io.WriteString(w, "ok\n")
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if s.opts.Ready != nil {
		ctx, cancel := context.WithTimeout(r.Context(), readyTimeout)
		defer cancel()
		if err := s.opts.Ready(ctx); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "not ready: %s\n", err)
			return
		}
	}
	io.WriteString(w, "ok\n")
}

// securityHeaders sets headers every answer carries: the status page needs
// no script, frame, form or outside resource, so the policy forbids them.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy",
			"default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		next.ServeHTTP(w, r)
	})
}

// healthcheckTimeout bounds Healthcheck when ctx has no deadline.
const healthcheckTimeout = 5 * time.Second

// Healthcheck GETs url (e.g. http://127.0.0.1:8080/healthz) and returns nil
// if the answer is 2xx. It is what `lumobot healthcheck` runs for the
// container's HEALTHCHECK, which has no shell or curl. Proxies from the
// environment are not used.
func Healthcheck(ctx context.Context, url string) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, healthcheckTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("healthcheck %s: %w", url, err)
	}
	client := &http.Client{
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg := strings.TrimSpace(string(body))
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return fmt.Errorf("healthcheck %s: status %d: %s", url, resp.StatusCode, msg)
	}
	return nil
}

// thumb serves a post's image thumbnail by its ThumbID.
func (s *Server) thumb(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if s.opts.Thumb == nil || len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		http.NotFound(w, r)
		return
	}
	b, err := s.opts.Thumb(r.Context(), id)
	if err != nil {
		s.log.Debug("status page: no thumbnail", "id", id, "error", err)
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "private, max-age=300")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write(b)
}
