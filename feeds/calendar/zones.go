package calendar

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// zones resolves TZID parameters to locations for one document.
//
// Order: an IANA name (Go's tz database is more complete than any
// VTIMEZONE, which often carries one rule set for all years); a Windows zone
// name or display name as Outlook and Exchange write it; the document's own
// VTIMEZONE, turned into a location; else the caller's zone, with a warning.
type zones struct {
	def   *time.Location
	vtz   map[string]*component // TZID → VTIMEZONE
	cache map[string]*time.Location
	// unknown is called once for each TZID that could not be resolved.
	unknown func(tzid string)
}

func newZones(def *time.Location, cals []*component) *zones {
	z := &zones{def: def, vtz: map[string]*component{}, cache: map[string]*time.Location{}}
	for _, cal := range cals {
		for _, c := range cal.children {
			if c.name != "VTIMEZONE" {
				continue
			}
			id := strings.TrimSpace(c.text("TZID"))
			if id == "" {
				continue // invalid, nothing can refer to it
			}
			if _, dup := z.vtz[id]; !dup {
				z.vtz[id] = c
			}
		}
	}
	return z
}

// location returns the zone for tzid; "" means floating (the default zone).
func (z *zones) location(tzid string) *time.Location {
	tzid = strings.TrimSpace(tzid)
	if tzid == "" {
		return z.def
	}
	if l, ok := z.cache[tzid]; ok {
		return l
	}
	l := z.resolve(tzid)
	if l == nil {
		if z.unknown != nil {
			z.unknown(tzid)
		}
		l = z.def
	}
	z.cache[tzid] = l
	return l
}

func (z *zones) resolve(tzid string) *time.Location {
	if l := ianaZone(tzid); l != nil {
		return l
	}
	if name := windowsZone(tzid); name != "" {
		if l, err := time.LoadLocation(name); err == nil {
			return l
		}
	}
	if c, ok := z.vtz[tzid]; ok {
		if l := vtimezoneLocation(tzid, c); l != nil {
			return l
		}
	}
	return nil
}

// ianaZone loads an IANA name, also when prefixed the way old Mozilla
// Lightning wrote it ("/mozilla.org/20050126_1/Europe/Helsinki").
func ianaZone(tzid string) *time.Location {
	if tzid == "Local" || strings.ContainsAny(tzid, " ,()\\") {
		return nil
	}
	if l, err := time.LoadLocation(tzid); err == nil {
		return l
	}
	if strings.HasPrefix(tzid, "/") {
		parts := strings.Split(strings.Trim(tzid, "/"), "/")
		for i := 1; i < len(parts); i++ {
			if l, err := time.LoadLocation(strings.Join(parts[i:], "/")); err == nil && l != time.UTC {
				return l
			}
		}
	}
	return nil
}

// transition is one change of offset defined by a VTIMEZONE observance.
type transition struct {
	at     int64 // Unix seconds
	offset int   // seconds east of UTC after the change
	dst    bool
	name   string
}

// vtimezoneLocation builds a time.Location from a VTIMEZONE's STANDARD and
// DAYLIGHT observances: every onset until 2100 is computed (RRULE, RDATE or
// the DTSTART alone) and written as TZif data for time.LoadLocationFromTZData.
func vtimezoneLocation(tzid string, c *component) *time.Location {
	var tr []transition
	for _, o := range c.children {
		if o.name != "STANDARD" && o.name != "DAYLIGHT" {
			continue
		}
		from, ok1 := parseOffset(o.text("TZOFFSETFROM"))
		to, ok2 := parseOffset(o.text("TZOFFSETTO"))
		ds := o.get("DTSTART")
		if !ok1 || !ok2 || ds == nil {
			continue
		}
		// Onsets are written in the local time before the change.
		wallZone := time.FixedZone("", from)
		start, _, err := parseDateTime(strings.TrimSpace(ds.value), wallZone)
		if err != nil {
			continue
		}
		name := strings.TrimSpace(o.text("TZNAME"))
		if name == "" || len(name) > 32 {
			name = formatOffset(to)
		}
		add := func(t time.Time) {
			tr = append(tr, transition{at: t.Unix(), offset: to, dst: o.name == "DAYLIGHT", name: name})
		}
		add(start)
		if rr := o.get("RRULE"); rr != nil {
			// From 1970 on: rules often start in 1601, and rrule-go
			// ends a rule 292 years after its start.
			if r, err := parseRule(rr.value, start, false); err == nil {
				ts, _ := r.between(time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC), 1000)
				for _, t := range ts {
					add(t)
				}
			}
		}
		for _, rd := range o.all("RDATE") {
			for _, v := range splitList(rd.value) {
				if t, _, err := parseDateTime(strings.TrimSpace(v), wallZone); err == nil {
					add(t)
				}
			}
		}
	}
	if len(tr) == 0 {
		return nil
	}
	sort.SliceStable(tr, func(i, j int) bool { return tr[i].at < tr[j].at })
	return loadTransitions(tzid, tr)
}

// loadTransitions encodes transitions as TZif version 2 (RFC 8536) with
// an empty version 1 block, and loads them.
func loadTransitions(name string, tr []transition) *time.Location {
	type ztype struct {
		offset int
		dst    bool
		name   string
	}
	// Type 0 is unused by transitions, so Go uses it before the first one:
	// the offset the earliest onset changes to.
	first := tr[0]
	types := []ztype{{offset: first.offset, dst: first.dst, name: first.name}}
	idx := map[ztype]int{}
	var txIdx []byte
	var txAt []int64
	for _, t := range tr {
		k := ztype{t.offset, t.dst, t.name}
		i, ok := idx[k]
		if !ok {
			i = len(types)
			types = append(types, k)
			idx[k] = i
		}
		if len(txAt) > 0 && txAt[len(txAt)-1] == t.at {
			txIdx[len(txIdx)-1] = byte(i)
			continue
		}
		txAt = append(txAt, t.at)
		txIdx = append(txIdx, byte(i))
	}
	if len(types) > 255 {
		return nil
	}
	var chars bytes.Buffer
	abbr := make([]int, len(types))
	for i, t := range types {
		abbr[i] = chars.Len()
		chars.WriteString(t.name)
		chars.WriteByte(0)
	}

	var b bytes.Buffer
	header := func(timecnt, typecnt, charcnt int) {
		b.WriteString("TZif2")
		b.Write(make([]byte, 15))
		for _, n := range []int{0, 0, 0, timecnt, typecnt, charcnt} {
			_ = binary.Write(&b, binary.BigEndian, uint32(n))
		}
	}
	header(0, 0, 0) // empty version 1 block
	header(len(txAt), len(types), chars.Len())
	for _, at := range txAt {
		_ = binary.Write(&b, binary.BigEndian, at)
	}
	b.Write(txIdx)
	for i, t := range types {
		_ = binary.Write(&b, binary.BigEndian, int32(t.offset))
		if t.dst {
			b.WriteByte(1)
		} else {
			b.WriteByte(0)
		}
		b.WriteByte(byte(abbr[i]))
	}
	b.Write(chars.Bytes())
	b.WriteString("\n\n")
	l, err := time.LoadLocationFromTZData(name, b.Bytes())
	if err != nil {
		return nil
	}
	return l
}

// parseOffset reads a UTC offset: +0200, -0800, +053000.
func parseOffset(s string) (int, bool) {
	s = strings.TrimSpace(s)
	if len(s) != 5 && len(s) != 7 {
		return 0, false
	}
	sign := 1
	switch s[0] {
	case '+':
	case '-':
		sign = -1
	default:
		return 0, false
	}
	n, err := strconv.Atoi(s[1:])
	if err != nil || n < 0 {
		return 0, false
	}
	var h, m, sec int
	if len(s) == 5 {
		h, m = n/100, n%100
	} else {
		h, m, sec = n/10000, n/100%100, n%100
	}
	if h > 23 || m > 59 || sec > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60 + sec), true
}

func formatOffset(off int) string {
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("%c%02d%02d", sign, off/3600, off/60%60)
}
