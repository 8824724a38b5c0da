package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// chunk bounds the ids bound to one query, well below SQLite's limit on
// variables (32766).
const chunk = 500

// Feed returns what is remembered of a feed; FeedState{} for a feed never seen.
func (s *Store) Feed(ctx context.Context, name string) (bot.FeedState, error) {
	var (
		st      bot.FeedState
		fetched sql.NullInt64
		hasBody bool
	)
	err := s.db.QueryRowContext(ctx,
		`SELECT known, etag, last_modified, body, body IS NOT NULL, fetched FROM feeds WHERE name = ?`, name).
		Scan(&st.Known, &st.ETag, &st.LastModified, &st.Body, &hasBody, &fetched)
	if errors.Is(err, sql.ErrNoRows) {
		return bot.FeedState{}, nil
	}
	if err != nil {
		return bot.FeedState{}, fmt.Errorf("store: feed %s: %w", name, err)
	}
	if hasBody && st.Body == nil {
		st.Body = []byte{} // an empty calendar body is not "no body"
	}
	st.Fetched = fromNanos(fetched)
	return st, nil
}

// SaveFeed records a successful fetch: the feed becomes Known (whatever
// st.Known says), its validators, body and fetch time are replaced, and the
// ids are marked seen at now (an id seen before keeps its first time), all in
// one transaction.
func (s *Store) SaveFeed(ctx context.Context, name string, st bot.FeedState, seen []string, now time.Time) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("store: save feed %s: %w", name, err)
		}
	}()
	if name == "" {
		return errors.New("empty feed name")
	}
	fetched := nanos(st.Fetched)
	at, err := moment(now)
	if err != nil {
		return err
	}
	var body any
	if st.Body != nil {
		body = st.Body
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO feeds (name, etag, last_modified, body, fetched, known)
		VALUES (?, ?, ?, ?, ?, 1)
		ON CONFLICT (name) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
			body = excluded.body, fetched = excluded.fetched, known = 1`,
			name, st.ETag, st.LastModified, body, fetched)
		if err != nil {
			return err
		}
		return markSeen(ctx, tx, name, seen, at)
	})
}

// seenBatch is how many rows one prepared INSERT writes (3 variables each).
const seenBatch = 100

// markSeen inserts the ids through prepared statements of seenBatch rows,
// and the remainder through one statement of its size.
func markSeen(ctx context.Context, tx *sql.Tx, feed string, ids []string, at any) error {
	exec := func(stmt *sql.Stmt, part []string) error {
		args := make([]any, 0, 3*len(part))
		for _, id := range part {
			args = append(args, feed, id, at)
		}
		if _, err := stmt.ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("mark %d ids seen: %w", len(part), err)
		}
		return nil
	}
	prepare := func(rows int) (*sql.Stmt, error) {
		return tx.PrepareContext(ctx, `INSERT INTO seen (feed, item_id, seen_at) VALUES (?, ?, ?)`+
			strings.Repeat(`, (?, ?, ?)`, rows-1)+` ON CONFLICT DO NOTHING`)
	}
	if len(ids) >= seenBatch {
		stmt, err := prepare(seenBatch)
		if err != nil {
			return err
		}
		defer func() { _ = stmt.Close() }()
		for ; len(ids) >= seenBatch; ids = ids[seenBatch:] {
			if err := exec(stmt, ids[:seenBatch]); err != nil {
				return err
			}
		}
	}
	if len(ids) == 0 {
		return nil
	}
	stmt, err := prepare(len(ids))
	if err != nil {
		return err
	}
	defer func() { _ = stmt.Close() }()
	return exec(stmt, ids)
}

// Unseen returns those of ids not yet marked seen for the feed, in the order
// given, each once.
func (s *Store) Unseen(ctx context.Context, feed string, ids []string) ([]string, error) {
	seen := make(map[string]bool, len(ids))
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, 0, len(part)+1)
		args = append(args, feed)
		for _, id := range part {
			args = append(args, id)
		}
		q := `SELECT item_id FROM seen WHERE feed = ? AND item_id IN (?` +
			strings.Repeat(", ?", len(part)-1) + `)`
		if err := s.collect(ctx, seen, q, args); err != nil {
			return nil, fmt.Errorf("store: unseen %s: %w", feed, err)
		}
	}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true // once
			out = append(out, id)
		}
	}
	return out, nil
}

func (s *Store) collect(ctx context.Context, into map[string]bool, q string, args []any) error {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		into[id] = true
	}
	return rows.Err()
}
