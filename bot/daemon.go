package bot

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Clock is the time the core runs on: the system's in cmd, a fake one in
// tests (clockwork's real and fake clocks both fit).
type Clock interface {
	Now() time.Time
	After(d time.Duration) <-chan time.Time
}

// Step does, at now, one round of what the daemon does, in order: a poll
// when the poll schedule says so (the first step always polls), a plan,
// and one delivery pass on every target. It returns when there is next
// something to do. `run --once` is one Step, and tests drive the daemon
// with Step on a fake clock. Deliveries read the clock as they send.
func (b *Bot) Step(ctx context.Context, now time.Time) time.Time {
	if b.nextPoll.IsZero() || !now.Before(b.nextPoll) {
		b.Poll(ctx, now)
		b.nextPoll = b.cfg.Poll.Next(now)
	}
	nextDue, err := b.Plan(ctx, now)
	if err != nil && ctx.Err() == nil {
		b.log.Error("plan failed", "error", b.deps.Redact(err.Error()))
	}
	nextSend, err := b.DeliverAll(ctx)
	if err != nil && ctx.Err() == nil {
		b.log.Error("delivery failed", "error", b.deps.Redact(err.Error()))
	}
	return earliest(now.Add(lookahead/3), b.nextPoll, nextDue, nextSend)
}

// earliest returns the earliest of ts that is not zero.
func earliest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if !t.IsZero() && (out.IsZero() || t.Before(out)) {
			out = t
		}
	}
	return out
}

// Run is the daemon for one configuration, until ctx ends: the parts of a
// Step, each on its own loop so that none holds back another. The poller
// reads the feeds on the poll schedule (each feed holding only itself);
// the planner plans whenever a post falls due, when a feed brought
// something (or, on a replica that does not poll, when the poll leader
// brought new calendars), and at least every lookahead/3; one delivery worker per
// target sends (a slow platform holds back no other). In-flight requests
// finish (bounded by the target's timeout) before Run returns.
func (b *Bot) Run(ctx context.Context) error {
	clock := b.deps.Clock
	b.loadCalendars(ctx)
	plan := make(chan struct{}, 1)
	wake := make([]chan struct{}, len(b.deps.Targets))
	var wg sync.WaitGroup
	for i, t := range b.deps.Targets {
		wake[i] = make(chan struct{}, 1)
		wg.Go(func() { b.worker(ctx, t, wake[i]) })
	}
	wg.Go(func() {
		for {
			next := b.pollTurn(ctx, clock.Now(), plan)
			if !sleepUntil(ctx, clock, next, nil) {
				return
			}
		}
	})
	for {
		now := clock.Now()
		next, err := b.Plan(ctx, now)
		if err != nil && ctx.Err() == nil {
			b.log.Error("plan failed", "error", b.deps.Redact(err.Error()))
			// The state may be back in a moment (a database restarting):
			// what falls due meanwhile must not wait for the next wake.
			next = earliest(next, now.Add(max(b.cfg.Retry.Initial, time.Second)))
		}
		for _, w := range wake {
			signal(w)
		}
		// Plan looks lookahead ahead; waking at least twice in that span
		// keeps a rare poll schedule from hiding a due post.
		if !sleepUntil(ctx, clock, earliest(now.Add(lookahead/3), next), plan) {
			break
		}
	}
	wg.Wait()
	return nil
}

// worker delivers one target's posts whenever they are due, or when woken
// because new posts may be waiting.
func (b *Bot) worker(ctx context.Context, t Target, wake <-chan struct{}) {
	var failing time.Time // since when passes fail; zero: they do not
	var said time.Time    // when that was last logged
	for {
		next, err := b.deliverer.Deliver(ctx, t)
		now := b.deps.Clock.Now()
		switch {
		case err != nil && ctx.Err() == nil:
			// Logged when it starts, then once a minute: a state that is
			// away for a while (a database restarting) fails every pass.
			if failing.IsZero() {
				failing = now
			}
			if now.Sub(said) >= time.Minute {
				b.log.Error("delivery failed", "target", t.Name, "error", b.deps.Redact(err.Error()), "failing_since", failing.Format(time.RFC3339))
				said = now
			}
			next = now.Add(max(b.cfg.Retry.Initial, time.Second)) // the store is in trouble: look again soon
		case err == nil && !failing.IsZero():
			b.log.Info("delivery works again", "target", t.Name, "failed_for", now.Sub(failing).Round(time.Second).String())
			failing, said = time.Time{}, time.Time{}
		}
		if !sleepUntil(ctx, b.deps.Clock, next, wake) {
			return
		}
	}
}

// signal wakes whoever waits on c, once, without blocking.
func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// sleepUntil waits until the clock reaches t (zero: forever), wake fires
// or ctx ends; it reports whether to go on. A timer, not a ticker: an idle
// daemon does nothing until it is needed.
func sleepUntil(ctx context.Context, clock Clock, t time.Time, wake <-chan struct{}) bool {
	var timer <-chan time.Time
	if !t.IsZero() {
		d := t.Sub(clock.Now())
		if d <= 0 {
			return ctx.Err() == nil
		}
		timer = clock.After(d)
	}
	select {
	case <-ctx.Done():
		return false
	case <-wake:
	case <-timer:
	}
	return ctx.Err() == nil
}

// DeliverAll gives every target one delivery pass, concurrently, so that a
// slow platform holds back no other. It returns when a held-back post
// (quiet hours, min_gap, a retry) can next go out; zero: none waits.
func (b *Bot) DeliverAll(ctx context.Context) (time.Time, error) {
	var wg sync.WaitGroup
	errs := make([]error, len(b.deps.Targets))
	nexts := make([]time.Time, len(b.deps.Targets))
	for i, t := range b.deps.Targets {
		wg.Go(func() { nexts[i], errs[i] = b.deliverer.Deliver(ctx, t) })
	}
	wg.Wait()
	return earliest(nexts...), errors.Join(errs...)
}

// Flooded lists the targets whose max_per_hour valve holds posts now.
func (b *Bot) Flooded() []string { return b.deliverer.Flooded() }
