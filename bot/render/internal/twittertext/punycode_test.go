package twittertext

import "testing"

func TestASCIILabelLen(t *testing.T) {
	for _, tc := range []struct {
		label string
		want  int
	}{
		{"example", 7},
		{"bücher", len("xn--bcher-kva")},
		{"äö", len("xn--4ca0b")},
		{"пример", len("xn--e1afmkfd")},
		{"☃", len("xn--n3h")},
		{"a。b", 3}, // an IDNA dot splits the label, as punycode.js does
		{"", 0},
	} {
		if got := asciiLabelLen(tc.label); got != tc.want {
			t.Errorf("asciiLabelLen(%q) = %d, want %d", tc.label, got, tc.want)
		}
	}
}

// A long chain of labels without a TLD: every start position fails, each in constant time.
func TestDomainChainLinear(t *testing.T) {
	s := ""
	for range 20000 {
		s += "a."
	}
	if got := URLs(s+"x", true); len(got) != 0 {
		t.Errorf("URLs found %d", len(got))
	}
	// over 4096 UTF-16 units it is no URL at all; a shorter chain is one
	if got := URLs(s+"fi", true); len(got) != 0 {
		t.Errorf("URLs found %d in a %d-character chain", len(got), len(s))
	}
	if got := URLs(s[:2000]+"fi", true); len(got) != 1 || got[0].Start != 0 || got[0].End != 2002 {
		t.Errorf("URLs = %v", len(got))
	}
}
