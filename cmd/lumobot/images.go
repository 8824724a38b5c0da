package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/platform/bluesky"
	"github.com/lumohanke/lumobot/bot/server"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
	"github.com/lumohanke/lumobot/feeds/page"
)

// mediaLimiter is a platform client that knows what its platform takes of
// an image (X, Mastodon, Bluesky); the others post no image bytes.
type mediaLimiter interface {
	MediaLimits(ctx context.Context) media.Limits
}

// limitsOf is what target t's platform takes of an image; ok false for a
// target that uploads no images (console, webhook).
func limitsOf(ctx context.Context, t bot.Target) (media.Limits, bool) {
	if ml, ok := t.Poster.(mediaLimiter); ok {
		return ml.MediaLimits(ctx), true
	}
	return media.Limits{}, false
}

// fitted is one image as a target would post it.
type fitted struct {
	Width, Height, Bytes int
	Type                 string
	Err                  error
}

// imageMemo fits each (image, limits) once: a year's reminders of one
// event carry the same photo hundreds of times.
type imageMemo struct {
	load func(ctx context.Context, source string) ([]byte, error)
	mu   sync.Mutex
	orig map[string][]byte
	errs map[string]error
	done map[fitKey]fitted
}

type fitKey struct {
	source string
	limits string // fmt of the Limits: a slice inside is not comparable
}

func newImageMemo(load func(ctx context.Context, source string) ([]byte, error)) *imageMemo {
	return &imageMemo{load: load, orig: map[string][]byte{}, errs: map[string]error{}, done: map[fitKey]fitted{}}
}

func (m *imageMemo) fit(ctx context.Context, source string, l media.Limits) fitted {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := fitKey{source, fmt.Sprint(l)}
	if f, ok := m.done[k]; ok {
		return f
	}
	b, ok := m.orig[source]
	err := m.errs[source]
	if !ok && err == nil {
		b, err = m.load(ctx, source)
		m.orig[source], m.errs[source] = b, err
	}
	var f fitted
	if err != nil {
		f.Err = err
	} else if img, err := media.Fit(b, l); err != nil {
		f.Err = err
	} else {
		f = fitted{Width: img.Width, Height: img.Height, Bytes: len(img.Data), Type: img.Type}
	}
	m.done[k] = f
	return f
}

// imageProblems decodes every image file of the config in full and makes
// it fit each target that uploads images, as a post would: a file whose
// header reads but whose body is broken, or one no scaling brings under a
// platform's limit, is a config problem (validate exits 2), not a failed
// post on the day. Images given by URL are read when posted (and by
// preview), not here: validate works offline.
func imageProblems(ctx context.Context, cfg *config.Config, ts []built) error {
	memo := newImageMemo(func(_ context.Context, source string) ([]byte, error) {
		return readCapped(source, maxImageBytes)
	})
	var problems []config.Problem
	check := func(key string, imgs []config.Image) {
		for i, im := range imgs {
			if im.Path == "" || im.Source == "" {
				continue
			}
			for _, t := range ts {
				l, ok := limitsOf(ctx, t.Target)
				if !ok {
					continue
				}
				if f := memo.fit(ctx, im.Source, l); f.Err != nil {
					problems = append(problems, cfg.Problem(fmt.Sprintf("%s[%d].path", key, i),
						"%s cannot be posted to %s: %v", im.Path, t.Name, f.Err))
					break
				}
			}
		}
	}
	for i, a := range cfg.Announcements {
		check(fmt.Sprintf("announcements[%d].images", i), a.Images)
	}
	for i, e := range cfg.Events {
		check(fmt.Sprintf("events[%d].images", i), e.Images)
	}
	if len(problems) > 0 {
		return config.NewError(cfg.File, problems)
	}
	return nil
}

// maxImageBytes bounds an original image read from a file or a URL, as
// config does for files: larger is a mistake (a video, a raw export).
const maxImageBytes = media.DefaultMaxSourceBytes

// imageTimeout bounds reading one original from a URL.
const imageTimeout = 30 * time.Second

// imageLoader reads originals: a file path as a local file, a URL through
// the feeds' fetcher (timeout, size cap, User-Agent) on public addresses
// only: a news item's image URL comes from the feed's content, and
// whoever writes the feed must not get an intranet picture posted. (An
// image on an internal server: give it as a file.)
func imageLoader(f *feeds.Fetcher) media.Loader {
	return media.NewLoader(func(ctx context.Context, u string) ([]byte, error) {
		resp, err := f.Fetch(ctx, feeds.Request{URL: u, Timeout: imageTimeout, MaxBytes: maxImageBytes, PublicOnly: true})
		return resp.Body, err
	}, maxImageBytes)
}

// cardTimeout and cardBytes bound reading a link's page for its card: the
// head is all a card needs, and a slow page must not hold the post long.
const (
	cardTimeout = 10 * time.Second
	cardBytes   = 5 << 20
)

// pageCards reads Bluesky link cards with feeds/page through the guarded
// fetcher, on public addresses only: the link comes from content.
type pageCards struct{ f *feeds.Fetcher }

func (c pageCards) Read(ctx context.Context, u string) (bluesky.Card, error) {
	r := page.Reader{Fetch: func(ctx context.Context, u string) ([]byte, string, string, error) {
		resp, err := c.f.Fetch(ctx, feeds.Request{URL: u, Timeout: cardTimeout, MaxBytes: cardBytes, PublicOnly: true})
		return resp.Body, resp.ContentType, resp.FinalURL, err
	}}
	card, err := r.Read(ctx, u)
	return bluesky.Card{Title: card.Title, Description: card.Description, Image: card.Image}, err
}

// altLimiter is a client that knows its platform's alt text limit.
type altLimiter interface {
	AltLimit(ctx context.Context) int
}

// instanceAltLimit is a Mastodon target's instance's description_limit as
// the state knows it (config checks the default 1500; an instance may
// take less); 0 for other targets, whose limits config checks.
func instanceAltLimit(ctx context.Context, t bot.Target) int {
	if al, ok := t.Poster.(altLimiter); ok && t.Type == config.TypeMastodon {
		return al.AltLimit(ctx)
	}
	return 0
}

// thumbSide is the longest side of a status page thumbnail, in pixels.
const thumbSide = 160

// thumbCacheSize bounds the thumbnails kept in memory.
const thumbCacheSize = 256

// thumbnails makes the status page's thumbnails: each source loaded and
// shrunk once, at most thumbCacheSize kept (the oldest made go first).
type thumbnails struct {
	load  media.Loader
	mu    sync.Mutex
	made  map[string][]byte
	order []string
	// known are the sources the status page has shown, by ThumbID: only
	// those are served, so the page cannot be made to read any file.
	known      map[string]string
	knownOrder []string
}

func newThumbnails(load media.Loader) *thumbnails {
	return &thumbnails{load: load, made: map[string][]byte{}, known: map[string]string{}}
}

// show registers the images of posts the status page shows.
func (th *thumbnails) show(imgs []bot.Image) {
	th.mu.Lock()
	defer th.mu.Unlock()
	for _, im := range imgs {
		id := server.ThumbID(im.Source)
		if _, ok := th.known[id]; ok {
			continue
		}
		th.known[id] = im.Source
		th.knownOrder = append(th.knownOrder, id)
		if len(th.knownOrder) > 4*thumbCacheSize {
			delete(th.known, th.knownOrder[0])
			th.knownOrder = th.knownOrder[1:]
		}
	}
}

// ByID is the thumbnail of a shown image (server.Options.Thumb).
func (th *thumbnails) ByID(ctx context.Context, id string) ([]byte, error) {
	th.mu.Lock()
	source, ok := th.known[id]
	th.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("thumbnail %s: not an image the page shows", id)
	}
	return th.Thumb(ctx, source)
}

// Thumb is a JPEG of source at most thumbSide pixels a side.
func (th *thumbnails) Thumb(ctx context.Context, source string) ([]byte, error) {
	th.mu.Lock()
	b, ok := th.made[source]
	th.mu.Unlock()
	if ok {
		return b, nil
	}
	orig, err := th.load.Load(ctx, source)
	if err != nil {
		return nil, err
	}
	img, err := media.Thumb(orig, thumbSide)
	if err != nil {
		return nil, err
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	if _, ok := th.made[source]; !ok {
		th.made[source] = img.Data
		th.order = append(th.order, source)
		if len(th.order) > thumbCacheSize {
			delete(th.made, th.order[0])
			th.order = th.order[1:]
		}
	}
	return img.Data, nil
}

// showAll registers the images of every post in snap.
func (th *thumbnails) showAll(snap server.Snapshot) {
	for _, t := range snap.Targets {
		for _, p := range t.Next {
			th.show(p.Images)
		}
		for _, d := range t.Open {
			th.show(d.Images)
		}
		for _, d := range t.Recent {
			th.show(d.Images)
		}
	}
	for _, p := range snap.Projects {
		th.showAll(p)
	}
}
