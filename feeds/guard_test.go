package feeds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func TestClassify(t *testing.T) {
	for _, tt := range []struct {
		addr string
		want addrClass
	}{
		{"8.8.8.8", classPublic},
		{"2001:4860:4860::8888", classPublic},
		{"172.32.0.1", classPublic},
		{"100.128.0.1", classPublic},
		{"127.0.0.1", classLoopback},
		{"127.255.255.254", classLoopback},
		{"::1", classLoopback},
		{"::ffff:127.0.0.1", classLoopback},
		{"10.1.2.3", classPrivate},
		{"172.16.0.1", classPrivate},
		{"172.31.255.255", classPrivate},
		{"192.168.1.1", classPrivate},
		{"::ffff:10.0.0.1", classPrivate},
		{"fc00::1", classPrivate},
		{"fd00:ec2::254", classPrivate}, // AWS metadata over IPv6
		{"169.254.169.254", classLinkLocal},
		{"fe80::1", classLinkLocal},
		{"fe80::1%eth0", classLinkLocal},
		{"64:ff9b::a9fe:a9fe", classLinkLocal}, // 169.254.169.254 through NAT64
		{"64:ff9b::808:808", classPublic},
		{"100.64.0.1", classShared},
		{"100.100.100.200", classShared}, // Alibaba Cloud metadata
		{"100.127.255.255", classShared},
		{"0.0.0.0", classUnspecified},
		{"0.1.2.3", classUnspecified},
		{"::", classUnspecified},
		{"224.0.0.1", classLinkLocal},
		{"239.1.2.3", classReserved},
		{"255.255.255.255", classReserved},
		{"ff02::1", classLinkLocal},
		{"ff05::1", classReserved},
	} {
		if got := classify(netip.MustParseAddr(tt.addr)); got != tt.want {
			t.Errorf("classify(%s) = %s, want %s", tt.addr, got, tt.want)
		}
	}
}

// A test network on loopback only: 127.0.0.2 plays a public address
// (classifyForTest), names resolve through a map, and a name may answer
// differently on its second lookup (DNS rebinding).
type testNet struct {
	public, internal *httptest.Server
	publicPort       string
	internalPort     string
	internalHits     atomic.Int32
	mu               sync.Mutex
	lookups          map[string]int
}

var fakePublic = netip.MustParseAddr("127.0.0.2")

func classifyForTest(a netip.Addr) addrClass {
	if a.Unmap() == fakePublic {
		return classPublic
	}
	return classify(a)
}

func newTestNet(t *testing.T) *testNet {
	t.Helper()
	n := &testNet{lookups: map[string]int{}}
	n.internal = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.internalHits.Add(1)
		switch r.URL.Path {
		case "/moved": // loopback to loopback
			http.Redirect(w, r, "http://intranet.test:"+n.internalPort+"/secret", http.StatusFound)
		case "/to-private":
			http.Redirect(w, r, "http://10.20.30.40/feed", http.StatusFound)
		default:
			fmt.Fprint(w, "INTERNAL "+rssBody)
		}
	}))
	t.Cleanup(n.internal.Close)
	ln, err := net.Listen("tcp", fakePublic.String()+":0")
	if err != nil {
		t.Skipf("cannot listen on %s (a loopback alias this test plays a public address with): %v", fakePublic, err)
	}
	n.public = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		fmt.Fprint(w, rssBody)
	}))
	n.public.Listener.Close()
	n.public.Listener = ln
	n.public.Start()
	t.Cleanup(n.public.Close)
	_, n.publicPort, _ = net.SplitHostPort(ln.Addr().String())
	_, n.internalPort, _ = net.SplitHostPort(n.internal.Listener.Addr().String())
	return n
}

func (n *testNet) lookup(_ context.Context, host string) ([]netip.Addr, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.lookups[host]++
	switch host {
	case "news.lumo.test":
		return []netip.Addr{fakePublic}, nil
	case "intranet.test":
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	case "mixed.test":
		return []netip.Addr{fakePublic, netip.MustParseAddr("10.0.0.1")}, nil
	case "rebind.test":
		if n.lookups[host] == 1 {
			return []netip.Addr{fakePublic}, nil
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func (n *testNet) fetcher() *Fetcher {
	return &Fetcher{LookupIP: n.lookup, classify: classifyForTest}
}

// publicURL is a URL on the "public" server that redirects to to.
func (n *testNet) publicURL(to string) string {
	u := "http://news.lumo.test:" + n.publicPort + "/feed"
	if to != "" {
		u += "?to=" + url.QueryEscape(to)
	}
	return u
}

func TestFetchRefusesInternalRedirects(t *testing.T) {
	n := newTestNet(t)
	internalLiteral := "http://127.0.0.1:" + n.internalPort + "/secret"
	for _, tt := range []struct {
		name string
		url  string
		why  string // the refusal's message part
	}{
		{"public to a loopback address", n.publicURL(internalLiteral), "127.0.0.1 is a loopback address"},
		{"public to a name of a loopback address", n.publicURL("http://intranet.test:" + n.internalPort + "/secret"),
			"intranet.test (127.0.0.1) is a loopback address"},
		{"public to localhost by IPv6", n.publicURL("http://[::1]:" + n.internalPort + "/secret"), "::1 is a loopback address"},
		{"public to cloud metadata", n.publicURL("http://169.254.169.254/latest/meta-data/"), "169.254.169.254 is a link-local address"},
		{"public to a private network", n.publicURL("http://10.0.0.5/feed"), "10.0.0.5 is a private address"},
		{"public to carrier-grade NAT", n.publicURL("http://100.64.1.1/feed"), "100.64.1.1 is a shared (carrier-grade NAT) address"},
		{"public to 0.0.0.0", n.publicURL("http://0.0.0.0:" + n.internalPort + "/secret"), "0.0.0.0 is an unspecified address"},
		{"public to a name with one private address", n.publicURL("http://mixed.test:" + n.publicPort + "/feed"), "mixed.test (10.0.0.1) is a private address"},
		{"loopback to a private network", "http://127.0.0.1:" + n.internalPort + "/to-private", "10.20.30.40 is a private address"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := n.internalHits.Load()
			if strings.HasPrefix(tt.url, "http://127.0.0.1") {
				before++ // the first hop itself is on the internal server
			}
			_, err := fetch(t, n.fetcher(), Request{URL: tt.url})
			wantErr(t, err, "redirect to ", "refused", tt.why, "allow_private")
			if !errors.Is(err, ErrInternalAddress) {
				t.Errorf("not ErrInternalAddress: %v", err)
			}
			if got := n.internalHits.Load(); got != before {
				t.Errorf("the internal server was asked %d times", got-before)
			}
		})
	}
}

func TestFetchAllowsWithinItsKind(t *testing.T) {
	n := newTestNet(t)
	for _, tt := range []struct {
		name string
		req  Request
		want string // body prefix
	}{
		{"public to public", Request{URL: n.publicURL(n.publicURL(""))}, rssBody},
		{"loopback feed, as configured", Request{URL: "http://127.0.0.1:" + n.internalPort + "/feed"}, "INTERNAL"},
		{"loopback to loopback by name", Request{URL: "http://intranet.test:" + n.internalPort + "/moved"}, "INTERNAL"},
		{"public to loopback with allow_private", Request{URL: n.publicURL("http://intranet.test:" + n.internalPort + "/secret"),
			AllowPrivate: true}, "INTERNAL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := fetch(t, n.fetcher(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(resp.Body), tt.want) {
				t.Errorf("body %q", resp.Body)
			}
		})
	}
}

// A name that answers public for the check and loopback for the dial is
// refused at the connection: the dialled address is what counts.
func TestFetchRefusesRebinding(t *testing.T) {
	for _, tt := range []struct{ name, path string }{
		{"first hop", ""},
		{"redirect", "redirect"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := newTestNet(t)
			target := "http://rebind.test:" + n.internalPort + "/secret"
			u := target
			if tt.path == "redirect" {
				u = n.publicURL(target)
			}
			_, err := fetch(t, n.fetcher(), Request{URL: u})
			wantErr(t, err, "rebind.test (127.0.0.1) is a loopback address")
			if !errors.Is(err, ErrInternalAddress) {
				t.Errorf("not ErrInternalAddress: %v", err)
			}
			if n.internalHits.Load() != 0 {
				t.Error("the internal server was reached")
			}
			n.mu.Lock()
			if n.lookups["rebind.test"] < 2 {
				t.Errorf("rebind.test looked up %d times: the dial did not resolve again", n.lookups["rebind.test"])
			}
			n.mu.Unlock()
		})
	}
}

// The dial check stands on its own: a transport whose every name resolves
// to a loopback address after a public first hop never connects.
func TestGuardDialChecksTheConnectedAddress(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	g := (&Fetcher{}).newGuard(false, false) // public only, as after a public first hop
	tr := g.transport(http.DefaultTransport.(*http.Transport))
	defer tr.CloseIdleConnections()
	_, err := tr.DialContext(context.Background(), "tcp", srv.Listener.Addr().String())
	if !errors.Is(err, ErrInternalAddress) {
		t.Fatalf("dial: %v", err)
	}
	if hits.Load() != 0 {
		t.Error("connected")
	}
}

// A client whose transport is not an *http.Transport still gets the
// check of every redirect's target.
func TestFetchCustomTransportChecksHops(t *testing.T) {
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		h := http.Header{}
		if r.URL.Host == "news.lumo.test" {
			h.Set("Location", "http://127.0.0.1/admin")
			return &http.Response{StatusCode: http.StatusFound, Header: h, Body: http.NoBody, Request: r}, nil
		}
		return &http.Response{StatusCode: http.StatusOK, Header: h, Body: http.NoBody, Request: r}, nil
	})
	f := &Fetcher{
		Client: &http.Client{Transport: rt},
		LookupIP: func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{netip.MustParseAddr("192.0.2.10")}, nil // public, never dialled
		},
	}
	_, err := fetch(t, f, Request{URL: "http://news.lumo.test/feed"})
	if !errors.Is(err, ErrInternalAddress) {
		t.Fatalf("want ErrInternalAddress, got %v", err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// A URL taken from content (a news item's link, read for its card) may
// reach public addresses only, even as its first hop, and never a file.
func TestFetchPublicOnly(t *testing.T) {
	n := newTestNet(t)
	for _, tt := range []struct {
		name string
		req  Request
		ok   bool
	}{
		{"public", Request{URL: n.publicURL(""), PublicOnly: true}, true},
		{"loopback first hop", Request{URL: "http://127.0.0.1:" + n.internalPort + "/feed", PublicOnly: true}, false},
		{"loopback by name", Request{URL: "http://intranet.test:" + n.internalPort + "/moved", PublicOnly: true}, false},
		{"allow_private does not lift it", Request{URL: "http://127.0.0.1:" + n.internalPort + "/feed", PublicOnly: true, AllowPrivate: true}, false},
		{"public to loopback", Request{URL: n.publicURL("http://intranet.test:" + n.internalPort + "/secret"), PublicOnly: true}, false},
		{"a file", Request{URL: "/etc/hostname", PublicOnly: true}, false},
		{"a file URL", Request{URL: "file:///etc/hostname", PublicOnly: true}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := fetch(t, n.fetcher(), tt.req)
			if tt.ok && err != nil {
				t.Fatal(err)
			}
			if !tt.ok && err == nil {
				t.Fatalf("fetched %q", resp.Body)
			}
			if !tt.ok && strings.HasPrefix(tt.req.URL, "http") && !errors.Is(err, ErrInternalAddress) {
				t.Errorf("refused for another reason: %v", err)
			}
		})
	}
}
