package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// compatible refuses a database from a newer lumobot and another program's.
func compatible(path string, version, appID, tables, known int) error {
	switch {
	case appID != 0 && appID != applicationID:
		return fmt.Errorf("store: open %s: %w: an SQLite database of another program (application id %#x), not lumobot's state", path, ErrCorrupt, appID)
	case version == 0 && tables > 0:
		return fmt.Errorf("store: open %s: %w: an SQLite database with tables but no lumobot schema version; refusing to touch it", path, ErrCorrupt)
	case version > known:
		return fmt.Errorf("store: open %s: schema version %d is newer than this lumobot knows (%d): upgrade lumobot or restore a backup", path, version, known)
	case version < 0:
		return fmt.Errorf("store: open %s: %w: negative schema version %d", path, ErrCorrupt, version)
	}
	return nil
}

// openHint adds what to fix when SQLite says it cannot write.
func openHint(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "readonly") || strings.Contains(msg, "read-only") || strings.Contains(msg, "unable to open") {
		return fmt.Errorf("%w (are the state file and its directory writable?)", err)
	}
	return err
}

// sqliteHeader starts every SQLite 3 database file.
var sqliteHeader = []byte("SQLite format 3\x00")

// check inspects an existing, non-empty state file without writing to it.
//
// With no -wal or -shm beside it, no process has the database open, and it is
// opened immutable: SQLite takes no locks and creates no -wal or -shm file.
// When they exist (a running daemon, or a crash), it is opened read-only with
// normal locking so that a concurrent writer is not mistaken for corruption;
// SQLite may then rebuild the -shm index, but never writes the database file.
func check(path string, known int) error {
	corrupt := func(why string, args ...any) error {
		return fmt.Errorf("store: open %s: state file is %w: %s; it was left untouched: restore a backup or move it away to start afresh",
			path, ErrCorrupt, fmt.Sprintf(why, args...))
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	head := make([]byte, 100) // the database header
	n, err := io.ReadFull(f, head)
	_ = f.Close()
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("store: open %s: read header: %w", path, err)
	}
	if n < len(sqliteHeader) || !bytes.Equal(head[:len(sqliteHeader)], sqliteHeader) {
		return corrupt("not an SQLite database")
	}
	if n < len(head) {
		return corrupt("truncated to %d bytes", n)
	}

	q := url.Values{"mode": {"ro"}}
	if !exists(path+"-wal") && !exists(path+"-shm") {
		q.Set("immutable", "1")
	} else {
		q.Set("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()))
	}
	db, err := sql.Open("sqlite", dsn(path, q))
	if err != nil {
		return fmt.Errorf("store: open %s: %w", path, err)
	}
	defer func() { _ = db.Close() }()
	db.SetMaxOpenConns(1)
	ctx := context.Background()

	rows, err := db.QueryContext(ctx, `PRAGMA quick_check(5)`)
	if err != nil {
		return corrupt("%v", err)
	}
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			_ = rows.Close()
			return corrupt("%v", err)
		}
		if line != "ok" {
			problems = append(problems, strings.ReplaceAll(line, "\n", "; "))
		}
	}
	if err := rows.Err(); err != nil {
		return corrupt("%v", err)
	}
	_ = rows.Close()
	if len(problems) > 0 {
		return corrupt("quick_check: %s", strings.Join(problems, "; "))
	}

	var version, appID, tables int
	err = db.QueryRowContext(ctx, `SELECT (SELECT user_version FROM pragma_user_version),
		(SELECT application_id FROM pragma_application_id), (SELECT count(*) FROM sqlite_schema)`).Scan(&version, &appID, &tables)
	if err != nil {
		return corrupt("%v", err)
	}
	return compatible(path, version, appID, tables, known)
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads the embedded migrations: NNNN_name.sql, numbered 1..n
// without gaps.
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

// The storable times: Unix nanoseconds in an int64, from 1677-09-21
// 00:12:43.145224192 to 2262-04-11 23:47:16.854775807 UTC.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64)
)
