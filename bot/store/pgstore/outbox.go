package pgstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store/internal/postmedia"
)

// enqueueSQL is the SQLite backend's upsert: a pending row takes the post's
// kind, times and order, and its text, link and language only until the
// first attempt; updated moves only when something changed; an ended or
// sending row is never touched.
const enqueueSQL = `INSERT INTO outbox
	(key, target, kind, due, text, link, lang, media, expires, ord, status, attempts, created, updated)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', 0, $11, $11)
	ON CONFLICT (key, target) DO UPDATE SET
		kind = excluded.kind, due = excluded.due,
		text = CASE WHEN outbox.attempts = 0 THEN excluded.text ELSE outbox.text END,
		link = CASE WHEN outbox.attempts = 0 THEN excluded.link ELSE outbox.link END,
		lang = CASE WHEN outbox.attempts = 0 THEN excluded.lang ELSE outbox.lang END,
		media = CASE WHEN outbox.attempts = 0 THEN excluded.media ELSE outbox.media END,
		expires = excluded.expires, ord = excluded.ord, updated = excluded.updated
	WHERE outbox.status = 'pending' AND (outbox.kind IS DISTINCT FROM excluded.kind
		OR outbox.due IS DISTINCT FROM excluded.due
		OR outbox.expires IS DISTINCT FROM excluded.expires OR outbox.ord IS DISTINCT FROM excluded.ord
		OR (outbox.attempts = 0 AND (outbox.text IS DISTINCT FROM excluded.text
			OR outbox.link IS DISTINCT FROM excluded.link OR outbox.lang IS DISTINCT FROM excluded.lang
			OR outbox.media IS DISTINCT FROM excluded.media)))`

// Enqueue writes posts into the outbox as pending, in one transaction and
// one round trip (a batch).
func (s *Store) Enqueue(ctx context.Context, posts []bot.Post, now time.Time) (err error) {
	if len(posts) == 0 {
		return nil
	}
	defer func() {
		if err != nil {
			err = fmt.Errorf("pgstore: enqueue: %w", err)
		}
	}()
	at, err := moment(now)
	if err != nil {
		return err
	}
	var batch pgx.Batch
	for _, p := range posts {
		if p.Key == "" || p.Target == "" || p.Kind == "" {
			return fmt.Errorf("%s→%s: key, target and kind are required", p.Key, p.Target)
		}
		batch.Queue(enqueueSQL, p.Key, p.Target, string(p.Kind), nanos(p.Due), p.Text, p.Link, p.Lang, postmedia.Encode(p),
			nanos(p.Expires), nanos(p.Order), at)
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		res := tx.SendBatch(ctx, &batch)
		for _, p := range posts {
			if _, err := res.Exec(); err != nil {
				_ = res.Close()
				return fmt.Errorf("%s→%s: %w", p.Key, p.Target, err)
			}
		}
		return res.Close()
	})
}

const deliveryColumns = `key, target, kind, due, text, link, lang, media, expires, ord,
	status, attempts, next_attempt, first_try, reason, remote_id, remote_url, updated`

func scanDeliveries(rows pgx.Rows) ([]bot.Delivery, error) {
	defer rows.Close()
	var out []bot.Delivery
	for rows.Next() {
		var (
			d                                       bot.Delivery
			media                                   string
			kind, status                            string
			due, expires, ord, next, first, updated *int64
		)
		err := rows.Scan(&d.Key, &d.Target, &kind, &due, &d.Text, &d.Link, &d.Lang, &media, &expires, &ord,
			&status, &d.Attempts, &next, &first, &d.Reason, &d.RemoteID, &d.RemoteURL, &updated)
		if err != nil {
			return nil, err
		}
		d.Kind, d.Status = bot.Kind(kind), bot.Status(status)
		d.Due, d.Expires, d.Order = fromNanos(due), fromNanos(expires), fromNanos(ord)
		d.NextAttempt, d.FirstTry, d.Updated = fromNanos(next), fromNanos(first), fromNanos(updated)
		if err := postmedia.Decode(media, &d.Post); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Open lists the target's pending and sending deliveries, by due time, then
// key; also those another replica holds (its MarkSending answers false).
func (s *Store) Open(ctx context.Context, target string) ([]bot.Delivery, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM outbox
		WHERE target = $1 AND status IN ('pending', 'sending') ORDER BY due, key`, target)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open deliveries of %s: %w", target, err)
	}
	ds, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("pgstore: open deliveries of %s: %w", target, err)
	}
	return ds, nil
}

// MarkSending claims a delivery for this store until now + Options.Lease:
// status sending, attempts+1, first_try set on the first attempt only. It
// claims a pending delivery, and a sending one that this owner holds (an
// attempt cut short) or whose lease has passed (its owner crashed); it does
// not claim an ended one nor one another owner holds, and then answers
// false. One UPDATE decides: of two stores racing for a row, the second
// waits for the first's row lock and then sees the row claimed.
func (s *Store) MarkSending(ctx context.Context, key, target string, now time.Time) (bool, error) {
	at, err := moment(now)
	if err != nil {
		return false, fmt.Errorf("pgstore: mark sending %s→%s: %w", key, target, err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET status = 'sending', attempts = attempts + 1,
			first_try = COALESCE(first_try, @now), owner = @owner, lease_until = @lease, updated = @now
		WHERE key = @key AND target = @target AND (status = 'pending' OR (status = 'sending'
			AND (owner = @owner OR lease_until IS NULL OR lease_until <= @now)))`,
		pgx.NamedArgs{"now": at, "owner": s.owner, "lease": addClamped(at.(int64), s.lease), "key": key, "target": target})
	if err != nil {
		return false, fmt.Errorf("pgstore: mark sending %s→%s: %w", key, target, err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil
	}
	if _, _, err := s.status(ctx, key, target); err != nil {
		return false, fmt.Errorf("pgstore: mark sending %s→%s: %w", key, target, err)
	}
	return false, nil // ended, or held by another owner
}

// Renew extends this store's claim on a sending delivery to s.now() +
// Options.Lease, for an attempt that takes longer than the lease (a slow
// upload). It returns ErrLeaseLost when the delivery is no longer this
// store's to send: ended, back to pending, or claimed by another owner after
// the lease passed; the caller should then not record a retry over it, and
// should report that the post may go out twice if its request is still
// under way.
func (s *Store) Renew(ctx context.Context, key, target string) error {
	at, err := moment(s.now())
	if err != nil {
		return fmt.Errorf("pgstore: renew %s→%s: %w", key, target, err)
	}
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET lease_until = $1
		WHERE key = $2 AND target = $3 AND status = 'sending' AND owner = $4`,
		addClamped(at.(int64), s.lease), key, target, s.owner)
	if err != nil {
		return fmt.Errorf("pgstore: renew %s→%s: %w", key, target, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	if _, _, err := s.status(ctx, key, target); err != nil {
		return fmt.Errorf("pgstore: renew %s→%s: %w", key, target, err)
	}
	return fmt.Errorf("pgstore: renew %s→%s: %w", key, target, ErrLeaseLost)
}

// status reads a delivery's status and receipt id; ErrNotFound when missing.
func (s *Store) status(ctx context.Context, key, target string) (st bot.Status, remoteID string, err error) {
	var cur string
	err = s.pool.QueryRow(ctx, `SELECT status, remote_id FROM outbox WHERE key = $1 AND target = $2`,
		key, target).Scan(&cur, &remoteID)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", ErrNotFound
	}
	return bot.Status(cur), remoteID, err
}

// MarkSent records the platform's receipt, from pending or sending, whoever
// holds the claim: the post is out, and that must be recorded. Repeating it
// with the same receipt ID is a no-op; a sent row is never overwritten
// (ErrEnded), nor is a failed or skipped one.
func (s *Store) MarkSent(ctx context.Context, key, target string, r bot.Receipt, now time.Time) error {
	return s.transition(ctx, "mark sent", key, target, now, false,
		`status = 'sent', remote_id = @id, remote_url = @url, reason = '', next_attempt = NULL`,
		pgx.NamedArgs{"id": r.ID, "url": r.URL},
		func(st bot.Status, remoteID string) bool { return st == bot.StatusSent && remoteID == r.ID })
}

// MarkRetry puts a pending or sending delivery back to pending, not before
// next, with the reason, and releases the claim; on an ended delivery it
// returns ErrEnded. A sending delivery that another owner holds (its claim
// has not lapsed) is left to it: ErrLeaseLost.
func (s *Store) MarkRetry(ctx context.Context, key, target string, next time.Time, reason string, now time.Time) error {
	return s.transition(ctx, "mark retry", key, target, now, true,
		`status = 'pending', next_attempt = @next, reason = @reason`,
		pgx.NamedArgs{"next": nanos(next), "reason": reason},
		func(bot.Status, string) bool { return false })
}

// Finish ends a pending or sending delivery as failed or skipped. Repeating
// it with the same status is a no-op (the first reason stays); a delivery
// that ended otherwise, above all a sent one, is left as it is and ErrEnded
// returned. A sending delivery that another owner holds is left to it:
// ErrLeaseLost.
func (s *Store) Finish(ctx context.Context, key, target string, st bot.Status, reason string, now time.Time) error {
	if st != bot.StatusFailed && st != bot.StatusSkipped {
		return fmt.Errorf("pgstore: finish %s→%s: status %q is not failed or skipped", key, target, st)
	}
	return s.transition(ctx, "finish", key, target, now, true,
		`status = @status, reason = @reason`,
		pgx.NamedArgs{"status": string(st), "reason": reason},
		func(cur bot.Status, _ string) bool { return cur == st })
}

// transition updates a pending or sending delivery and releases its claim.
// With owned, a sending row must be this store's, or its claim lapsed.
// When no row changed, it looks at the row: missing is ErrNotFound, an ended
// row for which repeat says the call was already made is nil, a sending row
// another owner holds is ErrLeaseLost, else ErrEnded.
func (s *Store) transition(ctx context.Context, op, key, target string, now time.Time, owned bool,
	set string, args pgx.NamedArgs, repeat func(bot.Status, string) bool) error {
	at, err := moment(now)
	if err != nil {
		return fmt.Errorf("pgstore: %s %s→%s: %w", op, key, target, err)
	}
	args["now"], args["key"], args["target"], args["owner"], args["owned"] = at, key, target, s.owner, owned
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET `+set+`, owner = '', lease_until = NULL, updated = @now
		WHERE key = @key AND target = @target AND (status = 'pending' OR (status = 'sending'
			AND (NOT @owned OR owner = @owner OR owner = '' OR lease_until IS NULL OR lease_until <= @now)))`, args)
	if err != nil {
		return fmt.Errorf("pgstore: %s %s→%s: %w", op, key, target, err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	cur, remoteID, err := s.status(ctx, key, target)
	switch {
	case err != nil:
		return fmt.Errorf("pgstore: %s %s→%s: %w", op, key, target, err)
	case repeat(cur, remoteID):
		return nil
	case cur == bot.StatusSending:
		return fmt.Errorf("pgstore: %s %s→%s: %w", op, key, target, ErrLeaseLost)
	default:
		return fmt.Errorf("pgstore: %s %s→%s: %w (%s)", op, key, target, ErrEnded, cur)
	}
}

// SentTimes lists when the target's posts were sent at or after since,
// oldest first.
func (s *Store) SentTimes(ctx context.Context, target string, since time.Time) ([]time.Time, error) {
	from := nanos(since)
	if from == nil {
		from = int64(math.MinInt64)
	}
	rows, err := s.pool.Query(ctx, `SELECT updated FROM outbox
		WHERE target = $1 AND status = 'sent' AND updated >= $2 ORDER BY updated, key`, target, from)
	if err != nil {
		return nil, fmt.Errorf("pgstore: sent times of %s: %w", target, err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var n *int64
		if err := rows.Scan(&n); err != nil {
			return nil, fmt.Errorf("pgstore: sent times of %s: %w", target, err)
		}
		out = append(out, fromNanos(n))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: sent times of %s: %w", target, err)
	}
	return out, nil
}

// Recent lists at most n deliveries that ended (sent, failed, skipped), of
// all targets, newest first.
func (s *Store) Recent(ctx context.Context, n int) ([]bot.Delivery, error) {
	if n <= 0 {
		return nil, nil
	}
	rows, err := s.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM outbox
		WHERE status IN ('sent', 'failed', 'skipped') ORDER BY updated DESC, key, target LIMIT $1`, n)
	if err != nil {
		return nil, fmt.Errorf("pgstore: recent: %w", err)
	}
	ds, err := scanDeliveries(rows)
	if err != nil {
		return nil, fmt.Errorf("pgstore: recent: %w", err)
	}
	return ds, nil
}

// Ended tells which of the target's keys have ended (sent, failed or
// skipped); keys not in the result are pending, sending or not in the outbox.
func (s *Store) Ended(ctx context.Context, target string, keys []string) (map[string]bool, error) {
	out := make(map[string]bool)
	if len(keys) == 0 {
		return out, nil
	}
	if err := s.collect(ctx, out, `SELECT key FROM outbox WHERE target = $1
		AND status IN ('sent', 'failed', 'skipped') AND key = ANY($2::text[])`, target, keys); err != nil {
		return nil, fmt.Errorf("pgstore: ended of %s: %w", target, err)
	}
	return out, nil
}

// Counts returns the number of deliveries by target and status; a status
// with no delivery is absent.
func (s *Store) Counts(ctx context.Context) (map[string]map[bot.Status]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT target, status, count(*) FROM outbox GROUP BY target, status`)
	if err != nil {
		return nil, fmt.Errorf("pgstore: counts: %w", err)
	}
	defer rows.Close()
	out := map[string]map[bot.Status]int{}
	for rows.Next() {
		var (
			target, st string
			n          int64
		)
		if err := rows.Scan(&target, &st, &n); err != nil {
			return nil, fmt.Errorf("pgstore: counts: %w", err)
		}
		if out[target] == nil {
			out[target] = map[bot.Status]int{}
		}
		out[target][bot.Status(st)] = int(n)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: counts: %w", err)
	}
	return out, nil
}
