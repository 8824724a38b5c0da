package bot

import "time"

// Observer is told what the bot does, for metrics. The server package
// implements it with Prometheus collectors; a nil Observer is fine.
type Observer interface {
	// Polled is called after each feed fetch: err is nil on success,
	// notModified when the server answered 304.
	Polled(feed string, notModified bool, err error, at time.Time)
	// Finished is called when a delivery ends (sent, failed or skipped).
	Finished(target string, kind Kind, st Status)
	// Reloaded is called after each config reload attempt.
	Reloaded(ok bool)
	// NextDue reports the time the next post falls due (zero: none planned).
	NextDue(t time.Time)
}
