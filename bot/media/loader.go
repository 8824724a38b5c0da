package media

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
)

// DefaultMaxSourceBytes is NewLoader's cap when it is given none: more
// than any camera's JPEG and the 16 MB Mastodon takes.
const DefaultMaxSourceBytes = 50 << 20

// NewLoader returns a Loader that reads an absolute file path itself and
// hands an http(s) URL to fetch (in cmd, the guarded feed fetcher, which
// enforces its own cap; the loader checks maxBytes again). maxBytes ≤ 0
// means DefaultMaxSourceBytes. Anything else, a relative path included,
// is refused: a relative path would depend on the daemon's working
// directory.
func NewLoader(fetch func(ctx context.Context, url string) ([]byte, error), maxBytes int64) Loader {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxSourceBytes
	}
	return loader{fetch: fetch, max: maxBytes}
}

type loader struct {
	fetch func(ctx context.Context, url string) ([]byte, error)
	max   int64
}

func (l loader) Load(ctx context.Context, source string) ([]byte, error) {
	if u, err := url.Parse(source); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
		return l.url(ctx, u)
	}
	if filepath.IsAbs(source) {
		return l.file(source)
	}
	return nil, fmt.Errorf("image %q: neither an absolute file path nor an http(s) URL", source)
}

func (l loader) url(ctx context.Context, u *url.URL) ([]byte, error) {
	// Named without query, fragment or password: a signed URL's token
	// must not reach a log.
	name := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	if u.Host == "" {
		return nil, fmt.Errorf("image %s: the URL has no host", name)
	}
	if l.fetch == nil {
		return nil, fmt.Errorf("image %s: no fetcher for URLs", name)
	}
	b, err := l.fetch(ctx, u.String())
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", name, err)
	}
	if int64(len(b)) > l.max {
		return nil, fmt.Errorf("image %s: %d bytes, more than the %d read: %w", name, len(b), l.max, ErrTooLarge)
	}
	return b, nil
}

func (l loader) file(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("image: %w", err) // *fs.PathError names the path
	}
	defer f.Close()
	// Read one byte past the cap rather than trust Stat: the file may be
	// growing, or not a regular file.
	b, err := io.ReadAll(io.LimitReader(f, l.max+1))
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", path, err)
	}
	if int64(len(b)) > l.max {
		return nil, fmt.Errorf("image %s: more than the %d bytes read: %w", path, l.max, ErrTooLarge)
	}
	return b, nil
}
