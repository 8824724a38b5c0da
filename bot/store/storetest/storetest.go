// Package storetest is the conformance suite of bot.Store: one set of
// behavioural tests that every backend (SQLite today, PostgreSQL later)
// runs from its own tests:
//
//	func TestConformance(t *testing.T) {
//		storetest.Run(t, storetest.Backend{New: func(t *testing.T) storetest.State { ... }})
//	}
//
// It holds the contract that bot/store.go states in words: the outbox only
// moves forward and every call is safe to repeat, text and link freeze at the
// first attempt, Enqueue and SaveFeed are idempotent, times keep their
// nanoseconds, one absurd time never fails a batch, and a restart loses
// nothing. Nothing in it knows how a backend stores its state.
package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// Store is what the suite tests: the core's contract, the two reads of the
// status page and tests (Recent, Counts), and Close.
type Store interface {
	bot.Store
	// Recent lists at most n ended deliveries of all targets, newest
	// (by Updated) first, then by key and target.
	Recent(ctx context.Context, n int) ([]bot.Delivery, error)
	// Counts returns the number of deliveries by target and status.
	Counts(ctx context.Context) (map[string]map[bot.Status]int, error)
	// Swap replaces a value only if it is old now (nil: absent); new nil
	// deletes it. swapped is false when the value was not old.
	Swap(ctx context.Context, key string, old, new []byte) (swapped bool, err error)
	Close() error
}

// State is one new, empty state made by a backend for one test.
type State struct {
	// Open opens the state, as a process starting does; the suite closes
	// every store it opens, so a second Open after a Close is a restart.
	Open func() (Store, error)
	// Corrupt, if not nil, damages the closed state so that Open must
	// refuse it. Backends whose state cannot be damaged from outside leave
	// it nil and the test is skipped.
	Corrupt func(t *testing.T)
}

// Backend describes a store implementation to Run.
type Backend struct {
	// New makes a new, empty state; it is removed when t ends.
	New func(t *testing.T) State
	// ErrNotFound and ErrEnded, if set, are the errors a call on a missing
	// or an ended delivery wraps; when nil, the suite only checks that
	// such calls fail.
	ErrNotFound, ErrEnded error
}

// Run runs the suite.
func Run(t *testing.T, b Backend) {
	if b.New == nil {
		t.Fatal("storetest: Backend.New is required")
	}
	tests := []struct {
		name string
		fn   func(t *testing.T, b Backend)
	}{
		{"EnqueueAndOpen", testEnqueueAndOpen},
		{"EnqueueInvalid", testEnqueueInvalid},
		{"EnqueueUpdatesOnlyPending", testEnqueueUpdatesOnlyPending},
		{"OutOfRangeTimes", testOutOfRangeTimes},
		{"TimeRoundTrip", testTimeRoundTrip},
		{"OpenOrder", testOpenOrder},
		{"Transitions", testTransitions},
		{"TransitionTimes", testTransitionTimes},
		{"MarkSendingClaimed", testMarkSendingClaimed},
		{"MissingDelivery", testMissingDelivery},
		{"SentTimesCountsRecent", testSentTimesCountsRecent},
		{"Ended", testEnded},
		{"Concurrent", testConcurrent},
		{"FeedNeverSeen", testFeedNeverSeen},
		{"SaveFeed", testSaveFeed},
		{"SaveFeedSizes", testSaveFeedSizes},
		{"ManyIDs", testManyIDs},
		{"KV", testKV},
		{"Swap", testSwap},
		{"Corrupt", testCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

var ctx = context.Background()

// t0 is a fixed clock with nanoseconds, in a zone other than UTC.
var t0 = time.Date(2021, 5, 5, 13, 30, 0, 123456789, time.FixedZone("EEST", 3*3600))

// handle is one state and the store currently open on it.
type handle struct {
	st State
	s  Store
}

func open(t *testing.T, b Backend) *handle {
	t.Helper()
	st := b.New(t)
	if st.Open == nil {
		t.Fatal("storetest: State.Open is required")
	}
	h := &handle{st: st}
	h.s = h.mustOpen(t)
	return h
}

func (h *handle) mustOpen(t *testing.T) Store {
	t.Helper()
	s, err := h.st.Open()
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// restart closes the store and opens the state again.
func (h *handle) restart(t *testing.T) {
	t.Helper()
	if err := h.s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	h.s = h.mustOpen(t)
}

func post(key, target string, due time.Time) bot.Post {
	return bot.Post{
		Key: key, Kind: bot.KindAnnouncement, Target: target, Due: due,
		Text: "Seuraa LUMOa! #LUMOhanke", Link: "https://example.fi/lumo", Lang: "fi",
		Images:  []bot.Image{{Source: "/kuvat/verkostopäivä.jpg", Alt: "Osallistujat istuvat ringissä"}},
		Expires: due.Add(6 * time.Hour), Order: due.Add(-time.Hour),
	}
}

// get returns the one delivery (key, target) from Open or Recent.
func get(t *testing.T, s Store, key, target string) (bot.Delivery, bool) {
	t.Helper()
	open, err := s.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	ended, err := s.Recent(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append(open, ended...) {
		if d.Key == key && d.Target == target {
			return d, true
		}
	}
	return bot.Delivery{}, false
}

func deliveryEqual(a, b bot.Delivery) bool {
	eq := func(x, y time.Time) bool { return x.Equal(y) }
	return a.Key == b.Key && a.Kind == b.Kind && a.Target == b.Target && eq(a.Due, b.Due) &&
		a.Text == b.Text && a.Link == b.Link && a.Lang == b.Lang && eq(a.Expires, b.Expires) &&
		slices.Equal(a.Images, b.Images) &&
		eq(a.Order, b.Order) && a.Status == b.Status && a.Attempts == b.Attempts &&
		eq(a.NextAttempt, b.NextAttempt) && eq(a.FirstTry, b.FirstTry) && a.Reason == b.Reason &&
		a.RemoteID == b.RemoteID && a.RemoteURL == b.RemoteURL && eq(a.Updated, b.Updated)
}

// claim is MarkSending as an error-only call: not claimed is errEnded.
func claim(s Store, key, target string, at time.Time) error {
	ok, err := s.MarkSending(ctx, key, target, at)
	if err == nil && !ok {
		return errNotClaimed
	}
	return err
}

var (
	errNotClaimed = errors.New("not claimed")
	errAny        = errors.New("any error")
)

// wantErr checks err against want: nil, errAny (any error), or a sentinel
// of the backend (checked when the backend names it, else any error).
func wantErr(t *testing.T, what string, err, want error) {
	t.Helper()
	switch {
	case want == nil && err != nil:
		t.Fatalf("%s: %v", what, err)
	case want != nil && err == nil:
		t.Fatalf("%s: no error, want %v", what, want)
	case want != nil && want != errAny && !errors.Is(err, want):
		t.Fatalf("%s = %v, want %v", what, err, want)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func testCorrupt(t *testing.T, b Backend) {
	h := open(t, b)
	if h.st.Corrupt == nil {
		t.Skip("the backend cannot be corrupted from outside")
	}
	must(t, h.s.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0))
	must(t, h.s.SaveFeed(ctx, "uutiset", bot.FeedState{ETag: `"v"`}, []string{"a"}, t0))
	must(t, h.s.Close())
	h.st.Corrupt(t)
	s, err := h.st.Open()
	if err == nil {
		_ = s.Close()
		t.Fatal("Open succeeded on a corrupted state")
	}
	t.Log(err)
	// Refusing changed nothing: a second attempt says the same.
	s, err2 := h.st.Open()
	if err2 == nil {
		_ = s.Close()
		t.Fatal("second Open succeeded on a corrupted state")
	}
	if err2.Error() != err.Error() {
		t.Errorf("second Open = %v, want %v", err2, err)
	}
	if strings.TrimSpace(err.Error()) == "" {
		t.Error("empty error")
	}
}
