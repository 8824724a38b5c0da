// Package store keeps lumobot's state in one SQLite file: the feeds' validators
// and seen items, the outbox of deliveries and a small key/value table for
// platform sessions. It implements bot.Store.
//
// The file is opened in WAL mode with synchronous=FULL, so a delivery recorded
// sent survives a crash or a power loss. Times are stored as integer Unix
// nanoseconds (NULL for the zero time) and come back in UTC; a time beyond
// 1677–2262 is stored as the bound it passed (see nanos).
//
// A new state file is created 0600 in a directory created 0700; SQLite gives
// its -wal and -shm the file's mode. An exclusive Open (the daemon) locks
// path + ".lock" for the life of the Store: one daemon per state. It also
// marks the state in use, so that a state whose WAL was lost after an unclean
// stop is refused (ErrLostWAL) instead of sending again what the lost
// transactions had recorded sent. With Options.Key, KV values (platform
// sessions) are sealed with AES-256-GCM.
//
// Before anything writes to an existing file, Open checks it read-only: the
// SQLite header, PRAGMA quick_check, the application id and the schema
// version. A corrupted or truncated file, a file that is not a database,
// another program's database or one from a newer lumobot is refused with an
// error naming the file (ErrCorrupt, or "newer" for the version) and left
// byte for byte as it was; with no -wal/-shm beside it the check opens it
// immutable, so none is created either.
//
// A state file or directory that cannot be written is refused by Open, not at
// the first post. Root ignores permission bits: as root only a read-only
// mount or the immutable attribute makes a file unwritable, and Open reports
// those too.
//
// The outbox only moves forward: pending → sending → sent | failed | skipped,
// and back from sending to pending by MarkRetry. A call that would change an
// ended delivery returns ErrEnded and leaves it as it was, except the exact
// repeat of the call that ended it (MarkSent with the same receipt ID, Finish
// with the same status), which is a no-op.
package store

import (
	"context"
	"crypto/cipher"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store/internal/sealed"
)

var _ bot.Store = (*Store)(nil)

// ErrCorrupt is wrapped by Open's error when the state file is damaged or is
// not a lumobot database. The file is then left exactly as it was.
var ErrCorrupt = errors.New("corrupted")

// ErrNotFound is wrapped when a delivery (key, target) is not in the outbox.
var ErrNotFound = errors.New("no such delivery")

// ErrEnded is wrapped when a delivery has already ended (sent, failed or
// skipped) in a way the call would have to overwrite.
var ErrEnded = errors.New("delivery already ended")

// applicationID marks a SQLite file as lumobot's ("LUMO").
const applicationID = 0x4c554d4f

// busyTimeout is how long a statement waits for another connection's lock.
const busyTimeout = 10 * time.Second

// The WAL is checkpointed into the database once it holds walAutocheckpoint
// pages (SQLite's default, 4 MiB of 4 KiB pages), and a checkpointed WAL
// larger than journalSizeLimit (after one big transaction, such as a cold
// poll's SaveFeed) is truncated back to it. Below the limit the file keeps its
// size and is overwritten in place, so a nearly full disk does not stop
// ordinary commits: their space is already allocated.
const (
	walAutocheckpoint = 1000
	journalSizeLimit  = 8 << 20
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// Store is lumobot's state in one SQLite file. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	path    string
	now     func() time.Time // kv.updated and the in-use mark; every other time is passed in
	aead    cipher.AEAD      // nil: KV values are stored as they are
	lock    *lock            // held by an exclusive store until Close
	reserve int64            // free bytes CanRecord requires
	statfs  func(dir string) (free uint64, err error)

	closeOnce sync.Once
	closeErr  error
	// wmu lets one write of this process at a time reach SQLite. Without
	// it, concurrent writers (Poll's feeds) meet SQLITE_BUSY and SQLite's
	// busy handler sleeps (1 ms growing to 100 ms a try) however soon the
	// lock is free: a cold poll of 200 feeds spent most of its time there.
	wmu sync.Mutex
}

// Options configure Open.
type Options struct {
	// Now is the clock (required): kv.updated, the in-use mark.
	Now func() time.Time
	// Exclusive makes this the one process that may deliver from the
	// state: Open takes an OS lock on a file beside it (path + ".lock",
	// holding the pid) until Close, and fails when another process holds
	// it. The daemon opens exclusively; preview and validate do not.
	Exclusive bool
	// Key, when set, must be 32 bytes: KV values are then sealed with
	// AES-256-GCM before they are written. See ParseKey.
	Key []byte
	// AcceptLostWAL opens a state that ErrLostWAL would refuse, accepting
	// that deliveries recorded in the lost transactions may be sent again.
	AcceptLostWAL bool
	// Reserve is the free space CanRecord requires on the state's file
	// system; 0 means DefaultReserve.
	Reserve int64
}

// Open opens the state file at path, creating it (0o600) and its directory
// (0o700) when missing, and brings its schema up to date. An existing file is
// checked first without writing to it; see ErrCorrupt and ErrLostWAL.
func Open(path string, o Options) (_ *Store, err error) {
	if path == "" {
		return nil, errors.New("store: open: empty state path")
	}
	if o.Now == nil {
		return nil, errors.New("store: open: Options.Now (the clock) is required")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	aead, err := sealed.New(o.Key)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	migs, err := migrations()
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o700); err != nil {
		return nil, fmt.Errorf("store: open %s: create directory: %w", abs, err)
	}
	s := &Store{path: abs, now: o.Now, aead: aead, reserve: o.Reserve, statfs: freeSpace}
	if s.reserve <= 0 {
		s.reserve = DefaultReserve
	}
	if o.Exclusive {
		// Before the check: a second daemon must not even read a state
		// that another one is changing.
		if s.lock, err = lockFile(abs); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				s.lock.release()
			}
		}()
	}
	fi, err := os.Stat(abs)
	switch {
	case err == nil && fi.IsDir():
		return nil, fmt.Errorf("store: open %s: is a directory, not a state file", abs)
	case err == nil && fi.Size() > 0:
		// Before check: with a -shm but no -wal, check's read-only open
		// creates an empty -wal, and the loss would no longer show.
		if err := checkWAL(abs); err != nil && !o.AcceptLostWAL {
			return nil, err
		}
		if err := check(abs, len(migs)); err != nil {
			return nil, err
		}
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	// SQLite silently opens a file it may not write read-only; say so here
	// instead of at the first post. SQLite gives -wal and -shm the file's mode.
	f, err := os.OpenFile(abs, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: state file is not writable: %w", abs, err)
	}
	_ = f.Close()

	db, err := sql.Open("sqlite", dsn(abs, url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
			"foreign_keys(1)",
			"journal_mode(WAL)",
			"synchronous(FULL)",
			fmt.Sprintf("wal_autocheckpoint(%d)", walAutocheckpoint),
			fmt.Sprintf("journal_size_limit(%d)", journalSizeLimit),
		},
		"_txlock": {"immediate"},
	}))
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", abs, err)
	}
	s.db = db
	if err := s.init(migs); err != nil {
		_ = db.Close()
		return nil, err
	}
	if err := s.start(context.Background()); err != nil {
		_ = db.Close()
		return nil, err
	}
	return s, nil
}

// Close marks the state closed cleanly when no daemon holds it any more,
// closes the database (the last connection checkpoints the WAL and removes
// it) and releases the lock.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closeErr = s.finish(context.Background())
		if err := s.db.Close(); err != nil && s.closeErr == nil {
			s.closeErr = fmt.Errorf("store: close %s: %w", s.path, err)
		}
		s.lock.release()
	})
	return s.closeErr
}

// Path is the absolute path of the state file.
func (s *Store) Path() string { return s.path }

// Ping checks that the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM kv`).Scan(&n); err != nil {
		return fmt.Errorf("store: ping %s: %w", s.path, err)
	}
	return nil
}

func dsn(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

// init sets up the connection's journal and applies pending migrations, each
// in its own immediate transaction. Starting a write transaction even when
// nothing is pending makes a read-only file or directory fail here.
func (s *Store) init(migs []migration) error {
	ctx := context.Background()
	var mode string
	if err := s.db.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&mode); err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, openHint(err))
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("store: open %s: journal mode is %q, not wal (does the file system support shared memory?)", s.path, mode)
	}
	for {
		done, err := s.migrateOne(ctx, migs)
		if err != nil {
			return err
		}
		if done {
			return nil
		}
	}
}

func (s *Store) migrateOne(ctx context.Context, migs []migration) (done bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("store: open %s: begin write: %w", s.path, openHint(err))
	}
	defer func() { _ = tx.Rollback() }()
	var version, appID, tables int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return false, fmt.Errorf("store: open %s: read schema version: %w", s.path, err)
	}
	if err := tx.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
		return false, fmt.Errorf("store: open %s: read application id: %w", s.path, err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		return false, fmt.Errorf("store: open %s: read schema: %w", s.path, err)
	}
	if err := compatible(s.path, version, appID, tables, len(migs)); err != nil {
		return false, err
	}
	if version == len(migs) {
		// Nothing to do; the write transaction proved the file writable.
		if err := tx.Commit(); err != nil {
			return false, fmt.Errorf("store: open %s: commit: %w", s.path, openHint(err))
		}
		return true, nil
	}
	m := migs[version]
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return false, fmt.Errorf("store: open %s: migration %s: %w", s.path, m.name, openHint(err))
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA application_id = `+strconv.Itoa(applicationID)); err != nil {
		return false, fmt.Errorf("store: open %s: migration %s: %w", s.path, m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `PRAGMA user_version = `+strconv.Itoa(m.version)); err != nil {
		return false, fmt.Errorf("store: open %s: migration %s: %w", s.path, m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("store: open %s: migration %s: commit: %w", s.path, m.name, openHint(err))
	}
	return false, nil
}

// nanos turns a time into its column value: NULL for the zero time, else
// Unix nanoseconds. A time beyond the storable range is stored as the bound
// it passed (one feed item dated in the year 9999 must not fail its batch):
// for a due time, an expiry or an order, "after 2262" and "in 2262" mean the
// same to the planner (never, in practice), and so do "before 1678" and "in
// 1677" (long past). Clamping keeps the column's order.
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
func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

// write runs fn in one transaction, as the process's only writer at a time:
// writers queue on a mutex rather than in SQLite's sleeping busy handler.
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
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
