package server

import (
	"context"
	"errors"
	"math"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lumohanke/lumobot/bot"
)

func TestMetricsObserver(t *testing.T) {
	reg := prometheus.NewRegistry()
	depth := func(context.Context) (map[string]map[bot.Status]int, error) {
		return map[string]map[bot.Status]int{
			"x":        {bot.StatusPending: 2, bot.StatusSent: 40, bot.StatusFailed: 1},
			"mastodon": {bot.StatusSending: 1},
		}, nil
	}
	now := time.Date(2021, 5, 5, 10, 0, 0, 0, time.UTC)
	m := NewMetrics(reg, depth, func() time.Time { return now })

	m.Polled("uutiset", false, nil, now)
	m.Polled("uutiset", true, nil, now.Add(time.Minute))
	m.Polled("tapahtumat", false, errors.New("timeout"), now)
	m.Polled("tapahtumat", false, errors.New("timeout"), now)
	m.Finished("x", bot.KindNews, bot.StatusSent)
	m.Finished("x", bot.KindNews, bot.StatusSent)
	m.Finished("x", bot.KindReminder, bot.StatusFailed)
	m.Finished("mastodon", bot.KindAnnouncement, bot.StatusSkipped)
	m.Finished("mastodon", bot.KindAnnouncement, bot.StatusPending) // not an end: ignored
	m.Reloaded(true)
	m.Reloaded(false)
	m.NextDue(now.Add(90 * time.Minute))

	want := `
# HELP lumobot_config_last_reload_successful 1 if the project's last config reload succeeded (or none was tried), 0 if it failed.
# TYPE lumobot_config_last_reload_successful gauge
lumobot_config_last_reload_successful{project="default"} 0
# HELP lumobot_config_reloads_total Config reload attempts by project and result (success, failure).
# TYPE lumobot_config_reloads_total counter
lumobot_config_reloads_total{project="default",result="failure"} 1
lumobot_config_reloads_total{project="default",result="success"} 1
# HELP lumobot_feed_fetch_errors_total Feed fetches that failed, by project and feed.
# TYPE lumobot_feed_fetch_errors_total counter
lumobot_feed_fetch_errors_total{feed="tapahtumat",project="default"} 2
# HELP lumobot_feed_last_success_timestamp_seconds Unix time of the last successful fetch (including 304 Not Modified), by project and feed.
# TYPE lumobot_feed_last_success_timestamp_seconds gauge
lumobot_feed_last_success_timestamp_seconds{feed="uutiset",project="default"} 1.62020886e+09
# HELP lumobot_feed_polls_total Feed fetches by project, feed and result (ok, not_modified, error).
# TYPE lumobot_feed_polls_total counter
lumobot_feed_polls_total{feed="tapahtumat",project="default",result="error"} 2
lumobot_feed_polls_total{feed="uutiset",project="default",result="not_modified"} 1
lumobot_feed_polls_total{feed="uutiset",project="default",result="ok"} 1
# HELP lumobot_next_due_seconds Seconds until the project's next planned post falls due, negative when it is overdue (waiting for quiet hours, a limit or a retry); absent when none is planned.
# TYPE lumobot_next_due_seconds gauge
lumobot_next_due_seconds{project="default"} 5400
# HELP lumobot_next_due_timestamp_seconds Unix time the project's next planned post falls due; absent when none is planned.
# TYPE lumobot_next_due_timestamp_seconds gauge
lumobot_next_due_timestamp_seconds{project="default"} 1.6202142e+09
# HELP lumobot_outbox_deliveries Deliveries in the outbox by project, target and status.
# TYPE lumobot_outbox_deliveries gauge
lumobot_outbox_deliveries{project="default",status="failed",target="mastodon"} 0
lumobot_outbox_deliveries{project="default",status="failed",target="x"} 1
lumobot_outbox_deliveries{project="default",status="pending",target="mastodon"} 0
lumobot_outbox_deliveries{project="default",status="pending",target="x"} 2
lumobot_outbox_deliveries{project="default",status="sending",target="mastodon"} 1
lumobot_outbox_deliveries{project="default",status="sending",target="x"} 0
lumobot_outbox_deliveries{project="default",status="sent",target="mastodon"} 0
lumobot_outbox_deliveries{project="default",status="sent",target="x"} 40
lumobot_outbox_deliveries{project="default",status="skipped",target="mastodon"} 0
lumobot_outbox_deliveries{project="default",status="skipped",target="x"} 0
# HELP lumobot_posts_total Deliveries that ended, by project, target, kind and outcome (sent, failed, skipped).
# TYPE lumobot_posts_total counter
lumobot_posts_total{kind="announcement",outcome="skipped",project="default",target="mastodon"} 1
lumobot_posts_total{kind="news",outcome="sent",project="default",target="x"} 2
lumobot_posts_total{kind="reminder",outcome="failed",project="default",target="x"} 1
`
	names := []string{
		"lumobot_config_last_reload_successful", "lumobot_config_reloads_total",
		"lumobot_feed_fetch_errors_total", "lumobot_feed_last_success_timestamp_seconds",
		"lumobot_feed_polls_total", "lumobot_next_due_seconds", "lumobot_next_due_timestamp_seconds",
		"lumobot_outbox_deliveries", "lumobot_posts_total",
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}

	// Time passes: the seconds until the next post shrink, past it they go negative.
	now = now.Add(2 * time.Hour)
	if got := gaugeValue(t, reg, "lumobot_next_due_seconds"); got != -1800 {
		t.Errorf("lumobot_next_due_seconds = %v, want -1800", got)
	}
	// Nothing planned: both next-due series vanish.
	m.NextDue(time.Time{})
	if n, err := testutil.GatherAndCount(reg, "lumobot_next_due_seconds", "lumobot_next_due_timestamp_seconds"); err != nil || n != 0 {
		t.Errorf("with nothing planned: %d series, err %v", n, err)
	}

	// The lint rules of Prometheus naming: units, _total on counters.
	problems, err := testutil.GatherAndLint(reg, names...)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint %s: %s", p.Metric, p.Text)
	}
}

func gaugeValue(t *testing.T, g prometheus.Gatherer, name string) float64 {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == name && len(mf.Metric) == 1 {
			return mf.Metric[0].GetGauge().GetValue()
		}
	}
	t.Fatalf("no single %s series", name)
	return math.NaN()
}

func TestMetricsDepthError(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, func(context.Context) (map[string]map[bot.Status]int, error) {
		return nil, errors.New("database is locked")
	}, testClock)
	m.Polled("uutiset", false, nil, time.Now())
	// The scrape still serves the other metrics.
	rec := get(t, New(Options{Now: testClock, Registry: reg}).Handler(), "/metrics")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	if !strings.Contains(body, `lumobot_feed_polls_total{feed="uutiset",project="default",result="ok"} 1`) {
		t.Error("other metrics missing when the outbox cannot be read")
	}
	if strings.Contains(body, "lumobot_outbox_deliveries{") {
		t.Error("outbox series served despite the error")
	}
	// The handler counts the failure after it answered: the next scrape shows it.
	body = get(t, New(Options{Now: testClock, Registry: reg}).Handler(), "/metrics").Body.String()
	if !strings.Contains(body, `promhttp_metric_handler_errors_total{cause="gathering"} 1`) {
		t.Error("gathering error not counted")
	}
}

func TestMetricsDepthDeadline(t *testing.T) {
	reg := prometheus.NewRegistry()
	NewMetrics(reg, func(ctx context.Context) (map[string]map[bot.Status]int, error) {
		if _, ok := ctx.Deadline(); !ok {
			t.Error("depth called without a deadline")
		}
		return nil, nil
	}, testClock)
	if _, err := reg.Gather(); err != nil {
		t.Error(err)
	}
}

func TestNewMetricsTwice(t *testing.T) {
	// A second NewMetrics on the same registry keeps the Go and process
	// collectors (as prometheus.DefaultRegisterer has them) but panics on
	// its own metrics, like MustRegister.
	reg := prometheus.NewRegistry()
	NewMetrics(reg, nil, testClock)
	defer func() {
		if recover() == nil {
			t.Error("second NewMetrics on one registry did not panic")
		}
	}()
	NewMetrics(reg, nil, testClock)
}

func TestNewMetricsDefaultRegistererStyle(t *testing.T) {
	// A registry that already has the runtime collectors, like the default one.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(prometheus.NewGoCollector())
	NewMetrics(reg, nil, testClock)
	if _, err := reg.Gather(); err != nil {
		t.Error(err)
	}
}

func TestMetricsNilAndConcurrent(t *testing.T) {
	var nilM *Metrics
	nilM.Polled("a", false, nil, time.Now())
	nilM.Finished("a", bot.KindNews, bot.StatusSent)
	nilM.Reloaded(true)
	nilM.NextDue(time.Now())

	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, nil, testClock)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				m.Polled("uutiset", i%2 == 0, nil, time.Now())
				m.Finished("x", bot.KindNews, bot.StatusSent)
				m.NextDue(time.Now().Add(time.Hour))
				if i == 0 {
					reg.Gather()
				}
			}
		}()
	}
	wg.Wait()
	if got := testutil.ToFloat64(m.posts.WithLabelValues(DefaultProject, "x", "news", "sent")); got != 800 {
		t.Errorf("posts = %v, want 800", got)
	}
}

func TestNewMetricsNeedsClock(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewMetrics without a clock did not panic")
		}
	}()
	NewMetrics(prometheus.NewRegistry(), nil, nil)
}

// lumobot_next_due_seconds is computed from the injected clock at scrape time.
func TestNextDueSecondsUsesClock(t *testing.T) {
	reg := prometheus.NewRegistry()
	at := time.Date(2021, 5, 5, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	m := NewMetrics(reg, nil, func() time.Time { mu.Lock(); defer mu.Unlock(); return at })
	m.NextDue(at.Add(90 * time.Second))
	got := func() float64 {
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "lumobot_next_due_seconds" {
				return mf.GetMetric()[0].GetGauge().GetValue()
			}
		}
		t.Fatal("lumobot_next_due_seconds not exported")
		return 0
	}
	if v := got(); v != 90 {
		t.Errorf("next due in %v s, want 90", v)
	}
	mu.Lock()
	at = at.Add(2 * time.Minute)
	mu.Unlock()
	if v := got(); v != -30 {
		t.Errorf("next due in %v s after the clock moved, want -30", v)
	}
}
