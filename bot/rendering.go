package bot

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lumohanke/lumobot/bot/render"
)

// Render turns drafts into posts for one target, shortened to its limit.
// Templates run on all cores for long lists (a year's preview is tens of
// thousands of drafts); shortening, the counter and the output keep the
// drafts' order and run on the caller's goroutine, as before.
func (pl *Planner) Render(drafts []Draft, target string, c Counter) ([]Post, []error) {
	texts, rerrs := pl.execute(drafts)
	out := make([]Post, 0, len(drafts))
	var errs []error
	for i, d := range drafts {
		if rerrs != nil && rerrs[i] != nil {
			errs = append(errs, fmt.Errorf("render %s: %w", d.Key, rerrs[i]))
			continue
		}
		text := texts[i]
		if c != nil && c.Limit() > 0 {
			shorten := func(s string) (string, error) { return render.Shorten(s, c.Limit(), c.Length) }
			if sh, ok := c.(shortener); ok {
				shorten = sh.Shorten
			}
			short, err := shorten(text)
			if err != nil {
				errs = append(errs, fmt.Errorf("render %s for %s: %w", d.Key, target, err))
			} else {
				text = short
			}
		}
		out = append(out, Post{
			Key: d.Key, Kind: d.Kind, Target: target, Due: d.Due, Text: text, Link: d.Link, Images: d.Images,
			Lang: pl.cfg.Language, Expires: d.Expires, Order: d.Order,
		})
	}
	return out, errs
}

// shortener is a counter that shortens as its platform links and tags (a
// render.Target): what it links is never cut, and what it refuses never
// comes out.
type shortener interface {
	Shorten(text string) (string, error)
}

// renderBatch is how many drafts a rendering goroutine takes at a time.
const renderBatch = 256

// execute runs each draft's template: texts[i] is drafts[i]'s text, errs
// nil or errs[i] its error. Drafts that render alike (see alike) are
// rendered once. Below two batches it stays on this goroutine.
func (pl *Planner) execute(drafts []Draft) (texts []string, errs []error) {
	texts = make([]string, len(drafts))
	same, todo := alike(drafts)
	var mu sync.Mutex
	run := func(todo []int) {
		for _, i := range todo {
			text, err := pl.cfg.Renderer.Execute(drafts[i].Template, drafts[i].Data)
			if err != nil {
				mu.Lock()
				if errs == nil {
					errs = make([]error, len(drafts))
				}
				errs[i] = err
				mu.Unlock()
				continue
			}
			texts[i] = text
		}
	}
	if workers := min(runtime.GOMAXPROCS(0), (len(todo)+renderBatch-1)/renderBatch); workers < 2 {
		run(todo)
	} else {
		var next atomic.Int64
		work := func() {
			for {
				hi := int(next.Add(renderBatch))
				lo := hi - renderBatch
				if lo >= len(todo) {
					return
				}
				run(todo[lo:min(hi, len(todo))])
			}
		}
		var wg sync.WaitGroup
		for range workers - 1 {
			wg.Go(work)
		}
		work()
		wg.Wait()
	}
	for i, j := range same {
		if j != i {
			texts[i] = texts[j]
			if errs != nil {
				errs[i] = errs[j]
			}
		}
	}
	return texts, errs
}

// alike finds drafts whose template and data are the same, so their text
// is: same[i] is the first such draft, todo the drafts to render. For it a
// reminder's .Before does not count when its template never reads it: the
// rules reminding of one event then render alike (the default template
// does not say how long before). Templates are deterministic: their
// functions depend only on their arguments and the renderer.
func alike(drafts []Draft) (same, todo []int) {
	type reminderKey struct {
		t *render.Template
		d render.ReminderData
	}
	type announcementKey struct {
		t *render.Template
		d render.AnnouncementData
	}
	reminders := map[reminderKey]int{}
	announcements := map[announcementKey]int{}
	type fields struct{ before, due, at bool }
	reads := map[*render.Template]fields{} // which of the varying fields a template reads
	readsOf := func(t *render.Template) fields {
		r, ok := reads[t]
		if !ok {
			r = fields{t.ReadsField("Before"), t.ReadsField("Due"), t.ReadsField("At")}
			reads[t] = r
		}
		return r
	}
	same = make([]int, len(drafts))
	todo = make([]int, 0, len(drafts))
	for i, d := range drafts {
		first, found := i, false
		switch data := d.Data.(type) {
		case render.ReminderData:
			r := readsOf(d.Template)
			if !r.before {
				data.Before = ""
			}
			if !r.due {
				data.Due = time.Time{}
			}
			k := reminderKey{d.Template, data}
			if first, found = reminders[k]; !found {
				first = i
				reminders[k] = i
			}
		case render.AnnouncementData:
			r := readsOf(d.Template)
			if !r.due {
				data.Due = time.Time{}
			}
			if !r.at {
				data.At = time.Time{}
			}
			k := announcementKey{d.Template, data}
			if first, found = announcements[k]; !found {
				first = i
				announcements[k] = i
			}
		}
		same[i] = first
		if !found {
			todo = append(todo, i)
		}
	}
	return same, todo
}

// sendingAt returns d with its data's .Due set to t, the time it will go
// out (after quiet time and pacing), in the configured zone: what "today"
// and "tomorrow" are counted from.
func sendingAt(d Draft, t time.Time, loc *time.Location) Draft {
	t = t.In(loc)
	switch data := d.Data.(type) {
	case render.ReminderData:
		data.Due = t
		d.Data = data
	case render.AnnouncementData:
		data.Due = t
		d.Data = data
	case render.NewsData:
		data.Due = t
		d.Data = data
	case render.DigestData:
		data.Due = t
		d.Data = data
	}
	return d
}
