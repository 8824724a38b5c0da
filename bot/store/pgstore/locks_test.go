package pgstore_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store/pgstore"
)

// named is u with an application_name, to find its connections.
func named(t *testing.T, u, name string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	q := p.Query()
	q.Set("application_name", name)
	p.RawQuery = q.Encode()
	return p.String()
}

func newLocks(t *testing.T, u string) *pgstore.Locks {
	t.Helper()
	l, err := pgstore.NewLocks(u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// cut terminates the connections of application name: what a replica
// sees when the network or the database drops it.
func cut(t *testing.T, pool *pgxpool.Pool, name string) {
	t.Helper()
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatalf("no connection of %s to cut", name)
	}
	// pg_terminate_backend only signals: the backend, and the advisory
	// locks it holds, go a moment later. Wait until they are gone.
	for i := 0; ; i++ {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if i == 500 {
			t.Fatalf("%d connections of %s still there 5 s after they were cut", n, name)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// lead checks l.Lead. Taking over may need a moment: the server frees a
// dead session's advisory locks when its backend has exited, which
// follows a closed or terminated connection asynchronously (a follower
// asks again every few seconds); so a true is waited for, up to 5 s.
func lead(t *testing.T, what string, l *pgstore.Locks, want bool) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(10 * time.Millisecond) {
		got, err := l.Lead(ctx)
		if got == want {
			return
		}
		if !want || time.Since(start) > 5*time.Second {
			t.Fatalf("%s: Lead = %v (%v), want %v", what, got, err, want)
		}
	}
}

// The poll leadership: one holder; it passes to another replica as soon as
// the leader's connection is gone (the process died, or the database cut
// it), and the old leader then knows it no longer leads.
func TestLeaderHandover(t *testing.T) {
	t.Parallel()
	u, pool := database(t)
	a, b, c := newLocks(t, named(t, u, "leader-a")), newLocks(t, named(t, u, "leader-b")), newLocks(t, named(t, u, "leader-c"))
	lead(t, "a first", a, true)
	lead(t, "b while a leads", b, false)
	lead(t, "a again", a, true)
	a.Close() // a dies
	lead(t, "b after a died", b, true)
	lead(t, "c while b leads", c, false)
	cut(t, pool, "leader-b") // b's connection dropped
	lead(t, "c after b's connection was cut", c, true)
	lead(t, "b after its connection came back", b, false)
	// Another state (schema) in the same database has a leader of its own.
	other, _ := database(t)
	lead(t, "another schema", newLocks(t, other), true)
}

// A target's lock: one holder at a time, also within one process; Held
// tells a holder whose connection was cut; Unlock hands it on.
func TestTargetLock(t *testing.T) {
	t.Parallel()
	u, pool := database(t)
	a, b := newLocks(t, named(t, u, "lock-a")), newLocks(t, named(t, u, "lock-b"))
	la, ok, err := a.TryLock(ctx, "deliver:mastodon")
	if !ok || err != nil {
		t.Fatalf("a: %v, %v", ok, err)
	}
	if _, ok, err := b.TryLock(ctx, "deliver:mastodon"); ok || err != nil {
		t.Fatalf("b while a holds: %v, %v", ok, err)
	}
	if _, ok, _ := a.TryLock(ctx, "deliver:mastodon"); ok {
		t.Fatal("a second pass in the same process took the lock a holds")
	}
	lx, ok, err := b.TryLock(ctx, "deliver:x")
	if !ok || err != nil {
		t.Fatalf("another target's lock: %v, %v", ok, err)
	}
	if err := la.Held(ctx); err != nil {
		t.Fatalf("Held: %v", err)
	}
	la.Unlock()
	lb, ok, err := b.TryLock(ctx, "deliver:mastodon")
	if !ok || err != nil {
		t.Fatalf("b after a unlocked: %v, %v", ok, err)
	}
	cut(t, pool, "lock-b")
	if err := lb.Held(ctx); err == nil {
		t.Fatal("Held after the connection was cut: no error")
	}
	if err := lx.Held(ctx); err == nil {
		t.Fatal("Held of the other lock after the connection was cut: no error")
	}
	lb.Unlock() // gone already: a no-op
	if _, ok, err := a.TryLock(ctx, "deliver:mastodon"); !ok || err != nil {
		t.Fatalf("a after b's connection was cut: %v, %v", ok, err)
	}
	// b reconnects on its next call, and finds the lock taken.
	if _, ok, err := b.TryLock(ctx, "deliver:mastodon"); ok || err != nil {
		t.Fatalf("b reconnected: %v, %v", ok, err)
	}
	var _ bot.Lock = la
}

// A database that does not answer: TryLock and Lead fail, and work again
// when it is back.
func TestLocksUnreachable(t *testing.T) {
	l := newLocks(t, "postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=1")
	if _, ok, err := l.TryLock(ctx, "x"); ok || err == nil {
		t.Errorf("TryLock: %v, %v; want an error", ok, err)
	} else if strings.Contains(err.Error(), "hunter2") {
		t.Errorf("the password is in the error: %v", err)
	}
	if ok, err := l.Lead(ctx); ok || err == nil {
		t.Errorf("Lead: %v, %v; want an error", ok, err)
	}
}

// Replicas announce the config they run; each sees the others, not
// itself, and not those gone quiet.
func TestAnnounce(t *testing.T) {
	t.Parallel()
	u, _ := database(t)
	c := &clock{t: t0}
	a := openT(t, u, pgstore.Options{Now: c.now, Owner: "a"})
	b := openT(t, u, pgstore.Options{Now: c.now, Owner: "b"})
	if rs, err := a.Announce(ctx, "h1", "v1", t0, t0.Add(-time.Minute)); err != nil || len(rs) != 0 {
		t.Fatalf("a alone: %v, %v", rs, err)
	}
	c.set(t0.Add(10 * time.Second))
	rs, err := b.Announce(ctx, "h2", "v2", t0, t0.Add(-time.Minute))
	if err != nil || len(rs) != 1 || rs[0].ID != "a" || rs[0].ConfigHash != "h1" || rs[0].Version != "v1" || !rs[0].Seen.Equal(t0) {
		t.Fatalf("b sees %+v, %v; want a with h1", rs, err)
	}
	// a reloads to b's config.
	c.set(t0.Add(20 * time.Second))
	if rs, err := a.Announce(ctx, "h2", "v1", t0, t0.Add(-time.Minute)); err != nil || len(rs) != 1 || rs[0].ConfigHash != "h2" {
		t.Fatalf("a sees %+v, %v", rs, err)
	}
	// b stops cleanly: a no longer counts it.
	if err := b.Leave(ctx); err != nil {
		t.Fatal(err)
	}
	if rs, err := a.Announce(ctx, "h2", "v1", t0, t0.Add(-time.Minute)); err != nil || len(rs) != 0 {
		t.Fatalf("after b left a sees %+v, %v", rs, err)
	}
	// One gone quiet is not seen after since.
	b.Announce(ctx, "h3", "v2", t0, t0)
	c.set(t0.Add(5 * time.Minute))
	if rs, err := a.Announce(ctx, "h2", "v1", t0, t0.Add(4*time.Minute)); err != nil || len(rs) != 0 {
		t.Fatalf("a sees the quiet b: %+v, %v", rs, err)
	}
}

// A read-only Open writes nothing: it refuses a database without the
// schema and leaves the tables alone.
func TestReadOnly(t *testing.T) {
	t.Parallel()
	u, pool := database(t)
	now := func() time.Time { return t0 }
	if _, err := pgstore.Open(ctx, u, pgstore.Options{Now: now, ReadOnly: true}); !errors.Is(err, pgstore.ErrNoSchema) {
		t.Fatalf("read-only Open of an empty schema = %v, want ErrNoSchema", err)
	}
	var n int
	pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&n)
	if n != 0 {
		t.Errorf("the read-only Open created %d tables", n)
	}
	w := openT(t, u, pgstore.Options{Now: now})
	if err := w.Enqueue(ctx, []bot.Post{post("k")}, t0); err != nil {
		t.Fatal(err)
	}
	r := openT(t, u, pgstore.Options{Now: now, ReadOnly: true})
	if ds, err := r.Open(ctx, "x"); err != nil || len(ds) != 1 {
		t.Fatalf("read: %v, %v", ds, err)
	}
	if err := r.Put(ctx, "k", []byte("v")); err == nil {
		t.Error("Put on a read-only store: no error")
	}
}

// MarkRetry and Finish leave a delivery another replica holds alone
// (ErrLeaseLost): a replica whose claim lapsed must not release the claim
// of the one that took the post over.
func TestRetryOfAnotherOwnersClaim(t *testing.T) {
	t.Parallel()
	u, _ := database(t)
	c := &clock{t: t0}
	a := openT(t, u, pgstore.Options{Now: c.now, Lease: time.Minute})
	b := openT(t, u, pgstore.Options{Now: c.now, Lease: time.Minute})
	if err := a.Enqueue(ctx, []bot.Post{post("k")}, t0); err != nil {
		t.Fatal(err)
	}
	if ok, err := a.MarkSending(ctx, "k", "x", t0); !ok || err != nil {
		t.Fatal(ok, err)
	}
	later := t0.Add(2 * time.Minute) // a's claim lapsed; b takes it over
	if ok, err := b.MarkSending(ctx, "k", "x", later); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if err := a.MarkRetry(ctx, "k", "x", later, "503", later); !errors.Is(err, pgstore.ErrLeaseLost) {
		t.Errorf("a's MarkRetry over b's claim = %v, want ErrLeaseLost", err)
	}
	if err := a.Finish(ctx, "k", "x", bot.StatusFailed, "gave up", later); !errors.Is(err, pgstore.ErrLeaseLost) {
		t.Errorf("a's Finish over b's claim = %v, want ErrLeaseLost", err)
	}
	if d := open1(t, b, "k"); d.Status != bot.StatusSending || d.Attempts != 2 {
		t.Errorf("after a's calls: %+v", d)
	}
	// When b's claim lapses too, a may record a retry again.
	past := later.Add(2 * time.Minute)
	if err := a.MarkRetry(ctx, "k", "x", past, "503", past); err != nil {
		t.Errorf("a's MarkRetry after b's claim lapsed: %v", err)
	}
	// What went out is recorded whoever holds the claim.
	if ok, _ := b.MarkSending(ctx, "k", "x", past); !ok {
		t.Fatal("b did not claim it again")
	}
	if err := a.MarkSent(ctx, "k", "x", bot.Receipt{ID: "1"}, past); err != nil {
		t.Errorf("MarkSent over b's claim: %v", err)
	}
}
