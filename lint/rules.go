package lint

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/config"
)

const stamp = "2006-01-02 15:04"

// past: an announcement or config event that will never be posted because
// every occurrence of it is before now. Staff leave them in after the
// fact; they cost nothing, but one with a typo in its year is a post that
// silently never goes out.
func (l *linter) past() {
	cfg, now := l.Config, l.Now
	for i, a := range cfg.Announcements {
		if a.Cron == "" {
			if a.AtTime.Before(now) {
				l.add(RulePast, fmt.Sprintf("announcements[%d].at", i), "", "",
					"%s is in the past (now %s): it goes out only within late_grace of its time; remove it or give it a new time",
					a.AtTime.In(cfg.Location).Format(stamp), now.In(cfg.Location).Format(stamp))
			}
			continue
		}
		s, err := config.ParseCron(a.Cron, cfg.Location)
		if err != nil {
			continue // compile reports it
		}
		from := now
		if !a.FromTime.IsZero() && from.Before(a.FromTime) {
			from = a.FromTime.Add(-time.Second)
		}
		next := s.Next(from)
		if next.IsZero() || (!a.UntilTime.IsZero() && !next.Before(a.UntilTime)) {
			key := fmt.Sprintf("announcements[%d].until", i)
			if a.UntilTime.IsZero() {
				key = fmt.Sprintf("announcements[%d].cron", i)
			}
			l.add(RulePast, key, "", "", "every occurrence is in the past (now %s): it will not be posted again; remove it or move until",
				now.In(cfg.Location).Format(stamp))
		}
	}
	for i, e := range cfg.Events {
		if !e.StartTime.After(now) {
			l.add(RulePast, fmt.Sprintf("events[%d].start", i), "", "",
				"%s is in the past (now %s): no reminder of it goes out; remove it or correct the date",
				e.StartTime.In(cfg.Location).Format(stamp), now.In(cfg.Location).Format(stamp))
		}
	}
}

// duplicateEvents: two events to come with one title and one start, under
// different ids (an event typed into the config that the calendar has
// too): every reminder would go out twice.
func (l *linter) duplicateEvents() {
	type sig struct {
		title string
		start int64
	}
	first := map[sig]bot.Event{}
	seen := map[string]bool{}
	for _, e := range l.Events {
		if e.Cancelled || !e.Start.After(l.Now) || seen[e.ID] {
			continue // the planner takes the first of an id
		}
		seen[e.ID] = true
		k := sig{strings.ToLower(strings.Join(strings.Fields(e.Title), " ")), e.Start.Unix()}
		f, ok := first[k]
		if !ok {
			first[k] = e
			continue
		}
		// Placed where staff can act: at a config event if either is one.
		at, other := e, f
		if e.Source != "config" && f.Source == "config" {
			at, other = f, e
		}
		key := l.eventItem(at)
		about := "" // a config event is named by the warning's label
		if at.Source != "config" {
			about = fmt.Sprintf("event %q ", at.ID)
		}
		l.add(RuleDuplicateEvent, key, "", postKeyPrefix("reminder", e.ID),
			"%shas the title %q and start %s of event %q (%s): followers would get every reminder twice; remove one of them",
			about, at.Title, at.Start.In(l.Config.Location).Format(stamp), other.ID, source(other))
	}
}

func source(e bot.Event) string {
	if e.Source == "config" {
		return "the config"
	}
	return "calendar " + e.Source
}

// tooLong: an announcement over its target's limit is shortened with "…"
// when posted; staff should know before.
func (l *linter) tooLong() {
	drafts := l.Planner.AnnouncementDrafts()
	for _, t := range l.Targets {
		if t.Counter == nil || t.Counter.Limit() == 0 {
			continue
		}
		posts, errs := l.Planner.Render(drafts, t.Name, nil)
		for _, err := range errs {
			l.add(RuleRender, "", t.Name, "", "%v", err)
		}
		for _, p := range posts {
			if n := t.Counter.Length(p.Text); n > t.Counter.Limit() {
				item, _, _ := l.item(p.Key)
				id := strings.TrimPrefix(p.Key, "announcement:")
				l.add(RuleTooLong, item+".text", t.Name, postKeyPrefix("announcement", id),
					"%d characters as %s counts them, over its limit of %d: it will be shortened with …", n, t.Name, t.Counter.Limit())
			}
		}
	}
}

// duplicateWindow is how long X remembers a text to refuse it again.
// X does not publish it; 30 days is what staff can plan by.
const duplicateWindow = 30 * 24 * time.Hour

// duplicateText: posts to one X target with the same text within 30 days.
// X refuses the repeat ("duplicate content"), so it fails. Other platforms
// take repeats, and a weekly announcement is legitimate there.
func (l *linter) duplicateText(posts []Post) {
	refuses := map[string]bool{}
	for _, t := range l.Targets {
		refuses[t.Name] = t.Type == config.TypeX
	}
	type group struct{ posts []Post }
	groups := map[[2]string]*group{}
	var order [][2]string
	for _, p := range posts {
		if !refuses[p.Target] {
			continue
		}
		k := [2]string{p.Target, strings.TrimSpace(p.Text)}
		g := groups[k]
		if g == nil {
			g = &group{}
			groups[k] = g
			order = append(order, k)
		}
		g.posts = append(g.posts, p)
	}
	for _, k := range order {
		ps := groups[k].posts
		if len(ps) < 2 {
			continue
		}
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].Due.Before(ps[j].Due) })
		// One message for the group, naming its first close pair, so that
		// validate says it once however many times it repeats.
		var msg string
		for i := 1; i < len(ps); i++ {
			a, b := ps[i-1], ps[i]
			if b.Due.Sub(a.Due) >= duplicateWindow {
				continue
			}
			if msg == "" {
				msg = fmt.Sprintf("%s (%s) and %s (%s) have the same text on %s within 30 days: X refuses the second as a duplicate; %s",
					a.Key, a.Due.In(l.Config.Location).Format(stamp), b.Key, b.Due.In(l.Config.Location).Format(stamp), k[0], l.fix(a, b))
			}
			item, field, _ := l.item(b.Key)
			if field != "" {
				item += "." + field
			}
			l.add(RuleDuplicateText, item, k[0], b.Key, "%s", msg)
		}
	}
}

// fix suggests how to make two posts' texts differ.
func (l *linter) fix(a, b Post) string {
	ia, _, ea := l.item(a.Key)
	ib, _, eb := l.item(b.Key)
	switch {
	case strings.HasPrefix(a.Key, "announcement:") && ia == ib:
		return "a recurring announcement with a fixed text repeats it: put the occurrence's date in its template (.At where the renderer offers it) or vary the text, or repeat it at most every 30 days"
	case ea != nil && eb != nil && ea.ID == eb.ID:
		return "give the reminder rules' templates words that differ (.Before, or the day)"
	}
	return "make the texts differ"
}

// genericAlt are alt texts that say only that there is a picture.
var genericAlt = map[string]bool{
	"kuva": true, "valokuva": true, "kuvituskuva": true, "logo": true, "bild": true, "foto": true,
	"image": true, "picture": true, "photo": true, "img": true, "alt": true,
}

// imageAlt: alt text that is there but tells a reader nothing: the file's
// name, a word like "kuva", or the post's own text again. Config refuses a
// missing one; this catches one written only to get past that.
func (l *linter) imageAlt() {
	check := func(key string, imgs []config.Image, text string) {
		for i, im := range imgs {
			alt := strings.TrimSpace(im.Alt)
			k := fmt.Sprintf("%s[%d].alt", key, i)
			low := strings.ToLower(strings.TrimRight(alt, ".!"))
			switch {
			case alt == "":
				continue // config's error
			case genericAlt[low]:
				l.add(RuleImageAlt, k, "", "", "%q says only that there is a picture: say what it shows (who, what, where), as you would to someone on the phone", alt)
			case im.Path != "" && (strings.EqualFold(alt, filepath.Base(im.Path)) || strings.EqualFold(alt, strings.TrimSuffix(filepath.Base(im.Path), filepath.Ext(im.Path)))):
				l.add(RuleImageAlt, k, "", "", "%q is the file's name: say what the picture shows", alt)
			case text != "" && strings.EqualFold(alt, strings.TrimSpace(text)):
				l.add(RuleImageAlt, k, "", "", "repeats the post's text: say what the picture shows, which the text does not")
			}
		}
	}
	for i, a := range l.Config.Announcements {
		check(fmt.Sprintf("announcements[%d].images", i), a.Images, a.Text)
	}
	for i, e := range l.Config.Events {
		check(fmt.Sprintf("events[%d].images", i), e.Images, e.Title)
	}
}
