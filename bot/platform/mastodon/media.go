package mastodon

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media"
	"github.com/lumohanke/lumobot/bot/platform/internal/attach"
	"github.com/lumohanke/lumobot/bot/platform/internal/httpx"
)

// Mastodon's own media limits, used when the instance does not state them
// (MediaAttachment::IMAGE_LIMIT, Attachmentable::MAX_MATRIX_LIMIT,
// MediaAttachment::MAX_DESCRIPTION_LENGTH, Status::MEDIA_ATTACHMENTS_LIMIT).
const (
	DefaultImageSizeLimit   = 16 << 20
	DefaultImageMatrixLimit = 33_177_600
	DefaultDescriptionLimit = 1500
	DefaultMaxAttachments   = 4
)

// MediaReuse is how long after an upload its media id is reused by a retry
// of the same delivery. Mastodon removes media no status uses a day after
// the upload (Vacuum::MediaAttachmentsVacuum::TTL); a few hours keep well
// clear of that, and the id is checked before it is reused.
const MediaReuse = 3 * time.Hour

// processWait bounds the wait for the server to process one upload within
// an attempt; a retry waits again for the same media.
const processWait = 30 * time.Second

// MediaLimits is what the instance takes of an image (image_size_limit,
// image_matrix_limit, the image types of supported_mime_types), as far as
// the client knows it: from Prepare or the cache; else Mastodon's defaults.
func (c *Client) MediaLimits(ctx context.Context) media.Limits {
	c.Cached(ctx)
	c.mu.Lock()
	ml := c.media
	c.mu.Unlock()
	l := media.Limits{MaxBytes: ml.ImageSizeLimit, MaxPixels: ml.ImageMatrixLimit}
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultImageSizeLimit
	}
	if l.MaxPixels <= 0 {
		l.MaxPixels = DefaultImageMatrixLimit
	}
	for _, t := range ml.MimeTypes {
		if strings.HasPrefix(t, "image/") {
			l.Types = append(l.Types, t)
		}
	}
	return l
}

// AltLimit is the longest image description the instance takes
// (description_limit, in characters; 1500 where the instance does not say).
func (c *Client) AltLimit(ctx context.Context) int {
	c.Cached(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.media.DescriptionLimit > 0 {
		return c.media.DescriptionLimit
	}
	return DefaultDescriptionLimit
}

func (c *Client) maxAttachments() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.media.MaxAttachments; n > 0 {
		return min(n, attach.MaxImages)
	}
	return DefaultMaxAttachments
}

// mediaIDs uploads p's images with their descriptions, or takes the ids an
// earlier attempt of this delivery uploaded while the server still holds
// them unattached, and waits until the server has processed each (a status
// naming unprocessed media is refused). Images left out under p.TextOnly
// are not among the ids.
func (c *Client) mediaIDs(ctx context.Context, p bot.Post) ([]string, error) {
	spec := attach.Spec{Platform: "mastodon", Loader: c.opts.Media, Limits: c.MediaLimits(ctx),
		AltLimit: c.AltLimit(ctx), AltLen: utf8.RuneCountInString, Max: c.maxAttachments(), Logger: c.logger}
	imgs, err := attach.Prepare(ctx, spec, p)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, img := range imgs {
		id, err := c.attachment(ctx, p, img)
		if attach.IsRefusal(err) {
			if err := spec.Refused(p, img, err); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, httpx.Wrap(err, fmt.Sprintf("mastodon: image %q", img.Name))
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// attachment returns the id of img on the server, processed.
func (c *Client) attachment(ctx context.Context, p bot.Post, img attach.Image) (string, error) {
	key := c.cache.Key(p.Target, p.Key, img)
	if up, ok := c.cache.Get(ctx, key); ok && c.opts.Now().Sub(up.At) < MediaReuse {
		// Still there and unattached? An id the server dropped, or one a
		// status took (an earlier attempt that did post), is refused as
		// "not found": upload anew rather than fail.
		state, err := c.mediaState(ctx, up.ID)
		switch {
		case err != nil:
			return "", err
		case state == stateGone:
			c.logger.Debug("mastodon: uploaded media is gone, uploading again", "key", p.Key, "image", img.Name, "media_id", up.ID)
		default:
			c.logger.Debug("mastodon: reusing uploaded media", "key", p.Key, "target", p.Target, "image", img.Name, "media_id", up.ID)
			if state == stateProcessing {
				return up.ID, c.await(ctx, up.ID)
			}
			return up.ID, nil
		}
	}
	id, processing, err := c.upload(ctx, img)
	if err != nil {
		return "", err
	}
	c.cache.Put(ctx, key, attach.Uploaded{ID: id, At: c.opts.Now()})
	if processing {
		return id, c.await(ctx, id)
	}
	return id, nil
}

type attachmentAnswer struct {
	ID  string  `json:"id"`
	URL *string `json:"url"`
}

// upload sends img with its description (POST /api/v2/media; servers
// without it, /api/v1/media). processing: the server answered 202 and is
// still working on it.
func (c *Client) upload(ctx context.Context, img attach.Image) (id string, processing bool, err error) {
	body, ctype, err := attach.Multipart([]attach.Field{{Name: "description", Value: img.Alt}}, "file", img)
	if err != nil {
		return "", false, bot.Permanent(fmt.Errorf("build upload: %w", err))
	}
	var out attachmentAnswer
	path := "/api/v2/media"
	req := httpx.Request{Method: http.MethodPost, URL: c.server + path, Body: body, ContentType: ctype}
	resp, err := c.exchange(ctx, req, path, true, &out)
	if resp != nil && resp.Status == http.StatusNotFound {
		path = "/api/v1/media" // before Mastodon 3.1.3: answers when processed
		req.URL = c.server + path
		resp, err = c.exchange(ctx, req, path, true, &out)
	}
	if err != nil {
		if resp != nil && !resp.OK() {
			return "", false, &attach.Refusal{Status: resp.Status, Err: err}
		}
		return "", false, err
	}
	if out.ID == "" {
		// The media may exist, unused: the server removes it in a day.
		return "", false, bot.Retryable(fmt.Errorf("POST %s: answer without a media id (status %d)", path, resp.Status))
	}
	processing = resp.Status == http.StatusAccepted || out.URL == nil
	c.logger.Debug("mastodon: uploaded image", "image", img.Name, "media_id", out.ID, "bytes", len(img.Data), "processing", processing)
	return out.ID, processing, nil
}

type mediaStateKind int

const (
	stateReady mediaStateKind = iota
	stateProcessing
	stateGone // removed, or attached to a status already
)

// mediaState asks how an unattached upload stands (GET /api/v1/media/:id:
// 200 processed, 206 still processing, 404 not there or attached, 422
// processing failed).
func (c *Client) mediaState(ctx context.Context, id string) (mediaStateKind, error) {
	path := "/api/v1/media/" + url.PathEscape(id)
	resp, err := c.exchange(ctx, httpx.Request{Method: http.MethodGet, URL: c.server + path}, path, true, nil)
	switch {
	case resp != nil && resp.Status == http.StatusNotFound:
		return stateGone, nil
	case resp != nil && resp.Status == http.StatusUnprocessableEntity:
		return 0, &attach.Refusal{Status: resp.Status, Err: err}
	case err != nil:
		return 0, err
	case resp.Status == http.StatusPartialContent:
		return stateProcessing, nil
	}
	return stateReady, nil
}

// await polls the upload id until the server has processed it, for at most
// processWait on the client's clock.
func (c *Client) await(ctx context.Context, id string) error {
	start := c.opts.Now()
	step := time.Second
	for {
		if err := c.opts.Sleep(ctx, step); err != nil {
			return bot.Retryable(fmt.Errorf("wait for media %s to be processed: %w", id, err))
		}
		state, err := c.mediaState(ctx, id)
		switch {
		case err != nil:
			return err
		case state == stateReady:
			return nil
		case state == stateGone:
			return bot.Retryable(fmt.Errorf("media %s is gone while being processed", id))
		}
		if c.opts.Now().Sub(start) >= processWait {
			return bot.Retryable(fmt.Errorf("media %s still processing after %v; the retry waits for the same upload", id, processWait))
		}
		step = min(2*step, 5*time.Second)
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
