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
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/feeds"
)

// Parse reads an iCalendar document and returns the event occurrences whose
// start lies in [from, to), sorted by start, then ID. Times without zone
// (floating) are read in loc.
//
// A body that is not iCalendar, or is cut off before END:VCALENDAR, is an
// error. What cannot be read is left out and the rest is returned:
// ParseWithWarnings says what and why.
func Parse(body []byte, loc *time.Location, from, to time.Time) ([]feeds.Event, error) {
	evs, _, err := ParseWithWarnings(body, loc, from, to)
	return evs, err
}

// Bounds on the work one document can cause.
const (
	// maxPerEvent is the most occurrences of one event in a window: a
	// year of the densest series accepted (maxPerDay) fits.
	maxPerEvent = 10000
	// maxTotal is the most occurrences returned: past it the earliest are
	// kept, so a calendar of ten thousand daily events over a year costs
	// megabytes, not gigabytes, and what is soonest is never lost.
	maxTotal = 100000
	// maxUID is the longest UID used as it is; a longer one is replaced
	// by its hash, as every occurrence's ID repeats it.
	maxUID = 255
)

// ParseWithWarnings is Parse that also returns what it had to skip, cut or
// guess, each a *Warning naming the event's UID: events and lines dropped
// (and why), rules refused or unreadable, overrides that are no instance,
// unknown time zones, text and occurrences cut at a bound. At most
// maxWarnings are returned, then one that counts the rest.
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
	cals, dws, err := decode(body)
	if err != nil {
		return nil, nil, fmt.Errorf("calendar: %w", err)
	}
	p := &parser{loc: loc, from: from, to: to, zones: newZones(loc, cals)}
	p.zones.unknown = func(tzid string) {
		p.ws.add(p.cur.uid, p.cur.line, "unknown time zone %q: times in it are read in %s", clip(tzid, 60), loc)
	}
	for _, w := range dws {
		p.ws.add(w.UID, w.Line, "%s", w.Msg)
	}
	for _, cal := range cals {
		for _, c := range cal.children {
			if c.name == "VEVENT" {
				p.add(c)
				continue
			}
			for _, n := range c.allNotes() {
				p.ws.add("", n.line, "in %s: %s", clip(c.name, 40), n.msg)
			}
		}
	}
	for _, uid := range p.order {
		p.expand(uid)
	}
	evs = p.events()
	if len(p.trimmed) > 0 {
		p.warnTrimmed()
	}
	return evs, p.ws.result(), nil
}

type parser struct {
	loc      *time.Location
	from, to time.Time
	zones    *zones
	ws       warnings
	cur      struct {
		uid  string
		line int
	} // the event being read, for warnings from deep down
	order    []string             // UIDs in document order
	masters  map[string]*vevent   // UID → the event with no RECURRENCE-ID
	override map[string][]*vevent // UID → its RECURRENCE-ID events
	found    []occurrence         // in the window, at most 2×maxTotal
	// Once found held too many, only occurrences up to cutoff are kept;
	// trimmed has the UIDs that lost some.
	cutoff  time.Time
	trimmed map[string]bool
}

// occurrence is an instance of an event in the window, before it becomes a
// feeds.Event.
type occurrence struct {
	ev     *vevent
	orig   time.Time // original start, for the ID; zero for a single event
	at     time.Time // the event's Start
	end    time.Time
	single bool
}

func (o *occurrence) id() string {
	if o.single {
		return o.ev.uid
	}
	return o.ev.uid + "/" + key(o.orig, o.ev.keyDate)
}

// vevent is one VEVENT read: its start, how long it lasts and its text.
type vevent struct {
	uid    string
	line   int
	start  time.Time // in zone; for an all-day event midnight UTC of its date
	zone   *time.Location
	allDay bool
	// keyDate: IDs key occurrences by date, as the series is all-day (an
	// override keeps its series' IDs when it changes to or from all-day).
	keyDate bool
	// How long an occurrence lasts: days (nominal, wall clock) then exact.
	days   int
	exact  time.Duration
	hasEnd bool

	title, location, link, description string
	status                             string

	rid    *prop // RECURRENCE-ID
	future bool  // RANGE=THISANDFUTURE
	c      *component
}

func (p *parser) warn(ev *vevent, format string, args ...any) {
	p.ws.add(ev.uid, ev.line, format, args...)
}

// add reads one VEVENT and files it under its UID.
func (p *parser) add(c *component) {
	p.cur.uid, p.cur.line = strings.TrimSpace(c.text("UID")), c.line
	ev, err := p.read(c)
	for _, n := range c.allNotes() {
		p.ws.add(p.cur.uid, n.line, "%s", n.msg)
	}
	if err != nil {
		p.ws.add(p.cur.uid, c.line, "%v; the event is dropped", err)
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
	if prev, dup := p.masters[ev.uid]; dup {
		p.warn(ev, "the UID was used before (line %d): the later event is used", prev.line)
	}
	p.masters[ev.uid] = ev
}

// text reads a TEXT property as it may reach a post: without control
// characters or bidirectional overrides, and at most max characters.
func (p *parser) text(c *component, name string, max int) string {
	s := c.text(name)
	if s == "" {
		return ""
	}
	s = feeds.CleanText(strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")))
	if cut := feeds.Clip(s, max); cut != s {
		p.ws.add(p.cur.uid, c.line, "%s is longer than %d characters: cut", name, max)
		return cut
	}
	return s
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
		uid:         p.cur.uid,
		line:        c.line,
		start:       start,
		zone:        start.Location(),
		allDay:      allDay,
		keyDate:     allDay,
		title:       p.text(c, "SUMMARY", feeds.MaxTitle),
		location:    p.text(c, "LOCATION", feeds.MaxTitle),
		link:        p.link(c),
		description: p.text(c, "DESCRIPTION", feeds.MaxSummary),
		status:      strings.ToUpper(strings.TrimSpace(c.text("STATUS"))),
		rid:         c.get("RECURRENCE-ID"),
		c:           c,
	}
	ev.future = ev.rid != nil && strings.EqualFold(ev.rid.param("RANGE"), "THISANDFUTURE")
	if ev.uid == "" {
		// No identity of its own: derive one from what a reader sees, so
		// it holds across fetches (but not across edits of these fields).
		h := sha256.Sum256([]byte(ev.title + "\x00" + ds.param("TZID") + ":" + ds.value + "\x00" + ev.description))
		ev.uid = "nouid-" + hex.EncodeToString(h[:8])
	} else if len(ev.uid) > maxUID || !utf8.ValidString(ev.uid) || feeds.CleanText(ev.uid) != ev.uid {
		h := sha256.Sum256([]byte(ev.uid))
		ev.uid = "uid-" + hex.EncodeToString(h[:16])
		p.ws.add(p.cur.uid, c.line, "UID is over %d bytes or has control characters: its hash %s is used", maxUID, ev.uid)
	}
	p.cur.uid = ev.uid
	if de := c.get("DTEND"); de != nil {
		end, endDate, err := p.timeOf(de, ev.zone, allDay)
		ev.hasEnd = err == nil
		switch {
		case err != nil:
			// A broken end costs the end, not the event.
			p.ws.add(ev.uid, c.line, "DTEND: %v; read as no end", err)
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
		ev.hasEnd = err == nil
		switch {
		case err != nil:
			p.ws.add(ev.uid, c.line, "DURATION: %v; read as no end", err)
		case allDay:
			ev.days = days + int((exact+24*time.Hour-1)/(24*time.Hour))
		default:
			ev.days, ev.exact = days, exact
		}
	}
	if allDay && ev.days < 1 {
		ev.days = 1
	}
	return ev, nil
}

// maxURL is the longest URL kept (in bytes): a cut address leads nowhere,
// so a longer one is dropped.
const maxURL = 2000

func (p *parser) link(c *component) string {
	s := strings.TrimSpace(feeds.CleanText(c.text("URL")))
	if len(s) > maxURL {
		p.ws.add(p.cur.uid, c.line, "URL is longer than %d bytes: left out", maxURL)
		return ""
	}
	return s
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
