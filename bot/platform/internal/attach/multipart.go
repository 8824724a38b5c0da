package attach

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/textproto"
	"strings"
)

// Field is one plain form field of a multipart body.
type Field struct{ Name, Value string }

// Multipart builds a multipart/form-data body: the fields in order, then
// one file part named fileField carrying img's bytes with its type. It
// returns the body and its Content-Type (with the boundary).
func Multipart(fields []Field, fileField string, img Image) ([]byte, string, error) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f.Name, f.Value); err != nil {
			return nil, "", fmt.Errorf("multipart field %s: %w", f.Name, err)
		}
	}
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, fileField, fileName(img)))
	h.Set("Content-Type", img.Type)
	part, err := w.CreatePart(h)
	if err != nil {
		return nil, "", fmt.Errorf("multipart file: %w", err)
	}
	if _, err := part.Write(img.Data); err != nil {
		return nil, "", fmt.Errorf("multipart file: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, "", fmt.Errorf("multipart: %w", err)
	}
	return buf.Bytes(), w.FormDataContentType(), nil
}

// fileName is the file name sent with an upload: the source's base name
// with the extension of what is sent (the fitted image may be a JPEG of a
// PNG), reduced to characters no header parser trips over.
func fileName(img Image) string {
	ext := ".jpg"
	if img.Type == "image/png" {
		ext = ".png"
	}
	base := img.Name
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	base = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r > 0x7e {
			return '_'
		}
		return r
	}, base)
	if base == "" {
		base = "image"
	}
	return base + ext
}
