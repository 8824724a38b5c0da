package media_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lumohanke/lumobot/bot/media"
)

func TestLoader(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.jpg")
	large := filepath.Join(dir, "large.jpg")
	if err := os.WriteFile(small, []byte("0123456789"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(large, make([]byte, 11), 0o644); err != nil {
		t.Fatal(err)
	}
	type ctxKey struct{}
	ctx := context.WithValue(context.Background(), ctxKey{}, "request")
	var fetched []string
	fetch := func(c context.Context, url string) ([]byte, error) {
		if c.Value(ctxKey{}) != "request" {
			t.Error("fetch got another context")
		}
		fetched = append(fetched, url)
		switch {
		case strings.Contains(url, "fail"):
			return nil, errors.New("status 404")
		case strings.Contains(url, "big"):
			return make([]byte, 11), nil
		}
		return []byte("remote"), nil
	}
	l := media.NewLoader(fetch, 10)

	for _, tc := range []struct {
		source  string
		want    string // the bytes, or
		errPart string // a part of the error
		is      error
	}{
		{source: small, want: "0123456789"},
		{source: large, errPart: large, is: media.ErrTooLarge},
		{source: filepath.Join(dir, "missing.jpg"), errPart: filepath.Join(dir, "missing.jpg"), is: fs.ErrNotExist},
		{source: dir, errPart: dir},
		{source: "https://example.org/a.jpg", want: "remote"},
		{source: "HTTP://example.org/b.jpg", want: "remote"},
		{source: "https://example.org/fail.jpg?sig=SECRET-TOKEN", errPart: "https://example.org/fail.jpg: status 404"},
		{source: "https://example.org/big.jpg", errPart: "example.org/big.jpg", is: media.ErrTooLarge},
		{source: "https:///nohost.jpg", errPart: "no host"},
		{source: "images/a.jpg", errPart: `"images/a.jpg"`},
		{source: "./a.jpg", errPart: "absolute"},
		{source: "file:///etc/passwd", errPart: "file:///etc/passwd"},
		{source: "ftp://example.org/a.jpg", errPart: "http(s)"},
		{source: "", errPart: "neither"},
	} {
		b, err := l.Load(ctx, tc.source)
		if tc.errPart == "" {
			if err != nil || string(b) != tc.want {
				t.Errorf("%s: %q, %v; want %q", tc.source, b, err, tc.want)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: loaded %d bytes, want an error", tc.source, len(b))
			continue
		}
		if !strings.Contains(err.Error(), tc.errPart) {
			t.Errorf("%s: %q does not say %q", tc.source, err, tc.errPart)
		}
		if strings.Contains(err.Error(), "SECRET-TOKEN") {
			t.Errorf("%s: %q carries the query", tc.source, err)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: %v is not %v", tc.source, err, tc.is)
		}
	}
	want := []string{"https://example.org/a.jpg", "http://example.org/b.jpg",
		"https://example.org/fail.jpg?sig=SECRET-TOKEN", "https://example.org/big.jpg"}
	if strings.Join(fetched, " ") != strings.Join(want, " ") {
		t.Errorf("fetched %q, want %q", fetched, want)
	}

	if _, err := media.NewLoader(nil, 0).Load(ctx, "https://example.org/a.jpg"); err == nil {
		t.Error("a loader without a fetcher fetched")
	}
	if b, err := media.NewLoader(nil, 0).Load(ctx, small); err != nil || len(b) != 10 {
		t.Errorf("default cap: %d bytes, %v", len(b), err)
	}
}
