package feeds

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const rssBody = `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>LUMO</title></channel></rss>`

func fetch(t *testing.T, f *Fetcher, req Request) (Response, error) {
	t.Helper()
	return f.Fetch(context.Background(), req)
}

// wantErr checks that err is non-nil and its message contains every part.
func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one containing %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func TestFetchConditionalGET(t *testing.T) {
	const etag = `"v1-lumo"`
	const lastMod = "Wed, 05 May 2021 10:30:00 GMT"
	var (
		mu   sync.Mutex
		seen []http.Header
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		mu.Unlock()
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		fmt.Fprint(w, rssBody)
	}))
	defer srv.Close()
	f := &Fetcher{UserAgent: "lumobot/test (+https://github.com/lumohanke/lumobot)"}

	first, err := fetch(t, f, Request{URL: srv.URL + "/feed"})
	if err != nil {
		t.Fatal(err)
	}
	if string(first.Body) != rssBody || first.NotModified {
		t.Errorf("first fetch: body %q, NotModified %v", first.Body, first.NotModified)
	}
	if first.ETag != etag || first.LastModified != lastMod {
		t.Errorf("validators %q %q, want %q %q", first.ETag, first.LastModified, etag, lastMod)
	}
	if first.ContentType != "application/rss+xml; charset=utf-8" || first.FinalURL != srv.URL+"/feed" {
		t.Errorf("ContentType %q FinalURL %q", first.ContentType, first.FinalURL)
	}

	second, err := fetch(t, f, Request{URL: srv.URL + "/feed", ETag: first.ETag, LastModified: first.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.Body != nil {
		t.Errorf("second fetch: NotModified %v, body %q; want 304 and no body", second.NotModified, second.Body)
	}
	if second.ETag != etag || second.LastModified != lastMod {
		t.Errorf("304 keeps the validators: got %q %q", second.ETag, second.LastModified)
	}

	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 {
		t.Fatalf("server saw %d requests, want 2", len(seen))
	}
	if seen[0].Get("If-None-Match") != "" || seen[0].Get("If-Modified-Since") != "" {
		t.Errorf("first request was conditional: %v", seen[0])
	}
	if got := seen[1].Get("If-None-Match"); got != etag {
		t.Errorf("If-None-Match = %q, want %q", got, etag)
	}
	if got := seen[1].Get("If-Modified-Since"); got != lastMod {
		t.Errorf("If-Modified-Since = %q, want %q", got, lastMod)
	}
	for i, h := range seen {
		if got := h.Get("User-Agent"); got != f.UserAgent {
			t.Errorf("request %d: User-Agent %q, want %q", i, got, f.UserAgent)
		}
	}
}

func TestFetchUserAgentDefault(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Get("User-Agent")
		fmt.Fprint(w, rssBody)
	}))
	defer srv.Close()
	if _, err := fetch(t, &Fetcher{}, Request{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if got != DefaultUserAgent {
		t.Errorf("User-Agent %q, want %q", got, DefaultUserAgent)
	}
}

func TestFetchStatusErrors(t *testing.T) {
	tests := []struct {
		code int
		want string
	}{
		{http.StatusInternalServerError, "HTTP 500 Internal Server Error"},
		{http.StatusNotFound, "HTTP 404 Not Found"},
		{http.StatusGone, "HTTP 410 Gone"},
		{http.StatusForbidden, "HTTP 403 Forbidden"},
		{599, "HTTP 599"},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.code), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.code)
				fmt.Fprint(w, "<html>error page</html>")
			}))
			defer srv.Close()
			u := srv.URL + "/feed"
			_, err := fetch(t, &Fetcher{}, Request{URL: u})
			wantErr(t, err, "fetch "+u+": "+tt.want)
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != tt.code {
				t.Errorf("errors.As StatusError: %v, code %v", se, tt.code)
			}
		})
	}
}

func TestFetchSizeCap(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 1000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/length": // Content-Length announces the size
			w.Header().Set("Content-Length", strconv.Itoa(len(big)))
			w.Write(big)
		case "/chunked": // no Content-Length: counted while reading
			for i := 0; i < 10; i++ {
				w.Write(big[:100])
				w.(http.Flusher).Flush()
			}
		case "/gzip": // small on the wire, big once decompressed
			w.Header().Set("Content-Encoding", "gzip")
			zw := gzip.NewWriter(w)
			zw.Write(bytes.Repeat(big, 10))
			zw.Close()
		}
	}))
	defer srv.Close()
	f := &Fetcher{}
	tests := []struct {
		path     string
		maxBytes int64
		wantErr  string
	}{
		{"/length", 999, "Content-Length 1000 exceeds the limit of 999 bytes"},
		{"/length", 1000, ""},
		{"/chunked", 999, "more than the limit of 999 bytes"},
		{"/chunked", 1000, ""},
		{"/gzip", 5000, "more than the limit of 5000 bytes"},
		{"/gzip", 10000, ""},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%d", tt.path, tt.maxBytes), func(t *testing.T) {
			resp, err := fetch(t, f, Request{URL: srv.URL + tt.path, MaxBytes: tt.maxBytes})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if int64(len(resp.Body)) != tt.maxBytes {
					t.Errorf("got %d bytes, want %d", len(resp.Body), tt.maxBytes)
				}
				return
			}
			wantErr(t, err, "fetch "+srv.URL+tt.path+": ", tt.wantErr)
			if !errors.Is(err, ErrTooLarge) {
				t.Errorf("errors.Is(err, ErrTooLarge) = false: %v", err)
			}
			if resp.Body != nil {
				t.Errorf("a refused body was returned (%d bytes)", len(resp.Body))
			}
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow-body" {
			w.Header().Set("Content-Length", "100")
			w.Write([]byte("<rss>"))
			w.(http.Flusher).Flush()
		}
		select { // sleep until the client gives up
		case <-r.Context().Done():
		case <-release:
		case <-time.After(5 * time.Second):
		}
	}))
	defer srv.Close()
	defer close(release)

	for _, path := range []string{"/slow-headers", "/slow-body"} {
		t.Run(path, func(t *testing.T) {
			start := time.Now()
			_, err := fetch(t, &Fetcher{}, Request{URL: srv.URL + path, Timeout: 200 * time.Millisecond})
			elapsed := time.Since(start)
			wantErr(t, err, "fetch "+srv.URL+path+": ", "timed out after 200ms")
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("errors.Is(err, context.DeadlineExceeded) = false: %v", err)
			}
			if elapsed > 1800*time.Millisecond {
				t.Errorf("took %v with a 200ms timeout", elapsed)
			}
		})
	}
}

func TestFetchCancelledContext(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := (&Fetcher{}).Fetch(ctx, Request{URL: srv.URL})
	wantErr(t, err, "fetch "+srv.URL)
	if !errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "timed out") {
		t.Errorf("want a plain cancellation, got %v", err)
	}
}

func TestFetchRedirects(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case p == "/b":
			http.Redirect(w, r, "/a", http.StatusMovedPermanently)
		case strings.HasPrefix(p, "/hop/"): // /hop/N redirects N more times
			n, _ := strconv.Atoi(strings.TrimPrefix(p, "/hop/"))
			if n == 0 {
				fmt.Fprint(w, rssBody)
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
		case p == "/moved":
			http.Redirect(w, r, "/feeds/news.xml", http.StatusMovedPermanently)
		case p == "/feeds/news.xml":
			fmt.Fprint(w, rssBody)
		}
	}))
	defer srv.Close()
	f := &Fetcher{}

	t.Run("loop", func(t *testing.T) {
		_, err := fetch(t, f, Request{URL: srv.URL + "/a"})
		wantErr(t, err, "fetch "+srv.URL+"/a: ", "redirect loop", srv.URL+"/b")
	})
	t.Run("10 redirects are followed", func(t *testing.T) {
		resp, err := fetch(t, f, Request{URL: srv.URL + "/hop/10"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.FinalURL != srv.URL+"/hop/0" {
			t.Errorf("FinalURL %q", resp.FinalURL)
		}
	})
	t.Run("11 redirects are too many", func(t *testing.T) {
		_, err := fetch(t, f, Request{URL: srv.URL + "/hop/11"})
		wantErr(t, err, "fetch "+srv.URL+"/hop/11: ", "stopped after 10 redirects")
	})
	t.Run("FinalURL after a redirect", func(t *testing.T) {
		resp, err := fetch(t, f, Request{URL: srv.URL + "/moved"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.FinalURL != srv.URL+"/feeds/news.xml" || string(resp.Body) != rssBody {
			t.Errorf("FinalURL %q body %q", resp.FinalURL, resp.Body)
		}
	})
	t.Run("a client with a cookie jar still stops", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		_, err := fetch(t, &Fetcher{Client: &http.Client{Jar: jar}}, Request{URL: srv.URL + "/a"})
		wantErr(t, err, "fetch "+srv.URL+"/a: ", "stopped after 10 redirects")
	})
}

func TestFetchNeverLeaksCredentials(t *testing.T) {
	var (
		mu               sync.Mutex
		gotUser, gotPass string
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		gotUser, gotPass, _ = r.BasicAuth()
		mu.Unlock()
		switch r.URL.Path {
		case "/loop":
			http.Redirect(w, r, "/loop2?api_key=s3cr3t-key", http.StatusFound)
		case "/loop2":
			http.Redirect(w, r, "/loop?api_key=s3cr3t-key", http.StatusFound)
		case "/ok":
			fmt.Fprint(w, rssBody)
		default:
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	u, _ := url.Parse(srv.URL)
	withCreds := func(path string) string {
		return "http://lumo-user:hunter2pw@" + u.Host + path + "?token=t0ps3cret&feed=news"
	}
	secrets := []string{"lumo-user", "hunter2pw", "t0ps3cret", "s3cr3t-key"}
	f := &Fetcher{}

	resp, err := fetch(t, f, Request{URL: withCreds("/ok")})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if gotUser != "lumo-user" || gotPass != "hunter2pw" {
		t.Errorf("basic auth from the URL not sent: %q %q", gotUser, gotPass)
	}
	mu.Unlock()
	if strings.Contains(resp.FinalURL, "hunter2pw") || strings.Contains(resp.FinalURL, "lumo-user") {
		t.Errorf("FinalURL carries userinfo: %q", resp.FinalURL)
	}

	for _, tt := range []struct{ name, url string }{
		{"status", withCreds("/private")},
		{"redirect loop", withCreds("/loop")},
		{"timeout", withCreds("/ok")}, // with a timeout too short to connect
		{"connection refused", "http://lumo-user:hunter2pw@127.0.0.1:1/feed?token=t0ps3cret"},
		{"bad URL", "http://lumo-user:hunter2pw@exa mple.fi/%zz?token=t0ps3cret"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := Request{URL: tt.url}
			if tt.name == "timeout" {
				req.Timeout = time.Nanosecond
			}
			_, err := fetch(t, f, req)
			if err == nil {
				t.Fatal("no error")
			}
			for _, s := range secrets {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error leaks %q: %v", s, err)
				}
			}
			if !strings.HasPrefix(err.Error(), "fetch ") {
				t.Errorf("error %q does not start with fetch <url>", err)
			}
		})
	}
}

func TestFetchLocalFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lumo news.xml")
	if err := os.WriteFile(path, []byte(rssBody), 0o644); err != nil {
		t.Fatal(err)
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(wd, path)
	if err != nil {
		t.Fatal(err)
	}
	fileURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()
	f := &Fetcher{}

	for _, tt := range []struct{ name, url string }{
		{"absolute path", path},
		{"relative path", rel},
		{"file URL", fileURL},
		{"file URL with localhost", "file://localhost" + filepath.ToSlash(path)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := fetch(t, f, Request{URL: tt.url})
			if err != nil {
				t.Fatal(err)
			}
			if string(resp.Body) != rssBody || resp.NotModified {
				t.Errorf("body %q NotModified %v", resp.Body, resp.NotModified)
			}
			if resp.ETag != "" || resp.LastModified == "" {
				t.Errorf("validators %q %q: want no ETag and the mtime", resp.ETag, resp.LastModified)
			}
			if resp.ContentType != "application/xml" || resp.FinalURL != fileURL {
				t.Errorf("ContentType %q FinalURL %q, want %q", resp.ContentType, resp.FinalURL, fileURL)
			}
		})
	}

	t.Run("unchanged file is not modified", func(t *testing.T) {
		first, err := fetch(t, f, Request{URL: path})
		if err != nil {
			t.Fatal(err)
		}
		again, err := fetch(t, f, Request{URL: path, LastModified: first.LastModified})
		if err != nil {
			t.Fatal(err)
		}
		if !again.NotModified || again.Body != nil || again.LastModified != first.LastModified {
			t.Errorf("second read: %+v", again)
		}
		later := time.Now().Add(time.Minute)
		if err := os.Chtimes(path, later, later); err != nil {
			t.Fatal(err)
		}
		changed, err := fetch(t, f, Request{URL: path, LastModified: first.LastModified})
		if err != nil {
			t.Fatal(err)
		}
		if changed.NotModified || string(changed.Body) != rssBody {
			t.Errorf("touched file reported not modified")
		}
	})
	t.Run("size cap", func(t *testing.T) {
		_, err := fetch(t, f, Request{URL: path, MaxBytes: int64(len(rssBody) - 1)})
		wantErr(t, err, "fetch "+path+": ", "exceeds the limit")
		if !errors.Is(err, ErrTooLarge) {
			t.Errorf("not ErrTooLarge: %v", err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		missing := filepath.Join(dir, "missing.xml")
		_, err := fetch(t, f, Request{URL: missing})
		wantErr(t, err, "fetch "+missing+": no such file or directory")
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("errors.Is(err, os.ErrNotExist) = false: %v", err)
		}
	})
	t.Run("missing file URL", func(t *testing.T) {
		_, err := fetch(t, f, Request{URL: "file:///nonexistent/lumo.xml"})
		wantErr(t, err, "fetch file:///nonexistent/lumo.xml: no such file or directory")
	})
	t.Run("directory", func(t *testing.T) {
		_, err := fetch(t, f, Request{URL: dir})
		wantErr(t, err, "fetch "+dir+": not a regular file")
	})
	t.Run("remote file URL", func(t *testing.T) {
		_, err := fetch(t, f, Request{URL: "file://example.fi/etc/feed.xml"})
		wantErr(t, err, "remote host")
	})
}

func TestFetchBadRequests(t *testing.T) {
	for _, tt := range []struct{ url, want string }{
		{"", "empty URL"},
		{"ftp://example.fi/feed.xml", "fetch ftp://example.fi/feed.xml: unsupported URL scheme"},
	} {
		t.Run(tt.url, func(t *testing.T) {
			_, err := fetch(t, &Fetcher{}, Request{URL: tt.url})
			wantErr(t, err, tt.want)
		})
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://example.fi/feed/", "https://example.fi/feed/"},
		{"https://user:pass@example.fi/feed", "https://example.fi/feed"},
		{"https://ghp_tokenonly@example.fi/feed", "https://example.fi/feed"},
		{"https://example.fi/feed?token=abc&lang=fi", "https://example.fi/feed?token=REDACTED&lang=fi"},
		{"https://example.fi/f?api_key=1&apiKey=2&client_secret=3&password=4&access_token=5&sig=6&page=2",
			"https://example.fi/f?api_key=REDACTED&apiKey=REDACTED&client_secret=REDACTED&password=REDACTED&access_token=REDACTED&sig=REDACTED&page=2"},
		{"https://example.fi/f?Auth=x#frag", "https://example.fi/f?Auth=REDACTED#frag"},
		{"https://example.fi/f?flag&key=", "https://example.fi/f?flag&key=REDACTED"},
		{"./testdata/feed.xml", "./testdata/feed.xml"},
		{"/srv/lumo/feed.xml", "/srv/lumo/feed.xml"},
		{"file:///srv/lumo/feed.xml", "file:///srv/lumo/feed.xml"},
		{"/srv/lumo/my feeds/uutiset.xml", "/srv/lumo/my feeds/uutiset.xml"},
		{"https://example.fi/a%2Fb?q=%C3%A4", "https://example.fi/a%2Fb?q=%C3%A4"},
		{"http://user:pass@exa mple.fi/%zz?token=abc", "http://exa mple.fi/%zz?token=REDACTED"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestRedactSecretURLs: addresses of private calendars and feeds, shaped
// like the real ones, lose their tokens and keep the rest; readable paths
// stay as written.
func TestRedactSecretURLs(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Google private address",
			"https://calendar.google.com/calendar/ical/lumo.hanke%40gmail.com/private-a4c123b1612dd272d1371c17149d4395/basic.ics",
			"https://calendar.google.com/calendar/ical/lumo.hanke%40gmail.com/private-REDACTED/basic.ics"},
		{"Google group calendar with a random id",
			"https://calendar.google.com/calendar/ical/c_36b3216fdaeeb975729fae923d5a4fd1%40group.calendar.google.com/private-36b3216fdaeeb975729fae923d5a4fd1/basic.ics",
			"https://calendar.google.com/calendar/ical/REDACTED@group.calendar.google.com/private-REDACTED/basic.ics"},
		{"Outlook published calendar",
			"https://outlook.office365.com/owa/calendar/7b45145c1a81682c64e50cad66237a04@lumo.fi/2aabfe228f219e9cb0eb53f16947ccf25ec84d8dbc74254770f58904dba41ecc12345678901234567/calendar.ics",
			"https://outlook.office365.com/owa/calendar/REDACTED@lumo.fi/REDACTED/calendar.ics"},
		{"Outlook with a dashed GUID",
			"https://outlook.live.com/owa/calendar/7b45145c-1a81-682c-64e5-0cad66237a04/a4c123b1612dd272d1371c17149d4395/cid-36B3216FDAEEB975/calendar.ics",
			"https://outlook.live.com/owa/calendar/REDACTED/REDACTED/REDACTED/calendar.ics"},
		{"Nextcloud export token in the query",
			"https://pilvi.lumo.fi/remote.php/dav/calendars/lumo/tapahtumat?export&token=fjgVvVqE1SkHbn88",
			"https://pilvi.lumo.fi/remote.php/dav/calendars/lumo/tapahtumat?export&token=REDACTED"},
		{"Nextcloud public calendar",
			"https://pilvi.lumo.fi/remote.php/dav/public-calendars/fjgVvVqE1SkHbn88?export",
			"https://pilvi.lumo.fi/remote.php/dav/public-calendars/REDACTED?export"},
		{"iCloud published calendar",
			"webcal://p52-caldav.icloud.com/published/2/CoFxNTHszHCls4wp+UIkHJXBDVcJQ8mZXZh1DaCMNRrISQ8AFrsYkX9MuSaz11+JnJH5GUVO7vIvihVd",
			"webcal://p52-caldav.icloud.com/published/2/REDACTED"},
		{"Teamup feed key", "https://ics.teamup.com/feed/ksbenyjqwx4hh5344t/0.ics", "https://ics.teamup.com/feed/REDACTED/0.ics"},
		{"a token in an innocently named query value",
			"https://lumo.example/export.ics?cal=C81gooZog2Yoee8PfcnLMH2xPRENLRP8&lang=fi",
			"https://lumo.example/export.ics?cal=REDACTED&lang=fi"},
		{"userinfo, query and path together",
			"https://lumo:pw@lumo.example/feeds/a4c123b1612dd272d1371c17149d4395/news.xml?key=x",
			"https://lumo.example/feeds/REDACTED/news.xml?key=REDACTED"},
		{"a news slug with a date stays",
			"https://lumo.example/ajankohtaista/uutinen-2021-05-01-lastensuojelun-kehittajaryhma/feed/",
			"https://lumo.example/ajankohtaista/uutinen-2021-05-01-lastensuojelun-kehittajaryhma/feed/"},
		{"words with a year stay",
			"https://lumo.example/Lastensuojelu2021/Toimintasuunnitelma-2021-Final/feed.xml?page=2&id=12345678",
			"https://lumo.example/Lastensuojelu2021/Toimintasuunnitelma-2021-Final/feed.xml?page=2&id=12345678"},
		{"a short key stays (too short to tell)", "https://lumo.example/s/HxjSI6bWHtP3fS2", "https://lumo.example/s/HxjSI6bWHtP3fS2"},
		{"Finnish in the path stays as written", "https://lumo.example/p%C3%A4iv%C3%A4kirja/sy%C3%B6te", "https://lumo.example/p%C3%A4iv%C3%A4kirja/sy%C3%B6te"},
		{"a local path is no URL with a host", "/srv/lumo/a4c123b1612dd272d1371c17149d4395.xml", "/srv/lumo/a4c123b1612dd272d1371c17149d4395.xml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Redact(tt.in); got != tt.want {
				t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestIsToken(t *testing.T) {
	for _, tt := range []struct {
		run  string
		want bool
	}{
		{"a4c123b1612dd272d1371c17149d4395", true},
		{"7b45145c-1a81-682c-64e5-0cad66237a04", true},
		{"C81gooZog2Yoee8PfcnLMH2xPRENLRP8", true},
		{"fjgVvVqE1SkHbn88", true},
		{"aBcDeFgHiJkLmNoPqR", true}, // no digit, but the case changes all along
		{"uutinen-2021-05-01", false},
		{"Lastensuojelu2021", false},
		{"LastensuojeluRaporttiFinal", false},
		{"2021050120210601", false}, // digits alone: a date range, an id
		{"HxjSI6bWHtP3fS2", false},  // 15: too short
	} {
		if got := isToken(tt.run); got != tt.want {
			t.Errorf("isToken(%q) = %v, want %v", tt.run, got, tt.want)
		}
	}
}

// FuzzRedact: Redact never panics, is idempotent, never lets userinfo
// through, and keeps the host of a URL it could parse.
func FuzzRedact(f *testing.F) {
	f.Add("https://calendar.google.com/calendar/ical/x%40group/private-a4c123b1612dd272d1371c17149d4395/basic.ics")
	f.Add("https://u:p@lumo.example/a/7b45145c-1a81-682c-64e5-0cad66237a04?token=x&q=%C3%A4#f")
	f.Add("http://user:pass@exa mple.fi/%zz?token=abc")
	f.Fuzz(func(t *testing.T, raw string) {
		out := Redact(raw)
		if again := Redact(out); again != out {
			t.Errorf("not idempotent: %q -> %q -> %q", raw, out, again)
		}
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" {
			return
		}
		v, err := url.Parse(out)
		if err != nil {
			t.Fatalf("Redact(%q) = %q, which does not parse: %v", raw, out, err)
		}
		if v.User != nil {
			t.Errorf("userinfo kept: %q", out)
		}
		if v.Host != u.Host {
			t.Errorf("host %q became %q", u.Host, v.Host)
		}
	})
}
