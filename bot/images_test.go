package bot_test

import (
	"reflect"
	"testing"

	"github.com/lumohanke/lumobot/bot"
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
