package page

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/feeds"
)

func TestReaderRead(t *testing.T) {
	page := []byte(`<html><head><meta property="og:title" content="Sytykettä"><meta property="og:image" content="/k.jpg"></head></html>`)
	fetchErr := errors.New("fetch https://lumo.example/sivu: HTTP 404 Not Found")
	tests := []struct {
		name        string
		url         string
		body        []byte
		contentType string
		fetchErr    error
		want        Card
		wantErr     string // "" for none
		notHTML     bool   // the error wraps ErrNotHTML
		notFetched  bool
	}{
		{name: "an HTML page", url: "https://lumo.example/sivu", body: page, contentType: "text/html; charset=utf-8",
			want: Card{Title: "Sytykettä", Image: "https://lumo.example/k.jpg"}},
		{name: "XHTML", url: "https://lumo.example/sivu", body: page, contentType: "application/xhtml+xml",
			want: Card{Title: "Sytykettä", Image: "https://lumo.example/k.jpg"}},
		{name: "Content-Type in upper case", url: "https://lumo.example/sivu", body: page, contentType: "TEXT/HTML",
			want: Card{Title: "Sytykettä", Image: "https://lumo.example/k.jpg"}},
		{name: "no Content-Type, HTML by its first bytes", url: "https://lumo.example/sivu", body: page,
			want: Card{Title: "Sytykettä", Image: "https://lumo.example/k.jpg"}},
		{name: "a page without a card is no error", url: "https://lumo.example/sivu", body: []byte("<p>x</p>"), contentType: "text/html"},
		{name: "an image", url: "https://lumo.example/k.jpg", body: []byte("\xff\xd8\xff\xe0"), contentType: "image/jpeg",
			wantErr: "link card of https://lumo.example/k.jpg: not an HTML page: Content-Type image/jpeg", notHTML: true},
		{name: "a PDF", url: "https://lumo.example/r.pdf", body: []byte("%PDF-1.4"), contentType: "application/pdf",
			wantErr: "Content-Type application/pdf", notHTML: true},
		{name: "a feed", url: "https://lumo.example/feed", body: []byte(`<rss><channel><title>x</title></channel></rss>`),
			contentType: "application/rss+xml", wantErr: "Content-Type application/rss+xml", notHTML: true},
		{name: "no Content-Type, not HTML", url: "https://lumo.example/x", body: []byte("%PDF-1.4"),
			wantErr: "no Content-Type, and the body does not look like HTML", notHTML: true},
		{name: "an unreadable Content-Type", url: "https://lumo.example/x", body: page, contentType: "text/html; charset",
			wantErr: `unreadable Content-Type "text/html; charset"`, notHTML: true},
		{name: "the fetch fails", url: "https://lumo.example/sivu", fetchErr: fetchErr,
			wantErr: "link card: fetch https://lumo.example/sivu: HTTP 404 Not Found"},
		{name: "a file path is not fetched", url: "/etc/passwd", wantErr: "not an absolute http(s) URL", notFetched: true},
		{name: "a file URL is not fetched", url: "file:///etc/passwd", wantErr: "not an absolute http(s) URL", notFetched: true},
		{name: "a relative URL is not fetched", url: "sivu.html", wantErr: "not an absolute http(s) URL", notFetched: true},
		{name: "a secret in the URL is not in the error", url: "https://lumo.example/x?token=abcdef123456789", body: []byte("x"),
			contentType: "image/png", wantErr: "not an HTML page", notHTML: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fetched := false
			r := Reader{Fetch: func(ctx context.Context, url string) ([]byte, string, string, error) {
				fetched = true
				if url != tt.url {
					t.Errorf("fetched %q, want %q", url, tt.url)
				}
				return tt.body, tt.contentType, "", tt.fetchErr
			}}
			got, err := r.Read(context.Background(), tt.url)
			if fetched == tt.notFetched {
				t.Errorf("fetched: %v", fetched)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.want {
					t.Errorf("Read =\n%#v\nwant\n%#v", got, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
			if errors.Is(err, ErrNotHTML) != tt.notHTML {
				t.Errorf("errors.Is(err, ErrNotHTML) = %v", !tt.notHTML)
			}
			if tt.fetchErr != nil && !errors.Is(err, tt.fetchErr) {
				t.Errorf("the fetch's error is not wrapped: %v", err)
			}
			if strings.Contains(err.Error(), "abcdef123456789") {
				t.Errorf("secret in %q", err)
			}
			if got != (Card{}) {
				t.Errorf("a card with an error: %#v", got)
			}
		})
	}
}

func TestReaderWithoutFetch(t *testing.T) {
	if _, err := (Reader{}).Read(context.Background(), "https://lumo.example/"); err == nil {
		t.Fatal("no error")
	}
}

// TestReaderThroughFetcher wires a Reader to a feeds.Fetcher as cmd does
// and reads a page from an HTTP server, with the User-Agent and the size
// cap the Fetcher applies.
func TestReaderThroughFetcher(t *testing.T) {
	var userAgent string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		userAgent = r.UserAgent()
		switch r.URL.Path {
		case "/sivu":
			w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
			_, _ = w.Write([]byte(`<head><title>P` + "\xe4\xe4" + `kaupunkiseutu</title><meta property="og:image" content="k.jpg"></head>`))
		case "/vanha":
			http.Redirect(w, r, "/uusi/sivu", http.StatusMovedPermanently)
		case "/uusi/sivu":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<head><meta property="og:title" content="Siirretty"><meta property="og:image" content="kuva.jpg"></head>`))
		case "/iso":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<head><title>" + strings.Repeat("x", 4096) + "</title></head>"))
		case "/kuva.png":
			w.Header().Set("Content-Type", "image/png")
			_, _ = w.Write([]byte("\x89PNG\r\n\x1a\n"))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	f := &feeds.Fetcher{UserAgent: "lumobot-test/1"}
	r := Reader{Fetch: func(ctx context.Context, url string) ([]byte, string, string, error) {
		resp, err := f.Fetch(ctx, feeds.Request{URL: url, Timeout: 5 * time.Second, MaxBytes: 1024})
		return resp.Body, resp.ContentType, resp.FinalURL, err
	}}
	ctx := context.Background()

	got, err := r.Read(ctx, srv.URL+"/sivu")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Card{Title: "Pääkaupunkiseutu", Image: srv.URL + "/k.jpg"}); got != want {
		t.Errorf("Read = %#v, want %#v", got, want)
	}
	if userAgent != "lumobot-test/1" {
		t.Errorf("User-Agent %q", userAgent)
	}
	// A relative image is read against the page after its redirects.
	if got, err := r.Read(ctx, srv.URL+"/vanha"); err != nil || got.Image != srv.URL+"/uusi/kuva.jpg" {
		t.Errorf("redirected page: %#v, %v", got, err)
	}
	if _, err := r.Read(ctx, srv.URL+"/kuva.png"); !errors.Is(err, ErrNotHTML) {
		t.Errorf("an image: %v", err)
	}
	if _, err := r.Read(ctx, srv.URL+"/iso"); !errors.Is(err, feeds.ErrTooLarge) {
		t.Errorf("a page over MaxBytes: %v", err)
	}
	var status *feeds.StatusError
	if _, err := r.Read(ctx, srv.URL+"/puuttuu"); !errors.As(err, &status) || status.StatusCode != 404 {
		t.Errorf("a missing page: %v", err)
	}
}
