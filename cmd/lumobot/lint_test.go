package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lumohanke/lumobot/bot/media/mediatest"
)

type validation struct {
	Valid    bool             `json:"valid"`
	Errors   []validationItem `json:"errors"`
	Warnings []validationItem `json:"warnings"`
}

// validateJSON runs `validate --format json` in-process on the config text
// (written as lumobot.yaml in a fresh directory, beside files).
func validateJSON(t *testing.T, cfg string, files map[string]string, args ...string) (validation, int) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600)
	}
	path := filepath.Join(dir, "lumobot.yaml")
	os.WriteFile(path, []byte(cfg), 0o600)
	return validateFile(t, path, args...)
}

func validateFile(t *testing.T, path string, args ...string) (validation, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := Run(context.Background(), Env{
		Args:   append([]string{"validate", "--format", "json", "--config", path, "--state", filepath.Join(t.TempDir(), "s.db")}, args...),
		Stdout: &out, Stderr: &errOut,
		Getenv: func(string) (string, bool) { return "", false },
	})
	var v validation
	if err := json.Unmarshal(out.Bytes(), &v); err != nil {
		t.Fatalf("exit %d, not JSON: %v\nstdout %s\nstderr %s", code, err, out.String(), errOut.String())
	}
	return v, code
}

const lintNow = "2026-03-01T08:00:00+02:00"

const lintHead = `timezone: Europe/Helsinki
hashtags: ["#LUMOhanke"]
reminders:
  - {before: 1d, at: "09:00"}
`

const xTarget = `targets:
  - {name: x, type: x, consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: ts}
`

const consoleTarget = `targets:
  - {name: console, type: console}
`

// Each rule fires on a config written to trigger it, at the line and with
// the id of the item it is about, and on nothing else.
func TestValidateRules(t *testing.T) {
	ics := "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:seminaari@lumo.example\r\nDTSTART;TZID=Europe/Helsinki:20260410T120000\r\nDTEND;TZID=Europe/Helsinki:20260410T160000\r\nSUMMARY:LUMO-seminaari\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:toinen@lumo.example\r\nDTSTART;TZID=Europe/Helsinki:20260420T120000\r\nSUMMARY:Kehittäjäryhmä\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:toinen-kopio@lumo.example\r\nDTSTART;TZID=Europe/Helsinki:20260420T120000\r\nSUMMARY:kehittäjäryhmä\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
	for _, tc := range []struct {
		name, cfg string
		rule      string
		line      int
		id        string
		message   string // a part of it
		count     int    // warnings of the rule (default 1)
	}{
		{"past announcement", lintHead + `announcements:
  - id: vanha
    text: "Seminaari alkaa"
    at: 2025-05-03T10:00
` + consoleTarget, "past", 8, "vanha", "2025-05-03 10:00 is in the past", 1},
		{"past recurring announcement", lintHead + `announcements:
  - id: syksy
    text: "Kehittäjäryhmä kokoontuu"
    cron: "0 10 * * MON"
    from: 2025-09-01
    until: 2025-09-30
` + consoleTarget, "past", 10, "syksy", "every occurrence is in the past", 1},
		{"past config event", lintHead + `events:
  - id: ohi
    title: Seminaari
    start: 2026-02-01T12:00
` + consoleTarget, "past", 8, "ohi", "2026-02-01 12:00 is in the past", 1},
		{"duplicate event: config and calendar", lintHead + `feeds:
  - {name: kalenteri, url: cal.ics, kind: events}
events:
  - id: oma-seminaari
    title: LUMO-seminaari
    start: 2026-04-10T12:00
` + consoleTarget, "duplicate-event", 8, "oma-seminaari", `of event "seminaari@lumo.example" (calendar kalenteri)`, 2},
		{"duplicate event: two config events", lintHead + `events:
  - {id: a, title: Seminaari, start: 2026-04-10T12:00}
  - {id: b, title: " seminaari", start: 2026-04-10T12:00}
` + consoleTarget, "duplicate-event", 7, "b", `of event "a" (the config)`, 1},
		{"duplicate text: recurring announcement on X", lintHead + `announcements:
  - id: viikko
    text: "Kehittäjäryhmä kokoontuu maanantaisin."
    cron: "0 10 * * MON"
    until: 2026-04-01
` + xTarget, "duplicate-text", 7, "viikko", "a recurring announcement with a fixed text", 1},
		{"too long for X", lintHead + `announcements:
  - id: pitka
    text: "` + strings.Repeat("Pitkä tiedote ilman loppua. ", 12) + `"
    at: 2026-05-01T10:00
` + xTarget, "too-long", 7, "pitka", "over its limit of 280", 1},
		{"all caps", lintHead + `announcements:
  - {id: huuto, text: "TERVETULOA KAIKKI MUKAAN SEMINAARIIN", at: 2026-05-01T10:00}
` + consoleTarget, "all-caps", 6, "huuto", "4 words in capitals", 1},
		{"hashtag case", lintHead + `announcements:
  - {id: tagi, text: "Tervetuloa #lastensuojelunkehittäminen", at: 2026-05-01T10:00}
` + consoleTarget, "hashtag-case", 6, "tagi", "#lastensuojelunkehittäminen", 1},
		{"emoji run", lintHead + `announcements:
  - {id: juhla, text: "Tervetuloa! 🎉🎉🎉", at: 2026-05-01T10:00}
` + consoleTarget, "emoji-run", 6, "juhla", "3 emoji in a row", 1},
		{"link text", lintHead + `announcements:
  - {id: linkki, text: "Ilmoittaudu tästä:", link: "https://lumo.example/ilmo", at: 2026-05-01T10:00}
` + consoleTarget, "link-text", 6, "linkki", `introduced only by "tästä"`, 1},
		{"all caps in a config event's reminders", lintHead + `events:
  - {id: iso, title: "SEMINAARI KAIKILLE LASTENSUOJELUN AMMATTILAISILLE", start: 2026-04-10T12:00}
` + consoleTarget, "all-caps", 6, "iso", "reminder: 4 words in capitals", 1},
		{"alt text a generic word", lintHead + `announcements:
  - id: kuvalla
    text: "Seminaari alkaa"
    at: 2026-05-03T10:00
    images: [{path: kuva.jpg, alt: "Kuva."}]
` + xTarget, "image-alt", 9, "kuvalla", "says only that there is a picture", 1},
		{"alt text the file name", lintHead + `events:
  - id: seminaari
    title: Seminaari
    start: 2026-05-03T10:00
    images:
      - path: kuva.jpg
        alt: kuva.jpg
` + consoleTarget, "image-alt", 11, "seminaari", "is the file's name", 1},
		{"alt text the post's text", lintHead + `announcements:
  - id: toisto
    text: "Seminaari alkaa"
    at: 2026-05-03T10:00
    images: [{path: kuva.jpg, alt: "Seminaari alkaa"}]
` + consoleTarget, "image-alt", 9, "toisto", "repeats the post's text", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, code := validateJSON(t, tc.cfg, map[string]string{"cal.ics": ics, "kuva.jpg": smallPhoto}, "--now", lintNow)
			if code != 0 || !v.Valid || len(v.Errors) != 0 {
				t.Fatalf("exit %d, %+v", code, v)
			}
			var mine []validationItem
			for _, w := range v.Warnings {
				if w.Rule == tc.rule {
					mine = append(mine, w)
				} else {
					t.Errorf("another rule fired: %+v", w)
				}
			}
			if len(mine) != tc.count {
				t.Fatalf("%d %s warnings, want %d: %+v", len(mine), tc.rule, tc.count, v.Warnings)
			}
			w := mine[0]
			for _, m := range mine {
				if m.ID == tc.id {
					w = m
				}
			}
			if !strings.HasSuffix(w.File, "lumobot.yaml") || w.Line != tc.line || w.ID != tc.id || w.Key == "" || !strings.Contains(w.Message, tc.message) {
				t.Errorf("got %+v; want line %d, id %q, message with %q", w, tc.line, tc.id, tc.message)
			}
		})
	}
}

// The same configs with the mistake mended give no warning: a rule that
// fires on everything would pass the test above.
func TestValidateRulesQuiet(t *testing.T) {
	for name, cfg := range map[string]string{
		"future announcement":     lintHead + "announcements:\n  - {id: uusi, text: \"Seminaari alkaa\", at: 2026-05-03T10:00}\n" + consoleTarget,
		"recurring within bounds": lintHead + "announcements:\n  - {id: syksy, text: \"Kehittäjäryhmä kokoontuu\", cron: \"0 10 * * MON\", from: 2026-09-01, until: 2026-09-30}\n" + consoleTarget,
		"weekly on console":       lintHead + "announcements:\n  - {id: viikko, text: \"Kokous\", cron: \"0 10 * * MON\", until: 2026-04-01}\n" + consoleTarget,
		"monthly on X":            lintHead + "announcements:\n  - {id: kk, text: \"Kokous\", cron: \"0 10 1 * *\", until: 2026-06-02}\n" + xTarget,
		"two events, two starts":  lintHead + "events:\n  - {id: a, title: Seminaari, start: 2026-04-10T12:00}\n  - {id: b, title: Seminaari, start: 2026-05-10T12:00}\n" + consoleTarget,
		"fits X":                  lintHead + "announcements:\n  - {id: lyhyt, text: \"Seuraa LUMOa!\", at: 2026-05-01T10:00}\n" + xTarget,
		"alt says what it shows": lintHead + "announcements:\n  - id: kuvalla\n    text: \"Seminaari alkaa\"\n    at: 2026-05-03T10:00\n" +
			"    images: [{path: kuva.jpg, alt: \"Kaksi työntekijää ja perhe keittiön pöydän ääressä\"}]\n" + xTarget,
	} {
		t.Run(name, func(t *testing.T) {
			v, code := validateJSON(t, cfg, map[string]string{"kuva.jpg": smallPhoto}, "--now", lintNow)
			if code != 0 || !v.Valid || len(v.Warnings) != 0 {
				t.Errorf("exit %d, %+v", code, v)
			}
		})
	}
}

// No rule fires on the shipped examples, checked at the time they are
// about (spring 2021: their events and announcements are in the past now).
func TestValidateExamplesClean(t *testing.T) {
	var paths []string
	for _, ext := range []string{"yaml", "yml", "toml", "json"} {
		m, _ := filepath.Glob("../../examples/*." + ext)
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Fatal("no example configs found")
	}
	for _, p := range paths {
		v, code := validateFile(t, p, "--now", "2021-05-01T08:00:00+03:00")
		if code != 0 || !v.Valid || len(v.Errors) != 0 || len(v.Warnings) != 0 {
			t.Errorf("%s: exit %d, %+v", p, code, v)
		}
	}
}

func TestValidateJSONErrors(t *testing.T) {
	v, code := validateJSON(t, "timezone: Europe/Helsinki\nevents:\n  - id: kokous\n    title: Kokous\n    start: 5.5.2021 klo 13.30\n", nil)
	if code != exitConfig || v.Valid || len(v.Errors) == 0 {
		t.Fatalf("exit %d, %+v", code, v)
	}
	e := v.Errors[0]
	if e.Line != 5 || e.ID != "kokous" || e.Key != "events[0].start" || e.Rule != "" {
		t.Errorf("error %+v", e)
	}
}

// The binary, as a script would run it: several mistakes at once, each
// reported with its file, line, id and rule.
func TestValidateJSONBinary(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "lumobot.yaml"), []byte(lintHead+`events:
  - {id: a, title: Seminaari, start: 2026-04-10T12:00}
  - {id: b, title: Seminaari, start: 2026-04-10T12:00}
  - {id: vanha, title: Kokous, start: 2025-04-10T12:00}
announcements:
  - {id: huuto, text: "TERVETULOA KAIKKI MUKAAN NYT 🎉🎉🎉 #lastensuojelunkehittäminen", link: "https://lumo.example/", at: 2026-05-01T10:00}
  - {id: viikko, text: "Lisää tästä", link: "https://lumo.example/", cron: "0 10 * * MON", until: 2026-04-01}
`+xTarget), 0o600)
	stdout, stderr, code := lumobot(t, dir, "validate", "--format", "json", "--now", lintNow)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var v validation
	if err := json.Unmarshal([]byte(stdout), &v); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	got := map[string]string{}
	for _, w := range v.Warnings {
		if w.File == "" || w.Line == 0 || w.Message == "" {
			t.Errorf("unplaced %+v", w)
		}
		got[w.Rule+" "+w.ID] = w.Key
	}
	for _, want := range []string{"duplicate-event b", "past vanha", "all-caps huuto", "emoji-run huuto", "hashtag-case huuto", "link-text viikko", "duplicate-text viikko",
		"duplicate-text b"} { // b's reminder repeats a's {
		if _, ok := got[want]; !ok {
			t.Errorf("no %s in %+v", want, v.Warnings)
		}
	}
	if len(v.Warnings) != 8 {
		t.Errorf("%d warnings, want 8: %+v", len(v.Warnings), v.Warnings)
	}
}

// preview shows each warning under the post it concerns, in text and JSON,
// and what concerns no post once before the posts.
func TestPreviewWarnings(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lumobot.yaml")
	os.WriteFile(path, []byte(lintHead+`events:
  - {id: a, title: Seminaari, start: 2026-04-10T12:00}
  - {id: b, title: Seminaari, start: 2026-04-10T12:00}
  - {id: vanha, title: Kokous, start: 2025-04-10T12:00}
announcements:
  - {id: huuto, text: "TERVETULOA KAIKKI MUKAAN NYT", at: 2026-03-05T10:00}
`+xTarget), 0o600)
	run := func(format string) string {
		var out bytes.Buffer
		code := Run(context.Background(), Env{
			Args:   []string{"preview", "--config", path, "--state", filepath.Join(t.TempDir(), "s.db"), "--now", lintNow, "--days", "60", "--format", format},
			Stdout: &out, Stderr: os.Stderr,
			Getenv: func(string) (string, bool) { return "", false },
		})
		if code != 0 {
			t.Fatalf("exit %d", code)
		}
		return out.String()
	}
	var rows []previewRow
	if err := json.Unmarshal([]byte(run("json")), &rows); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, r := range rows {
		for _, w := range r.Warnings {
			got[r.Key] = append(got[r.Key], w.Rule+" "+w.ID)
		}
	}
	want := map[string][]string{
		"announcement:huuto:once": {"all-caps huuto"},
		"reminder:b:1d@09:00":     {"duplicate-event b", "duplicate-text b"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("row warnings %v, want %v", got, want)
	}
	text := run("text")
	for _, want := range []string{
		"Planned from 2026-03-01 08:00 EET for 60 days (Europe/Helsinki):\n  warning (past): " + path + ":8: event \"vanha\": start:",
		"    TERVETULOA KAIKKI MUKAAN NYT #LUMOhanke\n    warning (all-caps): " + path + ":10: announcement \"huuto\": text: 4 words",
		"reminder:b:1d@09:00  (62/280)\n    Muistutus: Seminaari – huomenna pe 10.4. klo 12.00. #LUMOhanke\n    warning (duplicate-event): " + path + ":7: event \"b\": has the title",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text preview lacks %q:\n%s", want, text)
		}
	}
	if strings.Count(text, "warning (") != 4 {
		t.Errorf("%d warnings in the text, want 4:\n%s", strings.Count(text, "warning ("), text)
	}
}

// smallPhoto is a JPEG for configs that carry an image.
var smallPhoto = string(mediatest.Photo(60, 40, 1))
