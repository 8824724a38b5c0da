package store

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

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

// An id seen again keeps the time it was first seen at, across SaveFeed's
// batch edges (the generic sizes are in storetest).
func TestSaveFeedKeepsFirstSeen(t *testing.T) {
	for _, n := range []int{1, seenBatch - 1, seenBatch, seenBatch + 1, 2*seenBatch + 7} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, _ := newStore(t)
			ids := make([]string, n)
			for i := range ids {
				ids[i] = fmt.Sprintf("id-%d", i)
			}
			if err := s.SaveFeed(ctx, "f", bot.FeedState{}, append(ids, ids...), t0); err != nil {
				t.Fatal(err)
			}
			if err := s.SaveFeed(ctx, "f", bot.FeedState{}, append(slices.Clone(ids), "new"), t0.Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
			var first, later int
			err := s.db.QueryRow(`SELECT count(*) FILTER (WHERE seen_at = ?), count(*) FILTER (WHERE seen_at > ?)
				FROM seen WHERE feed = 'f'`, t0.UnixNano(), t0.UnixNano()).Scan(&first, &later)
			if err != nil || first != n || later != 1 {
				t.Errorf("seen_at: %d at the first save, %d later (%v); want %d and 1", first, later, err, n)
			}
		})
	}
}
