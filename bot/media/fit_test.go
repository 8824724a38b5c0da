package media_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/media/mediatest"
	"golang.org/x/image/webp"
)

// bigPhoto is a 3000×2000 photo over 2.3 MB with a phone's metadata,
// made once: under -race it takes seconds.
var bigPhoto = sync.OnceValue(func() []byte {
	return mediatest.WithEXIF(mediatest.Photo(3000, 2000, 1), 1)
})

// check asserts what every result must be: within l, decodable as its
// type at its size, free of metadata, named by its hash.
func check(t *testing.T, img media.Image, l media.Limits) image.Image {
	t.Helper()
	if l.MaxBytes > 0 && len(img.Data) > l.MaxBytes {
		t.Errorf("%d bytes, more than %d", len(img.Data), l.MaxBytes)
	}
	if l.MaxWidth > 0 && img.Width > l.MaxWidth || l.MaxHeight > 0 && img.Height > l.MaxHeight ||
		l.MaxPixels > 0 && img.Width*img.Height > l.MaxPixels {
		t.Errorf("%d×%d is outside %+v", img.Width, img.Height, l)
	}
	if leaks := mediatest.Leaked(img.Data); leaks != nil {
		t.Errorf("metadata kept: %v", leaks)
	}
	if sum := sha256.Sum256(img.Data); img.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("Hash %s is not the SHA-256 of Data", img.Hash)
	}
	var m image.Image
	var err error
	switch img.Type {
	case media.JPEG:
		m, err = jpeg.Decode(bytes.NewReader(img.Data))
	case media.PNG:
		m, err = png.Decode(bytes.NewReader(img.Data))
	default:
		t.Fatalf("Type %q", img.Type)
	}
	if err != nil {
		t.Fatalf("result does not decode as %s: %v", img.Type, err)
	}
	if b := m.Bounds(); b.Dx() != img.Width || b.Dy() != img.Height {
		t.Errorf("decodes at %v, says %d×%d", b, img.Width, img.Height)
	}
	return m
}

func aspectWithin(t *testing.T, w, h, ow, oh int, tol float64) {
	t.Helper()
	got, want := float64(w)/float64(h), float64(ow)/float64(oh)
	if d := math.Abs(got-want) / want; d > tol {
		t.Errorf("aspect %d×%d is %.4f, the original's %.4f (off by %.2f%%)", w, h, got, want, 100*d)
	}
}

func TestFitPlatforms(t *testing.T) {
	src := bigPhoto()
	if len(src) < 2_300_000 {
		t.Fatalf("the fixture is %d bytes, the test wants 2.3 MB or more", len(src))
	}
	if leaks := mediatest.Leaked(src); len(leaks) < 8 {
		t.Fatalf("the fixture carries only %v", leaks)
	}
	for _, tc := range []struct {
		name string
		l    media.Limits
	}{
		{"bluesky", media.Limits{MaxBytes: 1_000_000}},
		{"x", media.Limits{MaxBytes: 5_000_000}},
		{"mastodon", media.Limits{MaxBytes: 16 << 20, MaxPixels: 8_294_400}},
		{"sides", media.Limits{MaxBytes: 5_000_000, MaxWidth: 1200, MaxHeight: 1200}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // seconds each under -race; Fit shares no state
			img, err := media.Fit(src, tc.l)
			if err != nil {
				t.Fatal(err)
			}
			check(t, img, tc.l)
			if img.Type != media.JPEG {
				t.Errorf("Type %s, want %s", img.Type, media.JPEG)
			}
			aspectWithin(t, img.Width, img.Height, 3000, 2000, 0.01)
			if bytes.Equal(img.Data, src) {
				t.Error("the original was passed through")
			}
			t.Logf("%d bytes %d×%d → %d bytes %d×%d", len(src), 3000, 2000, len(img.Data), img.Width, img.Height)
		})
	}
}

func TestFitDeterministic(t *testing.T) {
	src := mediatest.WithEXIF(mediatest.Photo(900, 600, 7), 6)
	l := media.Limits{MaxBytes: 80_000}
	a, err := media.Fit(src, l)
	if err != nil {
		t.Fatal(err)
	}
	b, err := media.Fit(src, l)
	if err != nil {
		t.Fatal(err)
	}
	if a.Hash != b.Hash || !bytes.Equal(a.Data, b.Data) {
		t.Errorf("two fits differ: %s and %s", a.Hash, b.Hash)
	}
	check(t, a, l)
	if a.Width != 400*a.Height/600 && a.Width*600 > a.Height*400+600 {
		t.Errorf("%d×%d is not upright", a.Width, a.Height)
	}
}

// A small picture well within the limits is still encoded anew.
func TestFitAlwaysReencodes(t *testing.T) {
	src := mediatest.WithEXIF(mediatest.Photo(64, 48, 2), 1)
	img, err := media.Fit(src, media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	check(t, img, media.Limits{})
	if img.Width != 64 || img.Height != 48 {
		t.Errorf("%d×%d, want 64×48 (never enlarged, never shrunk without need)", img.Width, img.Height)
	}
}

func TestFitSizeLimits(t *testing.T) {
	src := mediatest.Photo(900, 300, 3)
	for _, tc := range []struct {
		l    media.Limits
		w, h int
	}{
		{media.Limits{MaxWidth: 100}, 100, 33},
		{media.Limits{MaxHeight: 50}, 150, 50},
		{media.Limits{MaxWidth: 450, MaxHeight: 200}, 450, 150},
		{media.Limits{MaxPixels: 30_000}, 300, 100},
		{media.Limits{MaxPixels: 10_000}, 172, 58}, // 173.2×57.7, rounded and held under
		{media.Limits{MaxWidth: 2000, MaxPixels: 1_000_000}, 900, 300},
	} {
		img, err := media.Fit(src, tc.l)
		if err != nil {
			t.Fatalf("%+v: %v", tc.l, err)
		}
		check(t, img, tc.l)
		if img.Width != tc.w || img.Height != tc.h {
			t.Errorf("%+v: %d×%d, want %d×%d", tc.l, img.Width, img.Height, tc.w, tc.h)
		}
	}
}

func TestFitTooLargeForBytes(t *testing.T) {
	_, err := media.Fit(mediatest.Photo(800, 600, 4), media.Limits{MaxBytes: 2_000})
	if !errors.Is(err, media.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	if !strings.Contains(err.Error(), "2000") {
		t.Errorf("%q does not name the limit", err)
	}
}

// Upright top-left, top-right, bottom-left, bottom-right colours of a
// mediatest.Quadrants picture for each EXIF orientation, from the TIFF
// 6.0 definitions (written out, not computed, so the test checks them).
var upright = map[int][4]color.RGBA{
	1: {mediatest.Red, mediatest.Green, mediatest.Blue, mediatest.White},
	2: {mediatest.Green, mediatest.Red, mediatest.White, mediatest.Blue}, // mirrored
	3: {mediatest.White, mediatest.Blue, mediatest.Green, mediatest.Red}, // 180°
	4: {mediatest.Blue, mediatest.White, mediatest.Red, mediatest.Green}, // mirrored, 180°
	5: {mediatest.Red, mediatest.Blue, mediatest.Green, mediatest.White}, // transposed
	6: {mediatest.Blue, mediatest.Red, mediatest.White, mediatest.Green}, // turn 90° clockwise
	7: {mediatest.White, mediatest.Green, mediatest.Blue, mediatest.Red}, // transversed
	8: {mediatest.Green, mediatest.White, mediatest.Red, mediatest.Blue}, // turn 90° anticlockwise
}

func TestFitOrientation(t *testing.T) {
	const w, h = 96, 48
	for o := 1; o <= 8; o++ {
		for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
			src := mediatest.WithEXIFOrder(mediatest.Quadrants(w, h), o, bo)
			img, err := media.Fit(src, media.Limits{})
			if err != nil {
				t.Fatalf("orientation %d: %v", o, err)
			}
			m := check(t, img, media.Limits{})
			uw, uh := w, h
			if o >= 5 {
				uw, uh = h, w
			}
			if img.Width != uw || img.Height != uh {
				t.Errorf("orientation %d %v: %d×%d, want %d×%d", o, bo, img.Width, img.Height, uw, uh)
			}
			at := [4]image.Point{{uw / 4, uh / 4}, {3 * uw / 4, uh / 4}, {uw / 4, 3 * uh / 4}, {3 * uw / 4, 3 * uh / 4}}
			for i, p := range at {
				if got := m.At(p.X, p.Y); !near(got, upright[o][i], 24) {
					t.Errorf("orientation %d %v: pixel %v is %v, want %v", o, bo, p, color.RGBAModel.Convert(got), upright[o][i])
				}
			}
		}
	}
}

func near(c color.Color, want color.RGBA, tol int) bool {
	r, g, b, _ := c.RGBA()
	d := func(a uint32, b uint8) bool { return math.Abs(float64(int(a>>8)-int(b))) <= float64(tol) }
	return d(r, want.R) && d(g, want.G) && d(b, want.B)
}

func TestFitWebP(t *testing.T) {
	src, err := os.ReadFile("testdata/yellow_rose.lossy-with-alpha.webp")
	if err != nil {
		t.Fatal(err)
	}
	ref, err := webp.Decode(bytes.NewReader(src))
	if err != nil {
		t.Fatal(err)
	}
	img, err := media.Fit(src, media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := check(t, img, media.Limits{})
	if img.Type != media.PNG || img.Width != 400 || img.Height != 301 {
		t.Fatalf("%s %d×%d, want image/png 400×301 (it has transparency)", img.Type, img.Width, img.Height)
	}
	// Unscaled, PNG is lossless: the pixels are x/image/webp's, but for
	// the rounding of premultiplied alpha.
	var transparent int
	for y := range 301 {
		for x := range 400 {
			r0, g0, b0, a0 := ref.At(x, y).RGBA()
			r1, g1, b1, a1 := m.At(x, y).RGBA()
			if a0 < 0xffff {
				transparent++
			}
			for _, d := range [][2]uint32{{r0, r1}, {g0, g1}, {b0, b1}, {a0, a1}} {
				if math.Abs(float64(d[0]>>8)-float64(d[1]>>8)) > 1 {
					t.Fatalf("pixel (%d,%d) is %v, x/image/webp decodes %v", x, y, m.At(x, y), ref.At(x, y))
				}
			}
		}
	}
	if transparent == 0 {
		t.Fatal("the fixture has no transparent pixel")
	}

	flat, err := media.Fit(src, media.Limits{Types: []string{media.JPEG}, MaxWidth: 200})
	if err != nil {
		t.Fatal(err)
	}
	check(t, flat, media.Limits{MaxWidth: 200})
	if flat.Type != media.JPEG || flat.Width != 200 || flat.Height != 151 {
		t.Errorf("%s %d×%d, want image/jpeg 200×151 (150.5 rounded)", flat.Type, flat.Width, flat.Height)
	}
}

func TestFitGIFFirstFrame(t *testing.T) {
	img, err := media.Fit(mediatest.GIF(40, 30), media.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	m := check(t, img, media.Limits{})
	if img.Type != media.JPEG {
		t.Errorf("Type %s: an opaque GIF becomes JPEG", img.Type)
	}
	if got := m.At(20, 15); !near(got, mediatest.Red, 24) {
		t.Errorf("pixel %v, want the first frame's red", got)
	}
}

func TestFitPNGAlpha(t *testing.T) {
	src := mediatest.PNGAlpha(200, 100)
	for _, tc := range []struct {
		name  string
		types []string
		typ   string
		left  color.NRGBA // a pixel of the transparent half
	}{
		{"default", nil, media.PNG, color.NRGBA{}},
		{"png", []string{media.PNG}, media.PNG, color.NRGBA{}},
		{"png-first", []string{media.PNG, media.JPEG}, media.PNG, color.NRGBA{}},
		{"jpeg-only", []string{media.JPEG}, media.JPEG, color.NRGBA{0xff, 0xff, 0xff, 0xff}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := media.Limits{Types: tc.types}
			img, err := media.Fit(src, l)
			if err != nil {
				t.Fatal(err)
			}
			m := check(t, img, l)
			if img.Type != tc.typ {
				t.Fatalf("Type %s, want %s", img.Type, tc.typ)
			}
			left := color.NRGBAModel.Convert(m.At(20, 50)).(color.NRGBA)
			if left.A != tc.left.A || tc.left.A == 0xff && !near(left, color.RGBA(tc.left), 8) {
				t.Errorf("transparent half is %v, want %v", left, tc.left)
			}
			if _, _, _, a := m.At(180, 50).RGBA(); a != 0xffff {
				t.Errorf("opaque half has alpha %#x", a)
			}
		})
	}
}

func TestFitTypes(t *testing.T) {
	photo := mediatest.Photo(120, 80, 5)
	img, err := media.Fit(photo, media.Limits{Types: []string{media.PNG}})
	if err != nil {
		t.Fatal(err)
	}
	check(t, img, media.Limits{})
	if img.Type != media.PNG {
		t.Errorf("Type %s, want image/png, the only one taken", img.Type)
	}
	img, err = media.Fit(photo, media.Limits{Types: []string{media.JPEG}})
	if err != nil || img.Type != media.JPEG {
		t.Errorf("JPEG only: %s, %v", img.Type, err)
	}
	if _, err := media.Fit(photo, media.Limits{Types: []string{"image/webp"}}); err == nil {
		t.Error("a platform taking neither JPEG nor PNG was served")
	}
}

func TestFitUnsupported(t *testing.T) {
	photo := mediatest.Photo(200, 100, 6)
	pngAlpha := mediatest.PNGAlpha(64, 64)
	bmp := append([]byte("BM"), make([]byte, 64)...)
	for name, src := range map[string][]byte{
		"empty":            nil,
		"garbage":          []byte("this is not a picture at all, only words"),
		"truncated jpeg":   photo[:len(photo)/2],
		"jpeg header":      photo[:20],
		"truncated png":    pngAlpha[:len(pngAlpha)-30],
		"bmp":              bmp,
		"html":             []byte("<!doctype html><title>404</title>"),
		"truncated gif":    mediatest.GIF(10, 10)[:30],
		"zero-sized png":   pngHeader(0, 10),
		"truncated webp":   mustRead(t, "testdata/yellow_rose.lossy-with-alpha.webp")[:200],
		"exif only":        mediatest.WithEXIF([]byte{0xff, 0xd8}, 6),
		"jpeg marker only": {0xff, 0xd8, 0xff},
	} {
		if _, err := media.Fit(src, media.Limits{}); !errors.Is(err, media.ErrUnsupported) {
			t.Errorf("%s: err = %v, want ErrUnsupported", name, err)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestThumb(t *testing.T) {
	src := mediatest.WithEXIF(mediatest.Photo(600, 400, 8), 6)
	img, err := media.Thumb(src, 160)
	if err != nil {
		t.Fatal(err)
	}
	check(t, img, media.Limits{MaxWidth: 160, MaxHeight: 160})
	if img.Type != media.JPEG || img.Width != 107 || img.Height != 160 {
		t.Errorf("%s %d×%d, want image/jpeg 107×160, upright", img.Type, img.Width, img.Height)
	}

	small, err := media.Thumb(mediatest.PNGAlpha(40, 20), 160)
	if err != nil {
		t.Fatal(err)
	}
	m := check(t, small, media.Limits{})
	if small.Type != media.JPEG || small.Width != 40 || small.Height != 20 {
		t.Errorf("%s %d×%d, want image/jpeg 40×20 (never enlarged)", small.Type, small.Width, small.Height)
	}
	if got := m.At(5, 10); !near(got, mediatest.White, 8) {
		t.Errorf("transparency is %v, want white", got)
	}
	if _, err := media.Thumb(src, 0); err == nil {
		t.Error("a thumbnail of side 0 was made")
	}
}
