package main

// Fault tests of delivery (issue "Delivery you can trust"): the real binary
// against local fakes of Mastodon, X and Bluesky that fail, lose answers,
// throttle and hang, while the process is killed and restarted. Helpers
// shared by crash_test.go, faults_test.go and badinput_test.go live here and
// carry the dlv prefix.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media/mediatest"
	"github.com/lumohanke/lumobot/bot/platform/bluesky"
	"github.com/lumohanke/lumobot/bot/store"
)

const (
	dlvDID      = "did:plc:lumohankefaketest"
	dlvHandle   = "lumohanke.test"
	dlvPassword = "abcd-efgh-ijkl-mnop"
)

// dlvPost is one post a fake platform holds.
type dlvPost struct {
	ID, Key, Text string
	At            time.Time
	Media         []dlvMedia // the images attached (media_fake_test.go)
}

// dlvReq is one request a fake platform received.
type dlvReq struct {
	At       time.Time
	Platform string // mastodon | x | bluesky
	Path     string
	Outcome  string // ok | fail | lost | dup | 429 | hook
}

// dlvFake answers like Mastodon (/api/...), X (/2/tweets) and a Bluesky PDS
// (/xrpc/...) on one server, keeps what was posted, and injects faults:
// FailP of requests answer 500 before anything is recorded, LoseP are
// recorded and then answered 502 or with a closed connection.
type dlvFake struct {
	t *testing.T

	mu           sync.Mutex
	rng          *rand.Rand
	FailP, LoseP float64
	Latency      time.Duration // up to this before handling and again before answering
	// Hook, when set, sees every request first; returning true means it
	// answered. It is called without the lock held.
	Hook func(platform string, w http.ResponseWriter, r *http.Request) bool
	// IgnoreIdempotency makes the Mastodon fake create a new status for a
	// repeated Idempotency-Key (for proving the crash test can fail).
	IgnoreIdempotency bool
	// AccessTTL expires Bluesky access tokens (0: never), so that the
	// client has to refresh its session.
	AccessTTL time.Duration

	reqs []dlvReq

	statuses []dlvPost      // Mastodon, in creation order
	idem     map[string]int // Idempotency-Key → index in statuses

	tweets []dlvPost // X, in creation order

	media       mediaState
	recordMedia map[string][]dlvMedia // Bluesky rkey → images of the record
	records     map[string]string     // Bluesky rkey → text
	recordOrder []string
	recordAt    map[string]time.Time // rkey → first written
	access      map[string]time.Time // access token → issued
	refresh     map[string]bool
	seq         int
	creates     int
	refreshes   int
	unanswered  atomic.Int32 // recorded, answer not yet written
}

func newDlvFake(t *testing.T, seed uint64) (*dlvFake, *httptest.Server) {
	f := &dlvFake{t: t, rng: rand.New(rand.NewPCG(seed, seed^0x5eed)), idem: map[string]int{},
		records: map[string]string{}, recordMedia: map[string][]dlvMedia{}, recordAt: map[string]time.Time{}, access: map[string]time.Time{}, refresh: map[string]bool{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func (f *dlvFake) roll() (fail, lose bool, pause time.Duration, hijack bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	x := f.rng.Float64()
	fail = x < f.FailP
	lose = !fail && x < f.FailP+f.LoseP
	if f.Latency > 0 {
		pause = time.Duration(f.rng.Int64N(int64(f.Latency)))
	}
	hijack = f.rng.IntN(2) == 0
	return
}

func (f *dlvFake) log(platform, path, outcome string) {
	f.mu.Lock()
	f.reqs = append(f.reqs, dlvReq{At: time.Now(), Platform: platform, Path: path, Outcome: outcome})
	f.mu.Unlock()
}

// Requests returns the requests received so far.
func (f *dlvFake) Requests() []dlvReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]dlvReq(nil), f.reqs...)
}

// Posts returns what each platform holds: mastodon and x in creation order,
// bluesky by record key order of first write.
func (f *dlvFake) Posts() map[string][]dlvPost {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string][]dlvPost{
		"mastodon": append([]dlvPost(nil), f.statuses...),
		"x":        append([]dlvPost(nil), f.tweets...),
	}
	for _, rkey := range f.recordOrder {
		out["bluesky"] = append(out["bluesky"], dlvPost{ID: rkey, Key: rkey, Text: f.records[rkey], At: f.recordAt[rkey], Media: f.recordMedia[rkey]})
	}
	return out
}

func dlvPlatform(path string) string {
	switch {
	case strings.HasPrefix(path, "/api/"):
		return "mastodon"
	case strings.HasPrefix(path, "/2/"):
		return "x"
	case strings.HasPrefix(path, "/xrpc/"):
		return "bluesky"
	}
	return "?"
}

func (f *dlvFake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	platform := dlvPlatform(r.URL.Path)
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(strings.NewReader(string(body)))
	if f.Hook != nil && f.Hook(platform, w, r) {
		f.log(platform, r.URL.Path, "hook")
		return
	}
	fail, lose, pause, hijack := f.roll()
	time.Sleep(pause)
	if fail {
		f.log(platform, r.URL.Path, "fail")
		http.Error(w, `{"error":"Internal Server Error"}`, http.StatusInternalServerError)
		return
	}
	// record, then answer (or lose the answer)
	status, answer, outcome := f.handle(platform, r, body)
	if lose && status/100 == 2 {
		f.log(platform, r.URL.Path, "lost")
		f.unanswered.Add(1)
		time.Sleep(pause)
		defer f.unanswered.Add(-1)
		if hijack {
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		http.Error(w, "Bad Gateway", http.StatusBadGateway)
		return
	}
	if status/100 == 2 {
		// The dangerous window: recorded, not yet answered.
		f.unanswered.Add(1)
		time.Sleep(pause)
		f.unanswered.Add(-1)
	}
	f.log(platform, r.URL.Path, outcome)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

// handle does what the real platform would and returns the answer.
func (f *dlvFake) handle(platform string, r *http.Request, body []byte) (int, string, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if status, answer, outcome, ok := f.handleMedia(r, body); ok {
		return status, answer, outcome
	}
	switch {
	case r.Method == http.MethodGet && (r.URL.Path == "/api/v2/instance" || r.URL.Path == "/api/v1/instance"):
		limit := f.media.MastodonImageLimit
		if limit == 0 {
			limit = 16 << 20
		}
		return 200, fmt.Sprintf(`{"domain":"mastodon.test","configuration":{"statuses":{"max_characters":500,"max_media_attachments":4,"characters_reserved_per_url":23},`+
			`"media_attachments":{"supported_mime_types":["image/jpeg","image/png","image/gif","image/webp"],"image_size_limit":%d,"image_matrix_limit":33177600,"description_limit":1500}}}`, limit), "ok"
	case r.Method == http.MethodPost && r.URL.Path == "/api/v1/statuses":
		if r.Header.Get("Authorization") != "Bearer mastodon-token" {
			return 401, `{"error":"The access token is invalid"}`, "401"
		}
		var in struct {
			Status   string   `json:"status"`
			MediaIDs []string `json:"media_ids"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.Status == "" {
			return 422, `{"error":"Validation failed: Text can't be blank"}`, "422"
		}
		key := r.Header.Get("Idempotency-Key")
		if i, ok := f.idem[key]; ok && key != "" && !f.IgnoreIdempotency {
			return 200, f.statusJSON(f.statuses[i]), "ok-idem"
		}
		for _, id := range in.MediaIDs {
			if md := f.media.uploads[id]; md != nil && md.polls < 2 {
				return 422, `{"error":"Cannot attach files that have not finished processing. Try again in a moment!"}`, "422"
			}
		}
		media, err := f.attached(in.MediaIDs, nil)
		if err != nil {
			return 422, `{"error":"Validation failed: media not found"}`, "422"
		}
		p := dlvPost{ID: strconv.Itoa(110000000 + len(f.statuses)), Key: key, Text: in.Status, At: time.Now(), Media: media}
		f.statuses = append(f.statuses, p)
		f.idem[key] = len(f.statuses) - 1
		return 200, f.statusJSON(p), "ok"
	case r.Method == http.MethodPost && r.URL.Path == "/2/tweets":
		if !strings.HasPrefix(r.Header.Get("Authorization"), "OAuth ") {
			return 401, `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`, "401"
		}
		var in struct {
			Text  string `json:"text"`
			Media struct {
				MediaIDs []string `json:"media_ids"`
			} `json:"media"`
		}
		if err := json.Unmarshal(body, &in); err != nil || in.Text == "" {
			return 400, `{"title":"Invalid Request","detail":"One or more parameters to your request was invalid."}`, "400"
		}
		media, err := f.attached(in.Media.MediaIDs, nil)
		if err != nil {
			return 400, `{"errors":[{"parameters":{"media.media_ids":["0"]},"message":"Your media IDs are invalid."}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}`, "400"
		}
		for _, tw := range f.tweets {
			if tw.Text == in.Text {
				return 403, `{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}`, "dup"
			}
		}
		p := dlvPost{ID: strconv.Itoa(1790000000000000000 + len(f.tweets)), Text: in.Text, At: time.Now(), Media: media}
		f.tweets = append(f.tweets, p)
		b, _ := json.Marshal(map[string]any{"data": map[string]any{"id": p.ID, "text": p.Text, "edit_history_tweet_ids": []string{p.ID}}})
		return 201, string(b), "ok"
	case r.URL.Path == "/xrpc/com.atproto.server.createSession":
		var in struct{ Identifier, Password string }
		json.Unmarshal(body, &in)
		if in.Identifier != dlvHandle || in.Password != dlvPassword {
			return 401, `{"error":"AuthenticationRequired","message":"Invalid identifier or password"}`, "401"
		}
		f.creates++
		return 200, f.session(), "ok"
	case r.URL.Path == "/xrpc/com.atproto.server.refreshSession":
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !f.refresh[tok] {
			return 400, `{"error":"ExpiredToken","message":"Token has been revoked"}`, "400"
		}
		delete(f.refresh, tok)
		f.refreshes++
		return 200, f.session(), "ok"
	case r.URL.Path == "/xrpc/com.atproto.server.getSession":
		if code, msg := f.checkAccess(r); code != 0 {
			return code, msg, strconv.Itoa(code)
		}
		return 200, fmt.Sprintf(`{"handle":%q,"did":%q,"active":true}`, dlvHandle, dlvDID), "ok"
	case r.URL.Path == "/xrpc/com.atproto.repo.putRecord":
		if code, msg := f.checkAccess(r); code != 0 {
			return code, msg, strconv.Itoa(code)
		}
		var in struct {
			Repo, Collection, Rkey string
			Record                 struct {
				Type      string `json:"$type"`
				Text      string `json:"text"`
				CreatedAt string `json:"createdAt"`
				Embed     *struct {
					Type   string `json:"$type"`
					Images []struct {
						Image struct {
							Ref struct {
								Link string `json:"$link"`
							} `json:"ref"`
						} `json:"image"`
						Alt         string `json:"alt"`
						AspectRatio struct{ Width, Height int }
					} `json:"images"`
				} `json:"embed"`
			}
		}
		if err := json.Unmarshal(body, &in); err != nil || in.Repo != dlvDID || in.Collection != "app.bsky.feed.post" ||
			len(in.Rkey) != 13 || in.Record.Type != "app.bsky.feed.post" || in.Record.CreatedAt == "" {
			return 400, `{"error":"InvalidRequest","message":"Invalid record"}`, "400"
		}
		var ids, alts []string
		var ratios [][2]int
		if e := in.Record.Embed; e != nil && e.Type == "app.bsky.embed.images" {
			for _, im := range e.Images {
				ids, alts = append(ids, im.Image.Ref.Link), append(alts, im.Alt)
				ratios = append(ratios, [2]int{im.AspectRatio.Width, im.AspectRatio.Height})
			}
		}
		media, err := f.attached(ids, alts)
		if err != nil {
			return 400, `{"error":"InvalidRequest","message":"Could not find blob"}`, "400"
		}
		for i := range media {
			media[i].AspectW, media[i].AspectH = ratios[i][0], ratios[i][1]
		}
		if _, ok := f.records[in.Rkey]; !ok {
			f.recordOrder = append(f.recordOrder, in.Rkey)
			f.recordAt[in.Rkey] = time.Now()
		}
		f.records[in.Rkey] = in.Record.Text // putRecord overwrites
		f.recordMedia[in.Rkey] = media
		return 200, fmt.Sprintf(`{"uri":"at://%s/app.bsky.feed.post/%s","cid":"bafyreifake%d","commit":{"cid":"bafyreic","rev":"3l"},"validationStatus":"valid"}`,
			dlvDID, in.Rkey, len(f.records)), "ok"
	}
	return 404, `{"error":"not found"}`, "404"
}

func (f *dlvFake) statusJSON(p dlvPost) string {
	b, _ := json.Marshal(map[string]any{"id": p.ID, "content": "<p>" + p.Text + "</p>", "visibility": "public",
		"uri": "https://mastodon.test/users/lumo/statuses/" + p.ID, "url": "https://mastodon.test/@lumo/" + p.ID,
		"created_at": p.At.UTC().Format(time.RFC3339)})
	return string(b)
}

// session issues opaque tokens (no readable exp: the client learns that
// one expired from the server's 400 ExpiredToken). f.mu is held.
func (f *dlvFake) session() string {
	f.seq++
	a, r := fmt.Sprintf("access-%d", f.seq), fmt.Sprintf("refresh-%d", f.seq)
	f.access[a] = time.Now()
	f.refresh[r] = true
	return fmt.Sprintf(`{"accessJwt":%q,"refreshJwt":%q,"handle":%q,"did":%q,"active":true}`, a, r, dlvHandle, dlvDID)
}

func (f *dlvFake) checkAccess(r *http.Request) (int, string) {
	tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
	issued, ok := f.access[tok]
	if !ok {
		return 400, `{"error":"InvalidToken","message":"Token could not be verified"}`
	}
	if f.AccessTTL > 0 && time.Since(issued) > f.AccessTTL {
		return 400, `{"error":"ExpiredToken","message":"Token has expired"}`
	}
	return 0, ""
}

// dlvTargets is the YAML of the three platform targets on srv.
func dlvTargets(url string, timeout string) string {
	return fmt.Sprintf(`targets:
  - name: mastodon
    type: mastodon
    server: %[1]s
    access_token: mastodon-token
    timeout: %[2]s
    max_per_hour: 0 # the test posts a burst on purpose
  - name: x
    type: x
    api_url: %[1]s
    consumer_key: ck
    consumer_secret: cs
    access_token: at
    access_token_secret: ats
    timeout: %[2]s
    max_per_hour: 0
  - name: bluesky
    type: bluesky
    service: %[1]s
    handle: %[3]s
    app_password: %[4]s
    timeout: %[2]s
    max_per_hour: 0
`, url, timeout, dlvHandle, dlvPassword)
}

// dlvProc is a lumobot daemon started by a test.
type dlvProc struct {
	cmd     *exec.Cmd
	started time.Time
	done    chan struct{}
	err     error
}

// dlvStart starts the binary in dir with args, its stderr appended to log.
func dlvStart(t *testing.T, dir, log string, args ...string) *dlvProc {
	t.Helper()
	lf, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "LUMOBOT_HTTP_LISTEN=")
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &dlvProc{cmd: cmd, started: time.Now(), done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); lf.Close(); close(p.done) }()
	t.Cleanup(func() { p.kill() })
	return p
}

func (p *dlvProc) kill() {
	select {
	case <-p.done:
	default:
		p.cmd.Process.Signal(syscall.SIGKILL)
		<-p.done
	}
}

// stop sends SIGTERM and returns the exit code and how long it took; -1
// when the process did not exit within limit (it is then killed).
func (p *dlvProc) stop(limit time.Duration) (int, time.Duration) {
	start := time.Now()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(limit):
		p.kill()
		return -1, time.Since(start)
	}
	return p.cmd.ProcessState.ExitCode(), time.Since(start)
}

// dlvWait polls cond every 50 ms until it holds or d passed.
func dlvWait(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dlvDeliveries reads every delivery of the state file, by target and key;
// the process using it must be gone.
func dlvDeliveries(t *testing.T, path string) map[string]map[string]bot.Delivery {
	t.Helper()
	st, err := store.Open(path, store.Options{Now: time.Now})
	if err != nil {
		t.Fatalf("open state: %v", err)
	}
	defer st.Close()
	ctx := context.Background()
	out := map[string]map[string]bot.Delivery{}
	ended, err := st.Recent(ctx, 100000)
	if err != nil {
		t.Fatal(err)
	}
	counts, err := st.Counts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for target := range counts {
		out[target] = map[string]bot.Delivery{}
		open, err := st.Open(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range open {
			out[target][d.Key] = d
		}
	}
	for _, d := range ended {
		out[d.Target][d.Key] = d
	}
	return out
}

func dlvWrite(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

func dlvTail(path string, n int) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// TestCrashLoopNoLostNoDoubled kills the daemon with SIGKILL at random
// moments while it posts to Mastodon, X and Bluesky fakes that fail 20 % of
// requests and lose 30 % of answers, restarting it every time, and then
// checks that every planned post exists exactly once on every platform,
// nothing else was posted, and the outbox says sent for all.
func TestCrashLoopNoLostNoDoubled(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LUMOBOT_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (LUMOBOT_CRASH_SEED=%d repeats the kill schedule and faults)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))

	fake, srv := newDlvFake(t, seed)
	fake.FailP, fake.LoseP, fake.Latency = 0.20, 0.30, 100*time.Millisecond
	fake.AccessTTL = 3 * time.Second
	fake.IgnoreIdempotency = os.Getenv("LUMOBOT_CRASH_SABOTAGE") == "ignore-idempotency"

	var items []string
	for i := 0; i < 12; i++ {
		items = append(items, fmt.Sprintf("Uutinen %d: kehittäjäryhmä kokoontuu", i))
	}
	feed := &feedServer{items: items}
	fsrv := httptest.NewServer(feed)
	t.Cleanup(fsrv.Close)

	dir := t.TempDir()
	// One announcement carries a photo with EXIF: it must reach every
	// platform once, with its image, never as text alone.
	dlvWrite(t, filepath.Join(dir, "kuva.jpg"), string(mediatest.WithEXIF(mediatest.Photo(1200, 800, int64(seed)), 1)))
	loc, _ := time.LoadLocation("Europe/Helsinki")
	// The announcements fall due during the crash loop, often while the
	// daemon is down (an announcement due before the state's first run is
	// not lumobot's business, so they cannot be in the past already).
	at := func(d time.Duration) string { return time.Now().Add(d).In(loc).Format(time.RFC3339Nano) }
	cfg := fmt.Sprintf(`timezone: Europe/Helsinki
hashtags: ["#LUMOhanke"]
state: state/lumobot.db
schedule:
  poll: "* * * * * *"
  retry_initial: 200ms
  retry_max: 1s
feeds:
  - name: uutiset
    url: %s/feed.xml
    # More than the feed ever holds: a kill before the first poll is saved
    # moves "first sight" to a later poll, when items were added meanwhile;
    # backfill would then rightly leave the oldest out.
    backfill: 100
announcements:
  - id: seuraa-lumoa
    text: "Seuraa LUMOa ja kerro kuulumisesi!"
    at: %s
  - id: koulutus
    text: "Systeemisen lastensuojelun koulutus Äänekoskella"
    link: https://lumo.example/koulutus
    at: %s
    images:
      - path: kuva.jpg
        alt: "Kouluttaja ja osallistujat pöydän ääressä"
  - id: nuoren-aani
    text: "NUOREN ÄÄNI lastensuojelussa 10.6.2021 klo 12–14"
    at: %s
http:
  listen: ""
`, fsrv.URL, at(3*time.Second), at(5*time.Second), at(8*time.Second)) + dlvTargets(srv.URL, "5s")
	dlvWrite(t, filepath.Join(dir, "lumobot.yaml"), cfg)
	logPath := filepath.Join(dir, "lumobot.log")
	statePath := filepath.Join(dir, "state", "lumobot.db")

	expected := map[string]bool{
		"announcement:seuraa-lumoa:once": true, "announcement:koulutus:once": true, "announcement:nuoren-aani:once": true,
	}
	for i := range 12 + 20 {
		expected[fmt.Sprintf("news:uutiset:uutinen-%d", i)] = true
	}
	// With root, the state lives on a small tmpfs that is filled up for
	// lives 8 to 12: a full disk in the middle of the crash loop (issue 18:
	// sent, not recorded, sent again).
	stateDir := filepath.Join(dir, "state")
	filler := ""
	os.MkdirAll(stateDir, 0o700)
	if os.Geteuid() == 0 && exec.Command("mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", stateDir).Run() == nil {
		t.Cleanup(func() { exec.Command("umount", "-l", stateDir).Run() })
		filler = filepath.Join(stateDir, "filler")
	} else {
		t.Log("no tmpfs (not root): the full-disk phase is left out")
	}
	fillDisk := func() {
		f, err := os.Create(filler)
		if err != nil {
			return
		}
		chunk := make([]byte, 64<<10)
		for {
			if _, err := f.Write(chunk); err != nil {
				break
			}
		}
		f.Close()
	}
	start := time.Now()
	kills, inflightKills, fullLives := 0, 0, 0
	for kills < 20 {
		full := filler != "" && kills >= 8 && kills < 13
		p := dlvStart(t, dir, logPath, "run", "--log-format", "json")
		life := time.Duration(150+rng.IntN(1200)) * time.Millisecond
		if full {
			fullLives++
			time.Sleep(life / 3)
			fillDisk() // while it runs: some writes fail in the middle
		}
		select {
		case <-p.done:
			if !full { // a full disk may stop it: that is what it should do
				t.Fatalf("daemon exited on its own (%v) after restart %d:\n%s", p.err, kills, dlvTail(logPath, 20))
			}
		case <-time.After(life):
		}
		if full {
			os.Remove(filler)
		}
		if fake.unanswered.Load() > 0 {
			inflightKills++
		}
		p.kill()
		kills++
		// A new item while the daemon is down: every life has work.
		feed.add(fmt.Sprintf("Uutinen %d: lisätty kaatumisten välissä", 12+kills-1))
	}
	feed.mu.Lock()
	nItems := len(feed.items)
	feed.mu.Unlock()
	if nItems != 12+kills {
		t.Fatalf("feed has %d items, want %d", nItems, 12+kills)
	}
	posts := fake.Posts()
	if fullLives > 0 {
		log := dlvTail(logPath, 100000)
		held := strings.Count(log, "sending is held")
		t.Logf("full disk: %d times sending held, %d sends not recorded at once", held, strings.Count(log, "post sent but not recorded"))
		if held == 0 {
			t.Error("the full disk never held sending")
		}
	}
	t.Logf("%d SIGKILLs in %s (%d with a post recorded by a platform but not yet answered, %d lives with the disk filled); by then mastodon %d, x %d, bluesky %d of %d posts",
		kills, time.Since(start).Round(time.Millisecond), inflightKills, fullLives, len(posts["mastodon"]), len(posts["x"]), len(posts["bluesky"]), len(expected))

	// Then to completion: run, stop cleanly, look at the outbox; again
	// until every delivery has ended.
	var deliveries map[string]map[string]bot.Delivery
	deadline := time.Now().Add(60 * time.Second)
	for round := 1; ; round++ {
		p := dlvStart(t, dir, logPath, "run", "--log-format", "json")
		dlvWait(20*time.Second, func() bool {
			ps := fake.Posts()
			return len(ps["mastodon"]) >= len(expected) && len(ps["x"]) >= len(expected) && len(ps["bluesky"]) >= len(expected)
		})
		time.Sleep(1500 * time.Millisecond) // retries after lost answers
		code, took := p.stop(10 * time.Second)
		if code != 0 {
			t.Fatalf("SIGTERM: exit %d after %s, want 0 within 10s:\n%s", code, took, dlvTail(logPath, 20))
		}
		deliveries = dlvDeliveries(t, statePath)
		open := 0
		for _, ds := range deliveries {
			for _, d := range ds {
				if d.Status == bot.StatusPending || d.Status == bot.StatusSending {
					open++
				}
			}
		}
		if open == 0 {
			t.Logf("completed after %d clean rounds, %s in all", round, time.Since(start).Round(time.Millisecond))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d deliveries still open after %d rounds:\n%s", open, round, dlvTail(logPath, 60))
		}
	}

	// Every expected post exactly once per platform, nothing else.
	posts = fake.Posts()
	outcomes := map[string]int{}
	for _, r := range fake.Requests() {
		outcomes[r.Platform+" "+r.Outcome]++
	}
	fake.mu.Lock()
	defer fake.mu.Unlock()
	for _, target := range []string{"mastodon", "x", "bluesky"} {
		ds := deliveries[target]
		var keys []string
		for k := range ds {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(ds) != len(expected) {
			t.Errorf("%s: outbox has %d deliveries %v, want %d", target, len(ds), keys, len(expected))
		}
		byText := map[string]int{}
		for _, p := range posts[target] {
			byText[p.Text]++
		}
		for key := range expected {
			d, ok := ds[key]
			if !ok {
				t.Errorf("%s: %s not in the outbox", target, key)
				continue
			}
			if d.Status != bot.StatusSent {
				t.Errorf("%s: %s is %s (%s), want sent", target, key, d.Status, d.Reason)
			}
			if n := byText[d.Text]; n != 1 {
				t.Errorf("%s: %s (%q) posted %d times, want exactly once", target, key, d.Text, n)
			}
			for _, p := range posts[target] {
				if p.Text != d.Text {
					continue
				}
				wantImages := 0
				if key == "announcement:koulutus:once" {
					wantImages = 1
				}
				if len(p.Media) != wantImages {
					t.Errorf("%s: %s went out with %d images, want %d", target, key, len(p.Media), wantImages)
				}
				for _, m := range p.Media {
					if m.Alt != "Kouluttaja ja osallistujat pöydän ääressä" || len(m.Leaked) > 0 {
						t.Errorf("%s: %s image: alt %q, metadata %v", target, key, m.Alt, m.Leaked)
					}
				}
			}
			switch target {
			case "mastodon":
				if i, ok := fake.idem[key]; !ok {
					t.Errorf("mastodon: no status was ever created with Idempotency-Key %s", key)
				} else if fake.statuses[i].Text != d.Text || d.RemoteID != fake.statuses[i].ID {
					t.Errorf("mastodon: %s recorded remote id %q, the server holds %+v", key, d.RemoteID, fake.statuses[i])
				}
			case "bluesky":
				rkey := bluesky.RecordKey(key)
				if fake.records[rkey] != d.Text || d.RemoteID != "at://"+dlvDID+"/app.bsky.feed.post/"+rkey {
					t.Errorf("bluesky: %s: record %s holds %q, remote id %q", key, rkey, fake.records[rkey], d.RemoteID)
				}
			}
		}
		if len(posts[target]) != len(expected) {
			var texts []string
			for _, p := range posts[target] {
				texts = append(texts, p.Text)
			}
			t.Errorf("%s holds %d posts, want exactly %d:\n%s", target, len(posts[target]), len(expected), strings.Join(texts, "\n"))
		}
	}
	if !strings.Contains(posts["mastodon"][0].Text, "#LUMOhanke") {
		t.Errorf("posted text %q lacks the hashtag", posts["mastodon"][0].Text)
	}
	t.Logf("requests by outcome: %v; bluesky sessions created %d, refreshed %d", outcomes, fake.creates, fake.refreshes)
	if t.Failed() {
		t.Logf("log tail:\n%s", dlvTail(logPath, 40))
	}
}

// dlvJSONLines parses a --log-format json stream.
func dlvJSONLines(t *testing.T, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || !strings.HasPrefix(line, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Errorf("log line is not JSON: %q", line)
			continue
		}
		out = append(out, m)
	}
	return out
}
