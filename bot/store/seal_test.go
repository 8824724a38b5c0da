package store

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

var (
	key1 = bytes.Repeat([]byte{1}, KeySize)
	key2 = bytes.Repeat([]byte{2}, KeySize)
)

const secret = `{"accessJwt":"eyJhbGciOiJIUzI1NiJ9.c2VjcmV0","refreshJwt":"r3fr3sh"}`

func rawKV(t *testing.T, s *Store, key string) (value []byte, sealed bool) {
	t.Helper()
	if err := s.db.QueryRow(`SELECT value, sealed FROM kv WHERE key = ?`, key).Scan(&value, &sealed); err != nil {
		t.Fatal(err)
	}
	return value, sealed
}

func TestSealedKV(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lumobot.db")
	open := func(key []byte) (*Store, error) { return Open(path, Options{Now: clock, Key: key}) }
	s, err := open(key1)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Put(ctx, "bluesky:session", []byte(secret)); err != nil {
		t.Fatal(err)
	}
	raw, sealed := rawKV(t, s, "bluesky:session")
	if !sealed || bytes.Contains(raw, []byte("r3fr3sh")) || bytes.Contains(raw, []byte("accessJwt")) {
		t.Fatalf("stored value sealed=%v %q: the token is readable", sealed, raw)
	}
	if v, ok, err := s.Get(ctx, "bluesky:session"); err != nil || !ok || string(v) != secret {
		t.Fatalf("Get = %q, %v, %v", v, ok, err)
	}
	// Two Puts of one value differ: a fresh nonce each time.
	if err := s.Put(ctx, "bluesky:session", []byte(secret)); err != nil {
		t.Fatal(err)
	}
	if again, _ := rawKV(t, s, "bluesky:session"); bytes.Equal(again, raw) {
		t.Error("the same value sealed twice gave the same bytes")
	}
	// A sealed value moved to another key does not open (the key is the
	// additional data), nor does an altered one.
	if _, err := s.db.Exec(`INSERT INTO kv (key, value, updated, sealed) SELECT 'mastodon:session', value, updated, 1 FROM kv WHERE key = 'bluesky:session'`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "mastodon:session"); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Get(value moved from another key) = %v, want ErrWrongKey", err)
	}
	altered, _ := rawKV(t, s, "bluesky:session")
	altered[20] ^= 1
	if _, err := s.db.Exec(`UPDATE kv SET value = ? WHERE key = 'bluesky:session'`, altered); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Get(ctx, "bluesky:session"); !errors.Is(err, ErrWrongKey) || strings.Contains(err.Error(), "r3fr3sh") {
		t.Errorf("Get(altered value) = %v, want ErrWrongKey", err)
	}
	if err := s.Put(ctx, "bluesky:session", []byte(secret)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	// A wrong key is refused at Open, before any session is read.
	_, err = open(key2)
	if !errors.Is(err, ErrWrongKey) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "state_key_file") {
		t.Fatalf("Open(wrong key) = %v, want ErrWrongKey naming the file and state_key_file", err)
	}
	t.Log(err)
	if _, err := open(key1[:16]); err == nil || !strings.Contains(err.Error(), "16 bytes") {
		t.Errorf("Open(16-byte key) = %v", err)
	}

	// Without the key the state opens (preview, validate), but a sealed
	// value is an error, never its sealed bytes; a new Put is plain and is
	// sealed when the key is back.
	s, err = open(nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, ok, err := s.Get(ctx, "bluesky:session"); !errors.Is(err, ErrWrongKey) || ok || v != nil || !strings.Contains(err.Error(), "no state key") {
		t.Errorf("Get(sealed, no key) = %q, %v, %v", v, ok, err)
	}
	if err := s.Put(ctx, "x:session", []byte("plain token")); err != nil {
		t.Fatal(err)
	}
	if raw, sealed := rawKV(t, s, "x:session"); sealed || string(raw) != "plain token" {
		t.Errorf("Put without a key stored %q sealed=%v", raw, sealed)
	}
	s.Close()
	s, err = open(key1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if raw, sealed := rawKV(t, s, "x:session"); !sealed || bytes.Contains(raw, []byte("plain token")) {
		t.Errorf("Open with the key left %q sealed=%v", raw, sealed)
	}
	for k, want := range map[string]string{"x:session": "plain token", "bluesky:session": secret} {
		if v, _, err := s.Get(ctx, k); err != nil || string(v) != want {
			t.Errorf("Get(%s) = %q, %v", k, v, err)
		}
	}
}

func TestParseKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, KeySize)
	for name, in := range map[string]string{
		"hex":        hex.EncodeToString(raw) + "\n",
		"hex spaced": "  " + hex.EncodeToString(raw) + "\r\n",
		"base64":     base64.StdEncoding.EncodeToString(raw) + "\n",
	} {
		k, err := ParseKey([]byte(in))
		if err != nil || !bytes.Equal(k, raw) {
			t.Errorf("%s: ParseKey = %x, %v", name, k, err)
		}
	}
	for name, in := range map[string]string{
		"empty":     "",
		"short hex": hex.EncodeToString(raw[:16]),
		"passwordy": "correct horse battery staple",
		"raw bytes": string(raw),
		"32 chars":  "abcdefghijklmnopqrstuvwxyz012345",
	} {
		_, err := ParseKey([]byte(in))
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if in != "" && strings.Contains(err.Error(), in) {
			t.Errorf("%s: the error shows the key: %v", name, err)
		}
	}
}
