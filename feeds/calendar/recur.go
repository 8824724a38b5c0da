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

// perDay bounds how many occurrences a rule can give on one calendar day,
// from its parts alone: no instance is generated. It is an upper bound,
// exact for the usual rules (FREQ=DAILY;BYHOUR=9,17 gives 2, FREQ=HOURLY
// 24, FREQ=MINUTELY;INTERVAL=90 16).
func perDay(o *rrule.ROption) int {
	count := func(l []int, def int) int {
		if len(l) == 0 {
			return def
		}
		return len(l)
	}
	ceil := func(a, b int) int { return (a + b - 1) / b }
	iv := max(o.Interval, 1)
	var n int
	switch o.Freq {
	case rrule.HOURLY:
		hours := min(count(o.Byhour, 24), ceil(24, iv))
		n = hours * count(o.Byminute, 1) * count(o.Bysecond, 1)
		if len(o.Bysetpos) > 0 {
			n = min(n, hours*len(o.Bysetpos))
		}
	case rrule.MINUTELY:
		h, m := count(o.Byhour, 24), count(o.Byminute, 60)
		minutes := min(h*m, h*min(m, ceil(60, iv)), ceil(1440, iv))
		n = minutes * count(o.Bysecond, 1)
		if len(o.Bysetpos) > 0 {
			n = min(n, minutes*len(o.Bysetpos))
		}
	case rrule.SECONDLY:
		h, m, s := count(o.Byhour, 24), count(o.Byminute, 60), count(o.Bysecond, 60)
		n = min(h*m*s, h*m*min(s, ceil(60, iv)), h*min(m*s, ceil(3600, iv)), ceil(86400, iv))
	default:
		// A period of a day or more: each day is in one period and appears
		// once in it, at each time of the rule's time set.
		n = count(o.Byhour, 1) * count(o.Byminute, 1) * count(o.Bysecond, 1)
		if len(o.Bysetpos) > 0 {
			n = min(n, len(o.Bysetpos))
		}
	}
	if o.Count > 0 {
		n = min(n, o.Count)
	}
	return n
}

// explicit writes out the defaults rrule-go takes from DTSTART, as its
// buildRRule does.
func explicit(o *rrule.ROption) {
	d := o.Dtstart
	if len(o.Byweekno) == 0 && len(o.Byyearday) == 0 && len(o.Bymonthday) == 0 &&
		len(o.Byweekday) == 0 && len(o.Byeaster) == 0 {
		switch o.Freq {
		case rrule.YEARLY:
			if len(o.Bymonth) == 0 {
				o.Bymonth = []int{int(d.Month())}
			}
			o.Bymonthday = []int{d.Day()}
		case rrule.MONTHLY:
			o.Bymonthday = []int{d.Day()}
		case rrule.WEEKLY:
			o.Byweekday = []rrule.Weekday{weekdays[(int(d.Weekday())+6)%7]}
		}
	}
	if len(o.Byhour) == 0 && o.Freq < rrule.HOURLY {
		o.Byhour = []int{d.Hour()}
	}
	if len(o.Byminute) == 0 && o.Freq < rrule.MINUTELY {
		o.Byminute = []int{d.Minute()}
	}
	if len(o.Bysecond) == 0 && o.Freq < rrule.SECONDLY {
		o.Bysecond = []int{d.Second()}
	}
}

var weekdays = []rrule.Weekday{rrule.MO, rrule.TU, rrule.WE, rrule.TH, rrule.FR, rrule.SA, rrule.SU}

// never says whether a rule can never occur. rrule-go searches for the
// next instance period by period up to the year 9999 and checks UNTIL only
// on instances found, so such a rule costs up to half a second at every
// expansion. Usual rules are seen to occur from their parts; the others
// are tried on a yearly rule with the same day filters, near the year 9999
// so that the search for an instance is short.
func never(o rrule.ROption) bool {
	if len(o.Bysetpos) > 0 {
		// A position past every period's set never matches.
		size := len(o.Byhour) * len(o.Byminute) * len(o.Bysecond)
		switch o.Freq {
		case rrule.HOURLY:
			size = max(len(o.Byminute), 1) * max(len(o.Bysecond), 1)
		case rrule.MINUTELY:
			size = max(len(o.Bysecond), 1)
		case rrule.SECONDLY:
			size = 1
		case rrule.WEEKLY:
			size *= min(7, max(len(o.Byweekday), 1))
		case rrule.MONTHLY:
			size *= daysBound(o, 31)
		case rrule.YEARLY:
			size *= daysBound(o, 366)
		}
		reachable := false
		for _, p := range o.Bysetpos {
			if p <= size && -p <= size {
				reachable = true
			}
		}
		if !reachable {
			return true
		}
	}
	if o.Freq >= rrule.HOURLY && clockNever(o) {
		return true
	}
	if plainDays(o) {
		return false
	}
	probe := rrule.ROption{
		Freq: rrule.YEARLY,
		// rrule-go ends a rule without UNTIL 292 years after its DTSTART
		// and searches no further than 9999: 290 years, ten of the 28-year
		// cycles in which weekdays and leap years repeat.
		Dtstart:    time.Date(rrule.MAXYEAR-290, 1, 1, 0, 0, 0, 0, time.UTC),
		Wkst:       o.Wkst,
		Bymonth:    o.Bymonth,
		Bymonthday: o.Bymonthday,
		Byyearday:  o.Byyearday,
		Byweekno:   o.Byweekno,
	}
	for _, w := range o.Byweekday {
		switch {
		case o.Freq > rrule.MONTHLY:
			probe.Byweekday = append(probe.Byweekday, weekdays[w.Day()])
		default:
			probe.Byweekday = append(probe.Byweekday, w)
		}
	}
	if o.Freq == rrule.MONTHLY && len(probe.Bymonth) == 0 && len(o.Byweekday) > 0 {
		// An ordinal weekday counts within the month, as it does in a
		// yearly rule with BYMONTH.
		probe.Bymonth = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	}
	r, err := rrule.NewRRule(probe)
	if err != nil {
		return true
	}
	_, ok := r.Iterator()()
	return !ok
}

// daysBound bounds the days a monthly or yearly rule's period can match.
func daysBound(o rrule.ROption, period int) int {
	n := period
	if len(o.Bymonthday) > 0 {
		n = min(n, len(o.Bymonthday)*max(len(o.Bymonth), 1))
	}
	if len(o.Byyearday) > 0 {
		n = min(n, len(o.Byyearday))
	}
	return n
}

// plainDays says whether a rule's day parts surely match some day: at most
// one kind of day filter, within what every month (or year) has.
func plainDays(o rrule.ROption) bool {
	if len(o.Byyearday) > 0 || len(o.Byweekno) > 0 || len(o.Byeaster) > 0 {
		return false
	}
	if len(o.Bymonthday) > 0 && len(o.Byweekday) > 0 {
		return false
	}
	for _, d := range o.Bymonthday {
		if d > 28 || d < -28 {
			return false
		}
	}
	limit := 4 // nth weekday of a month
	if o.Freq == rrule.YEARLY && len(o.Bymonth) == 0 {
		limit = 52
	}
	for _, w := range o.Byweekday {
		if w.N() > limit || w.N() < -limit {
			return false
		}
	}
	return true
}

// maxSkip bounds the instances of a rule with COUNT generated before the
// window (a rule with COUNT cannot start later than DTSTART: the count
// runs from there).
const maxSkip = 200000

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
