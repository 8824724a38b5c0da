package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"

	_ "image/gif" // decoders for image.Decode
	_ "image/png"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"
)

// Fit decodes src and encodes it anew within l.
// (First version: no orientation, JPEG only; see the package tests.)
func Fit(src []byte, l Limits) (Image, error) {
	img, _, err := image.Decode(bytes.NewReader(src))
	if err != nil {
		return Image{}, fmt.Errorf("%w: %v", ErrUnsupported, err)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	for scale := 1.0; scale > 0.05; scale *= 0.8 {
		sw, sh := int(float64(w)*scale), int(float64(h)*scale)
		if sw < 1 || sh < 1 {
			break
		}
		if (l.MaxWidth > 0 && sw > l.MaxWidth) || (l.MaxHeight > 0 && sh > l.MaxHeight) || (l.MaxPixels > 0 && sw*sh > l.MaxPixels) {
			continue
		}
		dst := image.NewRGBA(image.Rect(0, 0, sw, sh))
		draw.CatmullRom.Scale(dst, dst.Bounds(), img, b, draw.Src, nil)
		var buf bytes.Buffer
		if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 85}); err != nil {
			return Image{}, fmt.Errorf("encode: %w", err)
		}
		if l.MaxBytes > 0 && buf.Len() > l.MaxBytes {
			continue
		}
		sum := sha256.Sum256(buf.Bytes())
		return Image{Data: buf.Bytes(), Type: "image/jpeg", Width: sw, Height: sh, Hash: hex.EncodeToString(sum[:])}, nil
	}
	return Image{}, ErrTooLarge
}
