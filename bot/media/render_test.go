package media

import (
	"image"
	"image/color"
	"math"
	"testing"
)

// Fit's kernel must not alias: one-pixel stripes shrunk to a third are
// an even grey, not a moiré. (ApproxBiLinear, twice as fast, gives a
// standard deviation of 127.5 here: black and white columns.)
func TestRenderNoAliasing(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 3000, 30))
	for i := range m.Pix {
		if i%2 == 0 {
			m.Pix[i] = 0xff
		}
	}
	d := render(source{img: m, orient: 1, w: 3000, h: 30}, 1000, 10, false, defaults.kernel)
	var sum, sq float64
	for y := range 10 {
		for x := range 1000 {
			v := float64(color.GrayModel.Convert(d.At(x, y)).(color.Gray).Y)
			sum, sq = sum+v, sq+v*v
		}
	}
	n := 10_000.0
	mean := sum / n
	if sd := math.Sqrt(sq/n - mean*mean); sd > 8 || math.Abs(mean-127.5) > 2 {
		t.Errorf("stripes shrunk to a grey of mean %.1f, standard deviation %.1f; want 127.5, under 8", mean, sd)
	}
}
