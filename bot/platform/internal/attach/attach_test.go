package attach

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/platform/platformtest"
)

func TestName(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/srv/lumobot/kuvat/kemian-päivä.jpg", "kemian-päivä.jpg"},
		{"https://lumohanke.fi/kuvat/ilta%202026.jpg?token=SALAINEN", "ilta 2026.jpg"},
		{"https://lumohanke.fi/?token=SALAINEN", "lumohanke.fi"},
		{"https://lumohanke.fi", "lumohanke.fi"},
		{"kuva.png", "kuva.png"},
	} {
		if got := Name(tc.in); got != tc.want {
			t.Errorf("Name(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// loaderFunc is a media.Loader made of a function.
type loaderFunc func(ctx context.Context, source string) ([]byte, error)

func (f loaderFunc) Load(ctx context.Context, source string) ([]byte, error) { return f(ctx, source) }

func TestPrepare(t *testing.T) {
	photo := platformtest.Photo(t, 64, 48, 90)
	load := loaderFunc(func(_ context.Context, source string) ([]byte, error) {
		switch source {
		case "/ok.jpg":
			return photo, nil
		case "/pdf":
			return []byte("%PDF"), nil
		case "https://cdn.example/500.jpg":
			return nil, errors.New("GET https://cdn.example: HTTP 500")
		case "https://cdn.example/404.jpg":
			return nil, bot.Permanent(errors.New("GET https://cdn.example: HTTP 404"))
		}
		return nil, fmt.Errorf("open %s: %w", source, errors.ErrUnsupported)
	})
	spec := Spec{Platform: "test", Loader: load, Limits: media.Limits{MaxBytes: 1 << 20}, AltLimit: 5, AltLen: func(s string) int { return len([]rune(s)) }}
	img := func(src, alt string) bot.Image { return bot.Image{Source: src, Alt: alt} }
	cases := []struct {
		name     string
		images   []bot.Image
		want     string // outcome without text_only
		textOnly string // with
		kept     int    // images kept with text_only
		msg      string
	}{
		{"fits", []bot.Image{img("/ok.jpg", "Kuva")}, "sent", "sent", 1, ""},
		{"not an image", []bot.Image{img("/pdf", "Kuva"), img("/ok.jpg", "Kuva")}, "permanent", "sent", 1, `image "pdf"`},
		{"no alt", []bot.Image{img("/ok.jpg", " ")}, "permanent", "sent", 0, "no text alternative"},
		{"alt too long", []bot.Image{img("/ok.jpg", "pitkä kuvaus")}, "permanent", "sent", 0, "12 characters"},
		{"loader trouble is retried", []bot.Image{img("https://cdn.example/500.jpg", "Kuva")}, "retryable", "retryable", 0, "HTTP 500"},
		{"loader's permanent class kept", []bot.Image{img("https://cdn.example/404.jpg", "Kuva")}, "permanent", "sent", 0, `image "404.jpg"`},
		{"too many", []bot.Image{img("/ok.jpg", "a"), img("/ok.jpg", "b"), img("/ok.jpg", "c"), img("/ok.jpg", "d"), img("/ok.jpg", "e")}, "permanent", "permanent", 0, "at most 4"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, textOnly := range []bool{false, true} {
				imgs, err := Prepare(context.Background(), spec, bot.Post{Key: "k", Images: tc.images, TextOnly: textOnly})
				want := tc.want
				if textOnly {
					want = tc.textOnly
				}
				if got := platformtest.Outcome(err); got != want {
					t.Fatalf("text_only=%v: %s (%v), want %s", textOnly, got, err, want)
				}
				if err != nil && !strings.Contains(err.Error(), tc.msg) {
					t.Errorf("error %q lacks %q", err, tc.msg)
				}
				if err == nil && textOnly && len(imgs) != tc.kept {
					t.Errorf("kept %d images, want %d", len(imgs), tc.kept)
				}
			}
		})
	}
	if _, err := Prepare(context.Background(), Spec{Platform: "test"}, bot.Post{Images: []bot.Image{img("/ok.jpg", "a")}}); platformtest.Outcome(err) != "permanent" {
		t.Errorf("no loader: %v", err)
	}
}

func TestMultipart(t *testing.T) {
	img := Image{Name: "kemian \"päivä\".png", Image: media.Image{Data: []byte("\x89PNG..."), Type: "image/jpeg"}}
	body, ctype, err := Multipart([]Field{{"description", "Koeputkia – rivissä"}}, "file", img)
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(ctype)
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	p1, _ := mr.NextPart()
	v, _ := io.ReadAll(p1)
	p2, _ := mr.NextPart()
	data, _ := io.ReadAll(p2)
	if p1.FormName() != "description" || string(v) != "Koeputkia – rivissä" {
		t.Errorf("field %s = %q", p1.FormName(), v)
	}
	// The extension is what is sent (a PNG fitted into a JPEG).
	if p2.FormName() != "file" || p2.FileName() != "kemian _p_iv__.jpg" || p2.Header.Get("Content-Type") != "image/jpeg" || string(data) != string(img.Data) {
		t.Errorf("file part %s %q %s %q", p2.FormName(), p2.FileName(), p2.Header.Get("Content-Type"), data)
	}
}

func TestCache(t *testing.T) {
	st := &platformtest.MemCache{}
	c := Cache{Platform: "x", Store: st}
	img := Image{Index: 1, Image: media.Image{Hash: "ab12"}}
	key := c.Key("x-main", "reminder:ilta:1d", img)
	if key != "x:media:x-main:reminder:ilta:1d:1:ab12" {
		t.Errorf("key %q", key)
	}
	if _, ok := c.Get(context.Background(), key); ok {
		t.Fatal("empty cache has an entry")
	}
	at := time.Date(2026, 5, 5, 10, 0, 0, 0, time.UTC)
	c.Put(context.Background(), key, Uploaded{ID: "1880", At: at, Expires: at.Add(24 * time.Hour)})
	u, ok := c.Get(context.Background(), key)
	if !ok || u.ID != "1880" || !u.At.Equal(at) || !u.Expires.Equal(at.Add(24*time.Hour)) || u.Described {
		t.Errorf("got %+v, %v", u, ok)
	}
	st.Put(context.Background(), key, []byte("not json"))
	if _, ok := c.Get(context.Background(), key); ok {
		t.Error("garbage read as an entry")
	}
	var none Cache
	none.Put(context.Background(), key, u)
	if _, ok := none.Get(context.Background(), key); ok {
		t.Error("a cache without a store kept something")
	}
}
