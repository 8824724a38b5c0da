package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	cron "github.com/netresearch/go-cron"
)

// CronParser reads schedules of 5 fields, or 6 with seconds, with
// descriptors (@daily) and a CRON_TZ= prefix. netresearch/go-cron is the
// maintained fork of robfig/cron: it no longer runs a job twice in a
// fall-back hour, nor skips one in a spring-forward gap.
var CronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor).WithSecondOptional()

// Cron yields the times a cron expression fires.
type Cron interface {
	Next(t time.Time) time.Time
}

// ParseCron parses a schedule, reading it in loc unless it has CRON_TZ=.
func ParseCron(spec string, loc *time.Location) (Cron, error) {
	s := spec
	if len(s) < 3 || (s[:3] != "CRO" && s[:3] != "TZ=") {
		s = "CRON_TZ=" + loc.String() + " " + s
	}
	sched, err := CronParser.Parse(s)
	if err != nil {
		if fixed, ok := fixCronWeekdays(spec); ok {
			return nil, fmt.Errorf("bad cron expression %q: write %q (weekdays in cron are MON TUE WED THU FRI SAT SUN)", spec, fixed)
		}
		return nil, fmt.Errorf("bad cron expression %q: %s", spec, cronReason(err))
	}
	if spec, ok := sched.(*cron.SpecSchedule); ok {
		return gapSchedule{spec}, nil
	}
	return sched, nil
}

// gapSchedule makes wall-clock schedules exact across daylight-saving
// changes. A time in a spring-forward gap fires at the first valid time
// after it: a daily 03:30 in Helsinki fires at 04:00 on the last Sunday of
// March (go-cron gives 04:30, Go's normalisation of 03:30 that day). A
// fixed-hour time in a fall-back hour fires once, in its first pass
// (go-cron fires it in both).
type gapSchedule struct{ spec *cron.SpecSchedule }

func (g gapSchedule) Next(t time.Time) time.Time {
	for i := 0; i < 8; i++ {
		n := g.spec.Next(t)
		if n.IsZero() {
			return n
		}
		if tr, gap := change(n, g.spec.Location); gap < 0 && !n.Before(tr) && n.Before(tr.Add(-gap)) {
			// The repeated hour's second pass: a job at a fixed hour ran
			// in the first pass already; an every-hour job runs again.
			if g.spec.Hour&allHours == allHours {
				return n
			}
			t = n
			continue
		}
		tr, gap := change(n, g.spec.Location)
		if gap <= 0 || n.Before(tr) || !n.Before(tr.Add(gap)) {
			return n
		}
		// n is within gap of the change. If the schedule asked for n's own
		// wall-clock time (*/15 asks for 04:15), it stands. If it asked for
		// the same instant on the old offset's clock, a time inside the
		// missing hour (03:30 for 04:30), it belongs at the change.
		if g.matches(n, n.In(g.spec.Location)) {
			return n
		}
		_, off := tr.Add(-time.Second).In(g.spec.Location).Zone()
		if !g.matches(n, n.In(time.FixedZone("", off))) {
			return n
		}
		if tr.After(t) {
			return tr
		}
		t = n // already fired at the change; this is the same occurrence
	}
	return g.spec.Next(t)
}

// matches reports whether the schedule fires at n read on wall's clock.
func (g gapSchedule) matches(n, wall time.Time) bool {
	s := *g.spec
	_, off := wall.Zone()
	s.Location = time.FixedZone("", off)
	return s.Next(n.Add(-time.Second)).Equal(n)
}

const allHours = 1<<24 - 1

// change finds a change of UTC offset in the day before n: the instant of
// the change and how much clock time it skipped (negative: repeated).
func change(n time.Time, loc *time.Location) (time.Time, time.Duration) {
	if loc == nil {
		return time.Time{}, 0
	}
	lo, hi := n.Add(-24*time.Hour), n
	_, before := lo.In(loc).Zone()
	_, after := hi.In(loc).Zone()
	if after == before {
		return time.Time{}, 0
	}
	for hi.Sub(lo) > time.Second {
		mid := lo.Add(hi.Sub(lo) / 2)
		if _, o := mid.In(loc).Zone(); o == after {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi.Truncate(time.Second), time.Duration(after-before) * time.Second
}

var strconvNoise = regexp.MustCompile(`failed to parse (?:int|number) from ([^:]+): strconv\.\w+: parsing "[^"]*": .*`)

// cronReason is go-cron's complaint without Go's parsing internals, and
// what the fields are.
func cronReason(err error) string {
	msg := err.Error()
	msg = strconvNoise.ReplaceAllString(msg, "cannot read $1")
	if strings.Contains(msg, "fields") {
		msg += ": write minute hour day-of-month month weekday, e.g. \"0 10 * * MON\""
	}
	return msg
}
