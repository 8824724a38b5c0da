package platformtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io/fs"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/lumohanke/lumobot/bot/media"
)

// ExifMarker is written into the EXIF block WithExif adds, so that a test
// can check no byte of it reaches a platform.
const ExifMarker = "LUMO-CAMERA-SERIAL-4711"

// Photo is a w×h JPEG at the given quality that compresses like a photo
// with fine detail: a colour gradient under per-pixel noise (the same
// pixels for the same size). 3000×2000 at quality 95 is about 2.3 MB.
func Photo(tb testing.TB, w, h, quality int) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(uint64(w), uint64(h)))
	for y := range h {
		for x := range w {
			n := r.IntN(20)
			img.SetRGBA(x, y, color.RGBA{
				R: uint8(40 + 150*x/w + n),
				G: uint8(60 + 120*y/h + n),
				B: uint8(200 - 120*x/w + n/2),
				A: 255,
			})
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// WithExif puts an APP1 Exif segment right after the JPEG's SOI marker: a
// little-endian TIFF header with one IFD holding an ImageDescription whose
// text is ExifMarker, as a camera would write a serial number.
func WithExif(tb testing.TB, jpg []byte) []byte {
	tb.Helper()
	if len(jpg) < 2 || jpg[0] != 0xFF || jpg[1] != 0xD8 {
		tb.Fatal("WithExif: not a JPEG")
	}
	text := append([]byte(ExifMarker), 0)
	var tiff bytes.Buffer
	le := binary.LittleEndian
	tiff.WriteString("II")
	binary.Write(&tiff, le, uint16(42))
	binary.Write(&tiff, le, uint32(8)) // IFD0 right after the header
	binary.Write(&tiff, le, uint16(1)) // one entry
	binary.Write(&tiff, le, uint16(0x010E))
	binary.Write(&tiff, le, uint16(2)) // ASCII
	binary.Write(&tiff, le, uint32(len(text)))
	binary.Write(&tiff, le, uint32(8+2+12+4)) // the text follows the IFD
	binary.Write(&tiff, le, uint32(0))        // no next IFD
	tiff.Write(text)
	payload := append([]byte("Exif\x00\x00"), tiff.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{0xFF, 0xD8}, seg...)
	out = append(out, payload...)
	return append(out, jpg[2:]...)
}

// CheckImage fails tb unless data is a JPEG or PNG within l that carries no
// EXIF block (no "Exif" bytes, nothing of ExifMarker); it returns the
// picture's size.
func CheckImage(tb testing.TB, what string, data []byte, l media.Limits) (w, h int) {
	tb.Helper()
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("%s: not an image: %v", what, err)
	}
	if format != "jpeg" && format != "png" {
		tb.Errorf("%s: format %s, want jpeg or png", what, format)
	}
	if l.MaxBytes > 0 && len(data) > l.MaxBytes {
		tb.Errorf("%s: %d bytes, over the limit of %d", what, len(data), l.MaxBytes)
	}
	if (l.MaxWidth > 0 && cfg.Width > l.MaxWidth) || (l.MaxHeight > 0 && cfg.Height > l.MaxHeight) ||
		(l.MaxPixels > 0 && cfg.Width*cfg.Height > l.MaxPixels) {
		tb.Errorf("%s: %d×%d, over the limits %+v", what, cfg.Width, cfg.Height, l)
	}
	if bytes.Contains(data, []byte("Exif")) || bytes.Contains(data, []byte(ExifMarker)) {
		tb.Errorf("%s: the EXIF block of the original was passed through", what)
	}
	return cfg.Width, cfg.Height
}

// Loader is a media.Loader over a map of sources; sources not in it are
// fs.ErrNotExist, those in Errs fail with their error. It counts loads.
type Loader struct {
	mu    sync.Mutex
	Files map[string][]byte
	Errs  map[string]error
	loads map[string]int
}

var _ media.Loader = (*Loader)(nil)

// Load returns the bytes of source.
func (l *Loader) Load(_ context.Context, source string) ([]byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.loads == nil {
		l.loads = map[string]int{}
	}
	l.loads[source]++
	if err := l.Errs[source]; err != nil {
		return nil, err
	}
	b, ok := l.Files[source]
	if !ok {
		return nil, fmt.Errorf("open %s: %w", source, fs.ErrNotExist)
	}
	return append([]byte(nil), b...), nil
}

// Loads is how often source was loaded.
func (l *Loader) Loads(source string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.loads[source]
}

// MemCache is an in-memory key/value store (the Cache and SessionStore
// shape of the clients).
type MemCache struct {
	mu sync.Mutex
	m  map[string][]byte
}

// Get returns the value under key.
func (c *MemCache) Get(_ context.Context, key string) ([]byte, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return append([]byte(nil), v...), ok, nil
}

// Put sets the value under key.
func (c *MemCache) Put(_ context.Context, key string, v []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = map[string][]byte{}
	}
	c.m[key] = append([]byte(nil), v...)
	return nil
}

// Keys lists the keys held.
func (c *MemCache) Keys() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ks []string
	for k := range c.m {
		ks = append(ks, k)
	}
	return ks
}
