package render

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"
)

// This file extracts URLs the way twitter-text (v3, 2020) does, written by
// hand from its regular expressions (extractUrl and friends):
//
//   - a URL starts at the beginning of the text or after a character that is
//     not an ASCII letter or digit, '@', '＠', '$', '#', '＃' or U+FFFE/U+FEFF/U+FFFF
//     (directional marks U+202A–U+202E, U+061C, U+200E, U+200F, U+2066–U+2069 are allowed);
//   - optional "http://" or "https://" (any case), then a domain: labels of
//     "domain characters" (anything but ASCII punctuation, spaces and the
//     invalid characters) separated by '.', inner labels may contain '-' and
//     '_' inside, the last but one only '-', and the last one a top-level
//     domain followed by a character that is not [0-9A-Za-z@+-];
//   - optional ":port", "/path" (balanced parentheses up to two levels, must
//     end in an "ending" character so "/foo." does not take the period) and
//     "?query" (likewise);
//   - every label, punycode-encoded, is 1 to 63 characters long and the URL is
//     at most 4096 characters, else it is no URL at all (it counts as text);
//   - without a protocol only ASCII (and Latin-accented) domains count, not after
//     '-', '_', '.' or '/', and a bare "name.<2-letter ccTLD>" without a path
//     is no URL (except .co and .tv: "t.co" is one);
//   - t.co links end after their slug.
//
// Difference from twitter-text: which top-level domains exist is decided by
// the ICANN section of the public suffix list compiled into
// golang.org/x/net/publicsuffix (plus any "xn--" label) instead of
// twitter-text's hand-kept 2020 list. Country-code TLDs are the two-letter ASCII
// ones and the internationalized ones.

const maxURLLength = 4096

// Span is a part of a text: Start and End are UTF-8 byte offsets (End
// exclusive), Text is text[Start:End].
type Span struct {
	Start, End int
	Text       string
}

// URLs returns the URLs of text as twitter-text extracts them for X: http(s)
// URLs and bare domains such as "example.com" or "www.lumo.fi/x". The spans are
// byte offsets into text (not normalized), as Bluesky's link facets need.
func URLs(text string) []Span {
	return extractURLs(text, true)
}

// protocolURLs returns only the URLs written with http:// or https://, as
// Mastodon counts them.
func protocolURLs(text string) []Span {
	return extractURLs(text, false)
}

func extractURLs(s string, withoutProtocol bool) []Span {
	if withoutProtocol {
		if !strings.Contains(s, ".") {
			return nil
		}
	} else if !strings.Contains(s, ":") {
		return nil
	}
	sc := newURLScanner(s)
	var out []Span
	last := 0 // like the regexp's lastIndex
	for p := 0; p <= len(s); {
		// Candidate start positions for this p, in the regexp's order: after the
		// preceding character at p, or at p itself when p == 0 (^).
		var m urlMatch
		ok := false
		if p < len(s) {
			r, size := utf8.DecodeRuneInString(s[p:])
			if validPreceding(r) {
				m, ok = sc.matchAt(p + size)
				m.before = r
			}
		}
		if !ok && p == 0 && p == last {
			m, ok = sc.matchAt(0)
			m.before = -1
		}
		if !ok {
			if p >= len(s) {
				break
			}
			_, size := utf8.DecodeRuneInString(s[p:])
			p += size
			continue
		}
		p = m.end
		last = m.end
		if !validURL(s[m.start:m.end], m.protocol, s[m.domStart:m.domEnd]) {
			continue
		}
		if m.protocol == "" {
			if !withoutProtocol || strings.ContainsRune("-_./", m.before) {
				continue
			}
			doms := asciiDomains(s, m.domStart, m.domEnd)
			if len(doms) == 0 {
				continue
			}
			hasPath := m.pathEnd > m.pathStart
			for i, d := range doms {
				name := s[d[0]:d[1]]
				if !hasPath && !specialShortDomain(name) && invalidShortDomain(name) {
					continue
				}
				if i == len(doms)-1 && hasPath {
					d[1] = m.end
				}
				out = append(out, Span{Start: d[0], End: d[1], Text: s[d[0]:d[1]]})
			}
			continue
		}
		end := m.end
		if e, ok := tcoEnd(s[m.start:m.end]); ok {
			if e < 0 {
				continue
			}
			end = m.start + e
		}
		out = append(out, Span{Start: m.start, End: end, Text: s[m.start:end]})
	}
	return out
}

type urlMatch struct {
	start, end         int
	protocol           string
	domStart, domEnd   int
	pathStart, pathEnd int
	before             rune // the preceding character, -1 at the start of the text
}

type urlScanner struct {
	s string
	// runEnd caches the end of the run of label characters that contains a
	// position, so that long texts without dots stay linear.
	runStart, runEnd int
}

func newURLScanner(s string) *urlScanner { return &urlScanner{s: s, runStart: -1, runEnd: -1} }

// matchAt tries the URL pattern at byte offset q.
func (sc *urlScanner) matchAt(q int) (urlMatch, bool) {
	s := sc.s
	if q >= len(s) {
		return urlMatch{}, false
	}
	for _, proto := range []string{"https://", "http://"} {
		if len(s)-q >= len(proto) && strings.EqualFold(s[q:q+len(proto)], proto) {
			if m, ok := sc.matchRest(q, q+len(proto)); ok {
				m.protocol = s[q : q+len(proto)]
				return m, true
			}
			break
		}
	}
	return sc.matchRest(q, q)
}

func (sc *urlScanner) matchRest(start, d int) (urlMatch, bool) {
	s := sc.s
	domEnd, ok := sc.domain(d)
	if !ok {
		return urlMatch{}, false
	}
	m := urlMatch{start: start, domStart: d, domEnd: domEnd}
	e := domEnd
	// port
	if e < len(s) && s[e] == ':' {
		k := e + 1
		for k < len(s) && s[k] >= '0' && s[k] <= '9' {
			k++
		}
		if k > e+1 {
			e = k
		}
	}
	// path
	m.pathStart, m.pathEnd = e, e
	if e < len(s) && s[e] == '/' {
		e = pathEnd(s, e+1)
		m.pathEnd = e
	}
	// query
	if e < len(s) && s[e] == '?' {
		good := -1
		for k := e + 1; k < len(s); k++ {
			c := s[k]
			if !isQueryChar(c) {
				break
			}
			if isQueryEnding(c) {
				good = k + 1
			}
		}
		if good > 0 {
			e = good
		}
	}
	m.end = e
	return m, true
}

// labelRun returns the end of the run of domain characters, '-' and '_'
// starting at q.
func (sc *urlScanner) labelRun(q int) int {
	if q > sc.runStart && q < sc.runEnd {
		return sc.runEnd
	}
	s := sc.s
	k := q
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		if !isDomainChar(r) && r != '-' && r != '_' {
			break
		}
		k += size
	}
	sc.runStart, sc.runEnd = q, k
	return k
}

// domain matches subdomain* domainName TLD at d and returns its end.
func (sc *urlScanner) domain(d int) (int, bool) {
	s := sc.s
	type label struct{ start, end int }
	var labels []label
	k := d
	for k < len(s) {
		e := sc.labelRun(k)
		if e == k {
			break
		}
		labels = append(labels, label{k, e})
		if e < len(s) && s[e] == '.' {
			k = e + 1
			continue
		}
		break
	}
	// The last label given is only a candidate for the TLD; try the longest
	// structure first, as the regexp's greedy repetition does.
	for n := len(labels); n >= 2; n-- {
		ok := true
		for i := 0; i < n-2 && ok; i++ {
			ok = validLabel(s[labels[i].start:labels[i].end], true)
		}
		if !ok || !validLabel(s[labels[n-2].start:labels[n-2].end], false) {
			continue
		}
		if end, ok := tldAt(s, labels[n-1].start, labels[n-1].end); ok {
			return end, true
		}
	}
	return 0, false
}

// validLabel: domain char, then domain chars or '-' (and '_' in subdomains),
// ending with a domain char.
func validLabel(l string, sub bool) bool {
	if l == "" {
		return false
	}
	first, _ := utf8.DecodeRuneInString(l)
	lastR, _ := utf8.DecodeLastRuneInString(l)
	if !isDomainChar(first) || !isDomainChar(lastR) {
		return false
	}
	if !sub && strings.Contains(l, "_") {
		return false
	}
	return true
}

// tldAt finds the longest top-level domain that starts at a label start and
// is followed by a character outside [0-9A-Za-z@+-] (or the end of text).
func tldAt(s string, start, runEnd int) (int, bool) {
	if runEnd-start >= 4 && strings.EqualFold(s[start:start+4], "xn--") {
		k := start + 4
		for k < runEnd && (isASCIIAlnum(s[k]) || s[k] == '-') {
			k++
		}
		if k > start+4 {
			return k, true
		}
	}
	// candidate ends, longest first; TLDs are at most 63 bytes of punycode
	var ends []int
	for k := start; k < runEnd && k-start <= 96; {
		_, size := utf8.DecodeRuneInString(s[k:])
		k += size
		if k >= len(s) || !tldFollower(s[k]) {
			ends = append(ends, k)
		}
	}
	for i := len(ends) - 1; i >= 0; i-- {
		if isTLD(s[start:ends[i]]) {
			return ends[i], true
		}
	}
	return 0, false
}

func tldFollower(c byte) bool {
	return isASCIIAlnum(c) || c == '@' || c == '+' || c == '-'
}

// isTLD reports whether t is a top-level domain in the ICANN section of the
// public suffix list.
func isTLD(t string) bool {
	if t == "" || strings.ContainsAny(t, "_-") {
		return false
	}
	a, err := idna.Punycode.ToASCII(strings.ToLower(t))
	if err != nil || a == "" || strings.Contains(a, ".") {
		return false
	}
	_, icann := publicsuffix.PublicSuffix("x." + a)
	return icann
}

func isCCTLD(t string) bool {
	if len(t) == 2 && isASCIILetter(t[0]) && isASCIILetter(t[1]) {
		return true
	}
	for i := 0; i < len(t); i++ {
		if t[i] >= utf8.RuneSelf {
			return true
		}
	}
	return false
}

// invalidShortDomain: exactly "name.<ccTLD>".
func invalidShortDomain(d string) bool {
	i := strings.IndexByte(d, '.')
	return i > 0 && strings.Count(d, ".") == 1 && isCCTLD(d[i+1:])
}

// specialShortDomain: exactly "name.co" or "name.tv".
func specialShortDomain(d string) bool {
	i := strings.IndexByte(d, '.')
	if i <= 0 || strings.Count(d, ".") != 1 {
		return false
	}
	t := strings.ToLower(d[i+1:])
	return t == "co" || t == "tv"
}

// asciiDomains finds, inside the domain s[from:to], the domains made of ASCII
// letters, digits, '-' and Latin-accented letters, as twitter-text's
// validAsciiDomain does. It returns byte offsets into s.
func asciiDomains(s string, from, to int) [][2]int {
	var out [][2]int
	s = s[:to]
	k := from
	for k < to {
		r, size := utf8.DecodeRuneInString(s[k:])
		if !isASCIIDomainChar(r) || r == '.' {
			k += size
			continue
		}
		runEnd := k
		for runEnd < to {
			r, size := utf8.DecodeRuneInString(s[runEnd:])
			if !isASCIIDomainChar(r) {
				break
			}
			runEnd += size
		}
		if e, ok := asciiDomainAt(s, k, runEnd); ok {
			out = append(out, [2]int{k, e})
			k = e
			continue
		}
		k += size
	}
	return out
}

// asciiDomainAt matches (label ".")+ TLD at k inside the run [k, runEnd),
// with as many labels as possible.
func asciiDomainAt(s string, k, runEnd int) (int, bool) {
	best := -1
	for i := k; ; {
		j := i
		for j < runEnd && s[j] != '.' {
			j++
		}
		if j == i || j >= runEnd {
			break
		}
		next := j + 1
		nextEnd := next
		for nextEnd < runEnd && s[nextEnd] != '.' {
			nextEnd++
		}
		if nextEnd > next {
			if e, ok := tldAt(s, next, nextEnd); ok {
				best = e
			}
		}
		i = next
	}
	return best, best > 0
}

// pathEnd returns the end of the URL path that starts at k (just after '/').
func pathEnd(s string, k int) int {
	good := k
	for k < len(s) {
		r, size := utf8.DecodeRuneInString(s[k:])
		switch {
		case r == '(':
			e, ok := balancedParens(s, k)
			if !ok {
				return good
			}
			k = e
			good = k
			continue
		case isPathChar(r):
			k += size
			if isPathEnding(r) {
				good = k
			}
			continue
		}
		break
	}
	return good
}

// balancedParens matches "(" general+ ")" or "(" general* "(" general+ ")" general* ")" at k.
func balancedParens(s string, k int) (int, bool) {
	gen := func(i int) int {
		for i < len(s) {
			r, size := utf8.DecodeRuneInString(s[i:])
			if !isPathChar(r) {
				break
			}
			i += size
		}
		return i
	}
	g1 := gen(k + 1)
	if g1 < len(s) && s[g1] == ')' && g1 > k+1 {
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

// tcoEnd: t.co URLs end after their slug; a slug over 40 characters makes
// the URL invalid (-1).
func tcoEnd(u string) (int, bool) {
	l := strings.ToLower(u)
	var rest int
	switch {
	case strings.HasPrefix(l, "http://t.co/"):
		rest = len("http://t.co/")
	case strings.HasPrefix(l, "https://t.co/"):
		rest = len("https://t.co/")
	default:
		return 0, false
	}
	k := rest
	for k < len(l) && isASCIIAlnum(l[k]) {
		k++
	}
	if k == rest {
		return 0, false
	}
	if k-rest > 40 {
		return -1, true
	}
	return k, true
}

// validURL: every label of the domain, punycode-encoded, is 1–63 characters
// and the whole URL at most 4096 (counting the default "https://" when none).
func validURL(u, protocol, domain string) bool {
	if len(domain) >= 4 && strings.EqualFold(domain[:4], "xn--") {
		for i := 0; i < len(domain); i++ {
			c := domain[i]
			if !(isASCIIAlnum(c) || c == '-' || c == '.') {
				return false
			}
		}
	}
	extra := 0
	for _, l := range strings.Split(domain, ".") {
		enc := l
		if !isASCII(l) {
			a, err := idna.Punycode.ToASCII(l)
			if err != nil {
				return false
			}
			enc = a
		}
		if len(enc) < 1 || len(enc) > 63 {
			return false
		}
		extra += len(enc) - utf16Len(l)
	}
	if protocol == "" {
		protocol = "https://"
	}
	return len(protocol)+utf16Len(u)+extra <= maxURLLength
}

func validPreceding(r rune) bool {
	switch {
	case r == 0x202A || r == 0x202B || r == 0x202C || r == 0x202D || r == 0x202E,
		r == 0x061C, r == 0x200E, r == 0x200F, r >= 0x2066 && r <= 0x2069:
		return true
	case r < utf8.RuneSelf && isASCIIAlnum(byte(r)):
		return false
	case r == '@' || r == '＠' || r == '$' || r == '#' || r == '＃':
		return false
	case r == 0xFFFE || r == 0xFEFF || r == 0xFFFF:
		return false
	}
	return true
}

// isDomainChar: not ASCII punctuation, not a space, not an invalid character.
// (As in twitter-text, '"' and '`' are not in its punctuation class.)
func isDomainChar(r rune) bool {
	if r < utf8.RuneSelf {
		if r == ' ' || r >= 0x09 && r <= 0x0D {
			return false
		}
		return !strings.ContainsRune(`!'#%&()*+,\-./:;<=>?@[]^_{|}~$`, r)
	}
	switch r {
	case 0x85, 0xA0, 0x1680, 0x180E, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000,
		0xFFFE, 0xFEFF, 0xFFFF, utf8.RuneError:
		return false
	}
	return r < 0x2000 || r > 0x200A
}

func isASCIIDomainChar(r rune) bool {
	return r < utf8.RuneSelf && (isASCIIAlnum(byte(r)) || r == '-' || r == '.') || isLatinAccent(r)
}

func isLatinAccent(r rune) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0xFF,
		r >= 0x100 && r <= 0x24F, r >= 0x300 && r <= 0x36F, r >= 0x1E00 && r <= 0x1EFF:
		return true
	}
	switch r {
	case 0x253, 0x254, 0x256, 0x257, 0x259, 0x25B, 0x263, 0x268, 0x26F, 0x272, 0x289, 0x28B, 0x2BB:
		return true
	}
	return false
}

func isPathChar(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return isASCIIAlnum(c) || strings.IndexByte("!*';:=+,.$/%#[]-_~@|&", c) >= 0
	}
	return r == 0x2013 || (r >= 0x400 && r <= 0x4FF) || isLatinAccent(r)
}

func isPathEnding(r rune) bool {
	if r < utf8.RuneSelf {
		c := byte(r)
		return isASCIIAlnum(c) || strings.IndexByte("+-=_#/", c) >= 0
	}
	return (r >= 0x400 && r <= 0x4FF) || isLatinAccent(r)
}

func isQueryChar(c byte) bool {
	return isASCIIAlnum(c) || strings.IndexByte("!?*'@();:&=+$/%#[]-_.,~|", c) >= 0
}

func isQueryEnding(c byte) bool {
	return isASCIIAlnum(c) || strings.IndexByte("-_&=#/", c) >= 0
}

func isASCIIAlnum(c byte) bool {
	return isASCIILetter(c) || c >= '0' && c <= '9'
}

func isASCIILetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// utf16Len is the length of s in UTF-16 code units, as JavaScript counts.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		if r >= 0x10000 && r <= utf8.MaxRune {
			n += 2
		} else {
			n++
		}
	}
	return n
}
