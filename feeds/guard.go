package feeds

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrInternalAddress is wrapped by the error for a fetch refused because
// a redirect, or a name that changed its answer, led from a public address
// to an internal one (loopback, private, link-local, ...): otherwise
// whoever controls a public feed could have an internal document fetched
// and posted publicly. Request.AllowPrivate lifts the check.
var ErrInternalAddress = errors.New("internal address refused")

// addrClass sorts addresses by who may reach them.
type addrClass uint8

const (
	classPublic addrClass = iota
	classLoopback
	classPrivate     // RFC 1918, ULA fc00::/7
	classLinkLocal   // 169.254/16 (cloud metadata), fe80::/10
	classShared      // 100.64/10, carrier-grade NAT
	classUnspecified // 0.0.0.0/8, ::
	classReserved    // multicast, broadcast, 240/4
)

func (c addrClass) String() string {
	switch c {
	case classPublic:
		return "a public address"
	case classLoopback:
		return "a loopback address"
	case classPrivate:
		return "a private address"
	case classLinkLocal:
		return "a link-local address"
	case classShared:
		return "a shared (carrier-grade NAT) address"
	case classUnspecified:
		return "an unspecified address"
	}
	return "a multicast or reserved address"
}

var (
	cgnat    = netip.MustParsePrefix("100.64.0.0/10")
	thisNet  = netip.MustParsePrefix("0.0.0.0/8")
	reserved = netip.MustParsePrefix("240.0.0.0/4") // includes 255.255.255.255
	nat64    = netip.MustParsePrefix("64:ff9b::/96")
)

func classify(a netip.Addr) addrClass {
	a = a.Unmap()
	if nat64.Contains(a) {
		// A NAT64 gateway turns 64:ff9b::a00:1 into 10.0.0.1.
		b := a.As16()
		if c := classify(netip.AddrFrom4([4]byte(b[12:]))); c != classPublic {
			return c
		}
	}
	switch {
	case !a.IsValid():
		return classReserved
	case a.IsUnspecified(), thisNet.Contains(a):
		return classUnspecified
	case a.IsLoopback():
		return classLoopback
	case a.IsLinkLocalUnicast(), a.IsLinkLocalMulticast():
		return classLinkLocal
	case a.IsPrivate():
		return classPrivate
	case cgnat.Contains(a):
		return classShared
	case a.IsMulticast(), reserved.Contains(a):
		return classReserved
	}
	return classPublic
}

// addrError is a refused address.
type addrError struct {
	host  string // as named in the URL; "" when only the address is known
	addr  netip.Addr
	class addrClass
	// public is set for a fetch that may reach public addresses only.
	public bool
}

func (e *addrError) Error() string {
	what := e.addr.String()
	if e.host != "" && e.host != what {
		what = e.host + " (" + what + ")"
	}
	if e.public {
		return fmt.Sprintf("%s is %s: a link read from a feed or a page may lead to public addresses only", what, e.class)
	}
	return fmt.Sprintf("%s is %s, which a feed on a public address may not lead to (allow_private allows it)", what, e.class)
}

func (e *addrError) Is(target error) bool { return target == ErrInternalAddress }

// A guard holds the address classes one fetch may reach: public ones and
// those of the first hop, so that a feed configured on loopback or a
// private network works as before and may redirect within its kind,
// while a public feed cannot lead inward. It checks every hop's name (for
// a clear error) and the address each connection is actually made to, so
// that a name resolving one way for the check and another for the dial
// (DNS rebinding) gains nothing.
type guard struct {
	allowAll bool
	// publicOnly keeps even the first hop to public addresses: the URL
	// came from content (a feed item's link), not from the operator.
	publicOnly bool
	allowed    [classReserved + 1]bool
	lookup     func(ctx context.Context, host string) ([]netip.Addr, error)
	classify   func(netip.Addr) addrClass
	// proxied is set when the transport sends a request through a proxy:
	// the connection is then to the proxy, which the operator chose, and
	// the proxy resolves the names.
	proxied atomic.Bool
}

func (f *Fetcher) newGuard(allowPrivate, publicOnly bool) *guard {
	g := &guard{allowAll: allowPrivate && !publicOnly, publicOnly: publicOnly, lookup: f.LookupIP, classify: f.classify}
	if g.lookup == nil {
		g.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	if g.classify == nil {
		g.classify = classify
	}
	g.allowed[classPublic] = true
	return g
}

// resolve returns the addresses of host, an IP literal or a name.
func (g *guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.WithZone("")}, nil
	}
	addrs, err := g.lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("lookup %s: no addresses", host)
	}
	return addrs, nil
}

// noteProxy asks c's transport (one of ours) whether it sends req through
// a proxy, so that start does not require the first hop's name to
// resolve here.
func (g *guard) noteProxy(c *http.Client, req *http.Request) {
	if t, ok := c.Transport.(*http.Transport); ok && t.Proxy != nil {
		_, _ = t.Proxy(req)
	}
}

// start allows the classes of the first hop's addresses.
func (g *guard) start(ctx context.Context, host string) error {
	if g.allowAll {
		return nil
	}
	if g.publicOnly {
		return g.checkHost(ctx, host)
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		if g.proxied.Load() {
			return nil // the proxy resolves; public addresses only
		}
		return err
	}
	for _, a := range addrs {
		g.allowed[g.classify(a)] = true
	}
	return nil
}

// checkAddr refuses an address of a class this fetch may not reach.
func (g *guard) checkAddr(host string, a netip.Addr) error {
	if g.allowAll {
		return nil
	}
	if c := g.classify(a); !g.allowed[c] {
		return &addrError{host: host, addr: a.Unmap(), class: c, public: g.publicOnly}
	}
	return nil
}

// checkHost refuses a name any of whose addresses this fetch may not
// reach. It is the check of a redirect's target, before it is requested.
func (g *guard) checkHost(ctx context.Context, host string) error {
	if g.allowAll {
		return nil
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		if g.proxied.Load() {
			return nil
		}
		return err
	}
	for _, a := range addrs {
		if err := g.checkAddr(host, a); err != nil {
			return err
		}
	}
	return nil
}

// transport returns a copy of base that dials through the guard: names
// are resolved with the guard's lookup, and every address is checked as
// the socket connects to it (net.Dialer.ControlContext sees the address
// actually dialled, whatever a name said a moment earlier).
func (g *guard) transport(base *http.Transport) *http.Transport {
	t := base.Clone()
	proxy := t.Proxy
	t.Proxy = func(r *http.Request) (*url.URL, error) {
		if proxy == nil {
			return nil, nil
		}
		// Hops are requested one after another, each through the proxy
		// or not (NO_PROXY), and each dials after this call.
		u, err := proxy(r)
		g.proxied.Store(u != nil)
		return u, err
	}
	dialer := &net.Dialer{
		Timeout:   30 * time.Second,
		KeepAlive: 30 * time.Second,
		ControlContext: func(_ context.Context, _, address string, _ syscall.RawConn) error {
			if g.proxied.Load() {
				return nil
			}
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("%w: unreadable address %q", ErrInternalAddress, address)
			}
			return g.checkAddr("", ap.Addr())
		},
	}
	t.DialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		if g.proxied.Load() {
			return dialer.DialContext(ctx, network, address)
		}
		host, port, err := net.SplitHostPort(address)
		if err != nil {
			return nil, err
		}
		addrs, err := g.resolve(ctx, host)
		if err != nil {
			return nil, err
		}
		var first error
		for _, a := range addrs {
			conn, err := dialer.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
			if err == nil {
				return conn, nil
			}
			var refused *addrError
			if errors.As(err, &refused) {
				refused.host = host
				return nil, refused // one refused address is a verdict on the name
			}
			if first == nil {
				first = err
			}
		}
		return nil, first
	}
	return t
}
