// Package media makes a post's pictures fit a platform: decoded (JPEG, PNG,
// GIF's first frame, WebP), turned upright by their EXIF orientation,
// scaled down to the platform's limits with the aspect ratio kept, and
// encoded anew, so that no metadata of the original (EXIF, GPS, XMP, camera
// serials) is ever passed through.
package media

import (
	"context"
	"errors"
)

// Limits are what one platform accepts of an image. Zero means no limit.
type Limits struct {
	MaxBytes  int // encoded size: Bluesky 1,000,000; X 5 MB
	MaxWidth  int
	MaxHeight int
	MaxPixels int // width × height (Mastodon's image_matrix_limit)
	// Types are the MIME types the platform takes (JPEG, PNG); empty:
	// both. Fit writes PNG only for a picture with transparency, or when
	// JPEG is not among them.
	Types []string
}

// Image is a picture made to fit.
type Image struct {
	Data   []byte
	Type   string // image/jpeg or image/png
	Width  int    // pixels, upright
	Height int
	// Hash is the SHA-256 (hex) of Data: a stable name for the result.
	Hash string
}

// Loader reads a picture's original bytes from where it is: a file path
// or an http(s) URL.
type Loader interface {
	Load(ctx context.Context, source string) ([]byte, error)
}

// The types Fit writes.
const (
	JPEG = "image/jpeg"
	PNG  = "image/png"
)

// Originals larger than this are refused before they are decoded
// (ErrTooLarge): a small file may claim a huge size, and decoding it would
// allocate four bytes or more per pixel. 60 megapixels covers the largest
// phone and camera photos (a 20000 px side covers panoramas).
const (
	MaxSourceSide   = 20000
	MaxSourcePixels = 60_000_000
)

// Errors Fit returns (wrapped).
var (
	// ErrUnsupported: the bytes are not an image of a format lumobot reads.
	ErrUnsupported = errors.New("not a JPEG, PNG, GIF or WebP image")
	// ErrTooLarge: no scaling within the limits brings it under MaxBytes,
	// or the original is too large to decode safely.
	ErrTooLarge = errors.New("too large for the platform even when scaled down")
)
