package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

func post(key, target string, due time.Time) bot.Post {
	return bot.Post{
		Key: key, Kind: bot.KindAnnouncement, Target: target, Due: due,
		Text: "Seuraa LUMOa! #LUMOhanke", Link: "https://example.fi/lumo", Lang: "fi",
		Expires: due.Add(6 * time.Hour), Order: due.Add(-time.Hour),
	}
}

// get returns the one delivery (key, target) from Open or Recent.
func get(t *testing.T, s *Store, key, target string) (bot.Delivery, bool) {
	t.Helper()
	open, err := s.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	ended, err := s.Recent(ctx, 1000)
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

func TestEnqueueAndOpen(t *testing.T) {
	s, path := newStore(t)
	p := post("announcement:seuraa:1", "x", t0)
	p.Expires = time.Time{} // never
	if err := s.Enqueue(ctx, []bot.Post{p, post("announcement:seuraa:1", "mastodon", t0)}, t0); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, path)
	got, err := s.Open(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("Open(x) = %d deliveries, want 1", len(got))
	}
	d := got[0]
	if d.Key != p.Key || d.Kind != p.Kind || d.Target != p.Target || !d.Due.Equal(p.Due) ||
		d.Text != p.Text || d.Link != p.Link || d.Lang != p.Lang || !d.Expires.IsZero() || !d.Order.Equal(p.Order) {
		t.Errorf("post did not round-trip:\n got  %+v\n want %+v", d.Post, p)
	}
	if d.Status != bot.StatusPending || d.Attempts != 0 || !d.FirstTry.IsZero() || !d.NextAttempt.IsZero() ||
		!d.Updated.Equal(t0) {
		t.Errorf("new delivery = %+v, want pending, untried, updated %v", d, t0)
	}
	if got, _ := s.Open(ctx, "bluesky"); len(got) != 0 {
		t.Errorf("Open(other target) = %v", got)
	}
}

func TestEnqueueInvalid(t *testing.T) {
	s, _ := newStore(t)
	for _, p := range []bot.Post{
		{Kind: bot.KindNews, Target: "x", Due: t0},
		{Key: "k", Kind: bot.KindNews, Due: t0},
		{Key: "k", Target: "x", Due: t0},
		{Key: "k", Kind: bot.KindNews, Target: "x", Due: time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		// A valid post before the bad one must not be kept: one transaction.
		err := s.Enqueue(ctx, []bot.Post{post("good", "x", t0), p}, t0)
		if err == nil || !strings.HasPrefix(err.Error(), "store: enqueue") {
			t.Errorf("Enqueue(%+v) = %v, want a store: enqueue error", p, err)
		}
	}
	if c, _ := s.Counts(ctx); len(c) != 0 {
		t.Errorf("a failed Enqueue left rows: %v", c)
	}
	if err := s.Enqueue(ctx, nil, time.Time{}); err != nil {
		t.Errorf("Enqueue(nil) = %v", err)
	}
}

// Enqueue updates the content of a pending delivery only.
func TestEnqueueUpdatesOnlyPending(t *testing.T) {
	edited := func(p bot.Post) bot.Post {
		p.Text, p.Link, p.Lang = "Uusi teksti #LUMOhanke", "https://example.fi/uusi", "sv"
		p.Kind = bot.KindReminder
		p.Due, p.Expires, p.Order = p.Due.Add(time.Hour), p.Expires.Add(time.Hour), time.Time{}
		return p
	}
	t1 := t0.Add(time.Minute)
	cases := []struct {
		name    string
		prep    func(s *Store) error
		updated bool
		frozen  bool // text, link and language kept: an attempt was made
	}{
		{"pending", func(*Store) error { return nil }, true, false},
		{"pending after retry", func(s *Store) error {
			if err := claim(s, ctx, "k", "x", t0); err != nil {
				return err
			}
			return s.MarkRetry(ctx, "k", "x", t0.Add(time.Minute), "timeout", t0)
		}, true, true},
		{"sending", func(s *Store) error { return claim(s, ctx, "k", "x", t0) }, false, false},
		{"sent", func(s *Store) error { return s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "1", URL: "u"}, t0) }, false, false},
		{"failed", func(s *Store) error { return s.Finish(ctx, "k", "x", bot.StatusFailed, "401", t0) }, false, false},
		{"skipped", func(s *Store) error { return s.Finish(ctx, "k", "x", bot.StatusSkipped, "late", t0) }, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newStore(t)
			orig := post("k", "x", t0)
			if err := s.Enqueue(ctx, []bot.Post{orig}, t0); err != nil {
				t.Fatal(err)
			}
			if err := tc.prep(s); err != nil {
				t.Fatal(err)
			}
			before, _ := get(t, s, "k", "x")
			if err := s.Enqueue(ctx, []bot.Post{edited(orig)}, t1); err != nil {
				t.Fatal(err)
			}
			after, ok := get(t, s, "k", "x")
			if !ok {
				t.Fatal("delivery lost")
			}
			want := before
			if tc.updated {
				want.Post = edited(orig)
				want.Updated = t1
				if tc.frozen {
					want.Text, want.Link, want.Lang = orig.Text, orig.Link, orig.Lang
				}
			}
			if !deliveryEqual(after, want) {
				t.Errorf("after Enqueue:\n got  %+v\n want %+v", after, want)
			}
			// Enqueueing the same content again changes nothing, not even updated.
			if err := s.Enqueue(ctx, []bot.Post{after.Post}, t1.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			if again, _ := get(t, s, "k", "x"); !deliveryEqual(again, after) {
				t.Errorf("same Enqueue again changed the row:\n got  %+v\n want %+v", again, after)
			}
		})
	}
}

func deliveryEqual(a, b bot.Delivery) bool {
	eq := func(x, y time.Time) bool { return x.Equal(y) }
	return a.Key == b.Key && a.Kind == b.Kind && a.Target == b.Target && eq(a.Due, b.Due) &&
		a.Text == b.Text && a.Link == b.Link && a.Lang == b.Lang && eq(a.Expires, b.Expires) &&
		eq(a.Order, b.Order) && a.Status == b.Status && a.Attempts == b.Attempts &&
		eq(a.NextAttempt, b.NextAttempt) && eq(a.FirstTry, b.FirstTry) && a.Reason == b.Reason &&
		a.RemoteID == b.RemoteID && a.RemoteURL == b.RemoteURL && eq(a.Updated, b.Updated)
}

type op struct {
	name string
	do   func(s *Store, at time.Time) error
}

var (
	sending = op{"sending", func(s *Store, at time.Time) error { return claim(s, ctx, "k", "x", at) }}
	sent    = op{"sent", func(s *Store, at time.Time) error {
		return s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "123", URL: "https://x.com/LUMOhanke/status/123"}, at)
	}}
	sentOther = op{"sent other", func(s *Store, at time.Time) error {
		return s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "999", URL: "https://x.com/i/999"}, at)
	}}
	retry = op{"retry", func(s *Store, at time.Time) error {
		return s.MarkRetry(ctx, "k", "x", at.Add(10*time.Second), "503 Service Unavailable", at)
	}}
	failed = op{"failed", func(s *Store, at time.Time) error {
		return s.Finish(ctx, "k", "x", bot.StatusFailed, "401: check the access token", at)
	}}
	skipped = op{"skipped", func(s *Store, at time.Time) error {
		return s.Finish(ctx, "k", "x", bot.StatusSkipped, "event started", at)
	}}
	badFinish = op{"finish sent", func(s *Store, at time.Time) error {
		return s.Finish(ctx, "k", "x", bot.StatusSent, "", at)
	}}
)

// TestTransitions runs the state machine: each case applies prep, then op,
// and checks the error and the row.
func TestTransitions(t *testing.T) {
	cases := []struct {
		prep     []op
		op       op
		wantErr  error // nil, ErrEnded, ErrNotFound, or errBad for any error
		status   bot.Status
		attempts int
		reason   string
		remoteID string
	}{
		{nil, sending, nil, bot.StatusSending, 1, "", ""},
		{[]op{sending}, sending, nil, bot.StatusSending, 2, "", ""}, // attempt cut short by a crash
		{[]op{sending}, sent, nil, bot.StatusSent, 1, "", "123"},
		{nil, sent, nil, bot.StatusSent, 0, "", "123"}, // pending → sent allowed
		{[]op{sending}, retry, nil, bot.StatusPending, 1, "503 Service Unavailable", ""},
		{[]op{sending, retry, sending}, sent, nil, bot.StatusSent, 2, "", "123"}, // sent clears the reason
		{[]op{sending, retry}, failed, nil, bot.StatusFailed, 1, "401: check the access token", ""},
		{nil, skipped, nil, bot.StatusSkipped, 0, "event started", ""},
		{[]op{sending}, skipped, nil, bot.StatusSkipped, 1, "event started", ""},
		// Repeats are no-ops.
		{[]op{sending, sent}, sent, nil, bot.StatusSent, 1, "", "123"},
		{[]op{failed}, failed, nil, bot.StatusFailed, 0, "401: check the access token", ""},
		{[]op{skipped}, skipped, nil, bot.StatusSkipped, 0, "event started", ""},
		// Sent rows are untouchable.
		{[]op{sending, sent}, sentOther, ErrEnded, bot.StatusSent, 1, "", "123"},
		{[]op{sending, sent}, failed, ErrEnded, bot.StatusSent, 1, "", "123"},
		{[]op{sending, sent}, skipped, ErrEnded, bot.StatusSent, 1, "", "123"},
		{[]op{sending, sent}, retry, ErrEnded, bot.StatusSent, 1, "", "123"},
		{[]op{sending, sent}, sending, ErrEnded, bot.StatusSent, 1, "", "123"},
		// So are failed and skipped ones.
		{[]op{failed}, sent, ErrEnded, bot.StatusFailed, 0, "401: check the access token", ""},
		{[]op{failed}, skipped, ErrEnded, bot.StatusFailed, 0, "401: check the access token", ""},
		{[]op{skipped}, sending, ErrEnded, bot.StatusSkipped, 0, "event started", ""},
		{[]op{skipped}, retry, ErrEnded, bot.StatusSkipped, 0, "event started", ""},
		{nil, badFinish, errBad, bot.StatusPending, 0, "", ""},
	}
	for _, tc := range cases {
		var names []string
		for _, p := range tc.prep {
			names = append(names, p.name)
		}
		t.Run(strings.Join(append(names, tc.op.name), "→"), func(t *testing.T) {
			s, _ := newStore(t)
			if err := s.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0); err != nil {
				t.Fatal(err)
			}
			at := t0
			for _, p := range tc.prep {
				at = at.Add(time.Minute)
				if err := p.do(s, at); err != nil {
					t.Fatalf("prep %s: %v", p.name, err)
				}
			}
			before, _ := get(t, s, "k", "x")
			err := tc.op.do(s, at.Add(time.Minute))
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("%s: %v", tc.op.name, err)
			case tc.wantErr == errBad && err == nil,
				tc.wantErr != nil && tc.wantErr != errBad && !errors.Is(err, tc.wantErr):
				t.Fatalf("%s = %v, want %v", tc.op.name, err, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), "k→x") {
				t.Errorf("error %q does not name the delivery", err)
			}
			d, _ := get(t, s, "k", "x")
			if d.Status != tc.status || d.Attempts != tc.attempts || d.Reason != tc.reason || d.RemoteID != tc.remoteID {
				t.Errorf("row = %s attempts=%d reason=%q remote=%q; want %s %d %q %q",
					d.Status, d.Attempts, d.Reason, d.RemoteID, tc.status, tc.attempts, tc.reason, tc.remoteID)
			}
			if tc.wantErr != nil || before.Status == d.Status && before.Status != bot.StatusSending && before.Status != bot.StatusPending {
				// A refused or repeated call leaves the row exactly as it was.
				if !deliveryEqual(d, before) {
					t.Errorf("row changed:\n got  %+v\n want %+v", d, before)
				}
			}
		})
	}
}

var errBad = errors.New("any error")

func TestTransitionTimes(t *testing.T) {
	s, path := newStore(t)
	if err := s.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0); err != nil {
		t.Fatal(err)
	}
	t1, t2, t3, t4 := t0.Add(time.Second), t0.Add(2*time.Second), t0.Add(3*time.Second), t0.Add(4*time.Second)
	next := t0.Add(time.Hour + 7*time.Nanosecond)
	steps := []struct {
		do               func() error
		first, next, upd time.Time
	}{
		{func() error { return claim(s, ctx, "k", "x", t1) }, t1, time.Time{}, t1},
		{func() error { return s.MarkRetry(ctx, "k", "x", next, "timeout", t2) }, t1, next, t2},
		{func() error { return claim(s, ctx, "k", "x", t3) }, t1, next, t3}, // first_try kept
		{func() error { return s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "1", URL: "u"}, t4) }, t1, time.Time{}, t4},
	}
	for i, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		d, _ := get(t, s, "k", "x")
		if !d.FirstTry.Equal(st.first) || !d.NextAttempt.Equal(st.next) || !d.Updated.Equal(st.upd) {
			t.Errorf("step %d: first=%v next=%v updated=%v; want %v %v %v", i, d.FirstTry, d.NextAttempt, d.Updated, st.first, st.next, st.upd)
		}
	}
	s = reopen(t, s, path)
	d, _ := get(t, s, "k", "x")
	if d.Status != bot.StatusSent || d.RemoteURL != "u" || !d.Updated.Equal(t4) || !d.FirstTry.Equal(t1) {
		t.Errorf("after reopen: %+v", d)
	}
}

func TestMissingDelivery(t *testing.T) {
	s, _ := newStore(t)
	for name, do := range map[string]func() error{
		"MarkSending": func() error { return claim(s, ctx, "nope", "x", t0) },
		"MarkSent":    func() error { return s.MarkSent(ctx, "nope", "x", bot.Receipt{}, t0) },
		"MarkRetry":   func() error { return s.MarkRetry(ctx, "nope", "x", t0, "", t0) },
		"Finish":      func() error { return s.Finish(ctx, "nope", "x", bot.StatusFailed, "", t0) },
	} {
		err := do()
		if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "nope→x") {
			t.Errorf("%s(missing) = %v, want ErrNotFound naming nope→x", name, err)
		}
	}
	if err := claim(s, ctx, "nope", "x", time.Time{}); err == nil {
		t.Error("MarkSending(zero now): no error")
	}
}

func TestSentTimesCountsRecent(t *testing.T) {
	s, path := newStore(t)
	var posts []bot.Post
	for i := range 6 {
		posts = append(posts, post(fmt.Sprintf("k%d", i), "x", t0), post(fmt.Sprintf("k%d", i), "mastodon", t0))
	}
	if err := s.Enqueue(ctx, posts, t0); err != nil {
		t.Fatal(err)
	}
	// Sent out of key order: k3 first, then k0, k5, k1 (ns apart at the end).
	at := func(m int) time.Time { return t0.Add(time.Duration(m)*time.Minute + time.Duration(m)) }
	for i, k := range []string{"k3", "k0", "k5", "k1"} {
		if err := claim(s, ctx, k, "x", at(i)); err != nil {
			t.Fatal(err)
		}
		if err := s.MarkSent(ctx, k, "x", bot.Receipt{ID: k}, at(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Finish(ctx, "k2", "x", bot.StatusSkipped, "quiet hours", at(10)); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "k2", "mastodon", bot.StatusFailed, "422", at(11)); err != nil {
		t.Fatal(err)
	}
	if err := claim(s, ctx, "k4", "x", at(12)); err != nil {
		t.Fatal(err)
	}
	s = reopen(t, s, path)

	for _, tc := range []struct {
		target string
		since  time.Time
		want   []time.Time
	}{
		{"x", time.Time{}, []time.Time{at(1), at(2), at(3), at(4)}},
		{"x", at(2), []time.Time{at(2), at(3), at(4)}}, // inclusive
		{"x", at(2).Add(time.Nanosecond), []time.Time{at(3), at(4)}},
		{"x", at(5), nil},
		{"mastodon", time.Time{}, nil},
	} {
		got, err := s.SentTimes(ctx, tc.target, tc.since)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, tc.want, time.Time.Equal) {
			t.Errorf("SentTimes(%s, %v) = %v, want %v", tc.target, tc.since, got, tc.want)
		}
	}

	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[bot.Status]int{
		"x":        {bot.StatusSent: 4, bot.StatusSkipped: 1, bot.StatusSending: 1},
		"mastodon": {bot.StatusPending: 5, bot.StatusFailed: 1},
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("Counts = %v, want %v", counts, want)
	}

	for _, tc := range []struct {
		n    int
		want []string
	}{
		{0, nil},
		{2, []string{"k2→mastodon", "k2→x"}},
		{100, []string{"k2→mastodon", "k2→x", "k1→x", "k5→x", "k0→x", "k3→x"}},
	} {
		got, err := s.Recent(ctx, tc.n)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, d := range got {
			names = append(names, d.String())
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("Recent(%d) = %v, want %v", tc.n, names, tc.want)
		}
	}

	open, err := s.Open(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].Key != "k4" || open[0].Status != bot.StatusSending {
		t.Errorf("Open(x) = %v, want k4 sending", open)
	}
}

func TestOpenOrder(t *testing.T) {
	s, _ := newStore(t)
	posts := []bot.Post{post("c", "x", t0.Add(time.Hour)), post("b", "x", t0), post("a", "x", t0), post("d", "x", t0.Add(-time.Hour))}
	if err := s.Enqueue(ctx, posts, t0); err != nil {
		t.Fatal(err)
	}
	got, err := s.Open(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, d := range got {
		keys = append(keys, d.Key)
	}
	if want := []string{"d", "a", "b", "c"}; !slices.Equal(keys, want) {
		t.Errorf("Open order %v, want %v (due, then key)", keys, want)
	}
}

// Many goroutines on one store, as the deliverers of several targets and
// the poller are: every write lands, none is lost to SQLITE_BUSY.
func TestConcurrent(t *testing.T) {
	s, _ := newStore(t)
	targets := []string{"x", "mastodon", "bluesky", "teams"}
	const perTarget = 25
	var wg sync.WaitGroup
	errs := make(chan error, 1000)
	for _, target := range targets {
		wg.Go(func() {
			for i := range perTarget {
				key := fmt.Sprintf("news:uutiset:%d", i)
				at := t0.Add(time.Duration(i) * time.Second)
				for _, do := range []func() error{
					func() error { return s.Enqueue(ctx, []bot.Post{post(key, target, at)}, at) },
					func() error { return claim(s, ctx, key, target, at) },
					func() error { return s.MarkSent(ctx, key, target, bot.Receipt{ID: key}, at) },
				} {
					if err := do(); err != nil {
						errs <- err
						return
					}
				}
				if _, err := s.SentTimes(ctx, target, t0); err != nil {
					errs <- err
				}
			}
		})
	}
	for g := range 4 {
		wg.Go(func() {
			for i := range 20 {
				ids := []string{fmt.Sprintf("%d-%d", g, i)}
				if err := s.SaveFeed(ctx, fmt.Sprintf("feed%d", g), bot.FeedState{}, ids, t0); err != nil {
					errs <- err
				}
				if _, err := s.Unseen(ctx, "feed0", ids); err != nil {
					errs <- err
				}
				if err := s.Put(ctx, "session", []byte(ids[0])); err != nil {
					errs <- err
				}
				if _, err := s.Counts(ctx); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	counts, err := s.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range targets {
		if counts[target][bot.StatusSent] != perTarget {
			t.Errorf("%s: %d sent, want %d", target, counts[target][bot.StatusSent], perTarget)
		}
	}
}

func BenchmarkEnqueue(b *testing.B) {
	s, _ := newStore(b)
	posts := make([]bot.Post, 10)
	for i := 0; b.Loop(); i++ {
		for j := range posts {
			posts[j] = post(fmt.Sprintf("news:uutiset:%d-%d", i, j), "x", t0)
		}
		if err := s.Enqueue(ctx, posts, t0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEnqueueUnchanged is the steady state: every cycle re-plans the
// same posts, which are already in the outbox.
func BenchmarkEnqueueUnchanged(b *testing.B) {
	s, _ := newStore(b)
	posts := make([]bot.Post, 10)
	for j := range posts {
		posts[j] = post(fmt.Sprintf("news:uutiset:%d", j), "x", t0)
	}
	for b.Loop() {
		if err := s.Enqueue(ctx, posts, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEnded(t *testing.T) {
	s, _ := newStore(t)
	var posts []bot.Post
	for i := range 1200 { // more than one query's worth of keys
		posts = append(posts, post(fmt.Sprintf("k%d", i), "x", t0))
	}
	posts = append(posts, post("k1", "mastodon", t0))
	if err := s.Enqueue(ctx, posts, t0); err != nil {
		t.Fatal(err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.MarkSent(ctx, "k1", "x", bot.Receipt{ID: "1"}, t0))
	must(s.Finish(ctx, "k2", "x", bot.StatusFailed, "401", t0))
	must(s.Finish(ctx, "k1100", "x", bot.StatusSkipped, "late", t0))
	must(claim(s, ctx, "k3", "x", t0))
	must(s.MarkSent(ctx, "k1", "mastodon", bot.Receipt{ID: "m"}, t0))
	keys := []string{"nope"}
	for i := range 1200 {
		keys = append(keys, fmt.Sprintf("k%d", i))
	}
	for _, tc := range []struct {
		target string
		keys   []string
		want   string
	}{
		{"x", keys, "map[k1:true k1100:true k2:true]"},
		{"mastodon", keys, "map[k1:true]"},
		{"x", nil, "map[]"},
		{"bluesky", keys, "map[]"},
	} {
		got, err := s.Ended(ctx, tc.target, tc.keys)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != tc.want {
			t.Errorf("Ended(%s) = %v, want %s", tc.target, got, tc.want)
		}
	}
}

// Once an attempt was made, a re-send must carry the same text: X would
// take changed text for a new post, and the first may have gone out.
func TestEnqueueFreezesTextAfterFirstAttempt(t *testing.T) {
	s, _ := newStore(t)
	p := post("announcement:seuraa:1", "x", t0)
	if err := s.Enqueue(ctx, []bot.Post{p}, t0); err != nil {
		t.Fatal(err)
	}
	if err := claim(s, ctx, p.Key, p.Target, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRetry(ctx, p.Key, p.Target, t0.Add(time.Minute), "HTTP 502", t0); err != nil {
		t.Fatal(err)
	}
	edited := p
	edited.Text, edited.Link = "Muokattu teksti", "https://example.fi/muu"
	edited.Due, edited.Expires = t0.Add(time.Hour), t0.Add(8*time.Hour)
	if err := s.Enqueue(ctx, []bot.Post{edited}, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	d, ok := get(t, s, p.Key, p.Target)
	if !ok {
		t.Fatal("delivery gone")
	}
	if d.Text != p.Text || d.Link != p.Link {
		t.Errorf("text changed after an attempt: %q %q", d.Text, d.Link)
	}
	if !d.Due.Equal(edited.Due) || !d.Expires.Equal(edited.Expires) {
		t.Errorf("due/expires not moved: %s %s", d.Due, d.Expires)
	}
}

// claim is MarkSending as the old error-only call: a delivery not claimed
// because it ended is ErrEnded.
func claim(s *Store, ctx context.Context, key, target string, at time.Time) error {
	ok, err := s.MarkSending(ctx, key, target, at)
	if err == nil && !ok {
		return fmt.Errorf("store: mark sending %s→%s: %w", key, target, ErrEnded)
	}
	return err
}
