package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"os"
	"testing"

	"golang.org/x/image/draw"

	"github.com/lumohanke/lumobot/bot/media/mediatest"
)

// FuzzFit: whatever the bytes, Fit does not panic, and what it returns
// decodes as its type, at its size, within the limits. The decode limits
// are lowered so that a mutated header cannot make each run allocate
// hundreds of megabytes.
func FuzzFit(f *testing.F) {
	webp, err := os.ReadFile("testdata/yellow_rose.lossy-with-alpha.webp")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range [][]byte{
		mediatest.WithEXIF(mediatest.Photo(64, 48, 1), 6),
		mediatest.WithEXIF(mediatest.Quadrants(16, 8), 8),
		mediatest.PNGAlpha(16, 16),
		mediatest.GIF(8, 8),
		webp,
		[]byte("garbage"),
	} {
		f.Add(seed)
	}
	l := Limits{MaxBytes: 20_000, MaxWidth: 300, MaxPixels: 40_000}
	o := defaults
	o.bomb = bombLimits{side: 2000, pixels: 2_000_000}
	f.Fuzz(func(t *testing.T, src []byte) {
		img, err := fit(src, l, o)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("error %v is neither ErrUnsupported nor ErrTooLarge", err)
			}
			return
		}
		var m image.Image
		switch img.Type {
		case JPEG:
			m, err = jpeg.Decode(bytes.NewReader(img.Data))
		case PNG:
			m, err = png.Decode(bytes.NewReader(img.Data))
		default:
			t.Fatalf("Type %q", img.Type)
		}
		if err != nil {
			t.Fatalf("result does not decode: %v", err)
		}
		if b := m.Bounds(); b.Dx() != img.Width || b.Dy() != img.Height {
			t.Fatalf("decodes at %v, says %d×%d", b, img.Width, img.Height)
		}
		if len(img.Data) > l.MaxBytes || img.Width > l.MaxWidth || img.Width*img.Height > l.MaxPixels {
			t.Fatalf("%d bytes at %d×%d: outside %+v", len(img.Data), img.Width, img.Height, l)
		}
		if sum := sha256.Sum256(img.Data); img.Hash != hex.EncodeToString(sum[:]) {
			t.Fatal("Hash is not the SHA-256 of Data")
		}
	})
}

// BenchmarkFit: a 3000×2000 photo of 2.4 MB (EXIF orientation 6) to
// Bluesky's 1,000,000 bytes; and to 1920×1080 pixels, which scales, with
// each kernel.
func BenchmarkFit(b *testing.B) {
	src := mediatest.WithEXIF(mediatest.Photo(3000, 2000, 1), 6)
	for _, bc := range []struct {
		name string
		l    Limits
		k    draw.Interpolator
	}{
		{"bluesky", Limits{MaxBytes: 1_000_000}, draw.CatmullRom},
		{"fullhd/CatmullRom", Limits{MaxBytes: 1_000_000, MaxPixels: 1920 * 1080}, draw.CatmullRom},
		{"fullhd/ApproxBiLinear", Limits{MaxBytes: 1_000_000, MaxPixels: 1920 * 1080}, draw.ApproxBiLinear},
	} {
		b.Run(bc.name, func(b *testing.B) {
			o := defaults
			o.kernel = bc.k
			b.ReportAllocs()
			var img Image
			for b.Loop() {
				var err error
				if img, err = fit(src, bc.l, o); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(img.Data)), "out-bytes")
			b.ReportMetric(float64(img.Width*img.Height), "out-pixels")
		})
	}
}

// BenchmarkScale: the kernels alone, a decoded 3000×2000 JPEG to 1500×1000.
func BenchmarkScale(b *testing.B) {
	src, err := jpeg.Decode(bytes.NewReader(mediatest.Photo(3000, 2000, 1)))
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range []struct {
		name string
		k    draw.Interpolator
	}{{"CatmullRom", draw.CatmullRom}, {"ApproxBiLinear", draw.ApproxBiLinear}} {
		b.Run(k.name, func(b *testing.B) {
			d := image.NewRGBA(image.Rect(0, 0, 1500, 1000))
			b.ReportAllocs()
			for b.Loop() {
				k.k.Scale(d, d.Rect, src, src.Bounds(), draw.Src, nil)
			}
		})
	}
}
