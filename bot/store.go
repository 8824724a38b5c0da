package bot

import (
	"context"
	"time"
)

// Store is the state the core keeps across restarts. Every method is safe to
// repeat: a crash between two calls never loses a post nor doubles one.
type Store interface {
	// Feed returns what is remembered of a feed; a feed never seen has
	// FeedState{Known: false}.
	Feed(ctx context.Context, name string) (FeedState, error)
	// SaveFeed records a successful fetch of a feed: its validators, the
	// body of a calendar (so events survive a failing fetch and a restart),
	// and the ids of its items, marked seen, in one transaction.
	SaveFeed(ctx context.Context, name string, st FeedState, seen []string, now time.Time) error
	// Unseen returns those of ids not yet marked seen for the feed.
	Unseen(ctx context.Context, feed string, ids []string) ([]string, error)

	// Enqueue writes posts into the outbox as pending. A (key, target) that
	// is already there keeps its status; while it is still pending its due
	// time, expiry and order are updated from p, and its text and link too
	// until its first attempt.
	Enqueue(ctx context.Context, posts []Post, now time.Time) error
	// Open lists the target's pending and sending deliveries.
	Open(ctx context.Context, target string) ([]Delivery, error)
	// MarkSending records an attempt about to be made: status sending,
	// attempts+1, FirstTry set on the first one.
	MarkSending(ctx context.Context, key, target string, now time.Time) error
	// MarkSent records the platform's answer; only ever after it answered.
	MarkSent(ctx context.Context, key, target string, r Receipt, now time.Time) error
	// MarkRetry puts a delivery back to pending, not before next.
	MarkRetry(ctx context.Context, key, target string, next time.Time, reason string, now time.Time) error
	// Finish ends a pending or sending delivery as failed or skipped.
	Finish(ctx context.Context, key, target string, st Status, reason string, now time.Time) error
	// SentTimes lists when the target's posts were sent since t, oldest
	// first (for min_gap, daily and monthly limits).
	SentTimes(ctx context.Context, target string, since time.Time) ([]time.Time, error)
	// Recent lists the latest deliveries that ended (sent, failed, skipped),
	// newest first, at most n, all targets.
	Recent(ctx context.Context, n int) ([]Delivery, error)
	// Counts returns the number of deliveries by target and status.
	Counts(ctx context.Context) (map[string]map[Status]int, error)
	// Ended tells which of the target's keys have ended (sent, failed or
	// skipped), for preview.
	Ended(ctx context.Context, target string, keys []string) (map[string]bool, error)

	// Get and Put keep small values (the first planning time, platform
	// sessions).
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
}

// FeedState is what the store remembers of one feed.
type FeedState struct {
	Known        bool // the feed was read successfully at least once
	ETag         string
	LastModified string
	Body         []byte // last calendar body; nil for news feeds
	Fetched      time.Time
}
