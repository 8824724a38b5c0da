package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/server"
	"github.com/lumohanke/lumobot/bot/store/project"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
)

// `lumobot run` with several projects (--config DIR, or several --config):
// one state, one HTTP server, one bot per project. The one-file run stays
// in daemon.go as it was.

// projectView is one project's view of the shared state: its names
// qualified (bot/store/project), its delivery locks its own, the poll
// leadership the process's. It does not close the shared state.
type projectView struct {
	*project.Store
	leader bot.Leader
	locks  bot.Locks
}

func (projectView) Close() error { return nil }

func (p projectView) coordination() (bot.Leader, bot.Locks) { return p.leader, p.locks }

// viewOf is the state a project's app works on.
func viewOf(st state, name string) state {
	v := projectView{Store: project.Wrap(st, name)}
	if c, ok := st.(coordinated); ok {
		leader, locks := c.coordination()
		v.leader, v.locks = leader, project.Locks(locks, name)
	}
	return v
}

// projectApp builds the app of one project's version.
func projectApp(set *projectSet, v *projectVersion, st state, log *slog.Logger, env Env, obs bot.Observer) (*app, error) {
	return newAppRedacting(v.cfg, v.core, viewOf(st, set.storeName(v)), log.With("project", v.name), env, obs, set.Redact)
}

// runProjects is `run` with several projects.
func runProjects(ctx context.Context, g *globals, env Env, once, watch, acceptLostWAL bool, unnamed string) error {
	set, outcomes, err := loadProjectSet(projectOptions{Paths: g.configs, State: g.state, Env: env.Getenv, Unnamed: unnamed, Now: env.Now()})
	if err != nil {
		return err
	}
	log, err := g.liveLogger(env, set.redact)
	if err != nil {
		return err
	}
	for _, o := range outcomes {
		if o.What == refused {
			log.Error("project refused: it does not run; the others do", "project", o.Name, "error", o.Err)
		}
	}
	sh := set.Shared()
	st, err := openRunState(ctx, &config.Config{State: sh.State, StateKey: sh.StateKey}, env, log, acceptLostWAL, !once)
	if err != nil {
		return err
	}
	defer st.Close()
	if once {
		var errs []error
		ran := 0
		for _, v := range set.Running() {
			a, err := projectApp(set, v, st, log, env, nil)
			if err != nil {
				// A target that cannot be built (a missing credential)
				// refuses this project, as at the daemon's start.
				log.Error("project refused: it does not run; the others do", "project", v.name, "error", err)
				continue
			}
			ran++
			if err := a.once(ctx); err != nil {
				errs = append(errs, fmt.Errorf("project %s: %w", v.name, err))
			}
			a.Close()
		}
		if ran == 0 {
			return &config.Error{File: strings.Join(g.configs, ", "), Problems: []string{"no project can run"}}
		}
		return errors.Join(errs...)
	}
	return daemonProjects(ctx, g, env, set, st, log, watch)
}

// runner is one project's running app.
type runner struct {
	name    string
	version *projectVersion
	app     *app
	cancel  context.CancelFunc
	done    chan struct{}
	err     error // of bot.Run, once done is closed
}

// stop cancels a runner and waits for its posts in flight, at most
// grace (0: as long as they take).
func (r *runner) stop(grace time.Duration) bool {
	r.cancel()
	if grace <= 0 {
		<-r.done
		r.app.Close()
		return true
	}
	select {
	case <-r.done:
		r.app.Close()
		return true
	case <-time.After(grace):
		return false
	}
}

// daemonProjects runs every project of set until ctx ends; SIGHUP (and
// with watch a change of a project file) reloads them project by project.
func daemonProjects(ctx context.Context, g *globals, env Env, set *projectSet, st state, log *slog.Logger, watch bool) error {
	reg := prometheus.NewRegistry()
	metricSet := server.NewMetricSet(reg, st.Counts, project.Split, env.Now)

	var (
		mu      sync.Mutex
		runners = map[string]*runner{}
	)
	failed := make(chan *runner, 1)
	launch := func(v *projectVersion, a *app, m *server.Metrics) *runner {
		m.Paused(a.core.Paused)
		if a.core.Paused {
			a.log.Warn("paused: every post on every target is held until the config says paused: false", "config", a.cfg.File)
		}
		go prepareTargets(ctx, a.targets, a.log)
		rctx, cancel := context.WithCancel(ctx)
		r := &runner{name: v.name, version: v, app: a, cancel: cancel, done: make(chan struct{})}
		go func() {
			r.err = a.bot.Run(rctx)
			close(r.done)
			if rctx.Err() == nil {
				select {
				case failed <- r:
				default:
				}
			}
		}()
		return r
	}
	start := func(v *projectVersion) error {
		m := metricSet.Project(set.metricName(v))
		a, err := projectApp(set, v, st, log, env, m)
		if err != nil {
			return err
		}
		mu.Lock()
		old := runners[v.name]
		mu.Unlock()
		if old != nil {
			// As with one project: the old version finishes its posts in
			// flight, then the new one runs.
			old.stop(0)
			m.Reloaded(true)
		}
		r := launch(v, a, m)
		mu.Lock()
		runners[v.name] = r
		mu.Unlock()
		return nil
	}
	stop := func(name string) {
		mu.Lock()
		r := runners[name]
		delete(runners, name)
		mu.Unlock()
		if r != nil {
			r.stop(0)
		}
		metricSet.Forget(name)
	}
	all := func() []*runner {
		mu.Lock()
		defer mu.Unlock()
		out := make([]*runner, 0, len(runners))
		for _, r := range runners {
			out = append(out, r)
		}
		return out
	}
	stopAll := func(grace time.Duration) bool {
		clean := true
		deadline := time.Now().Add(grace)
		for _, r := range all() {
			r.cancel()
		}
		for _, r := range all() {
			if !r.stop(max(time.Until(deadline), time.Millisecond)) {
				clean = false
			}
		}
		return clean
	}

	for _, v := range set.Running() {
		if err := start(v); err != nil {
			// Compiled already: a target that cannot be built (a missing
			// credential) refuses this project, not the others.
			set.ConfigStatus(v.name).NotRunning(v.cfg.File, err, env.Now())
			log.Error("project refused: it does not run; the others do", "project", v.name, "error", err)
		}
	}
	if len(all()) == 0 {
		return &config.Error{File: strings.Join(g.configs, ", "), Problems: []string{"no project can run"}}
	}
	var stopping atomic.Bool

	if listen := set.Shared().Listen; listen != "" {
		thumbs := newThumbnails(imageLoader(&feeds.Fetcher{UserAgent: userAgent()}))
		ln, err := net.Listen("tcp", listen)
		if err != nil {
			stopAll(shutdownGrace)
			return fmt.Errorf("http.listen %s: %w", listen, err)
		}
		appOf := func(name string) *app {
			mu.Lock()
			defer mu.Unlock()
			if r := runners[name]; r != nil {
				return r.app
			}
			return nil
		}
		srv := server.New(server.Options{
			Now:      env.Now,
			Registry: reg,
			Logger:   log,
			Snapshot: func(ctx context.Context) (server.Snapshot, error) {
				now := env.Now()
				snap, err := set.Snapshot(ctx, now, func(ctx context.Context, v *projectVersion, cs *server.ConfigStatus) (server.Snapshot, error) {
					a := appOf(v.name)
					if a == nil {
						return server.Snapshot{Project: v.name, Config: cs.View()}, nil
					}
					return snapshot(ctx, a, cs, now)
				})
				thumbs.showAll(snap)
				return snap, err
			},
			Thumb: thumbs.ByID,
			Ready: func(ctx context.Context) error {
				if stopping.Load() {
					return errShutdown
				}
				for _, r := range all() {
					if err := r.app.bot.StateProblem(); err != nil {
						return fmt.Errorf("project %s: the state cannot record deliveries: %w", r.name, err)
					}
				}
				return st.Ping(ctx)
			},
			Live: func() error {
				for _, r := range all() {
					a := r.app
					if part, stuck := a.bot.Stuck(env.Now(), hungAfter(a.cfg)); stuck {
						return fmt.Errorf("project %s: %s has been busy for more than %s", r.name, part, hungAfter(a.cfg))
					}
				}
				return nil
			},
		})
		srvDone := make(chan error, 1)
		sctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		defer func() { cancel(); <-srvDone }()
		go func() { srvDone <- srv.Serve(sctx, ln) }()
		log.Info("http server listening", "addr", ln.Addr().String())
	}

	var changed <-chan struct{}
	if watch {
		dirs, match := watchMatch(g.configs, false)
		var err error
		changed, err = watchPaths(ctx, dirs, match, time.Second, log)
		if err != nil {
			stopAll(shutdownGrace)
			return fmt.Errorf("watch %v: %w", dirs, err)
		}
	}
	reload := reloads(ctx, env.Reload, changed, "a project file changed")

	var replicas *replicaWatch
	if ps, ok := st.(*sharedState); ok {
		replicas = newReplicaWatch(ps.Store, reg, log, env.Now)
		replicas.loaded(projectsHash(set), false)
		go replicas.run(ctx)
		defer replicas.leave()
	}
	log.Info("lumobot started", "version", version, "config", fmt.Sprint(g.configs), "state", describeState(set.Shared().State), "projects", len(all()))
	for {
		select {
		case <-ctx.Done():
			stopping.Store(true)
			log.Info("shutting down: finishing posts in flight")
			if !stopAll(shutdownGrace) {
				log.Warn("posts still in flight at exit: they are re-sent under the same key at the next start", "waited", shutdownGrace)
			}
			log.Info("stopped")
			return nil
		case r := <-failed:
			stopAll(shutdownGrace)
			err := r.err
			if err == nil {
				err = errors.New("daemon stopped unexpectedly")
			}
			return fmt.Errorf("project %s: %w", r.name, err)
		case why := <-reload:
			log.Info("reloading projects", "config", fmt.Sprint(g.configs), "why", why)
			outs, err := set.reload(log, env.Now(), start, stop)
			if err != nil {
				log.Error("reload failed; every project keeps running as it was", "error", err)
				continue
			}
			for _, o := range outs {
				mu.Lock()
				r := runners[o.Name]
				mu.Unlock()
				if o.What == refused && r != nil {
					// Its running version stays: the metric says the reload failed.
					metricSet.Project(set.metricName(r.version)).Reloaded(false)
				}
			}
			if replicas != nil {
				replicas.loaded(projectsHash(set), true)
			}
		}
	}
}

// projectsHash is configHash of several projects: of every running
// project's file name and bytes.
func projectsHash(set *projectSet) string {
	h := sha256.New()
	for _, v := range set.Running() {
		b, err := os.ReadFile(v.cfg.File)
		if err != nil {
			b = []byte("unreadable")
		}
		fmt.Fprintf(h, "%s\x00%d\x00", v.name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
