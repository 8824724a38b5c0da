package bluesky

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/platformtest"
)

// embedRecord is the part of a stored post the media tests read.
type embedRecord struct {
	Text  string `json:"text"`
	Embed *struct {
		Type   string `json:"$type"`
		Images []struct {
			Image struct {
				Type string `json:"$type"`
				Ref  struct {
					Link string `json:"$link"`
				} `json:"ref"`
				MimeType string `json:"mimeType"`
				Size     int    `json:"size"`
			} `json:"image"`
			Alt         string `json:"alt"`
			AspectRatio struct {
				Width  int `json:"width"`
				Height int `json:"height"`
			} `json:"aspectRatio"`
		} `json:"images"`
		External *struct {
			URI         string           `json:"uri"`
			Title       string           `json:"title"`
			Description *string          `json:"description"`
			Thumb       *json.RawMessage `json:"thumb"`
		} `json:"external"`
	} `json:"embed"`
}

func (p *pds) record(t *testing.T, key string) embedRecord {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	raw, ok := p.records[RecordKey(key)]
	if !ok {
		t.Fatalf("no record for %s", key)
	}
	var rec embedRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		t.Fatal(err)
	}
	return rec
}

func newMediaClient(t *testing.T, p *pds, srv *httptest.Server, files map[string][]byte, cards Cards) (*Client, *platformtest.Loader, *platformtest.LogBuffer) {
	t.Helper()
	loader := &platformtest.Loader{Files: files}
	logger, logs := platformtest.CaptureLog()
	c, err := New(Options{Service: srv.URL, Handle: testHandle, AppPassword: testPassword, Now: p.clock,
		Media: loader, Cards: cards, Link: true}, logger, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	return c, loader, logs
}

const (
	photoPath = "/srv/lumobot/kuvat/kemian-paiva.jpg"
	panorama  = "https://lumohanke.fi/kuvat/panoraama.jpg"
)

func TestPostWithImages(t *testing.T) {
	p, srv := newPDS(t)
	files := map[string][]byte{
		photoPath: platformtest.WithExif(t, platformtest.Photo(t, 320, 240, 95)),
		panorama:  platformtest.Photo(t, 2600, 260, 90), // wider than the 2000 px the app allows
	}
	c, _, _ := newMediaClient(t, p, srv, files, nil)
	post := testPost("announcement:kemia:1")
	post.Images = []bot.Image{{Source: photoPath, Alt: "Oppilaat tekevät liekkikokeita."}, {Source: panorama, Alt: "Koulun piha talvella."}}
	if _, err := c.Post(context.Background(), post); err != nil {
		t.Fatal(err)
	}
	rec := p.record(t, post.Key)
	if rec.Embed == nil || rec.Embed.Type != "app.bsky.embed.images" || len(rec.Embed.Images) != 2 {
		t.Fatalf("embed %+v, want two images (and no link card)", rec.Embed)
	}
	limits := c.MediaLimits(context.Background())
	for i, im := range rec.Embed.Images {
		if im.Alt != post.Images[i].Alt {
			t.Errorf("image %d alt %q", i, im.Alt)
		}
		data, ok := p.blobs[im.Image.Ref.Link]
		if !ok || im.Image.Type != "blob" || im.Image.MimeType != "image/jpeg" || im.Image.Size != len(data) || p.blobTypes[im.Image.Ref.Link] != "image/jpeg" {
			t.Fatalf("image %d blob %+v is not the one uploaded", i, im.Image)
		}
		w, h := platformtest.CheckImage(t, fmt.Sprintf("image %d", i), data, limits)
		if im.AspectRatio.Width != w || im.AspectRatio.Height != h {
			t.Errorf("image %d aspectRatio %+v, the blob is %d×%d", i, im.AspectRatio, w, h)
		}
	}
	if ar := rec.Embed.Images[1].AspectRatio; ar.Width > 2000 || ar.Width*10 < ar.Height*99 || ar.Width*10 > ar.Height*101 {
		t.Errorf("panorama %d×%d: want at most 2000 wide, 10:1 kept", ar.Width, ar.Height)
	}

	// A re-send writes the very same record: the same bytes are the same blob.
	before := append([]byte(nil), p.records[RecordKey(post.Key)]...)
	if _, err := c.Post(context.Background(), post); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, p.records[RecordKey(post.Key)]) {
		t.Errorf("the re-send wrote another record:\n%s\n%s", before, p.records[RecordKey(post.Key)])
	}
}

func TestImageRefused(t *testing.T) {
	cases := []struct {
		name     string
		blobMode string
		source   string
		want     []string
	}{
		{"blob too large (413)", "413", photoPath, []string{`image "kemian-paiva.jpg"`, "HTTP 413", "PayloadTooLarge"}},
		{"wrong type (400)", "400", photoPath, []string{`image "kemian-paiva.jpg"`, "HTTP 400", "Wrong type of file"}},
		{"not an image", "", "/srv/lumobot/esite.pdf", []string{`image "esite.pdf"`, "not a JPEG"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, srv := newPDS(t)
			p.blobMode = tc.blobMode
			files := map[string][]byte{photoPath: platformtest.Photo(t, 64, 48, 90), "/srv/lumobot/esite.pdf": []byte("%PDF-1.7")}
			c, _, logs := newMediaClient(t, p, srv, files, nil)
			post := testPost("k:" + tc.name)
			post.Images = []bot.Image{{Source: tc.source, Alt: "Kuva"}}
			_, err := c.Post(context.Background(), post)
			if !deliveryError(t, err).Permanent {
				t.Fatalf("err %v, want permanent", err)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q lacks %q", err, s)
				}
			}
			if p.puts != 0 {
				t.Errorf("a record was written")
			}
			// text_only: the post goes out without the image; with no image
			// left, the link gets its card.
			post.TextOnly = true
			if _, err := c.Post(context.Background(), post); err != nil {
				t.Fatal(err)
			}
			rec := p.record(t, post.Key)
			if rec.Embed == nil || rec.Embed.Type != "app.bsky.embed.external" || len(rec.Embed.Images) != 0 {
				t.Errorf("embed %+v, want the link card only", rec.Embed)
			}
			if l := logs.String(); !strings.Contains(l, `"level":"WARN"`) || !strings.Contains(l, "text_only") {
				t.Errorf("no warning: %s", l)
			}
		})
	}
}

// Network trouble on an upload is retried, never posted without the image.
func TestUploadTroubleRetryable(t *testing.T) {
	p, srv := newPDS(t)
	c, _, _ := newMediaClient(t, p, srv, map[string][]byte{photoPath: platformtest.Photo(t, 64, 48, 90)}, nil)
	post := testPost("k")
	post.TextOnly = true
	post.Images = []bot.Image{{Source: photoPath, Alt: "Kuva"}}
	c.Check(context.Background()) // a session first
	srv.Close()
	_, err := c.Post(context.Background(), post)
	if deliveryError(t, err).Permanent {
		t.Fatalf("err %v, want retryable", err)
	}
}

// cardsFunc is a Cards made of a function.
type cardsFunc func(ctx context.Context, url string) (Card, error)

func (f cardsFunc) Read(ctx context.Context, url string) (Card, error) { return f(ctx, url) }

func TestLinkCard(t *testing.T) {
	const thumb = "https://lumo.example/og/kemia.png"
	page := Card{Title: "Kemian päivä 2026", Description: "Liekkikokeita ja kromatografiaa.", Image: thumb}
	cases := []struct {
		name      string
		cards     Cards
		files     map[string][]byte
		wantTitle string
		wantDesc  string
		wantThumb bool
		wantWarn  string
	}{
		{name: "og tags and thumb", cards: cardsFunc(func(context.Context, string) (Card, error) { return page, nil }),
			files: map[string][]byte{thumb: platformtest.Photo(t, 120, 63, 90)}, wantTitle: page.Title, wantDesc: page.Description, wantThumb: true},
		{name: "thumb cannot be loaded", cards: cardsFunc(func(context.Context, string) (Card, error) { return page, nil }),
			wantTitle: page.Title, wantDesc: page.Description, wantWarn: "without its image"},
		{name: "page cannot be read", cards: cardsFunc(func(context.Context, string) (Card, error) { return Card{}, errors.New("HTTP 503") }),
			wantTitle: "lumo.example", wantWarn: "cannot read the linked page"},
		{name: "no reader", wantTitle: "lumo.example"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, srv := newPDS(t)
			c, _, logs := newMediaClient(t, p, srv, tc.files, tc.cards)
			post := testPost("news:kemia")
			if _, err := c.Post(context.Background(), post); err != nil {
				t.Fatal(err)
			}
			rec := p.record(t, post.Key)
			if rec.Embed == nil || rec.Embed.External == nil {
				t.Fatalf("embed %+v, want a link card", rec.Embed)
			}
			e := rec.Embed.External
			if e.URI != post.Link || e.Title != tc.wantTitle || e.Description == nil || *e.Description != tc.wantDesc {
				t.Errorf("card %+v", e)
			}
			if (e.Thumb != nil) != tc.wantThumb {
				t.Fatalf("thumb %v, want %v", e.Thumb != nil, tc.wantThumb)
			}
			if tc.wantThumb {
				var blob struct {
					Ref struct {
						Link string `json:"$link"`
					} `json:"ref"`
				}
				json.Unmarshal(*e.Thumb, &blob)
				platformtest.CheckImage(t, "thumb", p.blobs[blob.Ref.Link], c.MediaLimits(context.Background()))
			}
			if l := logs.String(); tc.wantWarn != "" && !strings.Contains(l, tc.wantWarn) {
				t.Errorf("log lacks %q: %s", tc.wantWarn, l)
			}
		})
	}
}

func TestMediaLimits(t *testing.T) {
	p, srv := newPDS(t)
	c := newClient(t, p, srv, nil, nil)
	if l := c.MediaLimits(context.Background()); l.MaxBytes != 1_000_000 || l.MaxWidth != 2000 || l.MaxHeight != 2000 {
		t.Errorf("limits %+v", l)
	}
	if n := c.AltLimit(context.Background()); n != 2000 {
		t.Errorf("alt limit %d", n)
	}
	if n := AltLength("ä👍🏽"); n != 5 { // 1 + 2 + 2 UTF-16 code units, as JavaScript counts
		t.Errorf("AltLength = %d, want 5", n)
	}
}
