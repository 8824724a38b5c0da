package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

func testFeedNeverSeen(t *testing.T, b Backend) {
	h := open(t, b)
	st, err := h.s.Feed(ctx, "uutiset")
	if err != nil || st.Known || st.ETag != "" || st.LastModified != "" || st.Body != nil || !st.Fetched.IsZero() {
		t.Fatalf("Feed(never seen) = %+v, %v; want zero state", st, err)
	}
	if got, err := h.s.Unseen(ctx, "uutiset", []string{"a", "b", "a"}); err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Unseen(never seen feed) = %q, %v; want [a b]", got, err)
	}
}

func feedEqual(a, b bot.FeedState) bool {
	return a.Known == b.Known && a.ETag == b.ETag && a.LastModified == b.LastModified &&
		bytes.Equal(a.Body, b.Body) && (a.Body == nil) == (b.Body == nil) && a.Fetched.Equal(b.Fetched)
}

func testSaveFeed(t *testing.T, b Backend) {
	h := open(t, b)
	steps := []struct {
		name string
		st   bot.FeedState
		seen []string
		want bot.FeedState
	}{
		{"news first fetch", bot.FeedState{ETag: `"v1"`, LastModified: "Wed, 05 May 2021 10:00:00 GMT", Fetched: t0},
			[]string{"a", "b"},
			bot.FeedState{Known: true, ETag: `"v1"`, LastModified: "Wed, 05 May 2021 10:00:00 GMT", Fetched: t0}},
		{"same again", bot.FeedState{ETag: `"v1"`, LastModified: "Wed, 05 May 2021 10:00:00 GMT", Fetched: t0},
			[]string{"a", "b"},
			bot.FeedState{Known: true, ETag: `"v1"`, LastModified: "Wed, 05 May 2021 10:00:00 GMT", Fetched: t0}},
		{"validators replaced", bot.FeedState{ETag: `"v2"`, Fetched: t0.Add(time.Hour)},
			[]string{"b", "c", "c"},
			bot.FeedState{Known: true, ETag: `"v2"`, Fetched: t0.Add(time.Hour)}},
		{"calendar body", bot.FeedState{Body: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), Fetched: t0.Add(2 * time.Hour)},
			nil,
			bot.FeedState{Known: true, Body: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), Fetched: t0.Add(2 * time.Hour)}},
		{"empty body kept apart from none", bot.FeedState{Body: []byte{}, Fetched: t0.Add(3 * time.Hour)},
			nil,
			bot.FeedState{Known: true, Body: []byte{}, Fetched: t0.Add(3 * time.Hour)}},
		{"body dropped", bot.FeedState{}, nil, bot.FeedState{Known: true}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			must(t, h.s.SaveFeed(ctx, "uutiset", step.st, step.seen, t0))
			got, err := h.s.Feed(ctx, "uutiset")
			must(t, err)
			if !feedEqual(got, step.want) {
				t.Errorf("Feed = %+v, want %+v", got, step.want)
			}
		})
	}
	h.restart(t)
	got, err := h.s.Unseen(ctx, "uutiset", []string{"d", "a", "b", "c", "e", "d"})
	must(t, err)
	if want := []string{"d", "e"}; !slices.Equal(got, want) {
		t.Errorf("after restart Unseen = %q, want %q", got, want)
	}
	// Seen ids belong to their feed only.
	if got, _ := h.s.Unseen(ctx, "tapahtumat", []string{"a"}); !slices.Equal(got, []string{"a"}) {
		t.Errorf("Unseen(other feed) = %q, want [a]", got)
	}
	if st, _ := h.s.Feed(ctx, "tapahtumat"); st.Known {
		t.Error("another feed became known")
	}
	if err := h.s.SaveFeed(ctx, "", bot.FeedState{}, nil, t0); err == nil {
		t.Error("SaveFeed(empty name): no error")
	}
	if err := h.s.SaveFeed(ctx, "x", bot.FeedState{}, []string{"z"}, time.Time{}); err == nil {
		t.Error("SaveFeed(zero now): no error")
	}
	if got, _ := h.s.Unseen(ctx, "x", []string{"z"}); len(got) != 1 {
		t.Error("a failed SaveFeed marked ids seen")
	}
	// An absurd fetch time is no error (see OutOfRangeTimes).
	must(t, h.s.SaveFeed(ctx, "x", bot.FeedState{Fetched: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)}, nil, t0))
}

// SaveFeed takes any number of ids, duplicates within one call included,
// and saving them again is a no-op.
func testSaveFeedSizes(t *testing.T, b Backend) {
	for _, n := range []int{0, 1, 99, 100, 101, 207, 499, 500, 501} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			h := open(t, b)
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("id-%d", i)
			}
			must(t, h.s.SaveFeed(ctx, "f", bot.FeedState{}, append(ids, ids...), t0))
			probe := append(slices.Clone(ids), "new")
			got, err := h.s.Unseen(ctx, "f", probe)
			if err != nil || !slices.Equal(got, []string{"new"}) {
				t.Fatalf("Unseen = %q, %v; want [new]", got, err)
			}
			must(t, h.s.SaveFeed(ctx, "f", bot.FeedState{}, probe, t0.Add(time.Hour)))
			if got, err := h.s.Unseen(ctx, "f", probe); err != nil || len(got) != 0 {
				t.Errorf("after the second save Unseen = %q, %v", got, err)
			}
		})
	}
}

// More ids than a statement binds in SQLite, and 10,000 saved quickly.
func testManyIDs(t *testing.T, b Backend) {
	h := open(t, b)
	ids := make([]string, 40000)
	for i := range ids {
		ids[i] = fmt.Sprintf("tag:example.fi,2021:%d", i)
	}
	must(t, h.s.SaveFeed(ctx, "uutiset", bot.FeedState{}, ids[:10000], t0))
	got, err := h.s.Unseen(ctx, "uutiset", ids)
	must(t, err)
	if !slices.Equal(got, ids[10000:]) {
		t.Errorf("Unseen returned %d ids, want the last %d", len(got), len(ids)-10000)
	}
	if got, err := h.s.Unseen(ctx, "uutiset", nil); err != nil || len(got) != 0 {
		t.Errorf("Unseen(nil) = %q, %v", got, err)
	}
}

func testKV(t *testing.T, b Backend) {
	h := open(t, b)
	if v, ok, err := h.s.Get(ctx, "bluesky:session"); err != nil || ok || v != nil {
		t.Fatalf("Get(missing) = %q, %v, %v", v, ok, err)
	}
	steps := []struct{ key, value string }{
		{"bluesky:session", `{"accessJwt":"a"}`},
		{"bluesky:session", `{"accessJwt":"b"}`}, // replaced
		{"other", ""},                            // empty but present
		{"binary", "\x00\xff\x00"},
	}
	for _, st := range steps {
		must(t, h.s.Put(ctx, st.key, []byte(st.value)))
		v, ok, err := h.s.Get(ctx, st.key)
		if err != nil || !ok || string(v) != st.value || v == nil {
			t.Errorf("Get(%s) = %q, %v, %v; want %q", st.key, v, ok, err, st.value)
		}
	}
	if err := h.s.Put(ctx, "", []byte("x")); err == nil {
		t.Error("Put(empty key): no error")
	}
	// What Get returned is the caller's: changing it changes nothing stored.
	v, _, _ := h.s.Get(ctx, "binary")
	v[0] = 'X'
	h.restart(t)
	for _, kv := range [][2]string{{"bluesky:session", `{"accessJwt":"b"}`}, {"other", ""}, {"binary", "\x00\xff\x00"}} {
		if v, ok, err := h.s.Get(ctx, kv[0]); err != nil || !ok || string(v) != kv[1] {
			t.Errorf("after restart Get(%s) = %q, %v, %v; want %q", kv[0], v, ok, err, kv[1])
		}
	}
}
