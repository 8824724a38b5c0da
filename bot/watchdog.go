package bot

import (
	"sync"
	"time"
)

// watchdog knows which parts of the loop are busy and since when. A part
// that stays busy far longer than any bounded step can take (a poll, a
// plan, one send) is hung; /healthz then fails and the pod is restarted,
// instead of a daemon that says 200 and posts nothing.
type watchdog struct {
	mu   sync.Mutex
	busy map[string]time.Time
}

// begin marks part busy from now; the returned func marks it done.
func (w *watchdog) begin(part string, now time.Time) func() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.busy == nil {
		w.busy = map[string]time.Time{}
	}
	w.busy[part] = now
	return func() {
		w.mu.Lock()
		delete(w.busy, part)
		w.mu.Unlock()
	}
}

func (w *watchdog) stuck(now time.Time, limit time.Duration) (string, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	worst, since := "", now
	for part, t := range w.busy {
		if t.Before(since) || (t.Equal(since) && part < worst) {
			worst, since = part, t
		}
	}
	return worst, worst != "" && now.Sub(since) > limit
}
