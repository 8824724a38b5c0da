package store

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// KeySize is the length of Options.Key: AES-256.
const KeySize = 32

// ErrWrongKey is wrapped when Options.Key is not the key the state's values
// were sealed with, or a sealed value was altered.
var ErrWrongKey = errors.New("wrong state key")

// keyCheck is sealed with the key into meta.key_check, so that a wrong key
// is told at Open rather than at the first session read.
const keyCheck = "lumobot state key check"

// ParseKey reads a key file's content: 32 bytes as 64 hex digits or in
// standard base64, surrounding white space ignored (`openssl rand -hex 32 >
// state.key` makes one). Raw bytes are not taken: a 32-character password
// would pass for a key.
func ParseKey(b []byte) ([]byte, error) {
	text := string(bytes.TrimSpace(b))
	if k, err := hex.DecodeString(text); err == nil && len(k) == KeySize {
		return k, nil
	}
	if k, err := base64.StdEncoding.DecodeString(text); err == nil && len(k) == KeySize {
		return k, nil
	}
	// Only the length: the content is a secret.
	return nil, fmt.Errorf("state key: want %d bytes as 64 hex digits or in base64 (openssl rand -hex 32); the file has %d bytes", KeySize, len(b))
}

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
// and seals the values written without a key.
func (s *Store) sealAll(tx *sql.Tx) error {
	ctx := context.Background()
	var check []byte
	err := tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = 'key_check'`).Scan(&check)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if err := setMeta(ctx, tx, map[string]any{"key_check": seal(s.aead, []byte(keyCheck), []byte(keyCheck))}); err != nil {
			return err
		}
	case err != nil:
		return fmt.Errorf("read key check: %w", err)
	default:
		if _, err := unseal(s.aead, check, []byte(keyCheck)); err != nil {
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
		if _, err := tx.ExecContext(ctx, `UPDATE kv SET value = ?, sealed = 1 WHERE key = ?`, seal(s.aead, v, kvAD(k)), k); err != nil {
			return fmt.Errorf("seal %s: %w", k, err)
		}
	}
	return nil
}
