// Package calendar reads iCalendar (RFC 5545) documents into feeds.Event
// occurrences: time zones (IANA, Windows names, in-file VTIMEZONE, UTC,
// floating), all-day and multi-day events, recurrences (RRULE, RDATE,
// EXDATE, RECURRENCE-ID overrides) expanded within a window, and cancelled
// events.
//
// Content lines are read by this package (lenient about folding, line ends
// and malformed lines, so one broken event does not lose the others);
// recurrence rules are expanded by github.com/teambition/rrule-go.
package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/feeds"
)

// Parse reads an iCalendar document and returns the event occurrences whose
// start lies in [from, to), sorted by start. Times without zone (floating) are read in loc.
//
// A body that is not iCalendar, or is cut off before END:VCALENDAR, is an
// error. A VEVENT that cannot be read (no DTSTART, a broken RRULE) is left
// out and the rest are returned; ParseWithWarnings says which.
func Parse(body []byte, loc *time.Location, from, to time.Time) ([]feeds.Event, error) {
	evs, _, err := ParseWithWarnings(body, loc, from, to)
	return evs, err
}

// ParseWithWarnings is Parse that also returns what it had to skip or
// guess: dropped lines and events, unknown time zones read in loc.
func ParseWithWarnings(body []byte, loc *time.Location, from, to time.Time) (evs []feeds.Event, warnings []error, err error) {
	if loc == nil {
		return nil, nil, errors.New("calendar: nil location")
	}
	defer func() {
		// The parser is fuzzed, but a panic in a dependency must cost one
		// document, not the daemon.
		if r := recover(); r != nil {
			evs, warnings, err = nil, nil, fmt.Errorf("calendar: internal error: %v", r)
		}
	}()
	cals, warnings, err := decode(body)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar: %w", err)
	}
	p := &parser{loc: loc, from: from, to: to, zones: newZones(loc, cals)}
	p.warnings = warnings
	for _, cal := range cals {
		for _, c := range cal.children {
			if c.name == "VEVENT" {
				p.add(c)
			}
		}
	}
	p.expand()
	return p.events(), append(p.warnings, p.zones.warnings...), nil
}

// events turns the occurrences found into events sorted by start, then ID
// (ties in the order found). It sorts indexes and builds each event once,
// in place: a year of a few hundred weekly events is tens of thousands of
// large structs, which growing and sorting a slice of moved many times.
func (p *parser) events() []feeds.Event {
	if p.nfound == 0 {
		return nil
	}
	order := make([]int32, p.nfound)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortStableFunc(order, func(a, b int32) int {
		oa, ob := p.occurrence(int(a)), p.occurrence(int(b))
		if c := oa.at.Compare(ob.at); c != 0 {
			return c
		}
		return strings.Compare(oa.id, ob.id)
	})
	out := make([]feeds.Event, len(order))
	for i, j := range order {
		p.event(&out[i], p.occurrence(int(j)))
	}
	return out
}

type parser struct {
	loc      *time.Location
	from, to time.Time
	zones    *zones
	warnings []error
	order    []string             // UIDs in document order
	masters  map[string]*vevent   // UID → the event with no RECURRENCE-ID
	override map[string][]*vevent // UID → its RECURRENCE-ID events
	found    [][]occurrence       // in the window, in the order found, in chunks of foundChunk
	nfound   int
}

// foundChunk is how many occurrences a chunk of parser.found holds: filled
// chunks stay where they are, where one growing slice would copy tens of
// thousands of occurrences again at each doubling.
const foundChunk = 1024

func (p *parser) occurrence(i int) *occurrence { return &p.found[i/foundChunk][i%foundChunk] }

// occurrence is an instance of an event in the window, before it becomes a
// feeds.Event.
type occurrence struct {
	ev    *vevent
	id    string
	start time.Time  // as expanded
	end   *time.Time // overrides ev's duration (RDATE periods)
	at    time.Time  // the event's Start
}

// vevent is one VEVENT read: its start, how long it lasts and its text.
type vevent struct {
	uid    string
	start  time.Time // in zone; for an all-day event midnight UTC of its date
	zone   *time.Location
	allDay bool
	// How long an occurrence lasts: days (nominal, wall clock) then exact.
	days   int
	exact  time.Duration
	hasEnd bool

	title, location, link, description string
	status                             string

	rid *prop // RECURRENCE-ID
	c   *component
}

func (p *parser) warn(c *component, format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Errorf("VEVENT on line %d: %s", c.line, fmt.Sprintf(format, args...)))
}

// add reads one VEVENT and files it under its UID.
func (p *parser) add(c *component) {
	ev, err := p.read(c)
	if err != nil {
		p.warn(c, "%v; skipped", err)
		return
	}
	if p.masters == nil {
		p.masters = map[string]*vevent{}
		p.override = map[string][]*vevent{}
	}
	if _, seen := p.masters[ev.uid]; !seen && len(p.override[ev.uid]) == 0 {
		p.order = append(p.order, ev.uid)
	}
	if ev.rid != nil {
		p.override[ev.uid] = append(p.override[ev.uid], ev)
		return
	}
	if _, dup := p.masters[ev.uid]; dup {
		p.warn(c, "UID %q appears twice; the later copy is used", ev.uid)
	}
	p.masters[ev.uid] = ev
}

func (p *parser) read(c *component) (*vevent, error) {
	ds := c.get("DTSTART")
	if ds == nil {
		return nil, errors.New("no DTSTART")
	}
	start, allDay, err := p.timeOf(ds, p.loc, false)
	if err != nil {
		return nil, fmt.Errorf("DTSTART: %w", err)
	}
	ev := &vevent{
		uid:         strings.TrimSpace(c.text("UID")),
		start:       start,
		zone:        start.Location(),
		allDay:      allDay,
		title:       clean(c.text("SUMMARY")),
		location:    clean(c.text("LOCATION")),
		link:        strings.TrimSpace(c.text("URL")),
		description: clean(c.text("DESCRIPTION")),
		status:      strings.ToUpper(strings.TrimSpace(c.text("STATUS"))),
		rid:         c.get("RECURRENCE-ID"),
		c:           c,
	}
	if ev.uid == "" {
		// No identity of its own: derive one from what a reader sees, so
		// it holds across fetches (but not across edits of these fields).
		h := sha256.Sum256([]byte(ev.title + "\x00" + ds.param("TZID") + ":" + ds.value + "\x00" + ev.description))
		ev.uid = "nouid-" + hex.EncodeToString(h[:8])
	}
	if de := c.get("DTEND"); de != nil {
		end, endDate, err := p.timeOf(de, ev.zone, allDay)
		if err != nil {
			return nil, fmt.Errorf("DTEND: %w", err)
		}
		ev.hasEnd = true
		switch {
		case allDay:
			if !endDate {
				end = time.Date(end.Year(), end.Month(), end.Day(), 0, 0, 0, 0, time.UTC)
			}
			ev.days = int(end.Sub(start).Hours() / 24)
		case end.After(start):
			ev.exact = end.Sub(start)
		}
	} else if du := c.get("DURATION"); du != nil {
		days, exact, err := parseDuration(du.value)
		if err != nil {
			return nil, fmt.Errorf("DURATION: %w", err)
		}
		ev.hasEnd = true
		if allDay {
			ev.days = days + int((exact+24*time.Hour-1)/(24*time.Hour))
		} else {
			ev.days, ev.exact = days, exact
		}
	}
	if allDay && ev.days < 1 {
		ev.days = 1
	}
	return ev, nil
}

// timeOf reads a DATE or DATE-TIME property. Floating times are read in
// zone; dates come back as midnight UTC of that date with isDate set. With
// asDate a DATE-TIME is reduced to its date in its own zone.
func (p *parser) timeOf(pr *prop, zone *time.Location, asDate bool) (t time.Time, isDate bool, err error) {
	v := strings.TrimSpace(pr.value)
	if strings.EqualFold(pr.param("VALUE"), "DATE") && len(v) > 8 && v[8] == 'T' {
		v = v[:8]
	}
	if tzid := pr.param("TZID"); tzid != "" && !strings.HasSuffix(strings.ToUpper(v), "Z") {
		zone = p.zones.location(tzid)
	}
	t, isDate, err = parseDateTime(v, zone)
	if err != nil {
		return t, false, err
	}
	if isDate {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true, nil
	}
	if asDate {
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), true, nil
	}
	return t, false, nil
}

// parseDateTime reads 20060102, 20060102T150405 (in zone) and
// 20060102T150405Z; also 20060102Z, a UTC date some exporters write.
func parseDateTime(v string, zone *time.Location) (t time.Time, isDate bool, err error) {
	v = strings.ToUpper(strings.TrimSpace(v))
	switch len(v) {
	case 8, 9:
		if len(v) == 9 && v[8] != 'Z' {
			break
		}
		t, err = time.ParseInLocation("20060102", v[:8], zone)
		return t, true, err
	case 15:
		t, err = time.ParseInLocation("20060102T150405", v, zone)
		return t, false, err
	case 16:
		if v[15] == 'Z' {
			t, err = time.ParseInLocation("20060102T150405", v[:15], time.UTC)
			return t, false, err
		}
	}
	return time.Time{}, false, fmt.Errorf("bad date or time %q", clip(v, 40))
}

// parseDuration reads an RFC 5545 duration (P1W, P2D, PT1H30M, P1DT12H)
// as whole days (wall clock) and an exact rest. Negative durations are 0.
func parseDuration(s string) (days int, exact time.Duration, err error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimLeft(s, "+-")
	if !strings.HasPrefix(s, "P") || len(s) < 3 {
		return 0, 0, fmt.Errorf("bad duration %q", clip(s, 40))
	}
	inTime := false
	n, digits := 0, false
	for _, r := range s[1:] {
		switch {
		case r >= '0' && r <= '9':
			if n > 1e7 {
				return 0, 0, fmt.Errorf("duration %q too long", clip(s, 40))
			}
			n, digits = n*10+int(r-'0'), true
			continue
		case r == 'T' && !inTime && !digits:
			inTime = true
			continue
		}
		if !digits {
			return 0, 0, fmt.Errorf("bad duration %q", clip(s, 40))
		}
		switch {
		case r == 'W' && !inTime:
			days += 7 * n
		case r == 'D' && !inTime:
			days += n
		case r == 'H' && inTime:
			exact += time.Duration(n) * time.Hour
		case r == 'M' && inTime:
			exact += time.Duration(n) * time.Minute
		case r == 'S' && inTime:
			exact += time.Duration(n) * time.Second
		default:
			return 0, 0, fmt.Errorf("bad duration %q", clip(s, 40))
		}
		n, digits = 0, false
	}
	if digits {
		return 0, 0, fmt.Errorf("bad duration %q", clip(s, 40))
	}
	if neg {
		return 0, 0, nil
	}
	return days, exact, nil
}

func clean(s string) string {
	return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n"))
}

// expand turns the events read into occurrences within the window.
func (p *parser) expand() {
	for _, uid := range p.order {
		m := p.masters[uid]
		ovs := p.override[uid]
		if m == nil {
			// Overrides without their series (or a series outside this
			// document): each is an occurrence of its own.
			for _, o := range ovs {
				p.emitOverride(o, nil)
			}
			continue
		}
		if m.c.get("RRULE") == nil && m.c.get("RDATE") == nil && len(ovs) == 0 {
			p.emit(m, m.uid, m.start, nil)
			continue
		}
		p.expandSeries(m, ovs)
	}
}

// key is an occurrence's original start as used in IDs: the UTC time, or
// the date for an all-day event.
func key(t time.Time, allDay bool) string {
	if allDay {
		return t.Format("20060102")
	}
	return t.UTC().Format("20060102T150405Z")
}

func (p *parser) expandSeries(m *vevent, ovs []*vevent) {
	// Overrides by the slot they replace.
	replaced := map[string]bool{}
	for _, o := range ovs {
		if k, ok := p.emitOverride(o, m); ok {
			replaced[k] = true
		}
	}

	// Excluded slots: exact keys, and dates for DATE exclusions of timed events.
	excluded := map[string]bool{}
	excludedDays := map[string]bool{}
	for _, ex := range m.c.all("EXDATE") {
		for _, v := range splitList(ex.value) {
			if strings.TrimSpace(v) == "" {
				continue
			}
			t, isDate, err := p.timeOf(&prop{name: ex.name, params: ex.params, value: v}, m.zone, m.allDay)
			if err != nil {
				p.warn(m.c, "EXDATE: %v; ignored", err)
				continue
			}
			if isDate && !m.allDay {
				excludedDays[t.Format("20060102")] = true
				continue
			}
			excluded[key(t, m.allDay)] = true
		}
	}

	// Expansion runs to the end of the window; for all-day events on UTC
	// midnights, to the day after the window's last local day.
	end := p.to
	if m.allDay {
		l := p.to.In(p.loc)
		end = time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, time.UTC)
	}
	starts := []time.Time{m.start}
	if rr := m.c.get("RRULE"); rr != nil {
		var err error
		starts, err = ruleStarts(rr.value, m.start, m.allDay, end)
		if err != nil && starts == nil {
			p.warn(m.c, "%v; skipped", err)
			return
		} else if err != nil {
			p.warn(m.c, "%v", err)
		}
	}
	type slot struct {
		start time.Time
		end   *time.Time
	}
	slots := make([]slot, 0, len(starts))
	for _, s := range starts {
		slots = append(slots, slot{start: s})
	}
	for _, rd := range m.c.all("RDATE") {
		for _, v := range splitList(rd.value) {
			v = strings.TrimSpace(v)
			if v == "" {
				continue
			}
			sv, ev, period := strings.Cut(v, "/")
			t, _, err := p.timeOf(&prop{name: rd.name, params: rd.params, value: sv}, m.zone, m.allDay)
			if err != nil {
				p.warn(m.c, "RDATE: %v; ignored", err)
				continue
			}
			s := slot{start: t}
			if period && !m.allDay {
				if e, _, err := p.timeOf(&prop{name: rd.name, params: rd.params, value: ev}, m.zone, false); err == nil {
					s.end = &e
				} else if days, exact, err := parseDuration(ev); err == nil {
					e := t.AddDate(0, 0, days).Add(exact)
					s.end = &e
				}
			}
			slots = append(slots, s)
		}
	}
	seen := map[string]bool{}
	for _, s := range slots {
		k := key(s.start, m.allDay)
		if seen[k] || replaced[k] || excluded[k] {
			continue
		}
		if !m.allDay && excludedDays[s.start.In(m.zone).Format("20060102")] {
			continue
		}
		seen[k] = true
		p.emit(m, m.uid+"/"+k, s.start, s.end)
	}
}

// emitOverride adds a RECURRENCE-ID event under the ID of the slot it
// replaces, and returns that slot's key. Text it leaves out is taken from
// its series (m, may be nil).
func (p *parser) emitOverride(o *vevent, m *vevent) (string, bool) {
	allDay := o.allDay
	zone := o.zone
	if m != nil {
		allDay, zone = m.allDay, m.zone
	}
	rid, isDate, err := p.timeOf(o.rid, zone, allDay)
	if err != nil {
		p.warn(o.c, "RECURRENCE-ID: %v; skipped", err)
		return "", false
	}
	if isDate && !allDay && m != nil {
		rid = time.Date(rid.Year(), rid.Month(), rid.Day(), m.start.Hour(), m.start.Minute(), m.start.Second(), 0, m.zone)
	}
	ev := *o
	if m != nil {
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
	}
	k := key(rid, allDay)
	p.emit(&ev, ev.uid+"/"+k, ev.start, nil)
	return k, true
}

// emit adds one occurrence of ev starting at start if it lies in the window.
// end overrides ev's duration (RDATE periods).
func (p *parser) emit(ev *vevent, id string, start time.Time, end *time.Time) {
	var at time.Time
	if ev.allDay {
		y, mo, d := start.Date()
		at = time.Date(y, mo, d, 0, 0, 0, 0, p.loc)
	} else {
		at = start.In(p.loc)
	}
	if at.Before(p.from) || !at.Before(p.to) {
		return
	}
	if p.nfound%foundChunk == 0 {
		p.found = append(p.found, make([]occurrence, 0, foundChunk))
	}
	last := len(p.found) - 1
	p.found[last] = append(p.found[last], occurrence{ev: ev, id: id, start: start, end: end, at: at})
	p.nfound++
}

// event fills out from o.
func (p *parser) event(out *feeds.Event, o *occurrence) {
	ev, start := o.ev, o.start
	*out = feeds.Event{
		ID:          o.id,
		Title:       ev.title,
		AllDay:      ev.allDay,
		Location:    ev.location,
		Link:        ev.link,
		Description: ev.description,
		Cancelled:   ev.status == "CANCELLED",
		Start:       o.at,
	}
	if ev.allDay {
		y, mo, d := start.Date()
		out.End = time.Date(y, mo, d+ev.days, 0, 0, 0, 0, p.loc)
	} else {
		out.End = start.AddDate(0, 0, ev.days).Add(ev.exact).In(p.loc)
		if o.end != nil && o.end.After(start) {
			out.End = o.end.In(p.loc)
		}
	}
}
