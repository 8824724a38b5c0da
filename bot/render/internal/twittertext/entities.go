package twittertext

import (
	"sort"
	"strings"
)

// Hashtags is extractHashtagsWithIndices(text) with its URL check: '#' or '＃' after the
// start, U+FE0E/U+FE0F or a character that is no hashtag letter, digit or '&'; not
// followed by U+FE0F or U+20E3; a run of hashtag letters and digits with at least one
// letter; not followed by '#', '＃' or "://"; not overlapping a URL.
func Hashtags(s string) []Entity {
	if !strings.ContainsAny(s, "#＃") {
		return nil
	}
	var tags []Entity
	for q := 0; q < len(s); {
		start, end, next, ok := hashtagAt(s, q)
		if !ok {
			break
		}
		q = next
		if rest := s[end:]; strings.HasPrefix(rest, "#") || strings.HasPrefix(rest, "＃") || strings.HasPrefix(rest, "://") {
			continue
		}
		tags = append(tags, Entity{Start: start, End: end, Text: s[start:end]})
	}
	if len(tags) == 0 {
		return nil
	}
	return removeOverlapping(tags, URLs(s, true))
}

// hashtagAt finds the next match of validHashtag from q: the hashtag's span and where the
// search goes on.
func hashtagAt(s string, q int) (start, end, next int, ok bool) {
	for ; q < len(s); q += max(1, sizeAt(s, q)) {
		if q == 0 {
			if e, ok := hashtagBody(s, 0); ok {
				return 0, e, e, true
			}
		}
		r, size := decode(s, q)
		if r == 0xFE0E || r == 0xFE0F || !hashtagAlnum.Has(r) && r != '&' {
			if e, ok := hashtagBody(s, q+size); ok {
				return q + size, e, e, true
			}
		}
	}
	return 0, 0, 0, false
}

func sizeAt(s string, q int) int { _, n := decode(s, q); return n }

// hashtagBody matches [#＃](?!\uFE0F|\u20E3)alnum*alpha alnum* at i.
func hashtagBody(s string, i int) (int, bool) {
	r, size := decode(s, i)
	if r != '#' && r != '＃' {
		return 0, false
	}
	k := i + size
	if n, _ := decode(s, k); n == 0xFE0F || n == 0x20E3 {
		return 0, false
	}
	alpha := false
	for k < len(s) {
		c, n := decode(s, k)
		if !hashtagAlnum.Has(c) {
			break
		}
		alpha = alpha || hashtagAlpha.Has(c)
		k += n
	}
	return k, alpha
}

// removeOverlapping keeps the entities of keep that removeOverlappingEntities leaves when
// it sorts keep and others together by start (keep first on a tie) and drops every entity
// that starts before the previous kept one ends.
func removeOverlapping(keep, others []Entity) []Entity {
	type ent struct {
		Entity
		mine bool
	}
	all := make([]ent, 0, len(keep)+len(others))
	for _, e := range keep {
		all = append(all, ent{e, true})
	}
	for _, e := range others {
		all = append(all, ent{e, false})
	}
	sort.SliceStable(all, func(a, b int) bool { return all[a].Start < all[b].Start })
	var out []Entity
	prevEnd := -1
	for i, e := range all {
		if i > 0 && prevEnd > e.Start {
			continue
		}
		prevEnd = e.End
		if e.mine {
			out = append(out, e.Entity)
		}
	}
	return out
}

// Cashtags is extractCashtagsWithIndices(text): '$' at the start or after a space, 1 to 6
// letters, optionally '.' or '_' and 1 or 2 letters, then the end, a space or punctuation.
func Cashtags(s string) []Entity {
	if !strings.Contains(s, "$") {
		return nil
	}
	var out []Entity
	for q := 0; q < len(s); {
		at := -1
		if q == 0 && s[0] == '$' {
			if e := cashtagBody(s, 1); e > 0 {
				at = 0
				out = append(out, Entity{Start: 0, End: e, Text: s[:e]})
				q = e
				continue
			}
		}
		r, size := decode(s, q)
		if twitterSpace(r) && q+size < len(s) && s[q+size] == '$' {
			if e := cashtagBody(s, q+size+1); e > 0 {
				at = q + size
				out = append(out, Entity{Start: at, End: e, Text: s[at:e]})
				q = e
				continue
			}
		}
		q += size
	}
	return out
}

// twitterSpace is twitter-text's spaces class.
func twitterSpace(r rune) bool {
	switch {
	case r >= 0x09 && r <= 0x0D, r == 0x20, r == 0x85, r == 0xA0, r == 0x1680, r == 0x180E,
		r >= 0x2000 && r <= 0x200A, r == 0x2028, r == 0x2029, r == 0x202F, r == 0x205F, r == 0x3000:
		return true
	}
	return false
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// cashtagBody matches [a-z]{1,6}(?:[._][a-z]{1,2})?(?=$|\s|punct) at i, trying the
// lengths in the order the regular expression backtracks; the end or -1.
func cashtagBody(s string, i int) int {
	n := 0
	for n < 6 && i+n < len(s) && isASCIILetter(s[i+n]) {
		n++
	}
	followOK := func(e int) bool {
		if e >= len(s) {
			return true
		}
		r, _ := decode(s, e)
		return jsSpaces.Has(r) || r < 0x80 && strings.ContainsRune(`!'#%&()*+,\-./:;<=>?@[]^_{|}~$`, r)
	}
	for ; n >= 1; n-- {
		e := i + n
		if e+1 < len(s) && (s[e] == '.' || s[e] == '_') {
			m := 0
			for m < 2 && e+1+m < len(s) && isASCIILetter(s[e+1+m]) {
				m++
			}
			for ; m >= 1; m-- {
				if followOK(e + 1 + m) {
					return e + 1 + m
				}
			}
		}
		if followOK(e) {
			return e
		}
	}
	return -1
}

// Mentions is extractMentionsWithIndices(text): @name (1 to 20 of [A-Za-z0-9_]) after the
// start, a character outside [A-Za-z0-9_!#$%&*@＠] or "RT"/"RT:"; not followed by '@',
// a Latin accented letter or "://"; not a list (@name/list).
func Mentions(s string) []Entity {
	if !strings.ContainsAny(s, "@＠") {
		return nil
	}
	var out []Entity
	for q := 0; q < len(s); {
		at, nameEnd, end, ok := mentionAt(s, q)
		if !ok {
			break
		}
		q = end
		if after := s[end:]; strings.HasPrefix(after, "@") || strings.HasPrefix(after, "＠") || strings.HasPrefix(after, "://") {
			continue
		} else if r, _ := decode(s, end); r >= 0 && latinAccents.Has(r) {
			continue
		}
		if nameEnd != end { // a list
			continue
		}
		out = append(out, Entity{Start: at, End: nameEnd, Text: s[at:nameEnd]})
	}
	return out
}

func isNameChar(c byte) bool { return isASCIILetter(c) || c >= '0' && c <= '9' || c == '_' }

// mentionAt finds the next match of validMentionOrList from q: the '@', the end of the
// name, and the end of the match (after a list slug).
func mentionAt(s string, q int) (at, nameEnd, end int, ok bool) {
	body := func(i int) (int, int, bool) {
		r, size := decode(s, i)
		if r != '@' && r != '＠' {
			return 0, 0, false
		}
		k := i + size
		n := 0
		for n < 20 && k+n < len(s) && isNameChar(s[k+n]) {
			n++
		}
		if n == 0 {
			return 0, 0, false
		}
		ne := k + n
		e := ne
		if e+1 < len(s) && s[e] == '/' && isASCIILetter(s[e+1]) {
			e += 2
			for m := 0; m < 24 && e < len(s) && (isNameChar(s[e]) || s[e] == '-'); m++ {
				e++
			}
		}
		return ne, e, true
	}
	rt := func(i int) (int, bool) { // (?:rt|RT|rT|Rt):? then the '@'
		if i+2 > len(s) || !strings.EqualFold(s[i:i+2], "rt") {
			return 0, false
		}
		if i+2 < len(s) && s[i+2] == ':' {
			if _, _, ok := body(i + 3); ok {
				return i + 3, true
			}
		}
		return i + 2, true
	}
	for ; q < len(s); q += max(1, sizeAt(s, q)) {
		if q == 0 {
			if ne, e, ok := body(0); ok {
				return 0, ne, e, true
			}
		}
		r, size := decode(s, q)
		if !(r < 0x80 && (isNameChar(byte(r)) || strings.ContainsRune("!#$%&*@", r)) || r == '＠') {
			if ne, e, ok := body(q + size); ok {
				return q + size, ne, e, true
			}
		}
		if q == 0 {
			if i, ok := rt(0); ok {
				if ne, e, ok := body(i); ok {
					return i, ne, e, true
				}
			}
		}
		if !(r < 0x80 && (isNameChar(byte(r)) || strings.ContainsRune("+~.-", r))) {
			if i, ok := rt(q + size); ok {
				if ne, e, ok := body(i); ok {
					return i, ne, e, true
				}
			}
		}
	}
	return 0, 0, 0, false
}
