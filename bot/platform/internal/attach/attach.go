// Package attach is what the platform clients share about a post's images:
// loading and fitting them to one platform (Prepare), deciding what a
// permanent problem with one image does to the delivery (Spec.Refused: fail
// naming the file, or post without it when the post says on_image_error:
// text_only), and remembering uploaded media ids so that a retry of the
// same delivery does not upload again (Cache). The upload itself is each
// client's: the platforms differ there.
package attach

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"strings"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
)

// MaxImages is the most images any of the platforms takes on one post
// (X, Mastodon's default, Bluesky).
const MaxImages = 4

// Image is one of a post's images, made to fit.
type Image struct {
	Index int    // position in bot.Post.Images: part of the cache key
	Name  string // base name of the source, for reasons and logs
	Alt   string
	media.Image
}

// Spec is how one platform client takes images.
type Spec struct {
	Platform string // "x", "mastodon", "bluesky": the prefix of errors
	Loader   media.Loader
	Limits   media.Limits
	// AltLimit is the longest text alternative the platform takes, as
	// AltLen measures it; 0: not checked here.
	AltLimit int
	AltLen   func(string) int
	Max      int // images per post; 0: MaxImages
	Logger   *slog.Logger
}

// Prepare loads each of p's images and fits it to s.Limits. A permanent
// problem with an image (not an image lumobot reads, too large even when
// scaled down, a file that is not there, a text alternative the platform
// would refuse) goes through Refused: the delivery fails naming the file,
// or with p.TextOnly the image is left out. A transient one (the loader's
// network trouble) is returned retryable, whatever p.TextOnly says: the
// image may well load next time.
func Prepare(ctx context.Context, s Spec, p bot.Post) ([]Image, error) {
	if len(p.Images) == 0 {
		return nil, nil
	}
	max := s.Max
	if max <= 0 {
		max = MaxImages
	}
	if len(p.Images) > max {
		return nil, bot.Permanent(fmt.Errorf("%s: %d images, the platform takes at most %d on a post", s.Platform, len(p.Images), max))
	}
	if s.Loader == nil {
		return nil, bot.Permanent(fmt.Errorf("%s: the post has images but the client has no media loader (a wiring error)", s.Platform))
	}
	var out []Image
	for i, im := range p.Images {
		img := Image{Index: i, Name: Name(im.Source), Alt: im.Alt}
		if err := s.check(ctx, &img, im.Source); err != nil {
			var de *bot.DeliveryError
			if errors.As(err, &de) && !de.Permanent {
				return nil, err
			}
			if err := s.Refused(p, img, err); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, img)
	}
	return out, nil
}

// check loads and fits one image into img. Errors are classified: a
// *bot.DeliveryError from the loader keeps its class.
func (s Spec) check(ctx context.Context, img *Image, source string) error {
	if strings.TrimSpace(img.Alt) == "" {
		return bot.Permanent(errors.New("no text alternative (alt)"))
	}
	if s.AltLimit > 0 && s.AltLen != nil {
		if n := s.AltLen(img.Alt); n > s.AltLimit {
			return bot.Permanent(fmt.Errorf("text alternative of %d characters, the platform takes at most %d", n, s.AltLimit))
		}
	}
	src, err := s.Loader.Load(ctx, source)
	if err != nil {
		var de *bot.DeliveryError
		switch {
		case errors.As(err, &de):
			return err
		case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission),
			errors.Is(err, media.ErrUnsupported), errors.Is(err, media.ErrTooLarge):
			return bot.Permanent(fmt.Errorf("load: %w", err))
		case ctx.Err() != nil:
			return bot.Retryable(fmt.Errorf("load: %w", ctx.Err()))
		default:
			return bot.Retryable(fmt.Errorf("load: %w", err))
		}
	}
	fitted, err := media.Fit(src, s.Limits)
	if err != nil {
		// ErrUnsupported, ErrTooLarge, or an encoder failure: the same
		// bytes would fail the same way next time.
		return bot.Permanent(err)
	}
	img.Image = fitted
	return nil
}

// Refused decides what a permanent problem with img does (err, the
// platform's refusal or Prepare's finding). With p.TextOnly it logs a
// warning and returns nil: the caller posts without img. Otherwise it
// returns a permanent error whose reason names the file.
func (s Spec) Refused(p bot.Post, img Image, err error) error {
	if p.TextOnly {
		if s.Logger != nil {
			s.Logger.Warn(s.Platform+": image left out, posting without it (on_image_error: text_only)",
				"key", p.Key, "target", p.Target, "image", img.Name, "reason", err.Error())
		}
		return nil
	}
	return bot.Permanent(fmt.Errorf("%s: image %q: %w", s.Platform, img.Name, err))
}

// Name is the base name of an image source: a file path's last element, a
// URL's last path segment (its host when the path is empty). The query is
// never shown: it may hold a token.
func Name(source string) string {
	if u, err := url.Parse(source); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		if b := path.Base(u.Path); b != "/" && b != "." && b != "" {
			if dec, err := url.PathUnescape(b); err == nil {
				return dec
			}
			return b
		}
		return u.Hostname()
	}
	return filepath.Base(source)
}

// IsURL reports whether source is an http(s) URL (else a file path).
func IsURL(source string) bool {
	u, err := url.Parse(source)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// Refusal is a platform's answer to an upload (or to what belongs with
// it: alt text, processing) with its HTTP status.
type Refusal struct {
	Status int
	Err    error
}

func (e *Refusal) Error() string { return e.Err.Error() }
func (e *Refusal) Unwrap() error { return e.Err }

// IsRefusal reports whether err is the platform refusing the image itself
// (400 invalid media, 413 too large, 415, 422 "Validation failed: File
// content type is invalid" or failed processing, from it or its proxy), as
// opposed to the token, access level, rate limits or a server in trouble:
// only such a refusal lets a text_only post go out without the image.
func IsRefusal(err error) bool {
	r, ok := err.(*Refusal)
	if !ok {
		return false
	}
	switch r.Status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return true
	}
	return false
}
