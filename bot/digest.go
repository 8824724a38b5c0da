package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot/render"
)

// KindDigest is a scheduled digest: one post listing the events of the
// coming window. It is planned, paced and ranked as an announcement. A
// feed's digest (digest_over) is news.
const KindDigest Kind = "digest"

// digests plans each digest's occurrences as announcements are planned
// (late_grace, quiet time, the first run), each listing the events, not
// cancelled, that start within the digest's window from the occurrence.
// An occurrence whose window is empty is no post at all.
func (pl *Planner) digests(events []Event, w Window) (out []Draft, missed []Missed) {
	cfg, now := pl.cfg, w.Now
	if len(cfg.Digests) == 0 {
		return nil, nil
	}
	evs := digestEvents(events)
	for _, dg := range cfg.Digests {
		add := func(occurrence string, due time.Time) {
			if due.Before(w.Since) {
				return
			}
			data, ok := pl.digestData(dg, evs, due)
			if !ok {
				return
			}
			d := Draft{
				Key: "digest:" + dg.ID + ":" + occurrence, Kind: KindDigest,
				Due: due, Expires: QuietEnd(cfg.Quiet, due, cfg.Location).Add(cfg.LateGrace), Order: due,
				Link: dg.Link, Template: dg.Template, Data: data, targets: dg.Targets,
			}
			if !now.Before(d.Expires) {
				if w.missedSince(due) {
					missed = append(missed, Missed{Draft: d, Reason: expiredReason(KindAnnouncement)})
				}
				return
			}
			out = append(out, d)
		}
		a := Announcement{Cron: dg.Cron}
		from := now.Add(-cfg.LateGrace - 24*time.Hour)
		if !w.Last.IsZero() && w.Last.Before(from) {
			scan(a, cfg.Location, w.Last, from, add)
		}
		scan(a, cfg.Location, from, w.Until, add)
	}
	return out, missed
}

// digestEvents is the events a digest may list, by start: not cancelled,
// the first source of an id only (as for reminders).
func digestEvents(events []Event) []Event {
	seen := map[string]bool{}
	var out []Event
	for _, e := range events {
		if seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		if !e.Cancelled {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b Event) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return strings.Compare(a.Title, b.Title)
	})
	return out
}

// digestData lists the events of evs (by start) that start within dg's
// window from at; ok is false when there are none.
func (pl *Planner) digestData(dg Digest, evs []Event, at time.Time) (render.DigestData, bool) {
	loc, lang := pl.cfg.Location, pl.cfg.Language
	end := at.Add(dg.Window)
	data := render.DigestData{Title: dg.Title, Link: dg.Link, Due: at.In(loc)}
	for _, e := range evs {
		if e.Start.Before(at) || !e.Start.Before(end) {
			continue
		}
		rd := pl.reminderData(e)
		data.Items = append(data.Items, render.DigestItem{
			Line:  render.EventLine(e.Title, rd.Start, rd.End, e.AllDay, lang),
			Title: e.Title, Start: rd.Start, End: rd.End, AllDay: e.AllDay, Location: e.Location, Link: e.Link,
		})
	}
	return data, len(data.Items) > 0
}

// NewsDigest folds a poll's news drafts of f into one post when there are
// more than f.DigestOver: their titles, newest first, with the feed's site
// link. Its key is the feed's name and a hash of the items' keys, so that
// a poll repeated after a crash plans the very same post. ok is false when
// the drafts are to be posted one by one.
func (pl *Planner) NewsDigest(f Feed, drafts []Draft, now time.Time) (Draft, bool) {
	if f.DigestOver <= 0 || len(drafts) <= f.DigestOver {
		return Draft{}, false
	}
	h := sha256.New()
	data := render.DigestData{Title: f.DigestTitle, Link: f.Site, Due: now.In(pl.cfg.Location)}
	d := Draft{Kind: KindNews, Due: now, Link: f.Site, Template: f.Digest}
	never := false             // an item that never expires keeps the digest from expiring
	for _, n := range drafts { // newest first already
		nd, _ := n.Data.(render.NewsData)
		data.Items = append(data.Items, render.DigestItem{Line: nd.Title, Title: nd.Title, Link: nd.Link})
		h.Write([]byte(n.Key + "\n"))
		d.Order = later(d.Order, n.Order)
		never = never || n.Expires.IsZero()
		d.Expires = later(d.Expires, n.Expires)
	}
	if never {
		d.Expires = time.Time{}
	}
	d.Key = "digest:" + f.Name + ":" + hex.EncodeToString(h.Sum(nil))[:16]
	d.Data = data
	return d, true
}

// InDigest is the reason an item posted by a digest records.
func InDigest(key string) string { return "in digest " + key }

// forTarget reports whether d goes to target (a digest's targets).
func (d Draft) forTarget(target string) bool {
	return d.targets == nil || slices.Contains(d.targets, target)
}

// renderFor renders the drafts that go to target, digests fitted to its
// counter first.
func (pl *Planner) renderFor(drafts []Draft, target string, c Counter) ([]Post, []error) {
	kept := drafts[:0:0]
	for _, d := range drafts {
		if d.forTarget(target) {
			kept = append(kept, pl.fit(d, c))
		}
	}
	return pl.Render(kept, target, c)
}

// fit drops a digest's items from the end, whole, until its text fits the
// counter's limit, and says how many it dropped ("+3 muuta"): an item is
// never cut in half. The link stays. A digest whose title and link alone
// do not fit is left to Render's shortening.
func (pl *Planner) fit(d Draft, c Counter) Draft {
	data, ok := d.Data.(render.DigestData)
	if !ok || c == nil || c.Limit() <= 0 {
		return d
	}
	all := data.Items
	for n := len(all); n >= 0; n-- {
		data.Items, data.More, data.MoreText = all[:n], len(all)-n, ""
		if data.More > 0 {
			data.MoreText = render.More(data.More, pl.cfg.Language)
		}
		text, err := pl.cfg.Renderer.Execute(d.Template, data)
		if err != nil || c.Length(text) <= c.Limit() {
			break // an error is Render's to report
		}
	}
	d.Data = data
	return d
}

// recordInDigest writes the items a feed digest lists as skipped "in
// digest <key>" on every target, after the digest itself is in the
// outbox: each item's key then points at the post that told of it, and
// none is posted again, even if the feed forgets and re-lists it.
func (b *Bot) recordInDigest(ctx context.Context, digest Draft, items []Draft, now time.Time) error {
	if len(items) == 0 {
		return nil
	}
	keys := make([]string, len(items))
	for i, d := range items {
		keys[i] = d.Key
	}
	for _, t := range b.deps.Targets {
		ended, err := b.deps.Store.Ended(ctx, t.Name, keys)
		if err != nil {
			return fmt.Errorf("record digest %s for %s: %w", digest.Key, t.Name, err)
		}
		var posts []Post
		for _, d := range items {
			if !ended[d.Key] {
				// Only the title: the row is a record, never sent.
				nd, _ := d.Data.(render.NewsData)
				posts = append(posts, Post{Key: d.Key, Kind: d.Kind, Target: t.Name, Due: d.Due, Text: nd.Title, Link: d.Link, Lang: b.cfg.Language, Expires: d.Expires, Order: d.Order})
			}
		}
		if len(posts) == 0 {
			continue
		}
		if err := b.deps.Store.Enqueue(ctx, posts, now); err != nil {
			return fmt.Errorf("record digest %s for %s: %w", digest.Key, t.Name, err)
		}
		for _, p := range posts {
			if err := b.deliverer.finish(ctx, Delivery{Post: p}, StatusSkipped, InDigest(digest.Key), now); err != nil {
				return err
			}
		}
	}
	return nil
}
