package media

import (
	"encoding/binary"
	"testing"

	"github.com/lumohanke/lumobot/bot/media/mediatest"
)

func TestOrientationReader(t *testing.T) {
	soi := []byte{0xff, 0xd8}
	seg := func(marker byte, payload []byte) []byte {
		b := []byte{0xff, marker}
		b = binary.BigEndian.AppendUint16(b, uint16(len(payload)+2))
		return append(b, payload...)
	}
	cat := func(parts ...[]byte) []byte {
		var b []byte
		for _, p := range parts {
			b = append(b, p...)
		}
		return b
	}
	exif := func(tiff []byte) []byte { return seg(0xe1, cat([]byte("Exif\x00\x00"), tiff)) }
	// ifd0 is a TIFF with one IFD0 entry.
	ifd0 := func(bo binary.AppendByteOrder, tag, typ uint16, count uint32, value uint16) []byte {
		b := []byte("II*\x00")
		if bo == binary.BigEndian {
			b = []byte("MM\x00*")
		}
		b = bo.AppendUint32(b, 8)
		b = bo.AppendUint16(b, 1)
		b = bo.AppendUint16(b, tag)
		b = bo.AppendUint16(b, typ)
		b = bo.AppendUint32(b, count)
		b = bo.AppendUint16(b, value)
		b = bo.AppendUint16(b, 0)
		return bo.AppendUint32(b, 0)
	}
	le, be := binary.LittleEndian, binary.BigEndian
	six := ifd0(le, 0x0112, 3, 1, 6)
	full := mediatest.WithEXIF(mediatest.Quadrants(8, 8), 8)
	for _, tc := range []struct {
		name string
		b    []byte
		want int
	}{
		{"mediatest", full, 8},
		{"mediatest big-endian", mediatest.WithEXIFOrder(mediatest.Quadrants(8, 8), 3, be), 3},
		{"mediatest without orientation", mediatest.WithEXIF(mediatest.Quadrants(8, 8), 0), 1},
		{"no exif", mediatest.Quadrants(8, 8), 1},
		{"little-endian", cat(soi, exif(six)), 6},
		{"big-endian", cat(soi, exif(ifd0(be, 0x0112, 3, 1, 5))), 5},
		{"after app0 and xmp", cat(soi, seg(0xe0, []byte("JFIF\x00")), seg(0xe1, []byte("http://ns.adobe.com/xap/1.0/\x00")), exif(six)), 6},
		{"fill bytes", cat(soi, []byte{0xff, 0xff}, exif(six)), 6},
		{"first exif wins", cat(soi, exif(ifd0(le, 0x0110, 3, 1, 6)), exif(six)), 1},
		{"after sos", cat(soi, []byte{0xff, 0xda, 0, 2}, exif(six)), 1},
		{"other tag", cat(soi, exif(ifd0(le, 0x0110, 3, 1, 6))), 1},
		{"type long", cat(soi, exif(ifd0(le, 0x0112, 4, 1, 6))), 1},
		{"count 2", cat(soi, exif(ifd0(le, 0x0112, 3, 2, 6))), 1},
		{"value 0", cat(soi, exif(ifd0(le, 0x0112, 3, 1, 0))), 1},
		{"value 9", cat(soi, exif(ifd0(le, 0x0112, 3, 1, 9))), 1},
		{"bad byte order", cat(soi, exif(append([]byte("XX*\x00"), six[4:]...))), 1},
		{"ifd offset past end", cat(soi, exif(append(six[:4:4], 0xff, 0xff, 0xff, 0x7f))), 1},
		{"ifd offset 4", cat(soi, exif(append(six[:4:4], 4, 0, 0, 0))), 1},
		{"entry cut", cat(soi, exif(six[:18])), 1},
		{"segment length past end", cat(soi, exif(six))[:20], 1},
		{"segment length 0", cat(soi, []byte{0xff, 0xe1, 0, 0}, exif(six)), 1},
		{"not jpeg", six, 1},
		{"empty", nil, 1},
	} {
		if got := orientation(tc.b); got != tc.want {
			t.Errorf("%s: orientation %d, want %d", tc.name, got, tc.want)
		}
	}
}
