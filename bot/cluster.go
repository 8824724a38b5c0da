package bot

import (
	"context"
	"errors"
	"time"
)

// Several replicas of the daemon on one shared state (PostgreSQL) behave as
// one bot through three things the core asks of the state's backend; with
// none of them (one process on an SQLite file) it behaves as it always did.
//
//   - A Leader: one replica polls the feeds. The others plan from what the
//     leader recorded (the calendars' bodies in the state, news in the
//     outbox) and ask again every few seconds, so a replica that dies hands
//     the polling over within seconds.
//   - Locks: one replica at a time makes a target's delivery pass. Pacing
//     (quiet time, min_gap, caps, 429 holds) is decided from the state's sent
//     times and values inside that lock, so three replicas never post faster
//     than one.
//   - A Leaser store: a claim on a delivery expires unless renewed. The core
//     renews it while a slow request runs, and cancels the request before
//     the claim would lapse unrenewed, so no delivery is ever in flight from
//     two replicas at once; a killed replica's claim lapses and another
//     replica re-sends under the same idempotency key.

// Leader says whether this replica is the one that polls the feeds.
type Leader interface {
	// Lead reports whether this replica leads, taking the leadership when
	// nobody holds it. It is asked before every poll and, by a follower,
	// every few seconds. An error counts as not leading.
	Lead(ctx context.Context) (bool, error)
}

// Locks are named locks across replicas.
type Locks interface {
	// TryLock takes the named lock without waiting; ok is false when
	// another holder (another replica, or another pass in this process)
	// has it.
	TryLock(ctx context.Context, name string) (l Lock, ok bool, err error)
}

// Lock is a held lock.
type Lock interface {
	// Held returns an error when the lock may have been lost (its
	// connection to the database broke): the holder then stops before it
	// does anything more the lock is for.
	Held(ctx context.Context) error
	// Unlock releases it.
	Unlock()
}

// Leaser is a store whose claims (MarkSending) hold for Lease unless
// renewed: a replica that dies mid-send loses its claim, and another one
// may send the delivery again after that.
type Leaser interface {
	Lease() time.Duration
	// Renew extends this replica's claim on a sending delivery; it wraps
	// ErrLeaseLost when the delivery is no longer this replica's.
	Renew(ctx context.Context, key, target string) error
}

// ErrLeaseLost is wrapped by a shared store when this replica no longer
// holds a delivery it tries to renew, retry or end: its claim lapsed and
// another replica took it.
var ErrLeaseLost = errors.New("delivery not held by this replica")

// Timings of the replicas' coordination: short enough that a dead replica's
// part is taken over within seconds, long enough to cost nothing.
const (
	// followEvery is how often a replica that does not lead asks for the
	// leadership and looks whether the leader has polled.
	followEvery = 3 * time.Second
	// lockedRetry is when a delivery pass that found its target locked by
	// another replica is tried again.
	lockedRetry = 2 * time.Second
	// claimedRetry is when a delivery another replica holds is looked at
	// again (its claim may lapse).
	claimedRetry = 5 * time.Second
)

// Keys of the values replicas share in the state.
const (
	// polledKey holds when the last complete poll started: a new leader
	// polls next at the schedule's time after it, and followers reload the
	// calendars when it changes.
	polledKey = "bot:polled"
)

// heldKey holds until when a target's platform refused every request (a
// 429's reset): another replica honours it too.
func heldKey(target string) string { return "bot:held:" + target }

// shared reports whether several replicas may share the state.
func (b *Bot) shared() bool { return b.deps.Locks != nil || b.deps.Leader != nil }

// lead reports whether this replica is to poll now; the first error of a
// run of them is logged.
func (b *Bot) lead(ctx context.Context) bool {
	if b.deps.Leader == nil {
		return true
	}
	ok, err := b.deps.Leader.Lead(ctx)
	b.mu.Lock()
	was, wasErr := b.leading, b.leadErr
	b.leading, b.leadErr = ok && err == nil, err != nil
	b.mu.Unlock()
	switch {
	case err != nil && !wasErr && ctx.Err() == nil:
		b.log.Error("cannot tell whether this replica leads the polling: not polling", "error", b.deps.Redact(err.Error()))
	case ok && err == nil && !was:
		b.log.Info("this replica polls the feeds now (poll leader)")
	case !ok && was:
		b.log.Warn("this replica no longer leads the polling")
	}
	return ok && err == nil
}

// Leading reports whether this replica led the polling when last asked
// (always true without a Leader).
func (b *Bot) Leading() bool {
	if b.deps.Leader == nil {
		return true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.leading
}

// pollTurn is one turn of the poll loop at now: the leader polls when the
// schedule says so, counting from the last complete poll of any replica; a
// follower reloads the calendars when the leader has polled since it last
// looked. It returns when to take the next turn.
func (b *Bot) pollTurn(ctx context.Context, now time.Time, plan chan struct{}) time.Time {
	if !b.shared() {
		b.poll(ctx, now, true, nil, func() { signal(plan) })
		return b.cfg.Poll.Next(now)
	}
	last, _, err := b.moment(ctx, polledKey)
	b.mu.Lock()
	said := b.polledErr
	b.polledErr = err != nil
	b.mu.Unlock()
	if err != nil {
		if !said && ctx.Err() == nil {
			b.log.Error("cannot read when the feeds were last polled: not polling until the state answers", "error", b.deps.Redact(err.Error()))
		}
		return now.Add(followEvery)
	}
	b.follow(ctx, last, plan)
	due := now
	if !last.IsZero() && !last.After(now.Add(time.Minute)) {
		// (A poll recorded further ahead is a clock that went back: poll.)
		due = b.cfg.Poll.Next(last)
	}
	if due.After(now) {
		// Not yet time: a follower keeps asking, so that it takes over
		// soon after the leader dies.
		if b.deps.Leader != nil {
			b.lead(ctx)
		}
		return earliest(due, now.Add(followEvery))
	}
	if !b.lead(ctx) {
		return now.Add(followEvery)
	}
	b.poll(ctx, now, true, nil, func() { signal(plan) })
	if ctx.Err() != nil {
		return now // cut short: the next leader polls again
	}
	if err := b.putMoment(ctx, polledKey, now); err != nil {
		b.log.Error("cannot record the poll", "error", b.deps.Redact(err.Error()))
	}
	b.mu.Lock()
	b.followed = now
	b.mu.Unlock()
	return b.cfg.Poll.Next(now)
}

// follow reloads the calendars from the state when a poll completed since
// this replica last looked (on a follower: the leader read them), and asks
// for a plan.
func (b *Bot) follow(ctx context.Context, last time.Time, plan chan struct{}) {
	b.mu.Lock()
	seen := b.followed
	b.mu.Unlock()
	if last.IsZero() || last.Equal(seen) {
		return
	}
	changed := false
	for _, f := range b.cfg.Feeds {
		if f.Kind != FeedEvents {
			continue
		}
		st, err := b.deps.Store.Feed(ctx, f.Name)
		if err != nil {
			b.log.Error("cannot read the last calendar", "feed", f.Name, "error", b.deps.Redact(err.Error()))
			return // look again at the next turn
		}
		if st.Body == nil {
			continue
		}
		b.mu.Lock()
		if string(b.calendars[f.Name]) != string(st.Body) {
			b.calendars[f.Name] = st.Body
			changed = true
		}
		b.mu.Unlock()
	}
	b.mu.Lock()
	b.followed = last
	b.mu.Unlock()
	if changed {
		signal(plan)
	}
}
