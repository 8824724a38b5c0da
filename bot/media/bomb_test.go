package media_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image/gif"
	"runtime"
	"strings"
	"testing"

	"github.com/lumohanke/lumobot/bot/media"
)

// pngHeader is a PNG signature and IHDR claiming w×h RGBA pixels, and no
// pixels.
func pngHeader(w, h uint32) []byte {
	b := []byte("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32([]byte("IHDR"), w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0)
	b = binary.BigEndian.AppendUint32(b, 13)
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(ihdr))
}

// jpegHeader is SOI, a baseline SOF0 of w×h (three components) and the
// start of an SOS: as far as image/jpeg reads for DecodeConfig.
func jpegHeader(w, h uint16) []byte {
	b := []byte{0xff, 0xd8, 0xff, 0xc0, 0, 17, 8}
	b = binary.BigEndian.AppendUint16(b, h)
	b = binary.BigEndian.AppendUint16(b, w)
	return append(b, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1, 0xff, 0xda, 0, 12)
}

// gifHeader is a GIF89a logical screen of w×h with one frame of that size.
func gifHeader(w, h uint16) []byte {
	b := []byte("GIF89a")
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	b = append(b, 0x80, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff) // 2-colour global table
	b = append(b, 0x2c, 0, 0, 0, 0)
	b = binary.LittleEndian.AppendUint16(b, w)
	b = binary.LittleEndian.AppendUint16(b, h)
	return append(b, 0, 2, 2, 0x4c, 0x01, 0, 0x3b)
}

// webpHeader is a lossless WebP (VP8L) header of w×h, both at most 16384.
func webpHeader(w, h uint32) []byte {
	bits := (w - 1) | (h-1)<<14 // 14 bits each, then alpha and version 0
	vp8l := append([]byte{0x2f}, binary.LittleEndian.AppendUint32(nil, bits)...)
	b := append([]byte("RIFF"), binary.LittleEndian.AppendUint32(nil, uint32(4+8+len(vp8l)+1))...)
	b = append(b, "WEBPVP8L"...)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(vp8l)))
	return append(append(b, vp8l...), 0)
}

func TestFitBomb(t *testing.T) {
	if _, err := gif.DecodeConfig(bytes.NewReader(gifHeader(60000, 60000))); err != nil {
		t.Fatalf("the GIF fixture is not read as a GIF: %v", err)
	}
	for _, tc := range []struct {
		name string
		src  []byte
		size string
	}{
		{"png side", pngHeader(30000, 100), "30000×100"},
		{"png pixels", pngHeader(8000, 8000), "8000×8000"},
		{"jpeg", jpegHeader(65000, 65000), "65000×65000"},
		{"gif", gifHeader(60000, 60000), "60000×60000"},
		{"webp", webpHeader(16384, 16384), "16384×16384"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := media.Fit(tc.src, media.Limits{})
			runtime.ReadMemStats(&after)
			if !errors.Is(err, media.ErrTooLarge) {
				t.Fatalf("err = %v, want ErrTooLarge", err)
			}
			if !strings.Contains(err.Error(), tc.size) {
				t.Errorf("%q does not name the size %s", err, tc.size)
			}
			if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
				t.Errorf("allocated %d bytes before refusing", n)
			}
		})
	}
	// Just within the limits is decoded (and fails for want of pixels).
	if _, err := media.Fit(pngHeader(media.MaxSourceSide, 10), media.Limits{}); !errors.Is(err, media.ErrUnsupported) {
		t.Errorf("a %d px side: err = %v, want ErrUnsupported", media.MaxSourceSide, err)
	}
}
