package pgstore

import (
	"context"
	"fmt"
	"time"
)

// Replica is one lumobot running on the database, as it last announced
// itself.
type Replica struct {
	ID         string // its store's owner id
	ConfigHash string
	Version    string
	Started    time.Time
	Seen       time.Time // its last announcement
}

// replicaForget is how long a replica that stopped announcing itself is
// kept: then it is gone for good.
const replicaForget = 24 * time.Hour

// Announce records this store's replica (its owner id) with the hash of the
// config it runs, and returns every other replica seen at or after since,
// by id. Replicas not seen for a day are deleted.
func (s *Store) Announce(ctx context.Context, configHash, version string, started, since time.Time) ([]Replica, error) {
	now := s.now()
	at, err := moment(now)
	if err != nil {
		return nil, fmt.Errorf("pgstore: announce: %w", err)
	}
	from, err := moment(started)
	if err != nil {
		return nil, fmt.Errorf("pgstore: announce: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `INSERT INTO replicas (id, config_hash, version, started, seen) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET config_hash = excluded.config_hash, version = excluded.version, seen = excluded.seen`,
		s.owner, configHash, version, from, at); err != nil {
		return nil, fmt.Errorf("pgstore: announce: %w", err)
	}
	if _, err := s.pool.Exec(ctx, `DELETE FROM replicas WHERE seen < $1`, now.Add(-replicaForget).UnixNano()); err != nil {
		return nil, fmt.Errorf("pgstore: announce: forget old replicas: %w", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT id, config_hash, version, started, seen FROM replicas
		WHERE id <> $1 AND seen >= $2 ORDER BY id`, s.owner, since.UnixNano())
	if err != nil {
		return nil, fmt.Errorf("pgstore: announce: %w", err)
	}
	defer rows.Close()
	var out []Replica
	for rows.Next() {
		var (
			r           Replica
			start, seen int64
		)
		if err := rows.Scan(&r.ID, &r.ConfigHash, &r.Version, &start, &seen); err != nil {
			return nil, fmt.Errorf("pgstore: announce: %w", err)
		}
		r.Started, r.Seen = fromNanos(&start), fromNanos(&seen)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("pgstore: announce: %w", err)
	}
	return out, nil
}

// Leave deletes this store's replica row (a clean stop): the others stop
// counting it at once.
func (s *Store) Leave(ctx context.Context) error {
	if _, err := s.pool.Exec(ctx, `DELETE FROM replicas WHERE id = $1`, s.owner); err != nil {
		return fmt.Errorf("pgstore: leave: %w", err)
	}
	return nil
}
