package bot

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Keys of the core's own values in the state.
const (
	// sinceKey holds when this state first planned: nothing due before it
	// is caught up.
	sinceKey = "bot:since"
	// plannedKey holds when the last plan ran: what fell due after it and
	// can no longer go out was missed, and is recorded so.
	plannedKey = "bot:planned"
)

// since returns from when this state catches up: from late_grace before
// its first plan. The first time, with record, it records that, and first
// is true; preview (record false) of an empty state plans as that first
// run would.
func (b *Bot) since(ctx context.Context, now time.Time, record bool) (since time.Time, first bool, err error) {
	t, ok, err := b.moment(ctx, sinceKey)
	if err != nil {
		return time.Time{}, false, err
	}
	if ok {
		if t.After(now) {
			t = now // a preview of the past
		}
		return t, false, nil
	}
	t = now.Add(-b.cfg.LateGrace)
	if !record {
		return t, false, nil
	}
	if err := b.putMoment(ctx, sinceKey, t); err != nil {
		return time.Time{}, false, err
	}
	return t, true, nil
}

// firstRunLookback is how far before a new state's first run lumobot looks
// for what it will not post, so as to record it: a week of what staff may
// have planned before they started it.
const firstRunLookback = 7 * 24 * time.Hour

func (b *Bot) moment(ctx context.Context, key string) (time.Time, bool, error) {
	v, ok, err := b.deps.Store.Get(ctx, key)
	if err != nil || !ok {
		return time.Time{}, false, err
	}
	t, err := time.Parse(time.RFC3339Nano, string(v))
	if err != nil {
		return time.Time{}, false, nil // unreadable: as if never recorded
	}
	return t, true, nil
}

func (b *Bot) putMoment(ctx context.Context, key string, t time.Time) error {
	return b.deps.Store.Put(ctx, key, []byte(t.UTC().Format(time.RFC3339Nano)))
}

// lookahead is how far Plan looks past now, to find the next due time and
// to move pending posts whose event moved.
const lookahead = 36 * time.Hour

// Plan writes the reminders and announcements due at now into the outbox,
// updates pending ones (edited text, moved events), ends those no longer
// planned, records what fell due while nothing planned and can no longer
// go out, and returns when the next one falls due (zero: none soon).
func (b *Bot) Plan(ctx context.Context, now time.Time) (time.Time, error) {
	defer b.watch.begin("plan", b.deps.Clock.Now())()
	since, first, err := b.since(ctx, now, true)
	if err != nil {
		return time.Time{}, err
	}
	last, _, err := b.moment(ctx, plannedKey)
	if err != nil {
		return time.Time{}, err
	}
	if last.After(now) {
		last = time.Time{} // the clock went back: nothing to tell
	}
	w := Window{Since: since, Last: last, Now: now, Until: now.Add(lookahead)}
	if first {
		// A new state posts what fell due within late_grace before its
		// first run; what is older is recorded, not posted and not lost.
		w.Since = now.Add(-firstRunLookback)
		w.Last = w.Since.Add(-time.Nanosecond)
	}
	events := b.Events(now, now.Add(lookahead))
	drafts, dropped, missed := b.planner.Plan(events, w)
	if first {
		missed = firstRun(drafts[:0:0], &drafts, missed, since)
	}
	planned := map[string]bool{}
	for _, d := range drafts {
		planned[d.Key] = true
	}
	var next time.Time
	var errs []error
	for _, t := range b.deps.Targets {
		notices, err := b.notices(ctx, t, events, now, now.Add(lookahead))
		if err != nil {
			return time.Time{}, err
		}
		noticed := map[string]bool{}
		for _, d := range notices {
			noticed[d.Key] = true
		}
		open, err := b.deps.Store.Open(ctx, t.Name)
		if err != nil {
			return time.Time{}, err
		}
		isOpen := map[string]bool{}
		for _, o := range open {
			isOpen[o.Key] = true
			if o.Status != StatusPending || o.Kind == KindNews || planned[o.Key] || noticed[o.Key] {
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
		if err := b.recordMissed(ctx, t, missed, isOpen, now); err != nil {
			errs = append(errs, err)
		}
		sent, err := b.deps.Store.SentTimes(ctx, t.Name, now.AddDate(0, -1, -1))
		if err != nil {
			return time.Time{}, err
		}
		var due []Draft
		for _, d := range append(notices, drafts...) {
			if !d.forTarget(t.Name) {
				continue
			}
			if !d.Due.After(now) || isOpen[d.Key] {
				// Rendered as of when it will go out (quiet time, pacing), so
				// that "huomenna" is counted from the right day.
				due = append(due, sendingAt(d, t.Gate.Next(later(d.Due, now), sent), b.cfg.Location))
			} else if next.IsZero() || d.Due.Before(next) {
				next = d.Due
			}
		}
		posts, rerrs := b.planner.renderFor(due, t.Name, t.Counter)
		for _, err := range rerrs {
			b.log.Error("cannot render post", "target", t.Name, "error", err)
		}
		if err := b.deps.Store.Enqueue(ctx, posts, now); err != nil {
			errs = append(errs, fmt.Errorf("enqueue for %s: %w", t.Name, err))
		}
	}
	b.mu.Lock()
	b.planned = make(map[string]Draft, len(drafts))
	for _, d := range drafts {
		b.planned[d.Key] = d
	}
	b.mu.Unlock()
	if len(errs) == 0 {
		if err := b.putMoment(ctx, plannedKey, now); err != nil {
			errs = append(errs, err)
		}
	}
	if b.deps.Observer != nil {
		b.deps.Observer.NextDue(next)
	}
	return next, errors.Join(errs...)
}

// recordMissed writes what fell due while nothing planned (lumobot was
// down) and can no longer go out as skipped deliveries, with the reason,
// each logged once: nothing vanishes without a trace.
func (b *Bot) recordMissed(ctx context.Context, t Target, missed []Missed, isOpen map[string]bool, now time.Time) error {
	if len(missed) == 0 {
		return nil
	}
	keys := make([]string, 0, len(missed))
	for _, m := range missed {
		keys = append(keys, m.Key)
	}
	ended, err := b.deps.Store.Ended(ctx, t.Name, keys)
	if err != nil {
		return err
	}
	var todo []Missed
	var drafts []Draft
	for _, m := range missed {
		if !isOpen[m.Key] && !ended[m.Key] && m.forTarget(t.Name) {
			todo = append(todo, m)
			drafts = append(drafts, m.Draft)
		}
	}
	if len(todo) == 0 {
		return nil
	}
	posts := make([]Post, len(todo))
	for i, m := range todo {
		// The text as it would have been, where it can be rendered, so that
		// the record says what did not go out.
		posts[i] = Post{Key: m.Key, Kind: m.Kind, Target: t.Name, Due: m.Due, Text: "(" + m.Key + ")", Link: m.Link, Lang: b.cfg.Language, Expires: m.Expires, Order: m.Order}
	}
	if rendered, errs := b.planner.renderFor(drafts, t.Name, t.Counter); len(errs) == 0 && len(rendered) == len(posts) {
		posts = rendered
	}
	if err := b.deps.Store.Enqueue(ctx, posts, now); err != nil {
		return fmt.Errorf("record missed posts for %s: %w", t.Name, err)
	}
	for i, m := range todo {
		d := Delivery{Post: posts[i]}
		reason := m.Reason
		if !m.beforeFirstRun {
			reason = "missed while lumobot was not running: " + reason
		}
		if err := b.deliverer.finish(ctx, d, StatusSkipped, reason, now); err != nil {
			return err
		}
	}
	return nil
}

// firstRun splits a new state's first plan: drafts due before since (late
// grace before the first run) are not posted but recorded, as missed
// "before this state's first run"; so is what was missed in the lookback.
func firstRun(kept []Draft, drafts *[]Draft, missed []Missed, since time.Time) []Missed {
	out := missed[:0:0]
	for _, m := range missed {
		if m.Due.Before(since) {
			m.Reason, m.beforeFirstRun = "before this state's first run", true
		}
		out = append(out, m)
	}
	for _, d := range *drafts {
		if d.Due.Before(since) {
			out = append(out, Missed{Draft: d, Reason: "before this state's first run", beforeFirstRun: true})
			continue
		}
		kept = append(kept, d)
	}
	*drafts = kept
	return out
}

// later returns the later of a and b.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// rerender renders a delivery's post again as of at, the moment its first
// attempt is made, from what the last plan knows of it: a post held past
// midnight by pacing says "tänään", not "huomenna". ok is false when the
// plan does not know it (news, or before the first plan).
func (b *Bot) rerender(t Target, o Delivery, at time.Time) (string, bool) {
	b.mu.Lock()
	d, ok := b.planned[o.Key]
	if !ok {
		d, ok = b.noticed[deliveryID(o.Key, t.Name)]
	}
	b.mu.Unlock()
	if !ok {
		return "", false
	}
	posts, errs := b.planner.renderFor([]Draft{sendingAt(d, at, b.cfg.Location)}, t.Name, t.Counter)
	if len(errs) > 0 || len(posts) != 1 {
		return "", false
	}
	return posts[0].Text, true
}
