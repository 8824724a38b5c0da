package richtext

import (
	"testing"

	"github.com/rivo/uniseg"
)

func TestGraphemeLen(t *testing.T) {
	for _, tc := range []struct {
		text      string
		want, old int // Intl.Segmenter (Unicode 17) and rivo/uniseg (Unicode 15.0)
	}{
		{"क्षि", 1, 2},   // GB9c, Unicode 15.1: consonant, virama, consonant
		{"स्त्री", 1, 3}, // two conjunct joins
		{"நி", 1, 1},     // Tamil: no conjunct rule, a vowel sign joins anyway
		{"👨‍👩‍👧‍👦🇫🇮", 2, 2},
		{"a\u0308", 1, 1},
		{"\r\n", 1, 1},
		{"", 0, 0},
	} {
		if got := GraphemeLen(tc.text); got != tc.want {
			t.Errorf("GraphemeLen(%q) = %d, want %d", tc.text, got, tc.want)
		}
		if got := uniseg.GraphemeClusterCount(tc.text); got != tc.old {
			t.Errorf("uniseg counts %q as %d, not %d: has it caught up with Unicode?", tc.text, got, tc.old)
		}
	}
}
