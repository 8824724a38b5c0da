package pgstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lumohanke/lumobot/bot"
)

// Feed returns what is remembered of a feed; FeedState{} for a feed never seen.
func (s *Store) Feed(ctx context.Context, name string) (bot.FeedState, error) {
	var (
		st      bot.FeedState
		fetched *int64
		hasBody bool
	)
	err := s.pool.QueryRow(ctx,
		`SELECT known, etag, last_modified, body, body IS NOT NULL, fetched FROM feeds WHERE name = $1`, name).
		Scan(&st.Known, &st.ETag, &st.LastModified, &st.Body, &hasBody, &fetched)
	if errors.Is(err, pgx.ErrNoRows) {
		return bot.FeedState{}, nil
	}
	if err != nil {
		return bot.FeedState{}, fmt.Errorf("pgstore: feed %s: %w", name, err)
	}
	if hasBody && st.Body == nil {
		st.Body = []byte{} // an empty calendar body is not "no body"
	}
	if !hasBody {
		st.Body = nil
	}
	st.Fetched = fromNanos(fetched)
	return st, nil
}

// SaveFeed records a successful fetch: the feed becomes Known (whatever
// st.Known says), its validators, body and fetch time are replaced, and the
// ids are marked seen at now (an id seen before keeps its first time), all in
// one transaction. The ids go as one array parameter: no statement limit.
func (s *Store) SaveFeed(ctx context.Context, name string, st bot.FeedState, seen []string, now time.Time) (err error) {
	defer func() {
		if err != nil {
			err = fmt.Errorf("pgstore: save feed %s: %w", name, err)
		}
	}()
	if name == "" {
		return errors.New("empty feed name")
	}
	at, err := moment(now)
	if err != nil {
		return err
	}
	var body any
	if st.Body != nil {
		body = st.Body
	}
	if seen == nil {
		seen = []string{}
	}
	return s.tx(ctx, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO feeds (name, etag, last_modified, body, fetched, known)
		VALUES ($1, $2, $3, $4, $5, true)
		ON CONFLICT (name) DO UPDATE SET etag = excluded.etag, last_modified = excluded.last_modified,
			body = excluded.body, fetched = excluded.fetched, known = true`,
			name, st.ETag, st.LastModified, body, nanos(st.Fetched))
		if err != nil {
			return err
		}
		if len(seen) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO seen (feed, item_id, seen_at)
			SELECT $1, id, $3 FROM unnest($2::text[]) AS id ON CONFLICT DO NOTHING`, name, seen, at); err != nil {
			return fmt.Errorf("mark %d ids seen: %w", len(seen), err)
		}
		return nil
	})
}

// Unseen returns those of ids not yet marked seen for the feed, in the order
// given, each once.
func (s *Store) Unseen(ctx context.Context, feed string, ids []string) ([]string, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	seen := make(map[string]bool, len(ids))
	if err := s.collect(ctx, seen, `SELECT item_id FROM seen WHERE feed = $1 AND item_id = ANY($2::text[])`, feed, ids); err != nil {
		return nil, fmt.Errorf("pgstore: unseen %s: %w", feed, err)
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

func (s *Store) collect(ctx context.Context, into map[string]bool, q string, args ...any) error {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return err
		}
		into[id] = true
	}
	return rows.Err()
}
