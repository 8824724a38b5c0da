package calendar

import (
	"errors"
	"fmt"
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

// buildRule turns an RRULE value into an rrule-go rule starting at dtstart,
// whose location is the zone the rule runs in (wall-clock recurrences keep
// their local time across DST changes). Sloppy values are tidied first:
// spaces ("BYDAY=MO, TU"), empty and unknown parts are dropped.
//
// UNTIL: with Z it is an instant; floating, it is read in the rule's zone;
// a date means the end of that day. For an all-day rule (run on UTC
// midnights) only its date counts, as written: Google ends all-day series
// with UNTIL=<last day>T235959Z.
func buildRule(value string, dtstart time.Time, allDay bool) (*rrule.RRule, error) {
	value = strings.ToUpper(strings.Join(strings.Fields(value), ""))
	value = strings.TrimPrefix(value, "RRULE:")
	zone := dtstart.Location()
	var parts []string
	var until time.Time
	for _, part := range strings.Split(value, ";") {
		k, v, ok := strings.Cut(part, "=")
		v = strings.Trim(v, ",")
		if !ok || v == "" {
			continue
		}
		switch {
		case k == "UNTIL":
			t, isDate, err := parseDateTime(v, zone)
			if err != nil {
				return nil, fmt.Errorf("rrule UNTIL: %w", err)
			}
			if allDay && !isDate {
				t, _, err = parseDateTime(v[:8], zone)
				isDate = err == nil
			}
			if isDate {
				t = t.AddDate(0, 0, 1).Add(-time.Second)
			}
			until = t
		case k == "FREQ" && (v == "SECONDLY" || v == "MINUTELY" || v == "HOURLY"):
			return nil, fmt.Errorf("rrule FREQ=%s is not supported for events", v)
		case ruleKeys[k]:
			parts = append(parts, k+"="+v)
		}
	}
	opt, err := rrule.StrToROptionInLocation(strings.Join(parts, ";"), zone)
	if err != nil {
		return nil, fmt.Errorf("rrule %q: %w", value, err)
	}
	if opt.Count < 0 {
		return nil, errors.New("rrule COUNT is negative")
	}
	opt.Dtstart = dtstart
	opt.Until = until
	return rrule.NewRRule(*opt)
}

// maxOccurrences bounds the work one recurring event may cause.
const maxOccurrences = 100000

// ruleStarts returns the starts a rule generates from dtstart up to (not
// including) end, in the rule's zone. DTSTART is always the first instance
// (RFC 5545 3.8.5.3), also when the rule itself would not produce it; it
// then counts toward COUNT, as in libical and ical.js.
func ruleStarts(value string, dtstart time.Time, allDay bool, end time.Time) ([]time.Time, error) {
	r, err := buildRule(value, dtstart, allDay)
	if err != nil {
		return nil, err
	}
	next := r.Iterator()
	first, ok := next()
	out := []time.Time{dtstart}
	count := r.OrigOptions.Count
	if ok && first.Equal(dtstart) {
		first, ok = next()
	} else if count == 1 {
		return out, nil
	} else if count > 1 {
		// DTSTART took one of COUNT's places: drop the rule's last.
		opt := r.OrigOptions
		opt.Count = count - 1
		r2, err := rrule.NewRRule(opt)
		if err != nil {
			return nil, err
		}
		next = r2.Iterator()
		first, ok = next()
	}
	for t := first; ok && t.Before(end); t, ok = next() {
		if len(out) >= maxOccurrences {
			return out, fmt.Errorf("more than %d occurrences, rest ignored", maxOccurrences)
		}
		out = append(out, t)
	}
	return out, nil
}
