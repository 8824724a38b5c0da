package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store/internal/postmedia"
)

// Enqueue writes posts into the outbox as pending, in one transaction. A
// (key, target) already there keeps its status, attempts and receipt; while it
// is pending, its kind, due time, expiry and order are replaced from the post,
// and so are its text, link and language until the first attempt (a re-send
// must be the same post: X tells duplicates by their text). updated is
// bumped only if something changed. A sent, failed or skipped row is never
// touched.
func (s *Store) Enqueue(ctx context.Context, posts []bot.Post, now time.Time) (err error) {
	if len(posts) == 0 {
		return nil
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("store: enqueue: %w", err)
		}
	}()
	at, err := moment(now)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		return enqueue(ctx, tx, posts, at)
	})
}

func enqueue(ctx context.Context, tx *sql.Tx, posts []bot.Post, at any) error {
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO outbox
		(key, target, kind, due, text, link, lang, media, expires, ord, status, attempts, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)
		ON CONFLICT (key, target) DO UPDATE SET
			kind = excluded.kind, due = excluded.due,
			text = CASE WHEN outbox.attempts = 0 THEN excluded.text ELSE outbox.text END,
			link = CASE WHEN outbox.attempts = 0 THEN excluded.link ELSE outbox.link END,
			lang = CASE WHEN outbox.attempts = 0 THEN excluded.lang ELSE outbox.lang END,
			media = CASE WHEN outbox.attempts = 0 THEN excluded.media ELSE outbox.media END,
			expires = excluded.expires, ord = excluded.ord, updated = excluded.updated
		WHERE outbox.status = 'pending' AND (outbox.kind IS NOT excluded.kind
			OR outbox.due IS NOT excluded.due
			OR outbox.expires IS NOT excluded.expires OR outbox.ord IS NOT excluded.ord
			OR (outbox.attempts = 0 AND (outbox.text IS NOT excluded.text
				OR outbox.link IS NOT excluded.link OR outbox.lang IS NOT excluded.lang
				OR outbox.media IS NOT excluded.media)))`)
	if err != nil {
		return err
	}
	defer func() { _ = stmt.Close() }()
	for _, p := range posts {
		if p.Key == "" || p.Target == "" || p.Kind == "" {
			return fmt.Errorf("%s→%s: key, target and kind are required", p.Key, p.Target)
		}
		_, err := stmt.ExecContext(ctx, p.Key, p.Target, string(p.Kind), nanos(p.Due), p.Text, p.Link, p.Lang, postmedia.Encode(p),
			nanos(p.Expires), nanos(p.Order), at, at)
		if err != nil {
			return fmt.Errorf("%s→%s: %w", p.Key, p.Target, err)
		}
	}
	return nil
}

const deliveryColumns = `key, target, kind, due, text, link, lang, media, expires, ord,
	status, attempts, next_attempt, first_try, reason, remote_id, remote_url, updated`

func scanDeliveries(rows *sql.Rows) ([]bot.Delivery, error) {
	defer func() { _ = rows.Close() }()
	var out []bot.Delivery
	for rows.Next() {
		var (
			d                                       bot.Delivery
			media                                   string
			due, expires, ord, next, first, updated sql.NullInt64
		)
		err := rows.Scan(&d.Key, &d.Target, &d.Kind, &due, &d.Text, &d.Link, &d.Lang, &media, &expires, &ord,
			&d.Status, &d.Attempts, &next, &first, &d.Reason, &d.RemoteID, &d.RemoteURL, &updated)
		if err != nil {
			return nil, err
		}
		d.Due, d.Expires, d.Order = fromNanos(due), fromNanos(expires), fromNanos(ord)
		d.NextAttempt, d.FirstTry, d.Updated = fromNanos(next), fromNanos(first), fromNanos(updated)
		if err := postmedia.Decode(media, &d.Post); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// The delivery loop's queries, each served by its partial index of 0002
// (TestQueryPlans checks it).
const (
	openQuery = `SELECT ` + deliveryColumns + ` FROM outbox
		WHERE target = ? AND status IN ('pending', 'sending') ORDER BY due, key`
	sentTimesQuery = `SELECT updated FROM outbox
		WHERE target = ? AND status = 'sent' AND updated >= ? ORDER BY updated, key`
)

// Open lists the target's pending and sending deliveries, by due time, then key.
func (s *Store) Open(ctx context.Context, target string) ([]bot.Delivery, error) {
	rows, err := s.db.QueryContext(ctx, openQuery, target)
	if err != nil {
		return nil, fmt.Errorf("store: open deliveries of %s: %w", target, err)
	}
	ds, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("store: open deliveries of %s: %w", target, err)
	}
	return ds, nil
}

// MarkSending records an attempt about to be made: status sending,
// attempts+1, first_try set on the first attempt only. It is allowed from
// pending and from sending (an attempt cut short by a crash: one process
// owns a SQLite state, so nobody else holds it); an ended delivery is not
// claimed.
func (s *Store) MarkSending(ctx context.Context, key, target string, now time.Time) (bool, error) {
	err := s.transition(ctx, "mark sending", key, target, now,
		`status = 'sending', attempts = attempts + 1, first_try = COALESCE(first_try, :now)`, nil,
		func(bot.Status, sql.NullString) bool { return false })
	if errors.Is(err, ErrEnded) {
		return false, nil
	}
	return err == nil, err
}

// MarkSent records the platform's receipt, from pending or sending. Repeating
// it with the same receipt ID is a no-op; a sent row is never overwritten
// (ErrEnded), nor is a failed or skipped one.
func (s *Store) MarkSent(ctx context.Context, key, target string, r bot.Receipt, now time.Time) error {
	return s.transition(ctx, "mark sent", key, target, now,
		`status = 'sent', remote_id = :id, remote_url = :url, reason = '', next_attempt = NULL`,
		[]any{sql.Named("id", r.ID), sql.Named("url", r.URL)},
		func(st bot.Status, remoteID sql.NullString) bool {
			return st == bot.StatusSent && remoteID.String == r.ID
		})
}

// MarkRetry puts a pending or sending delivery back to pending, not before
// next, with the reason; on an ended delivery it returns ErrEnded.
func (s *Store) MarkRetry(ctx context.Context, key, target string, next time.Time, reason string, now time.Time) error {
	return s.transition(ctx, "mark retry", key, target, now,
		`status = 'pending', next_attempt = :next, reason = :reason`,
		[]any{sql.Named("next", nanos(next)), sql.Named("reason", reason)},
		func(bot.Status, sql.NullString) bool { return false })
}

// Finish ends a pending or sending delivery as failed or skipped. Repeating
// it with the same status is a no-op (the first reason stays); a delivery
// that ended otherwise, above all a sent one, is left as it is and ErrEnded
// returned.
func (s *Store) Finish(ctx context.Context, key, target string, st bot.Status, reason string, now time.Time) error {
	if st != bot.StatusFailed && st != bot.StatusSkipped {
		return fmt.Errorf("store: finish %s→%s: status %q is not failed or skipped", key, target, st)
	}
	return s.transition(ctx, "finish", key, target, now,
		`status = :status, reason = :reason`,
		[]any{sql.Named("status", string(st)), sql.Named("reason", reason)},
		func(cur bot.Status, _ sql.NullString) bool { return cur == st })
}

// transition updates a pending or sending delivery. When no such row
// changed, it looks at the row: missing is ErrNotFound, an ended row for
// which repeat says the call was already made is nil, else ErrEnded.
func (s *Store) transition(ctx context.Context, op, key, target string, now time.Time,
	set string, args []any, repeat func(bot.Status, sql.NullString) bool) error {
	at, err := moment(now)
	if err != nil {
		return fmt.Errorf("store: %s %s→%s: %w", op, key, target, err)
	}
	args = append(args, sql.Named("now", at), sql.Named("key", key), sql.Named("target", target))
	s.wmu.Lock()
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET `+set+`, updated = :now
		WHERE key = :key AND target = :target AND status IN ('pending', 'sending')`, args...)
	s.wmu.Unlock()
	if err != nil {
		return fmt.Errorf("store: %s %s→%s: %w", op, key, target, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("store: %s %s→%s: %w", op, key, target, err)
	} else if n == 1 {
		return nil
	}
	var (
		cur      bot.Status
		remoteID sql.NullString
	)
	err = s.db.QueryRowContext(ctx, `SELECT status, remote_id FROM outbox WHERE key = ? AND target = ?`,
		key, target).Scan(&cur, &remoteID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("store: %s %s→%s: %w", op, key, target, ErrNotFound)
	case err != nil:
		return fmt.Errorf("store: %s %s→%s: %w", op, key, target, err)
	case repeat(cur, remoteID):
		return nil
	default:
		return fmt.Errorf("store: %s %s→%s: %w (%s)", op, key, target, ErrEnded, cur)
	}
}

// SentTimes lists when the target's posts were sent at or after since,
// oldest first.
func (s *Store) SentTimes(ctx context.Context, target string, since time.Time) ([]time.Time, error) {
	from := nanos(since)
	if from == nil {
		from = int64(-1 << 63)
	}
	rows, err := s.db.QueryContext(ctx, sentTimesQuery, target, from)
	if err != nil {
		return nil, fmt.Errorf("store: sent times of %s: %w", target, err)
	}
	defer func() { _ = rows.Close() }()
	var out []time.Time
	for rows.Next() {
		var n sql.NullInt64
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("store: sent times of %s: %w", target, err)
		}
		out = append(out, fromNanos(n))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: sent times of %s: %w", target, err)
	}
	return out, nil
}

// Recent lists at most n deliveries that ended (sent, failed, skipped), of
// all targets, newest first.
func (s *Store) Recent(ctx context.Context, n int) ([]bot.Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM outbox
		WHERE status IN ('sent', 'failed', 'skipped') ORDER BY updated DESC, key, target LIMIT ?`, n)
	if err != nil {
		return nil, fmt.Errorf("store: recent: %w", err)
	}
	ds, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("store: recent: %w", err)
	}
	return ds, nil
}

// Ended tells which of the target's keys have ended (sent, failed or
// skipped); keys not in the result are pending, sending or not in the outbox.
func (s *Store) Ended(ctx context.Context, target string, keys []string) (map[string]bool, error) {
	out := make(map[string]bool)
	for start := 0; start < len(keys); start += chunk {
		part := keys[start:min(start+chunk, len(keys))]
		args := make([]any, 0, len(part)+1)
		args = append(args, target)
		for _, k := range part {
			args = append(args, k)
		}
		q := `SELECT key FROM outbox WHERE target = ? AND status IN ('sent', 'failed', 'skipped')
			AND key IN (?` + strings.Repeat(", ?", len(part)-1) + `)`
		if err := s.collect(ctx, out, q, args); err != nil {
			return nil, fmt.Errorf("store: ended of %s: %w", target, err)
		}
	}
	return out, nil
}

// Counts returns the number of deliveries by target and status; a status
// with no delivery is absent.
func (s *Store) Counts(ctx context.Context) (map[string]map[bot.Status]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT target, status, count(*) FROM outbox GROUP BY target, status`)
	if err != nil {
		return nil, fmt.Errorf("store: counts: %w", err)
	}
	defer func() { _ = rows.Close() }()
	out := map[string]map[bot.Status]int{}
	for rows.Next() {
		var (
			target string
			st     bot.Status
			n      int
		)
		if err := rows.Scan(&target, &st, &n); err != nil {
			return nil, fmt.Errorf("store: counts: %w", err)
		}
		if out[target] == nil {
			out[target] = map[bot.Status]int{}
		}
		out[target][st] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: counts: %w", err)
	}
	return out, nil
}
