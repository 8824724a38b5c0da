// Package sealed seals the state's small values (platform sessions) with
// AES-256-GCM, in one format for every state backend, so that one key opens
// what either wrote.
package sealed

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
)

// KeySize is the length of a state key: AES-256.
const KeySize = 32

// ErrWrongKey is wrapped when a key is not the one the state's values
// were sealed with, or a sealed value was altered.
var ErrWrongKey = errors.New("wrong state key")

// KeyCheck is sealed with the key into the state, so that a wrong key is
// told at open rather than at the first session read.
const KeyCheck = "lumobot state key check"

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

// New returns the sealer for key; nil key: none (nil).
func New(key []byte) (cipher.AEAD, error) {
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
func KVAD(key string) []byte { return []byte("lumobot kv\x00" + key) }

// Seal seals plain, bound to ad, behind a random nonce.
func Seal(aead cipher.AEAD, plain, ad []byte) []byte {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
	_, _ = rand.Read(nonce) // never fails (crypto/rand panics rather)
	return aead.Seal(nonce, nonce, plain, ad)
}

// Open opens what Seal sealed with ad; a wrong key or an altered value is
// ErrWrongKey.
func Open(aead cipher.AEAD, sealed, ad []byte) ([]byte, error) {
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
