package store

import (
	"fmt"
	"regexp"
	"strings"
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

// The delivery loop runs Open and SentTimes for every post: each must be a
// search of an index that also gives the order, with no sort and no scan.
func TestQueryPlans(t *testing.T) {
	s, _ := newStore(t)
	var posts []bot.Post
	for i := range 200 {
		posts = append(posts, post(fmt.Sprintf("k%d", i), []string{"x", "mastodon"}[i%2], t0.Add(time.Duration(i)*time.Minute)))
	}
	if err := s.Enqueue(ctx, posts, t0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, query string
		args        []any
		index       string
	}{
		{"Open", openQuery, []any{"x"}, "outbox_open"},
		{"SentTimes", sentTimesQuery, []any{"x", int64(0)}, "outbox_sent"},
	} {
		rows, err := s.db.Query(`EXPLAIN QUERY PLAN `+tc.query, tc.args...)
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "; ")
		t.Logf("%s: %s", tc.name, got)
		if !regexp.MustCompile(`^SEARCH outbox USING (COVERING )?INDEX `+tc.index+` `).MatchString(got) || strings.Contains(got, "TEMP B-TREE") || strings.Contains(got, "SCAN") {
			t.Errorf("%s plan %q, want a search of %s with no sort", tc.name, got, tc.index)
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

// BenchmarkOpen and BenchmarkSentTimes are the per-post reads, over an
// outbox with a year of history.
func BenchmarkOpen(b *testing.B) {
	s := historyStore(b)
	for b.Loop() {
		if _, err := s.Open(ctx, "x"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSentTimes(b *testing.B) {
	s := historyStore(b)
	for b.Loop() {
		if _, err := s.SentTimes(ctx, "x", t0.Add(360*24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
}

// historyStore holds 365×8 sent posts on each of 4 targets and 20 pending.
func historyStore(b *testing.B) *Store {
	s, _ := newStore(b)
	var posts []bot.Post
	for _, target := range []string{"x", "mastodon", "bluesky", "teams"} {
		for i := range 365 * 8 {
			posts = append(posts, post(fmt.Sprintf("news:uutiset:%d", i), target, t0.Add(time.Duration(i)*3*time.Hour)))
		}
	}
	if err := s.Enqueue(ctx, posts, t0); err != nil {
		b.Fatal(err)
	}
	for _, p := range posts[:len(posts)-20] {
		if err := s.MarkSent(ctx, p.Key, p.Target, bot.Receipt{ID: p.Key}, p.Due); err != nil {
			b.Fatal(err)
		}
	}
	return s
}
