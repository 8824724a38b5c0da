package main

// The media side of dlvFake (crash_test.go): X's upload and metadata,
// Mastodon's asynchronous media (202, then 206 while processing, then
// 200), Bluesky's uploadBlob, as each platform documents them. Posts that
// name media get them attached, so the tests can check what each follower
// would see: the image, its alt text, its size, and no metadata.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	_ "image/jpeg"
	_ "image/png"

	"github.com/lumohanke/lumobot/bot/media/mediatest"
)

// dlvMedia is one uploaded image.
type dlvMedia struct {
	ID            string
	Alt           string
	Bytes         int
	Type          string
	Width, Height int
	Leaked        []string // metadata markers found in the bytes
	// AspectW, AspectH are the aspectRatio a Bluesky record gave it.
	AspectW, AspectH int
	polls            int // Mastodon: GETs while processing
}

// mediaState is what the fake keeps of uploads; guarded by dlvFake.mu.
type mediaState struct {
	uploads map[string]*dlvMedia // id (X, Mastodon) or blob CID (Bluesky)
	order   []string
	// Mastodon's instance limit, to make its image scaled (0: 16 MB).
	MastodonImageLimit int
}

func (m *mediaState) add(prefix string, data []byte, typ, alt string) *dlvMedia {
	if m.uploads == nil {
		m.uploads = map[string]*dlvMedia{}
	}
	md := &dlvMedia{ID: fmt.Sprintf("%s%d", prefix, 1000+len(m.order)), Alt: alt, Bytes: len(data), Type: typ, Leaked: mediatest.Leaked(data)}
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil {
		md.Width, md.Height = cfg.Width, cfg.Height
	}
	m.uploads[md.ID] = md
	m.order = append(m.order, md.ID)
	return md
}

// Uploads returns every image uploaded, in upload order.
func (f *dlvFake) Uploads() []dlvMedia {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []dlvMedia
	for _, id := range f.media.order {
		out = append(out, *f.media.uploads[id])
	}
	return out
}

// multipartFile reads the file part name and the other fields of r.
func multipartFile(r *http.Request, body []byte, name string) (data []byte, typ string, fields map[string]string, err error) {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, "", nil, err
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	fields = map[string]string{}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", nil, err
		}
		b, _ := io.ReadAll(p)
		if p.FormName() == name {
			data, typ = b, p.Header.Get("Content-Type")
		} else {
			fields[p.FormName()] = string(b)
		}
	}
	if data == nil {
		return nil, "", nil, fmt.Errorf("no %s part", name)
	}
	return data, typ, fields, nil
}

// handleMedia answers the media endpoints; ok false for any other
// request. f.mu is held.
func (f *dlvFake) handleMedia(r *http.Request, body []byte) (status int, answer, outcome string, ok bool) {
	m := &f.media
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/2/media/upload":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "OAuth ") {
			return 401, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`, "401", true
		}
		data, typ, fields, err := multipartFile(r, body, "media")
		if err != nil || fields["media_category"] != "tweet_image" {
			return 400, `{"errors":[{"message":"media is required"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`, "400", true
		}
		if len(data) > 5<<20 {
			return 413, `{"title":"Payload Too Large","detail":"File size exceeds 5242880 bytes.","type":"about:blank","status":413}`, "413", true
		}
		md := m.add("1880", data, typ, "")
		return 200, fmt.Sprintf(`{"data":{"id":%q,"media_key":"3_%s","size":%d,"expires_after_secs":86400,"image":{"image_type":%q,"w":%d,"h":%d}}}`,
			md.ID, md.ID, md.Bytes, typ, md.Width, md.Height), "ok", true
	case r.Method == http.MethodPost && r.URL.Path == "/2/media/metadata":
		var in struct {
			ID       string `json:"id"`
			Metadata struct {
				AltText struct {
					Text string `json:"text"`
				} `json:"alt_text"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(body, &in); err != nil || m.uploads[in.ID] == nil {
			return 400, `{"title":"Invalid Request","detail":"media id not found","type":"about:blank","status":400}`, "400", true
		}
		m.uploads[in.ID].Alt = in.Metadata.AltText.Text
		return 200, fmt.Sprintf(`{"data":{"id":%q,"associated_metadata":true}}`, in.ID), "ok", true
	case r.Method == http.MethodPost && (r.URL.Path == "/api/v2/media" || r.URL.Path == "/api/v1/media"):
		if r.Header.Get("Authorization") != "Bearer mastodon-token" {
			return 401, `{"error":"The access token is invalid"}`, "401", true
		}
		data, typ, fields, err := multipartFile(r, body, "file")
		if err != nil {
			return 422, `{"error":"Validation failed: File content type is invalid"}`, "422", true
		}
		limit := m.MastodonImageLimit
		if limit == 0 {
			limit = 16 << 20
		}
		if len(data) > limit {
			return 422, `{"error":"Validation failed: File file size must be less than 2 MB"}`, "422", true
		}
		md := m.add("1100", data, typ, fields["description"])
		return 202, fmt.Sprintf(`{"id":%q,"type":"image","url":null,"preview_url":null,"description":%q}`, md.ID, md.Alt), "ok", true
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/media/"):
		md := m.uploads[strings.TrimPrefix(r.URL.Path, "/api/v1/media/")]
		if md == nil {
			return 404, `{"error":"Record not found"}`, "404", true
		}
		md.polls++
		if md.polls == 1 {
			return 206, fmt.Sprintf(`{"id":%q,"type":"image","url":null}`, md.ID), "ok", true
		}
		return 200, fmt.Sprintf(`{"id":%q,"type":"image","url":"https://mastodon.test/m/%s.jpg","description":%q}`, md.ID, md.ID, md.Alt), "ok", true
	case r.Method == http.MethodPost && r.URL.Path == "/xrpc/com.atproto.repo.uploadBlob":
		if code, msg := f.checkAccess(r); code != 0 {
			return code, msg, fmt.Sprint(code), true
		}
		if len(body) > 1000000 {
			return 400, `{"error":"BlobTooLarge","message":"This file is too large. It is 2.3MB but the maximum size is 1.0MB."}`, "400", true
		}
		md := m.add("bafkreifake", body, r.Header.Get("Content-Type"), "")
		return 200, fmt.Sprintf(`{"blob":{"$type":"blob","ref":{"$link":%q},"mimeType":%q,"size":%d}}`, md.ID, md.Type, md.Bytes), "ok", true
	}
	return 0, "", "", false
}

// attached is the media a post names, with Bluesky's alt text set from
// the record (X's and Mastodon's come with the upload). Unknown ids are
// an error: the platform would refuse the post. f.mu is held.
func (f *dlvFake) attached(ids []string, alts []string) ([]dlvMedia, error) {
	var out []dlvMedia
	for i, id := range ids {
		md := f.media.uploads[id]
		if md == nil {
			return nil, fmt.Errorf("unknown media %s", id)
		}
		if i < len(alts) {
			md.Alt = alts[i]
		}
		out = append(out, *md)
	}
	return out, nil
}
