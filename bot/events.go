package bot

import (
	"time"
)

// Events returns every event that can have a reminder due before until:
// the config's and each calendar's, expanded around [now, until+lead].
func (b *Bot) Events(now, until time.Time) []Event {
	evs := b.planner.ConfigEvents()
	from, to := now.Add(-24*time.Hour), until.Add(b.planner.MaxLead())
	for _, f := range b.cfg.Feeds {
		if f.Kind != FeedEvents {
			continue
		}
		b.mu.Lock()
		body := b.calendars[f.Name]
		b.mu.Unlock()
		if body == nil {
			continue
		}
		// Warnings were logged when the calendar was read; here the same
		// body gives the same ones.
		got, _, err := b.deps.Parsers.Calendar(body, b.cfg.Location, from, to)
		if err != nil {
			b.log.Error("calendar unreadable", "feed", f.Name, "error", b.deps.Redact(err.Error()))
			continue
		}
		evs = append(evs, b.planner.CalendarEvents(f, got)...)
	}
	return evs
}
