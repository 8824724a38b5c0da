package bot

import (
	"fmt"
	"time"

	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/feeds"
)

// Config is everything the core runs on. cmd compiles it once from the
// config file: templates parsed and resolved to the rule, feed or event
// that uses them, cron schedules parsed, durations and times read. The core
// never sees the file's own types, so a typo cannot fall back to a default
// here and planning can be tested without YAML.
type Config struct {
	Location *time.Location
	Language string // fi | sv | en
	// Renderer runs the templates below; it knows the language and the
	// hashtags every post carries.
	Renderer *render.Renderer

	Poll        Schedule      // when feeds are read
	Concurrency int           // feeds fetched at once; 0: 8
	Quiet       QuietHours    // nothing is posted then
	LateGrace   time.Duration // an announcement later than this is skipped
	Retry       Retry

	// Paused holds every post on every target (the emergency stop):
	// polling and planning go on, and on resume what is still in time goes
	// out by the usual rules.
	Paused bool

	Feeds         []Feed
	Events        []Event // staff's own, from the config
	Announcements []Announcement
	Digests       []Digest
	// News is the template of feeds without their own; Change and Cancel
	// those of the notices that an event whose reminder went out moved or
	// was cancelled.
	News, Change, Cancel *render.Template
}

// Schedule yields the times a cron expression fires (config.ParseCron).
type Schedule interface {
	Next(t time.Time) time.Time
}

// FeedKind says what a feed holds.
type FeedKind string

// Feed kinds.
const (
	FeedNews   FeedKind = "news"
	FeedEvents FeedKind = "events"
)

// Feed is a news feed or a calendar to read.
type Feed struct {
	Name   string
	URL    string // as configured, for the status page (redacted where shown)
	Source string // what is fetched: the URL, or a local path made absolute
	Kind   FeedKind

	Backfill         int           // on first sight, post at most this many newest items
	MaxAge           time.Duration // 0: any age
	Include, Exclude []string
	Timeout          time.Duration
	MaxBytes         int64
	AllowPrivate     bool // may redirect to a private or loopback address

	Template *render.Template // news: the feed's posts
	// ImageAlt is the text alternative of an item's image when the feed
	// gives none; nil: such images are not posted (feeds never make
	// lumobot post an image without alt text).
	ImageAlt *render.Template
	// DigestOver > 0: when more new items than this would be posted in
	// one poll, one digest post lists them instead (digest.go).
	DigestOver  int
	Digest      *render.Template
	DigestTitle string // the digest's title line
	Site        string // the digest's link: the feed's site
	Rules       []Rule // events: the reminders of this calendar's events
}

// Rule is one reminder rule, as it applies to the events that use it.
type Rule struct {
	Before time.Duration
	At     *TimeOfDay // a fixed local time of day on the day Before lands on; nil: none
	// Name names the rule in idempotency keys ("7d", "1d@09:00", "2h"):
	// reminder:<event>:<name>.
	Name     string
	Template *render.Template
	// NoImages posts this rule's reminders without the event's images.
	NoImages bool
}

// TimeOfDay is a local time of day.
type TimeOfDay struct{ Hour, Minute int }

// Minutes is the time of day in minutes after midnight.
func (c TimeOfDay) Minutes() int { return c.Hour*60 + c.Minute }

func (c TimeOfDay) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// QuietHours is the quiet time: a daily local window in which nothing is
// posted (it may wrap midnight, 21:00-07:30; Set false means none), and
// whole weekdays and dates with no posts.
type QuietHours struct {
	Start, End TimeOfDay
	Set        bool
	Days       []time.Weekday
	Dates      []Date
}

// Date is a calendar day, local to the config's timezone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Event is an event with the rules that apply to it: from a calendar feed or
// from the config.
type Event struct {
	feeds.Event
	Source string // feed name, or "config"
	Rules  []Rule // its own, its feed's, or the global ones
	// Images go with its reminders (not with its notices: a cancellation
	// should not look like the invitation).
	Images []Image
}

// Announcement is a post staff queued: once (At) or recurring (Cron).
type Announcement struct {
	ID, Text, Link string
	At             time.Time // once; zero when recurring
	Cron           Schedule  // recurring; nil when once
	From, Until    time.Time // bounds of a recurring one (Until exclusive); zero: none
	Template       *render.Template
	Images         []Image
}

// Digest is a recurring post listing the events that start within Window
// of each occurrence (digest.go).
type Digest struct {
	ID       string
	Cron     Schedule
	Window   time.Duration
	Targets  []string // nil: every target
	Title    string   // the title line
	Link     string
	Template *render.Template
}
