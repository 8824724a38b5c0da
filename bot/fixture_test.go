package bot_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
)

// The core's model is built here directly, as cmd compiles it from a file:
// planning is tested without YAML.

var helsinki = mustLoad("Europe/Helsinki")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// hel reads "2006-01-02 15:04" in Helsinki.
func hel(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, helsinki)
	if err != nil {
		panic(err)
	}
	return t
}

// model is a Config under construction for one test.
type model struct {
	t testing.TB
	bot.Config
}

func newModel(t testing.TB, hashtags ...string) *model {
	r := render.New("fi", hashtags)
	m := &model{t: t, Config: bot.Config{
		Location: helsinki, Language: "fi", Renderer: r, Concurrency: 4,
		LateGrace: 6 * time.Hour,
		Retry:     bot.Retry{Initial: 10 * time.Second, Max: 15 * time.Minute, GiveUp: 12 * time.Hour, Jitter: func() float64 { return 1 }},
	}}
	m.Poll = m.cron("*/15 * * * *")
	m.News = m.tmpl(render.Default("news"))
	return m
}

func (m *model) tmpl(text string) *render.Template {
	m.t.Helper()
	t, err := m.Renderer.Parse("test", text)
	if err != nil {
		m.t.Fatal(err)
	}
	return t
}

func (m *model) cron(spec string) bot.Schedule {
	m.t.Helper()
	s, err := config.ParseCron(spec, helsinki)
	if err != nil {
		m.t.Fatal(err)
	}
	return s
}

// rules reads "7d@09:00 1d@09:00 1h" as reminder rules with the default
// reminder template.
func (m *model) rules(spec string) []bot.Rule {
	m.t.Helper()
	var out []bot.Rule
	for _, f := range strings.Fields(spec) {
		out = append(out, m.rule(f, render.Default("reminder")))
	}
	return out
}

func (m *model) rule(spec, tmpl string) bot.Rule {
	m.t.Helper()
	before, at, _ := strings.Cut(spec, "@")
	r := bot.Rule{Before: days(m.t, before), Name: spec, Template: m.tmpl(tmpl)}
	if at != "" {
		var c bot.TimeOfDay
		if _, err := fmt.Sscanf(at, "%d:%d", &c.Hour, &c.Minute); err != nil {
			m.t.Fatal(err)
		}
		r.At = &c
	}
	return r
}

// days reads durations with days: 7d, 1d12h, 90m.
func days(t testing.TB, s string) time.Duration {
	t.Helper()
	var d time.Duration
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.Atoi(s[:i])
		if err != nil {
			t.Fatal(err)
		}
		d, s = time.Duration(n)*24*time.Hour, s[i+1:]
	}
	if s != "" {
		x, err := time.ParseDuration(s)
		if err != nil {
			t.Fatal(err)
		}
		d += x
	}
	return d
}

func (m *model) event(id, title string, start, end time.Time, rules []bot.Rule) *bot.Event {
	m.Events = append(m.Events, bot.Event{Event: feeds.Event{ID: id, Title: title, Start: start, End: end}, Source: "config", Rules: rules})
	return &m.Events[len(m.Events)-1]
}

func (m *model) once(id, text string, at time.Time) {
	m.Announcements = append(m.Announcements, bot.Announcement{ID: id, Text: text, At: at, Template: m.tmpl(render.Default("announcement"))})
}

func (m *model) recurring(id, text, spec string, from, until time.Time) {
	m.Announcements = append(m.Announcements, bot.Announcement{ID: id, Text: text, Cron: m.cron(spec), From: from, Until: until, Template: m.tmpl(render.Default("announcement"))})
}

// fakeClock is a clock tests move by hand; After fires when the clock is
// moved past it.
type fakeClock struct {
	mu      sync.Mutex
	t       time.Time
	waiters []waiter
}

type waiter struct {
	at time.Time
	c  chan time.Time
}

func newClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.t
		return ch
	}
	c.waiters = append(c.waiters, waiter{c.t.Add(d), ch})
	return ch
}

// Set moves the clock to t and fires every timer due by then.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if !w.at.After(t) {
			w.c <- t
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

func (c *fakeClock) Add(d time.Duration) { c.Set(c.Now().Add(d)) }

// Waiting is how many timers wait.
func (c *fakeClock) Waiting() int { c.mu.Lock(); defer c.mu.Unlock(); return len(c.waiters) }

var _ bot.Clock = (*fakeClock)(nil)

// recorder is a platform that notes what it was sent and when.
type recorder struct {
	mu   sync.Mutex
	now  func() time.Time
	sent map[string]time.Time
	text map[string]string
}

func newRecorder(now func() time.Time) *recorder {
	return &recorder{now: now, sent: map[string]time.Time{}, text: map[string]string{}}
}

func (r *recorder) Post(_ context.Context, p bot.Post) (bot.Receipt, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.sent[p.Key]; dup {
		panic("duplicate post " + p.Key)
	}
	r.sent[p.Key] = r.now()
	r.text[p.Key] = p.Text
	return bot.Receipt{ID: p.Key}, nil
}
func (r *recorder) Length(s string) int { return len([]rune(s)) }
func (r *recorder) Limit() int          { return 0 }

func (r *recorder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.sent) }
