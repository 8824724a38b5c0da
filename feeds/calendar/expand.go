package calendar

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/feeds"
)

// key is an occurrence's original start as used in IDs: the UTC time, or
// the date for an all-day event.
func key(t time.Time, allDay bool) string {
	if allDay {
		return t.Format("20060102")
	}
	return t.UTC().Format("20060102T150405Z")
}

// expand turns the events of one UID into occurrences within the window.
func (p *parser) expand(uid string) {
	m, ovs := p.masters[uid], p.override[uid]
	if m == nil {
		// Overrides without their series (or a series outside this
		// document): each is an occurrence of its own.
		for _, o := range ovs {
			p.cur.uid, p.cur.line = o.uid, o.line
			if rid, ok := p.ridOf(o, o); ok {
				p.emit(o, rid, false, o.start, nil)
			}
		}
		return
	}
	p.cur.uid, p.cur.line = m.uid, m.line
	if m.c.get("RRULE") == nil && m.c.get("RDATE") == nil && len(ovs) == 0 {
		p.emit(m, m.start, true, m.start, nil)
		return
	}
	p.series(m, ovs)
}

// series expands a recurring event (or one with overrides) as RFC 5545
// defines its recurrence set, and as ical.js reads it: DTSTART, every
// RRULE (their union) and RDATE, less EXDATE; an override replaces the
// instance its RECURRENCE-ID names, if that is an instance; one with
// RANGE=THISANDFUTURE also moves every later instance by the same
// difference and gives them its text.
func (p *parser) series(m *vevent, ovs []*vevent) {
	var rules []*rule
	density := 0
	for _, rr := range m.c.all("RRULE") {
		v := strings.TrimSpace(rr.value)
		if v == "" {
			p.warn(m, "empty RRULE: the event is kept as its DTSTART and RDATEs")
			continue
		}
		r, err := parseRule(v, m.start, m.allDay)
		switch {
		case errors.Is(err, errRefused):
			p.warn(m, "RRULE %q refused (%v): the event and its %d overrides are dropped", clip(v, 80), err, len(ovs))
			return
		case err != nil:
			p.warn(m, "RRULE %q unreadable (%v): the event is kept as its DTSTART and RDATEs", clip(v, 80), err)
			continue
		}
		rules = append(rules, r)
		density += perDay(&r.opt)
	}
	if density > maxPerDay {
		p.warn(m, "%d RRULEs together refused: up to %d occurrences a day (at most %d are accepted); the event and its %d overrides are dropped", len(rules), density, maxPerDay, len(ovs))
		return
	}

	ex := p.exclusions(m)
	rdates, periods := p.rdates(m)
	isInstance := func(t time.Time) bool {
		if ex.has(t, m) {
			return false
		}
		k := key(t, m.allDay)
		if k == key(m.start, m.allDay) || slices.ContainsFunc(rdates, func(r time.Time) bool { return key(r, m.allDay) == k }) {
			return true
		}
		for _, r := range rules {
			if ts, _ := r.between(t, t.Add(time.Second), 1); len(ts) == 1 {
				return true
			}
		}
		return false
	}

	// Overrides by the slot they replace (a later one for the same slot
	// wins, as in ical.js), and those that reach into the future.
	type slot struct {
		ev  *vevent
		rid time.Time
	}
	exact := map[string]slot{}
	var exactOrder []string
	type ranged struct {
		rid   time.Time
		ev    *vevent
		delta time.Duration // wall clock, in ev's zone
	}
	var ranges []ranged
	var maxAhead, maxBack time.Duration
	for _, o := range ovs {
		rid, ok := p.ridOf(o, m)
		if !ok {
			continue
		}
		ev := p.merged(o, m)
		if o.future {
			d := wall(o.start).Sub(wall(rid.In(o.start.Location())))
			ranges = append(ranges, ranged{rid, ev, d})
			maxAhead, maxBack = max(maxAhead, d), max(maxBack, -d)
		}
		if !isInstance(rid) {
			p.ws.add(o.uid, o.line, "RECURRENCE-ID %s is no instance of the series (past its end, not on its rule, or excluded): the override is ignored", key(rid, m.allDay))
			continue
		}
		k := key(rid, m.allDay)
		if prev, dup := exact[k]; dup {
			p.ws.add(o.uid, o.line, "a second override of %s (the first on line %d): the later is used", k, prev.ev.line)
		} else {
			exactOrder = append(exactOrder, k)
		}
		exact[k] = slot{ev, rid}
	}
	sort.SliceStable(ranges, func(i, j int) bool { return ranges[i].rid.Before(ranges[j].rid) })
	for _, k := range exactOrder {
		p.emit(exact[k].ev, exact[k].rid, false, exact[k].ev.start, nil)
	}

	// Original starts that may land in the window: a day of slack each
	// side for all-day dates read in p.loc, and the reach of moves.
	lo := p.from.Add(-48*time.Hour - maxAhead)
	hi := p.to.Add(48*time.Hour + maxBack)
	if !p.cutoff.IsZero() && p.cutoff.Add(48*time.Hour+maxBack).Before(hi) {
		hi = p.cutoff.Add(48*time.Hour + maxBack)
	}
	lists := [][]time.Time{{m.start}, rdates}
	for _, r := range rules {
		ts, err := r.between(lo, hi, maxPerEvent+1)
		if err != nil {
			p.warn(m, "RRULE: %v", err)
		}
		lists = append(lists, ts)
	}
	n := 0
	for _, s := range union(lists...) {
		if s.Before(lo) || !s.Before(hi) || ex.has(s, m) {
			continue
		}
		ev, start, end := m, s, (*time.Time)(nil)
		if len(exact) > 0 || len(periods) > 0 {
			k := key(s, m.allDay)
			if _, replaced := exact[k]; replaced {
				continue
			}
			end = periods[k]
		}
		// The latest range override before s, if any, moves it.
		if i := sort.Search(len(ranges), func(i int) bool { return !ranges[i].rid.Before(s) }); i > 0 {
			r := ranges[i-1]
			ev, end = r.ev, nil
			w := s.In(r.ev.start.Location())
			start = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second()+int(r.delta/time.Second), 0, w.Location())
		}
		if n == maxPerEvent {
			if p.inWindow(ev, start) {
				p.warn(m, "more than %d occurrences in the window: the rest are left out", maxPerEvent)
				return
			}
			continue
		}
		if p.emit(ev, s, false, start, end) {
			n++
		}
	}
}

// wall is t's wall clock as if it were UTC, for differences in wall time.
func wall(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// exclusion is a series' EXDATEs: exact keys, and dates for DATE
// exclusions of timed events (any instance that day).
type exclusion struct{ keys, days map[string]bool }

func (e exclusion) has(t time.Time, m *vevent) bool {
	return len(e.keys) > 0 && e.keys[key(t, m.allDay)] ||
		!m.allDay && len(e.days) > 0 && e.days[t.In(m.zone).Format("20060102")]
}

func (p *parser) exclusions(m *vevent) exclusion {
	e := exclusion{keys: map[string]bool{}, days: map[string]bool{}}
	for _, ex := range m.c.all("EXDATE") {
		for _, v := range splitList(ex.value) {
			if strings.TrimSpace(v) == "" {
				continue
			}
			t, isDate, err := p.timeOf(&prop{name: ex.name, params: ex.params, value: v}, m.zone, m.allDay)
			if err != nil {
				p.warn(m, "EXDATE: %v; ignored", err)
				continue
			}
			if isDate && !m.allDay {
				e.days[t.Format("20060102")] = true
				continue
			}
			e.keys[key(t, m.allDay)] = true
		}
	}
	return e
}

// rdates returns a series' RDATEs, and the ends of those given as periods.
func (p *parser) rdates(m *vevent) (starts []time.Time, ends map[string]*time.Time) {
	ends = map[string]*time.Time{}
	for _, rd := range m.c.all("RDATE") {
		for _, v := range splitList(rd.value) {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			sv, ev, period := strings.Cut(v, "/")
			t, _, err := p.timeOf(&prop{name: rd.name, params: rd.params, value: sv}, m.zone, m.allDay)
			if err != nil {
				p.warn(m, "RDATE: %v; ignored", err)
				continue
			}
			starts = append(starts, t)
			if period && !m.allDay {
				if e, _, err := p.timeOf(&prop{name: rd.name, params: rd.params, value: ev}, m.zone, false); err == nil {
					ends[key(t, false)] = &e
				} else if days, exact, err := parseDuration(ev); err == nil {
					e := t.AddDate(0, 0, days).Add(exact)
					ends[key(t, false)] = &e
				}
			}
		}
	}
	return starts, ends
}

// ridOf reads an override's RECURRENCE-ID as a start of its series m (o
// itself for an override without series).
func (p *parser) ridOf(o, m *vevent) (time.Time, bool) {
	rid, isDate, err := p.timeOf(o.rid, m.zone, m.allDay)
	if err != nil {
		p.ws.add(o.uid, o.line, "RECURRENCE-ID: %v; the override is dropped", err)
		return time.Time{}, false
	}
	if isDate && !m.allDay {
		rid = time.Date(rid.Year(), rid.Month(), rid.Day(), m.start.Hour(), m.start.Minute(), m.start.Second(), 0, m.zone)
	}
	return rid, true
}

// merged is an override with what it leaves out taken from its series.
func (p *parser) merged(o, m *vevent) *vevent {
	ev := *o
	ev.keyDate = m.keyDate
	if ev.title == "" {
		ev.title = m.title
	}
	if ev.location == "" {
		ev.location = m.location
	}
	if ev.link == "" {
		ev.link = m.link
	}
	if ev.description == "" {
		ev.description = m.description
	}
	if ev.status == "" {
		ev.status = m.status
	}
	if !ev.hasEnd {
		ev.days, ev.exact = m.days, m.exact
		if ev.allDay && ev.days < 1 {
			ev.days = 1
		}
	}
	return &ev
}

// inWindow says whether an occurrence of ev starting at start would be in
// the window.
func (p *parser) inWindow(ev *vevent, start time.Time) bool {
	at := start
	if ev.allDay {
		y, mo, d := start.Date()
		at = time.Date(y, mo, d, 0, 0, 0, 0, p.loc)
	}
	return !at.Before(p.from) && at.Before(p.to)
}

// emit adds one occurrence of ev starting at start if it lies in the
// window, and says whether it did. end overrides ev's duration (RDATE
// periods).
func (p *parser) emit(ev *vevent, orig time.Time, single bool, start time.Time, end *time.Time) bool {
	o := occurrence{ev: ev, orig: orig, single: single}
	if ev.allDay {
		y, mo, d := start.Date()
		o.at = time.Date(y, mo, d, 0, 0, 0, 0, p.loc)
		o.end = time.Date(y, mo, d+ev.days, 0, 0, 0, 0, p.loc)
	} else {
		o.at = start.In(p.loc)
		o.end = start.AddDate(0, 0, ev.days).Add(ev.exact).In(p.loc)
		if end != nil && end.After(start) {
			o.end = end.In(p.loc)
		}
	}
	if o.at.Before(p.from) || !o.at.Before(p.to) {
		return false
	}
	if !p.cutoff.IsZero() && o.at.After(p.cutoff) {
		p.trim(ev.uid)
		return false
	}
	p.found = append(p.found, o)
	if len(p.found) >= 2*maxTotal {
		p.prune()
	}
	return true
}

// prune keeps the maxTotal earliest occurrences found.
func (p *parser) prune() {
	p.sort()
	for _, o := range p.found[maxTotal:] {
		p.trim(o.ev.uid)
	}
	clear(p.found[maxTotal:]) // let the events go
	p.found = p.found[:maxTotal]
	p.cutoff = p.found[maxTotal-1].at
}

func (p *parser) trim(uid string) {
	if p.trimmed == nil {
		p.trimmed = map[string]bool{}
	}
	p.trimmed[uid] = true
}

func (p *parser) warnTrimmed() {
	uids := make([]string, 0, len(p.trimmed))
	for u := range p.trimmed {
		uids = append(uids, u)
	}
	sort.Strings(uids)
	shown := uids[:min(len(uids), 5)]
	for i, u := range shown {
		shown[i] = fmt.Sprintf("%q", clip(u, 60))
	}
	more := ""
	if len(uids) > len(shown) {
		more = fmt.Sprintf(" and %d more", len(uids)-len(shown))
	}
	p.ws.add(uids[0], 0, "the window holds more than %d occurrences: the earliest are kept, up to %s; later ones are left out of %d events (UIDs %s%s)",
		maxTotal, p.cutoff.Format(time.RFC3339), len(uids), strings.Join(shown, ", "), more)
}

// sort orders found by start, then ID.
func (p *parser) sort() {
	slices.SortStableFunc(p.found, func(a, b occurrence) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return a.compareID(&b)
	})
}

// compareID compares o's ID with b's as strings, without building them.
func (o *occurrence) compareID(b *occurrence) int {
	if o.ev.uid == b.ev.uid {
		switch {
		case o.single || b.single:
			return compareBool(!o.single, !b.single) // "uid" before "uid/…"
		case o.ev.keyDate == b.ev.keyDate:
			return o.orig.Compare(b.orig) // keys of one kind sort as times
		}
	}
	// Different UIDs: unless one is a prefix of the other, the first
	// difference lies within them, and no ID needs building.
	ua, ub := o.ev.uid, b.ev.uid
	if !strings.HasPrefix(ua, ub) && !strings.HasPrefix(ub, ua) {
		return strings.Compare(ua, ub)
	}
	return strings.Compare(o.id(), b.id())
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// events turns the occurrences found into events sorted by start, then ID.
func (p *parser) events() []feeds.Event {
	if len(p.found) == 0 {
		return nil
	}
	p.sort()
	if len(p.found) > maxTotal {
		p.prune()
	}
	out := make([]feeds.Event, len(p.found))
	for i := range p.found {
		o := &p.found[i]
		out[i] = feeds.Event{
			ID:          o.id(),
			Title:       o.ev.title,
			AllDay:      o.ev.allDay,
			Location:    o.ev.location,
			Link:        o.ev.link,
			Description: o.ev.description,
			Cancelled:   o.ev.status == "CANCELLED",
			Start:       o.at,
			End:         o.end,
		}
	}
	return out
}
