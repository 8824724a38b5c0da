package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
)

// Get returns the value stored under key (platform sessions); ok is false
// when there is none.
func (s *Store) Get(ctx context.Context, key string) (value []byte, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT value FROM kv WHERE key = ?`, key).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: get %s: %w", key, err)
	}
	if value == nil {
		value = []byte{}
	}
	return value, true, nil
}

// Put stores value under key, replacing what was there. The value is never
// logged nor put in an error: it may hold a session token.
func (s *Store) Put(ctx context.Context, key string, value []byte) error {
	if key == "" {
		return errors.New("store: put: empty key")
	}
	if value == nil {
		value = []byte{}
	}
	at, err := nanos(s.now())
	if err != nil {
		return fmt.Errorf("store: put %s: %w", key, err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err = s.db.ExecContext(ctx, `INSERT INTO kv (key, value, updated) VALUES (?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated`, key, value, at)
	if err != nil {
		return fmt.Errorf("store: put %s: %w", key, err)
	}
	return nil
}
