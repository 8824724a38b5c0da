package bot

import (
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
)

// Event is an event with the rules that apply to it: from a calendar feed or
// from the config.
type Event struct {
	feeds.Event
	Source    string            // feed name, or "config"
	Reminders []config.Reminder // the rules that apply: its own, its feed's, or the global ones
	Template  string            // the event's own template (config events, feeds), "" for the default
}

// Draft is a post planned but not yet rendered for a target.
type Draft struct {
	Key      string
	Kind     Kind
	Due      time.Time
	Expires  time.Time
	Order    time.Time
	Link     string
	Template *render.Template
	Data     any
}

// Planner decides what is posted when. It is pure: everything it knows comes
// from its config and its arguments, above all `now`.
type Planner struct {
	cfg       *config.Config
	renderer  *render.Renderer
	defaults  map[Kind]*render.Template
	templates map[string]*render.Template // parsed overrides by their source key
}

// NewPlanner parses every template in the config once, so a bad template is
// a config error at start, never at the first post.
func NewPlanner(cfg *config.Config) (*Planner, error) {
	pl := &Planner{
		cfg:       cfg,
		renderer:  render.New(cfg.Language, cfg.Hashtags),
		defaults:  map[Kind]*render.Template{},
		templates: map[string]*render.Template{},
	}
	var problems []string
	parse := func(key, text string, kind Kind) *render.Template {
		t, err := pl.renderer.Parse(key, text)
		if err == nil {
			// Run it once on sample data: {{.Titel}} fails here, not at the first post.
			err = pl.renderer.Check(t, string(kind))
		}
		if err != nil {
			// The template's errors name it already.
			problems = append(problems, strings.TrimPrefix(err.Error(), fmt.Sprintf("template %q: ", key)))
		}
		return t
	}
	for kind, text := range map[Kind]string{KindNews: cfg.Templates.News, KindReminder: cfg.Templates.Reminder, KindAnnouncement: cfg.Templates.Announcement} {
		if text == "" {
			text = render.Default(string(kind))
		}
		pl.defaults[kind] = parse("templates."+string(kind), text, kind)
	}
	add := func(key, text string, kind Kind) {
		if text != "" {
			pl.templates[key] = parse(key, text, kind)
		}
	}
	for i, f := range cfg.Feeds {
		kind := KindNews
		if f.Kind == config.KindEvents {
			kind = KindReminder
		}
		add(fmt.Sprintf("feeds[%d].template", i), f.Template, kind)
		for j, r := range f.Reminders {
			add(fmt.Sprintf("feeds[%d].reminders[%d].template", i, j), r.Template, KindReminder)
		}
	}
	for i, e := range cfg.Events {
		add(fmt.Sprintf("events[%d].template", i), e.Template, KindReminder)
		for j, r := range e.Reminders {
			add(fmt.Sprintf("events[%d].reminders[%d].template", i, j), r.Template, KindReminder)
		}
	}
	for i, r := range cfg.Reminders {
		add(fmt.Sprintf("reminders[%d].template", i), r.Template, KindReminder)
	}
	for i, a := range cfg.Announcements {
		add(fmt.Sprintf("announcements[%d].template", i), a.Template, KindAnnouncement)
	}
	if len(problems) > 0 {
		return nil, &config.Error{File: cfg.File, Problems: problems}
	}
	return pl, nil
}

// template picks the most specific template: the reminder's, then the
// event's or feed's, then the kind's.
func (pl *Planner) template(kind Kind, keys ...string) *render.Template {
	for _, k := range keys {
		if t := pl.templates[k]; t != nil {
			return t
		}
	}
	return pl.defaults[kind]
}

// ConfigEvents returns the events staff entered in the config.
func (pl *Planner) ConfigEvents() []Event {
	out := make([]Event, 0, len(pl.cfg.Events))
	for i, e := range pl.cfg.Events {
		rules := e.Reminders
		if len(rules) == 0 {
			rules = pl.cfg.Reminders
		}
		out = append(out, Event{
			Event: feeds.Event{
				ID: e.ID, Title: e.Title, Start: e.StartTime, End: e.EndTime, AllDay: e.AllDay,
				Location: e.Location, Link: e.Link, Description: e.Description, Cancelled: e.Cancelled,
			},
			Source:    "config",
			Reminders: rules,
			Template:  fmt.Sprintf("events[%d]", i),
		})
	}
	return out
}

// CalendarEvents wraps a calendar feed's events with the feed's rules.
func (pl *Planner) CalendarEvents(feedIndex int, evs []feeds.Event) []Event {
	f := pl.cfg.Feeds[feedIndex]
	rules := f.Reminders
	if len(rules) == 0 {
		rules = pl.cfg.Reminders
	}
	tmpl := fmt.Sprintf("feeds[%d]", feedIndex)
	out := make([]Event, len(evs))
	for i, e := range evs {
		out[i] = Event{Event: e, Source: f.Name, Reminders: rules, Template: tmpl}
	}
	return out
}

// MaxLead is the longest time a reminder can come before its event (plus a
// day for a fixed time of day): how far ahead calendars must be expanded.
func (pl *Planner) MaxLead() time.Duration {
	lead := time.Duration(0)
	check := func(rs []config.Reminder) {
		for _, r := range rs {
			if r.Offset > lead {
				lead = r.Offset
			}
		}
	}
	check(pl.cfg.Reminders)
	for _, f := range pl.cfg.Feeds {
		check(f.Reminders)
	}
	for _, e := range pl.cfg.Events {
		check(e.Reminders)
	}
	return lead + 48*time.Hour
}

// Window is the span a plan covers. Posts due before Since are none of
// lumobot's business (Since is when this state first ran, so a new
// install does not post reminders that fell due before it existed); posts
// due between Since and Now that can still go out are overdue, and
// included, so that what fell due while lumobot was down still goes out.
type Window struct {
	Since, Now, Until time.Time
}

// Plan returns the reminders and announcements that are due before
// w.Until and can still be posted at w.Now. dropped names the keys that are
// known not to be posted any more, with why.
func (pl *Planner) Plan(events []Event, w Window) (drafts []Draft, dropped map[string]string) {
	dropped = map[string]string{}
	drafts = pl.reminders(events, w, dropped) // not copied: it can be tens of thousands
	drafts = append(drafts, pl.announcements(w)...)
	// Generic, not sort.SliceStable: its reflection swapper moved the
	// drafts (large structs) several times slower.
	slices.SortStableFunc(drafts, func(a, b Draft) int { return a.Due.Compare(b.Due) })
	return drafts, dropped
}

// ReminderDue is when rule r reminds of an event starting at start: Before
// earlier, moved to the rule's local time of day on that day. Wall-clock
// arithmetic happens in loc, so 1d at 09:00 is 09:00 on both sides of a
// daylight-saving change, while 2h is two real hours.
func ReminderDue(start time.Time, r config.Reminder, loc *time.Location) time.Time {
	start = start.In(loc)
	var due time.Time
	days := r.Offset / (24 * time.Hour)
	rest := r.Offset - days*24*time.Hour
	// Whole days are calendar days: 1d before 10:00 is 10:00 the day before,
	// even when that day is 23 or 25 hours long.
	due = time.Date(start.Year(), start.Month(), start.Day()-int(days), start.Hour(), start.Minute(), start.Second(), start.Nanosecond(), loc).Add(-rest)
	if r.Clock != nil {
		due = time.Date(due.Year(), due.Month(), due.Day(), r.Clock.Hour, r.Clock.Minute, 0, 0, loc)
	}
	return due
}

func (pl *Planner) reminders(events []Event, w Window, dropped map[string]string) []Draft {
	loc, now, until := pl.cfg.Location, w.Now, w.Until
	n := 0
	for _, e := range events {
		n += len(e.Reminders)
	}
	// At most one a rule: a year of weekly events is tens of thousands of
	// drafts, and growing the slice by doubling copied them all again.
	out := make([]Draft, 0, n)
	seen := make(map[string]bool, len(events))
	rules := map[ruleSet][]ruleInfo{}
	for _, e := range events {
		known := len(seen)
		if seen[e.ID] = true; len(seen) == known {
			continue // the first source of an id wins; validate reports duplicates
		}
		if len(e.Reminders) == 0 {
			continue
		}
		// Keys, templates and the rule as applied are the same for every
		// occurrence of a source's events: worked out once, not per draft.
		rs := ruleSet{tmpl: e.Template, rules: &e.Reminders[0], n: len(e.Reminders), allDay: e.AllDay}
		infos, ok := rules[rs]
		if !ok {
			infos = pl.ruleInfos(e)
			rules[rs] = infos
		}
		var overdue []Draft
		var data *render.ReminderData // shared by the event's drafts where only Before differs
		for i := range infos {
			ri := &infos[i]
			if ri.skip {
				continue // "an hour before" a whole day means nothing to a follower
			}
			key := "reminder:" + e.ID + ":" + ri.key
			if e.Cancelled {
				dropped[key] = "event cancelled"
				continue
			}
			if !e.Start.After(now) {
				dropped[key] = "event already started"
				continue
			}
			due := ReminderDue(e.Start, ri.rule, loc)
			if !due.Before(e.Start) || !due.Before(until) || due.Before(w.Since) {
				continue
			}
			if data == nil {
				d := pl.reminderData(e, ri.before)
				data = &d
			}
			rd := *data
			rd.Before = ri.before
			d := Draft{
				Key: key, Kind: KindReminder, Due: due, Expires: e.Start, Order: e.Start, Link: e.Link,
				Template: ri.tmpl,
				Data:     rd,
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
			dropped[d.Key] = "superseded by " + overdue[0].Key
		}
	}
	return out
}

// ruleSet names the rules of a group of events: their source's template
// key, the rule list (events of one source share it) and whether the
// events are all-day (which changes how rules apply).
type ruleSet struct {
	tmpl   string
	rules  *config.Reminder
	n      int
	allDay bool
}

// ruleInfo is one rule as it applies to the events of a ruleSet.
type ruleInfo struct {
	key    string          // the rule's key as configured, for draft keys
	skip   bool            // a rule of less than a day for an all-day event
	rule   config.Reminder // with the all-day time of day where it applies
	before string          // rule.Key(): what templates see as .Before
	tmpl   *render.Template
}

func (pl *Planner) ruleInfos(e Event) []ruleInfo {
	out := make([]ruleInfo, len(e.Reminders))
	for i, r := range e.Reminders {
		ri := ruleInfo{key: r.Key()}
		if e.AllDay && r.Clock == nil {
			if r.Offset < 24*time.Hour {
				out[i] = ruleInfo{key: ri.key, skip: true}
				continue
			}
			r.Clock = &allDayClock
		}
		ri.rule = r
		ri.before = r.Key()
		ri.tmpl = pl.template(KindReminder, reminderTemplateKey(e.Template, i), e.Template+".template", globalReminderKey(pl.cfg, r))
		out[i] = ri
	}
	return out
}

// allDayClock is when a whole-day rule without its own time of day reminds
// of an all-day event: not at midnight.
var allDayClock = config.ClockTime{Hour: 9}

func reminderTemplateKey(eventKey string, i int) string {
	return fmt.Sprintf("%s.reminders[%d].template", eventKey, i)
}

// globalReminderKey finds the template key of a rule from the global list.
func globalReminderKey(cfg *config.Config, r config.Reminder) string {
	for i, g := range cfg.Reminders {
		if g.Key() == r.Key() {
			return fmt.Sprintf("reminders[%d].template", i)
		}
	}
	return ""
}

func (pl *Planner) reminderData(e Event, before string) render.ReminderData {
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
		Location: e.Location, Link: e.Link, Description: e.Description, Before: before,
	}
}

func (pl *Planner) announcements(w Window) []Draft {
	cfg, now, until := pl.cfg, w.Now, w.Until
	var out []Draft
	for i, a := range cfg.Announcements {
		tmpl := pl.template(KindAnnouncement, fmt.Sprintf("announcements[%d].template", i))
		data := render.AnnouncementData{Text: strings.TrimSpace(a.Text), Link: a.Link}
		add := func(occurrence string, due time.Time) {
			if (!a.FromTime.IsZero() && due.Before(a.FromTime)) || (!a.UntilTime.IsZero() && !due.Before(a.UntilTime)) || due.Before(w.Since) {
				return
			}
			expires := QuietEnd(cfg.Schedule.Quiet, due, cfg.Location).Add(cfg.Schedule.Grace)
			if !now.Before(expires) {
				return
			}
			out = append(out, Draft{
				Key: "announcement:" + a.ID + ":" + occurrence, Kind: KindAnnouncement,
				Due: due, Expires: expires, Order: due, Link: a.Link, Template: tmpl, Data: data,
			})
		}
		if a.Cron == "" {
			if a.AtTime.Before(until) {
				add("once", a.AtTime)
			}
			continue
		}
		sched, err := config.ParseCron(a.Cron, cfg.Location)
		if err != nil {
			continue // validated at load
		}
		// Start far enough back to find occurrences still within late_grace
		// (quiet hours can hold one back up to a day).
		t := now.Add(-cfg.Schedule.Grace - 24*time.Hour)
		if !a.FromTime.IsZero() && t.Before(a.FromTime) {
			t = a.FromTime.Add(-time.Second)
		}
		for n := 0; n < 10000; n++ {
			t = sched.Next(t)
			if t.IsZero() || !t.Before(until) || (!a.UntilTime.IsZero() && !t.Before(a.UntilTime)) {
				break
			}
			add(t.In(cfg.Location).Format("2006-01-02T15:04"), t)
		}
	}
	return out
}

// AnnouncementDrafts returns one draft of every announcement, for checks
// (validate warns about text that cannot fit).
func (pl *Planner) AnnouncementDrafts() []Draft {
	var out []Draft
	for i, a := range pl.cfg.Announcements {
		out = append(out, Draft{
			Key: "announcement:" + a.ID, Kind: KindAnnouncement, Link: a.Link,
			Template: pl.template(KindAnnouncement, fmt.Sprintf("announcements[%d].template", i)),
			Data:     render.AnnouncementData{Text: strings.TrimSpace(a.Text), Link: a.Link},
		})
	}
	return out
}

// NewsDrafts chooses which of a feed's items to post. firstSight is true
// the first time the feed is read: its items are then marked seen and only
// the backfill newest are posted. unseen holds the ids not seen before.
func (pl *Planner) NewsDrafts(feedIndex int, items []feeds.Item, firstSight bool, unseen map[string]bool, now time.Time) []Draft {
	f := pl.cfg.Feeds[feedIndex]
	var eligible []feeds.Item
	for _, it := range items {
		if !firstSight && !unseen[it.ID] {
			continue
		}
		if !matches(it, f.Include, true) || matches(it, f.Exclude, false) {
			continue
		}
		if f.Age > 0 && !it.Published.IsZero() && now.Sub(it.Published) > f.Age {
			continue
		}
		eligible = append(eligible, it)
	}
	// Newest first; items without a date keep their feed order after dated ones.
	sort.SliceStable(eligible, func(i, j int) bool { return eligible[i].Published.After(eligible[j].Published) })
	if firstSight && len(eligible) > f.Backfill {
		eligible = eligible[:f.Backfill]
	}
	tmpl := pl.template(KindNews, fmt.Sprintf("feeds[%d].template", feedIndex))
	out := make([]Draft, 0, len(eligible))
	seen := map[string]bool{}
	for _, it := range eligible {
		if seen[it.ID] {
			continue
		}
		seen[it.ID] = true
		d := Draft{
			Key: "news:" + f.Name + ":" + it.ID, Kind: KindNews, Due: now, Order: it.Published, Link: it.Link,
			Template: tmpl,
			Data: render.NewsData{
				Title: it.Title, Link: it.Link, Summary: it.Summary, Published: it.Published.In(pl.cfg.Location),
				Categories: it.Categories, Feed: f.Name,
			},
		}
		if f.Age > 0 && !it.Published.IsZero() {
			d.Expires = it.Published.Add(f.Age)
		}
		out = append(out, d)
	}
	return out
}

// matches reports whether any pattern occurs in the item's title or
// categories, case-insensitively; no patterns gives empty.
func matches(it feeds.Item, patterns []string, empty bool) bool {
	if len(patterns) == 0 {
		return empty
	}
	hay := strings.ToLower(it.Title + "\n" + strings.Join(it.Categories, "\n"))
	for _, p := range patterns {
		if p != "" && strings.Contains(hay, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// Render turns drafts into posts for one target, shortened to its limit.
// Templates run on all cores for long lists (a year's preview is tens of
// thousands of drafts); shortening, the counter and the output keep the
// drafts' order and run on the caller's goroutine, as before.
func (pl *Planner) Render(drafts []Draft, target string, c Counter) ([]Post, []error) {
	texts, rerrs := pl.execute(drafts)
	out := make([]Post, 0, len(drafts))
	var errs []error
	for i, d := range drafts {
		if rerrs != nil && rerrs[i] != nil {
			errs = append(errs, fmt.Errorf("render %s: %w", d.Key, rerrs[i]))
			continue
		}
		text := texts[i]
		if c != nil && c.Limit() > 0 {
			short, err := render.Shorten(text, c.Limit(), c.Length)
			if err != nil {
				errs = append(errs, fmt.Errorf("render %s for %s: %w", d.Key, target, err))
			} else {
				text = short
			}
		}
		out = append(out, Post{
			Key: d.Key, Kind: d.Kind, Target: target, Due: d.Due, Text: text, Link: d.Link,
			Lang: pl.cfg.Language, Expires: d.Expires, Order: d.Order,
		})
	}
	return out, errs
}

// renderBatch is how many drafts a rendering goroutine takes at a time.
const renderBatch = 256

// execute runs each draft's template: texts[i] is drafts[i]'s text, errs
// nil or errs[i] its error. Drafts that render alike (see alike) are
// rendered once. Below two batches it stays on this goroutine.
func (pl *Planner) execute(drafts []Draft) (texts []string, errs []error) {
	texts = make([]string, len(drafts))
	same, todo := alike(drafts)
	var mu sync.Mutex
	run := func(todo []int) {
		for _, i := range todo {
			text, err := pl.renderer.Execute(drafts[i].Template, drafts[i].Data)
			if err != nil {
				mu.Lock()
				if errs == nil {
					errs = make([]error, len(drafts))
				}
				errs[i] = err
				mu.Unlock()
				continue
			}
			texts[i] = text
		}
	}
	if workers := min(runtime.GOMAXPROCS(0), (len(todo)+renderBatch-1)/renderBatch); workers < 2 {
		run(todo)
	} else {
		var next atomic.Int64
		work := func() {
			for {
				hi := int(next.Add(renderBatch))
				lo := hi - renderBatch
				if lo >= len(todo) {
					return
				}
				run(todo[lo:min(hi, len(todo))])
			}
		}
		var wg sync.WaitGroup
		for range workers - 1 {
			wg.Go(work)
		}
		work()
		wg.Wait()
	}
	for i, j := range same {
		if j != i {
			texts[i] = texts[j]
			if errs != nil {
				errs[i] = errs[j]
			}
		}
	}
	return texts, errs
}

// alike finds drafts whose template and data are the same, so their text
// is: same[i] is the first such draft, todo the drafts to render. For it a
// reminder's .Before does not count when its template never reads it: the
// rules reminding of one event then render alike (the default template
// does not say how long before). Templates are deterministic: their
// functions depend only on their arguments and the renderer.
func alike(drafts []Draft) (same, todo []int) {
	type reminderKey struct {
		t *render.Template
		d render.ReminderData
	}
	type announcementKey struct {
		t *render.Template
		d render.AnnouncementData
	}
	reminders := map[reminderKey]int{}
	announcements := map[announcementKey]int{}
	readsBefore := map[*render.Template]bool{}
	same = make([]int, len(drafts))
	todo = make([]int, 0, len(drafts))
	for i, d := range drafts {
		first, found := i, false
		switch data := d.Data.(type) {
		case render.ReminderData:
			rb, ok := readsBefore[d.Template]
			if !ok {
				rb = d.Template.ReadsField("Before")
				readsBefore[d.Template] = rb
			}
			if !rb {
				data.Before = ""
			}
			k := reminderKey{d.Template, data}
			if first, found = reminders[k]; !found {
				first = i
				reminders[k] = i
			}
		case render.AnnouncementData:
			k := announcementKey{d.Template, data}
			if first, found = announcements[k]; !found {
				first = i
				announcements[k] = i
			}
		}
		same[i] = first
		if !found {
			todo = append(todo, i)
		}
	}
	return same, todo
}
