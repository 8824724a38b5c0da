package bot

import (
	"context"
	"time"
)

// The core's state comes in three parts, each declared for the code that
// uses it, so that a second backend (PostgreSQL) implements the same
// contract and the storetest suite checks it. Every method is safe to
// repeat: a crash between two calls never loses a post nor doubles one.

// FeedStore remembers what was read from each feed.
type FeedStore interface {
	// Feed returns what is remembered of a feed; a feed never seen has
	// FeedState{Known: false}.
	Feed(ctx context.Context, name string) (FeedState, error)
	// SaveFeed records a successful fetch of a feed: its validators, the
	// body of a calendar (so events survive a failing fetch and a restart),
	// and the ids of its items, marked seen, in one transaction.
	SaveFeed(ctx context.Context, name string, st FeedState, seen []string, now time.Time) error
	// Unseen returns those of ids not yet marked seen for the feed.
	Unseen(ctx context.Context, feed string, ids []string) ([]string, error)
}

// Outbox holds every planned delivery and where it stands.
type Outbox interface {
	// Enqueue writes posts into the outbox as pending. A (key, target) that
	// is already there keeps its status; while it is still pending its due
	// time, expiry and order are updated from p, and its text and link too
	// until its first attempt.
	Enqueue(ctx context.Context, posts []Post, now time.Time) error
	// Open lists the target's pending and sending deliveries.
	Open(ctx context.Context, target string) ([]Delivery, error)
	// MarkSending claims a delivery for an attempt about to be made: status
	// sending, attempts+1, FirstTry set on the first one. claimed is false
	// when this caller may not send it (it has ended, or, in a backend
	// shared by several processes, another one holds it); the caller then
	// leaves it alone.
	MarkSending(ctx context.Context, key, target string, now time.Time) (claimed bool, err error)
	// MarkSent records the platform's answer; only ever after it answered.
	MarkSent(ctx context.Context, key, target string, r Receipt, now time.Time) error
	// MarkRetry puts a delivery back to pending, not before next.
	MarkRetry(ctx context.Context, key, target string, next time.Time, reason string, now time.Time) error
	// Finish ends a pending or sending delivery as failed or skipped.
	Finish(ctx context.Context, key, target string, st Status, reason string, now time.Time) error
	// SentTimes lists when the target's posts were sent since t, oldest
	// first (for min_gap, daily and monthly limits).
	SentTimes(ctx context.Context, target string, since time.Time) ([]time.Time, error)
	// Ended tells which of the target's keys have ended (sent, failed or
	// skipped), for preview.
	Ended(ctx context.Context, target string, keys []string) (map[string]bool, error)
}

// KV keeps small values: the first planning time, platform sessions.
type KV interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
}

// Store is the whole state, as one backend provides it.
type Store interface {
	FeedStore
	Outbox
	KV
}

// FeedState is what the store remembers of one feed.
type FeedState struct {
	Known        bool // the feed was read successfully at least once
	ETag         string
	LastModified string
	Body         []byte // last calendar body; nil for news feeds
	Fetched      time.Time
}
