package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
)

// Fetcher gets a feed's document; feeds.Fetcher is the real one.
type Fetcher interface {
	Fetch(ctx context.Context, req feeds.Request) (feeds.Response, error)
}

// Parsers turn fetched documents into the model.
type Parsers struct {
	News     func(body []byte, contentType, baseURL string) ([]feeds.Item, error)
	Calendar func(body []byte, loc *time.Location, from, to time.Time) ([]feeds.Event, error)
}

// Deps are what a Bot is built from; cmd wires the implementations.
type Deps struct {
	Store    Store
	Fetcher  Fetcher
	Parsers  Parsers
	Targets  []Target
	Logger   *slog.Logger
	Observer Observer // may be nil
	Jitter   func() float64
}

// Bot joins sources, planner, outbox and targets for one configuration.
type Bot struct {
	cfg       *config.Config
	planner   *Planner
	deps      Deps
	deliverer *Deliverer
	log       *slog.Logger

	mu        sync.Mutex
	calendars map[string][]byte // last good body of each calendar feed
	health    map[string]FeedHealth
}

// FeedHealth is how a feed's last polls went.
type FeedHealth struct {
	Name, URL, Kind string
	LastOK          time.Time
	LastError       string
	LastErrorAt     time.Time
	Items           int // items in a news feed; a calendar's occurrences in the next 30 days
}

// New builds a bot; templates are parsed here, so a bad one is a config error.
func New(cfg *config.Config, deps Deps) (*Bot, error) {
	pl, err := NewPlanner(cfg)
	if err != nil {
		return nil, err
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	s := cfg.Schedule
	return &Bot{
		cfg:     cfg,
		planner: pl,
		deps:    deps,
		deliverer: &Deliverer{
			Store:    deps.Store,
			Retry:    Retry{Initial: s.RetryFirst, Max: s.RetryCeiling, GiveUp: s.GiveUp, Jitter: deps.Jitter},
			Logger:   deps.Logger,
			Observer: deps.Observer,
		},
		log:       deps.Logger,
		calendars: map[string][]byte{},
		health:    map[string]FeedHealth{},
	}, nil
}

// Planner returns the bot's planner.
func (b *Bot) Planner() *Planner { return b.planner }

// Targets returns the bot's targets.
func (b *Bot) Targets() []Target { return b.deps.Targets }

// Health returns each feed's health, in config order.
func (b *Bot) Health() []FeedHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]FeedHealth, 0, len(b.cfg.Feeds))
	for _, f := range b.cfg.Feeds {
		h := b.health[f.Name]
		h.Name, h.URL, h.Kind = f.Name, feeds.Redact(f.URL), f.Kind
		out = append(out, h)
	}
	return out
}

// Poll fetches every feed, at most schedule.concurrency at once. New news
// items go into the outbox; calendars are kept for planning. A feed that
// fails is logged and skipped: it never stops the others.
func (b *Bot) Poll(ctx context.Context, now time.Time) {
	// A new state's first moment is its first poll, so that what falls
	// due while the first poll runs is caught up, not ignored.
	if _, err := b.since(ctx, now, true); err != nil {
		b.log.Error("cannot record the first run", "error", err)
	}
	b.poll(ctx, now, true, nil)
}

// poll reads every feed; with write it records what it saw and enqueues new
// news, else it only collects the news drafts (for preview).
func (b *Bot) poll(ctx context.Context, now time.Time, write bool, collect func([]Draft)) {
	sem := make(chan struct{}, b.cfg.Schedule.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i := range b.cfg.Feeds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			res, err := b.pollFeed(ctx, i, now, write)
			b.record(i, now, res, err)
			drafts := res.drafts
			if collect != nil && len(drafts) > 0 {
				mu.Lock()
				collect(drafts)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

// polled is what one read of a feed gave.
type polled struct {
	drafts      []Draft // news to post
	items       int     // items or events read; -1: unchanged (304)
	notModified bool
}

// record keeps a feed's health for the status page and metrics; every
// failure, of fetching or of parsing, is one log line naming the URL.
func (b *Bot) record(i int, now time.Time, res polled, err error) {
	f := b.cfg.Feeds[i]
	if b.deps.Observer != nil {
		b.deps.Observer.Polled(f.Name, err == nil && res.notModified, err, now)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.health[f.Name]
	if err != nil {
		h.LastError, h.LastErrorAt = err.Error(), now
		b.log.Error("feed failed", "feed", f.Name, "url", feeds.Redact(f.URL), "error", err)
	} else {
		h.LastOK, h.LastError = now, ""
		if res.items >= 0 {
			h.Items = res.items
		}
	}
	b.health[f.Name] = h
}

func (b *Bot) pollFeed(ctx context.Context, i int, now time.Time, write bool) (polled, error) {
	f := b.cfg.Feeds[i]
	st, err := b.deps.Store.Feed(ctx, f.Name)
	if err != nil {
		return polled{}, err
	}
	req := feeds.Request{URL: b.cfg.Source(f.URL), Timeout: f.Deadline, MaxBytes: f.Limit}
	b.mu.Lock()
	_, cached := b.calendars[f.Name]
	b.mu.Unlock()
	if write && (f.Kind == config.KindNews || cached || st.Body != nil) {
		req.ETag, req.LastModified = st.ETag, st.LastModified
	}
	resp, err := b.deps.Fetcher.Fetch(ctx, req)
	if err != nil {
		if f.Kind == config.KindEvents && !cached && st.Body != nil {
			b.keepCalendar(f.Name, st.Body) // plan from what was read last time
		}
		return polled{}, err
	}
	if resp.NotModified {
		if f.Kind == config.KindEvents && !cached && st.Body != nil {
			b.keepCalendar(f.Name, st.Body)
		}
		b.log.Debug("feed not modified", "feed", f.Name)
		return polled{items: -1, notModified: true}, nil
	}
	next := FeedState{Known: true, ETag: resp.ETag, LastModified: resp.LastModified, Fetched: now}
	if f.Kind == config.KindEvents {
		// Parse once now, so a broken calendar is reported at poll time
		// and never replaces the last good one.
		evs, err := b.deps.Parsers.Calendar(resp.Body, b.cfg.Location, now, now.AddDate(0, 0, 30))
		if err != nil {
			return polled{}, fmt.Errorf("parse calendar %s: %w", feeds.Redact(f.URL), err)
		}
		b.keepCalendar(f.Name, resp.Body)
		next.Body = resp.Body
		res := polled{items: len(evs)} // occurrences in the next 30 days
		if write {
			return res, b.deps.Store.SaveFeed(ctx, f.Name, next, nil, now)
		}
		return res, nil
	}
	base := resp.FinalURL
	if base == "" {
		base = f.URL
	}
	items, err := b.deps.Parsers.News(resp.Body, resp.ContentType, base)
	if err != nil {
		return polled{}, fmt.Errorf("parse feed %s: %w", feeds.Redact(f.URL), err)
	}
	ids := make([]string, len(items))
	for j, it := range items {
		ids[j] = it.ID
	}
	unseenIDs, err := b.deps.Store.Unseen(ctx, f.Name, ids)
	if err != nil {
		return polled{}, err
	}
	unseen := make(map[string]bool, len(unseenIDs))
	for _, id := range unseenIDs {
		unseen[id] = true
	}
	res := polled{drafts: b.planner.NewsDrafts(i, items, !st.Known, unseen, now), items: len(items)}
	if !write {
		return res, nil
	}
	// Into the outbox first, then marked seen: a crash between the two
	// re-reads the items and Enqueue keeps what is already there.
	if err := b.enqueue(ctx, res.drafts, now); err != nil {
		return polled{}, err
	}
	if len(res.drafts) > 0 {
		b.log.Info("new items", "feed", f.Name, "posts", len(res.drafts), "items", len(items))
	}
	return res, b.deps.Store.SaveFeed(ctx, f.Name, next, unseenIDs, now)
}

func (b *Bot) keepCalendar(name string, body []byte) {
	b.mu.Lock()
	b.calendars[name] = body
	b.mu.Unlock()
}

func (b *Bot) enqueue(ctx context.Context, drafts []Draft, now time.Time) error {
	if len(drafts) == 0 {
		return nil
	}
	for _, t := range b.deps.Targets {
		posts, errs := b.planner.Render(drafts, t.Name, t.Counter)
		for _, err := range errs {
			b.log.Error("cannot render post", "target", t.Name, "error", err)
		}
		if err := b.deps.Store.Enqueue(ctx, posts, now); err != nil {
			return fmt.Errorf("enqueue for %s: %w", t.Name, err)
		}
	}
	return nil
}

// Events returns every event that can have a reminder due before until:
// the config's and each calendar's, expanded around [now, until+lead].
func (b *Bot) Events(now, until time.Time) []Event {
	evs := b.planner.ConfigEvents()
	from, to := now.Add(-24*time.Hour), until.Add(b.planner.MaxLead())
	for i, f := range b.cfg.Feeds {
		if f.Kind != config.KindEvents {
			continue
		}
		b.mu.Lock()
		body := b.calendars[f.Name]
		b.mu.Unlock()
		if body == nil {
			continue
		}
		got, err := b.deps.Parsers.Calendar(body, b.cfg.Location, from, to)
		if err != nil {
			b.log.Error("calendar unreadable", "feed", f.Name, "error", err)
			continue
		}
		evs = append(evs, b.planner.CalendarEvents(i, got)...)
	}
	return evs
}

// sinceKey holds when this state first planned: nothing due before it is
// caught up.
const sinceKey = "bot:since"

// since returns when this state first planned; the first time, with
// record, it records now. Preview (record false) of an empty state plans
// from now on.
func (b *Bot) since(ctx context.Context, now time.Time, record bool) (time.Time, error) {
	v, ok, err := b.deps.Store.Get(ctx, sinceKey)
	if err != nil {
		return time.Time{}, err
	}
	if ok {
		t, err := time.Parse(time.RFC3339Nano, string(v))
		if err == nil {
			if t.After(now) {
				t = now // a preview of the past
			}
			return t, nil
		}
	}
	if record {
		if err := b.deps.Store.Put(ctx, sinceKey, []byte(now.UTC().Format(time.RFC3339Nano))); err != nil {
			return time.Time{}, err
		}
	}
	return now, nil
}

// lookahead is how far Plan looks past now, to find the next due time and
// to move pending posts whose event moved.
const lookahead = 36 * time.Hour

// Plan writes the reminders and announcements due at now into the outbox,
// updates pending ones (edited text, moved events), ends those no longer
// planned, and returns when the next one falls due (zero: none soon).
func (b *Bot) Plan(ctx context.Context, now time.Time) (time.Time, error) {
	since, err := b.since(ctx, now, true)
	if err != nil {
		return time.Time{}, err
	}
	drafts, dropped := b.planner.Plan(b.Events(now, now.Add(lookahead)), Window{Since: since, Now: now, Until: now.Add(lookahead)})
	planned := map[string]bool{}
	for _, d := range drafts {
		planned[d.Key] = true
	}
	var next time.Time
	var errs []error
	for _, t := range b.deps.Targets {
		open, err := b.deps.Store.Open(ctx, t.Name)
		if err != nil {
			return time.Time{}, err
		}
		isOpen := map[string]bool{}
		for _, o := range open {
			isOpen[o.Key] = true
			if o.Status != StatusPending || o.Kind == KindNews || planned[o.Key] {
				continue
			}
			reason, ok := dropped[o.Key]
			if !ok {
				reason = "no longer planned: its event or announcement was removed or changed"
			}
			if err := b.deliverer.finish(ctx, o, StatusSkipped, reason, now); err != nil {
				return time.Time{}, err
			}
		}
		var due []Draft
		for _, d := range drafts {
			if !d.Due.After(now) || isOpen[d.Key] {
				due = append(due, d)
			} else if next.IsZero() || d.Due.Before(next) {
				next = d.Due
			}
		}
		posts, rerrs := b.planner.Render(due, t.Name, t.Counter)
		for _, err := range rerrs {
			b.log.Error("cannot render post", "target", t.Name, "error", err)
		}
		if err := b.deps.Store.Enqueue(ctx, posts, now); err != nil {
			errs = append(errs, fmt.Errorf("enqueue for %s: %w", t.Name, err))
		}
	}
	if b.deps.Observer != nil {
		b.deps.Observer.NextDue(next)
	}
	return next, errors.Join(errs...)
}

// DeliverAll gives every target one delivery pass at now, concurrently, so
// that a slow platform holds back no other. It returns when a held-back
// post (quiet hours, min_gap, a retry) can next go out; zero: none waits.
func (b *Bot) DeliverAll(ctx context.Context, now func() time.Time) (time.Time, error) {
	var wg sync.WaitGroup
	errs := make([]error, len(b.deps.Targets))
	nexts := make([]time.Time, len(b.deps.Targets))
	for i, t := range b.deps.Targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nexts[i], errs[i] = b.deliverer.Deliver(ctx, t, now)
		}()
	}
	wg.Wait()
	var next time.Time
	for _, n := range nexts {
		if !n.IsZero() && (next.IsZero() || n.Before(next)) {
			next = n
		}
	}
	return next, errors.Join(errs...)
}

// Preview returns what would go out from now until then, per target, in
// the order and at the times delivery would send it. With fetch it reads
// the feeds for new items (without recording them); without it, it plans
// from what was read last. It writes nothing.
func (b *Bot) Preview(ctx context.Context, now, until time.Time, fetch bool) (map[string][]Scheduled, error) {
	var news []Draft
	if fetch {
		b.poll(ctx, now, false, func(d []Draft) { news = append(news, d...) })
	}
	since, err := b.since(ctx, now, false)
	if err != nil {
		return nil, err
	}
	drafts, _ := b.planner.Plan(b.Events(now, until), Window{Since: since, Now: now, Until: until})
	drafts = append(drafts, news...)
	out := map[string][]Scheduled{}
	for _, t := range b.deps.Targets {
		open, err := b.deps.Store.Open(ctx, t.Name)
		if err != nil {
			return nil, err
		}
		posts, errs := b.planner.Render(drafts, t.Name, t.Counter)
		for _, err := range errs {
			b.log.Error("cannot render post", "target", t.Name, "error", err)
		}
		byKey := map[string]int{}
		for i, p := range posts {
			byKey[p.Key] = i
		}
		for _, o := range open {
			if i, ok := byKey[o.Key]; ok {
				if o.NextAttempt.After(posts[i].Due) {
					posts[i].Due = o.NextAttempt
				}
				continue
			}
			p := o.Post
			if o.NextAttempt.After(p.Due) {
				p.Due = o.NextAttempt
			}
			posts = append(posts, p)
		}
		keys := make([]string, len(posts))
		for i, p := range posts {
			keys[i] = p.Key
		}
		ended, err := b.deps.Store.Ended(ctx, t.Name, keys)
		if err != nil {
			return nil, err
		}
		kept := posts[:0]
		for _, p := range posts {
			if !ended[p.Key] {
				kept = append(kept, p)
			}
		}
		sent, err := b.deps.Store.SentTimes(ctx, t.Name, now.AddDate(0, -1, -1))
		if err != nil {
			return nil, err
		}
		sched := t.Gate.Simulate(kept, sent, now)
		// In place: sched is ours, and a year of reminders is tens of
		// thousands of large structs to copy again.
		within := sched[:0]
		for _, s := range sched {
			if s.Due.Before(until) {
				within = append(within, s)
			}
		}
		if len(within) == 0 {
			within = nil // as before: nothing planned is nil
		}
		out[t.Name] = within
	}
	return out, nil
}
