package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// Target is one account posts go to, with its pacing.
type Target struct {
	Name    string
	Type    string
	Poster  Poster
	Counter Counter
	Gate    Gate
	Timeout time.Duration // one request; 0: 30s
}

// Retry is the backoff policy for retryable failures.
type Retry struct {
	Initial, Max, GiveUp time.Duration
	// Jitter returns a factor in [0.8, 1.2); nil uses math/rand.
	Jitter func() float64
}

// Delay is the wait before attempt n+1 after n failed attempts.
func (r Retry) Delay(n int) time.Duration {
	d := r.Initial
	for i := 1; i < n && d < r.Max; i++ {
		d *= 2
	}
	if d > r.Max {
		d = r.Max
	}
	j := 0.8 + 0.4*rand.Float64()
	if r.Jitter != nil {
		j = r.Jitter()
	}
	return time.Duration(float64(d) * j)
}

// Deliverer sends a target's due posts from the outbox.
type Deliverer struct {
	Store    Store
	Retry    Retry
	Logger   *slog.Logger
	Observer Observer

	mu   sync.Mutex
	held map[string]time.Time // target → no request before this: the platform's rate-limit reset
}

// hold keeps every post of target back until t (a 429's reset: the limit is
// the account's, so another post would only be refused too).
func (d *Deliverer) hold(target string, t time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.held == nil {
		d.held = map[string]time.Time{}
	}
	if t.After(d.held[target]) {
		d.held[target] = t
	}
}

func (d *Deliverer) heldUntil(target string) time.Time {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.held[target]
}

// Deliver sends what target may send at now, one post at a time in rank
// order, and returns when it should be called again (zero: nothing waits).
// It stops early, leaving the rest for later, when ctx ends.
func (d *Deliverer) Deliver(ctx context.Context, t Target, now func() time.Time) (time.Time, error) {
	for {
		if ctx.Err() != nil {
			return time.Time{}, nil
		}
		at := now()
		open, err := d.Store.Open(ctx, t.Name)
		if err != nil {
			return time.Time{}, fmt.Errorf("deliver to %s: %w", t.Name, err)
		}
		sent, err := d.Store.SentTimes(ctx, t.Name, at.AddDate(0, -1, -1))
		if err != nil {
			return time.Time{}, fmt.Errorf("deliver to %s: %w", t.Name, err)
		}
		next, pick, err := d.choose(ctx, t, open, sent, at)
		if err != nil || pick == nil {
			return next, err
		}
		if err := d.send(ctx, t, *pick, at, now); err != nil {
			return time.Time{}, err
		}
	}
}

// choose ends what can no longer go out and picks the next post to send
// now, or says when to look again.
func (d *Deliverer) choose(ctx context.Context, t Target, open []Delivery, sent []time.Time, at time.Time) (time.Time, *Delivery, error) {
	var ready []Delivery
	var next time.Time
	later := func(x time.Time) {
		if next.IsZero() || x.Before(next) {
			next = x
		}
	}
	for _, o := range open {
		if o.Status == StatusSending {
			// A crash or shutdown interrupted this attempt: its outcome is
			// unknown, so it is re-sent at once under the same idempotency
			// key, whatever the gate says (the gate let it through before).
			return time.Time{}, &o, nil
		}
		if !o.FirstTry.IsZero() && d.Retry.GiveUp > 0 && at.Sub(o.FirstTry) >= d.Retry.GiveUp {
			if err := d.finish(ctx, o, StatusFailed, fmt.Sprintf("gave up after %s: %s", d.Retry.GiveUp, o.Reason), at); err != nil {
				return time.Time{}, nil, err
			}
			continue
		}
		if !o.Expires.IsZero() && !at.Before(o.Expires) {
			if err := d.finish(ctx, o, StatusSkipped, expiredReason(o.Kind), at); err != nil {
				return time.Time{}, nil, err
			}
			continue
		}
		wait := o.Due
		if o.NextAttempt.After(wait) {
			wait = o.NextAttempt
		}
		if wait.After(at) {
			later(wait)
			continue
		}
		ready = append(ready, o)
	}
	if len(ready) == 0 {
		return next, nil, nil
	}
	if until := d.heldUntil(t.Name); until.After(at) {
		later(until)
		return next, nil, nil
	}
	if slot := t.Gate.Next(at, sent); slot.After(at) {
		later(slot)
		return next, nil, nil
	}
	sort.Slice(ready, func(i, j int) bool { return less(ready[i].Post, ready[j].Post) })
	return time.Time{}, &ready[0], nil
}

func (d *Deliverer) finish(ctx context.Context, o Delivery, st Status, reason string, at time.Time) error {
	if err := d.Store.Finish(ctx, o.Key, o.Target, st, reason, at); err != nil {
		return err
	}
	level := slog.LevelInfo
	if st == StatusFailed {
		level = slog.LevelError
	}
	d.Logger.Log(ctx, level, "post "+string(st), "key", o.Key, "target", o.Target, "kind", o.Kind, "reason", reason)
	if d.Observer != nil {
		d.Observer.Finished(o.Target, o.Kind, st)
	}
	return nil
}

// send makes one attempt. "sending" is on disk before the request leaves,
// "sent" only after the platform accepted it.
func (d *Deliverer) send(ctx context.Context, t Target, o Delivery, at time.Time, now func() time.Time) error {
	claimed, err := d.Store.MarkSending(ctx, o.Key, o.Target, at)
	if err != nil || !claimed {
		return err
	}
	if o.FirstTry.IsZero() {
		o.FirstTry = at
	}
	o.Attempts++
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	// The request outlives a shutdown signal by up to its timeout, so that
	// what was sent is recorded as sent; the store writes after it must not
	// be cancelled either.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	receipt, err := t.Poster.Post(rctx, o.Post)
	cancel()
	wctx := context.WithoutCancel(ctx)
	done := now()
	if err == nil || errors.Is(err, ErrAlreadySent) {
		if err != nil {
			d.Logger.Info("platform says the post exists already: recorded as sent", "key", o.Key, "target", o.Target)
		}
		if err := d.Store.MarkSent(wctx, o.Key, o.Target, receipt, done); err != nil {
			return err
		}
		d.Logger.Info("post sent", "key", o.Key, "target", o.Target, "kind", o.Kind, "url", receipt.URL, "attempt", o.Attempts)
		if d.Observer != nil {
			d.Observer.Finished(o.Target, o.Kind, StatusSent)
		}
		return nil
	}
	reason := err.Error()
	var de *DeliveryError
	if errors.As(err, &de) && de.Permanent {
		return d.finish(wctx, o, StatusFailed, reason, done)
	}
	retryAt := done.Add(d.Retry.Delay(o.Attempts))
	if de != nil && !de.RetryAt.IsZero() {
		retryAt = de.RetryAt
		d.hold(t.Name, retryAt)
	}
	if d.Retry.GiveUp > 0 && retryAt.Sub(o.FirstTry) >= d.Retry.GiveUp {
		return d.finish(wctx, o, StatusFailed, fmt.Sprintf("gave up after %s: %s", d.Retry.GiveUp, reason), done)
	}
	d.Logger.Warn("post failed, will retry", "key", o.Key, "target", o.Target, "attempt", o.Attempts, "retry_at", retryAt.Format(time.RFC3339), "error", reason)
	return d.Store.MarkRetry(wctx, o.Key, o.Target, retryAt, reason, done)
}
