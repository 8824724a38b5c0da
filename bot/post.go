// Package bot is the core of lumobot: it plans posts from sources and
// configuration (plan.go), paces them per target (gate.go) and delivers them
// through the outbox (deliver.go). It declares the small interfaces it
// consumes; implementations live in subpackages and are wired in cmd.
package bot

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/feeds"
)

// Kind is what a post announces.
type Kind string

// The kinds of post, in the order they win a contested slot.
const (
	// KindChange and KindCancel are notices that an event whose reminder
	// went out moved or was cancelled: they win a slot even over an
	// announcement, since followers may act on the earlier reminder.
	KindChange       Kind = "change"
	KindCancel       Kind = "cancel"
	KindAnnouncement Kind = "announcement"
	KindReminder     Kind = "reminder"
	KindNews         Kind = "news"
)

// Post is one planned post for one target.
type Post struct {
	Key    string // idempotency key: news:<feed>:<id>, reminder:<event>:<offset>, announcement:<id>:<occurrence>
	Kind   Kind
	Target string
	Due    time.Time // when it should go out
	Text   string    // exactly what is posted
	Link   string    // the post's main link, if any (link cards)
	Lang   string    // fi | sv | en
	// Images go with the post (at most 4), each with its text alternative.
	// Like the text, they are frozen after the first attempt.
	Images []Image
	// TextOnly, when an image cannot be made to fit or the platform refuses
	// it for good, posts the text without it (on_image_error: text_only);
	// otherwise such a post fails with a reason naming the file. It is the
	// target's choice, set at each attempt (Target.TextOnly), not kept.
	TextOnly bool

	// Expires is the moment after which the post is skipped, not sent:
	// a reminder's event start, an announcement's due + late_grace, a news
	// item's published + max_age. Zero means never.
	Expires time.Time
	// Order breaks ties between posts competing for one slot: a reminder's
	// event start (earliest first), a news item's publication (newest first).
	Order time.Time
}

// Image is one picture a post carries.
type Image struct {
	// Source is where the picture is: an absolute file path or an http(s)
	// URL. A platform client loads it through its media.Loader.
	Source string `json:"source"`
	// Alt is the text alternative, never empty: lumobot posts no image
	// without one.
	Alt string `json:"alt"`
}

// Name names the image to a reader (preview, logs, reasons, the status
// page): a file by its base name, a URL with its credentials, query and
// tokens redacted (a signed image URL is a secret).
func (im Image) Name() string {
	if strings.Contains(im.Source, "://") {
		return feeds.Redact(im.Source)
	}
	return filepath.Base(im.Source)
}

// Receipt is what a platform answered for a post it accepted.
type Receipt struct {
	ID  string // the platform's id of the post
	URL string // a link a person can open
}

// Poster delivers posts to one platform account. Implementations must be
// idempotent per Post.Key wherever the platform allows it (Mastodon's
// Idempotency-Key, Bluesky's record key), and report a re-sent post the
// platform refuses as a duplicate with ErrAlreadySent.
type Poster interface {
	Post(ctx context.Context, p Post) (Receipt, error)
}

// Counter measures text the way one platform does.
type Counter interface {
	Length(text string) int
	Limit() int // 0: no limit
}

// ErrAlreadySent is returned (wrapped) by a Poster when the platform proves
// that this very post exists already (Mastodon's Idempotency-Key, Bluesky's
// record key): recorded as sent.
var ErrAlreadySent = errors.New("already sent")

// ErrDuplicate is returned (wrapped) by a Poster when the platform refuses
// the text as a duplicate of a post it has (X's 403 "duplicate content").
// That proves "already sent" only when an earlier attempt of this delivery
// had an unknown outcome; on a first attempt it is a failure: another post
// has the same text, and nothing went out.
var ErrDuplicate = errors.New("duplicate content")

// DeliveryError classifies a failed delivery. Errors that are not a
// *DeliveryError are treated as retryable (network trouble).
type DeliveryError struct {
	Permanent bool      // retrying cannot help: credentials, validation
	RetryAt   time.Time // the platform's reset time (429); zero: use backoff
	Err       error
}

func (e *DeliveryError) Error() string { return e.Err.Error() }
func (e *DeliveryError) Unwrap() error { return e.Err }

// Permanent marks err as not worth retrying.
func Permanent(err error) error { return &DeliveryError{Permanent: true, Err: err} }

// RetryAt marks err as retryable, not before t.
func RetryAt(err error, t time.Time) error { return &DeliveryError{RetryAt: t, Err: err} }

// Retryable marks err as retryable with backoff.
func Retryable(err error) error { return &DeliveryError{Err: err} }

// Status is where a delivery stands in the outbox.
type Status string

// Delivery states: pending → sending → sent | failed | skipped.
const (
	StatusPending Status = "pending"
	StatusSending Status = "sending"
	StatusSent    Status = "sent"
	StatusFailed  Status = "failed"
	StatusSkipped Status = "skipped"
)

// Delivery is a post's row in the outbox.
type Delivery struct {
	Post
	Status      Status
	Attempts    int
	NextAttempt time.Time // retry not before this; zero: as soon as due
	FirstTry    time.Time // first attempt, for give_up_after; zero: never tried
	Reason      string    // why failed or skipped, or the last retryable error
	RemoteID    string
	RemoteURL   string
	Updated     time.Time
}

func (d Delivery) String() string { return fmt.Sprintf("%s→%s", d.Key, d.Target) }
