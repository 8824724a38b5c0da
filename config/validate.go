package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

var (
	hashtagRe = regexp.MustCompile(`^#[\p{L}\p{N}_]+$`)
	idRe      = regexp.MustCompile(`^[\p{L}\p{N}._@/-]+$`)
)

// Validate checks every key and derives the parsed fields. It reports all
// problems at once.
func (c *Config) Validate() error {
	var p problems
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || c.Timezone == "" {
		p.add("timezone", "unknown time zone %q (want an IANA name like Europe/Helsinki)", c.Timezone)
		loc = time.UTC
	}
	c.Location = loc
	switch c.Language {
	case "fi", "sv", "en":
	default:
		p.add("language", "%q is not one of fi, sv, en", c.Language)
	}
	for i, h := range c.Hashtags {
		if !hashtagRe.MatchString(h) {
			p.add(fmt.Sprintf("hashtags[%d]", i), "%q is not a hashtag (want # and letters, digits or _)", h)
		}
	}
	if c.State == "" {
		p.add("state", "empty: give the path of the state database")
	}
	c.validateSchedule(&p)
	c.validateFeeds(&p)
	c.validateEvents(&p)
	c.validateAnnouncements(&p)
	c.validateTargets(&p)
	if c.HTTP.Listen != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			p.add("http.listen", "%q is not host:port (e.g. :8080; \"\" turns the server off)", c.HTTP.Listen)
		}
	}
	if len(p) > 0 {
		return &Error{File: c.File, Problems: p}
	}
	return nil
}

type problems []string

func (p *problems) add(key, format string, args ...any) {
	*p = append(*p, key+": "+fmt.Sprintf(format, args...))
}

// id checks a stable id: present, well-formed, and not used before.
func (p *problems) id(key, what, dups, id string, seen map[string]bool) {
	switch {
	case id == "":
		p.add(key, "missing: every %s needs a stable id (it prevents duplicate %s)", what, dups)
	case !idRe.MatchString(id):
		p.add(key, "%q: use letters, digits and . _ - @ / only", id)
	case seen[id]:
		p.add(key, "duplicate %s id %q", what, id)
	}
	seen[id] = true
}

func (p *problems) duration(key, val string, dst *time.Duration) {
	d, err := ParseDuration(val)
	if err != nil {
		p.add(key, "%v", err)
	}
	*dst = d
}

func (c *Config) validateSchedule(p *problems) {
	s := &c.Schedule
	if _, err := ParseCron(s.Poll, c.Location); err != nil {
		p.add("schedule.poll", "bad cron expression %q: %v", s.Poll, err)
	}
	if q := strings.TrimSpace(s.QuietHours); q != "" {
		a, b, ok := strings.Cut(q, "-")
		start, err1 := ParseClock(a)
		end, err2 := ParseClock(b)
		if !ok || err1 != nil || err2 != nil {
			p.add("schedule.quiet_hours", "%q: want HH:MM-HH:MM, e.g. 21:00-07:30", q)
		} else {
			s.Quiet = QuietHours{Start: start, End: end, Set: start != end}
		}
	}
	p.duration("schedule.min_gap", s.MinGap, &s.Gap)
	p.duration("schedule.late_grace", s.LateGrace, &s.Grace)
	p.duration("schedule.give_up_after", s.GiveUpAfter, &s.GiveUp)
	p.duration("schedule.retry_initial", s.RetryInitial, &s.RetryFirst)
	p.duration("schedule.retry_max", s.RetryMax, &s.RetryCeiling)
	if s.RetryFirst <= 0 {
		p.add("schedule.retry_initial", "must be more than 0")
	}
	if s.RetryCeiling < s.RetryFirst {
		p.add("schedule.retry_max", "%s is less than retry_initial %s", s.RetryMax, s.RetryInitial)
	}
	if s.Concurrency < 1 || s.Concurrency > 256 {
		p.add("schedule.concurrency", "%d: want 1 to 256", s.Concurrency)
	}
}

func (c *Config) validateFeeds(p *problems) {
	names := map[string]bool{}
	for i := range c.Feeds {
		f := &c.Feeds[i]
		key := fmt.Sprintf("feeds[%d]", i)
		if f.Name == "" {
			p.add(key+".name", "missing: every feed needs a name (it is part of the post keys)")
		} else if !idRe.MatchString(f.Name) {
			p.add(key+".name", "%q: use letters, digits and . _ - only", f.Name)
		} else if names[f.Name] {
			p.add(key+".name", "duplicate feed name %q", f.Name)
		}
		names[f.Name] = true
		if f.URL == "" {
			p.add(key+".url", "missing")
		} else if u, err := url.Parse(f.URL); err != nil {
			p.add(key+".url", "%v", err)
		} else if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file" && len(u.Scheme) > 1 {
			p.add(key+".url", "scheme %q: want http, https, file or a local path", u.Scheme)
		}
		if f.Kind == "" {
			f.Kind = KindNews
			if strings.HasSuffix(strings.ToLower(strings.SplitN(f.URL, "?", 2)[0]), ".ics") {
				f.Kind = KindEvents
			}
		}
		if f.Kind != KindNews && f.Kind != KindEvents {
			p.add(key+".kind", "%q: want news or events", f.Kind)
		}
		if f.Backfill < 0 {
			p.add(key+".backfill", "must not be negative")
		}
		if f.MaxAge == "" {
			f.MaxAge = "7d"
		}
		p.duration(key+".max_age", f.MaxAge, &f.Age)
		if f.Timeout == "" {
			f.Timeout = "30s"
		}
		p.duration(key+".timeout", f.Timeout, &f.Deadline)
		if f.MaxBytes == "" {
			f.MaxBytes = "10MiB"
		}
		n, err := ParseBytes(f.MaxBytes)
		if err != nil {
			p.add(key+".max_bytes", "%v", err)
		}
		f.Limit = n
		c.validateReminders(p, key+".reminders", f.Reminders)
	}
}

func (c *Config) validateReminders(p *problems, key string, rs []Reminder) {
	seen := map[string]bool{}
	for i := range rs {
		r := &rs[i]
		k := fmt.Sprintf("%s[%d]", key, i)
		p.duration(k+".before", r.Before, &r.Offset)
		if r.At != "" {
			clock, err := ParseClock(r.At)
			if err != nil {
				p.add(k+".at", "%v", err)
			} else {
				r.Clock = &clock
			}
		}
		if r.Offset <= 0 && r.Clock == nil {
			p.add(k+".before", "missing or zero: say how long before the event, e.g. 1d or 2h")
		}
		if seen[r.Key()] {
			p.add(k, "duplicate reminder %s", r.Key())
		}
		seen[r.Key()] = true
	}
}

func (c *Config) validateEvents(p *problems) {
	c.validateReminders(p, "reminders", c.Reminders)
	ids := map[string]bool{}
	for i := range c.Events {
		e := &c.Events[i]
		key := fmt.Sprintf("events[%d]", i)
		p.id(key+".id", "event", "reminders", e.ID, ids)
		if strings.TrimSpace(e.Title) == "" {
			p.add(key+".title", "missing")
		}
		start, startDate, err := ParseLocalTime(e.Start, c.Location)
		if err != nil {
			p.add(key+".start", "%v", err)
			continue
		}
		e.StartTime, e.AllDay = start, startDate
		switch {
		case e.End == "" && startDate:
			e.EndTime = start.AddDate(0, 0, 1)
		case e.End == "":
			e.EndTime = start
		default:
			end, endDate, err := ParseLocalTime(e.End, c.Location)
			if err != nil {
				p.add(key+".end", "%v", err)
				continue
			}
			if endDate != startDate {
				p.add(key+".end", "give start and end both as dates (all-day event) or both with a time")
				continue
			}
			if startDate {
				end = end.AddDate(0, 0, 1) // staff write the last day; the model's end is exclusive
			}
			if end.Before(start) {
				p.add(key+".end", "%s is before start %s", e.End, e.Start)
			}
			e.EndTime = end
		}
		c.validateReminders(p, key+".reminders", e.Reminders)
	}
}

func (c *Config) validateAnnouncements(p *problems) {
	ids := map[string]bool{}
	for i := range c.Announcements {
		a := &c.Announcements[i]
		key := fmt.Sprintf("announcements[%d]", i)
		p.id(key+".id", "announcement", "posts", a.ID, ids)
		if strings.TrimSpace(a.Text) == "" && a.Template == "" {
			p.add(key+".text", "missing")
		}
		switch {
		case a.At != "" && a.Cron != "":
			p.add(key, "give at (once) or cron (recurring), not both")
		case a.At != "":
			t, _, err := ParseLocalTime(a.At, c.Location)
			if err != nil {
				p.add(key+".at", "%v", err)
			}
			a.AtTime = t
		case a.Cron != "":
			if _, err := ParseCron(a.Cron, c.Location); err != nil {
				p.add(key+".cron", "bad cron expression %q: %v", a.Cron, err)
			}
		default:
			p.add(key, "give at (once) or cron (recurring)")
		}
		if a.From != "" {
			t, _, err := ParseLocalTime(a.From, c.Location)
			if err != nil {
				p.add(key+".from", "%v", err)
			}
			a.FromTime = t
		}
		if a.Until != "" {
			t, dateOnly, err := ParseLocalTime(a.Until, c.Location)
			if err != nil {
				p.add(key+".until", "%v", err)
			}
			if dateOnly {
				t = t.AddDate(0, 0, 1) // until: 2027-01-31 includes the 31st
			} else {
				t = t.Add(time.Nanosecond)
			}
			a.UntilTime = t
		}
		if !a.FromTime.IsZero() && !a.UntilTime.IsZero() && !a.FromTime.Before(a.UntilTime) {
			p.add(key+".until", "is not after from")
		}
	}
}

func (c *Config) validateTargets(p *problems) {
	if len(c.Targets) == 0 {
		c.Targets = []Target{{Name: "console", Type: TypeConsole}}
	}
	names := map[string]bool{}
	for i := range c.Targets {
		t := &c.Targets[i]
		key := fmt.Sprintf("targets[%d]", i)
		if t.Name == "" {
			t.Name = t.Type
		}
		if !idRe.MatchString(t.Name) {
			p.add(key+".name", "%q: use letters, digits and . _ - only", t.Name)
		} else if names[t.Name] {
			p.add(key+".name", "duplicate target name %q", t.Name)
		}
		names[t.Name] = true
		if t.DailyLimit < 0 || t.MonthlyLimit < 0 {
			p.add(key, "daily_limit and monthly_limit must not be negative")
		}
		if t.Timeout == "" {
			t.Timeout = "30s"
		}
		p.duration(key+".timeout", t.Timeout, &t.RequestTimeout)
		need := func(field, val string) {
			if strings.TrimSpace(val) == "" {
				p.add(key+"."+field, "missing: a %s target needs it (as a value, %s_file, or ${ENV})", t.Type, field)
			}
		}
		needURL := func(field, val, def string) {
			if val == "" {
				return
			}
			if u, err := url.Parse(val); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.add(key+"."+field, "%q is not an http(s) URL (default %s)", val, def)
			}
		}
		switch t.Type {
		case TypeConsole:
			if t.Output == "" {
				t.Output = "stdout"
			}
			if t.Format == "" {
				t.Format = "text"
			}
			if t.Format != "text" && t.Format != "jsonl" {
				p.add(key+".format", "%q: want text or jsonl", t.Format)
			}
		case TypeX:
			need("consumer_key", t.ConsumerKey)
			need("consumer_secret", t.ConsumerSecret)
			need("access_token", t.AccessToken)
			need("access_token_secret", t.AccessTokenSecret)
			needURL("api_url", t.APIURL, "https://api.x.com")
		case TypeMastodon:
			need("server", t.Server)
			need("access_token", t.AccessToken)
			needURL("server", t.Server, "none")
			switch t.Visibility {
			case "", "public", "unlisted", "private", "direct":
			default:
				p.add(key+".visibility", "%q: want public, unlisted, private or direct", t.Visibility)
			}
		case TypeBluesky:
			need("handle", t.Handle)
			need("app_password", t.AppPassword)
			needURL("service", t.Service, "https://bsky.social")
		case TypeWebhook:
			need("url", t.URL)
			if t.URL != "" {
				if u, err := url.Parse(t.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					p.add(key+".url", "not an http(s) URL")
				}
			}
		case "":
			p.add(key+".type", "missing: want x, mastodon, bluesky, webhook or console")
		default:
			p.add(key+".type", "%q: want x, mastodon, bluesky, webhook or console", t.Type)
		}
	}
}
