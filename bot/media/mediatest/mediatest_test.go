package mediatest

import (
	"bytes"
	"encoding/binary"
	"image/gif"
	"image/jpeg"
	"slices"
	"testing"
)

func TestWithEXIFLeaks(t *testing.T) {
	plain := Photo(64, 48, 1)
	if got := Leaked(plain); got != nil {
		t.Fatalf("a plain Photo leaks %v", got)
	}
	for _, bo := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
		b := WithEXIFOrder(plain, 6, bo)
		got := Leaked(b)
		for _, m := range markers() {
			if !slices.Contains(got, m.name) {
				t.Errorf("%v: %s not found in %v", bo, m.name, got)
			}
		}
		if _, err := jpeg.Decode(bytes.NewReader(b)); err != nil {
			t.Errorf("%v: WithEXIF's JPEG does not decode: %v", bo, err)
		}
	}
}

func TestGIFFrames(t *testing.T) {
	g, err := gif.DecodeAll(bytes.NewReader(GIF(8, 4)))
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Image) != 2 || g.Image[0].At(1, 1) != Red || g.Image[1].At(1, 1) != Blue {
		t.Errorf("%d frames, first %v, want red then blue", len(g.Image), g.Image[0].At(1, 1))
	}
}
