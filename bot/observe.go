package bot

import "time"

// Observer is told what the bot does, for metrics. The server package
// implements it with Prometheus collectors; a nil Observer is fine.
type Observer interface {
	// Polled is called after each feed fetch: err is nil on success,
	// notModified when the server answered 304.
	Polled(feed string, notModified bool, err error, at time.Time)
	// Warned is called when a feed's parse warnings change: n of them now.
	Warned(feed string, n int)
	// Finished is called when a delivery ends (sent, failed or skipped).
	Finished(target string, kind Kind, st Status)
	// Flooded is called when a target's max_per_hour valve starts holding
	// its posts.
	Flooded(target string)
	// Reloaded is called after each config reload attempt.
	Reloaded(ok bool)
	// NextDue reports the time the next post falls due (zero: none planned).
	NextDue(t time.Time)
}
