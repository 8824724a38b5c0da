package server

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/lumohanke/lumobot/bot"
)

// DepthFunc reports the outbox: deliveries by target and status
// (bot.Store.Counts has this shape). It is called at every scrape.
type DepthFunc func(ctx context.Context) (map[string]map[bot.Status]int, error)

// depthTimeout bounds one call of the DepthFunc during a scrape.
const depthTimeout = 5 * time.Second

// DefaultProject is the project label of a process with one config file.
const DefaultProject = "default"

// Metrics implements bot.Observer with Prometheus collectors for one
// project: every lumobot_ series carries its name as the project label.
// Labels carry project, feed and target names only, never URLs or
// credentials. The projects of one process share one MetricSet.
type Metrics struct {
	*MetricSet
	project string
}

// MetricSet is the collectors every project of a process shares.
type MetricSet struct {
	polls         *prometheus.CounterVec
	fetchErrors   *prometheus.CounterVec
	lastSuccess   *prometheus.GaugeVec
	posts         *prometheus.CounterVec
	reloads       *prometheus.CounterVec
	reloadSuccess *prometheus.GaugeVec
	feedWarnings  *prometheus.GaugeVec
	floods        *prometheus.CounterVec
	spend         *prometheus.CounterVec
	paused        *prometheus.GaugeVec

	// split names the project and the target of a target as the state
	// stores it; nil: all targets are DefaultProject's.
	split func(stored string) (project, target string)

	mu   sync.Mutex
	next map[string]time.Time // project → next due; absent: nothing planned
	now  func() time.Time     // the clock for lumobot_next_due_seconds
}

var (
	_ bot.Observer      = (*Metrics)(nil)
	_ bot.SpendObserver = (*Metrics)(nil)
)

// NewMetrics creates the collectors of a process with one project, labelled
// DefaultProject, and registers them with reg; see NewMetricSet.
func NewMetrics(reg prometheus.Registerer, depth DepthFunc, now func() time.Time) *Metrics {
	return NewMetricSet(reg, depth, nil, now).Project(DefaultProject)
}

// NewMetricSet creates the collectors and registers them with reg: the
// lumobot_ metrics, and also the Go runtime (go_*), process (process_*) and
// build-info (go_build_info) collectors, so that the caller registers
// nothing else. Runtime collectors reg already has
// (prometheus.DefaultRegisterer has the Go and process ones) are kept;
// registering the lumobot_ metrics twice on one registry panics, as
// MustRegister does. Project gives each project its Observer.
//
// depth may be nil: then lumobot_outbox_deliveries is not exported. It
// reports the whole state's outbox; split names the project and the target
// of each of its targets (project.Split of bot/store/project for a shared
// state), nil when every target is DefaultProject's. now is the clock for
// lumobot_next_due_seconds; a nil clock panics, as a wiring mistake.
func NewMetricSet(reg prometheus.Registerer, depth DepthFunc, split func(stored string) (project, target string), now func() time.Time) *MetricSet {
	if now == nil {
		panic("server: NewMetrics needs a clock")
	}
	m := &MetricSet{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_feed_polls_total",
			Help: "Feed fetches by project, feed and result (ok, not_modified, error).",
		}, []string{"project", "feed", "result"}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_feed_fetch_errors_total",
			Help: "Feed fetches that failed, by project and feed.",
		}, []string{"project", "feed"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lumobot_feed_last_success_timestamp_seconds",
			Help: "Unix time of the last successful fetch (including 304 Not Modified), by project and feed.",
		}, []string{"project", "feed"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_posts_total",
			Help: "Deliveries that ended, by project, target, kind and outcome (sent, failed, skipped).",
		}, []string{"project", "target", "kind", "outcome"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_config_reloads_total",
			Help: "Config reload attempts by project and result (success, failure).",
		}, []string{"project", "result"}),
		reloadSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lumobot_config_last_reload_successful",
			Help: "1 if the project's last config reload succeeded (or none was tried), 0 if it failed.",
		}, []string{"project"}),
		feedWarnings: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lumobot_feed_warnings",
			Help: "What the parser fixed or dropped in the feed's last good read (events without a start, dates out of range, rules refused), by project and feed.",
		}, []string{"project", "feed"}),
		floods: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_flood_holds_total",
			Help: "Times a target's max_per_hour safety valve started holding its posts, by project and target.",
		}, []string{"project", "target"}),
		spend: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_spend_total",
			Help: "What the posts sent cost at the target's pricing (X), in its currency, by project and target.",
		}, []string{"project", "target"}),
		paused: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lumobot_paused",
			Help: "1 while the project's config says paused: every post on every target is held.",
		}, []string{"project"}),
		split: split,
		next:  map[string]time.Time{},
		now:   now,
	}
	reg.MustRegister(m.polls, m.fetchErrors, m.lastSuccess, m.posts, m.reloads, m.reloadSuccess, m.feedWarnings, m.floods, m.spend, m.paused, nextDueCollector{m})
	if depth != nil {
		reg.MustRegister(outboxCollector{depth: depth, split: split})
	}
	for _, c := range []prometheus.Collector{
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewBuildInfoCollector(),
	} {
		if err := reg.Register(c); err != nil {
			var are prometheus.AlreadyRegisteredError
			if !errors.As(err, &are) {
				panic(err)
			}
		}
	}
	return m
}

// Project returns the Observer of one project, on the set's collectors.
// Its series that are there before anything happens (reloads, the last
// reload's success, paused) are made now, so that they exist from the
// first scrape. Asking twice for one project gives the same series.
func (s *MetricSet) Project(name string) *Metrics {
	s.reloads.WithLabelValues(name, "success")
	s.reloads.WithLabelValues(name, "failure")
	s.reloadSuccess.WithLabelValues(name).Set(1)
	s.paused.WithLabelValues(name)
	return &Metrics{MetricSet: s, project: name}
}

// Forget removes every series of a project that no longer runs (its file
// was removed), so that none of them says something of it any more.
func (s *MetricSet) Forget(name string) {
	match := prometheus.Labels{"project": name}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		s.polls, s.fetchErrors, s.lastSuccess, s.posts, s.reloads, s.reloadSuccess, s.feedWarnings, s.floods, s.spend, s.paused,
	} {
		v.DeletePartialMatch(match)
	}
	s.mu.Lock()
	delete(s.next, name)
	s.mu.Unlock()
}

// Name is the project label of m.
func (m *Metrics) Name() string { return m.project }

// Polled counts a feed fetch.
func (m *Metrics) Polled(feed string, notModified bool, err error, at time.Time) {
	if m == nil {
		return
	}
	switch {
	case err != nil:
		m.polls.WithLabelValues(m.project, feed, "error").Inc()
		m.fetchErrors.WithLabelValues(m.project, feed).Inc()
		return
	case notModified:
		m.polls.WithLabelValues(m.project, feed, "not_modified").Inc()
	default:
		m.polls.WithLabelValues(m.project, feed, "ok").Inc()
	}
	m.lastSuccess.WithLabelValues(m.project, feed).Set(unixSeconds(at))
}

// Warned sets a feed's number of parse warnings.
func (m *Metrics) Warned(feed string, n int) {
	if m == nil {
		return
	}
	m.feedWarnings.WithLabelValues(m.project, feed).Set(float64(n))
}

// Paused sets whether every post is held.
func (m *Metrics) Paused(on bool) {
	if m == nil {
		return
	}
	v := 0.0
	if on {
		v = 1
	}
	m.paused.WithLabelValues(m.project).Set(v)
}

// Flooded counts a target's safety valve starting to hold posts.
func (m *Metrics) Flooded(target string) {
	if m == nil {
		return
	}
	m.floods.WithLabelValues(m.project, target).Inc()
}

// Finished counts a delivery that ended. Statuses other than sent, failed
// and skipped do not end a delivery and are not counted.
func (m *Metrics) Finished(target string, kind bot.Kind, st bot.Status) {
	if m == nil {
		return
	}
	switch st {
	case bot.StatusSent, bot.StatusFailed, bot.StatusSkipped:
		m.posts.WithLabelValues(m.project, target, string(kind), string(st)).Inc()
	}
}

// Reloaded counts a config reload attempt.
func (m *Metrics) Reloaded(ok bool) {
	if m == nil {
		return
	}
	if ok {
		m.reloads.WithLabelValues(m.project, "success").Inc()
		m.reloadSuccess.WithLabelValues(m.project).Set(1)
		return
	}
	m.reloads.WithLabelValues(m.project, "failure").Inc()
	m.reloadSuccess.WithLabelValues(m.project).Set(0)
}

// NextDue records when the next post falls due; zero means none is planned.
func (m *Metrics) NextDue(t time.Time) {
	if m == nil {
		return
	}
	m.mu.Lock()
	if t.IsZero() {
		delete(m.next, m.project)
	} else {
		m.next[m.project] = t
	}
	m.mu.Unlock()
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}

var (
	nextDueTimestampDesc = prometheus.NewDesc("lumobot_next_due_timestamp_seconds",
		"Unix time the project's next planned post falls due; absent when none is planned.", []string{"project"}, nil)
	nextDueSecondsDesc = prometheus.NewDesc("lumobot_next_due_seconds",
		"Seconds until the project's next planned post falls due, negative when it is overdue "+
			"(waiting for quiet hours, a limit or a retry); absent when none is planned.", []string{"project"}, nil)
	outboxDesc = prometheus.NewDesc("lumobot_outbox_deliveries",
		"Deliveries in the outbox by project, target and status.", []string{"project", "target", "status"}, nil)
)

// nextDueCollector exports the stored next due times and, computed at
// scrape time, the seconds until them.
type nextDueCollector struct{ m *MetricSet }

func (c nextDueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- nextDueTimestampDesc
	ch <- nextDueSecondsDesc
}

func (c nextDueCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	next := make(map[string]time.Time, len(c.m.next))
	for p, t := range c.m.next {
		next[p] = t
	}
	now := c.m.now
	c.m.mu.Unlock()
	for p, t := range next {
		ch <- prometheus.MustNewConstMetric(nextDueTimestampDesc, prometheus.GaugeValue, unixSeconds(t), p)
		ch <- prometheus.MustNewConstMetric(nextDueSecondsDesc, prometheus.GaugeValue, t.Sub(now()).Seconds(), p)
	}
}

// allStatuses are exported for every target, zero when empty, so that a
// series does not vanish when its last delivery moves on.
var allStatuses = []bot.Status{
	bot.StatusPending, bot.StatusSending, bot.StatusSent, bot.StatusFailed, bot.StatusSkipped,
}

// outboxCollector asks the store for the outbox depth at scrape time.
type outboxCollector struct {
	depth DepthFunc
	split func(string) (project, target string)
}

func (c outboxCollector) Describe(ch chan<- *prometheus.Desc) { ch <- outboxDesc }

func (c outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), depthTimeout)
	defer cancel()
	counts, err := c.depth(ctx)
	if err != nil {
		// The handler logs it and serves the other metrics.
		ch <- prometheus.NewInvalidMetric(outboxDesc, errors.New("read outbox depth: "+err.Error()))
		return
	}
	targets := make([]string, 0, len(counts))
	for t := range counts {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, stored := range targets {
		project, t := DefaultProject, stored
		if c.split != nil {
			if p, name := c.split(stored); p != "" {
				project, t = p, name
			}
		}
		byStatus := counts[stored]
		seen := make(map[bot.Status]bool, len(allStatuses))
		for _, st := range allStatuses {
			seen[st] = true
			ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(byStatus[st]), project, t, string(st))
		}
		for st, n := range byStatus {
			if !seen[st] {
				ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n), project, t, string(st))
			}
		}
	}
}

// Spent adds what a sent post cost to its target's spending.
func (m *Metrics) Spent(target string, amount float64) {
	if m == nil {
		return
	}
	m.spend.WithLabelValues(m.project, target).Add(amount)
}
