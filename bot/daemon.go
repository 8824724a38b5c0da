package bot

import (
	"context"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/config"
)

// Run is the daemon for one configuration: it polls on the cron schedule,
// plans whenever a post falls due (not only at polls), and runs one
// delivery worker per target, until ctx ends. In-flight requests finish
// (bounded by the target's timeout) before Run returns.
func (b *Bot) Run(ctx context.Context, now func() time.Time) error {
	poll, err := config.ParseCron(b.cfg.Schedule.Poll, b.cfg.Location)
	if err != nil {
		return err
	}
	wake := make([]chan struct{}, len(b.deps.Targets))
	var wg sync.WaitGroup
	for i, t := range b.deps.Targets {
		wake[i] = make(chan struct{}, 1)
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.worker(ctx, t, wake[i], now)
		}()
	}
	defer wg.Wait()
	nudge := func() {
		for _, w := range wake {
			select {
			case w <- struct{}{}:
			default:
			}
		}
	}

	b.Poll(ctx, now())
	nextPoll := poll.Next(now())
	for {
		nextDue, err := b.Plan(ctx, now())
		if err != nil {
			b.log.Error("plan failed", "error", err)
		}
		nudge()
		// Plan looks lookahead ahead; waking at least twice in that span
		// keeps a rare poll schedule from hiding a due post.
		at := now().Add(lookahead / 3)
		if nextPoll.Before(at) {
			at = nextPoll
		}
		if !nextDue.IsZero() && nextDue.Before(at) {
			at = nextDue
		}
		if wait := at.Sub(now()); wait > 0 {
			if !sleep(ctx, wait) {
				return nil
			}
		} else if ctx.Err() != nil {
			return nil
		}
		if t := now(); !t.Before(nextPoll) {
			b.Poll(ctx, t)
			nextPoll = poll.Next(t)
		}
	}
}

// worker delivers one target's posts whenever they are due, or when woken
// because new posts may be waiting.
func (b *Bot) worker(ctx context.Context, t Target, wake <-chan struct{}, now func() time.Time) {
	for {
		next, err := b.deliverer.Deliver(ctx, t, now)
		if err != nil {
			b.log.Error("delivery failed", "target", t.Name, "error", err)
			next = now().Add(b.cfg.Schedule.RetryFirst) // the store is in trouble: look again soon
		}
		var timer <-chan time.Time
		var tm *time.Timer
		if !next.IsZero() {
			tm = time.NewTimer(next.Sub(now()) + time.Millisecond)
			timer = tm.C
		}
		select {
		case <-ctx.Done():
		case <-wake:
		case <-timer:
		}
		if tm != nil {
			tm.Stop()
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// sleep waits for d or until ctx ends; it reports whether d passed. A timer,
// not a ticker: an idle daemon does nothing until it is needed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
