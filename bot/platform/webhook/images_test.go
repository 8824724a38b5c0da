package webhook_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/webhook"
)

func TestImagesInBody(t *testing.T) {
	post := bot.Post{Key: "announcement:ilta:1", Target: "teams", Text: "LUMO-ilta #LUMOhanke", Images: []bot.Image{
		{Source: "https://lumohanke.fi/kuvat/ilta%202026.jpg?v=2", Alt: `Sali, jossa lukee "Tervetuloa" <3`},
		{Source: "/srv/lumobot/kuvat/kemian-päivä.png", Alt: "Koeputkia\nrivissä"},
	}}
	cases := []struct {
		name, body string
		want       string
	}{
		{"all images as JSON", `{"text": {{json .Text}}, "images": {{json .Images}}}`,
			`{"text":"LUMO-ilta #LUMOhanke","images":[{"url":"https://lumohanke.fi/kuvat/ilta%202026.jpg?v=2","alt":"Sali, jossa lukee \"Tervetuloa\" <3","name":"ilta 2026.jpg"},` +
				`{"url":"","alt":"Koeputkia\nrivissä","name":"kemian-päivä.png"}]}`},
		{"fields one by one (Slack blocks)", `{"blocks": [{{range $i, $im := .Images}}{{if $i}},{{end}}{"type":"image","image_url":{{json $im.URL}},"alt_text":{{json $im.Alt}},"title":{{json $im.Name}}}{{end}}]}`,
			`{"blocks":[{"type":"image","image_url":"https://lumohanke.fi/kuvat/ilta%202026.jpg?v=2","alt_text":"Sali, jossa lukee \"Tervetuloa\" <3","title":"ilta 2026.jpg"},` +
				`{"type":"image","image_url":"","alt_text":"Koeputkia\nrivissä","title":"kemian-päivä.png"}]}`},
		{"no images", `{"images": {{json .Images}}}`, `{"images":null}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeHook(t, reply(200, "ok"))
			c, err := webhook.New(webhook.Options{URL: f.hookURL(), Body: tc.body, Now: func() time.Time { return now }}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			p := post
			if tc.name == "no images" {
				p.Images = nil
			}
			if _, err := c.Post(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			got := f.requests()[0].Body
			var a, b any
			if err := json.Unmarshal([]byte(got), &a); err != nil {
				t.Fatalf("body %s: %v", got, err)
			}
			json.Unmarshal([]byte(tc.want), &b)
			ja, _ := json.Marshal(a)
			jb, _ := json.Marshal(b)
			if string(ja) != string(jb) {
				t.Errorf("body\n %s\nwant\n %s", got, tc.want)
			}
			if strings.Contains(got, `\u003c`) {
				t.Errorf("body %s is HTML-escaped", got)
			}
		})
	}
}

// A template reading a field Images do not have is a config error at New.
func TestImagesTemplateChecked(t *testing.T) {
	_, err := webhook.New(webhook.Options{URL: "https://hooks.example/x", Body: `{"a": {{range .Images}}{{json .Path}}{{end}}}`, Now: func() time.Time { return now }}, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "Path") {
		t.Fatalf("err = %v, want the unknown field named", err)
	}
}

func TestWebhookMediaLimits(t *testing.T) {
	c, err := webhook.New(webhook.Options{URL: "https://hooks.example/x", Now: func() time.Time { return now }}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if l := c.MediaLimits(context.Background()); l.MaxBytes != 0 || c.AltLimit(context.Background()) != 0 {
		t.Errorf("limits %+v", l)
	}
}
