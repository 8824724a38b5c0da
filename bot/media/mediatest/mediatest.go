// Package mediatest makes pictures for tests: photo-like JPEGs, JPEGs
// carrying the metadata a phone leaves (EXIF with GPS and a camera serial,
// XMP, an ICC profile, a comment), PNGs with transparency, animated GIFs,
// and the byte strings whose presence in an upload means metadata leaked.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
)

// What WithEXIF writes; none of it may survive media.Fit.
const (
	Make   = "LumoCam"
	Model  = "LC-1 Mark II"
	Serial = "SERIAL-LUMO-1234" // EXIF BodySerialNumber
	// XMPNamespace opens every XMP APP1 segment.
	XMPNamespace = "http://ns.adobe.com/xap/1.0/"
	XMPCreator   = "XMP-CREATOR-LUMO-5678"
	ICCProfile   = "ICC_PROFILE"
	Comment      = "COMMENT-LUMO-9012"
	// ExifHeader opens every EXIF APP1 segment.
	ExifHeader = "Exif\x00\x00"
)

// GPS position WithEXIF writes (Helsinki), as degrees, minutes and
// hundredths of seconds.
var (
	GPSLatitude  = [3][2]uint32{{60, 1}, {10, 1}, {3021, 100}}
	GPSLongitude = [3][2]uint32{{24, 1}, {56, 1}, {1234, 100}}
)

// Leaked returns the names of the metadata found in data (nil when none):
// what a test of an upload asserts is empty.
func Leaked(data []byte) []string {
	var found []string
	for _, m := range markers() {
		if bytes.Contains(data, m.b) {
			found = append(found, m.name)
		}
	}
	return found
}

type marker struct {
	name string
	b    []byte
}

func markers() []marker {
	ms := []marker{
		{"exif header", []byte(ExifHeader)},
		{"xmp namespace", []byte(XMPNamespace)},
		{"xmp creator", []byte(XMPCreator)},
		{"icc profile", []byte(ICCProfile)},
		{"comment", []byte(Comment)},
		{"make", []byte(Make)},
		{"model", []byte(Model)},
		{"serial", []byte(Serial)},
	}
	// GPS rationals in both byte orders: a stripped copy of the IFD would
	// carry them without the EXIF header.
	for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		ms = append(ms, marker{"gps latitude", rationals(bo, GPSLatitude)},
			marker{"gps longitude", rationals(bo, GPSLongitude)})
	}
	return ms
}

func rationals(bo binary.AppendByteOrder, r [3][2]uint32) []byte {
	var b []byte
	for _, v := range r {
		b = bo.AppendUint32(b, v[0])
		b = bo.AppendUint32(b, v[1])
	}
	return b
}

// PhotoQuality is the JPEG quality Photo encodes at.
const PhotoQuality = 95

// Photo is a w×h JPEG that compresses like a photo: smooth gradients and
// blobs under fine noise, the same for the same seed. At 3000×2000 it is
// about 2.4 MB.
func Photo(w, h int, seed int64) []byte {
	return encodeJPEG(PhotoImage(w, h, seed), PhotoQuality)
}

// PhotoImage is Photo's picture before encoding.
func PhotoImage(w, h int, seed int64) *image.RGBA {
	r := rand.New(rand.NewPCG(uint64(seed), 0x6c756d6f))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	// A few soft blobs so the picture has shapes, not only gradients.
	type blob struct{ x, y, r, c float64 }
	blobs := make([]blob, 6)
	for i := range blobs {
		blobs[i] = blob{r.Float64() * float64(w), r.Float64() * float64(h),
			(0.1 + 0.2*r.Float64()) * float64(min(w, h)), 60 + 80*r.Float64()}
	}
	// The smooth part changes slowly: it is worked out once per 4×4 block
	// (a step of a fifth of a level at 3000 px), the noise per pixel.
	const block = 4
	base := make([][3]float64, (w+block-1)/block)
	for y := range h {
		if y%block == 0 {
			fy := float64(y) / float64(h)
			for bx := range base {
				x := bx * block
				fx := float64(x) / float64(w)
				v := [3]float64{40 + 160*fx, 60 + 120*fy, 120 + 60*math.Sin(6*fx+4*fy)}
				for _, b := range blobs {
					dx, dy := float64(x)-b.x, float64(y)-b.y
					if d := (dx*dx + dy*dy) / (b.r * b.r); d < 4 {
						e := b.c * math.Exp(-d)
						v[0] += e * 0.5
						v[1] -= e * 0.3
					}
				}
				base[bx] = v
			}
		}
		row := m.Pix[y*m.Stride:]
		for x := range w {
			v := &base[x/block]
			n := r.Uint64() // three bytes of noise, one per channel
			for c := range 3 {
				row[4*x+c] = clamp(v[c] + noise*(float64(uint8(n>>(8*c)))/255-0.5))
			}
			row[4*x+3] = 0xff
		}
	}
	return m
}

// noise is the amplitude of Photo's per-pixel noise: tuned so that a
// 3000×2000 Photo is over 2.3 MB at PhotoQuality.
const noise = 24

func clamp(v float64) uint8 {
	return uint8(max(0, min(255, math.Round(v))))
}

// Quadrant colours: a Quadrants picture's top left is red, top right
// green, bottom left blue, bottom right white, so that each of the eight
// EXIF orientations puts a different colour in the upright top left.
var (
	Red   = color.RGBA{0xff, 0, 0, 0xff}
	Green = color.RGBA{0, 0xff, 0, 0xff}
	Blue  = color.RGBA{0, 0, 0xff, 0xff}
	White = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// Quadrants is a w×h JPEG in four flat colours (see Red).
func Quadrants(w, h int) []byte {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := Red
			switch {
			case x >= w/2 && y < h/2:
				c = Green
			case x < w/2 && y >= h/2:
				c = Blue
			case x >= w/2 && y >= h/2:
				c = White
			}
			m.SetRGBA(x, y, c)
		}
	}
	return encodeJPEG(m, 95)
}

func encodeJPEG(m image.Image, q int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
		panic(err) // only a writer error, and bytes.Buffer has none
	}
	return b.Bytes()
}

// PNGAlpha is a w×h PNG whose left half is fully transparent and right
// half an opaque gradient.
func PNGAlpha(w, h int) []byte {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if x < w/2 {
				m.SetNRGBA(x, y, color.NRGBA{0x20, 0x40, 0x60, 0})
				continue
			}
			m.SetNRGBA(x, y, color.NRGBA{uint8(255 * x / w), uint8(255 * y / h), 0x80, 0xff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GIF is a w×h animated GIF of two frames, the first all red and the
// second all blue: a reader of the first frame sees red.
func GIF(w, h int) []byte {
	pal := color.Palette{Red, Blue}
	frame := func(i uint8) *image.Paletted {
		m := image.NewPaletted(image.Rect(0, 0, w, h), pal)
		for j := range m.Pix {
			m.Pix[j] = i
		}
		return m
	}
	var b bytes.Buffer
	g := &gif.GIF{Image: []*image.Paletted{frame(0), frame(1)}, Delay: []int{50, 50}}
	if err := gif.EncodeAll(&b, g); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// WithEXIF returns jpeg with, right after its SOI marker, the segments a
// phone and an editor leave: an EXIF APP1 (little-endian, as most cameras
// write it) with Make, Model, Orientation (left out when orientation is
// below 1), an Exif IFD with BodySerialNumber and a GPS IFD with latitude
// and longitude; an XMP APP1; an ICC profile APP2; and a comment.
func WithEXIF(jpeg []byte, orientation int) []byte {
	return WithEXIFOrder(jpeg, orientation, binary.LittleEndian)
}

// WithEXIFOrder is WithEXIF with the TIFF byte order chosen.
func WithEXIFOrder(jpeg []byte, orientation int, bo binary.AppendByteOrder) []byte {
	if len(jpeg) < 2 || jpeg[0] != 0xff || jpeg[1] != 0xd8 {
		panic("mediatest: not a JPEG")
	}
	out := append([]byte{}, jpeg[:2]...)
	out = appendSegment(out, 0xe1, append([]byte(ExifHeader), TIFF(orientation, bo)...))
	xmp := XMPNamespace + "\x00" + `<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
		`<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>` + XMPCreator + `</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>`
	out = appendSegment(out, 0xe1, []byte(xmp))
	out = appendSegment(out, 0xe2, append([]byte(ICCProfile+"\x00\x01\x01"), make([]byte, 128)...))
	out = appendSegment(out, 0xfe, []byte(Comment))
	return append(out, jpeg[2:]...)
}

func appendSegment(b []byte, marker byte, payload []byte) []byte {
	b = append(b, 0xff, marker)
	b = binary.BigEndian.AppendUint16(b, uint16(len(payload)+2))
	return append(b, payload...)
}

// TIFF is the body of an EXIF segment after its "Exif\0\0" header: IFD0
// (Make, Model, Orientation unless below 1, pointers to the Exif and GPS
// IFDs), the Exif IFD (BodySerialNumber) and the GPS IFD.
func TIFF(orientation int, bo binary.AppendByteOrder) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		data     []byte // the value: inline when 4 bytes or fewer
	}
	ascii := func(tag uint16, s string) entry { return entry{tag, 2, uint32(len(s) + 1), append([]byte(s), 0)} }
	long := func(tag uint16, v uint32) entry { return entry{tag, 4, 1, bo.AppendUint32(nil, v)} }
	ifdSize := func(n int) int { return 2 + 12*n + 4 }

	// Layout: header (8), IFD0, its data, Exif IFD, its data, GPS IFD, its data.
	var ifd0 []entry
	ifd0 = append(ifd0, ascii(0x010f, Make), ascii(0x0110, Model))
	if orientation >= 1 {
		ifd0 = append(ifd0, entry{0x0112, 3, 1, bo.AppendUint16(nil, uint16(orientation))})
	}
	ifd0 = append(ifd0, long(0x8769, 0), long(0x8825, 0)) // offsets set below
	exif := []entry{ascii(0xa431, Serial)}
	gps := []entry{ascii(0x0001, "N"), {0x0002, 5, 3, rationals(bo, GPSLatitude)},
		ascii(0x0003, "E"), {0x0004, 5, 3, rationals(bo, GPSLongitude)}}

	dataSize := func(es []entry) int {
		n := 0
		for _, e := range es {
			if len(e.data) > 4 {
				n += len(e.data) + len(e.data)%2
			}
		}
		return n
	}
	exifOff := 8 + ifdSize(len(ifd0)) + dataSize(ifd0)
	gpsOff := exifOff + ifdSize(len(exif)) + dataSize(exif)
	ifd0[len(ifd0)-2].data = bo.AppendUint32(nil, uint32(exifOff))
	ifd0[len(ifd0)-1].data = bo.AppendUint32(nil, uint32(gpsOff))

	var b []byte
	if bo == binary.BigEndian {
		b = append(b, 'M', 'M', 0, 42)
	} else {
		b = append(b, 'I', 'I', 42, 0)
	}
	b = bo.AppendUint32(b, 8)
	writeIFD := func(es []entry) {
		data := len(b) + ifdSize(len(es))
		var tail []byte
		b = bo.AppendUint16(b, uint16(len(es)))
		for _, e := range es {
			b = bo.AppendUint16(b, e.tag)
			b = bo.AppendUint16(b, e.typ)
			b = bo.AppendUint32(b, e.count)
			if len(e.data) <= 4 {
				b = append(b, e.data...)
				b = append(b, make([]byte, 4-len(e.data))...)
				continue
			}
			b = bo.AppendUint32(b, uint32(data+len(tail)))
			tail = append(tail, e.data...)
			if len(e.data)%2 == 1 {
				tail = append(tail, 0)
			}
		}
		b = bo.AppendUint32(b, 0) // no next IFD
		b = append(b, tail...)
	}
	writeIFD(ifd0)
	writeIFD(exif)
	writeIFD(gps)
	return b
}
