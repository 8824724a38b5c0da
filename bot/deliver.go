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
	// TextOnly posts the text alone when an image cannot go (see
	// Post.TextOnly).
	TextOnly bool
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

// recordChecker is a store that can tell, before a send, whether it will
// be able to record the result (free space, a test write).
type recordChecker interface {
	CanRecord(ctx context.Context) error
}

// Deliverer sends a target's due posts from the outbox.
type Deliverer struct {
	Store    Outbox
	Retry    Retry
	Clock    Clock
	Logger   *slog.Logger
	Observer Observer
	Redact   func(string) string // nil: none
	// Paused holds every send; what waits is still ended when it expires.
	Paused bool
	// Rerender, when set, renders a post again as of the moment of its
	// first attempt (relative days count from then); ok false keeps the
	// text as planned.
	Rerender func(t Target, o Delivery, at time.Time) (text string, ok bool)
	// Sent, when set, is told of each delivery recorded sent.
	Sent func(ctx context.Context, t Target, o Delivery, at time.Time)
	// Locks, when set, make a target's delivery pass one replica's at a
	// time, and its 429 holds shared through the store's values (see
	// cluster.go); nil: this process is the only one.
	Locks Locks
	watch *watchdog

	mu       sync.Mutex
	held     map[string]time.Time // target → no request before this: the platform's rate-limit reset
	receipts map[string]Receipt   // key→target sent, but not yet recorded: never sent again
	refused  map[string]bool      // key→target whose last attempt the platform refused outright
	flooded  map[string]bool      // target → held by its max_per_hour valve, said once
	problem  error                // why the state cannot record now
}

func deliveryID(key, target string) string { return key + "\x00" + target }

// hold keeps every post of target back until t (a 429's reset: the limit is
// the account's, so another post would only be refused too). Replicas
// share it through the store: the pass that learnt it holds the target's
// lock, so reading and writing it is no race.
func (d *Deliverer) hold(ctx context.Context, target string, t time.Time) {
	d.mu.Lock()
	if d.held == nil {
		d.held = map[string]time.Time{}
	}
	if t.After(d.held[target]) {
		d.held[target] = t
	}
	d.mu.Unlock()
	kv, ok := d.Store.(KV)
	if d.Locks == nil || !ok {
		return
	}
	if shared := d.sharedHold(ctx, kv, target); !t.After(shared) {
		return
	}
	if err := kv.Put(ctx, heldKey(target), []byte(t.UTC().Format(time.RFC3339Nano))); err != nil {
		d.Logger.Error("cannot share the rate-limit hold with the other replicas", "target", target, "until", t.Format(time.RFC3339), "error", d.redact(err.Error()))
	}
}

func (d *Deliverer) heldUntil(ctx context.Context, target string) time.Time {
	d.mu.Lock()
	until := d.held[target]
	d.mu.Unlock()
	if kv, ok := d.Store.(KV); ok && d.Locks != nil {
		if shared := d.sharedHold(ctx, kv, target); shared.After(until) {
			until = shared
		}
	}
	return until
}

// sharedHold is the hold another replica (or this one) recorded for
// target; zero when none or unreadable.
func (d *Deliverer) sharedHold(ctx context.Context, kv KV, target string) time.Time {
	v, ok, err := kv.Get(ctx, heldKey(target))
	if err != nil || !ok {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, string(v))
	if err != nil {
		return time.Time{}
	}
	return t
}

func (d *Deliverer) redact(s string) string {
	if d.Redact == nil {
		return s
	}
	return d.Redact(s)
}

func (d *Deliverer) stateProblem() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.problem
}

// canRecord checks, before a send, that its result can be recorded; the
// first failure and the recovery are logged once each.
func (d *Deliverer) canRecord(ctx context.Context) error {
	rc, ok := d.Store.(recordChecker)
	if !ok {
		return nil
	}
	err := rc.CanRecord(ctx)
	d.mu.Lock()
	was := d.problem
	d.problem = err
	d.mu.Unlock()
	switch {
	case err != nil && was == nil:
		d.Logger.Error("the state cannot record a delivery: sending is held", "error", err)
	case err == nil && was != nil:
		d.Logger.Info("the state can record again: sending resumes")
	}
	return err
}

// Deliver sends what target may send now, one post at a time in rank
// order, and returns when it should be called again (zero: nothing waits).
// It reads the outbox once a pass, not once a post. It stops early,
// leaving the rest for later, when ctx ends. With Locks, the pass is made
// only while this replica holds the target's lock; when another one does,
// Deliver returns at once and asks to be called again in a moment.
func (d *Deliverer) Deliver(ctx context.Context, t Target) (time.Time, error) {
	if d.Locks == nil {
		return d.pass(ctx, t, nil)
	}
	lock, ok, err := d.Locks.TryLock(ctx, "deliver:"+t.Name)
	if err != nil {
		return time.Time{}, fmt.Errorf("deliver to %s: take the target's lock: %w", t.Name, err)
	}
	if !ok {
		return d.Clock.Now().Add(lockedRetry), nil
	}
	defer lock.Unlock()
	return d.pass(ctx, t, lock)
}

// pass is one delivery pass; lock, when not nil, is the target's, checked
// before each send.
func (d *Deliverer) pass(ctx context.Context, t Target, lock Lock) (time.Time, error) {
	at := d.Clock.Now()
	open, err := d.Store.Open(ctx, t.Name)
	if err != nil {
		return time.Time{}, fmt.Errorf("deliver to %s: %w", t.Name, err)
	}
	sent, err := d.Store.SentTimes(ctx, t.Name, at.AddDate(0, -1, -1))
	if err != nil {
		return time.Time{}, fmt.Errorf("deliver to %s: %w", t.Name, err)
	}
	var retry time.Time // the earliest retry this pass scheduled
	for {
		if ctx.Err() != nil {
			return time.Time{}, nil
		}
		at = d.Clock.Now()
		next, pick, err := d.choose(ctx, t, &open, sent, at)
		if err != nil || pick < 0 {
			return earliest(next, retry), err
		}
		o := open[pick]
		open = append(open[:pick], open[pick+1:]...)
		if r, ok := d.receipt(o); ok {
			// Sent already; only the record failed. Record it, never resend.
			if err := d.recordSent(ctx, t, o, r, at, false); err != nil {
				return time.Time{}, err
			}
			sent = append(sent, at)
			continue
		}
		if err := d.canRecord(ctx); err != nil {
			return at.Add(max(d.Retry.Initial, time.Second)), nil
		}
		if lock != nil {
			if err := lock.Held(ctx); err != nil {
				// Another replica may be deciding for this target now.
				return time.Time{}, fmt.Errorf("deliver to %s: the target's lock may be lost: %w", t.Name, err)
			}
		}
		if o.Attempts == 0 && o.Status == StatusPending && d.Rerender != nil {
			// The text freezes at the first attempt: make it the text of
			// this moment first.
			if text, ok := d.Rerender(t, o, at); ok && text != o.Text {
				o.Text = text
				if err := d.Store.Enqueue(ctx, []Post{o.Post}, at); err != nil {
					return time.Time{}, err
				}
			}
		}
		wasSent, again, err := d.send(ctx, t, o, at)
		if err != nil {
			return time.Time{}, err
		}
		if wasSent {
			sent = append(sent, d.Clock.Now())
		}
		retry = earliest(retry, again)
	}
}

func (d *Deliverer) receipt(o Delivery) (Receipt, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	r, ok := d.receipts[deliveryID(o.Key, o.Target)]
	return r, ok
}

// choose ends what can no longer go out and picks the next post to send
// now (its index in open; -1: none), or says when to look again.
func (d *Deliverer) choose(ctx context.Context, t Target, open *[]Delivery, sent []time.Time, at time.Time) (time.Time, int, error) {
	var next time.Time
	later := func(x time.Time) {
		if next.IsZero() || x.Before(next) {
			next = x
		}
	}
	for i, o := range *open {
		if o.Status == StatusSending {
			// A crash or shutdown interrupted this attempt: its outcome is
			// unknown, so it is re-sent at once under the same idempotency
			// key, whatever the gate says (the gate let it through before).
			return time.Time{}, i, nil
		}
	}
	kept := (*open)[:0]
	var ready []int
	for _, o := range *open {
		if _, ok := d.receipt(o); ok {
			kept = append(kept, o)
			ready = append(ready, len(kept)-1)
			continue
		}
		if !o.FirstTry.IsZero() && d.Retry.GiveUp > 0 && at.Sub(o.FirstTry) >= d.Retry.GiveUp {
			if err := d.finish(ctx, o, StatusFailed, fmt.Sprintf("gave up after %s: %s", d.Retry.GiveUp, o.Reason), at); err != nil {
				return time.Time{}, -1, err
			}
			continue
		}
		if !o.Expires.IsZero() && !at.Before(o.Expires) {
			if err := d.finish(ctx, o, StatusSkipped, t.Gate.heldReason(o.Post), at); err != nil {
				return time.Time{}, -1, err
			}
			continue
		}
		kept = append(kept, o)
		wait := o.Due
		if o.NextAttempt.After(wait) {
			wait = o.NextAttempt
		}
		if wait.After(at) {
			later(wait)
			continue
		}
		ready = append(ready, len(kept)-1)
	}
	*open = kept
	if len(ready) == 0 {
		return next, -1, nil
	}
	for _, i := range ready {
		if _, ok := d.receipt(kept[i]); ok {
			return time.Time{}, i, nil // recording is not sending: no gate
		}
	}
	if d.Paused {
		// Nothing goes out; look again when the next one would expire,
		// so that it is recorded skipped in time.
		for _, i := range ready {
			if e := kept[i].Expires; !e.IsZero() {
				later(e)
			}
		}
		return next, -1, nil
	}
	if until := d.heldUntil(ctx, t.Name); until.After(at) {
		later(until)
		return next, -1, nil
	}
	d.noteFlood(t, t.Gate.Flooded(at, sent), len(ready))
	if slot := t.Gate.Next(at, sent); slot.After(at) {
		later(slot)
		return next, -1, nil
	}
	sort.SliceStable(ready, func(i, j int) bool { return less(kept[ready[i]].Post, kept[ready[j]].Post) })
	pick, err := d.affordable(ctx, t, open, ready, at)
	if pick < 0 {
		return next, -1, err // all over budget: what waits is still to come
	}
	return time.Time{}, pick, err
}

// noteFlood says loudly, once per episode, that a target's safety valve
// holds its posts: something upstream posts far more than people do.
func (d *Deliverer) noteFlood(t Target, flooded bool, waiting int) {
	d.mu.Lock()
	if d.flooded == nil {
		d.flooded = map[string]bool{}
	}
	was := d.flooded[t.Name]
	d.flooded[t.Name] = flooded
	d.mu.Unlock()
	switch {
	case flooded && !was:
		d.Logger.Error("max_per_hour reached: posts are held; look for a calendar or feed that floods",
			"target", t.Name, "max_per_hour", t.Gate.MaxPerHour, "waiting", waiting)
		if d.Observer != nil {
			d.Observer.Flooded(t.Name)
		}
	case !flooded && was:
		d.Logger.Info("max_per_hour no longer holds posts", "target", t.Name)
	}
}

// Flooded lists the targets whose max_per_hour valve holds posts now.
func (d *Deliverer) Flooded() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []string
	for name, on := range d.flooded {
		if on {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (d *Deliverer) finish(ctx context.Context, o Delivery, st Status, reason string, at time.Time) error {
	reason = d.redact(reason)
	if err := d.Store.Finish(ctx, o.Key, o.Target, st, reason, at); errors.Is(err, ErrLeaseLost) {
		// Another replica is sending it now: its outcome decides.
		d.Logger.Info("post not ended: another replica holds it", "key", o.Key, "target", o.Target, "status", string(st))
		return nil
	} else if err != nil {
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

// send makes one attempt and reports whether the post went out, or when it
// is retried (zero: it ended or went out). "sending"
// is on disk before the request leaves, "sent" only after the platform
// accepted it.
func (d *Deliverer) send(ctx context.Context, t Target, o Delivery, at time.Time) (sent bool, retry time.Time, err error) {
	// An earlier attempt whose outcome is unknown (cut short, or no clear
	// answer) may have posted; one the platform refused outright did not.
	id := deliveryID(o.Key, o.Target)
	d.mu.Lock()
	uncertain := o.Status == StatusSending || (o.Attempts > 0 && !d.refused[id])
	d.mu.Unlock()
	claimed, err := d.Store.MarkSending(ctx, o.Key, o.Target, at)
	if err != nil {
		return false, time.Time{}, err
	}
	if !claimed {
		if d.Locks != nil {
			// Another replica holds it (it died mid-send, or its request
			// is still under way): look again when its claim may lapse.
			return false, at.Add(claimedRetry), nil
		}
		return false, time.Time{}, nil
	}
	if o.FirstTry.IsZero() {
		o.FirstTry = at
	}
	o.Attempts++
	timeout := t.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	// Each image is an upload (and on Mastodon a wait while it is
	// processed) before the post itself: each gets two requests' time.
	timeout *= time.Duration(1 + 2*len(o.Images))
	o.TextOnly = t.TextOnly
	// The request outlives a shutdown signal by up to its timeout, so that
	// what was sent is recorded as sent; the store writes after it must not
	// be cancelled either.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	end := func() {}
	if d.watch != nil {
		end = d.watch.begin("send to "+t.Name, at)
	}
	lost := d.keepClaim(rctx, cancel, o, at)
	receipt, err := t.Poster.Post(rctx, o.Post)
	end()
	cancel()
	leaseLost := lost()
	wctx := context.WithoutCancel(ctx)
	done := d.Clock.Now()
	switch {
	case err == nil:
		return true, time.Time{}, d.recordSent(wctx, t, o, receipt, done, false)
	case errors.Is(err, ErrAlreadySent), errors.Is(err, ErrDuplicate) && uncertain:
		return true, time.Time{}, d.recordSent(wctx, t, o, receipt, done, true)
	case errors.Is(err, ErrDuplicate):
		d.Logger.Warn("platform refused the post as a duplicate of an earlier one with the same text", "key", o.Key, "target", o.Target)
		return false, time.Time{}, d.finish(wctx, o, StatusFailed, "refused as duplicate content: an earlier post to this account has the same text; nothing went out ("+d.redact(err.Error())+")", done)
	}
	reason := d.redact(err.Error())
	if leaseLost {
		// Cut short before its claim lapsed, or another replica took it
		// over: the next attempt, under the same idempotency key, is made
		// by whoever claims it next. Recording a retry here could release
		// another replica's claim.
		d.Logger.Warn("post not sent; it stays claimed until its claim lapses, then is sent again under the same key", "key", o.Key, "target", o.Target, "error", reason)
		return false, done.Add(claimedRetry), nil
	}
	var de *DeliveryError
	if errors.As(err, &de) && de.Permanent {
		return false, time.Time{}, d.finish(wctx, o, StatusFailed, reason, done)
	}
	retryAt := done.Add(d.Retry.Delay(o.Attempts))
	refused := false
	if de != nil && !de.RetryAt.IsZero() {
		// A rate limit is a clear refusal: nothing went out.
		retryAt, refused = de.RetryAt, true
		d.hold(wctx, t.Name, retryAt)
	}
	d.mu.Lock()
	if d.refused == nil {
		d.refused = map[string]bool{}
	}
	d.refused[id] = refused
	d.mu.Unlock()
	if d.Retry.GiveUp > 0 && retryAt.Sub(o.FirstTry) >= d.Retry.GiveUp {
		return false, time.Time{}, d.finish(wctx, o, StatusFailed, fmt.Sprintf("gave up after %s: %s", d.Retry.GiveUp, reason), done)
	}
	d.Logger.Warn("post failed, will retry", "key", o.Key, "target", o.Target, "attempt", o.Attempts, "retry_at", retryAt.Format(time.RFC3339), "error", reason)
	if err := d.Store.MarkRetry(wctx, o.Key, o.Target, retryAt, reason, done); errors.Is(err, ErrLeaseLost) {
		d.Logger.Warn("retry not recorded: another replica holds the post now", "key", o.Key, "target", o.Target)
		return false, time.Time{}, nil
	} else if err != nil {
		return false, retryAt, err
	}
	return false, retryAt, nil
}

// keepClaim renews the claim on o, taken at claimed, while its request
// runs, when the store's claims expire (Leaser); it cancels the request
// before the claim would lapse unrenewed (the state unreachable), so that
// the request is never still under way when another replica may take the
// post over. The returned func stops it and reports whether the claim was
// lost (cut short, or taken by another replica).
func (d *Deliverer) keepClaim(ctx context.Context, cancel context.CancelFunc, o Delivery, claimed time.Time) (stop func() (lost bool)) {
	l, ok := d.Store.(Leaser)
	if !ok || l.Lease() <= 0 {
		return func() bool { return false }
	}
	lease := l.Lease()
	every := lease / 3
	quit := make(chan struct{})
	done := make(chan bool, 1)
	go func() {
		until := claimed.Add(lease)
		for {
			select {
			case <-quit:
				done <- false
				return
			case <-ctx.Done():
				done <- false
				return
			case <-d.Clock.After(every):
			}
			asked := d.Clock.Now()
			rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), every/2)
			err := l.Renew(rctx, o.Key, o.Target)
			rcancel()
			switch {
			case err == nil:
				until = asked.Add(lease)
			case errors.Is(err, ErrLeaseLost):
				d.Logger.Error("lost the claim on a post while its request runs: another replica may send it too", "key", o.Key, "target", o.Target)
				cancel()
				done <- true
				return
			default:
				d.Logger.Warn("cannot renew the claim on a post in flight", "key", o.Key, "target", o.Target, "error", d.redact(err.Error()))
			}
			if until.Sub(d.Clock.Now()) <= every {
				// One more missed renewal and another replica could take
				// it: give this attempt up while the claim still holds.
				d.Logger.Error("claim on a post in flight not renewed in time: its request is cut short", "key", o.Key, "target", o.Target, "claim_until", until.Format(time.RFC3339))
				cancel()
				done <- true
				return
			}
		}
	}()
	return func() bool {
		close(quit)
		return <-done
	}
}

// recordSent records a post the platform has. When the record fails (a
// full disk), the receipt is kept in memory and recording is retried by
// the next passes; the post is never sent again by this process.
func (d *Deliverer) recordSent(ctx context.Context, t Target, o Delivery, r Receipt, at time.Time, existed bool) error {
	id := deliveryID(o.Key, o.Target)
	if err := d.Store.MarkSent(ctx, o.Key, o.Target, r, at); err != nil {
		d.mu.Lock()
		if d.receipts == nil {
			d.receipts = map[string]Receipt{}
		}
		_, again := d.receipts[id]
		d.receipts[id] = r
		d.mu.Unlock()
		if !again {
			d.Logger.Error("post sent but not recorded: recording is retried, the post is not sent again", "key", o.Key, "target", o.Target, "error", err)
		}
		return fmt.Errorf("record %s as sent: %w", o, err)
	}
	d.mu.Lock()
	delete(d.receipts, id)
	delete(d.refused, id)
	d.mu.Unlock()
	if existed {
		d.Logger.Info("platform says the post exists already: recorded as sent", "key", o.Key, "target", o.Target)
	}
	if err := d.addSpend(ctx, t, o.Post, at); err != nil {
		d.Logger.Error("post sent but its cost not recorded", "key", o.Key, "target", o.Target, "error", err)
	}
	if d.Sent != nil {
		d.Sent(ctx, t, o, at)
	}
	d.Logger.Info("post sent", "key", o.Key, "target", o.Target, "kind", o.Kind, "url", r.URL, "attempt", o.Attempts)
	if d.Observer != nil {
		d.Observer.Finished(o.Target, o.Kind, StatusSent)
	}
	return nil
}
