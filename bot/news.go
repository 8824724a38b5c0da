package bot

import (
	"sort"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/feeds"
)

// MaxNewItems is how many new items one poll of a feed may bring before
// the feed is taken as re-keyed (a CMS migration that changed every GUID):
// then, as on first sight, its items are marked seen and only the backfill
// newest are posted, instead of a flood.
const MaxNewItems = 50

// NewsDrafts chooses which of a feed's items to post. firstSight is true
// the first time the feed is read: its items are then marked seen and only
// the backfill newest are posted. unseen holds the ids not seen before.
// rekeyed reports a poll that brought more than MaxNewItems new items.
func (pl *Planner) NewsDrafts(f Feed, items []feeds.Item, firstSight bool, unseen map[string]bool, now time.Time) (drafts []Draft, rekeyed bool) {
	rekeyed = !firstSight && len(unseen) > MaxNewItems
	var eligible []feeds.Item
	for _, it := range items {
		if !firstSight && !unseen[it.ID] {
			continue
		}
		if !matches(it, f.Include, true) || matches(it, f.Exclude, false) {
			continue
		}
		if f.MaxAge > 0 && !it.Published.IsZero() && now.Sub(it.Published) > f.MaxAge {
			continue
		}
		eligible = append(eligible, it)
	}
	// Newest first; items without a date keep their feed order after dated ones.
	sort.SliceStable(eligible, func(i, j int) bool { return eligible[i].Published.After(eligible[j].Published) })
	if (firstSight || rekeyed) && len(eligible) > f.Backfill {
		eligible = eligible[:f.Backfill]
	}
	out := make([]Draft, 0, len(eligible))
	seen := map[string]bool{}
	for _, it := range eligible {
		if seen[it.ID] {
			continue
		}
		seen[it.ID] = true
		d := Draft{
			Key: "news:" + f.Name + ":" + it.ID, Kind: KindNews, Due: now, Order: it.Published, Link: it.Link,
			Template: f.Template,
			Data: render.NewsData{
				Title: it.Title, Link: it.Link, Summary: it.Summary, Published: it.Published.In(pl.cfg.Location),
				Categories: it.Categories, Feed: f.Name, Due: now.In(pl.cfg.Location),
			},
		}
		if f.MaxAge > 0 && !it.Published.IsZero() {
			d.Expires = it.Published.Add(f.MaxAge)
		}
		d.Images = pl.itemImages(f, it, d.Data)
		out = append(out, d)
	}
	return out, rekeyed
}

// matches reports whether any pattern occurs in the item's title or
// categories, case-insensitively; no patterns gives empty.
func matches(it feeds.Item, patterns []string, empty bool) bool {
	if len(patterns) == 0 {
		return empty
	}
	hay := strings.ToLower(it.Title + "\n" + strings.Join(it.Categories, "\n"))
	for _, p := range patterns {
		if p != "" && strings.Contains(hay, strings.ToLower(p)) {
			return true
		}
	}
	return false
}

// maxFeedAlt is the longest alt text taken from a feed: X's limit.
const maxFeedAlt = 1000

// itemImages is a news item's image with its text alternative: the
// feed's own, or the feed's image_alt template run on the item. Without
// either, none: a feed never makes lumobot post an image without alt text.
func (pl *Planner) itemImages(f Feed, it feeds.Item, data any) []Image {
	if it.Image == nil || it.Image.URL == "" {
		return nil
	}
	alt := strings.TrimSpace(it.Image.Alt)
	if alt == "" && f.ImageAlt != nil {
		text, err := pl.cfg.Renderer.ExecuteRaw(f.ImageAlt, data)
		if err == nil {
			alt = strings.TrimSpace(text)
		}
	}
	if alt == "" {
		return nil
	}
	// Staff's alt text is checked against each platform's limit; a feed's
	// is cut to the smallest (X's 1000), whole graphemes kept.
	return []Image{{Source: it.Image.URL, Alt: feeds.Clip(alt, maxFeedAlt)}}
}
