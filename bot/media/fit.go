package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"math"
	"slices"

	"golang.org/x/image/draw"
)

// qualities are the JPEG qualities Fit tries, best first; below the last
// it scales down instead, since a smaller sharp picture looks better than
// a blocky large one.
var qualities = []int{90, 85, 80, 75, 70}

// thumbQuality: a status-page thumbnail needs no more.
const thumbQuality = 80

// minSide is the longer side below which Fit stops scaling down for
// MaxBytes and gives up: a smaller picture is not worth posting.
const minSide = 256

// options are Fit's settings that tests and benchmarks vary.
type options struct {
	qualities []int
	bomb      bombLimits
	// kernel: CatmullRom. ApproxBiLinear is faster (BenchmarkFit, a
	// 3000×2000 photo to 1920×1080: 0.4 s of CPU against 1.1 s) but looks
	// at the nearest 2×2 pixels only, so it aliases when it shrinks a
	// picture to half or less (TestRenderNoAliasing), and the aliased
	// noise even costs 30 % more bytes. Fit runs a few times a day.
	kernel draw.Interpolator
}

var defaults = options{qualities, defaultBomb, draw.CatmullRom}

// Fit decodes src (JPEG, PNG, GIF's first frame, WebP), turns it upright
// by its EXIF orientation, scales it down to l's size limits and encodes
// it anew, lowering the JPEG quality and then the size until it is within
// l.MaxBytes. Nothing of src but its pixels is kept: every result is
// re-encoded, so EXIF, GPS, XMP, ICC profiles and comments are gone.
// A picture with transparency stays PNG if l takes PNG; otherwise it is
// laid on white and written as JPEG. The same src and l give the same
// bytes.
//
// Errors wrap ErrUnsupported (not an image Fit reads) or ErrTooLarge
// (larger than MaxSourceSide or MaxSourcePixels, or not under MaxBytes at
// any sane size).
func Fit(src []byte, l Limits) (Image, error) {
	return fit(src, l, defaults)
}

// Thumb is a JPEG of src, upright, at most maxSide pixels wide and high
// (never enlarged), stripped like Fit's results.
func Thumb(src []byte, maxSide int) (Image, error) {
	if maxSide < 1 {
		return Image{}, fmt.Errorf("thumbnail of %d pixels: the side must be positive", maxSide)
	}
	l := Limits{MaxWidth: maxSide, MaxHeight: maxSide, Types: []string{JPEG}}
	o := defaults
	o.qualities = []int{thumbQuality}
	return fit(src, l, o)
}

func fit(src []byte, l Limits, o options) (Image, error) {
	typ, err := outputType(l.Types)
	if err != nil {
		return Image{}, err
	}
	s, err := decode(src, o.bomb)
	if err != nil {
		return Image{}, err
	}
	if s.alpha && slices.Contains(types(l.Types), PNG) {
		typ = PNG
	}
	flatten := s.alpha && typ == JPEG

	scale := 1.0
	if l.MaxWidth > 0 && s.w > l.MaxWidth {
		scale = min(scale, float64(l.MaxWidth)/float64(s.w))
	}
	if l.MaxHeight > 0 && s.h > l.MaxHeight {
		scale = min(scale, float64(l.MaxHeight)/float64(s.h))
	}
	if px := s.w * s.h; l.MaxPixels > 0 && px > l.MaxPixels {
		scale = min(scale, math.Sqrt(float64(l.MaxPixels)/float64(px)))
	}
	w, h := size(s.w, s.h, scale, l)
	for round := 0; ; round++ {
		m := render(s, w, h, flatten, o.kernel)
		data, n, err := encode(m, typ, o.qualities, l.MaxBytes)
		if err != nil {
			return Image{}, err
		}
		if data != nil {
			sum := sha256.Sum256(data)
			return Image{Data: data, Type: typ, Width: w, Height: h, Hash: hex.EncodeToString(sum[:])}, nil
		}
		// n bytes at w×h even at the lowest quality: size goes roughly with
		// the pixel count, so scale the sides by the root of the ratio, a
		// little more to land under it, and always by a tenth at least.
		scale *= min(0.9, 0.95*math.Sqrt(float64(l.MaxBytes)/float64(n)))
		nw, nh := size(s.w, s.h, scale, l)
		if max(nw, nh) < minSide || round == 8 {
			return Image{}, fmt.Errorf("%w: %d bytes at %d×%d pixels, and at most %d are taken", ErrTooLarge, n, w, h, l.MaxBytes)
		}
		w, h = nw, nh
	}
}

// types are what a platform takes, the default filled in.
func types(t []string) []string {
	if len(t) == 0 {
		return []string{JPEG, PNG}
	}
	return t
}

// outputType is the type of an opaque picture: JPEG if taken, else PNG.
func outputType(t []string) (string, error) {
	switch t = types(t); {
	case slices.Contains(t, JPEG):
		return JPEG, nil
	case slices.Contains(t, PNG):
		return PNG, nil
	}
	return "", fmt.Errorf("the platform takes %v, and media writes only %s and %s", t, JPEG, PNG)
}

// size is the upright w×h scaled, at least 1×1, held within l's limits
// against rounding.
func size(w, h int, scale float64, l Limits) (int, int) {
	sw := max(1, int(math.Round(float64(w)*scale)))
	sh := max(1, int(math.Round(float64(h)*scale)))
	if l.MaxWidth > 0 {
		sw = min(sw, l.MaxWidth)
	}
	if l.MaxHeight > 0 {
		sh = min(sh, l.MaxHeight)
	}
	if l.MaxPixels > 0 && sw*sh > l.MaxPixels {
		// Rounding up went over: take off the side that keeps the aspect
		// ratio closer.
		aw, ah := max(1, l.MaxPixels/sh), sh
		bw, bh := sw, max(1, l.MaxPixels/sw)
		r := float64(w) / float64(h)
		if math.Abs(float64(aw)/float64(ah)-r) <= math.Abs(float64(bw)/float64(bh)-r) {
			sw, sh = aw, ah
		} else {
			sw, sh = bw, bh
		}
	}
	return sw, sh
}

// render draws the source at upright w×h, on white when flatten.
func render(s source, w, h int, flatten bool, k draw.Interpolator) *image.RGBA {
	dw, dh := w, h
	if s.orient >= 5 { // scale as stored, turn the smaller result
		dw, dh = h, w
	}
	d := image.NewRGBA(image.Rect(0, 0, dw, dh))
	op := draw.Src
	if flatten {
		draw.Draw(d, d.Rect, image.White, image.Point{}, draw.Src)
		op = draw.Over
	}
	sb := s.img.Bounds()
	if sb.Dx() == dw && sb.Dy() == dh {
		draw.Draw(d, d.Rect, s.img, sb.Min, op)
	} else {
		k.Scale(d, d.Rect, s.img, sb, op, nil)
	}
	return orient(d, s.orient)
}

// encode writes m as typ within maxBytes (0: any size). For JPEG it tries
// qs[0], then the last; if the last fits and the first did not, a binary
// search between them finds the best quality that fits. When none fits,
// data is nil and n the smallest size seen.
func encode(m *image.RGBA, typ string, qs []int, maxBytes int) (data []byte, n int, err error) {
	fits := func(b []byte) bool { return maxBytes <= 0 || len(b) <= maxBytes }
	if typ == PNG {
		var buf bytes.Buffer
		if err := png.Encode(&buf, m); err != nil {
			return nil, 0, fmt.Errorf("encode png: %w", err)
		}
		if !fits(buf.Bytes()) {
			return nil, buf.Len(), nil
		}
		return buf.Bytes(), buf.Len(), nil
	}
	enc := func(q int) ([]byte, error) {
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: q}); err != nil {
			return nil, fmt.Errorf("encode jpeg at quality %d: %w", q, err)
		}
		return buf.Bytes(), nil
	}
	first, err := enc(qs[0])
	switch {
	case err != nil:
		return nil, 0, err
	case fits(first):
		return first, len(first), nil
	case len(qs) == 1:
		return nil, len(first), nil
	}
	best, err := enc(qs[len(qs)-1])
	if err != nil || !fits(best) {
		return nil, len(best), err
	}
	for lo, hi := 1, len(qs)-2; lo <= hi; {
		mid := (lo + hi) / 2
		b, err := enc(qs[mid])
		if err != nil {
			return nil, 0, err
		}
		if fits(b) {
			best, hi = b, mid-1
		} else {
			lo = mid + 1
		}
	}
	return best, len(best), nil
}
