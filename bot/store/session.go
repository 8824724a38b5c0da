package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// ErrLostWAL is wrapped by Open's error when the state was in use by an
// exclusive Store that did not close cleanly and its write-ahead log is
// gone: the transactions in that log (deliveries recorded sent among them)
// are lost, and their posts would go out again. Options.AcceptLostWAL opens
// it anyway.
//
// How it is told: an exclusive Open writes meta.in_use = 1 and checkpoints
// it into the database file itself; the Close that leaves no daemon behind
// writes 0 before the last connection checkpoints the log and removes it.
// While a connection is open, SQLite keeps the -wal file, also after a
// crash or kill -9. So a file that says in_use = 1 with no -wal beside it
// lost its log: it was deleted, or only the database file was copied or
// restored (a hot copy of a running daemon's file, or a backup taken from
// one).
var ErrLostWAL = errors.New("write-ahead log lost")

// DefaultReserve is the free space CanRecord requires. Recording one
// delivery appends a few pages to the WAL, but any commit may be the one that
// fills the WAL to walAutocheckpoint pages and checkpoints it, and the
// database file can then grow by as much as the WAL holds. Measured
// (TestWALGrowth): steady deliveries keep the WAL at 4.0 MiB; a poll's
// largest transaction, SaveFeed of a cold feed, writes 0.7 MiB of WAL for
// 10,000 ids and 7.3 MiB for 100,000. So the worst case is a WAL grown to the
// 8 MiB journalSizeLimit plus a transaction beyond it, checkpointed into a
// file that grows by as much: under 20 MiB. 32 MiB leaves room for what other
// writers on the same file system take meanwhile, and any volume can spare it.
const DefaultReserve = 32 << 20

func (s *Store) exclusive() bool { return s.lock != nil }

// start runs what an Open does once the schema is current: the key check and
// sealing, then the in-use mark of an exclusive Open.
func (s *Store) start(ctx context.Context) error {
	if s.aead != nil {
		if err := s.write(ctx, s.sealAll); err != nil {
			return fmt.Errorf("store: open %s: %w", s.path, err)
		}
	}
	if !s.exclusive() {
		return nil
	}
	at, err := moment(s.now())
	if err != nil {
		return fmt.Errorf("store: open %s: %w", s.path, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error {
		return setMeta(ctx, tx, map[string]any{"in_use": 1, "pid": os.Getpid(), "opened": at})
	})
	if err != nil {
		return fmt.Errorf("store: open %s: mark in use: %w", s.path, openHint(err))
	}
	// The mark must be in the database file, not only in the WAL whose
	// loss it is there to reveal.
	var busy, logged, done int
	if err := s.db.QueryRowContext(ctx, `PRAGMA wal_checkpoint(FULL)`).Scan(&busy, &logged, &done); err != nil {
		return fmt.Errorf("store: open %s: checkpoint: %w", s.path, err)
	}
	if busy != 0 {
		return fmt.Errorf("store: open %s: checkpoint: another connection kept the log busy for %v", s.path, busyTimeout)
	}
	return nil
}

// finish writes in_use = 0 when no exclusive Store will hold the state once
// this one is closed: this one is the exclusive one, or it can take the lock
// (no daemon runs). The lock, when taken here, is kept until the database is
// closed, so no daemon starts in between.
func (s *Store) finish(ctx context.Context) error {
	if !s.exclusive() {
		var inUse int
		err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'in_use'`).Scan(&inUse)
		if err != nil || inUse == 0 {
			return nil // nothing to clear (a failed read is Open's business next time)
		}
		l, err := lockFile(s.path)
		if err != nil {
			return nil // a daemon holds it: it clears the mark itself
		}
		s.lock = l
	}
	err := s.write(ctx, func(tx *sql.Tx) error { return setMeta(ctx, tx, map[string]any{"in_use": 0}) })
	if err != nil {
		return fmt.Errorf("store: close %s: mark closed: %w", s.path, err)
	}
	return nil
}

func setMeta(ctx context.Context, tx *sql.Tx, kv map[string]any) error {
	for k, v := range kv {
		if _, err := tx.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
			return fmt.Errorf("set %s: %w", k, err)
		}
	}
	return nil
}

// checkWAL returns ErrLostWAL's error for a state that says it is in use
// with no -wal beside it, else nil; a file it cannot read is left to check
// to diagnose. It reads the database file alone (immutable): with no -wal
// there is nothing else to read, and nothing is created or changed.
func checkWAL(path string) error {
	if exists(path + "-wal") {
		return nil
	}
	db, err := sql.Open("sqlite", dsn(path, url.Values{"mode": {"ro"}, "immutable": {"1"}}))
	if err != nil {
		return nil
	}
	defer func() { _ = db.Close() }()
	var inUse, pid, opened sql.NullInt64
	err = db.QueryRowContext(context.Background(), `SELECT
		(SELECT value FROM meta WHERE key = 'in_use'), (SELECT value FROM meta WHERE key = 'pid'),
		(SELECT value FROM meta WHERE key = 'opened')`).Scan(&inUse, &pid, &opened)
	if err != nil || inUse.Int64 == 0 {
		return nil // no meta table (before 0002, or not lumobot's), damage, or closed cleanly
	}
	since := "an unknown time"
	if opened.Valid {
		since = fromNanos(opened).Format(time.RFC3339)
	}
	shm := ""
	if exists(path + "-shm") {
		shm = " (its -shm is still there)"
	}
	return fmt.Errorf("store: open %s: %w: lumobot (pid %d, since %s) did not close the state cleanly, and its write-ahead log %s-wal is missing%s: "+
		"what was recorded since the last checkpoint is lost, and posts recorded sent in it would be sent again. "+
		"Put the -wal file back beside the state (taken at the same moment as the state file), or accept the loss explicitly; the state was left untouched",
		path, ErrLostWAL, pid.Int64, since, filepath.Base(path), shm)
}

// CanRecord says whether a delivery's outcome can be recorded now: the
// state's file system has DefaultReserve (or Options.Reserve) free, and a
// small write to the state commits. The core calls it before each send and
// holds sending while it fails, so that a post never goes out whose "sent"
// could not be written (it would go out again after a restart).
func (s *Store) CanRecord(ctx context.Context) error {
	dir := filepath.Dir(s.path)
	free, err := s.statfs(dir)
	if err != nil {
		return fmt.Errorf("store: cannot tell whether %s can record a delivery: free space of %s: %w", s.path, dir, err)
	}
	if free < uint64(s.reserve) {
		return fmt.Errorf("store: cannot record deliveries in %s: %s free on its file system, %s needed (a record and a WAL checkpoint): free some space",
			s.path, mib(free), mib(uint64(s.reserve)))
	}
	at, err := moment(s.now())
	if err != nil {
		return fmt.Errorf("store: cannot record deliveries in %s: %w", s.path, err)
	}
	err = s.write(ctx, func(tx *sql.Tx) error { return setMeta(ctx, tx, map[string]any{"probe": at}) })
	if err != nil {
		return fmt.Errorf("store: cannot record deliveries in %s: test write failed: %w", s.path, openHint(err))
	}
	return nil
}

func mib(n uint64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
