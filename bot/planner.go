package bot

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/feeds"
)

// Draft is a post planned but not yet rendered for a target.
type Draft struct {
	Key      string
	Kind     Kind
	Due      time.Time
	Expires  time.Time
	Order    time.Time
	Link     string
	Images   []Image
	Template *render.Template
	Data     any

	event   string    // the event a reminder or notice is of
	told    announced // what it tells of that event
	targets []string  // a digest's targets; nil: every target
}

// Planner decides what is posted when. It is pure: everything it knows comes
// from its Config and its arguments, above all `now`.
type Planner struct {
	cfg Config
}

// NewPlanner plans for cfg.
func NewPlanner(cfg Config) *Planner { return &Planner{cfg: cfg} }

// ConfigEvents returns the events staff entered in the config.
func (pl *Planner) ConfigEvents() []Event { return pl.cfg.Events }

// CalendarEvents wraps a calendar feed's events with the feed's rules.
func (pl *Planner) CalendarEvents(f Feed, evs []feeds.Event) []Event {
	out := make([]Event, len(evs))
	for i, e := range evs {
		out[i] = Event{Event: e, Source: f.Name, Rules: f.Rules}
	}
	return out
}

// MaxLead is the longest time a reminder can come before its event (plus a
// day for a fixed time of day): how far ahead calendars must be expanded.
func (pl *Planner) MaxLead() time.Duration {
	lead := time.Duration(0)
	check := func(rs []Rule) {
		for _, r := range rs {
			lead = max(lead, r.Before)
		}
	}
	for _, f := range pl.cfg.Feeds {
		check(f.Rules)
	}
	for _, e := range pl.cfg.Events {
		check(e.Rules)
	}
	for _, d := range pl.cfg.Digests {
		lead = max(lead, d.Window) // a digest lists events that far ahead
	}
	return lead + 48*time.Hour
}

// Window is the span a plan covers. Posts due before Since are none of
// lumobot's business (Since is when this state first ran, so a new
// install does not post reminders that fell due before it existed); posts
// due between Since and Now that can still go out are overdue, and
// included, so that what fell due while lumobot was down still goes out.
// Last is when the previous plan ran (zero: never): what fell due after
// it and can no longer go out is returned as missed, so that nothing that
// lumobot slept through vanishes without a record.
type Window struct {
	Since, Last, Now, Until time.Time
}

// Missed is a post that fell due while lumobot was not planning and can no
// longer go out.
type Missed struct {
	Draft
	Reason         string
	beforeFirstRun bool // not missed while down: before the state existed
}

// Plan returns the reminders and announcements that are due before
// w.Until and can still be posted at w.Now. dropped names the keys that are
// known not to be posted any more, with why; missed are those of them that
// fell due after w.Last.
func (pl *Planner) Plan(events []Event, w Window) (drafts []Draft, dropped map[string]string, missed []Missed) {
	dropped = map[string]string{}
	drafts, missed = pl.reminders(events, w, dropped) // not copied: it can be tens of thousands
	ann, annMissed := pl.announcements(w)
	drafts = append(drafts, ann...)
	missed = append(missed, annMissed...)
	dig, digMissed := pl.digests(events, w)
	drafts = append(drafts, dig...)
	missed = append(missed, digMissed...)
	// Generic, not sort.SliceStable: its reflection swapper moved the
	// drafts (large structs) several times slower.
	slices.SortStableFunc(drafts, func(a, b Draft) int { return a.Due.Compare(b.Due) })
	return drafts, dropped, missed
}

// ReminderDue is when rule r reminds of an event starting at start: Before
// earlier, moved to the rule's local time of day on that day. Wall-clock
// arithmetic happens in loc, so 1d at 09:00 is 09:00 on both sides of a
// daylight-saving change, while 2h is two real hours.
func ReminderDue(start time.Time, r Rule, loc *time.Location) time.Time {
	start = start.In(loc)
	days := r.Before / (24 * time.Hour)
	rest := r.Before - days*24*time.Hour
	// Whole days are calendar days: 1d before 10:00 is 10:00 the day before,
	// even when that day is 23 or 25 hours long.
	due := time.Date(start.Year(), start.Month(), start.Day()-int(days), start.Hour(), start.Minute(), start.Second(), start.Nanosecond(), loc).Add(-rest)
	if r.At != nil {
		due = time.Date(due.Year(), due.Month(), due.Day(), r.At.Hour, r.At.Minute, 0, 0, loc)
	}
	return due
}

// missedSince reports whether a post due at due fell due after the last
// plan (and within this state's life), so that its loss is news.
func (w Window) missedSince(due time.Time) bool {
	return !w.Last.IsZero() && due.After(w.Last) && !due.After(w.Now) && !due.Before(w.Since)
}

func (pl *Planner) reminders(events []Event, w Window, dropped map[string]string) ([]Draft, []Missed) {
	loc, now, until := pl.cfg.Location, w.Now, w.Until
	n := 0
	for _, e := range events {
		n += len(e.Rules)
	}
	// At most one a rule: a year of weekly events is tens of thousands of
	// drafts, and growing the slice by doubling copied them all again.
	out := make([]Draft, 0, n)
	var missed []Missed
	seen := make(map[string]bool, len(events))
	rules := map[ruleSet][]ruleInfo{}
	for _, e := range events {
		known := len(seen)
		if seen[e.ID] = true; len(seen) == known {
			continue // the first source of an id wins; validate reports duplicates
		}
		if len(e.Rules) == 0 {
			continue
		}
		// Keys and the rules as applied are the same for every occurrence
		// of a source's events: worked out once, not per draft.
		rs := ruleSet{rules: &e.Rules[0], n: len(e.Rules), allDay: e.AllDay}
		infos, ok := rules[rs]
		if !ok {
			infos = ruleInfos(e)
			rules[rs] = infos
		}
		var overdue []Draft
		var data *render.ReminderData // shared by the event's drafts where only Before differs
		dues := pl.reminderDues(e, infos, w.Since)
		for i := range infos {
			ri := &infos[i]
			if ri.skip {
				continue // "an hour before" a whole day means nothing to a follower
			}
			key := "reminder:" + e.ID + ":" + ri.rule.Name
			if e.Cancelled {
				dropped[key] = "event cancelled"
				continue
			}
			due := dues[i]
			if !e.Start.After(now) {
				dropped[key] = "event already started"
				if due.Before(e.Start) && w.missedSince(due) {
					missed = append(missed, Missed{Draft: Draft{Key: key, Kind: KindReminder, Due: due, Expires: e.Start, Order: e.Start}, Reason: "event already started"})
				}
				continue
			}
			if !due.Before(e.Start) || !due.Before(until) || due.Before(w.Since) {
				continue
			}
			if data == nil {
				d := pl.reminderData(e)
				data = &d
			}
			rd := *data
			rd.Before = ri.rule.Name
			rd.Due = due.In(loc)
			d := Draft{
				Key: key, Kind: KindReminder, Due: due, Expires: e.Start, Order: e.Start, Link: e.Link,
				Template: ri.rule.Template,
				Data:     rd,
				Images:   ruleImages(e, ri.rule),
				event:    e.ID, told: announced{Start: e.Start, End: e.End, Location: e.Location},
			}
			if due.After(now) {
				out = append(out, d)
			} else {
				overdue = append(overdue, d)
			}
		}
		// After downtime several reminders of one event can be overdue at
		// once; followers need only the latest of them.
		sort.Slice(overdue, func(i, j int) bool { return overdue[i].Due.After(overdue[j].Due) })
		for i, d := range overdue {
			if i == 0 {
				out = append(out, d)
				continue
			}
			reason := "superseded by " + overdue[0].Key
			dropped[d.Key] = reason
			if w.missedSince(d.Due) {
				missed = append(missed, Missed{Draft: d, Reason: reason})
			}
		}
	}
	return out, missed
}

// reminderDues is when each rule of an event reminds. A reminder that
// falls on a quiet day or date moves earlier, to its time of day on the
// last day before that is not quiet (after the event's previous reminder,
// and not before this state catches up from); only when there is none does
// it wait for the quiet time to end, as news and announcements do. A
// Sunday 09.00 reminder of a Monday event goes out on Friday at 09.00.
func (pl *Planner) reminderDues(e Event, infos []ruleInfo, since time.Time) []time.Time {
	loc, q := pl.cfg.Location, pl.cfg.Quiet
	dues := make([]time.Time, len(infos))
	order := make([]int, 0, len(infos))
	for i := range infos {
		if !infos[i].skip {
			dues[i] = ReminderDue(e.Start, infos[i].rule, loc)
			order = append(order, i)
		}
	}
	if len(q.Days)+len(q.Dates) == 0 {
		return dues
	}
	sort.SliceStable(order, func(a, b int) bool { return dues[order[a]].Before(dues[order[b]]) })
	var prev time.Time
	for _, i := range order {
		if quietDayEnd(q, dues[i], loc).Equal(dues[i]) {
			prev = dues[i]
			continue
		}
		if moved := lastAllowedDay(q, dues[i], loc); !moved.IsZero() && moved.After(prev) && !moved.Before(since) {
			dues[i] = moved
		}
		prev = dues[i]
	}
	return dues
}

// lastAllowedDay is t's time of day on the last day before t that is not
// quiet, out of quiet hours (moved to their end that morning); zero when
// the fortnight before has none.
func lastAllowedDay(q QuietHours, t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	for d := 1; d <= 14; d++ {
		c := time.Date(l.Year(), l.Month(), l.Day()-d, l.Hour(), l.Minute(), l.Second(), 0, loc)
		if !quietDayEnd(q, c, loc).Equal(c) {
			continue
		}
		if c = quietHoursEnd(q, c, loc); quietDayEnd(q, c, loc).Equal(c) && c.Before(t) {
			return c
		}
	}
	return time.Time{}
}

// ruleSet names the rules of a group of events: the rule list (events of
// one source share it) and whether the events are all-day (which changes
// how rules apply).
type ruleSet struct {
	rules  *Rule
	n      int
	allDay bool
}

// ruleInfo is one rule as it applies to the events of a ruleSet.
type ruleInfo struct {
	skip bool // a rule of less than a day for an all-day event
	rule Rule // with the all-day time of day where it applies
}

func ruleInfos(e Event) []ruleInfo {
	out := make([]ruleInfo, len(e.Rules))
	for i, r := range e.Rules {
		if e.AllDay && r.At == nil {
			if r.Before < 24*time.Hour {
				out[i] = ruleInfo{skip: true}
				continue
			}
			r.At = &allDayClock
		}
		out[i] = ruleInfo{rule: r}
	}
	return out
}

// allDayClock is when a whole-day rule without its own time of day reminds
// of an all-day event: not at midnight.
var allDayClock = TimeOfDay{Hour: 9}

func (pl *Planner) reminderData(e Event) render.ReminderData {
	loc := pl.cfg.Location
	end := e.End.In(loc)
	if e.AllDay {
		// Followers read an all-day event's end as its last day.
		end = end.AddDate(0, 0, -1)
		if end.Before(e.Start) {
			end = e.Start.In(loc)
		}
	}
	return render.ReminderData{
		Title: e.Title, Start: e.Start.In(loc), End: end, AllDay: e.AllDay,
		Location: e.Location, Link: e.Link, Description: e.Description,
	}
}

// ruleImages are the images a reminder of e by rule r carries.
func ruleImages(e Event, r Rule) []Image {
	if r.NoImages {
		return nil
	}
	return e.Images
}

// maxOccurrences bounds how many occurrences of one recurring announcement
// a plan looks at: a cron of every minute over a year is half a million.
const maxOccurrences = 10000

func (pl *Planner) announcements(w Window) (out []Draft, missed []Missed) {
	cfg, now, until := pl.cfg, w.Now, w.Until
	for _, a := range cfg.Announcements {
		add := func(occurrence string, due time.Time) {
			data := render.AnnouncementData{Text: strings.TrimSpace(a.Text), Link: a.Link, Due: due.In(cfg.Location), At: due.In(cfg.Location)}
			if (!a.From.IsZero() && due.Before(a.From)) || (!a.Until.IsZero() && !due.Before(a.Until)) || due.Before(w.Since) {
				return
			}
			d := Draft{
				Key: "announcement:" + a.ID + ":" + occurrence, Kind: KindAnnouncement,
				Due: due, Expires: QuietEnd(cfg.Quiet, due, cfg.Location).Add(cfg.LateGrace), Order: due,
				Link: a.Link, Template: a.Template, Data: data, Images: a.Images,
			}
			if !now.Before(d.Expires) {
				if w.missedSince(due) {
					missed = append(missed, Missed{Draft: d, Reason: expiredReason(KindAnnouncement)})
				}
				return
			}
			out = append(out, d)
		}
		if a.Cron == nil {
			if a.At.Before(until) {
				add("once", a.At)
			}
			continue
		}
		// Start far enough back to find occurrences still within late_grace
		// (quiet hours can hold one back up to a day); before that, what
		// was missed since the last plan, in a scan of its own so that a
		// long downtime cannot crowd out what is still to come.
		from := now.Add(-cfg.LateGrace - 24*time.Hour)
		if !w.Last.IsZero() && w.Last.Before(from) {
			scan(a, cfg.Location, w.Last, from, add)
		}
		scan(a, cfg.Location, from, until, add)
	}
	return out, missed
}

// scan calls add for each occurrence of a recurring announcement after from
// and before to, within its bounds, at most maxOccurrences.
func scan(a Announcement, loc *time.Location, from, to time.Time, add func(occurrence string, due time.Time)) {
	t := from
	if !a.From.IsZero() && t.Before(a.From) {
		t = a.From.Add(-time.Second)
	}
	for n := 0; n < maxOccurrences; n++ {
		t = a.Cron.Next(t)
		if t.IsZero() || !t.Before(to) || (!a.Until.IsZero() && !t.Before(a.Until)) {
			return
		}
		add(t.In(loc).Format("2006-01-02T15:04"), t)
	}
}

// AnnouncementDrafts returns one draft of every announcement, for checks
// (validate warns about text that cannot fit).
func (pl *Planner) AnnouncementDrafts() []Draft {
	var out []Draft
	for _, a := range pl.cfg.Announcements {
		out = append(out, Draft{
			Key: "announcement:" + a.ID, Kind: KindAnnouncement, Link: a.Link, Template: a.Template,
			Data: render.AnnouncementData{Text: strings.TrimSpace(a.Text), Link: a.Link},
		})
	}
	return out
}
