package pgstore

// The sealing of KV values is the SQLite backend's (bot/store/seal.go),
// copied because it is unexported there and importing bot/store would link
// SQLite into a PostgreSQL build: the same AES-256-GCM, the same layout
// (nonce || ciphertext) and additional data, so a value sealed by one
// backend opens with the same key in the other.

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// KeySize is the length of Options.Key: AES-256.
const KeySize = 32

// ErrWrongKey is wrapped when Options.Key is not the key the state's values
// were sealed with, or a sealed value was altered.
var ErrWrongKey = errors.New("wrong state key")

// keyCheck is sealed with the key into meta.key_check, so that a wrong key
// is told at Open rather than at the first session read.
const keyCheck = "lumobot state key check"

func newSealer(key []byte) (cipher.AEAD, error) {
	if key == nil {
		return nil, nil
	}
	if len(key) != KeySize {
		return nil, fmt.Errorf("state key has %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("state key: %w", err)
	}
	return cipher.NewGCM(block)
}

// The additional data binds a sealed value to its KV key: a value moved to
// another key does not open.
func kvAD(key string) []byte { return []byte("lumobot kv\x00" + key) }

func seal(aead cipher.AEAD, plain, ad []byte) []byte {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	_, _ = rand.Read(nonce) // never fails (crypto/rand panics rather)
	return aead.Seal(nonce, nonce, plain, ad)
}

func unseal(aead cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("%w: sealed value too short", ErrWrongKey)
	}
	n := aead.NonceSize()
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, fmt.Errorf("%w (or the value was altered)", ErrWrongKey)
	}
	return plain, nil
}

// sealAll checks the key against meta.key_check (writing it the first time)
// and seals the values written without a key. Replicas opening at once both
// may write key_check; ON CONFLICT keeps the first and the loser checks it.
func (s *Store) sealAll(tx pgx.Tx) error {
	ctx := context.Background()
	if _, err := tx.Exec(ctx, `INSERT INTO meta (key, value) VALUES ('key_check', $1) ON CONFLICT (key) DO NOTHING`,
		seal(s.aead, []byte(keyCheck), []byte(keyCheck))); err != nil {
		return fmt.Errorf("write key check: %w", err)
	}
	var check []byte
	if err := tx.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'key_check'`).Scan(&check); err != nil {
		return fmt.Errorf("read key check: %w", err)
	}
	if _, err := unseal(s.aead, check, []byte(keyCheck)); err != nil {
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
		if _, err := tx.Exec(ctx, `UPDATE kv SET value = $1, sealed = true WHERE key = $2`, seal(s.aead, v, kvAD(k)), k); err != nil {
			return fmt.Errorf("seal %s: %w", k, err)
		}
	}
	return nil
}
