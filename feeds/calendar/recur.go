package calendar

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/teambition/rrule-go"
)

// ruleKeys are the RRULE parts passed on to rrule-go; UNTIL is read here.
var ruleKeys = map[string]bool{
	"FREQ": true, "INTERVAL": true, "COUNT": true, "WKST": true,
	"BYSETPOS": true, "BYMONTH": true, "BYMONTHDAY": true, "BYYEARDAY": true,
	"BYWEEKNO": true, "BYDAY": true, "BYHOUR": true, "BYMINUTE": true, "BYSECOND": true,
}

// maxPerDay is the densest series accepted: more than this many
// occurrences on one day is a flood of reminders, not a calendar.
const maxPerDay = 24

// rule is one RRULE of a series, checked and ready to expand.
type rule struct {
	// opt has every default rrule-go would take from DTSTART (month, day,
	// weekday, time of day) written out, so that expansion may start from
	// a later DTSTART and still give the same instances.
	opt rrule.ROption
	// Count is what is left of COUNT for the rule's own instances once
	// DTSTART, always the first instance, took its place (0: no COUNT);
	// none means the rule adds nothing to DTSTART.
	count int
	none  bool
}

// errRefused marks a rule that reads but is refused (too dense): the
// series is dropped, where an unreadable rule only loses its recurrence.
var errRefused = errors.New("refused")

// parseRule reads an RRULE value for a series starting at dtstart, whose
// location is the zone the rule runs in (wall-clock recurrences keep their
// local time across DST changes). Sloppy values are tidied first: spaces
// ("BYDAY=MO, TU"), empty and unknown parts are dropped, repeated values
// are read once.
//
// UNTIL: with Z it is an instant; floating, it is read in the rule's zone;
// a date means the end of that day. For an all-day rule (run on UTC
// midnights) only its date counts, as written: Google ends all-day series
// with UNTIL=<last day>T235959Z.
//
// A rule that may give more than maxPerDay occurrences on a day is an
// error wrapping errRefused. One that can never occur is an error too: it
// adds nothing to DTSTART, and would make rrule-go search up to the year
// 9999 at every expansion.
func parseRule(value string, dtstart time.Time, allDay bool) (r *rule, err error) {
	defer func() {
		// rrule-go panics on some rules (FREQ=MONTHLY;BYDAY=10FR indexes
		// past its month tables): that rule is unreadable, and the
		// calendar is still read.
		if p := recover(); p != nil {
			r, err = nil, fmt.Errorf("rrule-go failed on it: %v", p)
		}
	}()
	value = strings.ToUpper(strings.Join(strings.Fields(value), ""))
	value = strings.TrimPrefix(value, "RRULE:")
	zone := dtstart.Location()
	var parts []string
	var until time.Time
	hasFreq := false
	for part := range strings.SplitSeq(value, ";") {
		k, v, ok := strings.Cut(part, "=")
		v = strings.Trim(v, ",")
		if !ok || v == "" {
			continue
		}
		switch {
		case k == "UNTIL":
			t, isDate, err := parseDateTime(v, zone)
			if err != nil {
				return nil, fmt.Errorf("UNTIL: %w", err)
			}
			if allDay && !isDate {
				t, _, err = parseDateTime(v[:8], zone)
				isDate = err == nil
			}
			if isDate {
				t = t.AddDate(0, 0, 1).Add(-time.Second)
			}
			until = t
		case ruleKeys[k]:
			hasFreq = hasFreq || k == "FREQ"
			parts = append(parts, k+"="+dedupList(v))
		}
	}
	if !hasFreq {
		return nil, errors.New("no FREQ")
	}
	opt, err := rrule.StrToROptionInLocation(strings.Join(parts, ";"), zone)
	if err != nil {
		return nil, err
	}
	if opt.Count < 0 {
		return nil, errors.New("COUNT is negative")
	}
	if opt.Interval < 1 {
		opt.Interval = 1
	}
	opt.Dtstart = dtstart.Truncate(time.Second)
	opt.Until = until
	if _, err := rrule.NewRRule(*opt); err != nil { // bounds of the BY parts
		return nil, err
	}
	for _, w := range opt.Byweekday {
		// The nth weekday of a month is at most the 5th, of a year the 53rd.
		limit := 53
		if opt.Freq == rrule.MONTHLY || opt.Freq == rrule.YEARLY && len(opt.Bymonth) > 0 {
			limit = 5
		}
		if opt.Freq <= rrule.MONTHLY && (w.N() > limit || w.N() < -limit) {
			return nil, fmt.Errorf("BYDAY with %d: no period has that many of a weekday", w.N())
		}
	}
	if n := perDay(opt); n > maxPerDay {
		return nil, fmt.Errorf("%w: up to %d occurrences a day (at most %d are accepted)", errRefused, n, maxPerDay)
	}
	if u := unitsPerDay[opt.Freq]; u > 0 && opt.Interval >= u {
		// Steps of a day or more: a DAILY rule says that, and the search
		// of a sub-daily one for an instance cannot be bounded.
		return nil, fmt.Errorf("FREQ=%s with INTERVAL=%d: a step of a day or more", strings.ToUpper(freqNames[opt.Freq]), opt.Interval)
	}
	explicit(opt)
	if never(*opt) {
		return nil, errors.New("it can never occur")
	}
	r = &rule{opt: *opt, count: opt.Count}
	// DTSTART is always the first instance, also when the rule itself
	// would not produce it, and counts toward COUNT (RFC 5545 3.3.10: "The
	// DTSTART property value always counts as the first occurrence"), as
	// in libical; ical.js drops it (TestICALJS documents that).
	if first, err := rrule.NewRRule(*opt); err == nil {
		if t, ok := first.Iterator()(); !ok || !t.Equal(opt.Dtstart) {
			switch {
			case r.count == 1:
				r.none = true
			case r.count > 1:
				r.count--
			}
		}
	}
	return r, nil
}

// dedupList drops repeated values of a list part: BYSECOND=1,1,1,... must
// cost what BYSECOND=1 does.
func dedupList(v string) string {
	if !strings.Contains(v, ",") {
		return v
	}
	var out []string
	seen := map[string]bool{}
	for x := range strings.SplitSeq(v, ",") {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return strings.Join(out, ",")
}

// between returns the rule's instances in [lo, hi), at most max of them. A rule without COUNT is expanded from a
// DTSTART moved forward along the rule to just before lo: rrule-go cannot
// skip ahead, and ends a rule without UNTIL about 292 years after its
// DTSTART (a birthday from 1604 would have no instance today).
func (r *rule) between(lo, hi time.Time, max int) (out []time.Time, err error) {
	defer func() {
		if p := recover(); p != nil {
			out, err = nil, fmt.Errorf("rrule-go failed: %v", p)
		}
	}()
	if r.none || !lo.Before(hi) {
		return nil, nil
	}
	opt := r.opt
	opt.Count = r.count
	if opt.Count == 0 {
		opt = forward(opt, lo)
	}
	rr, err := rrule.NewRRule(opt)
	if err != nil {
		return nil, err
	}
	next := rr.Iterator()
	for skipped := 0; ; {
		t, ok := next()
		if !ok || !t.Before(hi) {
			return out, nil
		}
		if t.Before(lo) {
			if skipped++; skipped > maxSkip {
				return out, fmt.Errorf("more than %d instances before the window; not expanded", maxSkip)
			}
			continue
		}
		if len(out) == max {
			return out, nil
		}
		out = append(out, t)
	}
}

// forward moves opt's DTSTART to the start of a period of the rule (a
// whole number of INTERVALs after DTSTART's) at least a period before lo.
// With every default written out (explicit), the rule then gives the same
// instances from lo on.
func forward(opt rrule.ROption, lo time.Time) rrule.ROption {
	d := opt.Dtstart
	z := d.Location()
	l := lo.In(z)
	if !l.After(d) {
		return opt
	}
	n := max(opt.Interval, 1)
	date := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, z) }
	switch opt.Freq {
	case rrule.YEARLY:
		if k := (l.Year() - d.Year() - 1) / n; k > 0 {
			opt.Dtstart = date(d.Year()+k*n, 1, 1)
		}
	case rrule.MONTHLY:
		months := (l.Year()-d.Year())*12 + int(l.Month()) - int(d.Month()) - 1
		if k := months / n; k > 0 {
			opt.Dtstart = date(d.Year(), d.Month()+time.Month(k*n), 1)
		}
	case rrule.WEEKLY:
		// rrule-go's week runs from WKST; its first week is cut at DTSTART.
		back := ((int(d.Weekday())+6)%7 - opt.Wkst.Day() + 7) % 7
		ws := date(d.Year(), d.Month(), d.Day()-back)
		if k := (days(ws, l) - 7) / (7 * n); k > 0 {
			opt.Dtstart = date(ws.Year(), ws.Month(), ws.Day()+7*k*n)
		}
	case rrule.DAILY:
		if k := (days(d, l) - 1) / n; k > 0 {
			opt.Dtstart = date(d.Year(), d.Month(), d.Day()+k*n)
		}
	default:
		// Sub-daily rules count wall-clock units from DTSTART's time of
		// day: move by whole days that are whole intervals, to a day where
		// that time exists.
		step := n / gcd(n, unitsPerDay[opt.Freq])
		for k, tries := (days(d, l)-1)/step, 0; k > 0 && tries < 3; k, tries = k-1, tries+1 {
			t := time.Date(d.Year(), d.Month(), d.Day()+k*step, d.Hour(), d.Minute(), d.Second(), 0, z)
			if t.Hour() == d.Hour() && t.Minute() == d.Minute() {
				opt.Dtstart = t
				break
			}
		}
	}
	return opt
}

var (
	unitsPerDay = map[rrule.Frequency]int{rrule.HOURLY: 24, rrule.MINUTELY: 1440, rrule.SECONDLY: 86400}
	freqNames   = map[rrule.Frequency]string{rrule.HOURLY: "hourly", rrule.MINUTELY: "minutely", rrule.SECONDLY: "secondly"}
)

// clockNever says whether a sub-daily rule's steps never land on a time
// (and weekday) its BYHOUR, BYMINUTE, BYSECOND and BYDAY allow: rrule-go
// would step through every second up to the year 9999 looking for one
// (FREQ=SECONDLY;INTERVAL=7200;BYMINUTE=30 from a full hour). Steps are
// wall-clock units, so the pair (weekday, time of day) repeats within a
// week: at most 604,800 steps are tried.
func clockNever(o rrule.ROption) bool {
	u := unitsPerDay[o.Freq]
	if len(o.Byhour)+len(o.Byminute)+len(o.Bysecond)+len(o.Byweekday) == 0 {
		return false
	}
	var hours [24]bool
	var minutes, seconds [60]bool
	var wdays [7]bool
	fill := func(dst []bool, l []int) {
		for i := range dst {
			dst[i] = len(l) == 0
		}
		for _, v := range l {
			if v >= 0 && v < len(dst) {
				dst[v] = true
			}
		}
	}
	fill(hours[:], o.Byhour)
	fill(minutes[:], o.Byminute)
	fill(seconds[:], o.Bysecond)
	var wl []int
	for _, w := range o.Byweekday {
		wl = append(wl, w.Day())
	}
	fill(wdays[:], wl)
	d := o.Dtstart
	perUnit := 86400 / u // seconds in one unit
	week := 7 * u
	pos := (((int(d.Weekday())+6)%7)*86400 + d.Hour()*3600 + d.Minute()*60 + d.Second()) / perUnit
	for range week / gcd(o.Interval, week) {
		sec := pos * perUnit
		wd, rest := sec/86400, sec%86400
		h, m, s := rest/3600, rest%3600/60, rest%60
		ok := wdays[wd] && hours[h]
		if o.Freq >= rrule.MINUTELY {
			ok = ok && minutes[m]
		}
		if o.Freq == rrule.SECONDLY {
			ok = ok && seconds[s]
		}
		if ok {
			return false
		}
		pos = (pos + o.Interval) % week
	}
	return true
}

// days counts calendar days from a's date to b's.
func days(a, b time.Time) int {
	ua := time.Date(a.Year(), a.Month(), a.Day(), 0, 0, 0, 0, time.UTC)
	ub := time.Date(b.Year(), b.Month(), b.Day(), 0, 0, 0, 0, time.UTC)
	return int(ub.Sub(ua).Hours() / 24)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// union merges sorted lists of instants into one, each instant once
// (RFC 5545 3.8.5.3: duplicate instances are ignored).
func union(lists ...[]time.Time) []time.Time {
	var all []time.Time
	for _, l := range lists {
		all = append(all, l...)
	}
	slices.SortFunc(all, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(all, func(a, b time.Time) bool { return a.Equal(b) })
}
