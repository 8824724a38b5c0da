package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/lumohanke/lumobot/bot/store/internal/sealed"
)

// KeySize is the length of Options.Key: AES-256.
const KeySize = sealed.KeySize

// ErrWrongKey is wrapped when Options.Key is not the key the state's values
// were sealed with, or a sealed value was altered.
var ErrWrongKey = sealed.ErrWrongKey

// ParseKey reads a key file's content: 32 bytes as 64 hex digits or in
// standard base64 (`openssl rand -hex 32 > state.key`).
func ParseKey(b []byte) ([]byte, error) { return sealed.ParseKey(b) }

// sealAll checks the key against meta.key_check (writing it the first time)
// and seals the values written without a key.
func (s *Store) sealAll(tx *sql.Tx) error {
	ctx := context.Background()
	var check []byte
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'key_check'`).Scan(&check)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := setMeta(ctx, tx, map[string]any{"key_check": sealed.Seal(s.aead, []byte(sealed.KeyCheck), []byte(sealed.KeyCheck))}); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("read key check: %w", err)
	default:
		if _, err := sealed.Open(s.aead, check, []byte(sealed.KeyCheck)); err != nil {
			return fmt.Errorf("%w: the state's session values were sealed with another key (check state_key_file)", ErrWrongKey)
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT key, value FROM kv WHERE sealed = 0`)
	if err != nil {
		return fmt.Errorf("read unsealed values: %w", err)
	}
	plain := map[string][]byte{}
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			_ = rows.Close()
			return fmt.Errorf("read unsealed values: %w", err)
		}
		plain[k] = v
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read unsealed values: %w", err)
	}
	for k, v := range plain {
		if _, err := tx.ExecContext(ctx, `UPDATE kv SET value = ?, sealed = 1 WHERE key = ?`, sealed.Seal(s.aead, v, sealed.KVAD(k)), k); err != nil {
			return fmt.Errorf("seal %s: %w", k, err)
		}
	}
	return nil
}
