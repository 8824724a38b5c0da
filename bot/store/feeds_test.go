package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

func TestFeedNeverSeen(t *testing.T) {
	s, _ := newStore(t)
	st, err := s.Feed(ctx, "uutiset")
	if err != nil || st.Known || st.ETag != "" || st.Body != nil || !st.Fetched.IsZero() {
		t.Fatalf("Feed(never seen) = %+v, %v; want zero state", st, err)
	}
}

func TestSaveFeed(t *testing.T) {
	s, path := newStore(t)
	steps := []struct {
		name string
		st   bot.FeedState
		seen []string
		want bot.FeedState
	}{
		{"news first fetch", bot.FeedState{ETag: `"v1"`, LastModified: "Wed, 05 May 2021 10:00:00 GMT", Fetched: t0},
			[]string{"a", "b"},
			bot.FeedState{Known: true, ETag: `"v1"`, LastModified: "Wed, 05 May 2021 10:00:00 GMT", Fetched: t0}},
		{"validators replaced", bot.FeedState{ETag: `"v2"`, Fetched: t0.Add(time.Hour)},
			[]string{"b", "c", "c"},
			bot.FeedState{Known: true, ETag: `"v2"`, Fetched: t0.Add(time.Hour)}},
		{"calendar body", bot.FeedState{Body: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), Fetched: t0.Add(2 * time.Hour)},
			nil,
			bot.FeedState{Known: true, Body: []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"), Fetched: t0.Add(2 * time.Hour)}},
		{"body dropped", bot.FeedState{}, nil, bot.FeedState{Known: true}},
	}
	for _, step := range steps {
		t.Run(step.name, func(t *testing.T) {
			if err := s.SaveFeed(ctx, "uutiset", step.st, step.seen, t0); err != nil {
				t.Fatal(err)
			}
			got, err := s.Feed(ctx, "uutiset")
			if err != nil {
				t.Fatal(err)
			}
			if !feedEqual(got, step.want) {
				t.Errorf("Feed = %+v, want %+v", got, step.want)
			}
		})
	}
	s = reopen(t, s, path)
	got, err := s.Unseen(ctx, "uutiset", []string{"d", "a", "b", "c", "e", "d"})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"d", "e"}; !slices.Equal(got, want) {
		t.Errorf("after reopen Unseen = %q, want %q", got, want)
	}
	// Seen ids belong to their feed only.
	if got, _ := s.Unseen(ctx, "tapahtumat", []string{"a"}); !slices.Equal(got, []string{"a"}) {
		t.Errorf("Unseen(other feed) = %q, want [a]", got)
	}
	if err := s.SaveFeed(ctx, "", bot.FeedState{}, nil, t0); err == nil {
		t.Error("SaveFeed(empty name): no error")
	}
	if err := s.SaveFeed(ctx, "x", bot.FeedState{}, nil, time.Time{}); err == nil {
		t.Error("SaveFeed(zero now): no error")
	}
}

func feedEqual(a, b bot.FeedState) bool {
	return a.Known == b.Known && a.ETag == b.ETag && a.LastModified == b.LastModified &&
		string(a.Body) == string(b.Body) && (a.Body == nil) == (b.Body == nil) && a.Fetched.Equal(b.Fetched)
}

// SaveFeed is one transaction: a failure part-way leaves nothing behind.
func TestSaveFeedAtomic(t *testing.T) {
	s, _ := newStore(t)
	if _, err := s.db.Exec(`CREATE TRIGGER no_bad BEFORE INSERT ON seen WHEN NEW.item_id = 'bad'
		BEGIN SELECT RAISE(ABORT, 'bad id'); END`); err != nil {
		t.Fatal(err)
	}
	err := s.SaveFeed(ctx, "uutiset", bot.FeedState{ETag: "x"}, []string{"a", "bad"}, t0)
	if err == nil {
		t.Fatal("SaveFeed: no error from the trigger")
	}
	if st, _ := s.Feed(ctx, "uutiset"); st.Known {
		t.Error("feed saved although its seen ids were not")
	}
	if got, _ := s.Unseen(ctx, "uutiset", []string{"a"}); len(got) != 1 {
		t.Error("id a marked seen by a failed SaveFeed")
	}
}

// More ids than SQLite binds in one statement, and 10,000 saved quickly.
func TestManyIDs(t *testing.T) {
	s, _ := newStore(t)
	ids := make([]string, 40000)
	for i := range ids {
		ids[i] = fmt.Sprintf("tag:example.fi,2021:%d", i)
	}
	start := time.Now()
	if err := s.SaveFeed(ctx, "uutiset", bot.FeedState{}, ids[:10000], t0); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("SaveFeed of 10,000 ids: %v", took)
	if took > 5*time.Second {
		t.Errorf("SaveFeed of 10,000 ids took %v", took)
	}
	got, err := s.Unseen(ctx, "uutiset", ids)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, ids[10000:]) {
		t.Errorf("Unseen returned %d ids, want the last %d", len(got), len(ids)-10000)
	}
	if got, err := s.Unseen(ctx, "uutiset", nil); err != nil || len(got) != 0 {
		t.Errorf("Unseen(nil) = %q, %v", got, err)
	}
}

func BenchmarkSaveFeed(b *testing.B) {
	s, _ := newStore(b)
	ids := make([]string, 100)
	for i := 0; b.Loop(); i++ {
		for j := range ids {
			ids[j] = fmt.Sprintf("https://example.fi/uutiset/%d-%d", i, j)
		}
		if err := s.SaveFeed(ctx, "uutiset", bot.FeedState{ETag: "x", Fetched: t0}, ids, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSaveFeed10k(b *testing.B) {
	s, _ := newStore(b)
	ids := make([]string, 10000)
	for i := 0; b.Loop(); i++ {
		for j := range ids {
			ids[j] = fmt.Sprintf("https://example.fi/uutiset/%d-%d", i, j)
		}
		if err := s.SaveFeed(ctx, "uutiset", bot.FeedState{ETag: "x", Fetched: t0}, ids, t0); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnseen(b *testing.B) {
	s, _ := newStore(b)
	ids := make([]string, 100)
	for j := range ids {
		ids[j] = fmt.Sprintf("https://example.fi/uutiset/%d", j)
	}
	if err := s.SaveFeed(ctx, "uutiset", bot.FeedState{}, ids[:90], t0); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.Unseen(ctx, "uutiset", ids); err != nil {
			b.Fatal(err)
		}
	}
}

// SaveFeed writes ids in batches: sizes around the batch edges all land,
// duplicates within one call are fine, and an id keeps its first seen_at.
func TestSaveFeedBatchSizes(t *testing.T) {
	for _, n := range []int{0, 1, seenBatch - 1, seenBatch, seenBatch + 1, 2*seenBatch + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, _ := newStore(t)
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("id-%d", i)
			}
			if err := s.SaveFeed(ctx, "f", bot.FeedState{}, append(ids, ids...), t0); err != nil {
				t.Fatal(err)
			}
			probe := append(slices.Clone(ids), "new")
			got, err := s.Unseen(ctx, "f", probe)
			if err != nil || !slices.Equal(got, []string{"new"}) {
				t.Fatalf("Unseen = %q, %v; want [new]", got, err)
			}
			if err := s.SaveFeed(ctx, "f", bot.FeedState{}, probe, t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			var first, later int
			err = s.db.QueryRow(`SELECT count(*) FILTER (WHERE seen_at = ?), count(*) FILTER (WHERE seen_at > ?)
				FROM seen WHERE feed = 'f'`, t0.UnixNano(), t0.UnixNano()).Scan(&first, &later)
			if err != nil || first != n || later != 1 {
				t.Errorf("seen_at: %d at the first save, %d later (%v); want %d and 1", first, later, err, n)
			}
		})
	}
}
