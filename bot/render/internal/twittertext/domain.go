package twittertext

// The domain part of extractUrl, (?:subdomain)*domainName(?:TLD), backtracks over its
// labels; on a text of many dots that is quadratic. Here every label's answer is kept, so
// each position is worked out once.

const unknown = -2

type scanner struct {
	s string
	// run[i]: the end of the run of domain characters, '-' and '_' that contains byte i
	// (the runs never overlap), with the facts about that run the labels need.
	runOf []int32
	runs  []runInfo
	dom   []int32 // domain(i), unknown until asked
	tld   []int32 // matchTLD(i, len(s)), unknown until asked
	// ascii[i]: asciiAt(i) for the domain that contains i (the domains of one text's
	// matches never overlap, so one memo serves them all), unknown until asked.
	ascii []int32
}

type runInfo struct {
	end           int
	lastIsDomain  bool // the run ends in a domain character (not '-' or '_')
	lastUnderline int  // the last '_' in the run, -1 if none
}

func newScanner(s string) *scanner {
	sc := &scanner{s: s, runOf: make([]int32, len(s)+1)}
	for i := 0; i < len(s); {
		r, size := decode(s, i)
		if !isLabelChar(r) {
			for k := i; k < i+size; k++ {
				sc.runOf[k] = -1
			}
			i += size
			continue
		}
		info := runInfo{lastUnderline: -1}
		id := int32(len(sc.runs))
		k := i
		for k < len(s) {
			r, size := decode(s, k)
			if !isLabelChar(r) {
				break
			}
			if r == '_' {
				info.lastUnderline = k
			}
			info.lastIsDomain = r != '-' && r != '_'
			for j := k; j < k+size; j++ {
				sc.runOf[j] = id
			}
			k += size
		}
		info.end = k
		sc.runs = append(sc.runs, info)
		i = k
	}
	sc.runOf[len(s)] = -1
	return sc
}

func isLabelChar(r rune) bool { return r == '-' || r == '_' || domainChars.Has(r) }

func (sc *scanner) size(i int) int {
	_, size := decode(sc.s, i)
	return max(size, 1)
}

func memo(p *[]int32, n int) []int32 {
	if *p == nil {
		*p = make([]int32, n+1)
		for i := range *p {
			(*p)[i] = unknown
		}
	}
	return *p
}

// label describes the label that starts at byte i: it runs to the end of its run.
func (sc *scanner) label(i int) (end int, sub, name bool) {
	id := sc.runOf[i]
	if id < 0 {
		return i, false, false
	}
	info := sc.runs[id]
	first, _ := decode(sc.s, i)
	sub = first != '-' && first != '_' && info.lastIsDomain
	return info.end, sub, sub && info.lastUnderline < i
}

// next is the start of the label after the one at i, or -1.
func (sc *scanner) next(i int) int {
	end, _, _ := sc.label(i)
	if end == i || end+1 >= len(sc.s) || sc.s[end] != '.' || sc.runOf[end+1] < 0 {
		return -1
	}
	return end + 1
}

func (sc *scanner) tldAt(i int) int {
	t := memo(&sc.tld, len(sc.s))
	if t[i] == unknown {
		t[i] = int32(matchTLD(sc.s, i, len(sc.s)))
	}
	return int(t[i])
}

// domain returns the end of validDomain at i, or -1: the most subdomains the labels allow
// before a domain name and a TLD, as the greedy (?:subdomain)* finds it.
func (sc *scanner) domain(i int) int {
	if i >= len(sc.s) || sc.runOf[i] < 0 {
		return -1
	}
	d := memo(&sc.dom, len(sc.s))
	var stack []int
	for cur := i; cur >= 0 && d[cur] == unknown; {
		stack = append(stack, cur)
		if _, sub, _ := sc.label(cur); !sub {
			break
		}
		cur = sc.next(cur)
	}
	for k := len(stack) - 1; k >= 0; k-- {
		cur := stack[k]
		res := -1
		if n := sc.next(cur); n >= 0 {
			_, sub, name := sc.label(cur)
			if sub && d[n] >= 0 {
				res = int(d[n])
			}
			if res < 0 && name {
				res = sc.tldAt(n)
			}
		}
		d[cur] = int32(res)
	}
	return int(d[i])
}

// asciiDomains appends what validAsciiDomain (/(?:[-a-z0-9latin]+\.)+TLD/gi) finds in
// s[from:to], as domain.replace does.
func (sc *scanner) asciiDomains(from, to int, out []Entity) []Entity {
	s := sc.s
	a := memo(&sc.ascii, len(s))
	for i := from; i < to; {
		e := sc.asciiAt(a, i, to)
		if e < 0 {
			// Every later start in the same run of label characters fails the same
			// way: it reaches the same end of the run.
			i = max(asciiRunEnd(s, i, to), i+sc.size(i))
			continue
		}
		out = append(out, Entity{Start: i, End: e, Text: s[i:e]})
		i = e
	}
	return out
}

// asciiAt: the end of the longest (?:label\.)+TLD at i within the bound, or -1.
func (sc *scanner) asciiAt(a []int32, i, to int) int {
	s := sc.s
	var stack []int
	for cur := i; cur < to && a[cur] == unknown; {
		stack = append(stack, cur)
		r := asciiRunEnd(s, cur, to)
		if r == cur || r+1 >= to || s[r] != '.' {
			break
		}
		cur = r + 1
	}
	for k := len(stack) - 1; k >= 0; k-- {
		cur := stack[k]
		res := -1
		r := asciiRunEnd(s, cur, to)
		if r > cur && r+1 < to && s[r] == '.' {
			n := r + 1
			if a[n] >= 0 {
				res = int(a[n])
			} else {
				res = matchTLD(s, n, to)
			}
		}
		a[cur] = int32(res)
	}
	if i >= to {
		return -1
	}
	return int(a[i])
}

func asciiRunEnd(s string, i, to int) int {
	for i < to {
		r, size := decode(s, i)
		if r == '.' || !asciiDomainChars.Has(r) {
			break
		}
		i += size
	}
	return i
}
