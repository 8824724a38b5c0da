package feeds

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCleanText(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Kehittäjäryhmä 🎉", "Kehittäjäryhmä 🎉"},
		{"rivi\nrivi\tsarake", "rivi\nrivi\tsarake"},
		{"a\x1b[31mred\x1b[0m\x07b", "a[31mred[0mb"},
		{"nul\x00del\x7f", "nuldel"},
		{"c1\u0085\u009b", "c1"},
		{"\u202eevil\u202c \u2066iso\u2069", "evil iso"},
		{"\ufeffbom", "bom"},
		{"bad\xffutf8", "badutf8"},
		{"العربية עברית", "العربية עברית"},
	} {
		if got := CleanText(c.in); got != c.want {
			t.Errorf("CleanText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestClip(t *testing.T) {
	if got := Clip("lyhyt", 10); got != "lyhyt" {
		t.Errorf("short text changed: %q", got)
	}
	long := strings.Repeat("ä👍🏽", 3000)
	got := Clip(long, MaxTitle)
	if n := utf8.RuneCountInString(got); n > 2*MaxTitle {
		t.Errorf("clipped to %d runes", n)
	}
	if !strings.HasSuffix(got, "…") || !strings.HasPrefix(long, strings.TrimSuffix(got, "…")) {
		t.Errorf("clip is not a prefix with …: %q", got[len(got)-20:])
	}
	if !utf8.ValidString(got) {
		t.Error("clip cut a character")
	}
}

func TestClipBounds(t *testing.T) {
	zalgo := strings.Repeat("a"+strings.Repeat("\u0301", 50), 500) // 500 clusters, 25500 code points
	for _, tt := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"exact fit", "abc", 3, "abc"},
		{"one over", "abcd", 3, "ab…"},
		{"a cluster is not split", "ab👍🏽cd", 4, "ab…"},
		{"trailing blank before the ellipsis", "ab  cdef", 4, "ab…"},
		{"nothing fits", "abc", 1, "…"},
		{"zero", "abc", 0, ""},
	} {
		if got := Clip(tt.in, tt.max); got != tt.want {
			t.Errorf("%s: Clip(%q, %d) = %q, want %q", tt.name, tt.in, tt.max, got, tt.want)
		}
	}
	got := Clip(zalgo, MaxTitle)
	if n := utf8.RuneCountInString(got); n > MaxTitle {
		t.Errorf("combining marks: %d code points", n)
	}
	if !strings.HasPrefix(zalgo, strings.TrimSuffix(got, "…")) || len(got) < 1000 {
		t.Errorf("clip of %d bytes", len(got))
	}
}

func FuzzClip(f *testing.F) {
	f.Add("ä👍🏽 a\u0301\u0301 日本", 5)
	f.Fuzz(func(t *testing.T, s string, max int) {
		max = max%3000 + 1
		if max < 1 {
			max += 3000
		}
		got := Clip(s, max)
		if n := utf8.RuneCountInString(got); n > max {
			t.Fatalf("Clip(%q, %d) has %d code points", s, max, n)
		}
		if got != s && !strings.HasPrefix(s, strings.TrimSuffix(got, "…")) {
			t.Fatalf("Clip(%q, %d) = %q is no prefix", s, max, got)
		}
	})
}

func FuzzCleanText(f *testing.F) {
	f.Add("a\x1b[0m\u202eb")
	f.Fuzz(func(t *testing.T, s string) {
		out := CleanText(s)
		if !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 out of %q", s)
		}
		for _, r := range out {
			if unwanted(r) {
				t.Fatalf("%U kept in %q", r, out)
			}
		}
		if CleanText(out) != out {
			t.Fatal("not idempotent")
		}
	})
}
