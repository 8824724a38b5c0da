// Package lint finds what is legal in a config but probably not meant:
// an announcement in the past, an event entered twice, posts X would
// refuse as duplicates, text that does not fit, and text that reads badly
// to a screen reader. `validate` prints the warnings; `preview` shows each
// beside the posts it concerns.
//
// It is a package of its own, not part of cmd/lumobot, so that its rules
// are table-tested without building the binary, and not part of config,
// because the rules read what the core plans and renders (bot.Planner).
package lint

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/config"
)

// Rule ids: stable, for scripts that read `validate --format json`.
const (
	RulePast           = "past"
	RuleDuplicateEvent = "duplicate-event"
	RuleDuplicateText  = "duplicate-text"
	RuleTooLong        = "too-long"
	RuleAllCaps        = "all-caps"
	RuleHashtagCase    = "hashtag-case"
	RuleEmojiRun       = "emoji-run"
	RuleLinkText       = "link-text"
	RuleNoReminders    = "no-reminders"
	RuleImageAlt       = "image-alt"
	RuleRender         = "render"
)

// Warning is one finding, placed as config places its errors.
type Warning struct {
	config.Problem
	Rule string `json:"rule"`
	// Target and Post say which planned posts the warning concerns, for
	// preview: Target "" is every target; Post is a post key, or a key
	// prefix ending in ":" (every post of an item); "" is none.
	Target string `json:"-"`
	Post   string `json:"-"`
}

// String is the warning as `validate` and `preview` print it.
func (w Warning) String() string { return fmt.Sprintf("warning (%s): %s", w.Rule, w.Problem) }

// Concerns reports whether the warning is about the post key on target.
func (w Warning) Concerns(target, key string) bool {
	if w.Post == "" || (w.Target != "" && w.Target != target) {
		return false
	}
	if strings.HasSuffix(w.Post, ":") {
		return strings.HasPrefix(key, w.Post)
	}
	return key == w.Post
}

// Target is a target as the rules need it.
type Target struct {
	Name, Type string
	Counter    bot.Counter // nil or Limit 0: no limit
}

// Post is a planned post as rendered for its target.
type Post struct {
	Target string
	Key    string
	Due    time.Time
	Text   string
}

// Input is what the rules look at.
type Input struct {
	Config  *config.Config
	Planner *bot.Planner
	Targets []Target
	Now     time.Time
	// Events are the events known: the config's and the calendars' read.
	Events []bot.Event
	// Posts are the planned posts; nil plans them from Events for
	// Horizon after Now.
	Posts []Post
}

// Horizon is how far ahead Check plans when Input.Posts is nil.
const Horizon = 366 * 24 * time.Hour

// Check runs every rule, each warning once a post it concerns (use Unique
// for one a finding). They come sorted by file, line and rule.
func Check(in Input) []Warning {
	l := newLinter(in)
	if in.Posts == nil && in.Planner != nil {
		in.Posts = l.plan()
	}
	l.noReminders()
	l.past()
	l.duplicateEvents()
	l.tooLong()
	l.imageAlt()
	l.duplicateText(in.Posts)
	for _, p := range in.Posts {
		l.text(p)
	}
	sort.SliceStable(l.out, func(i, j int) bool {
		a, b := l.out[i], l.out[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Rule < b.Rule
	})
	return l.out
}

// Unique keeps the first of warnings that say the same of the same key
// (the same text in every reminder of an event, on every target).
func Unique(ws []Warning) []Warning {
	seen := map[string]bool{}
	var out []Warning
	for _, w := range ws {
		k := w.Rule + "\x00" + w.Key + "\x00" + w.Message
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, w)
	}
	return out
}

type linter struct {
	Input
	out []Warning
	// events by id, first source first, as the planner takes them.
	events map[string]bot.Event
	feeds  map[string]int
}

func newLinter(in Input) *linter {
	l := &linter{Input: in, events: map[string]bot.Event{}, feeds: map[string]int{}}
	for _, e := range in.Events {
		if _, ok := l.events[e.ID]; !ok {
			l.events[e.ID] = e
		}
	}
	for i, f := range in.Config.Feeds {
		l.feeds[f.Name] = i
	}
	return l
}

func (l *linter) add(rule, key, target, post, format string, args ...any) {
	l.out = append(l.out, Warning{Problem: l.Config.Problem(key, format, args...), Rule: rule, Target: target, Post: post})
}

// plan is what the core would plan on a fresh state from Now.
func (l *linter) plan() []Post {
	drafts, _, _ := l.Planner.Plan(l.Events, bot.Window{Since: l.Now, Now: l.Now, Until: l.Now.Add(Horizon)})
	out := []Post{} // not nil: planned, even when nothing is
	for _, t := range l.Targets {
		posts, errs := l.Planner.Render(drafts, t.Name, t.Counter)
		for _, err := range errs {
			l.add(RuleRender, "", t.Name, "", "%v", err)
		}
		for _, p := range posts {
			out = append(out, Post{Target: t.Name, Key: p.Key, Due: p.Due, Text: p.Text})
		}
	}
	return out
}

func (l *linter) noReminders() {
	cfg := l.Config
	hasEvents := len(cfg.Events) > 0
	for _, f := range cfg.Feeds {
		hasEvents = hasEvents || f.Kind == config.KindEvents
	}
	if hasEvents && len(cfg.Reminders) == 0 {
		l.add(RuleNoReminders, "reminders", "", "", "none configured, so events get no reminders unless they list their own")
	}
}

// item is the config key of what a post comes from ("announcements[2]",
// "events[0]", "feeds[1]"), and the field whose text the post shows most
// of, or "" when the post is none of the config's.
func (l *linter) item(key string) (item, field string, ev *bot.Event) {
	kind, rest, _ := strings.Cut(key, ":")
	switch kind {
	case "announcement":
		id, _, _ := strings.Cut(rest, ":")
		for i, a := range l.Config.Announcements {
			if a.ID == id {
				return fmt.Sprintf("announcements[%d]", i), "text", nil
			}
		}
	case "reminder":
		// An event id may itself hold ":" (a calendar occurrence's start):
		// the longest known id before a rule name.
		for i := len(rest) - 1; i > 0; i-- {
			if rest[i] != ':' {
				continue
			}
			e, ok := l.events[rest[:i]]
			if !ok {
				continue
			}
			return l.eventItem(e), "", &e
		}
	case "news":
		feed, _, _ := strings.Cut(rest, ":")
		if i, ok := l.feeds[feed]; ok {
			return fmt.Sprintf("feeds[%d]", i), "", nil
		}
	}
	return "", "", nil
}

// eventItem is the config key of an event: its entry in events, or the
// calendar feed it was read from.
func (l *linter) eventItem(e bot.Event) string {
	if e.Source == "config" {
		for i, ce := range l.Config.Events {
			if ce.ID == e.ID {
				return fmt.Sprintf("events[%d]", i)
			}
		}
	}
	if i, ok := l.feeds[e.Source]; ok {
		return fmt.Sprintf("feeds[%d]", i)
	}
	return ""
}

// postKeyPrefix is the prefix of every post key of an item.
func postKeyPrefix(kind, id string) string { return kind + ":" + id + ":" }

// text runs the accessibility rules on one post.
func (l *linter) text(p Post) {
	item, field, ev := l.item(p.Key)
	key := item
	if item != "" && field != "" {
		key = item + "." + field
	}
	about := ""
	switch {
	case ev != nil && ev.Source != "config":
		about = fmt.Sprintf("reminder of event %q (%s): ", ev.ID, ev.Title)
	case ev != nil:
		about = "reminder: "
	case strings.HasPrefix(p.Key, "news:"):
		about = p.Key + ": "
	}
	for _, r := range []struct {
		rule  string
		check func(string) []string
	}{
		{RuleAllCaps, allCaps}, {RuleHashtagCase, hashtagCase}, {RuleEmojiRun, emojiRun}, {RuleLinkText, linkText},
	} {
		for _, msg := range r.check(p.Text) {
			l.add(r.rule, key, p.Target, p.Key, "%s%s", about, msg)
		}
	}
}
