package x

import (
	"net/http"
	"strconv"
	"time"
)

// Window is one limit as X reported it in its answer headers.
type Window struct {
	Reported  bool      // the headers were present
	Limit     int       // -limit: requests (or posts) allowed in the window; -1 if not sent
	Remaining int       // -remaining: left in the window
	Reset     time.Time // -reset: when the window starts over (zero if not sent)
}

// Quota is what X's last answer said about the limits, for the core's
// budget: the limits X reports are obeyed over the configured ones.
type Quota struct {
	At     time.Time // when the answer came; zero: no answer yet
	Window Window    // x-rate-limit-*: the endpoint's 15-minute window
	Day    Window    // x-user-limit-24hour-*: the account's posts per 24 hours
	AppDay Window    // x-app-limit-24hour-*: the app's posts per 24 hours
}

// Quota returns the limits reported in the last answer X gave, success or not.
func (c *Client) Quota() Quota {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.quota
}

func (c *Client) record(h http.Header) {
	q := Quota{
		At:     c.now(),
		Window: window(h, "x-rate-limit"),
		Day:    window(h, "x-user-limit-24hour"),
		AppDay: window(h, "x-app-limit-24hour"),
	}
	c.mu.Lock()
	c.quota = q
	c.mu.Unlock()
}

func window(h http.Header, prefix string) Window {
	w := Window{Limit: -1, Remaining: -1}
	if n, err := strconv.Atoi(h.Get(prefix + "-limit")); err == nil {
		w.Limit, w.Reported = n, true
	}
	if n, err := strconv.Atoi(h.Get(prefix + "-remaining")); err == nil {
		w.Remaining, w.Reported = n, true
	}
	if n, err := strconv.ParseInt(h.Get(prefix+"-reset"), 10, 64); err == nil && n > 0 {
		w.Reset, w.Reported = time.Unix(n, 0), true
	}
	return w
}

// resetAt picks when a 429 may be retried (httpx asks it when there is no
// Retry-After): the latest reset of the limits that are exhausted
// (remaining 0); if none says so, the endpoint window's reset, else any
// reported reset. A reset that has already passed gives no time (the
// caller backs off instead of retrying at once in a loop).
func resetAt(h http.Header, now time.Time) (time.Time, bool) {
	ws := []Window{window(h, "x-rate-limit"), window(h, "x-user-limit-24hour"), window(h, "x-app-limit-24hour")}
	var at time.Time
	for _, w := range ws {
		if w.Remaining == 0 && w.Reset.After(at) {
			at = w.Reset
		}
	}
	if at.IsZero() {
		at = ws[0].Reset
	}
	if at.IsZero() {
		for _, w := range ws {
			if w.Reset.After(at) {
				at = w.Reset
			}
		}
	}
	if at.IsZero() || !at.After(now) {
		return time.Time{}, false
	}
	return at, true
}

// exhausted reports whether X's last answer said the account's or the
// app's posts for 24 hours are used up, and until when.
func (c *Client) exhausted() (time.Time, bool) {
	q := c.Quota()
	now := c.now()
	var at time.Time
	for _, w := range []Window{q.Day, q.AppDay} {
		if w.Remaining == 0 && w.Reset.After(now) && w.Reset.After(at) {
			at = w.Reset
		}
	}
	return at, !at.IsZero()
}
