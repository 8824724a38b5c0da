package media

import (
	"bytes"
	"encoding/binary"
)

// orientation returns a JPEG's EXIF Orientation, 1 to 8, or 1 when it
// has none or the EXIF cannot be read.
//
// Hand-written rather than a dependency: the module proxy serves
// dsoprea/go-exif/v3, which reads every IFD and tag and brings several
// modules along, and disintegration/imaging, whose auto-orientation is
// tied to its own image pipeline and which has had no release since 2019.
// Reading one SHORT of IFD0 is this page, and every read is bounds-checked
// against the segment, so a hostile file can only make it answer 1.
func orientation(jpeg []byte) int {
	if len(jpeg) < 2 || jpeg[0] != 0xff || jpeg[1] != 0xd8 {
		return 1
	}
	for i := 2; i+4 <= len(jpeg); {
		if jpeg[i] != 0xff {
			return 1
		}
		m := jpeg[i+1]
		switch {
		case m == 0xff: // fill byte before a marker
			i++
			continue
		case m == 0x01 || m >= 0xd0 && m <= 0xd8: // markers without a length
			i += 2
			continue
		case m == 0xda || m == 0xd9: // image data: metadata comes before it
			return 1
		}
		n := int(binary.BigEndian.Uint16(jpeg[i+2:]))
		if n < 2 || i+2+n > len(jpeg) {
			return 1
		}
		if seg := jpeg[i+4 : i+2+n]; m == 0xe1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return tiffOrientation(seg[6:]) // the first EXIF segment is the one readers use
		}
		i += 2 + n
	}
	return 1
}

// tiffOrientation reads tag 0x0112 of IFD0 of an EXIF TIFF structure.
func tiffOrientation(t []byte) int {
	if len(t) < 8 {
		return 1
	}
	var bo binary.ByteOrder
	switch string(t[:4]) {
	case "II*\x00":
		bo = binary.LittleEndian
	case "MM\x00*":
		bo = binary.BigEndian
	default:
		return 1
	}
	off := uint64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > uint64(len(t)) {
		return 1
	}
	n := uint64(bo.Uint16(t[off:]))
	for k := range n {
		e := off + 2 + 12*k
		if e+12 > uint64(len(t)) {
			return 1
		}
		if bo.Uint16(t[e:]) != 0x0112 {
			continue
		}
		// type SHORT, count 1: the value is in the entry's first two value bytes
		if bo.Uint16(t[e+2:]) != 3 || bo.Uint32(t[e+4:]) != 1 {
			return 1
		}
		if v := int(bo.Uint16(t[e+8:])); v >= 1 && v <= 8 {
			return v
		}
		return 1
	}
	return 1
}
