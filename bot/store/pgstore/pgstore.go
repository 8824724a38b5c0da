// Package pgstore keeps lumobot's state in PostgreSQL, for several replicas
// of the daemon sharing one state. It implements bot.Store with the same
// semantics as the SQLite backend (bot/store), checked by the same
// conformance suite (bot/store/storetest): the outbox only moves forward
// (pending → sending → sent | failed | skipped, and back from sending to
// pending by MarkRetry), an ended delivery is never overwritten (ErrEnded)
// except that the exact repeat of the call that ended it is a no-op, text,
// link and language freeze at the first attempt, and times are stored as
// BIGINT Unix nanoseconds (NULL for the zero time), a time beyond 1677–2262
// as the bound it passed.
//
// What differs from SQLite is the claim: several processes may deliver from
// one database, so MarkSending claims a delivery for this store's owner id
// until now + Options.Lease. Another store's MarkSending on it answers
// claimed=false until that lease has passed (its owner crashed, or hangs);
// the same owner may claim its own sending delivery again (a retry after a
// crash with a stable Options.Owner). Renew extends a claim while a slow
// request runs.
//
// Locks (locks.go) are the replicas' advisory locks on a connection of
// their own: the poll leadership and one delivery pass per target
// (bot.Leader, bot.Locks). Announce (replicas.go) records which config each
// replica runs.
//
// The schema is created and migrated by Open under a PostgreSQL advisory
// lock, so replicas starting at once migrate it once. Tables are created in
// the first schema of the connection's search_path (a ?search_path=… in the
// URL chooses another one).
//
// PostgreSQL's TEXT holds no NUL byte and only valid UTF-8: a post whose
// text has either fails its Enqueue (SQLite stores it). KV values are BYTEA
// and take any bytes.
package pgstore

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store/internal/sealed"
)

var _ bot.Store = (*Store)(nil)

// ErrNotFound is wrapped when a delivery (key, target) is not in the outbox.
var ErrNotFound = errors.New("no such delivery")

// ErrEnded is wrapped when a delivery has already ended (sent, failed or
// skipped) in a way the call would have to overwrite.
var ErrEnded = errors.New("delivery already ended")

// ErrLeaseLost is wrapped by Renew when this store no longer holds the
// delivery: it ended, went back to pending, or another owner claimed it;
// and by MarkRetry and Finish on a delivery another owner holds now. It is
// the core's bot.ErrLeaseLost.
var ErrLeaseLost = bot.ErrLeaseLost

// DefaultLease is how long a claim holds when Options.Lease is 0: longer
// than any one platform request with its timeouts, short enough that a
// crashed replica's post goes out from another one soon after.
const DefaultLease = 5 * time.Minute

// migrateLock is the key of the advisory lock taken around migrating
// ("LUMO" and a 1): one database-wide lock, also across schemas.
const migrateLock = 0x4c554d4f_00000001

//go:embed migrations/*.sql
var migrationFS embed.FS

// Options configure Open.
type Options struct {
	// Now is the clock (required): kv.updated, CanRecord's probe, Renew.
	// Every outbox time is passed in by the caller.
	Now func() time.Time
	// Lease is how long MarkSending's claim holds; 0 means DefaultLease.
	Lease time.Duration
	// Key, when set, must be 32 bytes: KV values are then sealed with
	// AES-256-GCM before they are written.
	Key []byte
	// Owner names this store in its claims. A replica that keeps its name
	// across restarts (a StatefulSet pod name) takes back its own claims at
	// once after a crash; empty means a random id per Open, whose claims
	// another Open waits out.
	Owner string
	// ReadOnly opens for reading only (preview): every transaction is read
	// only, nothing is migrated or sealed, and a database without
	// lumobot's schema is ErrNoSchema.
	ReadOnly bool
}

// ErrNoSchema is wrapped by a ReadOnly Open when the database has no
// lumobot schema yet (no lumobot has run on it).
var ErrNoSchema = errors.New("no lumobot schema in the database")

// Store is lumobot's state in PostgreSQL. It is safe for concurrent use, by
// several goroutines and by several processes on one database.
type Store struct {
	pool  *pgxpool.Pool
	now   func() time.Time
	lease time.Duration
	owner string
	aead  cipher.AEAD
}

// Open connects to the database at url (postgres://user:pass@host/db?…),
// creates or migrates the schema and checks the KV key. The URL is never put
// in an error: it may hold a password.
func Open(ctx context.Context, url string, o Options) (_ *Store, err error) {
	if o.Now == nil {
		return nil, errors.New("pgstore: open: Options.Now (the clock) is required")
	}
	if o.Lease < 0 {
		return nil, fmt.Errorf("pgstore: open: negative lease %v", o.Lease)
	}
	aead, err := sealed.New(o.Key)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	migs, err := migrations()
	if err != nil {
		return nil, fmt.Errorf("pgstore: open: %w", err)
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgx's parse errors may quote the URL; say only what it is.
		return nil, errors.New("pgstore: open: the database URL does not parse (want postgres://user:password@host:5432/db?sslmode=…)")
	}
	if o.ReadOnly {
		cfg.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	s := &Store{now: o.Now, lease: o.Lease, owner: o.Owner, aead: aead}
	if s.lease == 0 {
		s.lease = DefaultLease
	}
	if s.owner == "" {
		s.owner = randomOwner()
	}
	where := cfg.ConnConfig.User + "@" + cfg.ConnConfig.Host + ":" + strconv.Itoa(int(cfg.ConnConfig.Port)) + "/" + cfg.ConnConfig.Database
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open %s: %w", where, err)
	}
	defer func() {
		if err != nil {
			s.pool.Close()
		}
	}()
	if o.ReadOnly {
		if err := s.current(ctx, len(migs)); err != nil {
			return nil, fmt.Errorf("pgstore: open %s: %w", where, err)
		}
		return s, nil
	}
	if err := s.migrate(ctx, migs); err != nil {
		return nil, fmt.Errorf("pgstore: open %s: %w", where, err)
	}
	if s.aead != nil {
		if err := s.tx(ctx, s.sealAll); err != nil {
			return nil, fmt.Errorf("pgstore: open %s: %w", where, err)
		}
	}
	return s, nil
}

func randomOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // never fails (crypto/rand panics rather)
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// Close closes the pool; a claim held stays until its lease ends.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Owner is the id this store claims deliveries with.
func (s *Store) Owner() string { return s.owner }

// Lease is how long a claim holds unless renewed (bot.Leaser).
func (s *Store) Lease() time.Duration { return s.lease }

var _ bot.Leaser = (*Store)(nil)

// Ping checks that the database answers and the schema is there (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM kv`).Scan(&n); err != nil {
		return fmt.Errorf("pgstore: ping: %w", err)
	}
	return nil
}

// CanRecord says whether a delivery's outcome can be recorded now: a small
// write commits. The core calls it before each send and holds sending while
// it fails (a read-only standby after a failover, a full disk, a role
// without write rights), so that no post goes out whose "sent" could not be
// written.
func (s *Store) CanRecord(ctx context.Context) error {
	at, err := moment(s.now())
	if err != nil {
		return fmt.Errorf("pgstore: cannot record deliveries: %w", err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('probe', $1)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, []byte(strconv.FormatInt(at.(int64), 10)))
	if err != nil {
		return fmt.Errorf("pgstore: cannot record deliveries: test write failed: %w", err)
	}
	return nil
}

type migration struct {
	version int
	name    string
	sql     string
}

func migrations() ([]migration, error) {
	entries, err := migrationFS.ReadDir("migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var migs []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a positive number and _", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		migs = append(migs, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for i, m := range migs {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return migs, nil
}

// migrate applies the pending migrations in one transaction that first takes
// the advisory lock: a second process starting at the same time waits for
// it, then finds the schema current. A schema newer than this binary knows
// is refused: an older lumobot must not write a state it does not understand.
func (s *Store) migrate(ctx context.Context, migs []migration) error {
	return s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
			return fmt.Errorf("take the migration lock: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version INTEGER NOT NULL PRIMARY KEY,
			name    TEXT    NOT NULL,
			applied TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create schema_migrations: %w", err)
		}
		var version int
		if err := tx.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if version > len(migs) {
			return fmt.Errorf("schema version %d is newer than this lumobot knows (%d): upgrade lumobot", version, len(migs))
		}
		for _, m := range migs[version:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}

// current checks, without writing, that the schema is this binary's.
func (s *Store) current(ctx context.Context, known int) error {
	var exists bool
	if err := s.pool.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return ErrNoSchema
	}
	var version int
	if err := s.pool.QueryRow(ctx, `SELECT COALESCE(max(version), 0) FROM schema_migrations`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case version == 0:
		return ErrNoSchema
	case version > known:
		return fmt.Errorf("schema version %d is newer than this lumobot knows (%d): upgrade lumobot", version, known)
	case version < known:
		return fmt.Errorf("schema version %d is older than this lumobot's (%d): `lumobot run` migrates it", version, known)
	}
	return nil
}

// tx runs fn in one transaction.
func (s *Store) tx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, s.pool, fn)
}

// The storable times: Unix nanoseconds in an int64, from 1677-09-21
// 00:12:43.145224192 to 2262-04-11 23:47:16.854775807 UTC.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)

// nanos turns a time into its column value: nil for the zero time, else Unix
// nanoseconds, a time beyond the storable range as the bound it passed (one
// feed item dated 9999 must not fail its batch; clamping keeps the order).
func nanos(t time.Time) any {
	switch {
	case t.IsZero():
		return nil
	case t.Before(minTime):
		return int64(math.MinInt64)
	case t.After(maxTime):
		return int64(math.MaxInt64)
	}
	return t.UnixNano()
}

// fromNanos is the inverse of nanos, in UTC.
func fromNanos(n *int64) time.Time {
	if n == nil {
		return time.Time{}
	}
	return time.Unix(0, *n).UTC()
}

// moment is a time that must be there (now), as stored. The clock is never
// clamped: a clock outside 1678–2262 is a broken clock.
func moment(t time.Time) (any, error) {
	switch {
	case t.IsZero():
		return nil, errors.New("zero time")
	case t.Before(minTime) || t.After(maxTime):
		return nil, fmt.Errorf("time %s out of the storable range", t.Format(time.RFC3339))
	}
	return t.UnixNano(), nil
}

// addClamped is at + d in nanoseconds, at the bound rather than wrapping.
func addClamped(at int64, d time.Duration) int64 {
	if at > math.MaxInt64-int64(d) {
		return math.MaxInt64
	}
	return at + int64(d)
}
