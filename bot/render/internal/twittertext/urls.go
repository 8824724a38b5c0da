package twittertext

import "strings"

const (
	maxURLLength    = 4096
	maxTcoSlugLen   = 40
	defaultProtocol = "https://"
)

// URLs is extractUrlsWithIndices(text): URLs with http:// or https:// and, when
// withoutProtocol, bare domains as its validAsciiDomain finds them.
func URLs(s string, withoutProtocol bool) []Entity {
	if withoutProtocol && !strings.Contains(s, ".") || !withoutProtocol && !strings.Contains(s, ":") {
		return nil
	}
	sc := newScanner(s)
	var out []Entity
	for q := 0; q < len(s); {
		m, ok := sc.find(q)
		if !ok {
			break
		}
		q = m.end
		out = sc.accept(m, withoutProtocol, out)
	}
	return out
}

type urlMatch struct {
	start, end       int // the URL ($3)
	protoEnd         int // start+len(protocol); start when there is none
	domStart, domEnd int
	hasPath          bool
	before           rune // the preceding character; -1 for ^
	halfUnit         bool // the match starts inside a surrogate pair (see find)
}

// find is extractUrl.exec from lastIndex q: the first position, in the regular
// expression's order, where a preceding character (or ^) and a URL match.
func (sc *scanner) find(q int) (urlMatch, bool) {
	s := sc.s
	for ; q < len(s); q += sc.size(q) {
		r, size := decode(s, q)
		astral := size == 4 && precedingChars.Has(r)
		if astral {
			// JavaScript takes the high surrogate as the preceding character and starts
			// the URL at the low one, a domain character: the domain's first label then
			// begins with this character.
			if m, ok := sc.matchAt(q, false); ok {
				m.before, m.halfUnit = r, true
				return m, true
			}
		} else if precedingChars.Has(r) {
			if m, ok := sc.matchAt(q+size, true); ok {
				m.before = r
				return m, true
			}
		}
		if q == 0 {
			if m, ok := sc.matchAt(0, true); ok {
				m.before = -1
				return m, true
			}
		}
		if astral {
			// ... and then the low surrogate as the preceding character of what follows.
			if m, ok := sc.matchAt(q+size, true); ok {
				m.before = r
				return m, true
			}
		}
	}
	return urlMatch{}, false
}

// matchAt matches (https?://)?domain(:port)?(/path)?(?query)? at q.
func (sc *scanner) matchAt(q int, protocolAllowed bool) (urlMatch, bool) {
	s := sc.s
	if q >= len(s) {
		return urlMatch{}, false
	}
	if protocolAllowed {
		for _, p := range []string{"https://", "http://"} {
			if len(s)-q >= len(p) && strings.EqualFold(s[q:q+len(p)], p) {
				if m, ok := sc.rest(q, q+len(p)); ok {
					return m, true
				}
				break
			}
		}
	}
	return sc.rest(q, q)
}

func (sc *scanner) rest(start, d int) (urlMatch, bool) {
	s := sc.s
	domEnd := sc.domain(d)
	if domEnd < 0 {
		return urlMatch{}, false
	}
	m := urlMatch{start: start, protoEnd: d, domStart: d, domEnd: domEnd}
	e := domEnd
	if e+1 < len(s) && s[e] == ':' && s[e+1] >= '0' && s[e+1] <= '9' {
		e += 2
		for e < len(s) && s[e] >= '0' && s[e] <= '9' {
			e++
		}
	}
	if e < len(s) && s[e] == '/' {
		m.hasPath = true
		e = pathEnd(s, e+1)
	}
	if e < len(s) && s[e] == '?' {
		e = queryEnd(s, e, len(s))
	}
	m.end = e
	return m, true
}

// accept is the body of extractUrlsWithIndices' loop for one match.
func (sc *scanner) accept(m urlMatch, withoutProtocol bool, out []Entity) []Entity {
	s := sc.s
	protocol := s[m.start:m.protoEnd]
	if !sc.validURL(m, protocol) {
		return out
	}
	if protocol == "" {
		if !withoutProtocol || strings.ContainsRune("-_./", m.before) {
			return out
		}
		n := len(out)
		out = sc.asciiDomains(m.domStart, m.domEnd, out)
		if len(out) > n && m.hasPath {
			last := &out[len(out)-1]
			last.End = m.end
			last.Text = s[last.Start:last.End]
		}
		return out
	}
	end := m.end
	if e, ok := tcoEnd(s, m.start, m.protoEnd, m.end); ok {
		if e < 0 {
			return out
		}
		end = e
	}
	return append(out, Entity{Start: m.start, End: end, Text: s[m.start:end]})
}

// validURL is isValidUrl: the domain's labels are 1 to 63 characters once punycoded, the URL
// with its protocol (https:// when it has none) at most 4096 UTF-16 units, and a domain
// starting "xn--" has an ASCII domain in it.
func (sc *scanner) validURL(m urlMatch, protocol string) bool {
	s := sc.s
	domain := s[m.domStart:m.domEnd]
	if strings.HasPrefix(domain, "xn--") {
		if len(sc.asciiDomains(m.domStart, m.domEnd, nil)) == 0 {
			return false
		}
	}
	for label := range strings.SplitSeq(domain, ".") {
		if n := asciiLabelLen(label); n < 1 || n > 63 {
			return false
		}
	}
	if protocol == "" {
		protocol = defaultProtocol
	}
	n := len(protocol) + UTF16Len(s[m.start:m.end])
	if m.halfUnit {
		n--
	}
	return n <= maxURLLength
}

// tcoEnd matches ^https?://t\.co/([a-z0-9]+)(?:\?query)? (case-insensitive) in
// s[start:end]: its end, -1 when the slug is too long, ok false when it is no t.co URL.
func tcoEnd(s string, start, protoEnd, end int) (int, bool) {
	k := protoEnd
	if end-k < len("t.co/") || !strings.EqualFold(s[k:k+len("t.co/")], "t.co/") {
		return 0, false
	}
	k += len("t.co/")
	slug := k
	for k < end && isASCIIAlnum(rune(s[k])) {
		k++
	}
	if k == slug {
		return 0, false
	}
	if k-slug > maxTcoSlugLen {
		return -1, true
	}
	if k < end && s[k] == '?' {
		k = queryEnd(s, k, end)
	}
	return k, true
}

// queryEnd matches \?queryChar*queryEndChar at s[q] == '?' up to limit: its end, or q.
func queryEnd(s string, q, limit int) int {
	good := q
	for k := q + 1; k < limit; k++ {
		r := rune(s[k])
		if r >= 0x80 || !queryChars.Has(r) {
			break
		}
		if queryEndChars.Has(r) {
			good = k + 1
		}
	}
	return good
}

// pathEnd returns the end of validUrlPath* that starts at k, just after the '/': the last
// ending character or balanced parenthesis group before the path characters stop.
func pathEnd(s string, k int) int {
	good := k
	for k < len(s) {
		r, size := decode(s, k)
		switch {
		case r == '(':
			e, ok := balancedParens(s, k)
			if !ok {
				return good
			}
			k, good = e, e
		case pathChars.Has(r):
			k += size
			if pathEndChars.Has(r) {
				good = k
			}
		default:
			return good
		}
	}
	return good
}

// balancedParens matches \((?:general+|general*\(general+\)general*)\) at k.
func balancedParens(s string, k int) (int, bool) {
	gen := func(i int) int {
		for i < len(s) {
			r, size := decode(s, i)
			if !pathChars.Has(r) {
				break
			}
			i += size
		}
		return i
	}
	g1 := gen(k + 1)
	if g1 > k+1 && g1 < len(s) && s[g1] == ')' {
		return g1 + 1, true
	}
	if g1 < len(s) && s[g1] == '(' {
		g2 := gen(g1 + 1)
		if g2 > g1+1 && g2 < len(s) && s[g2] == ')' {
			g3 := gen(g2 + 1)
			if g3 < len(s) && s[g3] == ')' {
				return g3 + 1, true
			}
		}
	}
	return 0, false
}
