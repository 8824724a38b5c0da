package bluesky

import (
	"crypto/sha256"
	"encoding/binary"
)

// tidAlphabet is base32-sortable: the order of the characters is the order
// of their values, so TIDs sort as the integers they encode.
const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"

// tidEpoch is the least timestamp a record key carries: 2023-01-01T00:00:00Z
// in microseconds since the Unix epoch.
const tidEpoch = 1672531200 * 1_000_000

// tidSpanBits is how many hash bits go into the timestamp: 2^46 µs is about
// 2.2 years, so every key's timestamp lies in 2023-01-01 … 2025-03-25, in
// the past and in the era of Bluesky itself.
const tidSpanBits = 46

// RecordKey derives the Bluesky record key (a TID) of a post from its
// idempotency key, so that every attempt to post it writes the same record.
//
// A TID is a 64-bit integer, top bit 0, of 53 bits of microseconds since the
// Unix epoch and 10 bits of clock id, written as 13 characters of
// base32-sortable. Both parts are taken from sha256(postKey): 46 bits offset
// the timestamp from 2023-01-01 and 10 bits make the clock id, 56 hash bits
// in all, so two different keys collide with a probability of about 2^-56
// (for 100,000 keys about one in 14 million). The key deliberately does not
// depend on the post's due time: a moved event moves its reminders' due
// times, and a re-send after a lost answer must still find the same record.
func RecordKey(postKey string) string {
	sum := sha256.Sum256([]byte(postKey))
	h := binary.BigEndian.Uint64(sum[:8])
	micros := uint64(tidEpoch) + h>>(64-tidSpanBits)
	clock := (h >> (64 - tidSpanBits - 10)) & 0x3ff
	return encodeTID(micros<<10 | clock)
}

// encodeTID writes v (top bit 0) as 13 base32-sortable characters.
func encodeTID(v uint64) string {
	v &^= 1 << 63
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

// decodeTID is encodeTID's inverse, for tests and diagnostics; ok is false
// for a string that is not 13 characters of the alphabet.
func decodeTID(s string) (v uint64, ok bool) {
	if len(s) != 13 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		d := -1
		for j := 0; j < len(tidAlphabet); j++ {
			if tidAlphabet[j] == s[i] {
				d = j
				break
			}
		}
		if d < 0 {
			return 0, false
		}
		v = v<<5 | uint64(d)
	}
	return v, true
}
