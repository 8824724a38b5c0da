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

// Metrics implements bot.Observer with Prometheus collectors. Labels carry
// feed and target names only, never URLs or credentials.
type Metrics struct {
	polls         *prometheus.CounterVec
	fetchErrors   *prometheus.CounterVec
	lastSuccess   *prometheus.GaugeVec
	posts         *prometheus.CounterVec
	reloads       *prometheus.CounterVec
	reloadSuccess prometheus.Gauge
	feedWarnings  *prometheus.GaugeVec
	floods        *prometheus.CounterVec
	spend         *prometheus.CounterVec
	paused        prometheus.Gauge

	mu   sync.Mutex
	next time.Time        // zero: nothing planned
	now  func() time.Time // the clock for lumobot_next_due_seconds
}

var (
	_ bot.Observer      = (*Metrics)(nil)
	_ bot.SpendObserver = (*Metrics)(nil)
)

// NewMetrics creates the collectors and registers them with reg: the lumobot_
// metrics, and also the Go runtime (go_*), process (process_*) and build-info
// (go_build_info) collectors, so that the caller registers nothing else.
// Runtime collectors reg already has (prometheus.DefaultRegisterer has the Go
// and process ones) are kept; registering the lumobot_ metrics twice on one
// registry panics, as MustRegister does. depth may be nil: then
// lumobot_outbox_deliveries is not exported. now is the clock for
// lumobot_next_due_seconds; a nil clock panics, as a wiring mistake.
func NewMetrics(reg prometheus.Registerer, depth DepthFunc, now func() time.Time) *Metrics {
	if now == nil {
		panic("server: NewMetrics needs a clock")
	}
	m := &Metrics{
		polls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_feed_polls_total",
			Help: "Feed fetches by feed and result (ok, not_modified, error).",
		}, []string{"feed", "result"}),
		fetchErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_feed_fetch_errors_total",
			Help: "Feed fetches that failed, by feed.",
		}, []string{"feed"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lumobot_feed_last_success_timestamp_seconds",
			Help: "Unix time of the last successful fetch (including 304 Not Modified), by feed.",
		}, []string{"feed"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_posts_total",
			Help: "Deliveries that ended, by target, kind and outcome (sent, failed, skipped).",
		}, []string{"target", "kind", "outcome"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_config_reloads_total",
			Help: "Config reload attempts by result (success, failure).",
		}, []string{"result"}),
		reloadSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lumobot_config_last_reload_successful",
			Help: "1 if the last config reload succeeded (or none was tried), 0 if it failed.",
		}),
		feedWarnings: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lumobot_feed_warnings",
			Help: "What the parser fixed or dropped in the feed's last good read (events without a start, dates out of range, rules refused), by feed.",
		}, []string{"feed"}),
		floods: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_flood_holds_total",
			Help: "Times a target's max_per_hour safety valve started holding its posts, by target.",
		}, []string{"target"}),
		spend: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lumobot_spend_total",
			Help: "What the posts sent cost at the target's pricing (X), in its currency, by target.",
		}, []string{"target"}),
		paused: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "lumobot_paused",
			Help: "1 while the config says paused: every post on every target is held.",
		}),
		now: now,
	}
	m.reloads.WithLabelValues("success")
	m.reloads.WithLabelValues("failure")
	m.reloadSuccess.Set(1)

	reg.MustRegister(m.polls, m.fetchErrors, m.lastSuccess, m.posts, m.reloads, m.reloadSuccess, m.feedWarnings, m.floods, m.spend, m.paused, nextDueCollector{m})
	if depth != nil {
		reg.MustRegister(outboxCollector{depth})
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

// Polled counts a feed fetch.
func (m *Metrics) Polled(feed string, notModified bool, err error, at time.Time) {
	if m == nil {
		return
	}
	switch {
	case err != nil:
		m.polls.WithLabelValues(feed, "error").Inc()
		m.fetchErrors.WithLabelValues(feed).Inc()
		return
	case notModified:
		m.polls.WithLabelValues(feed, "not_modified").Inc()
	default:
		m.polls.WithLabelValues(feed, "ok").Inc()
	}
	m.lastSuccess.WithLabelValues(feed).Set(unixSeconds(at))
}

// Warned sets a feed's number of parse warnings.
func (m *Metrics) Warned(feed string, n int) {
	if m == nil {
		return
	}
	m.feedWarnings.WithLabelValues(feed).Set(float64(n))
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
	m.paused.Set(v)
}

// Flooded counts a target's safety valve starting to hold posts.
func (m *Metrics) Flooded(target string) {
	if m == nil {
		return
	}
	m.floods.WithLabelValues(target).Inc()
}

// Finished counts a delivery that ended. Statuses other than sent, failed
// and skipped do not end a delivery and are not counted.
func (m *Metrics) Finished(target string, kind bot.Kind, st bot.Status) {
	if m == nil {
		return
	}
	switch st {
	case bot.StatusSent, bot.StatusFailed, bot.StatusSkipped:
		m.posts.WithLabelValues(target, string(kind), string(st)).Inc()
	}
}

// Reloaded counts a config reload attempt.
func (m *Metrics) Reloaded(ok bool) {
	if m == nil {
		return
	}
	if ok {
		m.reloads.WithLabelValues("success").Inc()
		m.reloadSuccess.Set(1)
		return
	}
	m.reloads.WithLabelValues("failure").Inc()
	m.reloadSuccess.Set(0)
}

// NextDue records when the next post falls due; zero means none is planned.
func (m *Metrics) NextDue(t time.Time) {
	if m == nil {
		return
	}
	m.mu.Lock()
	m.next = t
	m.mu.Unlock()
}

func unixSeconds(t time.Time) float64 {
	return float64(t.UnixNano()) / 1e9
}

var (
	nextDueTimestampDesc = prometheus.NewDesc("lumobot_next_due_timestamp_seconds",
		"Unix time the next planned post falls due; absent when none is planned.", nil, nil)
	nextDueSecondsDesc = prometheus.NewDesc("lumobot_next_due_seconds",
		"Seconds until the next planned post falls due, negative when it is overdue "+
			"(waiting for quiet hours, a limit or a retry); absent when none is planned.", nil, nil)
	outboxDesc = prometheus.NewDesc("lumobot_outbox_deliveries",
		"Deliveries in the outbox by target and status.", []string{"target", "status"}, nil)
)

// nextDueCollector exports the stored next due time and, computed at scrape
// time, the seconds until it.
type nextDueCollector struct{ m *Metrics }

func (c nextDueCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- nextDueTimestampDesc
	ch <- nextDueSecondsDesc
}

func (c nextDueCollector) Collect(ch chan<- prometheus.Metric) {
	c.m.mu.Lock()
	next, now := c.m.next, c.m.now
	c.m.mu.Unlock()
	if next.IsZero() {
		return
	}
	ch <- prometheus.MustNewConstMetric(nextDueTimestampDesc, prometheus.GaugeValue, unixSeconds(next))
	ch <- prometheus.MustNewConstMetric(nextDueSecondsDesc, prometheus.GaugeValue, next.Sub(now()).Seconds())
}

// allStatuses are exported for every target, zero when empty, so that a
// series does not vanish when its last delivery moves on.
var allStatuses = []bot.Status{
	bot.StatusPending, bot.StatusSending, bot.StatusSent, bot.StatusFailed, bot.StatusSkipped,
}

// outboxCollector asks the store for the outbox depth at scrape time.
type outboxCollector struct{ depth DepthFunc }

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
	for _, t := range targets {
		byStatus := counts[t]
		seen := make(map[bot.Status]bool, len(allStatuses))
		for _, st := range allStatuses {
			seen[st] = true
			ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(byStatus[st]), t, string(st))
		}
		for st, n := range byStatus {
			if !seen[st] {
				ch <- prometheus.MustNewConstMetric(outboxDesc, prometheus.GaugeValue, float64(n), t, string(st))
			}
		}
	}
}

// Spent adds what a sent post cost to its target's spending.
func (m *Metrics) Spent(target string, amount float64) {
	if m == nil {
		return
	}
	m.spend.WithLabelValues(target).Add(amount)
}
