package x_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/platformtest"
	"github.com/lumohanke/lumobot/bot/platform/x"
)

// Answers of the media endpoints as docs.x.com shows them (POST
// /2/media/upload, POST /2/media/metadata) and error bodies in X's problem
// shape.
const (
	bodyBadMedia = `{"errors":[{"message":"media type unrecognized.","title":"Invalid Request","detail":"media type unrecognized.","type":"https://api.twitter.com/2/problems/invalid-request"}],` +
		`"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request","status":400}`
	bodyTooLarge         = `{"title":"Payload Too Large","detail":"The media file exceeds the size limit for this media category.","type":"about:blank","status":413}`
	bodyBadAlt           = `{"errors":[{"message":"Alt text must be 1000 characters or less."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request","status":400}`
	bodyMediaUnavailable = `{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}`
)

// upload is one image X received.
type upload struct {
	Category, PartType, FileName string
	Data                         []byte
}

// mediaX answers like X for uploads, metadata and posts, keeping what it
// was sent. Modes say how an endpoint answers: "" as documented, else the
// status to refuse with ("400", "413", "401", "503"); tweetModes is used up
// one answer at a time, then posts succeed.
type mediaX struct {
	t  *testing.T
	mu sync.Mutex

	uploadMode, metaMode string
	tweetModes           []string
	expires              int // expires_after_secs given; 0: left out

	uploads []upload
	alts    map[string]string // media id → alt text
	tweets  []map[string]any
	nextID  int
}

func (m *mediaX) answer(f **fakeX) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		m.mu.Lock()
		defer m.mu.Unlock()
		rq := (*f).requests()[n-1]
		switch rq.Path {
		case "/2/media/upload":
			if m.uploadMode != "" {
				m.refuse(w, m.uploadMode, bodyBadMedia)
				return
			}
			up := m.parseUpload(rq)
			m.uploads = append(m.uploads, up)
			m.nextID++
			id := fmt.Sprintf("18800281060205158%02d", m.nextID)
			exp := ""
			if m.expires > 0 {
				exp = fmt.Sprintf(`,"expires_after_secs":%d`, m.expires)
			}
			// The media endpoint's own window: not the posting quota.
			w.Header().Set("x-rate-limit-limit", "500")
			w.Header().Set("x-rate-limit-remaining", "0")
			w.Header().Set("x-rate-limit-reset", unix(now.Add(time.Hour)))
			reply(200, fmt.Sprintf(`{"data":{"id":%q,"media_key":"3_%s","size":%d%s,"image":{"image_type":%q,"w":1,"h":1}}}`,
				id, id, len(up.Data), exp, up.PartType))(w, r, n)
		case "/2/media/metadata":
			if m.metaMode != "" {
				m.refuse(w, m.metaMode, bodyBadAlt)
				return
			}
			var in struct {
				ID       string `json:"id"`
				Metadata struct {
					AltText struct {
						Text string `json:"text"`
					} `json:"alt_text"`
				} `json:"metadata"`
			}
			if err := json.Unmarshal([]byte(rq.Body), &in); err != nil || rq.ContentType != "application/json" {
				m.t.Errorf("metadata body %s (%s): %v", rq.Body, rq.ContentType, err)
			}
			m.alts[in.ID] = in.Metadata.AltText.Text
			reply(200, fmt.Sprintf(`{"data":{"associated_metadata":{"alt_text":{"text":%q}},"id":%q}}`, in.Metadata.AltText.Text, in.ID))(w, r, n)
		case "/2/tweets":
			var body map[string]any
			if err := json.Unmarshal([]byte(rq.Body), &body); err != nil {
				m.t.Errorf("tweet body %s: %v", rq.Body, err)
			}
			m.tweets = append(m.tweets, body)
			if len(m.tweetModes) > 0 {
				mode := m.tweetModes[0]
				m.tweetModes = m.tweetModes[1:]
				m.refuse(w, mode, bodyServerError)
				return
			}
			reply(201, bodyCreated, "x-rate-limit-limit", "100", "x-rate-limit-remaining", "99", "x-rate-limit-reset", unix(now.Add(15*time.Minute)))(w, r, n)
		default:
			reply(404, `{"title":"Not Found Error","detail":"Sorry, that page does not exist.","type":"https://api.twitter.com/2/problems/resource-not-found"}`)(w, r, n)
		}
	}
}

func (m *mediaX) refuse(w http.ResponseWriter, mode, body string) {
	switch mode {
	case "413":
		body = bodyTooLarge
	case "401":
		body = bodyUnauthorized
	case "503":
		body = bodyMediaUnavailable
	}
	var status int
	fmt.Sscan(mode, &status)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// parseUpload reads a simple upload's multipart body.
func (m *mediaX) parseUpload(rq request) upload {
	var up upload
	mt, params, err := mime.ParseMediaType(rq.ContentType)
	if err != nil || mt != "multipart/form-data" {
		m.t.Errorf("upload Content-Type %q, want multipart/form-data", rq.ContentType)
		return up
	}
	mr := multipart.NewReader(strings.NewReader(rq.Body), params["boundary"])
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			m.t.Errorf("upload body: %v", err)
			break
		}
		data, _ := io.ReadAll(part)
		switch part.FormName() {
		case "media_category":
			up.Category = string(data)
		case "media":
			up.PartType, up.FileName, up.Data = part.Header.Get("Content-Type"), part.FileName(), data
		default:
			m.t.Errorf("upload has an unexpected field %q", part.FormName())
		}
	}
	return up
}

type mediaEnv struct {
	m      *mediaX
	srv    *fakeX
	c      *x.Client
	loader *platformtest.Loader
	cache  *platformtest.MemCache
	logs   *platformtest.LogBuffer
	clock  *time.Time
}

func newMediaEnv(t *testing.T, files map[string][]byte) *mediaEnv {
	t.Helper()
	e := &mediaEnv{m: &mediaX{t: t, alts: map[string]string{}, expires: 86400},
		loader: &platformtest.Loader{Files: files}, cache: &platformtest.MemCache{}}
	e.srv = newFakeX(t, e.m.answer(&e.srv))
	clock := now
	e.clock = &clock
	var logger *slog.Logger
	logger, e.logs = platformtest.CaptureLog()
	c, err := x.New(x.Options{
		APIURL:      e.srv.URL,
		ConsumerKey: consumerKey, ConsumerSecret: consumerSecret,
		AccessToken: accessToken, AccessTokenSecret: tokenSecret,
		Now:   func() time.Time { return *e.clock },
		Media: e.loader, Cache: e.cache,
	}, logger, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.c = c
	return e
}

func (e *mediaEnv) paths() []string {
	var ps []string
	for _, r := range e.srv.requests() {
		ps = append(ps, r.Path)
	}
	return ps
}

// mediaIDs is the media.media_ids of a post body.
func mediaIDs(body map[string]any) []string {
	m, _ := body["media"].(map[string]any)
	raw, _ := m["media_ids"].([]any)
	var ids []string
	for _, v := range raw {
		s, _ := v.(string)
		ids = append(ids, s)
	}
	return ids
}

const (
	photoPath = "/srv/lumobot/kuvat/kemian-paiva.jpg"
	photoURL  = "https://lumohanke.fi/kuvat/ilta.jpg?token=abc"
)

func TestPostWithImages(t *testing.T) {
	photo := platformtest.WithExif(t, platformtest.Photo(t, 640, 480, 95))
	e := newMediaEnv(t, map[string][]byte{photoPath: photo, photoURL: platformtest.Photo(t, 200, 300, 90)})
	p := bot.Post{Key: "announcement:kemia:1", Target: "x", Text: "Kemian päivä! #LUMOhanke",
		Images: []bot.Image{{Source: photoPath, Alt: "Oppilaat tekevät liekkikokeita."}, {Source: photoURL, Alt: "Punakaalin pH-värit koeputkissa."}}}
	r, err := e.c.Post(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if r.ID != "1445880548472328192" {
		t.Errorf("receipt %+v", r)
	}
	want := []string{"/2/media/upload", "/2/media/metadata", "/2/media/upload", "/2/media/metadata", "/2/tweets"}
	if got := e.paths(); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("requests %v, want %v", got, want)
	}
	for i, rq := range e.srv.requests() {
		if rq.SigErr != nil { // newFakeX checks every request's OAuth 1.0a header
			t.Errorf("request %d (%s): %v", i, rq.Path, rq.SigErr)
		}
	}
	limits := e.c.MediaLimits(context.Background())
	for i, up := range e.m.uploads {
		if up.Category != "tweet_image" || up.PartType != "image/jpeg" {
			t.Errorf("upload %d: media_category %q, part type %q; want tweet_image, image/jpeg", i, up.Category, up.PartType)
		}
		platformtest.CheckImage(t, fmt.Sprintf("upload %d", i), up.Data, limits)
	}
	if e.m.uploads[0].FileName != "kemian-paiva.jpg" || e.m.uploads[1].FileName != "ilta.jpg" {
		t.Errorf("file names %q, %q", e.m.uploads[0].FileName, e.m.uploads[1].FileName)
	}
	ids := mediaIDs(e.m.tweets[0])
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("post body %v, want two media ids", e.m.tweets[0])
	}
	for i, id := range ids {
		if got := e.m.alts[id]; got != p.Images[i].Alt {
			t.Errorf("alt of %s (image %d) = %q, want %q", id, i, got, p.Images[i].Alt)
		}
	}
	if e.m.tweets[0]["text"] != p.Text {
		t.Errorf("text %v", e.m.tweets[0]["text"])
	}
	// The media endpoint's exhausted window is not the posting quota.
	if q := e.c.Quota(); q.Window.Remaining != 99 {
		t.Errorf("quota window %+v, want the post's answer (99 left)", q.Window)
	}
}

// A failed post is retried with the media the first attempt uploaded; once
// X would have dropped them, they are uploaded again.
func TestRetryReusesMedia(t *testing.T) {
	e := newMediaEnv(t, map[string][]byte{photoPath: platformtest.Photo(t, 320, 240, 90)})
	e.m.tweetModes = []string{"503", "503"}
	p := bot.Post{Key: "reminder:ilta:1d", Target: "x", Text: "Huomenna LUMO-ilta",
		Images: []bot.Image{{Source: photoPath, Alt: "Kirjaston sali"}}}
	_, err := e.c.Post(context.Background(), p)
	if got := platformtest.Outcome(err); got != "retryable" {
		t.Fatalf("first attempt: %s (%v), want retryable", got, err)
	}
	*e.clock = e.clock.Add(10 * time.Minute)
	_, err = e.c.Post(context.Background(), p)
	if got := platformtest.Outcome(err); got != "retryable" {
		t.Fatalf("second attempt: %s (%v), want retryable", got, err)
	}
	if n := len(e.m.uploads); n != 1 {
		t.Fatalf("%d uploads after the retry, want 1: %v", n, e.paths())
	}
	if len(e.m.alts) != 1 {
		t.Errorf("alt text set %d times, want once", len(e.m.alts))
	}
	first, second := mediaIDs(e.m.tweets[0]), mediaIDs(e.m.tweets[1])
	if len(first) != 1 || len(second) != 1 || first[0] != second[0] {
		t.Fatalf("media ids %v then %v, want the same one", first, second)
	}
	// A day later (expires_after_secs 86400) the id is X's no more.
	*e.clock = e.clock.Add(24 * time.Hour)
	if _, err := e.c.Post(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if n := len(e.m.uploads); n != 2 {
		t.Fatalf("%d uploads after the id expired, want 2", n)
	}
	if third := mediaIDs(e.m.tweets[2]); len(third) != 1 || third[0] == first[0] {
		t.Errorf("third attempt posted with %v, want a new id", third)
	}
}

// Without expires_after_secs X gives no lifetime: the id is not reused.
func TestNoExpiryNoReuse(t *testing.T) {
	e := newMediaEnv(t, map[string][]byte{photoPath: platformtest.Photo(t, 64, 48, 90)})
	e.m.expires = 0
	e.m.tweetModes = []string{"503"}
	p := bot.Post{Key: "k", Target: "x", Text: "t", Images: []bot.Image{{Source: photoPath, Alt: "a"}}}
	e.c.Post(context.Background(), p)
	if _, err := e.c.Post(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if n := len(e.m.uploads); n != 2 {
		t.Errorf("%d uploads, want 2", n)
	}
}

func TestImageProblems(t *testing.T) {
	files := map[string][]byte{
		photoPath:                      platformtest.Photo(t, 64, 48, 90),
		"/srv/lumobot/kuvat/esite.pdf": []byte("%PDF-1.7\n"),
	}
	cases := []struct {
		name       string
		image      bot.Image
		uploadMode string
		metaMode   string
		want       string   // outcome without TextOnly
		wantMsg    []string // in the error
		textOnly   string   // outcome with TextOnly
	}{
		{name: "not an image", image: bot.Image{Source: "/srv/lumobot/kuvat/esite.pdf", Alt: "Esite"},
			want: "permanent", wantMsg: []string{`image "esite.pdf"`, "not a JPEG, PNG, GIF or WebP image"}, textOnly: "sent"},
		{name: "missing file", image: bot.Image{Source: "/srv/lumobot/kuvat/puuttuu.jpg", Alt: "Ei ole"},
			want: "permanent", wantMsg: []string{`image "puuttuu.jpg"`, "file does not exist"}, textOnly: "sent"},
		{name: "alt over 1000 characters", image: bot.Image{Source: photoPath, Alt: strings.Repeat("ä", 1001)},
			want: "permanent", wantMsg: []string{`image "kemian-paiva.jpg"`, "1001 characters", "at most 1000"}, textOnly: "sent"},
		{name: "X refuses the media (400)", image: bot.Image{Source: photoPath, Alt: "Kuva"}, uploadMode: "400",
			want: "permanent", wantMsg: []string{`image "kemian-paiva.jpg"`, "invalid request (400)", "media type unrecognized."}, textOnly: "sent"},
		{name: "X refuses the size (413)", image: bot.Image{Source: photoPath, Alt: "Kuva"}, uploadMode: "413",
			want: "permanent", wantMsg: []string{`image "kemian-paiva.jpg"`, "status 413", "exceeds the size limit"}, textOnly: "sent"},
		{name: "X refuses the alt text (400)", image: bot.Image{Source: photoPath, Alt: "Kuva"}, metaMode: "400",
			want: "permanent", wantMsg: []string{`image "kemian-paiva.jpg"`, "set alt text", "Alt text must be 1000 characters or less."}, textOnly: "sent"},
		// Not about the image: text_only does not post without it.
		{name: "credentials refused (401)", image: bot.Image{Source: photoPath, Alt: "Kuva"}, uploadMode: "401",
			want: "permanent", wantMsg: []string{"upload image: unauthorized (401)"}, textOnly: "permanent"},
		{name: "upload unavailable (503)", image: bot.Image{Source: photoPath, Alt: "Kuva"}, uploadMode: "503",
			want: "retryable", wantMsg: []string{"upload image: status 503"}, textOnly: "retryable"},
	}
	for _, tc := range cases {
		for _, textOnly := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/text_only=%v", tc.name, textOnly), func(t *testing.T) {
				e := newMediaEnv(t, files)
				e.m.uploadMode, e.m.metaMode = tc.uploadMode, tc.metaMode
				p := bot.Post{Key: "announcement:x:1", Target: "x", Text: "Tervetuloa! #LUMOhanke", TextOnly: textOnly,
					Images: []bot.Image{tc.image}}
				_, err := e.c.Post(context.Background(), p)
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
					if !strings.HasPrefix(err.Error(), "x: ") {
						t.Errorf("error %q does not start with \"x: \"", err)
					}
					if len(e.m.tweets) != 0 {
						t.Errorf("posted %v although the delivery failed", e.m.tweets)
					}
					platformtest.CheckNoSecrets(t, "error", err.Error(), secrets...)
					return
				}
				if len(e.m.tweets) != 1 || len(mediaIDs(e.m.tweets[0])) != 0 || e.m.tweets[0]["text"] != p.Text {
					t.Fatalf("posts %v, want the text alone", e.m.tweets)
				}
				if _, has := e.m.tweets[0]["media"]; has {
					t.Errorf("post body %v has a media field", e.m.tweets[0])
				}
				logs := e.logs.String()
				if !strings.Contains(logs, `"level":"WARN"`) || !strings.Contains(logs, "text_only") || !strings.Contains(logs, attachName(tc.image.Source)) {
					t.Errorf("no warning naming the image left out: %s", logs)
				}
			})
		}
	}
}

func attachName(source string) string { return source[strings.LastIndexByte(source, '/')+1:] }

// One image refused, the other kept: text_only leaves out only the first.
func TestTextOnlyKeepsTheOthers(t *testing.T) {
	e := newMediaEnv(t, map[string][]byte{photoPath: platformtest.Photo(t, 64, 48, 90), "/x/rikki.jpg": []byte("\xff\xd8\xff\xe0 broken")})
	p := bot.Post{Key: "k", Target: "x", Text: "Kuvia", TextOnly: true,
		Images: []bot.Image{{Source: "/x/rikki.jpg", Alt: "Rikki"}, {Source: photoPath, Alt: "Ehjä"}}}
	if _, err := e.c.Post(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	ids := mediaIDs(e.m.tweets[0])
	if len(ids) != 1 || e.m.alts[ids[0]] != "Ehjä" {
		t.Errorf("posted with %v (alts %v), want the intact image only", ids, e.m.alts)
	}
}

func TestNoLoader(t *testing.T) {
	srv := newFakeX(t, reply(201, bodyCreated))
	c := newClient(t, srv.URL, nil, nil)
	_, err := c.Post(context.Background(), bot.Post{Key: "k", Text: "t", Images: []bot.Image{{Source: photoPath, Alt: "a"}}})
	if platformtest.Outcome(err) != "permanent" || !strings.Contains(err.Error(), "media loader") {
		t.Fatalf("got %s (%v), want a permanent wiring error", platformtest.Outcome(err), err)
	}
	if n := len(srv.requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

func TestMediaLimits(t *testing.T) {
	c := newClient(t, "https://api.x.com", nil, nil)
	l := c.MediaLimits(context.Background())
	if l.MaxBytes != 5<<20 || l.MaxWidth != 8192 || l.MaxHeight != 8192 {
		t.Errorf("limits %+v", l)
	}
	if n := c.AltLimit(context.Background()); n != 1000 {
		t.Errorf("alt limit %d", n)
	}
}
