package main

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encodeRows writes what json.Encoder with SetIndent("", "  ") and
// SetEscapeHTML(false) writes, byte for byte, every optional field too.
func TestEncodeRowsIsEncodingJSON(t *testing.T) {
	cost := 0.015
	rows := []previewRow{
		{Due: "2026-12-10T09:00:00+02:00", Target: "x", Kind: "announcement", Key: "announcement:a:once",
			Text: "Tervetuloa <verkostopäivään> & \"muuta\"\n#LUMOhanke", Length: 40, Limit: 280, Cost: &cost,
			Images: []previewImage{
				{Image: "verkostopaiva.jpg", Alt: "Osallistujat <istuvat> ringissä", Width: 2000, Height: 1333, Bytes: 812345, Type: "image/jpeg"},
				{Image: "https://example.fi/k.png", Alt: "Logo", Error: "image k.png: HTTP 404 Not Found"},
			},
			Warnings: []validationItem{{Rule: "too-long", Message: "a & b"}}},
		{Due: "2026-12-11T09:00:00+02:00", Target: "console", Kind: "reminder", Key: "reminder:e:1d", Text: "t",
			Skipped: "late", Images: []previewImage{{Image: "a.jpg", Alt: "A"}}},
		{Due: "2026-12-12T09:00:00+02:00", Target: "console", Kind: "news", Key: "news:f:1", Text: "\u2028odd\x7f"},
	}
	var got, want bytes.Buffer
	if err := encodeRows(&got, rows); err != nil {
		t.Fatal(err)
	}
	enc := json.NewEncoder(&want)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rows); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("encodeRows:\n%s\nencoding/json:\n%s", got.String(), want.String())
	}
}
