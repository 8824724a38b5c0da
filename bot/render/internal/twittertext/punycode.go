package twittertext

import "strings"

// asciiLabelLen is the length of punycode.toASCII(label) (punycode.js 1.4.1, as
// twitter-text's idna.toAscii calls it): the label split at the IDNA dots, every part with
// a non-ASCII character written as "xn--" and its RFC 3492 encoding.
func asciiLabelLen(label string) int {
	n := 0
	first := true
	for part := range strings.SplitSeq(idnaDots.Replace(label), ".") {
		if !first {
			n++
		}
		first = false
		if isASCII(part) {
			n += len(part)
			continue
		}
		n += len("xn--") + punycodeLen(utf16CodePoints(part))
	}
	return n
}

var idnaDots = strings.NewReplacer("\u3002", ".", "\uFF0E", ".", "\uFF61", ".")

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// utf16CodePoints decodes s as punycode.js's ucs2decode sees it.
func utf16CodePoints(s string) []rune {
	out := make([]rune, 0, len(s))
	for i := 0; i < len(s); {
		r, size := decode(s, i)
		out = append(out, r)
		i += size
	}
	return out
}

// punycodeLen is the length of the RFC 3492 encoding of cps.
func punycodeLen(cps []rune) int {
	const (
		base, tmin, tmax, skew, damp = 36, 1, 26, 38, 700
		initialBias, initialN        = 72, 128
	)
	adapt := func(delta, numPoints int, first bool) int {
		if first {
			delta /= damp
		} else {
			delta /= 2
		}
		delta += delta / numPoints
		k := 0
		for delta > ((base-tmin)*tmax)/2 {
			delta /= base - tmin
			k += base
		}
		return k + (base-tmin+1)*delta/(delta+skew)
	}
	out := 0
	basic := 0
	for _, c := range cps {
		if c < 0x80 {
			basic++
		}
	}
	out += basic
	if basic > 0 {
		out++ // the delimiter
	}
	n, delta, bias := initialN, 0, initialBias
	for h := basic; h < len(cps); {
		m := rune(0x7FFFFFFF)
		for _, c := range cps {
			if c >= rune(n) && c < m {
				m = c
			}
		}
		delta += (int(m) - n) * (h + 1)
		n = int(m)
		for _, c := range cps {
			if int(c) < n {
				delta++
			}
			if int(c) == n {
				q := delta
				for k := base; ; k += base {
					t := k - bias
					if t < tmin {
						t = tmin
					} else if t > tmax {
						t = tmax
					}
					if q < t {
						break
					}
					out++
					q = (q - t) / (base - t)
				}
				out++
				bias = adapt(delta, h+1, h == basic)
				delta = 0
				h++
			}
		}
		delta++
		n++
	}
	return out
}
