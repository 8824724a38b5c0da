package bot_test

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/feeds"
)

// An event's images go with its reminders unless the rule says
// images: false; an announcement's with each of its posts, into the
// rendered post for every target.
func TestImagesPlanned(t *testing.T) {
	m := newModel(t, "#LUMOhanke")
	photo := []bot.Image{{Source: "/kuvat/verkostopaiva.jpg", Alt: "Osallistujat istuvat ringissä"}}
	rules := m.rules("7d@09:00 1h")
	rules[1].NoImages = true
	ev := m.event("verkostopaiva", "Verkostopäivä", hel("2021-05-20 13:00"), hel("2021-05-20 15:00"), rules)
	ev.Images = photo
	m.once("kutsu", "Tervetuloa verkostopäivään!", hel("2021-05-10 09:00"))
	m.Announcements[0].Images = photo[:1]
	pl := bot.NewPlanner(m.Config)
	drafts, _, _ := pl.Plan(pl.ConfigEvents(), bot.Window{Now: hel("2021-05-01 00:00"), Until: hel("2021-06-01 00:00")})
	posts, errs := pl.Render(drafts, "x", nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	want := map[string][]bot.Image{
		"reminder:verkostopaiva:7d@09:00": photo,
		"reminder:verkostopaiva:1h":       nil,
		"announcement:kutsu:once":         photo,
	}
	if len(posts) != len(want) {
		t.Fatalf("%d posts: %v", len(posts), posts)
	}
	for _, p := range posts {
		w, ok := want[p.Key]
		if !ok {
			t.Errorf("unexpected post %s", p.Key)
			continue
		}
		if !reflect.DeepEqual(p.Images, w) {
			t.Errorf("%s: images %+v, want %+v", p.Key, p.Images, w)
		}
	}
}

// On X each image is charged on top of the post.
func TestCostCountsImages(t *testing.T) {
	b := &bot.Budget{Pricing: bot.Pricing{Post: bot.Micros(0.015), PostWithURL: bot.Micros(0.20), Media: bot.Micros(0.005)}}
	two := []bot.Image{{Source: "/a.jpg", Alt: "A"}, {Source: "/b.jpg", Alt: "B"}}
	for _, tc := range []struct {
		p    bot.Post
		want float64
	}{
		{bot.Post{Text: "Hei"}, 0.015},
		{bot.Post{Text: "Hei", Images: two}, 0.025},
		{bot.Post{Text: "Hei https://lumo.fi", Images: two[:1]}, 0.205},
	} {
		if got := b.Cost(tc.p); got != bot.Micros(tc.want) {
			t.Errorf("Cost(%q, %d images) = %v, want %v", tc.p.Text, len(tc.p.Images), got, tc.want)
		}
	}
}

// A news item's image goes out only with a text alternative: the feed's,
// or the feed's image_alt template; never one made up, never none.
func TestNewsImagesNeedAlt(t *testing.T) {
	m := newModel(t)
	now := hel("2021-06-10 12:00")
	items := []feeds.Item{
		{ID: "alt", Title: "A", Published: hel("2021-06-10 10:00"), Image: &feeds.Image{URL: "https://lumo.fi/a.jpg", Alt: " Lapsi ja aikuinen piirtävät "}},
		{ID: "noalt", Title: "B", Published: hel("2021-06-10 10:00"), Image: &feeds.Image{URL: "https://lumo.fi/b.jpg"}},
		{ID: "long", Title: "C", Published: hel("2021-06-10 10:00"), Image: &feeds.Image{URL: "https://lumo.fi/c.jpg", Alt: strings.Repeat("kuva ", 300)}},
		{ID: "none", Title: "D", Published: hel("2021-06-10 10:00")},
	}
	unseen := map[string]bool{"alt": true, "noalt": true, "long": true, "none": true}
	for _, tc := range []struct {
		name     string
		imageAlt string
		want     map[string]string // key → alt; absent: no image
	}{
		{"without image_alt", "", map[string]string{"news:uutiset:alt": "Lapsi ja aikuinen piirtävät"}},
		{"with image_alt", "Kuva uutiseen: {{.Title}}", map[string]string{
			"news:uutiset:alt": "Lapsi ja aikuinen piirtävät", "news:uutiset:noalt": "Kuva uutiseen: B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := bot.Feed{Name: "uutiset", Kind: bot.FeedNews, Template: m.News}
			if tc.imageAlt != "" {
				f.ImageAlt = m.tmpl(tc.imageAlt)
			}
			drafts, _ := bot.NewPlanner(m.Config).NewsDrafts(f, items, false, unseen, now)
			for _, d := range drafts {
				if d.Key == "news:uutiset:long" {
					if len(d.Images) != 1 || utf8.RuneCountInString(d.Images[0].Alt) > 1000 || !strings.HasSuffix(d.Images[0].Alt, "…") {
						t.Errorf("long alt not cut to 1000: %+v", d.Images)
					}
					continue
				}
				want, ok := tc.want[d.Key]
				switch {
				case !ok && len(d.Images) > 0:
					t.Errorf("%s: image without alt from the feed or image_alt: %+v", d.Key, d.Images)
				case ok && (len(d.Images) != 1 || d.Images[0].Alt != want):
					t.Errorf("%s: images %+v, want alt %q", d.Key, d.Images, want)
				}
			}
		})
	}
}
