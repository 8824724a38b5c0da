package x

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/platform/internal/attach"
	"github.com/lumohanke/lumobot/bot/platform/internal/httpx"
)

// What X takes of an image for a post (docs.x.com, media best practices:
// tweet_image up to 5 MB, 8192×8192; alt text up to 1000 characters).
const (
	MaxImageBytes = 5 << 20
	MaxImageSide  = 8192
	MaxAlt        = 1000
)

// reuseMargin: an uploaded media id is reused only while it has at least
// this long left before X drops it (expires_after_secs), so that the post
// made with it does not race the expiry.
const reuseMargin = 15 * time.Minute

// Cache is a small key/value store (the state's table): it keeps the media
// ids of an attempt for its retries.
type Cache interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Put(ctx context.Context, key string, value []byte) error
}

// MediaLimits is what X takes of an image: 5 MB, 8192 pixels a side.
func (c *Client) MediaLimits(context.Context) media.Limits {
	return media.Limits{MaxBytes: MaxImageBytes, MaxWidth: MaxImageSide, MaxHeight: MaxImageSide,
		Types: []string{"image/jpeg", "image/png", "image/webp"}}
}

// AltLimit is the longest alt text X takes: 1000 characters.
func (c *Client) AltLimit(context.Context) int { return MaxAlt }

func (c *Client) spec() attach.Spec {
	return attach.Spec{Platform: "x", Loader: c.media, Limits: c.MediaLimits(context.Background()),
		AltLimit: MaxAlt, AltLen: utf8.RuneCountInString, Logger: c.logger}
}

// mediaIDs uploads p's images (or takes the ids an earlier attempt of this
// delivery uploaded, while X keeps them) and sets their alt text. It
// returns the ids to post with; images left out under p.TextOnly are not
// among them.
func (c *Client) mediaIDs(ctx context.Context, p bot.Post) ([]string, error) {
	spec := c.spec()
	imgs, err := attach.Prepare(ctx, spec, p)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, img := range imgs {
		key := c.cache.Key(p.Target, p.Key, img)
		up, ok := c.cache.Get(ctx, key)
		if ok && (up.Expires.IsZero() || !c.now().Add(reuseMargin).Before(up.Expires)) {
			ok = false // X may drop it before the post is made: upload anew
		}
		if ok {
			c.logger.Debug("x: reusing uploaded media", "key", p.Key, "target", p.Target, "image", img.Name, "media_id", up.ID)
		} else {
			up, err = c.upload(ctx, img)
			if attach.IsRefusal(err) {
				if err := spec.Refused(p, img, err); err != nil {
					return nil, err
				}
				continue
			}
			if err != nil {
				return nil, err
			}
			c.cache.Put(ctx, key, up)
		}
		if !up.Described {
			err := c.describe(ctx, up.ID, img.Alt)
			if attach.IsRefusal(err) {
				if err := spec.Refused(p, img, err); err != nil {
					return nil, err
				}
				continue
			}
			if err != nil {
				return nil, err
			}
			up.Described = true
			c.cache.Put(ctx, key, up)
		}
		ids = append(ids, up.ID)
	}
	return ids, nil
}

// upload sends one image with POST /2/media/upload (simple upload, a
// multipart body of media_category and media; multipart fields are not
// part of the OAuth 1.0a signature).
func (c *Client) upload(ctx context.Context, img attach.Image) (attach.Uploaded, error) {
	body, ctype, err := attach.Multipart([]attach.Field{{Name: "media_category", Value: "tweet_image"}}, "media", img)
	if err != nil {
		return attach.Uploaded{}, bot.Permanent(fmt.Errorf("x: upload %q: %w", img.Name, err))
	}
	resp, err := c.send(ctx, httpx.Request{Method: http.MethodPost, URL: c.api.JoinPath("/2/media/upload").String(),
		Body: body, ContentType: ctype}, "/2/media/upload")
	if err != nil {
		return attach.Uploaded{}, err
	}
	if !resp.OK() {
		return attach.Uploaded{}, &attach.Refusal{Status: resp.Status, Err: c.classify("upload image", resp)}
	}
	var out struct {
		Data struct {
			ID               string `json:"id"`
			MediaKey         string `json:"media_key"`
			ExpiresAfterSecs int64  `json:"expires_after_secs"`
			ProcessingInfo   *struct {
				State string `json:"state"`
			} `json:"processing_info"`
		} `json:"data"`
	}
	if resp.ReadErr != nil || json.Unmarshal(resp.Body, &out) != nil || out.Data.ID == "" {
		// The media may exist, unused: X drops it. Uploading again costs
		// an upload, never a wrong post.
		return attach.Uploaded{}, bot.Retryable(fmt.Errorf("x: upload %q: answer without a media id (status %d)", img.Name, resp.Status))
	}
	if pi := out.Data.ProcessingInfo; pi != nil && pi.State == "failed" {
		return attach.Uploaded{}, &attach.Refusal{Status: http.StatusBadRequest, Err: bot.Permanent(fmt.Errorf("x: upload image: X could not process it"))}
	}
	at := c.now()
	up := attach.Uploaded{ID: out.Data.ID, At: at}
	if out.Data.ExpiresAfterSecs > 0 {
		up.Expires = at.Add(time.Duration(out.Data.ExpiresAfterSecs) * time.Second)
	}
	c.logger.Debug("x: uploaded image", "image", img.Name, "media_id", up.ID, "bytes", len(img.Data), "expires", up.Expires)
	return up, nil
}

// describe sets a media's alt text (POST /2/media/metadata).
func (c *Client) describe(ctx context.Context, id, alt string) error {
	type altText struct {
		Text string `json:"text"`
	}
	body := struct {
		ID       string `json:"id"`
		Metadata struct {
			AltText altText `json:"alt_text"`
		} `json:"metadata"`
	}{ID: id}
	body.Metadata.AltText.Text = alt
	resp, err := c.do(ctx, http.MethodPost, "/2/media/metadata", body)
	if err != nil {
		return err
	}
	if !resp.OK() {
		return &attach.Refusal{Status: resp.Status, Err: c.classify("set alt text", resp)}
	}
	return nil
}
