package pgstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/lumohanke/lumobot/bot/store/internal/sealed"
)

// Get returns the value stored under key (platform sessions); ok is false
// when there is none. A sealed value is opened with Options.Key; without the
// key, or with another one, it is an error (ErrWrongKey), never the sealed
// bytes.
func (s *Store) Get(ctx context.Context, key string) (value []byte, ok bool, err error) {
	var isSealed bool
	err = s.pool.QueryRow(ctx, `SELECT value, sealed FROM kv WHERE key = $1`, key).Scan(&value, &isSealed)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("pgstore: get %s: %w", key, err)
	}
	if isSealed {
		if s.aead == nil {
			return nil, false, fmt.Errorf("pgstore: get %s: %w: the value is sealed and no state key is set (state_key_file)", key, ErrWrongKey)
		}
		if value, err = sealed.Open(s.aead, value, sealed.KVAD(key)); err != nil {
			return nil, false, fmt.Errorf("pgstore: get %s: %w", key, err)
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
		return errors.New("pgstore: put: empty key")
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
		return fmt.Errorf("pgstore: put %s: %w", key, err)
	}
	_, err = s.pool.Exec(ctx, `INSERT INTO kv (key, value, updated, sealed) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated, sealed = excluded.sealed`,
		key, value, at, isSealed)
	if err != nil {
		return fmt.Errorf("pgstore: put %s: %w", key, err)
	}
	return nil
}

// Swap replaces the value under key with new only if it is old now, in one
// transaction: a compare-and-swap for values that replicas share (a
// platform session whose refresh token rotates). old nil means the key must
// be absent, an empty old that it holds an empty value; new nil deletes the
// key. Sealed values are compared as they read, not as stored. swapped is
// false, with a nil error, when the value was not old.
func (s *Store) Swap(ctx context.Context, key string, old, new []byte) (swapped bool, err error) {
	if key == "" {
		return false, errors.New("pgstore: swap: empty key")
	}
	at, err := moment(s.now())
	if err != nil {
		return false, fmt.Errorf("pgstore: swap %s: %w", key, err)
	}
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var (
			cur      []byte
			isSealed bool
		)
		// FOR UPDATE holds the row; an absent key is held by the primary
		// key's uniqueness instead (a racing insert fails, below).
		err := tx.QueryRow(ctx, `SELECT value, sealed FROM kv WHERE key = $1 FOR UPDATE`, key).Scan(&cur, &isSealed)
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if exists && isSealed {
			if s.aead == nil {
				return fmt.Errorf("%w: the value is sealed and no state key is set (state_key_file)", ErrWrongKey)
			}
			if cur, err = sealed.Open(s.aead, cur, sealed.KVAD(key)); err != nil {
				return err
			}
		}
		if (old == nil) != !exists || (exists && !bytes.Equal(cur, old)) {
			return nil
		}
		switch {
		case new == nil && !exists:
		case new == nil:
			if _, err := tx.Exec(ctx, `DELETE FROM kv WHERE key = $1`, key); err != nil {
				return err
			}
		default:
			v, seal := new, s.aead != nil
			if seal {
				v = sealed.Seal(s.aead, v, sealed.KVAD(key))
			}
			tag, err := tx.Exec(ctx, `INSERT INTO kv (key, value, updated, sealed) VALUES ($1, $2, $3, $4)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated = excluded.updated, sealed = excluded.sealed
				WHERE $5`, key, v, at, seal, exists)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return nil // another one inserted it first: not old (absent) any more
			}
		}
		swapped = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("pgstore: swap %s: %w", key, err)
	}
	return swapped, nil
}
