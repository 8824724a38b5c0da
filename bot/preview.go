package bot

import (
	"context"
	"time"
)

// Preview returns what would go out from now until then, per target, in
// the order and at the times delivery would send it. With fetch it reads
// the feeds for new items (without recording them); without it, it plans
// from what was read last. It writes nothing.
func (b *Bot) Preview(ctx context.Context, now, until time.Time, fetch bool) (map[string][]Scheduled, error) {
	var news []Draft
	if fetch {
		b.poll(ctx, now, false, func(d []Draft) { news = append(news, d...) }, nil)
	} else {
		b.loadCalendars(ctx)
	}
	since, _, err := b.since(ctx, now, false)
	if err != nil {
		return nil, err
	}
	events := b.Events(now, until)
	drafts, _, _ := b.planner.Plan(events, Window{Since: since, Now: now, Until: until})
	drafts = append(drafts, news...)
	byKey := make(map[string]int, len(drafts))
	for i, d := range drafts {
		byKey[d.Key] = i
	}
	out := map[string][]Scheduled{}
	for _, t := range b.deps.Targets {
		open, err := b.deps.Store.Open(ctx, t.Name)
		if err != nil {
			return nil, err
		}
		notices, err := b.notices(ctx, t, events, now, until)
		if err != nil {
			return nil, err
		}
		mine := drafts
		if len(notices) > 0 {
			mine = append(notices, drafts...)
		}
		posts, errs := b.planner.renderFor(mine, t.Name, t.Counter)
		for _, err := range errs {
			b.log.Error("cannot render post", "target", t.Name, "error", err)
		}
		postOf := map[string]int{}
		for i, p := range posts {
			postOf[p.Key] = i
		}
		for _, o := range open {
			if i, ok := postOf[o.Key]; ok {
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
		gate := t.Gate
		if gate.Budget, err = gate.Budget.withSpent(ctx, b.deps.Store, t.Name, now, gate.Location); err != nil {
			return nil, err
		}
		sched := gate.Simulate(kept, sent, now)
		b.renderAsSent(sched, drafts, byKey, t)
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

// renderAsSent renders again, as of the time it will go out, each post that
// quiet time or pacing moves from its planned time, as delivery does at its
// first attempt: what preview shows is what is sent.
func (b *Bot) renderAsSent(sched []Scheduled, drafts []Draft, byKey map[string]int, t Target) {
	var moved []Draft
	var at []int
	for i, s := range sched {
		j, ok := byKey[s.Key]
		if !ok || s.Skipped != "" || s.Due.Equal(drafts[j].Due) {
			continue
		}
		moved = append(moved, sendingAt(drafts[j], s.Due, b.cfg.Location))
		at = append(at, i)
	}
	if len(moved) == 0 {
		return
	}
	posts, errs := b.planner.renderFor(moved, t.Name, t.Counter)
	if len(errs) > 0 || len(posts) != len(moved) {
		return // as planned; Render's errors were logged with the first rendering
	}
	for k, i := range at {
		sched[i].Text = posts[k].Text
	}
}
