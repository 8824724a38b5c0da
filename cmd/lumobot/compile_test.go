package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/config"
)

func compileYAML(t *testing.T, yaml string) (bot.Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lumobot.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{File: path, Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	return compile(cfg)
}

// The most specific template wins: a rule's own, then the event's, then the
// global rule's, then the kind's; an event's own reminder list replaces the
// global one. compile resolves this once; the core never looks up a key.
func TestCompileTemplateOverrides(t *testing.T) {
	core, err := compileYAML(t, `
timezone: Europe/Helsinki
hashtags: ["#LUMOhanke"]
templates:
  reminder: "Yleinen: {{.Title}}"
reminders:
  - before: 1d
    at: "09:00"
  - before: 1h
    template: "Tunti: {{.Title}} klo {{time .Start}}"
events:
  - id: oletus
    title: Oletus
    start: 2021-05-05T13:30
  - id: oma
    title: Oma
    start: 2021-05-06T10:00
    template: "Tapahtuman oma: {{.Title}} {{weekday .Start}}"
    reminders:
      - before: 2d
        at: "12:00"
      - before: 30m
        template: "Puoli tuntia: {{.Title}}"
`)
	if err != nil {
		t.Fatal(err)
	}
	hel, _ := time.LoadLocation("Europe/Helsinki")
	pl := bot.NewPlanner(core)
	drafts, _, _ := pl.Plan(pl.ConfigEvents(), bot.Window{Now: time.Date(2021, 5, 1, 0, 0, 0, 0, hel), Until: time.Date(2021, 5, 7, 0, 0, 0, 0, hel)})
	posts, errs := pl.Render(drafts, "t", nil)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	got := map[string]string{}
	for _, p := range posts {
		got[p.Key] = p.Text
	}
	want := map[string]string{
		"reminder:oletus:1d@09:00": "Yleinen: Oletus #LUMOhanke",
		"reminder:oletus:1h":       "Tunti: Oletus klo 13.30 #LUMOhanke",
		"reminder:oma:2d@12:00":    "Tapahtuman oma: Oma to #LUMOhanke",
		"reminder:oma:30m":         "Puoli tuntia: Oma #LUMOhanke",
	}
	if len(got) != len(want) {
		t.Errorf("got %d posts %v, want %d", len(got), got, len(want))
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
	}
}

// Every broken template is reported at once, each by its key; none falls
// back to a default.
func TestCompileReportsEveryBrokenTemplate(t *testing.T) {
	_, err := compileYAML(t, `
feeds:
  - {name: uutiset, url: news.xml, template: "{{.Titel}}"}
announcements:
  - {id: a, text: Hei, at: 2030-01-01T10:00, template: "{{.Text"}
reminders:
  - {before: 1h, template: "{{nosuchfunc .Title}}"}
`)
	if !config.IsConfigError(err) {
		t.Fatalf("err = %v, want a config error", err)
	}
	for _, key := range []string{`feed "uutiset": template`, `announcement "a": template`, "reminders[0].template"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
}

// A compiled config holds what the core needs and nothing it must look up.
func TestCompileModel(t *testing.T) {
	core, err := compileYAML(t, `
timezone: Europe/Helsinki
schedule: {quiet_hours: "21:00-07:30", late_grace: 2h, poll: "0 * * * *"}
feeds:
  - {name: tapahtumat, url: cal.ics, reminders: [{before: 1d, at: "09:00"}]}
  - {name: uutiset, url: news.xml, backfill: 3, max_age: 2d}
announcements:
  - {id: viikko, text: Vinkki, cron: "0 10 * * MON"}
`)
	if err != nil {
		t.Fatal(err)
	}
	if !core.Quiet.Set || core.Quiet.Start.Hour != 21 || core.Quiet.End.Minute != 30 || core.LateGrace != 2*time.Hour {
		t.Errorf("schedule: %+v grace %s", core.Quiet, core.LateGrace)
	}
	cal, news := core.Feeds[0], core.Feeds[1]
	if cal.Kind != bot.FeedEvents || len(cal.Rules) != 1 || cal.Rules[0].Name != "1d@09:00" || cal.Rules[0].Template == nil || !filepath.IsAbs(cal.Source) {
		t.Errorf("calendar: %+v", cal)
	}
	if news.Kind != bot.FeedNews || news.Backfill != 3 || news.MaxAge != 48*time.Hour || news.Template == nil {
		t.Errorf("news: %+v", news)
	}
	a := core.Announcements[0]
	if a.Cron == nil || a.Template == nil {
		t.Fatalf("announcement: %+v", a)
	}
	from := time.Date(2026, 12, 1, 12, 0, 0, 0, core.Location) // a Tuesday
	if next := a.Cron.Next(from); next.Weekday() != time.Monday || next.Hour() != 10 {
		t.Errorf("cron next %s", next)
	}
	if next := core.Poll.Next(from); !next.Equal(from.Add(time.Hour)) {
		t.Errorf("poll next %s", next)
	}
}
