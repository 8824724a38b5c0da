package render

import (
	"fmt"
	"strings"
	"testing"
)

// longText is about size bytes of free text (Finnish sentences, emoji, punctuation that is
// almost a link) ending in a link and a tag, as a feed item with a huge description gives.
func longText(size int) string {
	const unit = "Tervetuloa mukaan kehittämään monialaista lastensuojelua! 👨‍👩‍👧‍👦 Lue lisää (sivuilta) " +
		"ja kysy: lumo@ – 13 ryhmää, 5 kuntaa… 漢字 क्षत्रिय. "
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(unit)
	}
	return b.String()[:strings.LastIndexByte(b.String()[:size], ' ')] + " https://example.fi/loppu #LUMOhanke"
}

func BenchmarkShorten(b *testing.B) {
	for _, size := range []int{8 << 10, 64 << 10, 1 << 20} {
		text := longText(size)
		for _, c := range counters {
			b.Run(fmt.Sprintf("%s/%dKiB", c.name, size>>10), func(b *testing.B) {
				if testing.Short() && size > 64<<10 {
					b.Skip("1 MiB in -short")
				}
				for b.Loop() {
					if _, err := Shorten(text, c.limit, c.length); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkLength(b *testing.B) {
	for _, size := range []int{8 << 10, 64 << 10, 1 << 20} {
		text := longText(size)
		for _, c := range counters {
			b.Run(fmt.Sprintf("%s/%dKiB", c.name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(text)))
				for b.Loop() {
					c.length(text)
				}
			})
		}
	}
}
