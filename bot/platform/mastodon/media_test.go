package mastodon

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/platformtest"
)

// instanceWithMedia is /api/v2/instance of a small server (Mastodon 4.4
// shape) with low media limits, so that small test photos must be scaled.
const instanceWithMedia = `{"domain":"mastodon.example","version":"4.4.0","configuration":{
 "statuses":{"max_characters":500,"max_media_attachments":4,"characters_reserved_per_url":23},
 "media_attachments":{"description_limit":1500,"image_matrix_limit":120000,"image_size_limit":60000,
  "supported_mime_types":["image/jpeg","image/png","image/gif","image/heic","image/heif","image/webp","image/avif","video/webm","video/mp4","audio/mpeg"],
  "video_frame_rate_limit":120,"video_matrix_limit":8294400,"video_size_limit":103809024}}}`

// attachment is one upload the fake server holds.
type attachment struct {
	id, description, fileType, fileName string
	data                                []byte
	processing                          int  // GETs still answered 206
	failed                              bool // processing fails
	status                              string
}

// mediaServer answers like Mastodon's media and status endpoints
// (Api::V2::MediaController, Api::V1::MediaController#show,
// PostStatusService#validate_media!).
type mediaServer struct {
	t  *testing.T
	mu sync.Mutex

	instance string

	uploadMode  string   // "" | "422" | "413" | "403" | "503"
	processFor  int      // 206 answers after a 202; 0: answered 200 at once
	processFail bool     // GET answers 422 once processing is done
	statusModes []string // answers of POST /api/v1/statuses used up first: "503"

	media     map[string]*attachment
	order     []string
	uploads   int
	mediaGETs int
	statuses  []map[string]any
	authOK    bool // every request carried the token
}

func newMediaServer(t *testing.T) (*mediaServer, *httptest.Server) {
	m := &mediaServer{t: t, instance: instanceWithMedia, media: map[string]*attachment{}, authOK: true}
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return m, srv
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func (m *mediaServer) attachmentJSON(a *attachment) string {
	u := "null"
	if a.processing == 0 {
		u = fmt.Sprintf(`"https://files.mastodon.example/media_attachments/files/%s/original/x.jpeg"`, a.id)
	}
	return fmt.Sprintf(`{"id":%q,"type":"image","url":%s,"preview_url":"https://files.mastodon.example/p/%s.jpeg","remote_url":null,"text_url":null,"meta":{},"description":%q,"blurhash":"UFBWY:8_0Jxv4mx]t8t64.%%M-:IUWGWAt6M}"}`,
		a.id, u, a.id, a.description)
}

func (m *mediaServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer "+token {
		m.authOK = false
		writeJSON(w, 401, `{"error":"The access token is invalid"}`)
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/api/v2/instance":
		writeJSON(w, 200, m.instance)
	case r.Method == http.MethodPost && r.URL.Path == "/api/v2/media":
		m.uploads++
		switch m.uploadMode {
		case "422":
			writeJSON(w, 422, `{"error":"Validation failed: File content type is invalid, File is invalid"}`)
			return
		case "413":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(413)
			io.WriteString(w, "<html><head><title>413 Request Entity Too Large</title></head><body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>")
			return
		case "403":
			writeJSON(w, 403, `{"error":"This action is outside the authorized scopes"}`)
			return
		case "503":
			writeJSON(w, 503, `{"error":"Service Unavailable"}`)
			return
		}
		a := m.parseUpload(r)
		a.id = fmt.Sprintf("1133700%04d", len(m.order)+1)
		a.processing = m.processFor
		a.failed = m.processFail
		m.media[a.id] = a
		m.order = append(m.order, a.id)
		status := 200
		if a.processing > 0 {
			status = 202
		}
		writeJSON(w, status, m.attachmentJSON(a))
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/api/v1/media/"):
		m.mediaGETs++
		a, ok := m.media[strings.TrimPrefix(r.URL.Path, "/api/v1/media/")]
		if !ok || a.status != "" { // where(status_id: nil).find
			writeJSON(w, 404, `{"error":"Record not found"}`)
			return
		}
		if a.processing > 0 {
			a.processing--
			writeJSON(w, 206, m.attachmentJSON(&attachment{id: a.id, description: a.description, processing: 1}))
			return
		}
		if a.failed {
			writeJSON(w, 422, `{"error":"Error processing thumbnail for uploaded media"}`)
			return
		}
		writeJSON(w, 200, m.attachmentJSON(a))
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			m.t.Errorf("status body: %v", err)
		}
		m.statuses = append(m.statuses, body)
		if len(m.statusModes) > 0 {
			mode := m.statusModes[0]
			m.statusModes = m.statusModes[1:]
			if mode == "503" {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(503)
				io.WriteString(w, "<html><body>503 Service Temporarily Unavailable</body></html>")
				return
			}
		}
		ids, _ := body["media_ids"].([]any)
		for _, v := range ids {
			id, _ := v.(string)
			a, ok := m.media[id]
			if !ok || a.status != "" {
				writeJSON(w, 422, fmt.Sprintf(`{"error":"Media %s not found or already attached to another post"}`, id))
				return
			}
			if a.processing > 0 {
				writeJSON(w, 422, `{"error":"Cannot attach files that have not finished processing. Try again in a moment!"}`)
				return
			}
		}
		sid := fmt.Sprintf("11340%04d", len(m.statuses))
		for _, v := range ids {
			m.media[v.(string)].status = sid
		}
		writeJSON(w, 200, fmt.Sprintf(`{"id":%q,"url":"https://mastodon.example/@LUMOhanke/%s","uri":"https://mastodon.example/users/LUMOhanke/statuses/%s"}`, sid, sid, sid))
	default:
		writeJSON(w, 404, `{"error":"Record not found"}`)
	}
}

func (m *mediaServer) parseUpload(r *http.Request) *attachment {
	a := &attachment{}
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/form-data" {
		m.t.Errorf("upload Content-Type %q", r.Header.Get("Content-Type"))
		return a
	}
	mr := multipart.NewReader(r.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return a
		}
		if err != nil {
			m.t.Errorf("upload body: %v", err)
			return a
		}
		data, _ := io.ReadAll(part)
		switch part.FormName() {
		case "description":
			a.description = string(data)
		case "file":
			a.fileType, a.fileName, a.data = part.Header.Get("Content-Type"), part.FileName(), data
		default:
			m.t.Errorf("unexpected upload field %q", part.FormName())
		}
	}
}

// mediaClient is a Client with a loader, a cache and a clock that its Sleep
// moves on.
type mediaClient struct {
	*Client
	loader *platformtest.Loader
	cache  *platformtest.MemCache
	logs   *platformtest.LogBuffer
	mu     sync.Mutex
	now    time.Time
	slept  []time.Duration
}

func newMediaClient(t *testing.T, srv *httptest.Server, files map[string][]byte, cache *platformtest.MemCache) *mediaClient {
	t.Helper()
	if cache == nil {
		cache = &platformtest.MemCache{}
	}
	mc := &mediaClient{loader: &platformtest.Loader{Files: files}, cache: cache, now: now}
	logger, logs := platformtest.CaptureLog()
	mc.logs = logs
	c, err := New(Options{Server: srv.URL, AccessToken: token, Now: mc.clock, Media: mc.loader, Cache: cache,
		Sleep: func(ctx context.Context, d time.Duration) error {
			mc.mu.Lock()
			defer mc.mu.Unlock()
			mc.slept = append(mc.slept, d)
			mc.now = mc.now.Add(d)
			return ctx.Err()
		}}, logger, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	mc.Client = c
	return mc
}

func (mc *mediaClient) clock() time.Time {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	return mc.now
}

func (mc *mediaClient) advance(d time.Duration) {
	mc.mu.Lock()
	defer mc.mu.Unlock()
	mc.now = mc.now.Add(d)
}

func statusMedia(body map[string]any) []string {
	raw, _ := body["media_ids"].([]any)
	var ids []string
	for _, v := range raw {
		s, _ := v.(string)
		ids = append(ids, s)
	}
	return ids
}

const photoPath = "/srv/lumobot/kuvat/kemian-päivä.jpg"

func TestPostWithImageProcessed(t *testing.T) {
	m, srv := newMediaServer(t)
	m.processFor = 2 // 202, then 206, 206, then 200
	photo := platformtest.WithExif(t, platformtest.Photo(t, 640, 480, 95))
	mc := newMediaClient(t, srv, map[string][]byte{photoPath: photo}, nil)
	p := bot.Post{Key: "announcement:kemia:1", Target: "mastodon", Text: "Kemian päivä! #LUMOhanke",
		Images: []bot.Image{{Source: photoPath, Alt: "Oppilaat tekevät liekkikokeita."}}}
	r, err := mc.Post(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == "" || !m.authOK {
		t.Fatalf("receipt %+v, auth ok %v", r, m.authOK)
	}
	if m.uploads != 1 || len(m.order) != 1 {
		t.Fatalf("%d uploads", m.uploads)
	}
	a := m.media[m.order[0]]
	if a.description != p.Images[0].Alt || a.fileType != "image/jpeg" || a.fileName != "kemian-p_iv_.jpg" {
		t.Errorf("upload: description %q, type %q, name %q", a.description, a.fileType, a.fileName)
	}
	limits := mc.MediaLimits(context.Background())
	if limits.MaxBytes != 60000 || limits.MaxPixels != 120000 {
		t.Fatalf("limits %+v, want the instance's", limits)
	}
	platformtest.CheckImage(t, "upload", a.data, limits)
	if ids := statusMedia(m.statuses[0]); len(ids) != 1 || ids[0] != a.id {
		t.Errorf("status media_ids %v, want [%s]", ids, a.id)
	}
	if m.mediaGETs != 3 {
		t.Errorf("%d polls, want 3 (206, 206, 200)", m.mediaGETs)
	}
	if len(mc.slept) != 3 || mc.clock().Sub(now) != 1*time.Second+2*time.Second+4*time.Second {
		t.Errorf("slept %v (clock moved %v), want 1s, 2s, 4s on the client's clock", mc.slept, mc.clock().Sub(now))
	}
}

// Processing that does not end within 30 s leaves the attempt retryable;
// the retry waits for the same upload instead of uploading again.
func TestProcessingTimeoutThenRetry(t *testing.T) {
	m, srv := newMediaServer(t)
	m.processFor = 100
	mc := newMediaClient(t, srv, map[string][]byte{photoPath: platformtest.Photo(t, 64, 48, 90)}, nil)
	p := bot.Post{Key: "k", Target: "mastodon", Text: "t", Images: []bot.Image{{Source: photoPath, Alt: "a"}}}
	_, err := mc.Post(context.Background(), p)
	if got := platformtest.Outcome(err); got != "retryable" || !strings.Contains(err.Error(), "still processing") {
		t.Fatalf("got %s (%v), want retryable: still processing", got, err)
	}
	if waited := mc.clock().Sub(now); waited < processWait || waited > processWait+5*time.Second {
		t.Errorf("waited %v, want about %v", waited, processWait)
	}
	if len(m.statuses) != 0 {
		t.Errorf("a status was posted with unprocessed media")
	}
	m.media[m.order[0]].processing = 1
	if _, err := mc.Post(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if m.uploads != 1 {
		t.Errorf("%d uploads, want 1: the retry must wait for the same media", m.uploads)
	}
	if ids := statusMedia(m.statuses[0]); len(ids) != 1 || ids[0] != m.order[0] {
		t.Errorf("media_ids %v", ids)
	}
}

func TestRetryReusesMedia(t *testing.T) {
	m, srv := newMediaServer(t)
	m.statusModes = []string{"503"}
	mc := newMediaClient(t, srv, map[string][]byte{photoPath: platformtest.Photo(t, 64, 48, 90)}, nil)
	p := bot.Post{Key: "reminder:ilta:1d", Target: "mastodon", Text: "Huomenna LUMO-ilta",
		Images: []bot.Image{{Source: photoPath, Alt: "Kirjaston sali"}}}
	_, err := mc.Post(context.Background(), p)
	if got := platformtest.Outcome(err); got != "retry-at" && got != "retryable" {
		t.Fatalf("first attempt: %s (%v), want a retry", got, err)
	}
	mc.advance(5 * time.Minute)
	if _, err := mc.Post(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if m.uploads != 1 {
		t.Fatalf("%d uploads, want 1", m.uploads)
	}
	first, second := statusMedia(m.statuses[0]), statusMedia(m.statuses[1])
	if len(first) != 1 || len(second) != 1 || first[0] != second[0] {
		t.Fatalf("media ids %v then %v, want the same", first, second)
	}

	// The same post again (a re-send after the status went out): its media
	// is attached now, so it is uploaded anew, not refused as "not found".
	if _, err := mc.Post(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if m.uploads != 2 {
		t.Errorf("%d uploads after the media was taken by a status, want 2", m.uploads)
	}
}

// After MediaReuse an id is not even asked about: it is uploaded anew.
func TestOldMediaNotReused(t *testing.T) {
	m, srv := newMediaServer(t)
	m.statusModes = []string{"503"}
	mc := newMediaClient(t, srv, map[string][]byte{photoPath: platformtest.Photo(t, 64, 48, 90)}, nil)
	p := bot.Post{Key: "k", Target: "mastodon", Text: "t", Images: []bot.Image{{Source: photoPath, Alt: "a"}}}
	mc.Post(context.Background(), p)
	mc.advance(MediaReuse + time.Minute)
	if _, err := mc.Post(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if m.uploads != 2 || m.mediaGETs != 0 {
		t.Errorf("%d uploads, %d media GETs; want 2, 0", m.uploads, m.mediaGETs)
	}
}

func TestMediaRefusals(t *testing.T) {
	cases := []struct {
		name        string
		uploadMode  string
		processFail bool
		source      string
		alt         string
		want        string
		wantMsg     []string
		textOnly    string
	}{
		{name: "content type refused (422)", uploadMode: "422", want: "permanent",
			wantMsg: []string{`image "kemian-päivä.jpg"`, "HTTP 422", "File content type is invalid", "refused the image"}, textOnly: "sent"},
		{name: "too large for the proxy (413)", uploadMode: "413", want: "permanent",
			wantMsg: []string{`image "kemian-päivä.jpg"`, "HTTP 413", "Request Entity Too Large"}, textOnly: "sent"},
		{name: "processing failed", processFail: true, want: "permanent",
			wantMsg: []string{`image "kemian-päivä.jpg"`, "Error processing thumbnail"}, textOnly: "sent"},
		{name: "description over the limit", alt: strings.Repeat("å", 1501), want: "permanent",
			wantMsg: []string{`image "kemian-päivä.jpg"`, "1501 characters", "at most 1500"}, textOnly: "sent"},
		{name: "not an image", source: "/srv/lumobot/muistio.txt", want: "permanent",
			wantMsg: []string{`image "muistio.txt"`, "not a JPEG"}, textOnly: "sent"},
		{name: "token lacks write:media (403)", uploadMode: "403", want: "permanent",
			wantMsg: []string{"HTTP 403", "write:media"}, textOnly: "permanent"},
		{name: "server unavailable (503)", uploadMode: "503", want: "retryable",
			wantMsg: []string{"HTTP 503"}, textOnly: "retryable"},
	}
	for _, tc := range cases {
		for _, textOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/text_only=%v", tc.name, textOnly), func(t *testing.T) {
				m, srv := newMediaServer(t)
				m.uploadMode, m.processFail = tc.uploadMode, tc.processFail
				if tc.processFail {
					m.processFor = 1 // 202, then the poll finds it failed
				}
				files := map[string][]byte{photoPath: platformtest.Photo(t, 64, 48, 90), "/srv/lumobot/muistio.txt": []byte("muistio")}
				mc := newMediaClient(t, srv, files, nil)
				src, alt := photoPath, "Kuva"
				if tc.source != "" {
					src = tc.source
				}
				if tc.alt != "" {
					alt = tc.alt
				}
				p := bot.Post{Key: "k", Target: "mastodon", Text: "Tervetuloa!", TextOnly: textOnly, Images: []bot.Image{{Source: src, Alt: alt}}}
				_, err := mc.Post(context.Background(), p)
				want := tc.want
				if textOnly {
					want = tc.textOnly
				}
				if got := platformtest.Outcome(err); got != want {
					t.Fatalf("outcome %s (%v), want %s", got, err, want)
				}
				if err != nil {
					for _, s := range tc.wantMsg {
						if !strings.Contains(err.Error(), s) {
							t.Errorf("error %q lacks %q", err, s)
						}
					}
					if !strings.HasPrefix(err.Error(), "mastodon: ") {
						t.Errorf("error %q does not start with \"mastodon: \"", err)
					}
					if len(m.statuses) != 0 {
						t.Errorf("a status was posted although the delivery failed")
					}
					platformtest.CheckNoSecrets(t, "error", err.Error(), token)
					return
				}
				if len(m.statuses) != 1 || len(statusMedia(m.statuses[0])) != 0 {
					t.Fatalf("statuses %v, want the text alone", m.statuses)
				}
				if logs := mc.logs.String(); !strings.Contains(logs, `"level":"WARN"`) || !strings.Contains(logs, "text_only") {
					t.Errorf("no warning for the image left out: %s", logs)
				}
			})
		}
	}
}

// The instance's media limits are kept with its status limits, so that a
// later run's preview knows them without asking.
func TestMediaLimitsCached(t *testing.T) {
	_, srv := newMediaServer(t)
	cache := &platformtest.MemCache{}
	c := newMediaClient(t, srv, nil, cache)
	if err := c.Prepare(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv.Close()
	later := newMediaClient(t, srv, nil, cache)
	l := later.MediaLimits(context.Background())
	if l.MaxBytes != 60000 || l.MaxPixels != 120000 || len(l.Types) != 7 || l.Types[0] != "image/jpeg" {
		t.Errorf("cached limits %+v", l)
	}
	if n := later.AltLimit(context.Background()); n != 1500 {
		t.Errorf("alt limit %d", n)
	}

	// An instance that does not say (before Mastodon 4.4 no
	// description_limit; v1 servers nothing): Mastodon's defaults.
	m2, srv2 := newMediaServer(t)
	m2.instance = `{"configuration":{"statuses":{"max_characters":500,"characters_reserved_per_url":23}}}`
	c2 := newMediaClient(t, srv2, nil, nil)
	c2.Prepare(context.Background())
	l = c2.MediaLimits(context.Background())
	if l.MaxBytes != DefaultImageSizeLimit || l.MaxPixels != DefaultImageMatrixLimit || l.Types != nil || c2.AltLimit(context.Background()) != 1500 {
		t.Errorf("defaults %+v, alt %d", l, c2.AltLimit(context.Background()))
	}
}
