package page

import (
	"bytes"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
)

// toUTF8 decodes a page to UTF-8, as feeds/news does a feed:
//
//   - a byte order mark decides (UTF-8 is stripped, UTF-16 decoded);
//   - a body that is valid UTF-8 is UTF-8 whatever it declares: publishers
//     declare ISO-8859-1 and serve UTF-8 far more often than the other way,
//     and Finnish text in ISO-8859-1 is almost never valid UTF-8;
//   - else the charset of the Content-Type, else of the page's <meta
//     charset> or http-equiv Content-Type in its first 1024 bytes
//     (charset.DetermineEncoding, the HTML standard's prescan), else
//     windows-1252 (what browsers read ISO-8859-1 as);
//   - a body that says UTF-8 and is not keeps its valid sequences and
//     reads every other byte as windows-1252.
//
// body may have been cut at MaxScan, in the middle of a character: an
// incomplete sequence at the very end does not make it invalid.
func toUTF8(body []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		body = body[3:]
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		enc, _, _ := charset.DetermineEncoding(body, "")
		if out, err := enc.NewDecoder().Bytes(body); err == nil {
			return out
		}
		return repairUTF8(body)
	}
	if utf8.Valid(trimPartialRune(body)) {
		return body
	}
	enc, name, _ := charset.DetermineEncoding(body, contentType)
	if name == "utf-8" || enc == nil {
		return repairUTF8(body)
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return repairUTF8(body)
	}
	return out
}

// trimPartialRune drops an incomplete UTF-8 sequence at the end of b.
func trimPartialRune(b []byte) []byte {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return b[:i]
			}
			break
		}
	}
	return b
}

// repairUTF8 keeps valid UTF-8 sequences and reads every other byte as
// windows-1252.
func repairUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			r = charmap.Windows1252.DecodeByte(b[0])
			size = 1
		}
		out = utf8.AppendRune(out, r)
		b = b[size:]
	}
	return out
}
