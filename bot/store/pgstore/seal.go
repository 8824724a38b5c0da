package pgstore

// The sealing of KV values is shared with the SQLite backend
// (bot/store/internal/sealed): the same AES-256-GCM, layout and additional
// data, so a value sealed by one backend opens with the same key in the
// other.

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/lumohanke/lumobot/bot/store/internal/sealed"
)

// KeySize is the length of Options.Key: AES-256.
const KeySize = sealed.KeySize

// ErrWrongKey is wrapped when Options.Key is not the key the state's values
// were sealed with, or a sealed value was altered.
var ErrWrongKey = sealed.ErrWrongKey

// sealAll checks the key against meta.key_check (writing it the first time)
// and seals the values written without a key. Replicas opening at once both
// may write key_check; ON CONFLICT keeps the first and the loser checks it.
func (s *Store) sealAll(tx pgx.Tx) error {
	ctx := context.Background()
	if _, err := tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('key_check', $1) ON CONFLICT (key) DO NOTHING`,
		sealed.Seal(s.aead, []byte(sealed.KeyCheck), []byte(sealed.KeyCheck))); err != nil {
		return fmt.Errorf("write key check: %w", err)
	}
	var check []byte
	if err := tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'key_check'`).Scan(&check); err != nil {
		return fmt.Errorf("read key check: %w", err)
	}
	if _, err := sealed.Open(s.aead, check, []byte(sealed.KeyCheck)); err != nil {
		return fmt.Errorf("%w: the state's session values were sealed with another key (check state_key_file)", ErrWrongKey)
	}
	rows, err := tx.Query(ctx, `SELECT key, value FROM kv WHERE NOT sealed FOR UPDATE`)
	if err != nil {
		return fmt.Errorf("read unsealed values: %w", err)
	}
	plain := map[string][]byte{}
	for rows.Next() {
		var k string
		var v []byte
		if err := rows.Scan(&k, &v); err != nil {
			rows.Close()
			return fmt.Errorf("read unsealed values: %w", err)
		}
		plain[k] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read unsealed values: %w", err)
	}
	for k, v := range plain {
		if _, err := tx.Exec(ctx, `UPDATE kv SET value = $1, sealed = true WHERE key = $2`, sealed.Seal(s.aead, v, sealed.KVAD(k)), k); err != nil {
			return fmt.Errorf("seal %s: %w", k, err)
		}
	}
	return nil
}
