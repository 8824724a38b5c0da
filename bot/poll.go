package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/feeds"
)

// FeedHealth is how a feed's last polls went.
type FeedHealth struct {
	Name, URL   string
	Kind        FeedKind
	LastOK      time.Time
	LastError   string
	LastErrorAt time.Time
	Items       int      // items in a news feed; a calendar's occurrences in the next 30 days
	Warnings    []string // what the parser fixed or dropped in the last good read
}

// Health returns each feed's health, in config order.
func (b *Bot) Health() []FeedHealth {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]FeedHealth, 0, len(b.cfg.Feeds))
	for _, f := range b.cfg.Feeds {
		h := b.health[f.Name]
		h.Name, h.URL, h.Kind = f.Name, b.deps.Redact(feeds.Redact(f.URL)), f.Kind
		out = append(out, h)
	}
	return out
}

// Poll fetches every feed, at most Concurrency at once, and returns when
// all are done. New news items go into the outbox as each feed arrives;
// calendars are kept for planning. A feed that fails is logged and
// skipped: it never stops the others. Of replicas sharing a state, only the
// poll leader polls; on the others Poll does nothing.
func (b *Bot) Poll(ctx context.Context, now time.Time) {
	if !b.lead(ctx) {
		return
	}
	b.poll(ctx, now, true, nil, nil)
	if b.shared() && ctx.Err() == nil {
		if err := b.putMoment(ctx, polledKey, now); err != nil {
			b.log.Error("cannot record the poll", "error", b.deps.Redact(err.Error()))
		}
	}
}

// poll reads every feed; with write it records what it saw and enqueues new
// news, else it only collects the news drafts (for preview). done, when
// set, is called after each feed that changed.
func (b *Bot) poll(ctx context.Context, now time.Time, write bool, collect func([]Draft), done func()) {
	sem := make(chan struct{}, b.cfg.Concurrency)
	var wg sync.WaitGroup
	var mu sync.Mutex
	for _, f := range b.cfg.Feeds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			end := b.watch.begin("poll "+f.Name, b.deps.Clock.Now())
			res, err := b.pollFeed(ctx, f, now, write)
			end()
			b.record(f, now, res, err)
			if collect != nil && len(res.drafts) > 0 {
				mu.Lock()
				collect(res.drafts)
				mu.Unlock()
			}
			if done != nil && err == nil && !res.notModified {
				done()
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
	warnings    []error
}

// record keeps a feed's health for the status page and metrics; every
// failure, of fetching or of parsing, is one log line naming the URL, and
// each new set of parse warnings is logged once.
func (b *Bot) record(f Feed, now time.Time, res polled, err error) {
	if b.deps.Observer != nil {
		b.deps.Observer.Polled(f.Name, err == nil && res.notModified, err, now)
	}
	url := b.deps.Redact(feeds.Redact(f.URL))
	b.mu.Lock()
	defer b.mu.Unlock()
	h := b.health[f.Name]
	switch {
	case err != nil && errors.Is(err, context.Canceled):
		return // shutting down or reloading: not the feed's fault
	case err != nil:
		h.LastError, h.LastErrorAt = b.deps.Redact(err.Error()), now
		b.log.Error("feed failed", "feed", f.Name, "url", url, "error", h.LastError)
	default:
		h.LastOK, h.LastError = now, ""
		if res.items >= 0 {
			h.Items = res.items
			h.Warnings = h.Warnings[:0:0]
			for _, w := range res.warnings {
				h.Warnings = append(h.Warnings, b.deps.Redact(w.Error()))
			}
			if all := strings.Join(h.Warnings, "\n"); all != b.warned[f.Name] {
				b.warned[f.Name] = all
				for _, w := range h.Warnings {
					b.log.Warn("feed warning", "feed", f.Name, "url", url, "warning", w)
				}
				if b.deps.Observer != nil {
					b.deps.Observer.Warned(f.Name, len(h.Warnings))
				}
			}
		}
	}
	b.health[f.Name] = h
}

// calendarSpan is how far ahead a poll expands a calendar to check it
// and count its occurrences.
const calendarSpan = 30 * 24 * time.Hour

func (b *Bot) pollFeed(ctx context.Context, f Feed, now time.Time, write bool) (polled, error) {
	st, err := b.deps.Store.Feed(ctx, f.Name)
	if err != nil {
		return polled{}, err
	}
	req := feeds.Request{URL: f.Source, Timeout: f.Timeout, MaxBytes: f.MaxBytes, AllowPrivate: f.AllowPrivate}
	b.mu.Lock()
	_, cached := b.calendars[f.Name]
	b.mu.Unlock()
	if write && (f.Kind == FeedNews || cached || st.Body != nil) {
		req.ETag, req.LastModified = st.ETag, st.LastModified
	}
	if f.Kind == FeedEvents && !cached && st.Body != nil {
		// Plan from what was read last time while this read runs, and if it
		// fails or says "not modified".
		b.keepCalendar(f.Name, st.Body)
	}
	resp, err := b.deps.Fetcher.Fetch(ctx, req)
	if err != nil {
		return polled{}, err
	}
	if resp.NotModified {
		b.log.Debug("feed not modified", "feed", f.Name)
		return polled{items: -1, notModified: true}, nil
	}
	next := FeedState{Known: true, ETag: resp.ETag, LastModified: resp.LastModified, Fetched: now}
	if f.Kind == FeedEvents {
		// Parse once now, so a broken calendar is reported at poll time
		// and never replaces the last good one.
		evs, warnings, err := b.deps.Parsers.Calendar(resp.Body, b.cfg.Location, now, now.Add(calendarSpan))
		if err != nil {
			return polled{}, fmt.Errorf("parse calendar %s: %w", feeds.Redact(f.URL), err)
		}
		b.keepCalendar(f.Name, resp.Body)
		next.Body = resp.Body
		res := polled{items: len(evs), warnings: warnings}
		if write {
			return res, b.deps.Store.SaveFeed(ctx, f.Name, next, nil, now)
		}
		return res, nil
	}
	base := resp.FinalURL
	if base == "" {
		base = f.URL
	}
	items, warnings, err := b.deps.Parsers.News(resp.Body, resp.ContentType, base, now)
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
	drafts, rekeyed := b.planner.NewsDrafts(f, items, !st.Known, unseen, now)
	if rekeyed {
		warnings = append(warnings, fmt.Errorf("%d new items at once: taken as a feed whose ids all changed; marked seen, %d newest posted (backfill)", len(unseenIDs), len(drafts)))
	}
	var folded []Draft // the items a digest lists instead
	if d, ok := b.planner.NewsDigest(f, drafts, now); ok {
		folded, drafts = drafts, []Draft{d}
	}
	res := polled{drafts: drafts, items: len(items), warnings: warnings}
	if !write {
		return res, nil
	}
	// Into the outbox first, then marked seen: a crash between the two
	// re-reads the items and Enqueue keeps what is already there.
	if err := b.enqueue(ctx, res.drafts, now); err != nil {
		return polled{}, err
	}
	if len(folded) > 0 {
		if err := b.recordInDigest(ctx, drafts[0], folded, now); err != nil {
			return polled{}, err
		}
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

// loadCalendars takes each calendar as it was last read from the state,
// so that reminders of known events are planned before (and while) the
// first poll runs.
func (b *Bot) loadCalendars(ctx context.Context) {
	for _, f := range b.cfg.Feeds {
		if f.Kind != FeedEvents {
			continue
		}
		b.mu.Lock()
		_, cached := b.calendars[f.Name]
		b.mu.Unlock()
		if cached {
			continue
		}
		st, err := b.deps.Store.Feed(ctx, f.Name)
		if err != nil {
			b.log.Error("cannot read the last calendar", "feed", f.Name, "error", err)
			continue
		}
		if st.Body != nil {
			b.keepCalendar(f.Name, st.Body)
		}
	}
}

func (b *Bot) enqueue(ctx context.Context, drafts []Draft, now time.Time) error {
	if len(drafts) == 0 {
		return nil
	}
	for _, t := range b.deps.Targets {
		posts, errs := b.planner.renderFor(drafts, t.Name, t.Counter)
		for _, err := range errs {
			b.log.Error("cannot render post", "target", t.Name, "error", err)
		}
		if err := b.deps.Store.Enqueue(ctx, posts, now); err != nil {
			return fmt.Errorf("enqueue for %s: %w", t.Name, err)
		}
	}
	return nil
}
