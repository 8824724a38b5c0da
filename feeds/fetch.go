package feeds

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Defaults applied when a Request leaves a limit at zero.
const (
	DefaultTimeout  = 30 * time.Second
	DefaultMaxBytes = 10 << 20 // 10 MiB
	// MaxRedirects is how many redirects one fetch follows.
	MaxRedirects = 10
	// DefaultUserAgent is sent when Fetcher.UserAgent is empty.
	DefaultUserAgent = "lumobot (+https://github.com/lumohanke/lumobot)"
)

// ErrTooLarge is wrapped by the error returned for a body larger than
// Request.MaxBytes. Such a body is refused, never truncated.
var ErrTooLarge = errors.New("body too large")

// StatusError is the error for a final HTTP status outside 2xx (and other
// than 304). Callers may tell a gone feed (404, 410) from a failing server.
type StatusError struct {
	StatusCode int
	Status     string // e.g. "500 Internal Server Error"
}

func (e *StatusError) Error() string { return "HTTP " + e.Status }

// Fetcher fetches feed and calendar documents over HTTP(S) or from local
// files. The zero value is ready to use and safe for concurrent use.
//
// A fetch may reach internal addresses (loopback, private, link-local,
// carrier-grade NAT, unspecified) only when its first hop is one, and then
// only of that kind, or when Request.AllowPrivate says so: a public feed
// that redirects, or whose name re-resolves, to 127.0.0.1 or to
// 169.254.169.254 is refused with ErrInternalAddress. Every hop's name is
// checked, and so is the address each connection is made to. A Client
// whose Transport is not an *http.Transport gets the hop checks only; with
// a proxy (HTTP_PROXY, HTTPS_PROXY) the connection is to the proxy, and a
// name the proxy alone can resolve is left to it.
type Fetcher struct {
	Client    *http.Client // nil: a default client; the Fetcher applies its own per-request timeout
	UserAgent string       // e.g. "lumobot/1.2 (+https://github.com/lumohanke/lumobot)"
	// LookupIP resolves a host name for the address checks and for
	// dialling; nil: the system resolver. Tests map names to loopback.
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)

	classify func(netip.Addr) addrClass // nil: classify; tests call a loopback address public
}

// Request says what to fetch and within which limits.
type Request struct {
	URL          string        // http(s) URL, file:// URL, or a local path (relative or absolute)
	ETag         string        // validators from the last successful fetch, for conditional GET
	LastModified string        // for a local file: its mtime as returned in Response.LastModified
	Timeout      time.Duration // whole fetch, connect to last byte; 0: 30s
	MaxBytes     int64         // a larger body is refused with an error, never truncated; 0: 10 MiB
	// AllowPrivate lets a fetch reach internal addresses from a public
	// one (config feeds[].allow_private): a feed behind a redirect into
	// the operator's own network.
	AllowPrivate bool
	// PublicOnly refuses internal addresses even on the first hop, for a
	// URL taken from content rather than the config: the page behind a
	// news item's link, read for its link card. It overrides AllowPrivate.
	PublicOnly bool
}

// Response is a fetched document, or the news that it has not changed.
type Response struct {
	Body        []byte
	ContentType string
	// ETag and LastModified are the validators to send next time. On 304
	// they are the server's, or the request's when the server sent none,
	// so a caller can store them unconditionally. For a local file ETag is
	// empty and LastModified is the file's mtime (RFC 3339, nanoseconds).
	ETag, LastModified string
	NotModified        bool // server answered 304 (or the file's mtime is unchanged); Body is nil
	// FinalURL is the URL after redirects, for resolving relative links;
	// "file://" + absolute path for a local file. It never carries
	// userinfo, but may carry query parameters: log Redact(FinalURL).
	FinalURL string
}

var defaultClient = &http.Client{}

// Fetch fetches req.URL. Every error names the URL (redacted) and wraps the
// cause: "fetch https://x/feed: HTTP 500 Internal Server Error".
func (f *Fetcher) Fetch(ctx context.Context, req Request) (Response, error) {
	name := Redact(req.URL)
	if req.Timeout <= 0 {
		req.Timeout = DefaultTimeout
	}
	if req.MaxBytes <= 0 {
		req.MaxBytes = DefaultMaxBytes
	}
	lower := strings.ToLower(strings.TrimSpace(req.URL))
	var (
		resp Response
		err  error
	)
	switch {
	case lower == "":
		err = errors.New("empty URL")
	case strings.HasPrefix(lower, "http://"), strings.HasPrefix(lower, "https://"):
		resp, err = f.fetchHTTP(ctx, req)
	case req.PublicOnly:
		err = errors.New("not an http(s) URL: a link from content is never read as a file")
	case strings.HasPrefix(lower, "file:"):
		var path string
		path, err = fileURLPath(req.URL)
		if err == nil {
			resp, err = fetchFile(ctx, path, req)
		}
	case hasScheme(lower):
		err = fmt.Errorf("unsupported URL scheme (want http, https, file or a path)")
	default:
		resp, err = fetchFile(ctx, req.URL, req)
	}
	if err != nil {
		return Response{}, fmt.Errorf("fetch %s: %w", name, err)
	}
	return resp, nil
}

func (f *Fetcher) fetchHTTP(parent context.Context, req Request) (Response, error) {
	ctx, cancel := context.WithTimeout(parent, req.Timeout)
	defer cancel()

	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return Response{}, unwrapURLError(err)
	}
	ua := f.UserAgent
	if ua == "" {
		ua = DefaultUserAgent
	}
	hreq.Header.Set("User-Agent", ua)
	hreq.Header.Set("Accept", "application/rss+xml, application/atom+xml, application/feed+json, "+
		"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.9, text/calendar;q=0.9, */*;q=0.8")
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}

	g := f.newGuard(req.AllowPrivate, req.PublicOnly)
	client, done := f.client(g)
	defer done()
	g.noteProxy(client, hreq)
	if err := g.start(ctx, hreq.URL.Hostname()); err != nil {
		return Response{}, timeoutError(parent, ctx, req.Timeout, err)
	}
	hresp, err := client.Do(hreq)
	if err != nil {
		return Response{}, timeoutError(parent, ctx, req.Timeout, unwrapURLError(err))
	}
	defer hresp.Body.Close()

	out := Response{
		ContentType:  hresp.Header.Get("Content-Type"),
		ETag:         hresp.Header.Get("ETag"),
		LastModified: hresp.Header.Get("Last-Modified"),
		FinalURL:     withoutUserinfo(hresp.Request.URL),
	}
	if hresp.StatusCode == http.StatusNotModified {
		if out.ETag == "" {
			out.ETag = req.ETag
		}
		if out.LastModified == "" {
			out.LastModified = req.LastModified
		}
		out.NotModified = true
		return out, nil
	}
	if hresp.StatusCode < 200 || hresp.StatusCode > 299 {
		status := hresp.Status
		if text := http.StatusText(hresp.StatusCode); text != "" {
			status = fmt.Sprintf("%d %s", hresp.StatusCode, text)
		}
		// Drain a little so the connection can be reused.
		_, _ = io.Copy(io.Discard, io.LimitReader(hresp.Body, 4<<10))
		return Response{}, &StatusError{StatusCode: hresp.StatusCode, Status: status}
	}
	if hresp.ContentLength > req.MaxBytes {
		return Response{}, fmt.Errorf("%w: Content-Length %d exceeds the limit of %d bytes",
			ErrTooLarge, hresp.ContentLength, req.MaxBytes)
	}
	body, err := readLimited(hresp.Body, req.MaxBytes)
	if err != nil {
		return Response{}, timeoutError(parent, ctx, req.Timeout, err)
	}
	out.Body = body
	return out, nil
}

// client returns the client for one fetch: the Fetcher's (or a default),
// with our redirect policy and, when its transport allows, a transport of
// its own that dials through g. done releases that transport's
// connections.
func (f *Fetcher) client(g *guard) (c *http.Client, done func()) {
	base := f.Client
	if base == nil {
		base = defaultClient
	}
	cp := *base // shallow copy: same jar, our redirect policy and transport
	c = &cp
	c.Timeout = 0
	done = func() {}
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	if t, ok := rt.(*http.Transport); ok {
		// One transport per fetch: a connection a fetch allowed to reach
		// an internal address is never reused by another.
		own := g.transport(t)
		c.Transport = own
		done = own.CloseIdleConnections
	}
	hasJar := c.Jar != nil
	c.CheckRedirect = func(next *http.Request, via []*http.Request) error {
		if len(via) > MaxRedirects {
			return fmt.Errorf("stopped after %d redirects (last to %s)", MaxRedirects, Redact(next.URL.String()))
		}
		// Without a cookie jar nothing can change between two visits of
		// one URL, so a revisit is a loop. With a jar, the count decides.
		if !hasJar {
			for _, v := range via {
				if v.URL.String() == next.URL.String() {
					return fmt.Errorf("redirect loop: %s redirects back to %s",
						Redact(via[len(via)-1].URL.String()), Redact(next.URL.String()))
				}
			}
		}
		if err := g.checkHost(next.Context(), next.URL.Hostname()); err != nil {
			return fmt.Errorf("redirect to %s refused: %w", Redact(next.URL.String()), err)
		}
		return nil
	}
	return c, done
}

// readLimited reads all of r, refusing more than max bytes.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > max {
		return nil, fmt.Errorf("%w: more than the limit of %d bytes", ErrTooLarge, max)
	}
	return body, nil
}

// timeoutError turns an error caused by our own deadline into one that
// says so; a cancelled parent context is reported as it is.
func timeoutError(parent, ctx context.Context, d time.Duration, err error) error {
	if parent.Err() != nil {
		return parent.Err()
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("timed out after %s: %w", d, context.DeadlineExceeded)
	}
	return err
}

// unwrapURLError drops net/url's wrapper, which repeats the URL (with the
// username and query, which may be secret); Fetch names the URL itself.
func unwrapURLError(err error) error {
	var ue *url.Error
	for errors.As(err, &ue) {
		err = ue.Err
	}
	return err
}

func fetchFile(ctx context.Context, path string, req Request) (Response, error) {
	if err := ctx.Err(); err != nil {
		return Response{}, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return Response{}, err
	}
	file, err := os.Open(abs)
	if err != nil {
		return Response{}, fileError(err)
	}
	defer file.Close()
	info, err := file.Stat()
	if err != nil {
		return Response{}, fileError(err)
	}
	if !info.Mode().IsRegular() {
		return Response{}, errors.New("not a regular file")
	}
	out := Response{
		ContentType:  contentTypeByExt(abs),
		LastModified: info.ModTime().UTC().Format(time.RFC3339Nano),
		FinalURL:     (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String(),
	}
	if req.LastModified != "" && req.LastModified == out.LastModified {
		out.NotModified = true
		return out, nil
	}
	if info.Size() > req.MaxBytes {
		return Response{}, fmt.Errorf("%w: file size %d exceeds the limit of %d bytes", ErrTooLarge, info.Size(), req.MaxBytes)
	}
	body, err := readLimited(file, req.MaxBytes)
	if err != nil {
		return Response{}, err
	}
	out.Body = body
	return out, nil
}

// fileError drops the *PathError wrapper, whose message repeats the path
// that Fetch names already.
func fileError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func fileURLPath(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", unwrapURLError(err)
	}
	if u.Host != "" && u.Host != "localhost" {
		return "", fmt.Errorf("file URL with a remote host %q", u.Host)
	}
	p := u.Path
	if p == "" {
		p = u.Opaque // file:relative/path
	}
	if p == "" {
		return "", errors.New("file URL without a path")
	}
	return filepath.FromSlash(p), nil
}

func contentTypeByExt(path string) string {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		return "application/feed+json"
	case ".xml", ".rss", ".rdf", ".atom":
		return "application/xml"
	case ".ics", ".ical", ".ifb":
		return "text/calendar"
	}
	return ""
}

// hasScheme reports whether s starts like "scheme://" or "scheme:" with a
// scheme of two or more letters (a Windows drive letter is a path).
func hasScheme(s string) bool {
	i := strings.IndexByte(s, ':')
	if i < 2 {
		return false
	}
	for j := 0; j < i; j++ {
		c := s[j]
		switch {
		case 'a' <= c && c <= 'z':
		case j > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return strings.HasPrefix(s[i:], "://")
}

func withoutUserinfo(u *url.URL) string {
	c := *u
	c.User = nil
	return c.String()
}
