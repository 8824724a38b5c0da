package bluesky

import (
	"fmt"
	"testing"
	"time"
)

func TestRecordKeyValidDeterministic(t *testing.T) {
	for _, key := range []string{"", "news:uutiset:https://example.fi/?p=1", "reminder:kehittajaryhma-2021-05:1d",
		"announcement:seuraa-lumoa:2026-12-01T10:00", "news:ä:✨"} {
		k := RecordKey(key)
		if !tidRE.MatchString(k) {
			t.Errorf("RecordKey(%q) = %q, not a TID", key, k)
		}
		if RecordKey(key) != k {
			t.Errorf("RecordKey(%q) is not deterministic", key)
		}
	}
	// A pinned value: changing the derivation would re-post everything
	// that is in flight during an upgrade.
	if got := RecordKey("announcement:seuraa-lumoa:2026-12-01T10:00"); got != pinnedKey {
		t.Errorf("RecordKey changed: %q, was %q", got, pinnedKey)
	}
}

const pinnedKey = "3livqoqowvgwd"

func TestRecordKeyUniqueAndPlausible(t *testing.T) {
	const n = 100_000
	seen := make(map[string]string, n)
	lo := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	hi := time.Date(2025, 3, 26, 0, 0, 0, 0, time.UTC)
	for i := range n {
		key := fmt.Sprintf("news:uutiset:%d", i)
		k := RecordKey(key)
		if prev, dup := seen[k]; dup {
			t.Fatalf("%q and %q share the record key %q", prev, key, k)
		}
		seen[k] = key
		v, ok := decodeTID(k)
		if !ok || v>>63 != 0 {
			t.Fatalf("%q does not decode to a 63-bit value", k)
		}
		ts := time.UnixMicro(int64(v >> 10))
		if ts.Before(lo) || !ts.Before(hi) {
			t.Fatalf("%q carries the time %v, outside %v…%v", k, ts, lo, hi)
		}
		if !tidRE.MatchString(k) {
			t.Fatalf("%q is not a TID", k)
		}
	}
}

func TestEncodeTID(t *testing.T) {
	for _, tc := range []struct {
		v    uint64
		want string
	}{
		{0, "2222222222222"},
		{1, "2222222222223"},
		{1<<63 - 1, "bzzzzzzzzzzzz"}, // 4 bits in the first character, the top one 0
		{1 << 63, "2222222222222"},   // the top bit is never set
	} {
		if got := encodeTID(tc.v); got != tc.want {
			t.Errorf("encodeTID(%d) = %q, want %q", tc.v, got, tc.want)
		}
	}
	// A TID from the network decodes and encodes back.
	const real = "3jzfcijpj2z2a"
	v, ok := decodeTID(real)
	if !ok || encodeTID(v) != real {
		t.Fatalf("round trip of %q: %d %v", real, v, ok)
	}
	if ts := time.UnixMicro(int64(v >> 10)).UTC(); ts.Year() != 2023 {
		t.Errorf("%q decodes to %v, want a time in 2023", real, ts)
	}
}
