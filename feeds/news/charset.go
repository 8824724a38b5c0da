package news

import (
	"bytes"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// gofeed reads the encoding named in the XML declaration (through
// golang.org/x/net/html/charset) and nothing else. toUTF8 adds what it
// lacks, so that gofeed is always handed UTF-8 that says it is UTF-8:
//
//   - a UTF-16 document (by its byte order mark) is decoded;
//   - a valid UTF-8 body is taken as UTF-8 whatever its declaration says
//     (publishers often declare ISO-8859-1 and serve UTF-8);
//   - a body that is not valid UTF-8 is decoded with the charset its XML
//     declaration names, else the Content-Type's, else byte by byte:
//     valid UTF-8 sequences are kept and every other byte is read as
//     windows-1252 (the superset of ISO-8859-1 that browsers use for it),
//     which also repairs a UTF-8 feed with a few stray latin-1 bytes.
//
// The declaration's encoding is then rewritten to UTF-8.
func toUTF8(body []byte, contentType string) []byte {
	switch {
	case bytes.HasPrefix(body, []byte{0xEF, 0xBB, 0xBF}):
		body = body[3:]
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}), bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		dec := unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM).NewDecoder()
		if out, err := dec.Bytes(body); err == nil {
			return declareUTF8(out)
		}
	}
	if utf8.Valid(body) {
		return declareUTF8(body)
	}
	label := declaredEncoding(body)
	if isUTF8Label(label) {
		label = ""
	}
	if label == "" {
		label = contentTypeCharset(contentType)
	}
	if label != "" && !isUTF8Label(label) {
		if enc, _ := charset.Lookup(label); enc != nil {
			if out, err := enc.NewDecoder().Bytes(body); err == nil {
				return declareUTF8(out)
			}
		}
	}
	return declareUTF8(repairUTF8(body))
}

// repairUTF8 keeps valid UTF-8 sequences and reads every other byte as
// windows-1252.
func repairUTF8(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/8)
	dec := charmap.Windows1252
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r == utf8.RuneError && size <= 1 {
			r = dec.DecodeByte(b[0])
			size = 1
		}
		out = utf8.AppendRune(out, r)
		b = b[size:]
	}
	return out
}

func isUTF8Label(label string) bool {
	switch strings.ToLower(strings.TrimSpace(label)) {
	case "utf-8", "utf8", "unicode-1-1-utf-8":
		return true
	}
	return false
}

func contentTypeCharset(contentType string) string {
	if contentType == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return params["charset"]
}

// xmlDecl matches an XML declaration at the start of a document (after
// blank space, which a lenient reader tolerates) and captures the value of
// its encoding pseudo-attribute.
var xmlDecl = regexp.MustCompile(`^\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]*)["']`)

func declaredEncoding(body []byte) string {
	head := body
	if len(head) > 512 {
		head = head[:512]
	}
	if m := xmlDecl.FindSubmatch(head); m != nil {
		return string(m[1])
	}
	return ""
}

// declareUTF8 rewrites the XML declaration's encoding to UTF-8 so that the
// XML decoder does not convert the (already UTF-8) text a second time.
func declareUTF8(body []byte) []byte {
	head := body
	if len(head) > 512 {
		head = head[:512]
	}
	m := xmlDecl.FindSubmatchIndex(head)
	if m == nil || isUTF8Label(string(body[m[2]:m[3]])) {
		return body
	}
	out := make([]byte, 0, len(body))
	out = append(out, body[:m[2]]...)
	out = append(out, "UTF-8"...)
	out = append(out, body[m[3]:]...)
	return out
}
