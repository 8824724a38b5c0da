package pgstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store/pgstore"
	"github.com/lumohanke/lumobot/bot/store/storetest"
)

var ctx = context.Background()

// database returns the URL of a new, empty schema on the test server
// (LUMOBOT_PG), dropped when t ends, and a pool on it for the test's own
// looks at the tables. Without LUMOBOT_PG the test skips, except under CI,
// where a missing database must not pass for a green run.
func database(t *testing.T) (string, *pgxpool.Pool) {
	t.Helper()
	base := os.Getenv("LUMOBOT_PG")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("LUMOBOT_PG is not set under CI: .ci/run starts PostgreSQL and exports it")
		}
		t.Skip("LUMOBOT_PG is not set: set it to a PostgreSQL URL (postgres://user:pass@127.0.0.1:5432/db?sslmode=disable) to run the PostgreSQL tests")
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "lumobot_test_" + hex.EncodeToString(b)
	admin, err := pgxpool.New(ctx, base)
	if err != nil {
		t.Fatalf("LUMOBOT_PG: %v", err)
	}
	if _, err := admin.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		t.Fatalf("create schema: %v", err)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("LUMOBOT_PG does not parse: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	pool, err := pgxpool.New(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		if _, err := admin.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	return u.String(), pool
}

func backend(o pgstore.Options) storetest.Backend {
	return storetest.Backend{
		ErrNotFound: pgstore.ErrNotFound,
		ErrEnded:    pgstore.ErrEnded,
		New: func(t *testing.T) storetest.State {
			u, pool := database(t)
			return storetest.State{
				Open: func() (storetest.Store, error) { return pgstore.Open(ctx, u, o) },
				// A schema from a newer lumobot: Open must refuse it.
				Corrupt: func(t *testing.T) {
					if _, err := pool.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')`); err != nil {
						t.Fatal(err)
					}
				},
			}
		},
	}
}

func TestConformance(t *testing.T) {
	now := func() time.Time { return time.Date(2021, 5, 5, 10, 0, 0, 0, time.UTC) }
	t.Run("plain", func(t *testing.T) {
		t.Parallel()
		storetest.Run(t, backend(pgstore.Options{Now: now}))
	})
	t.Run("sealed", func(t *testing.T) {
		t.Parallel()
		storetest.Run(t, backend(pgstore.Options{Now: now, Key: bytes.Repeat([]byte{7}, pgstore.KeySize)}))
	})
}

// clock is a test clock both "replicas" share, moved by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.t = t }

var t0 = time.Date(2021, 5, 5, 10, 0, 0, 0, time.UTC)

func openT(t *testing.T, u string, o pgstore.Options) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(ctx, u, o)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func post(key string) bot.Post {
	return bot.Post{Key: key, Kind: bot.KindNews, Target: "x", Due: t0, Text: "Seuraa LUMOa! #LUMOhanke"}
}

// Two replicas on one database: only one claims a delivery, the other may
// after the lease has passed, and Renew holds it longer.
func TestLease(t *testing.T) {
	t.Parallel()
	u, _ := database(t)
	const lease = 5 * time.Minute
	c := &clock{t: t0}
	a := openT(t, u, pgstore.Options{Now: c.now, Lease: lease})
	b := openT(t, u, pgstore.Options{Now: c.now, Lease: lease})
	if a.Owner() == b.Owner() {
		t.Fatalf("two stores share the owner id %q", a.Owner())
	}
	if err := a.Enqueue(ctx, []bot.Post{post("k"), post("r")}, t0); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		s     *pgstore.Store
		at    time.Duration
		renew bool // Renew at `at` instead of MarkSending
		want  bool
		err   error
	}{
		{"a claims", a, 0, false, true, nil},
		{"b while a holds", b, time.Minute, false, false, nil},
		{"a again (its own attempt cut short)", a, 2 * time.Minute, false, true, nil}, // lease now until 7m
		{"b just before the lease ends", b, 7*time.Minute - time.Nanosecond, false, false, nil},
		{"a renews", a, 6 * time.Minute, true, true, nil}, // until 11m
		{"b after the old lease, within the renewed one", b, 10 * time.Minute, false, false, nil},
		{"b when the renewed lease ends", b, 11 * time.Minute, false, true, nil},
		{"a has lost it", a, 12 * time.Minute, false, false, nil},
		{"a cannot renew it", a, 12 * time.Minute, true, false, pgstore.ErrLeaseLost},
		{"b renews its own", b, 12 * time.Minute, true, true, nil},
	}
	for _, st := range steps {
		at := t0.Add(st.at)
		c.set(at)
		var (
			ok  bool
			err error
		)
		if st.renew {
			err = st.s.Renew(ctx, "k", "x")
			ok = err == nil
		} else {
			ok, err = st.s.MarkSending(ctx, "k", "x", at)
		}
		if ok != st.want || !errors.Is(err, st.err) {
			t.Fatalf("%s: claimed %v, %v; want %v, %v", st.name, ok, err, st.want, st.err)
		}
	}
	d := open1(t, b, "k")
	if d.Attempts != 3 || d.Status != bot.StatusSending || !d.FirstTry.Equal(t0) {
		t.Errorf("after three claims: %+v", d)
	}
	// The one who sent records it, whoever holds the claim: the post is out.
	if err := a.MarkSent(ctx, "k", "x", bot.Receipt{ID: "1"}, t0.Add(13*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.MarkSending(ctx, "k", "x", t0.Add(20*time.Minute)); ok || err != nil {
		t.Errorf("MarkSending(sent) = %v, %v", ok, err)
	}
	if err := b.Renew(ctx, "k", "x"); !errors.Is(err, pgstore.ErrLeaseLost) {
		t.Errorf("Renew(sent) = %v, want ErrLeaseLost", err)
	}
	if err := a.Renew(ctx, "missing", "x"); !errors.Is(err, pgstore.ErrNotFound) {
		t.Errorf("Renew(missing) = %v, want ErrNotFound", err)
	}
	// MarkRetry releases the claim: the other replica may take it at once.
	c.set(t0)
	if ok, _ := a.MarkSending(ctx, "r", "x", t0); !ok {
		t.Fatal("a did not claim r")
	}
	if err := a.MarkRetry(ctx, "r", "x", t0.Add(time.Minute), "503", t0); err != nil {
		t.Fatal(err)
	}
	if ok, err := b.MarkSending(ctx, "r", "x", t0.Add(time.Second)); !ok || err != nil {
		t.Errorf("b after a's retry: %v, %v; want claimed", ok, err)
	}
}

func open1(t *testing.T, s *pgstore.Store, key string) bot.Delivery {
	t.Helper()
	ds, err := s.Open(ctx, "x")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		if d.Key == key {
			return d
		}
	}
	t.Fatalf("%s not open", key)
	return bot.Delivery{}
}

// Replicas racing for the same deliveries: each is claimed exactly once.
func TestClaimRace(t *testing.T) {
	t.Parallel()
	u, _ := database(t)
	now := func() time.Time { return t0 }
	stores := []*pgstore.Store{openT(t, u, pgstore.Options{Now: now}), openT(t, u, pgstore.Options{Now: now}), openT(t, u, pgstore.Options{Now: now})}
	keys := []string{"a", "b", "c", "d", "e"}
	var posts []bot.Post
	for _, k := range keys {
		posts = append(posts, post(k))
	}
	if err := stores[0].Enqueue(ctx, posts, t0); err != nil {
		t.Fatal(err)
	}
	// A store may claim again what it holds itself (an attempt cut short):
	// what matters is that one store, and one only, holds each delivery.
	var mu sync.Mutex
	owners := map[string]map[string]bool{}
	var wg sync.WaitGroup
	for _, s := range stores {
		for range 3 {
			wg.Go(func() {
				for _, k := range keys {
					ok, err := s.MarkSending(ctx, k, "x", t0)
					if err != nil {
						t.Error(err)
					}
					if ok {
						mu.Lock()
						if owners[k] == nil {
							owners[k] = map[string]bool{}
						}
						owners[k][s.Owner()] = true
						mu.Unlock()
					}
				}
			})
		}
	}
	wg.Wait()
	for _, k := range keys {
		if len(owners[k]) != 1 {
			t.Errorf("%s claimed by %d stores: %v", k, len(owners[k]), owners[k])
		}
	}
}

// Replicas starting at once on an empty database migrate it once.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	u, pool := database(t)
	now := func() time.Time { return t0 }
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := pgstore.Open(ctx, u, pgstore.Options{Now: now, Key: bytes.Repeat([]byte{1}, pgstore.KeySize)})
			if err != nil {
				t.Error(err)
				return
			}
			_ = s.Close()
		})
	}
	wg.Wait()
	var n, max int
	if err := pool.QueryRow(ctx, `SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &max); err != nil {
		t.Fatal(err)
	}
	if n != max || n < 1 {
		t.Errorf("schema_migrations: %d rows up to version %d, want one per migration", n, max)
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	u, pool := database(t)
	now := func() time.Time { return t0 }
	k1, k2 := bytes.Repeat([]byte{1}, pgstore.KeySize), bytes.Repeat([]byte{2}, pgstore.KeySize)
	plain := openT(t, u, pgstore.Options{Now: now})
	if err := plain.Put(ctx, "bluesky:session", []byte("secret-token")); err != nil {
		t.Fatal(err)
	}
	_ = plain.Close()
	// Opening with a key seals what was written without one.
	sealed := openT(t, u, pgstore.Options{Now: now, Key: k1})
	var raw []byte
	if err := pool.QueryRow(ctx, `SELECT value FROM kv WHERE key = 'bluesky:session'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("secret-token")) {
		t.Error("the value is stored in the clear after an Open with a key")
	}
	if v, ok, err := sealed.Get(ctx, "bluesky:session"); err != nil || !ok || string(v) != "secret-token" {
		t.Errorf("Get = %q, %v, %v", v, ok, err)
	}
	_ = sealed.Close()
	if _, err := pgstore.Open(ctx, u, pgstore.Options{Now: now, Key: k2}); !errors.Is(err, pgstore.ErrWrongKey) {
		t.Errorf("Open(other key) = %v, want ErrWrongKey", err)
	}
	noKey := openT(t, u, pgstore.Options{Now: now})
	if _, _, err := noKey.Get(ctx, "bluesky:session"); !errors.Is(err, pgstore.ErrWrongKey) {
		t.Errorf("Get without the key = %v, want ErrWrongKey", err)
	}
	if _, err := pgstore.Open(ctx, u, pgstore.Options{Now: now, Key: []byte("short")}); err == nil {
		t.Error("Open(short key): no error")
	}
}

func TestPingCanRecord(t *testing.T) {
	t.Parallel()
	u, pool := database(t)
	c := &clock{t: t0}
	s := openT(t, u, pgstore.Options{Now: c.now})
	if err := s.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.CanRecord(ctx); err != nil {
		t.Fatal(err)
	}
	// A database that takes no writes (a standby, a revoked grant) is told.
	if _, err := pool.Exec(ctx, `CREATE FUNCTION no_writes() RETURNS trigger LANGUAGE plpgsql AS
		$$BEGIN RAISE EXCEPTION 'read-only'; END$$`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `CREATE TRIGGER no_writes BEFORE INSERT OR UPDATE ON meta FOR EACH ROW EXECUTE FUNCTION no_writes()`); err != nil {
		t.Fatal(err)
	}
	if err := s.CanRecord(ctx); err == nil {
		t.Error("CanRecord on a table that refuses writes: no error")
	}
	c.set(time.Time{})
	if err := s.CanRecord(ctx); err == nil {
		t.Error("CanRecord with a zero clock: no error")
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := pgstore.Open(ctx, "postgres://u:hunter2@127.0.0.1:1/db?sslmode=disable&connect_timeout=2", pgstore.Options{Now: time.Now}); err == nil {
		t.Error("Open(nothing listening): no error")
	} else if bytes.Contains([]byte(err.Error()), []byte("hunter2")) {
		t.Errorf("the password is in the error: %v", err)
	}
	if _, err := pgstore.Open(ctx, "postgres://u:hunter2@[bad", pgstore.Options{Now: time.Now}); err == nil || bytes.Contains([]byte(err.Error()), []byte("hunter2")) {
		t.Errorf("Open(bad URL) = %v", err)
	}
	if _, err := pgstore.Open(ctx, "postgres://127.0.0.1/db", pgstore.Options{}); err == nil {
		t.Error("Open without a clock: no error")
	}
}
