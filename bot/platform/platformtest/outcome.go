package platformtest

import (
	"errors"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// Outcome names how the core treats a Poster's error: sent, already-sent,
// duplicate (a permanent refusal of the text as a duplicate: sent only if
// an earlier attempt's outcome was unknown, which the core decides),
// permanent, retry-at, retryable, or unclassified (a plain error). A
// duplicate that is not permanent is "duplicate, not permanent", which no
// client should return.
func Outcome(err error) string {
	var de *bot.DeliveryError
	switch {
	case err == nil:
		return "sent"
	case errors.Is(err, bot.ErrAlreadySent):
		return "already-sent"
	case errors.Is(err, bot.ErrDuplicate):
		if errors.As(err, &de) && de.Permanent {
			return "duplicate"
		}
		return "duplicate, not permanent"
	case !errors.As(err, &de):
		return "unclassified"
	case de.Permanent:
		return "permanent"
	case !de.RetryAt.IsZero():
		return "retry-at"
	default:
		return "retryable"
	}
}

// RetryAt is the time a retryable error asks to wait for; zero if none.
func RetryAt(err error) time.Time {
	var de *bot.DeliveryError
	if errors.As(err, &de) {
		return de.RetryAt
	}
	return time.Time{}
}
