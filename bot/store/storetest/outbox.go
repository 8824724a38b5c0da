package storetest

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

func testEnqueueAndOpen(t *testing.T, b Backend) {
	h := open(t, b)
	p := post("announcement:seuraa:1", "x", t0)
	p.Expires = time.Time{} // never
	must(t, h.s.Enqueue(ctx, []bot.Post{p, post("announcement:seuraa:1", "mastodon", t0)}, t0))
	h.restart(t)
	got, err := h.s.Open(ctx, "x")
	must(t, err)
	if len(got) != 1 {
		t.Fatalf("Open(x) = %d deliveries, want 1", len(got))
	}
	d := got[0]
	if d.Key != p.Key || d.Kind != p.Kind || d.Target != p.Target || !d.Due.Equal(p.Due) ||
		d.Text != p.Text || d.Link != p.Link || d.Lang != p.Lang || !d.Expires.IsZero() || !d.Order.Equal(p.Order) ||
		!slices.Equal(d.Images, p.Images) {
		t.Errorf("post did not round-trip:\n got  %+v\n want %+v", d.Post, p)
	}
	if d.Status != bot.StatusPending || d.Attempts != 0 || !d.FirstTry.IsZero() || !d.NextAttempt.IsZero() ||
		!d.Updated.Equal(t0) {
		t.Errorf("new delivery = %+v, want pending, untried, updated %v", d, t0)
	}
	if got, _ := h.s.Open(ctx, "bluesky"); len(got) != 0 {
		t.Errorf("Open(other target) = %v", got)
	}
	// The same Enqueue again is a no-op: one row, updated unchanged.
	must(t, h.s.Enqueue(ctx, []bot.Post{p}, t0.Add(time.Hour)))
	if again, _ := h.s.Open(ctx, "x"); len(again) != 1 || !deliveryEqual(again[0], d) {
		t.Errorf("repeated Enqueue changed the outbox: %+v", again)
	}
}

func testEnqueueInvalid(t *testing.T, b Backend) {
	h := open(t, b)
	for _, p := range []bot.Post{
		{Kind: bot.KindNews, Target: "x", Due: t0},
		{Key: "k", Kind: bot.KindNews, Due: t0},
		{Key: "k", Target: "x", Due: t0},
	} {
		// A valid post before the bad one must not be kept: one transaction.
		if err := h.s.Enqueue(ctx, []bot.Post{post("good", "x", t0), p}, t0); err == nil {
			t.Errorf("Enqueue(%+v): no error", p)
		}
	}
	if err := h.s.Enqueue(ctx, []bot.Post{post("good", "x", t0)}, time.Time{}); err == nil {
		t.Error("Enqueue(zero now): no error")
	}
	if c, err := h.s.Counts(ctx); err != nil || len(c) != 0 {
		t.Errorf("a failed Enqueue left rows: %v, %v", c, err)
	}
	must(t, h.s.Enqueue(ctx, nil, time.Time{}))
}

// Enqueue updates the content of a pending delivery only, and its text,
// link and language only until the first attempt.
func testEnqueueUpdatesOnlyPending(t *testing.T, b Backend) {
	edited := func(p bot.Post) bot.Post {
		p.Text, p.Link, p.Lang = "Uusi teksti #LUMOhanke", "https://example.fi/uusi", "sv"
		p.Images = []bot.Image{{Source: "https://example.fi/kuva.png", Alt: "Uusi kuva"}, {Source: "/b.jpg", Alt: "B"}}
		p.Kind = bot.KindReminder
		p.Due, p.Expires, p.Order = p.Due.Add(time.Hour), p.Expires.Add(time.Hour), time.Time{}
		return p
	}
	t1 := t0.Add(time.Minute)
	cases := []struct {
		name    string
		prep    func(s Store) error
		updated bool
		frozen  bool // text, link, language and images kept: an attempt was made
	}{
		{"pending", func(Store) error { return nil }, true, false},
		{"pending after retry", func(s Store) error {
			if err := claim(s, "k", "x", t0); err != nil {
				return err
			}
			return s.MarkRetry(ctx, "k", "x", t0.Add(time.Minute), "timeout", t0)
		}, true, true},
		{"sending", func(s Store) error { return claim(s, "k", "x", t0) }, false, false},
		{"sent", func(s Store) error { return s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "1", URL: "u"}, t0) }, false, false},
		{"failed", func(s Store) error { return s.Finish(ctx, "k", "x", bot.StatusFailed, "401", t0) }, false, false},
		{"skipped", func(s Store) error { return s.Finish(ctx, "k", "x", bot.StatusSkipped, "late", t0) }, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := open(t, b)
			orig := post("k", "x", t0)
			must(t, h.s.Enqueue(ctx, []bot.Post{orig}, t0))
			must(t, tc.prep(h.s))
			before, _ := get(t, h.s, "k", "x")
			must(t, h.s.Enqueue(ctx, []bot.Post{edited(orig)}, t1))
			after, ok := get(t, h.s, "k", "x")
			if !ok {
				t.Fatal("delivery lost")
			}
			want := before
			if tc.updated {
				want.Post = edited(orig)
				want.Updated = t1
				if tc.frozen {
					want.Text, want.Link, want.Lang = orig.Text, orig.Link, orig.Lang
					want.Images = orig.Images
				}
			}
			if !deliveryEqual(after, want) {
				t.Errorf("after Enqueue:\n got  %+v\n want %+v", after, want)
			}
			// Enqueueing the same content again changes nothing, not even updated.
			must(t, h.s.Enqueue(ctx, []bot.Post{after.Post}, t1.Add(time.Hour)))
			if again, _ := get(t, h.s, "k", "x"); !deliveryEqual(again, after) {
				t.Errorf("same Enqueue again changed the row:\n got  %+v\n want %+v", again, after)
			}
			// The frozen text survives a restart and another edit.
			h.restart(t)
			must(t, h.s.Enqueue(ctx, []bot.Post{edited(edited(orig))}, t1.Add(2*time.Hour)))
			if d, _ := get(t, h.s, "k", "x"); tc.frozen && (d.Text != orig.Text || d.Link != orig.Link || !slices.Equal(d.Images, orig.Images)) {
				t.Errorf("after restart the text changed: %q %q", d.Text, d.Link)
			}
		})
	}
}

// One item's absurd time (a feed entry dated 9999, an RRULE gone wild)
// never fails its batch: the post is stored, at the far end of the range
// (a backend may keep the time exactly), and re-planning it is a no-op.
func testOutOfRangeTimes(t *testing.T, b Backend) {
	h := open(t, b)
	maxNS, minNS := time.Unix(0, math.MaxInt64), time.Unix(0, math.MinInt64)
	far := post("news:uutiset:9999", "x", time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC))
	far.Expires = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC)
	far.Order = time.Date(1, 1, 2, 0, 0, 0, 0, time.UTC) // year 1, not the zero time
	old := post("news:uutiset:1500", "x", time.Date(1500, 1, 1, 0, 0, 0, 0, time.UTC))
	batch := []bot.Post{post("news:uutiset:a", "x", t0), far, old, post("news:uutiset:b", "x", t0)}
	must(t, h.s.Enqueue(ctx, batch, t0))
	ds, err := h.s.Open(ctx, "x")
	must(t, err)
	if len(ds) != 4 {
		t.Fatalf("Open = %d deliveries, want all 4 of the batch", len(ds))
	}
	byKey := map[string]bot.Delivery{}
	for _, d := range ds {
		byKey[d.Key] = d
	}
	f, o := byKey[far.Key], byKey[old.Key]
	if f.Due.Before(maxNS) || f.Expires.Before(maxNS) || f.Order.After(minNS) || f.Order.IsZero() {
		t.Errorf("far post: due %v expires %v order %v; want due and expiry at or after %v, order at or before %v",
			f.Due, f.Expires, f.Order, maxNS, minNS)
	}
	if o.Due.After(minNS) || o.Due.IsZero() {
		t.Errorf("old post: due %v, want at or before %v", o.Due, minNS)
	}
	if ds[0].Key != old.Key || ds[3].Key != far.Key {
		t.Errorf("Open order %v, want the 1500 post first and the 9999 one last", ds)
	}
	must(t, h.s.Enqueue(ctx, batch, t0.Add(time.Hour)))
	if again, _ := get(t, h.s, far.Key, "x"); !again.Updated.Equal(t0) {
		t.Errorf("re-planning the far post changed it: updated %v", again.Updated)
	}
	// A platform's absurd reset time, or a far-back since, is no error either.
	must(t, claim(h.s, far.Key, "x", t0))
	must(t, h.s.MarkRetry(ctx, far.Key, "x", time.Date(5000, 1, 1, 0, 0, 0, 0, time.UTC), "429", t0))
	if d, _ := get(t, h.s, far.Key, "x"); d.NextAttempt.Before(maxNS) {
		t.Errorf("next attempt %v, want at or after %v", d.NextAttempt, maxNS)
	}
	if _, err := h.s.SentTimes(ctx, "x", time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("SentTimes(since year 1000) = %v", err)
	}
}

// Times come back equal to what was stored, to the nanosecond, whatever
// their zone and monotonic reading.
func testTimeRoundTrip(t *testing.T, b Backend) {
	helsinki, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Skip(err)
	}
	h := open(t, b)
	times := []time.Time{
		t0,
		time.Date(2021, 10, 31, 3, 30, 0, 1, helsinki), // ambiguous fall-back hour
		time.Unix(0, 1),
		time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond),
		time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1678, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	var posts []bot.Post
	for i, tm := range times {
		p := post(fmt.Sprintf("k%d", i), "x", tm)
		p.Expires, p.Order = tm.Add(time.Nanosecond), tm.Add(-time.Nanosecond)
		posts = append(posts, p)
	}
	must(t, h.s.Enqueue(ctx, posts, t0))
	h.restart(t)
	for i, tm := range times {
		d, ok := get(t, h.s, fmt.Sprintf("k%d", i), "x")
		if !ok || !d.Due.Equal(tm) || !d.Expires.Equal(tm.Add(time.Nanosecond)) || !d.Order.Equal(tm.Add(-time.Nanosecond)) {
			t.Errorf("%v came back as due %v expires %v order %v", tm, d.Due, d.Expires, d.Order)
		}
	}
}

func testOpenOrder(t *testing.T, b Backend) {
	h := open(t, b)
	posts := []bot.Post{post("c", "x", t0.Add(time.Hour)), post("b", "x", t0), post("a", "x", t0), post("d", "x", t0.Add(-time.Hour))}
	must(t, h.s.Enqueue(ctx, posts, t0))
	must(t, claim(h.s, "b", "x", t0)) // sending rows are listed too
	got, err := h.s.Open(ctx, "x")
	must(t, err)
	var keys []string
	for _, d := range got {
		keys = append(keys, d.Key)
	}
	if want := []string{"d", "a", "b", "c"}; !slices.Equal(keys, want) {
		t.Errorf("Open order %v, want %v (due, then key)", keys, want)
	}
}

type op struct {
	name string
	do   func(s Store, at time.Time) error
}

var (
	opSending = op{"sending", func(s Store, at time.Time) error { return claim(s, "k", "x", at) }}
	opSent    = op{"sent", func(s Store, at time.Time) error {
		return s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "123", URL: "https://x.com/LUMOhanke/status/123"}, at)
	}}
	opSentOther = op{"sent other", func(s Store, at time.Time) error {
		return s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "999", URL: "https://x.com/i/999"}, at)
	}}
	opRetry = op{"retry", func(s Store, at time.Time) error {
		return s.MarkRetry(ctx, "k", "x", at.Add(10*time.Second), "503 Service Unavailable", at)
	}}
	opFailed = op{"failed", func(s Store, at time.Time) error {
		return s.Finish(ctx, "k", "x", bot.StatusFailed, "401: check the access token", at)
	}}
	opFailedOther = op{"failed again", func(s Store, at time.Time) error {
		return s.Finish(ctx, "k", "x", bot.StatusFailed, "another reason", at)
	}}
	opSkipped = op{"skipped", func(s Store, at time.Time) error {
		return s.Finish(ctx, "k", "x", bot.StatusSkipped, "event started", at)
	}}
	opBadFinish = op{"finish sent", func(s Store, at time.Time) error {
		return s.Finish(ctx, "k", "x", bot.StatusSent, "", at)
	}}
	opBadFinishPending = op{"finish pending", func(s Store, at time.Time) error {
		return s.Finish(ctx, "k", "x", bot.StatusPending, "", at)
	}}
)

// testTransitions runs the state machine: each case applies prep, then op,
// and checks the error and the row.
func testTransitions(t *testing.T, b Backend) {
	ended := b.ErrEnded
	if ended == nil {
		ended = errAny
	}
	cases := []struct {
		prep     []op
		op       op
		wantErr  error
		status   bot.Status
		attempts int
		reason   string
		remoteID string
	}{
		{nil, opSending, nil, bot.StatusSending, 1, "", ""},
		{[]op{opSending}, opSending, nil, bot.StatusSending, 2, "", ""}, // attempt cut short by a crash
		{[]op{opSending}, opSent, nil, bot.StatusSent, 1, "", "123"},
		{nil, opSent, nil, bot.StatusSent, 0, "", "123"}, // pending → sent allowed
		{[]op{opSending}, opRetry, nil, bot.StatusPending, 1, "503 Service Unavailable", ""},
		{[]op{opSending, opRetry, opSending}, opSent, nil, bot.StatusSent, 2, "", "123"}, // sent clears the reason
		{[]op{opSending, opRetry}, opFailed, nil, bot.StatusFailed, 1, "401: check the access token", ""},
		{[]op{opSending}, opFailed, nil, bot.StatusFailed, 1, "401: check the access token", ""},
		{nil, opSkipped, nil, bot.StatusSkipped, 0, "event started", ""},
		{[]op{opSending}, opSkipped, nil, bot.StatusSkipped, 1, "event started", ""},
		{nil, opRetry, nil, bot.StatusPending, 0, "503 Service Unavailable", ""}, // pending → pending
		// Exact repeats are no-ops; a repeated Finish keeps the first reason.
		{[]op{opSending, opSent}, opSent, nil, bot.StatusSent, 1, "", "123"},
		{[]op{opFailed}, opFailed, nil, bot.StatusFailed, 0, "401: check the access token", ""},
		{[]op{opFailed}, opFailedOther, nil, bot.StatusFailed, 0, "401: check the access token", ""},
		{[]op{opSkipped}, opSkipped, nil, bot.StatusSkipped, 0, "event started", ""},
		// Sent rows are untouchable.
		{[]op{opSending, opSent}, opSentOther, ended, bot.StatusSent, 1, "", "123"},
		{[]op{opSending, opSent}, opFailed, ended, bot.StatusSent, 1, "", "123"},
		{[]op{opSending, opSent}, opSkipped, ended, bot.StatusSent, 1, "", "123"},
		{[]op{opSending, opSent}, opRetry, ended, bot.StatusSent, 1, "", "123"},
		{[]op{opSending, opSent}, opSending, errNotClaimed, bot.StatusSent, 1, "", "123"},
		// So are failed and skipped ones.
		{[]op{opFailed}, opSent, ended, bot.StatusFailed, 0, "401: check the access token", ""},
		{[]op{opFailed}, opSkipped, ended, bot.StatusFailed, 0, "401: check the access token", ""},
		{[]op{opFailed}, opSending, errNotClaimed, bot.StatusFailed, 0, "401: check the access token", ""},
		{[]op{opSkipped}, opSending, errNotClaimed, bot.StatusSkipped, 0, "event started", ""},
		{[]op{opSkipped}, opRetry, ended, bot.StatusSkipped, 0, "event started", ""},
		{[]op{opSkipped}, opFailed, ended, bot.StatusSkipped, 0, "event started", ""},
		// Finish takes failed or skipped only.
		{nil, opBadFinish, errAny, bot.StatusPending, 0, "", ""},
		{nil, opBadFinishPending, errAny, bot.StatusPending, 0, "", ""},
	}
	for _, tc := range cases {
		var names []string
		for _, p := range tc.prep {
			names = append(names, p.name)
		}
		t.Run(strings.Join(append(names, tc.op.name), "→"), func(t *testing.T) {
			h := open(t, b)
			must(t, h.s.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0))
			at := t0
			for _, p := range tc.prep {
				at = at.Add(time.Minute)
				if err := p.do(h.s, at); err != nil {
					t.Fatalf("prep %s: %v", p.name, err)
				}
			}
			before, _ := get(t, h.s, "k", "x")
			err := tc.op.do(h.s, at.Add(time.Minute))
			wantErr(t, tc.op.name, err, tc.wantErr)
			if err != nil && err != errNotClaimed && !strings.Contains(err.Error(), "k→x") {
				t.Errorf("error %q does not name the delivery k→x", err)
			}
			d, _ := get(t, h.s, "k", "x")
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

func testTransitionTimes(t *testing.T, b Backend) {
	h := open(t, b)
	s := h.s
	must(t, s.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0))
	t1, t2, t3, t4 := t0.Add(time.Second), t0.Add(2*time.Second), t0.Add(3*time.Second), t0.Add(4*time.Second)
	next := t0.Add(time.Hour + 7*time.Nanosecond)
	steps := []struct {
		do               func() error
		first, next, upd time.Time
	}{
		{func() error { return claim(s, "k", "x", t1) }, t1, time.Time{}, t1},
		{func() error { return s.MarkRetry(ctx, "k", "x", next, "timeout", t2) }, t1, next, t2},
		{func() error { return claim(s, "k", "x", t3) }, t1, next, t3}, // first try kept
		{func() error { return s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "1", URL: "u"}, t4) }, t1, time.Time{}, t4},
		{func() error { return s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "1", URL: "u"}, t4.Add(time.Hour)) }, t1, time.Time{}, t4}, // repeat
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
	h.restart(t)
	d, _ := get(t, h.s, "k", "x")
	if d.Status != bot.StatusSent || d.RemoteURL != "u" || !d.Updated.Equal(t4) || !d.FirstTry.Equal(t1) || d.Attempts != 2 {
		t.Errorf("after restart: %+v", d)
	}
}

// MarkSending says whether the caller may send: true for a pending or a
// sending row (one cut short by a crash), false for an ended one, an error
// for a missing one.
func testMarkSendingClaimed(t *testing.T, b Backend) {
	h := open(t, b)
	must(t, h.s.Enqueue(ctx, []bot.Post{post("p", "x", t0), post("s", "x", t0), post("f", "x", t0), post("k", "x", t0)}, t0))
	must(t, h.s.MarkSent(ctx, "s", "x", bot.Receipt{ID: "1"}, t0))
	must(t, h.s.Finish(ctx, "f", "x", bot.StatusFailed, "401", t0))
	must(t, h.s.Finish(ctx, "k", "x", bot.StatusSkipped, "late", t0))
	for _, tc := range []struct {
		key     string
		claimed bool
		err     bool
	}{
		{"p", true, false},
		{"p", true, false}, // sending again after a crash
		{"s", false, false},
		{"f", false, false},
		{"k", false, false},
		{"missing", false, true},
	} {
		ok, err := h.s.MarkSending(ctx, tc.key, "x", t0.Add(time.Minute))
		if ok != tc.claimed || (err != nil) != tc.err {
			t.Errorf("MarkSending(%s) = %v, %v; want %v, error %v", tc.key, ok, err, tc.claimed, tc.err)
		}
		if tc.err && b.ErrNotFound != nil && !errors.Is(err, b.ErrNotFound) {
			t.Errorf("MarkSending(%s) = %v, want %v", tc.key, err, b.ErrNotFound)
		}
	}
	if _, err := h.s.MarkSending(ctx, "p", "x", time.Time{}); err == nil {
		t.Error("MarkSending(zero now): no error")
	}
}

func testMissingDelivery(t *testing.T, b Backend) {
	h := open(t, b)
	must(t, h.s.Enqueue(ctx, []bot.Post{post("k", "other", t0)}, t0))
	notFound := b.ErrNotFound
	if notFound == nil {
		notFound = errAny
	}
	for name, do := range map[string]func() error{
		"MarkSending":  func() error { _, err := h.s.MarkSending(ctx, "nope", "x", t0); return err },
		"MarkSent":     func() error { return h.s.MarkSent(ctx, "nope", "x", bot.Receipt{}, t0) },
		"MarkRetry":    func() error { return h.s.MarkRetry(ctx, "nope", "x", t0, "", t0) },
		"Finish":       func() error { return h.s.Finish(ctx, "nope", "x", bot.StatusFailed, "", t0) },
		"other target": func() error { return h.s.MarkSent(ctx, "k", "x", bot.Receipt{}, t0) },
	} {
		t.Run(name, func(t *testing.T) {
			err := do()
			wantErr(t, name, err, notFound)
			if !strings.Contains(err.Error(), "→x") {
				t.Errorf("%s = %v, want an error naming the delivery", name, err)
			}
		})
	}
	if c, _ := h.s.Counts(ctx); fmt.Sprint(c) != "map[other:map[pending:1]]" {
		t.Errorf("calls on missing deliveries made rows: %v", c)
	}
}

func testSentTimesCountsRecent(t *testing.T, b Backend) {
	h := open(t, b)
	s := h.s
	var posts []bot.Post
	for i := range 6 {
		posts = append(posts, post(fmt.Sprintf("k%d", i), "x", t0), post(fmt.Sprintf("k%d", i), "mastodon", t0))
	}
	must(t, s.Enqueue(ctx, posts, t0))
	// Sent out of key order: k3 first, then k0, k5, k1 (ns apart at the end).
	at := func(m int) time.Time { return t0.Add(time.Duration(m)*time.Minute + time.Duration(m)) }
	for i, k := range []string{"k3", "k0", "k5", "k1"} {
		must(t, claim(s, k, "x", at(i)))
		must(t, s.MarkSent(ctx, k, "x", bot.Receipt{ID: k}, at(i+1)))
	}
	must(t, s.Finish(ctx, "k2", "x", bot.StatusSkipped, "quiet hours", at(10)))
	must(t, s.Finish(ctx, "k2", "mastodon", bot.StatusFailed, "422", at(11)))
	must(t, claim(s, "k4", "x", at(12)))
	h.restart(t)
	s = h.s

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
		{"nobody", time.Time{}, nil},
	} {
		got, err := s.SentTimes(ctx, tc.target, tc.since)
		must(t, err)
		if !slices.EqualFunc(got, tc.want, time.Time.Equal) {
			t.Errorf("SentTimes(%s, %v) = %v, want %v", tc.target, tc.since, got, tc.want)
		}
	}

	counts, err := s.Counts(ctx)
	must(t, err)
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
		must(t, err)
		var names []string
		for _, d := range got {
			names = append(names, d.String())
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("Recent(%d) = %v, want %v", tc.n, names, tc.want)
		}
	}

	open, err := s.Open(ctx, "x")
	must(t, err)
	if len(open) != 1 || open[0].Key != "k4" || open[0].Status != bot.StatusSending {
		t.Errorf("Open(x) = %v, want k4 sending", open)
	}
}

func testEnded(t *testing.T, b Backend) {
	h := open(t, b)
	s := h.s
	var posts []bot.Post
	for i := range 1200 { // more keys than one query binds in some backends
		posts = append(posts, post(fmt.Sprintf("k%d", i), "x", t0))
	}
	posts = append(posts, post("k1", "mastodon", t0))
	must(t, s.Enqueue(ctx, posts, t0))
	must(t, s.MarkSent(ctx, "k1", "x", bot.Receipt{ID: "1"}, t0))
	must(t, s.Finish(ctx, "k2", "x", bot.StatusFailed, "401", t0))
	must(t, s.Finish(ctx, "k1100", "x", bot.StatusSkipped, "late", t0))
	must(t, claim(s, "k3", "x", t0))
	must(t, s.MarkSent(ctx, "k1", "mastodon", bot.Receipt{ID: "m"}, t0))
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
		must(t, err)
		if fmt.Sprint(got) != tc.want {
			t.Errorf("Ended(%s) = %v, want %s", tc.target, got, tc.want)
		}
	}
}

// Many goroutines on one store, as the deliverers of several targets and
// the poller are: every write lands.
func testConcurrent(t *testing.T, b Backend) {
	h := open(t, b)
	s := h.s
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
					func() error { return claim(s, key, target, at) },
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
	must(t, err)
	for _, target := range targets {
		if counts[target][bot.StatusSent] != perTarget {
			t.Errorf("%s: %d sent, want %d", target, counts[target][bot.StatusSent], perTarget)
		}
	}
}
