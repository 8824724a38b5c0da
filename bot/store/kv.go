package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lumohanke/lumobot/bot/store/internal/sealed"
)

// Get returns the value stored under key (platform sessions); ok is false
// when there is none. A sealed value is opened with Options.Key; without the
// key, or with another one, it is an error (ErrWrongKey), never the sealed
// bytes.
func (s *Store) Get(ctx context.Context, key string) (value []byte, ok bool, err error) {
	var isSealed bool
	err = s.db.QueryRowContext(ctx, `SELECT value, sealed FROM kv WHERE key = ?`, key).Scan(&value, &isSealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: get %s: %w", key, err)
	}
	if isSealed {
		if s.aead == nil {
			return nil, false, fmt.Errorf("store: get %s: %w: the value is sealed and no state key is set (state_key_file)", key, ErrWrongKey)
		}
		if value, err = sealed.Open(s.aead, value, sealed.KVAD(key)); err != nil {
			return nil, false, fmt.Errorf("store: get %s: %w", key, err)
		}
	}
	if value == nil {
		value = []byte{}
	}
	return value, true, nil
}

// Put stores value under key, replacing what was there, sealed when
// Options.Key is set. The value is never logged nor put in an error: it may
// hold a session token.
func (s *Store) Put(ctx context.Context, key string, value []byte) error {
	if key == "" {
		return errors.New("store: put: empty key")
	}
	if value == nil {
		value = []byte{}
	}
	isSealed := s.aead != nil
	if isSealed {
		value = sealed.Seal(s.aead, value, sealed.KVAD(key))
	}
	at, err := moment(s.now())
	if err != nil {
		return fmt.Errorf("store: put %s: %w", key, err)
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	_, err = s.db.ExecContext(ctx, `INSERT INTO kv (key, value, updated, sealed) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated, sealed = excluded.sealed`,
		key, value, at, isSealed)
	if err != nil {
		return fmt.Errorf("store: put %s: %w", key, err)
	}
	return nil
}
