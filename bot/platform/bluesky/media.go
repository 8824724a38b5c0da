package bluesky

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"unicode/utf16"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/platform/internal/attach"
)

// What Bluesky takes of an image. lumobot keeps to 1,000,000 bytes, the
// limit of app.bsky.embed.images until recently and still of a link card's
// thumb (app.bsky.embed.external); the current lexicon takes 2,000,000 for
// post images ("formerly limited to 1 MB"), which the reference PDS
// enforces, but servers and apps on the older lexicon do not. The app
// scales pictures to at most 2000×2000, as the lexicon once required;
// larger ones only cost bytes of the budget. The alt text has no limit in
// the lexicon; the app stops at 2000 (social-app MAX_ALT_TEXT, measured as
// a JavaScript string's length: UTF-16 code units).
const (
	MaxImageBytes = 1_000_000
	MaxImageSide  = 2000
	MaxAlt        = 2000
)

// MediaLimits is what Bluesky takes of an image (also a link card's thumb).
func (c *Client) MediaLimits(context.Context) media.Limits {
	return media.Limits{MaxBytes: MaxImageBytes, MaxWidth: MaxImageSide, MaxHeight: MaxImageSide,
		Types: []string{"image/jpeg", "image/png", "image/webp"}}
}

// AltLimit is the longest alt text the Bluesky app lets one write: 2000
// UTF-16 code units. The client does not enforce it: the PDS takes longer.
func (c *Client) AltLimit(context.Context) int { return MaxAlt }

// AltLength measures text as AltLimit counts (UTF-16 code units).
func AltLength(text string) int { return len(utf16.Encode([]rune(text))) }

type imagesEmbed struct {
	Type   string      `json:"$type"` // app.bsky.embed.images
	Images []imageItem `json:"images"`
}

type imageItem struct {
	Image       json.RawMessage `json:"image"` // the blob as uploadBlob answered it
	Alt         string          `json:"alt"`
	AspectRatio aspectRatio     `json:"aspectRatio"`
}

// aspectRatio is app.bsky.embed.defs#aspectRatio: the picture's pixels.
type aspectRatio struct {
	Width  int `json:"width"`
	Height int `json:"height"`
}

type external struct {
	Type     string       `json:"$type"` // app.bsky.embed.external
	External externalLink `json:"external"`
}

type externalLink struct {
	URI         string          `json:"uri"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Thumb       json.RawMessage `json:"thumb,omitempty"`
}

// embed is what the post carries: its images, else (with Options.Link) a
// card for its link, else nothing. Blobs are named by their content, so a
// re-send uploads the same bytes again and gets the same blob: the record
// stays the same without remembering anything. Only a card's fetched facts
// (title, description, thumb) may differ between attempts.
func (c *Client) embed(ctx context.Context, p bot.Post) (any, error) {
	if len(p.Images) > 0 {
		spec := attach.Spec{Platform: "bluesky", Loader: c.opts.Media, Limits: c.MediaLimits(ctx), Logger: c.logger}
		imgs, err := attach.Prepare(ctx, spec, p)
		if err != nil {
			return nil, err
		}
		var items []imageItem
		for _, img := range imgs {
			blob, err := c.uploadBlob(ctx, img.Data, img.Type)
			if refusedBlob(err) {
				if err := spec.Refused(p, img, err); err != nil {
					return nil, err
				}
				continue
			}
			if err != nil {
				return nil, annotate(err, fmt.Sprintf("bluesky: image %q", img.Name))
			}
			items = append(items, imageItem{Image: blob, Alt: img.Alt, AspectRatio: aspectRatio{img.Width, img.Height}})
		}
		if len(items) > 0 {
			return imagesEmbed{Type: "app.bsky.embed.images", Images: items}, nil
		}
	}
	if c.opts.Link && p.Link != "" {
		if e := c.card(ctx, p); e != nil {
			return e, nil
		}
	}
	return nil, nil
}

// uploadBlob sends data (com.atproto.repo.uploadBlob) and returns the blob
// object as the PDS answered it, for the record to name.
func (c *Client) uploadBlob(ctx context.Context, data []byte, contentType string) (json.RawMessage, error) {
	var out struct {
		Blob json.RawMessage `json:"blob"`
	}
	err := c.authed(ctx, http.MethodPost, "com.atproto.repo.uploadBlob", func(session) any {
		return rawBody{data: data, contentType: contentType}
	}, &out)
	if err != nil {
		return nil, err
	}
	var check struct {
		Ref struct {
			Link string `json:"$link"`
		} `json:"ref"`
	}
	if len(out.Blob) == 0 || json.Unmarshal(out.Blob, &check) != nil || check.Ref.Link == "" {
		return nil, bot.Retryable(errors.New("uploadBlob: answer without a blob ref"))
	}
	return out.Blob, nil
}

// refusedBlob reports whether err is the PDS refusing the bytes (400
// InvalidRequest, 413 BlobTooLarge), not a token, a limit or trouble.
func refusedBlob(err error) bool {
	var xe *xrpcError
	if !errors.As(err, &xe) || xe.tokenProblem() {
		return false
	}
	switch xe.status {
	case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity:
		return true
	}
	return false
}

// card is the app.bsky.embed.external for p.Link: what Options.Cards reads
// of the page (og:title, og:description, og:image as the thumb), or, when
// there is no reader or the page cannot be read, the link's host as the
// title. A card never fails the post: a page or a thumb that fails is
// logged and left out.
func (c *Client) card(ctx context.Context, p bot.Post) *external {
	u, err := url.Parse(p.Link)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.logger.Warn("bluesky: link is not an http(s) URL, no link card", "key", p.Key, "link", p.Link)
		return nil
	}
	link := externalLink{URI: p.Link, Title: u.Hostname()}
	if c.opts.Cards == nil {
		return &external{Type: "app.bsky.embed.external", External: link}
	}
	card, err := c.opts.Cards.Read(ctx, p.Link)
	if err != nil {
		c.logger.Warn("bluesky: cannot read the linked page, the card shows its host only",
			"key", p.Key, "host", u.Hostname(), "err", c.redact.Error(err))
		return &external{Type: "app.bsky.embed.external", External: link}
	}
	if card.Title != "" {
		link.Title = card.Title
	}
	link.Description = card.Description
	if card.Image != "" {
		thumb, err := c.thumb(ctx, card.Image)
		if err != nil {
			c.logger.Warn("bluesky: link card without its image", "key", p.Key, "image", attach.Name(card.Image), "err", c.redact.Error(err))
		} else {
			link.Thumb = thumb
		}
	}
	return &external{Type: "app.bsky.embed.external", External: link}
}

// thumb loads a card's image, fits it and uploads it.
func (c *Client) thumb(ctx context.Context, source string) (json.RawMessage, error) {
	if c.opts.Media == nil {
		return nil, errors.New("no media loader")
	}
	src, err := c.opts.Media.Load(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	img, err := media.Fit(src, c.MediaLimits(ctx))
	if err != nil {
		return nil, err
	}
	return c.uploadBlob(ctx, img.Data, img.Type)
}
