package config

import (
	"fmt"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
)

var (
	hashtagRe = regexp.MustCompile(`^#[\p{L}\p{N}_]+$`)
	idRe      = regexp.MustCompile(`^[\p{L}\p{N}._@/-]+$`)
)

// Validate checks every key and derives the parsed fields. It reports all
// problems at once, one for each mistake.
func (c *Config) Validate() error {
	p := problems{c: c}
	c.validate(&p)
	if len(p.list) > 0 {
		return NewError(c.File, p.list)
	}
	return nil
}

func (c *Config) validate(p *problems) {
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
	if w := c.commentAfter("hashtags"); w != "" && len(c.Hashtags) == 0 {
		p.add("hashtags", "YAML reads %s as a comment, so there are no hashtags: write hashtags: [%s]", w, quote(w))
	}
	for i, h := range c.Hashtags {
		if w := c.commentAfter(fmt.Sprintf("hashtags[%d]", i)); w != "" && h == "" {
			p.add(fmt.Sprintf("hashtags[%d]", i), "YAML reads %s as a comment: write %s", w, quote(w))
			continue
		}
		if !hashtagRe.MatchString(h) {
			fix := ""
			if t := "#" + strings.TrimLeft(strings.TrimSpace(h), "#"); hashtagRe.MatchString(t) {
				fix = ": write " + quote(t) + " (in quotes: YAML reads # as the start of a comment)"
			}
			p.add(fmt.Sprintf("hashtags[%d]", i), "%q is not a hashtag (want # and letters, digits or _)%s", h, fix)
		}
	}
	if c.State == "" {
		p.add("state", "empty: give the path of the state database")
	}
	c.validateSchedule(p)
	c.validateFeeds(p)
	c.validateEvents(p)
	c.validateAnnouncements(p)
	c.validateTargets(p)
	c.validateDigests(p)
	if c.HTTP.Listen != "" {
		if _, _, err := net.SplitHostPort(c.HTTP.Listen); err != nil {
			p.add("http.listen", "%q is not host:port (e.g. :8080; \"\" turns the server off)", c.HTTP.Listen)
		}
	}
}

// id checks a stable id: present, well-formed, and not used before.
func (p *problems) id(key, what, dups, id string, seen map[string]string) {
	switch {
	case id == "":
		p.add(key, "missing: every %s needs a stable id (it prevents duplicate %s)", what, dups)
	case !idRe.MatchString(id):
		p.add(key, "%q: use letters, digits and . _ - @ / only", id)
	case seen[id] != "":
		p.add(key, "%q is used already by another %s%s: give each its own", id, what, p.at(seen[id]))
	}
	if _, ok := seen[id]; !ok {
		seen[id] = key
	}
}

// at says where key was written, " (line 12)", when known.
func (p *problems) at(key string) string {
	if pos, _ := p.c.Pos(key); pos.Line > 0 {
		return fmt.Sprintf(" (line %d)", pos.Line)
	}
	return ""
}

func (p *problems) duration(key, val string, dst *time.Duration) bool {
	d, err := ParseDuration(val)
	if err != nil {
		p.add(key, "%v", err)
		return false
	}
	*dst = d
	return true
}

// localTime reads a time key, saying how to write it when it cannot.
func (p *problems) localTime(key, val string) (time.Time, bool, bool) {
	t, dateOnly, err := ParseLocalTime(val, p.c.Location)
	if err != nil {
		p.add(key, "%v", timeError(p.c.written(key, val)))
		return time.Time{}, false, false
	}
	return t, dateOnly, true
}

// clock reads a time-of-day key. YAML reads an unquoted 13.30 as a number
// (13.3), so the text written is what is checked.
func (p *problems) clock(key, val string) (ClockTime, bool) {
	w := p.c.written(key, val)
	if w != val {
		if _, err := ParseClock(w); err == nil {
			p.add(key, "%s without quotes is a number: write %s", w, strings.Replace(w, ".", ":", 1))
			return ClockTime{}, false
		}
	}
	ct, err := ParseClock(val)
	if err != nil {
		p.add(key, "%v", err)
		return ClockTime{}, false
	}
	return ct, true
}

func (p *problems) cron(key, spec string) {
	if _, err := ParseCron(spec, p.c.Location); err != nil {
		p.add(key, "%v", err)
	}
}

func (c *Config) validateSchedule(p *problems) {
	s := &c.Schedule
	p.cron("schedule.poll", s.Poll)
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
	okFirst := p.duration("schedule.retry_initial", s.RetryInitial, &s.RetryFirst)
	okMax := p.duration("schedule.retry_max", s.RetryMax, &s.RetryCeiling)
	if okFirst && s.RetryFirst <= 0 {
		p.add("schedule.retry_initial", "must be more than 0")
	} else if okFirst && okMax && s.RetryCeiling < s.RetryFirst {
		p.add("schedule.retry_max", "%s is less than retry_initial %s", s.RetryMax, s.RetryInitial)
	}
	if s.Concurrency < 1 || s.Concurrency > 256 {
		p.add("schedule.concurrency", "%d: want 1 to 256", s.Concurrency)
	}
	s.QuietDays = nil
	seenDay := map[time.Weekday]bool{}
	for i, d := range s.QuietDaysText {
		wd, err := ParseWeekday(d)
		if err != nil {
			p.add(fmt.Sprintf("schedule.quiet_days[%d]", i), "%v", err)
			continue
		}
		if !seenDay[wd] {
			seenDay[wd] = true
			s.QuietDays = append(s.QuietDays, wd)
		}
	}
	slices.Sort(s.QuietDays)
	if len(s.QuietDays) == 7 {
		p.add("schedule.quiet_days", "every day is quiet: nothing would ever be posted (to stop posting, set paused: true)")
	}
	s.QuietDates = nil
	seenDate := map[Date]bool{}
	for i, d := range s.QuietDatesText {
		key := fmt.Sprintf("schedule.quiet_dates[%d]", i)
		t, dateOnly, err := ParseLocalTime(d, time.UTC)
		if err != nil || !dateOnly {
			fix := "write a date like 2026-06-19"
			if sg := suggestTime(p.c.written(key, d)); sg != "" && err != nil {
				fix = sg
			}
			p.add(key, "%q is not a date: %s", p.c.written(key, d), fix)
			continue
		}
		if day := DateOf(t); !seenDate[day] {
			seenDate[day] = true
			s.QuietDates = append(s.QuietDates, day)
		}
	}
	slices.SortFunc(s.QuietDates, func(a, b Date) int { return a.In(time.UTC).Compare(b.In(time.UTC)) })
}

func (c *Config) validateFeeds(p *problems) {
	names := map[string]string{}
	for i := range c.Feeds {
		f := &c.Feeds[i]
		key := fmt.Sprintf("feeds[%d]", i)
		switch {
		case f.Name == "":
			p.add(key+".name", "missing: every feed needs a name (it is part of the post keys)")
		case !idRe.MatchString(f.Name):
			p.add(key+".name", "%q: use letters, digits and . _ - only", f.Name)
		case names[f.Name] != "":
			p.add(key+".name", "%q is used already by another feed%s: give each its own name", f.Name, p.at(names[f.Name]))
		default:
			names[f.Name] = key + ".name"
		}
		switch {
		case p.reported(key + ".url"):
		case f.URL == "":
			p.add(key+".url", "missing: give the feed's address (url or url_file)")
		default:
			if u, err := url.Parse(f.URL); err != nil {
				p.add(key+".url", "not a URL or a path%s", c.quoted(key+".url", f.URL))
			} else if u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file" && len(u.Scheme) > 1 {
				p.add(key+".url", "scheme %q: want http, https, file or a local path", u.Scheme)
			}
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

// quoted is ": " and the value of a key that is not secret, for messages;
// a URL from url_file or ${ENV} is not repeated.
func (c *Config) quoted(key, val string) string {
	if c.idx != nil && c.idx.text[key] == val {
		return fmt.Sprintf(": %q", val)
	}
	return ""
}

func (c *Config) validateReminders(p *problems, key string, rs []Reminder) {
	seen := map[string]string{}
	for i := range rs {
		r := &rs[i]
		k := fmt.Sprintf("%s[%d]", key, i)
		okBefore := p.duration(k+".before", r.Before, &r.Offset)
		okAt := true
		if r.At != "" {
			clock, ok := p.clock(k+".at", r.At)
			if ok {
				r.Clock = &clock
			}
			okAt = ok
		}
		if !okBefore || !okAt {
			continue
		}
		if r.Offset <= 0 && r.Clock == nil {
			p.add(k+".before", "missing or zero: say how long before the event, e.g. 1d or 2h")
			continue
		}
		if first, dup := seen[r.Key()]; dup {
			p.add(k, "the same reminder (%s) as %s%s: remove one", r.Key(), first, p.at(first))
			continue
		}
		seen[r.Key()] = k
	}
}

func (c *Config) validateEvents(p *problems) {
	c.validateReminders(p, "reminders", c.Reminders)
	ids := map[string]string{}
	for i := range c.Events {
		e := &c.Events[i]
		key := fmt.Sprintf("events[%d]", i)
		p.id(key+".id", "event", "reminders", e.ID, ids)
		if strings.TrimSpace(e.Title) == "" {
			p.add(key+".title", "missing")
		}
		c.validateReminders(p, key+".reminders", e.Reminders)
		c.validateImages(p, key+".images", e.Images)
		if e.Start == "" {
			p.add(key+".start", "missing: give the start, e.g. 2026-05-05T13:30 (a date alone for a whole day)")
			continue
		}
		start, startDate, ok := p.localTime(key+".start", e.Start)
		if !ok {
			continue
		}
		e.StartTime, e.AllDay = start, startDate
		switch {
		case e.End == "" && startDate:
			e.EndTime = start.AddDate(0, 0, 1)
		case e.End == "":
			e.EndTime = start
		default:
			end, endDate, ok := p.localTime(key+".end", e.End)
			if !ok {
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
	}
}

func (c *Config) validateAnnouncements(p *problems) {
	ids := map[string]string{}
	for i := range c.Announcements {
		a := &c.Announcements[i]
		key := fmt.Sprintf("announcements[%d]", i)
		p.id(key+".id", "announcement", "posts", a.ID, ids)
		if strings.TrimSpace(a.Text) == "" && a.Template == "" {
			p.add(key+".text", "missing")
		}
		c.validateImages(p, key+".images", a.Images)
		switch {
		case a.At != "" && a.Cron != "":
			p.add(key, "give at (once) or cron (recurring), not both")
		case a.At != "":
			a.AtTime, _, _ = p.localTime(key+".at", a.At)
		case a.Cron != "":
			p.cron(key+".cron", a.Cron)
		default:
			p.add(key, "give at (once) or cron (recurring)")
		}
		okFrom, okUntil := a.From != "", a.Until != ""
		if a.From != "" {
			a.FromTime, _, okFrom = p.localTime(key+".from", a.From)
		}
		if a.Until != "" {
			t, dateOnly, ok := p.localTime(key+".until", a.Until)
			okUntil = ok
			if ok && dateOnly {
				t = t.AddDate(0, 0, 1) // until: 2027-01-31 includes the 31st
			} else if ok {
				t = t.Add(time.Nanosecond)
			}
			a.UntilTime = t
		}
		if okFrom && okUntil && !a.FromTime.Before(a.UntilTime) {
			p.add(key+".until", "is not after from")
		}
	}
}

func (c *Config) validateTargets(p *problems) {
	if len(c.Targets) == 0 {
		c.Targets = []Target{{Name: "console", Type: TypeConsole}}
	}
	names := map[string]string{}
	for i := range c.Targets {
		t := &c.Targets[i]
		key := fmt.Sprintf("targets[%d]", i)
		if t.Name == "" {
			t.Name = t.Type
		}
		switch {
		case !idRe.MatchString(t.Name):
			p.add(key+".name", "%q: use letters, digits and . _ - only", t.Name)
		case names[t.Name] != "":
			p.add(key+".name", "%q is used already by another target%s: give each its own name", t.Name, p.at(names[t.Name]))
		default:
			names[t.Name] = key + ".name"
		}
		if t.DailyLimit < 0 {
			p.add(key+".daily_limit", "must not be negative (0 means no limit)")
		}
		if t.MonthlyLimit < 0 {
			p.add(key+".monthly_limit", "must not be negative (0 means no limit)")
		}
		t.HourlyLimit = DefaultMaxPerHour
		if t.MaxPerHour != nil {
			t.HourlyLimit = *t.MaxPerHour
		}
		if t.HourlyLimit < 0 {
			p.add(key+".max_per_hour", "must not be negative (0 turns the hourly cap off; unset, it is %d)", DefaultMaxPerHour)
		}
		switch t.OnImageError {
		case "", "fail", "text_only":
		default:
			p.add(key+".on_image_error", "%q: write fail (the default) or text_only", t.OnImageError)
		}
		if t.Timeout == "" {
			t.Timeout = "30s"
		}
		p.duration(key+".timeout", t.Timeout, &t.RequestTimeout)
		need := func(field, val string) {
			if strings.TrimSpace(val) == "" && !p.reported(key+"."+field) {
				p.add(key+"."+field, "missing: %s targets need it (as a value, %s_file, or ${ENV})", t.Type, field)
			}
		}
		needURL := func(field, val, def string) {
			if val == "" || p.reported(key+"."+field) {
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
			if t.URL != "" && !p.reported(key+".url") {
				// The URL is a secret (it carries the webhook's token): not repeated.
				if u, err := url.Parse(t.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					p.add(key+".url", "not an http(s) URL")
				}
			}
		case "":
			p.add(key+".type", "missing: want x, mastodon, bluesky, webhook or console")
		default:
			fix := ""
			if c := closest(t.Type, []string{"x", "mastodon", "bluesky", "webhook", "console"}); c != "" {
				fix = ": did you mean " + c + "?"
			}
			p.add(key+".type", "%q: want x, mastodon, bluesky, webhook or console%s", t.Type, fix)
		}
	}
}
