package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/server"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
)

// daemon runs generations of the bot: one per configuration. SIGHUP (and,
// with watch, a change of the config file) loads and validates the config
// anew; a valid one replaces the running generation once its in-flight
// posts are done, an invalid one is logged and the old one keeps running.
func daemon(ctx context.Context, g *globals, env Env, cfg *config.Config, core bot.Config, st state, log *slog.Logger, watch bool) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := server.NewMetrics(reg, st.Counts, env.Now)

	a, err := newApp(cfg, core, st, log, env, metrics)
	if err != nil {
		return err
	}
	var current atomic.Pointer[app]
	current.Store(a)
	cfgStatus := server.NewConfigStatus(cfg.File, env.Now())
	var stopping atomic.Bool

	var srvDone chan error
	if cfg.HTTP.Listen != "" {
		thumbs := newThumbnails(imageLoader(&feeds.Fetcher{UserAgent: userAgent()}))
		ln, err := net.Listen("tcp", cfg.HTTP.Listen)
		if err != nil {
			a.Close()
			return fmt.Errorf("http.listen %s: %w", cfg.HTTP.Listen, err)
		}
		srv := server.New(server.Options{
			Now:      env.Now,
			Registry: reg,
			Logger:   log,
			Snapshot: func(ctx context.Context) (server.Snapshot, error) {
				snap, err := snapshot(ctx, current.Load(), cfgStatus, env.Now())
				thumbs.showAll(snap)
				return snap, err
			},
			Thumb: thumbs.ByID,
			Ready: func(ctx context.Context) error {
				if stopping.Load() {
					return errShutdown
				}
				if err := current.Load().bot.StateProblem(); err != nil {
					return fmt.Errorf("the state cannot record deliveries: %w", err)
				}
				return st.Ping(ctx)
			},
			Live: func() error {
				a := current.Load()
				if part, stuck := a.bot.Stuck(env.Now(), hungAfter(a.cfg)); stuck {
					return fmt.Errorf("%s has been busy for more than %s", part, hungAfter(a.cfg))
				}
				return nil
			},
		})
		srvDone = make(chan error, 1)
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		defer func() { cancel(); <-srvDone }()
		go func() { srvDone <- srv.Serve(sctx, ln) }()
		log.Info("http server listening", "addr", ln.Addr().String())
	}

	var changed <-chan struct{}
	if watch {
		changed, err = watchConfig(ctx, g.file(), time.Second, log)
		if err != nil {
			a.Close()
			return fmt.Errorf("watch %s: %w", g.file(), err)
		}
	}
	reload := reloads(ctx, env.Reload, changed, "config file changed")

	var replicas *replicaWatch
	if ps, ok := st.(*sharedState); ok {
		replicas = newReplicaWatch(ps.Store, reg, log, env.Now)
		replicas.loaded(configHash(cfg), false)
		go replicas.run(ctx)
		defer replicas.leave()
	}
	log.Info("lumobot started", "version", version, "config", cfg.File, "state", describeState(cfg.State), "targets", len(a.targets), "feeds", len(cfg.Feeds))
	for {
		a := current.Load()
		metrics.Paused(a.core.Paused)
		if a.core.Paused {
			log.Warn("paused: every post on every target is held until the config says paused: false", "config", a.cfg.File)
		}
		// In the background: a slow instance must not hold back planning
		// or any other target.
		go prepareTargets(ctx, a.targets, log)
		gctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var runErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			runErr = a.bot.Run(gctx)
		}()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()

		next := a
	wait:
		for {
			select {
			case <-ctx.Done():
				stopping.Store(true)
				log.Info("shutting down: finishing posts in flight")
				cancel()
				select {
				case <-done:
				case <-time.After(shutdownGrace):
					// A request still hangs: its delivery stays "sending" and
					// is re-sent under the same idempotency key at the next
					// start. Exiting beats being killed mid-write.
					log.Warn("posts still in flight at exit: they are re-sent under the same key at the next start", "waited", shutdownGrace)
				}
				a.Close()
				log.Info("stopped")
				return nil
			case <-done:
				cancel()
				a.Close()
				if runErr == nil {
					runErr = errors.New("daemon stopped unexpectedly")
				}
				return runErr
			case why := <-reload:
				log.Info("reloading config", "file", g.file(), "why", why)
				ncfg, err := g.load(env)
				if err == nil && ncfg.State != cfg.State {
					err = fmt.Errorf("state: changed from %s to %s; a new state needs a restart", config.RedactState(cfg.State), config.RedactState(ncfg.State))
				}
				var ncore bot.Config
				if err == nil {
					ncore, err = compile(ncfg)
				}
				if err == nil {
					next, err = newApp(ncfg, ncore, st, log, env, metrics)
				}
				if err != nil {
					metrics.Reloaded(false)
					cfgStatus.Rejected(err, env.Now())
					log.Error("reload failed; the running config stays", "error", err)
					continue
				}
				metrics.Reloaded(true)
				cfgStatus.Loaded(ncfg.File, env.Now())
				if replicas != nil {
					replicas.loaded(configHash(ncfg), true)
				}
				break wait
			}
		}
		cancel()
		<-done
		a.Close()
		current.Store(next)
		log.Info("config reloaded", "feeds", len(next.cfg.Feeds), "targets", len(next.targets))
	}
}

// snapshot is what the status page shows: the next two weeks as planned
// (from what was last read; the page never fetches feeds), what retries,
// what ended, and why anything is held.
func snapshot(ctx context.Context, a *app, cfgStatus *server.ConfigStatus, now time.Time) (server.Snapshot, error) {
	plan, err := a.bot.Preview(ctx, now, now.AddDate(0, 0, 14), false)
	if err != nil {
		return server.Snapshot{}, err
	}
	recent, err := a.store.Recent(ctx, 200)
	if err != nil {
		return server.Snapshot{}, err
	}
	snap := server.Snapshot{
		Now: now, Location: a.cfg.Location, Language: a.cfg.Language,
		Paused: a.bot.Paused(), Config: cfgStatus.View(), Flooded: a.bot.Flooded(),
	}
	if err := a.bot.StateProblem(); err != nil {
		snap.StateProblem = err.Error()
	}
	for _, t := range a.targets {
		v := server.TargetView{Name: t.Name, Type: t.Type}
		for _, s := range plan[t.Name] {
			if s.Skipped == "" && len(v.Next) < 20 {
				v.Next = append(v.Next, s.Post)
			}
		}
		if b := t.Gate.Budget; b != nil {
			m := &server.MonthView{Month: now.In(a.cfg.Location).Format("2006-01"), Budget: b.Monthly}
			m.Spent, _ = a.bot.Spent(ctx, t.Name, now)
			for _, s := range plan[t.Name] {
				if s.Skipped == "" && s.Due.In(a.cfg.Location).Format("2006-01") == m.Month {
					m.Planned += b.Cost(s.Post)
				}
			}
			v.Month = m
		}
		open, err := a.store.Open(ctx, t.Name)
		if err != nil {
			return server.Snapshot{}, err
		}
		for _, d := range open {
			// Only those tried already can be retrying; the rest is planned.
			if d.Attempts > 0 && len(v.Open) < 50 {
				v.Open = append(v.Open, d)
			}
		}
		for _, d := range recent {
			if d.Target == t.Name && len(v.Recent) < 20 {
				v.Recent = append(v.Recent, d)
			}
		}
		snap.Targets = append(snap.Targets, v)
	}
	for _, h := range a.bot.Health() {
		snap.Feeds = append(snap.Feeds, server.FeedView{
			Name: h.Name, URL: h.URL, Kind: string(h.Kind), LastOK: h.LastOK, LastError: h.LastError, LastErrorAt: h.LastErrorAt, Items: h.Items,
			Warnings: h.Warnings,
		})
	}
	return snap, nil
}

var _ bot.Observer = (*server.Metrics)(nil)

// shutdownGrace is how long SIGTERM waits for requests in flight, well
// within Kubernetes' default 30 s before SIGKILL.
const shutdownGrace = 10 * time.Second

// hungAfter is how long one part of the loop may stay busy before the
// daemon counts as hung: the longest request any feed or target may take,
// and a margin for planning a year of calendars on a slow machine.
func hungAfter(cfg *config.Config) time.Duration {
	longest := 30 * time.Second
	for _, f := range cfg.Feeds {
		longest = max(longest, f.Deadline)
	}
	for _, t := range cfg.Targets {
		longest = max(longest, t.RequestTimeout)
	}
	return longest + 5*time.Minute
}

// reloads merges SIGHUP and the watcher's news of a change into one
// channel of reasons; a reload already waiting absorbs the next.
func reloads(ctx context.Context, sighup <-chan os.Signal, changed <-chan struct{}, fileChanged string) <-chan string {
	reload := make(chan string, 1)
	go func() {
		for {
			var why string
			select {
			case <-ctx.Done():
				return
			case <-sighup:
				why = "SIGHUP"
			case <-changed:
				why = fileChanged
			}
			select {
			case reload <- why:
			default: // one reload is already waiting
			}
		}
	}()
	return reload
}
