package bot

import (
	"container/heap"
	"fmt"
	"slices"
	"sort"
	"time"
)

// Gate paces one target: quiet hours, the least gap between two posts, and
// how many posts a rolling hour, day and calendar month allow.
type Gate struct {
	Quiet    QuietHours
	Location *time.Location
	MinGap   time.Duration
	Daily    int // 0: no limit
	Monthly  int // 0: no limit
	// MaxPerHour is a safety valve, not pacing: more posts in a rolling
	// hour than a communications team ever makes means something upstream
	// floods (a hostile calendar, a broken feed). The rest is held, loudly.
	MaxPerHour int // 0: off
	// Budget caps a month's spending (X's paid posts); nil: none.
	Budget *Budget
}

// Flooded reports whether the safety valve holds the target at t: sent
// holds MaxPerHour posts or more within the hour before t.
func (g Gate) Flooded(t time.Time, sent []time.Time) bool {
	return g.MaxPerHour > 0 && len(within(sent, t, time.Hour)) >= g.MaxPerHour
}

// within returns the part of sent (ascending) after t-d.
func within(sent []time.Time, t time.Time, d time.Duration) []time.Time {
	return sent[sort.Search(len(sent), func(i int) bool { return sent[i].After(t.Add(-d)) }):]
}

// Next returns the earliest time not before t at which the target may post,
// given when it posted before (sent, ascending).
func (g Gate) Next(t time.Time, sent []time.Time) time.Time {
	for i := 0; i < 64; i++ {
		next := QuietEnd(g.Quiet, t, g.Location)
		if n := len(sent); n > 0 && g.MinGap > 0 {
			if free := sent[n-1].Add(g.MinGap); free.After(next) {
				next = free
			}
		}
		// The post that leaves the rolling window makes room.
		for _, w := range [...]struct {
			n int
			d time.Duration
		}{{g.Daily, 24 * time.Hour}, {g.MaxPerHour, time.Hour}} {
			if w.n <= 0 {
				continue
			}
			if in := within(sent, next, w.d); len(in) >= w.n {
				if free := in[len(in)-w.n].Add(w.d); free.After(next) {
					next = free
				}
			}
		}
		if g.Monthly > 0 {
			l := next.In(g.Location)
			first := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, g.Location)
			n := len(sent) - sort.Search(len(sent), func(i int) bool { return !sent[i].Before(first) })
			if n >= g.Monthly {
				next = first.AddDate(0, 1, 0)
			}
		}
		if next.Equal(t) {
			return t
		}
		t = next
	}
	return t
}

// QuietEnd returns t, or the end of the quiet time t falls in: the quiet
// hours, and whole quiet days and dates (the quiet hours that follow one
// hold too).
func QuietEnd(q QuietHours, t time.Time, loc *time.Location) time.Time {
	for range 400 { // a year of quiet days at most: config refuses every day quiet
		next := quietDayEnd(q, quietHoursEnd(q, t, loc), loc)
		if next.Equal(t) {
			return t
		}
		t = next
	}
	return t
}

// quietDayEnd returns t, or the next midnight when t's day is quiet.
func quietDayEnd(q QuietHours, t time.Time, loc *time.Location) time.Time {
	l := t.In(loc)
	quiet := slices.Contains(q.Days, l.Weekday())
	for _, d := range q.Dates {
		quiet = quiet || (d.Year == l.Year() && d.Month == l.Month() && d.Day == l.Day())
	}
	if !quiet {
		return t
	}
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, loc)
}

func quietHoursEnd(q QuietHours, t time.Time, loc *time.Location) time.Time {
	if !q.Set {
		return t
	}
	l := t.In(loc)
	mins := l.Hour()*60 + l.Minute()
	start, end := q.Start.Minutes(), q.End.Minutes()
	endOn := func(day time.Time) time.Time {
		return time.Date(day.Year(), day.Month(), day.Day(), q.End.Hour, q.End.Minute, 0, 0, loc)
	}
	if start < end { // 01:00-06:00
		if mins >= start && mins < end {
			return endOn(l)
		}
		return t
	}
	// Wraps midnight: 21:00-07:30.
	if mins >= start {
		return endOn(l.AddDate(0, 0, 1))
	}
	if mins < end {
		return endOn(l)
	}
	return t
}

// rank orders posts competing for a slot: announcements, then reminders by
// their event's start, then news newest first.
func less(a, b Post) bool {
	ra, rb := kindRank(a.Kind), kindRank(b.Kind)
	if ra != rb {
		return ra < rb
	}
	if !a.Order.Equal(b.Order) {
		if a.Kind == KindNews {
			return a.Order.After(b.Order)
		}
		return a.Order.Before(b.Order)
	}
	if !a.Due.Equal(b.Due) {
		return a.Due.Before(b.Due)
	}
	return a.Key < b.Key
}

func kindRank(k Kind) int {
	switch k {
	case KindChange, KindCancel:
		return -1
	case KindAnnouncement, KindDigest:
		return 0
	case KindReminder:
		return 1
	}
	return 2
}

// Scheduled is a post with the time it will actually go out, or why not.
type Scheduled struct {
	Post
	Skipped string // non-empty: it will not go out, and why
}

// Simulate plays the gate forward from now over posts, as delivery would:
// each goes out at the first slot the gate allows, contested slots go by
// rank, and a post whose window closes first is skipped.
func (g Gate) Simulate(posts []Post, sent []time.Time, now time.Time) []Scheduled {
	// byDue is the posts' indexes by due time (stable); ready holds those
	// already due at t, best first by rank, ties in byDue order. A heap,
	// not a scan of the queue: a year of reminders is tens of thousands.
	byDue := make([]int, len(posts))
	for i := range byDue {
		byDue[i] = i
	}
	sort.SliceStable(byDue, func(i, j int) bool { return posts[byDue[i]].Due.Before(posts[byDue[j]].Due) })
	ready := &readyHeap{posts: posts}
	history := make([]time.Time, len(sent), len(sent)+len(posts))
	copy(history, sent)
	out := make([]Scheduled, 0, len(posts))
	money := g.simulation()
	t := now
	next := 0
	for next < len(byDue) || ready.Len() > 0 {
		for next < len(byDue) && !posts[byDue[next]].Due.After(t) {
			ready.push(readyPost{i: byDue[next], seq: next})
			next++
		}
		if ready.Len() == 0 {
			t = posts[byDue[next]].Due
			continue
		}
		if slot := g.Next(t, history); slot.After(t) {
			t = slot
			continue
		}
		p := posts[ready.pop().i]
		if !p.Expires.IsZero() && !t.Before(p.Expires) {
			out = append(out, Scheduled{Post: p, Skipped: g.heldReason(p)})
			continue
		}
		if !money.spend(p, t) {
			out = append(out, Scheduled{Post: p, Skipped: BudgetReason})
			continue
		}
		p.Due = t
		out = append(out, Scheduled{Post: p})
		history = append(history, t)
	}
	return out
}

// readyPost is a post due for a slot: its index in posts and its place in
// due order (which breaks ties as a scan in that order would).
type readyPost struct{ i, seq int }

type readyHeap struct {
	posts []Post
	items []readyPost
}

func (h *readyHeap) Len() int { return len(h.items) }
func (h *readyHeap) Less(a, b int) bool {
	pa, pb := &h.posts[h.items[a].i], &h.posts[h.items[b].i]
	if less(*pa, *pb) {
		return true
	}
	if less(*pb, *pa) {
		return false
	}
	return h.items[a].seq < h.items[b].seq
}
func (h *readyHeap) Swap(a, b int) { h.items[a], h.items[b] = h.items[b], h.items[a] }
func (h *readyHeap) Push(x any)    { h.items = append(h.items, x.(readyPost)) }
func (h *readyHeap) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}

// push and pop are heap.Push and heap.Pop without boxing each readyPost
// in an interface (an allocation a post).
func (h *readyHeap) push(x readyPost) {
	h.items = append(h.items, x)
	heap.Fix(h, len(h.items)-1)
}

func (h *readyHeap) pop() readyPost {
	n := len(h.items) - 1
	h.Swap(0, n)
	x := h.items[n]
	h.items = h.items[:n]
	if n > 0 {
		heap.Fix(h, 0)
	}
	return x
}

func expiredReason(k Kind) string {
	switch k {
	case KindReminder, KindChange, KindCancel:
		return "event already started"
	case KindAnnouncement, KindDigest:
		return "more than late_grace late"
	}
	return "older than max_age"
}

// heldReason says why a post whose window closed did not go out: when
// quiet time held it past its window, that, with when the quiet time
// ended; else its kind's reason.
func (g Gate) heldReason(p Post) string {
	if p.Expires.IsZero() || p.Kind == KindNews {
		return expiredReason(p.Kind)
	}
	end := QuietEnd(g.Quiet, p.Due, g.Location)
	if end.Before(p.Expires) {
		return expiredReason(p.Kind)
	}
	what, until := "quiet hours", end.In(g.Location).Format("15:04")
	if !quietHoursEnd(g.Quiet, p.Due, g.Location).Equal(end) { // quiet days or dates too
		what, until = "quiet time", end.In(g.Location).Format("Mon 2 Jan 15:04")
	}
	if p.Kind == KindReminder {
		return fmt.Sprintf("%s until %s end after the event starts", what, until)
	}
	return fmt.Sprintf("%s until %s end more than late_grace after its time", what, until)
}
