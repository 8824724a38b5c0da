package calendar

import (
	"time"

	"github.com/teambition/rrule-go"
)

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
