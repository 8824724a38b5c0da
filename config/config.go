// Package config reads lumobot's configuration (YAML, TOML or JSON through
// viper, with LUMOBOT_* environment overrides), resolves secrets and
// validates everything once at load, so that a mistake is an error at start
// that names its key, never a surprise at the first post.
package config

import (
	"fmt"
	"time"
)

// Config is the whole configuration. Fields tagged with mapstructure are
// what staff write; the others are derived by Load and Validate.
type Config struct {
	Timezone string   `mapstructure:"timezone"`
	Language string   `mapstructure:"language"`
	Hashtags []string `mapstructure:"hashtags"`
	State    string   `mapstructure:"state"`
	// StateKeyFile names a secret file with the 32-byte key that seals
	// what the state keeps secret (64 hex digits, base64, or 32 raw
	// bytes); state_key gives it as a value or ${ENV}.
	StateKeyFile string `mapstructure:"state_key_file"`
	StateKeyText string `mapstructure:"state_key"`
	// Paused holds every post (LUMOBOT_PAUSED=true): planning and polling
	// go on, nothing is sent.
	Paused        bool           `mapstructure:"paused"`
	Schedule      Schedule       `mapstructure:"schedule"`
	Feeds         []Feed         `mapstructure:"feeds"`
	Events        []Event        `mapstructure:"events"`
	Reminders     []Reminder     `mapstructure:"reminders"`
	Announcements []Announcement `mapstructure:"announcements"`
	// Digests are recurring posts listing the coming events (digest.go).
	Digests []Digest `mapstructure:"digests"`
	// Name is the project's name, for the digests' default title lines.
	Name      string    `mapstructure:"name"`
	Templates Templates `mapstructure:"templates"`
	Targets   []Target  `mapstructure:"targets"`
	HTTP      HTTP      `mapstructure:"http"`

	Location *time.Location `mapstructure:"-"`
	// StateKey is the key read from state_key or state_key_file; nil when
	// none is given.
	StateKey []byte `mapstructure:"-"`
	// File is the config file read ("" for the embedded example); relative
	// paths in it are read against its directory.
	File string `mapstructure:"-"`

	idx *index // where each key was written; nil when not from Load
	// secretFeeds marks feeds whose URL came from url_file or ${ENV}.
	secretFeeds map[int]bool
	// stateKeyText is the state key as written, for Secrets.
	stateKeyText string
	// digest is the SHA-256 of the file's bytes, for Fingerprint.
	digest [32]byte
	// stateFlag: the state came from --state (Options.State).
	stateFlag bool
}

// Schedule says when lumobot polls and how it paces posts.
type Schedule struct {
	Poll         string `mapstructure:"poll"`
	QuietHours   string `mapstructure:"quiet_hours"`
	MinGap       string `mapstructure:"min_gap"`
	LateGrace    string `mapstructure:"late_grace"`
	GiveUpAfter  string `mapstructure:"give_up_after"`
	RetryInitial string `mapstructure:"retry_initial"`
	RetryMax     string `mapstructure:"retry_max"`
	// Concurrency bounds how many feeds are fetched at once.
	Concurrency int `mapstructure:"concurrency"`
	// QuietDaysText are weekdays with no posts at all ([sat, sun]);
	// QuietDatesText are dates with none (2026-06-19). What falls due then
	// waits for the next day that is not quiet.
	QuietDaysText  []string `mapstructure:"quiet_days"`
	QuietDatesText []string `mapstructure:"quiet_dates"`

	Quiet        QuietHours     `mapstructure:"-"`
	Gap          time.Duration  `mapstructure:"-"`
	Grace        time.Duration  `mapstructure:"-"`
	GiveUp       time.Duration  `mapstructure:"-"`
	RetryFirst   time.Duration  `mapstructure:"-"`
	RetryCeiling time.Duration  `mapstructure:"-"`
	QuietDays    []time.Weekday `mapstructure:"-"` // in time.Weekday order (Sunday first), no repeats
	QuietDates   []Date         `mapstructure:"-"` // sorted, no repeats
}

// Date is a calendar day, without a zone: a quiet date is that day in the
// configured time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// In is the start of the day in loc.
func (d Date) In(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// QuietDay reports whether nothing may be posted on t's local day: a quiet
// weekday or a quiet date.
func (s *Schedule) QuietDay(t time.Time, loc *time.Location) bool {
	t = t.In(loc)
	for _, d := range s.QuietDays {
		if t.Weekday() == d {
			return true
		}
	}
	day := DateOf(t)
	for _, d := range s.QuietDates {
		if d == day {
			return true
		}
	}
	return false
}

// QuietHours is a daily local window in which nothing is posted. Start ==
// End means none. The window may wrap midnight (21:00-07:30).
type QuietHours struct {
	Start, End ClockTime
	Set        bool
}

// Feed is a news feed or a calendar.
type Feed struct {
	Name     string   `mapstructure:"name"`
	URL      string   `mapstructure:"url"`
	URLFile  string   `mapstructure:"url_file"` // a secret file holding the URL (a private calendar link)
	Kind     string   `mapstructure:"kind"`
	Backfill int      `mapstructure:"backfill"`
	MaxAge   string   `mapstructure:"max_age"`
	Include  []string `mapstructure:"include"`
	Exclude  []string `mapstructure:"exclude"`
	Timeout  string   `mapstructure:"timeout"`
	MaxBytes string   `mapstructure:"max_bytes"`
	Template string   `mapstructure:"template"`
	// ImageAlt is a template for the text alternative of a news item's
	// image when the feed gives none ("Kuva uutiseen: {{.Title}}"); empty:
	// such images are not posted.
	ImageAlt string `mapstructure:"image_alt"`
	// AllowPrivate lets the feed's URL point at a private or loopback
	// address (an intranet calendar); off, such addresses are refused.
	AllowPrivate bool `mapstructure:"allow_private"`
	// Reminders overrides the global reminders for this calendar's events.
	Reminders []Reminder `mapstructure:"reminders"`
	// DigestOver > 0: more new items than this in one poll are one post
	// listing them, with Link (the site; default the feed URL's origin).
	DigestOver int    `mapstructure:"digest_over"`
	Link       string `mapstructure:"link"`

	Age      time.Duration `mapstructure:"-"`
	Deadline time.Duration `mapstructure:"-"`
	Limit    int64         `mapstructure:"-"`
}

// Feed kinds.
const (
	KindNews   = "news"
	KindEvents = "events"
)

// Event is an event staff entered in the config.
type Event struct {
	ID          string     `mapstructure:"id"`
	Title       string     `mapstructure:"title"`
	Start       string     `mapstructure:"start"`
	End         string     `mapstructure:"end"`
	Location    string     `mapstructure:"location"`
	Link        string     `mapstructure:"link"`
	Description string     `mapstructure:"description"`
	Cancelled   bool       `mapstructure:"cancelled"`
	Template    string     `mapstructure:"template"`
	Reminders   []Reminder `mapstructure:"reminders"`
	// Images go with the event's reminders and notices, unless a rule
	// says images: false.
	Images []Image `mapstructure:"images"`

	StartTime time.Time `mapstructure:"-"`
	EndTime   time.Time `mapstructure:"-"` // exclusive
	AllDay    bool      `mapstructure:"-"`
}

// Reminder is one reminder rule: Before the event's start, optionally moved
// to a fixed local time of day on that day.
type Reminder struct {
	Before   string `mapstructure:"before"`
	At       string `mapstructure:"at"`
	Template string `mapstructure:"template"`
	// Images false posts this reminder without the event's images.
	Images *bool `mapstructure:"images"`

	Offset time.Duration `mapstructure:"-"`
	Clock  *ClockTime    `mapstructure:"-"`
}

// Key names the reminder in idempotency keys: "7d", "1d@09:00", "1h".
func (r Reminder) Key() string {
	k := FormatDuration(r.Offset)
	if r.Clock != nil {
		k += "@" + r.Clock.String()
	}
	return k
}

// Announcement is a post staff queued: once (At) or recurring (Cron).
type Announcement struct {
	ID       string  `mapstructure:"id"`
	Text     string  `mapstructure:"text"`
	Link     string  `mapstructure:"link"`
	At       string  `mapstructure:"at"`
	Cron     string  `mapstructure:"cron"`
	From     string  `mapstructure:"from"`
	Until    string  `mapstructure:"until"`
	Template string  `mapstructure:"template"`
	Images   []Image `mapstructure:"images"`

	AtTime    time.Time `mapstructure:"-"`
	FromTime  time.Time `mapstructure:"-"` // zero: no lower bound
	UntilTime time.Time `mapstructure:"-"` // exclusive; zero: no upper bound
}

// Templates are the per-kind templates; empty means the built-in default.
type Templates struct {
	News         string `mapstructure:"news"`
	Reminder     string `mapstructure:"reminder"`
	Announcement string `mapstructure:"announcement"`
	// Change and Cancel are the notices of an event that moved or was
	// cancelled after one of its reminders went out.
	Change string `mapstructure:"change"`
	Cancel string `mapstructure:"cancel"`
	Digest string `mapstructure:"digest"`
}

// Target is one account to post to. Which fields apply depends on Type.
type Target struct {
	Name         string `mapstructure:"name"`
	Type         string `mapstructure:"type"`
	DailyLimit   int    `mapstructure:"daily_limit"`
	MonthlyLimit int    `mapstructure:"monthly_limit"`
	// MaxPerHour caps posts in any rolling hour, a guard against a flood
	// (a feed that republishes everything). Unset: 20; 0: no cap.
	MaxPerHour *int `mapstructure:"max_per_hour"`
	// MonthlyBudget caps an X target's spending in a calendar month, in
	// Pricing's currency; nil: none.
	MonthlyBudget *float64 `mapstructure:"monthly_budget"`
	Pricing       *Pricing `mapstructure:"pricing"`
	Timeout       string   `mapstructure:"timeout"`
	// OnImageError says what a post does when one of its images cannot be
	// posted for good (unreadable, too large, refused): "fail" (the
	// default: the post fails, naming the file) or "text_only".
	OnImageError string `mapstructure:"on_image_error"`

	// console
	Output string `mapstructure:"output"`
	Format string `mapstructure:"format"`

	// x
	APIURL                string `mapstructure:"api_url"`
	ConsumerKey           string `mapstructure:"consumer_key"`
	ConsumerKeyFile       string `mapstructure:"consumer_key_file"`
	ConsumerSecret        string `mapstructure:"consumer_secret"`
	ConsumerSecretFile    string `mapstructure:"consumer_secret_file"`
	AccessToken           string `mapstructure:"access_token"` // x and mastodon
	AccessTokenFile       string `mapstructure:"access_token_file"`
	AccessTokenSecret     string `mapstructure:"access_token_secret"`
	AccessTokenSecretFile string `mapstructure:"access_token_secret_file"`

	// mastodon
	Server     string `mapstructure:"server"`
	Visibility string `mapstructure:"visibility"`

	// bluesky
	Service         string `mapstructure:"service"`
	Handle          string `mapstructure:"handle"`
	AppPassword     string `mapstructure:"app_password"`
	AppPasswordFile string `mapstructure:"app_password_file"`
	LinkCard        bool   `mapstructure:"link_card"`

	// webhook
	URL     string            `mapstructure:"url"`
	URLFile string            `mapstructure:"url_file"`
	Body    string            `mapstructure:"body"`
	Headers map[string]string `mapstructure:"headers"`

	RequestTimeout time.Duration `mapstructure:"-"`
	// HourlyLimit is max_per_hour with its default applied; 0 means none.
	HourlyLimit int `mapstructure:"-"`
}

// DefaultMaxPerHour is max_per_hour when a target leaves it out.
const DefaultMaxPerHour = 20

// Target types.
const (
	TypeConsole  = "console"
	TypeX        = "x"
	TypeMastodon = "mastodon"
	TypeBluesky  = "bluesky"
	TypeWebhook  = "webhook"
)

// HTTP configures the status and metrics server.
type HTTP struct {
	Listen string `mapstructure:"listen"`
}
