package main

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/config"
)

// compile turns the loaded config into the core's own model, once: every
// template parsed and tried on sample data (a bad one is a config error,
// exit 2), resolved to the rule, feed or event that uses it; cron
// schedules parsed; times and durations as read by config. The core never
// looks a template up by key, so a typo cannot fall back to a default.
func compile(cfg *config.Config) (bot.Config, error) {
	c := &compiler{cfg: cfg, r: render.New(cfg.Language, cfg.Hashtags)}
	out := bot.Config{
		Location:    cfg.Location,
		Language:    cfg.Language,
		Renderer:    c.r,
		Concurrency: cfg.Schedule.Concurrency,
		Quiet:       quietTime(cfg.Schedule),
		LateGrace:   cfg.Schedule.Grace,
		Paused:      cfg.Paused,
		Retry:       bot.Retry{Initial: cfg.Schedule.RetryFirst, Max: cfg.Schedule.RetryCeiling, GiveUp: cfg.Schedule.GiveUp},
	}
	poll, err := config.ParseCron(cfg.Schedule.Poll, cfg.Location)
	if err != nil {
		c.problem("schedule.poll", "%v", err)
	}
	out.Poll = poll

	defaults := map[bot.Kind]*render.Template{}
	for kind, text := range map[bot.Kind]string{
		bot.KindNews: cfg.Templates.News, bot.KindReminder: cfg.Templates.Reminder, bot.KindAnnouncement: cfg.Templates.Announcement,
		bot.KindChange: cfg.Templates.Change, bot.KindCancel: cfg.Templates.Cancel, bot.KindDigest: cfg.Templates.Digest,
	} {
		if text == "" {
			text = render.Default(string(kind))
		}
		defaults[kind] = c.template("templates."+string(kind), text, kind)
	}
	out.News, out.Change, out.Cancel = defaults[bot.KindNews], defaults[bot.KindChange], defaults[bot.KindCancel]

	// The global rules' own templates, by the rule's name: an event using
	// a global rule gets its template unless it or its feed has its own.
	global := map[string]*render.Template{}
	for i, r := range cfg.Reminders {
		if t := c.optional(fmt.Sprintf("reminders[%d].template", i), r.Template, bot.KindReminder); t != nil && global[r.Key()] == nil {
			global[r.Key()] = t
		}
	}
	rules := func(source string, own []config.Reminder, sourceTemplate string) []bot.Rule {
		list, key := own, source+".reminders"
		if len(list) == 0 {
			list, key = cfg.Reminders, ""
		}
		srcTmpl := c.optional(source+".template", sourceTemplate, bot.KindReminder)
		out := make([]bot.Rule, 0, len(list))
		for j, r := range list {
			var t *render.Template
			if key != "" {
				t = c.optional(fmt.Sprintf("%s[%d].template", key, j), r.Template, bot.KindReminder)
			}
			for _, next := range []*render.Template{srcTmpl, global[r.Key()], defaults[bot.KindReminder]} {
				if t == nil {
					t = next
				}
			}
			rule := bot.Rule{Before: r.Offset, Name: r.Key(), Template: t, NoImages: r.Images != nil && !*r.Images}
			if r.Clock != nil {
				rule.At = &bot.TimeOfDay{Hour: r.Clock.Hour, Minute: r.Clock.Minute}
			}
			out = append(out, rule)
		}
		return out
	}

	for i, f := range cfg.Feeds {
		feed := bot.Feed{
			Name: f.Name, URL: f.URL, Source: cfg.Source(f.URL), Kind: bot.FeedNews,
			Backfill: f.Backfill, MaxAge: f.Age, Include: f.Include, Exclude: f.Exclude,
			Timeout: f.Deadline, MaxBytes: f.Limit, AllowPrivate: f.AllowPrivate,
		}
		key := fmt.Sprintf("feeds[%d]", i)
		if f.Kind == config.KindEvents {
			feed.Kind = bot.FeedEvents
			feed.Rules = rules(key, f.Reminders, f.Template)
		} else {
			feed.Template = c.optional(key+".template", f.Template, bot.KindNews)
			feed.ImageAlt = c.optional(key+".image_alt", f.ImageAlt, bot.KindNews)
			if feed.Template == nil {
				feed.Template = defaults[bot.KindNews]
			}
			if f.DigestOver > 0 {
				feed.DigestOver, feed.Digest = f.DigestOver, defaults[bot.KindDigest]
				feed.DigestTitle, feed.Site = render.NewsTitle(cfg.Name, cfg.Language), siteOf(f.Link, f.URL)
			}
		}
		out.Feeds = append(out.Feeds, feed)
	}
	for i, e := range cfg.Events {
		ev := bot.Event{Source: "config", Rules: rules(fmt.Sprintf("events[%d]", i), e.Reminders, e.Template)}
		ev.ID, ev.Title, ev.Start, ev.End, ev.AllDay = e.ID, e.Title, e.StartTime, e.EndTime, e.AllDay
		ev.Location, ev.Link, ev.Description, ev.Cancelled = e.Location, e.Link, e.Description, e.Cancelled
		ev.Images = images(e.Images)
		out.Events = append(out.Events, ev)
	}
	for i, a := range cfg.Announcements {
		an := bot.Announcement{
			ID: a.ID, Text: a.Text, Link: a.Link, At: a.AtTime, From: a.FromTime, Until: a.UntilTime,
			Images:   images(a.Images),
			Template: c.optional(fmt.Sprintf("announcements[%d].template", i), a.Template, bot.KindAnnouncement),
		}
		if an.Template == nil {
			an.Template = defaults[bot.KindAnnouncement]
		}
		if a.Cron != "" {
			s, err := config.ParseCron(a.Cron, cfg.Location)
			if err != nil {
				c.problem(fmt.Sprintf("announcements[%d].cron", i), "%v", err)
			}
			an.Cron = s
		}
		out.Announcements = append(out.Announcements, an)
	}
	for i, d := range cfg.Digests {
		key := fmt.Sprintf("digests[%d]", i)
		dg := bot.Digest{ID: d.ID, Window: d.Span, Link: d.Link, Title: d.Title, Targets: d.Targets,
			Template: c.optional(key+".template", d.Template, bot.KindDigest)}
		if dg.Template == nil {
			dg.Template = defaults[bot.KindDigest]
		}
		if dg.Title == "" {
			dg.Title = render.WeekTitle(cfg.Name, cfg.Language)
		}
		s, err := config.ParseCron(d.Cron, cfg.Location)
		if err != nil {
			c.problem(key+".cron", "%v", err)
		}
		dg.Cron = s
		out.Digests = append(out.Digests, dg)
	}
	if len(c.problems) > 0 {
		return bot.Config{}, config.NewError(cfg.File, c.problems)
	}
	return out, nil
}

// images are the core's images of the config's (validated: each has its
// source and alt text).
func images(list []config.Image) []bot.Image {
	if len(list) == 0 {
		return nil
	}
	out := make([]bot.Image, len(list))
	for i, im := range list {
		out[i] = bot.Image{Source: im.Source, Alt: im.Alt}
	}
	return out
}

// compiler collects every problem, so that staff see them all at once.
type compiler struct {
	cfg      *config.Config
	r        *render.Renderer
	problems []config.Problem
}

// problem records a problem with key, placed at its file and line and
// named by its item's id where config knows them.
func (c *compiler) problem(key, format string, args ...any) {
	c.problems = append(c.problems, c.cfg.Problem(key, format, args...))
}

// template parses text and runs it once on sample data: {{.Titel}} fails
// here, not at the first post.
func (c *compiler) template(key, text string, kind bot.Kind) *render.Template {
	t, err := c.r.Parse(key, text)
	if err == nil {
		err = c.r.Check(t, string(kind))
	}
	if err != nil {
		// Go's text names the template by its key, which the problem says
		// already: keep where in the template, and what.
		msg := strings.TrimPrefix(err.Error(), fmt.Sprintf("template %q: ", key))
		msg = strings.TrimPrefix(msg, "template: ")
		if rest, ok := strings.CutPrefix(msg, key+":"); ok {
			msg = "at " + rest
		}
		c.problem(key, "%s", strings.ReplaceAll(msg, fmt.Sprintf("executing %q ", key), ""))
	}
	return t
}

// optional is template for a key that may be empty (nil then).
func (c *compiler) optional(key, text string, kind bot.Kind) *render.Template {
	if text == "" {
		return nil
	}
	return c.template(key, text, kind)
}

func quietTime(s config.Schedule) bot.QuietHours {
	q := bot.QuietHours{
		Start: bot.TimeOfDay{Hour: s.Quiet.Start.Hour, Minute: s.Quiet.Start.Minute},
		End:   bot.TimeOfDay{Hour: s.Quiet.End.Hour, Minute: s.Quiet.End.Minute},
		Set:   s.Quiet.Set,
		Days:  s.QuietDays,
	}
	for _, d := range s.QuietDates {
		q.Dates = append(q.Dates, bot.Date{Year: d.Year, Month: d.Month, Day: d.Day})
	}
	return q
}

// siteOf is a feed digest's link: the feed's link as configured, else the
// origin of its URL (a local file has none).
func siteOf(link, feedURL string) string {
	if link != "" {
		return link
	}
	u, err := url.Parse(feedURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host + "/"
}

// budget is an X target's monthly budget at its prices; nil without one.
// Posts are priced on X alone: preview shows every X post's cost.
func budget(tc config.Target) *bot.Budget {
	if tc.Type != config.TypeX {
		return nil
	}
	post, withURL, media := tc.Prices()
	b := &bot.Budget{Monthly: -1, Pricing: bot.Pricing{Post: bot.Micros(post), PostWithURL: bot.Micros(withURL), Media: bot.Micros(media)}}
	if tc.MonthlyBudget != nil {
		b.Monthly = bot.Micros(*tc.MonthlyBudget)
	}
	return b
}
