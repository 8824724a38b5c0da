package media

import (
	"bytes"
	"fmt"
	"image"

	_ "image/gif" // first frame only: gif.Decode stops after it
	_ "image/jpeg"
	_ "image/png"

	_ "golang.org/x/image/webp"
)

// formats are the decoders Fit uses, whatever else the program registers.
var formats = map[string]bool{"jpeg": true, "png": true, "gif": true, "webp": true}

// source is a decoded original.
type source struct {
	img    image.Image // as stored
	orient int         // EXIF orientation, 1–8
	w, h   int         // upright size
	alpha  bool        // some pixel is not fully opaque
}

// bombLimits bound what is decoded at all.
type bombLimits struct{ side, pixels int }

var defaultBomb = bombLimits{MaxSourceSide, MaxSourcePixels}

func decode(src []byte, b bombLimits) (source, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(src))
	if err != nil {
		return source{}, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	if !formats[format] {
		return source{}, fmt.Errorf("%w: %s", ErrUnsupported, format)
	}
	w, h := cfg.Width, cfg.Height
	if w < 1 || h < 1 {
		return source{}, fmt.Errorf("%w: %s of %d×%d pixels", ErrUnsupported, format, w, h)
	}
	if w > b.side || h > b.side || int64(w)*int64(h) > int64(b.pixels) {
		return source{}, fmt.Errorf("%w: the original is %d×%d pixels; at most %d per side and %d megapixels are read",
			ErrTooLarge, w, h, b.side, b.pixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return source{}, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	s := source{img: img, orient: 1, w: img.Bounds().Dx(), h: img.Bounds().Dy()}
	if format == "jpeg" {
		s.orient = orientation(src)
	}
	if s.orient >= 5 {
		s.w, s.h = s.h, s.w
	}
	s.alpha = !opaque(img)
	return s, nil
}

// opaque says whether every pixel of m is fully opaque. The standard
// image types answer it themselves (YCbCr at once, the others by a scan).
func opaque(m image.Image) bool {
	if o, ok := m.(interface{ Opaque() bool }); ok {
		return o.Opaque()
	}
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if _, _, _, a := m.At(x, y).RGBA(); a != 0xffff {
				return false
			}
		}
	}
	return true
}

// orient turns m (at the origin) upright by an EXIF orientation.
func orient(m *image.RGBA, o int) *image.RGBA {
	if o <= 1 || o > 8 {
		return m
	}
	sw, sh := m.Rect.Dx(), m.Rect.Dy()
	dw, dh := sw, sh
	if o >= 5 {
		dw, dh = sh, sw
	}
	d := image.NewRGBA(image.Rect(0, 0, dw, dh))
	// For each upright pixel (x, y), the stored pixel it shows (TIFF 6.0,
	// Orientation: which stored row and column are the visual top and left).
	var at func(x, y int) (int, int)
	switch o {
	case 2: // mirrored
		at = func(x, y int) (int, int) { return sw - 1 - x, y }
	case 3: // upside down
		at = func(x, y int) (int, int) { return sw - 1 - x, sh - 1 - y }
	case 4: // mirrored upside down
		at = func(x, y int) (int, int) { return x, sh - 1 - y }
	case 5: // transposed
		at = func(x, y int) (int, int) { return y, x }
	case 6: // needs a quarter turn clockwise
		at = func(x, y int) (int, int) { return y, sh - 1 - x }
	case 7: // transversed
		at = func(x, y int) (int, int) { return sw - 1 - y, sh - 1 - x }
	case 8: // needs a quarter turn anticlockwise
		at = func(x, y int) (int, int) { return sw - 1 - y, x }
	}
	for y := range dh {
		row := d.Pix[y*d.Stride:]
		for x := range dw {
			sx, sy := at(x, y)
			copy(row[4*x:4*x+4], m.Pix[sy*m.Stride+4*sx:])
		}
	}
	return d
}
