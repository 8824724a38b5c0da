package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// loadMessage loads body as dir/name and returns the error as printed,
// with the directory taken out so that messages read "lumo.yaml:4: …".
func loadMessage(t *testing.T, name, body string) string {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(Options{File: path, Env: noEnv})
	if err == nil {
		return "<valid>"
	}
	if !IsConfigError(err) {
		t.Errorf("not a config error: %T %v", err, err)
	}
	return strings.ReplaceAll(err.Error(), dir+string(os.PathSeparator), "")
}

// One config per mistake staff make, and the exact message: the file and
// line, the item by its id, what was written and what to write instead.
func TestMessages(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		// Times as Finns write them.
		{"finnish date and time", "events:\n  - id: kehittajaryhma\n    title: Kehittäjäryhmä\n    start: 5.5.2021 klo 13.30\n",
			`lumo.yaml:4: event "kehittajaryhma": start: "5.5.2021 klo 13.30" is not a date and time lumobot reads: write 2021-05-05T13:30`},
		{"finnish time range", "events:\n  - id: k\n    title: K\n    start: 5.5.2021 klo 13.30-15.00\n",
			`lumo.yaml:4: event "k": start: "5.5.2021 klo 13.30-15.00" is not a date and time lumobot reads: write 2021-05-05T13:30 (and end: 2021-05-05T15:00)`},
		{"iso date, finnish time", "events:\n  - id: k\n    title: K\n    start: 2021-05-05 klo 13.30\n",
			`lumo.yaml:4: event "k": start: "2021-05-05 klo 13.30" is not a date and time lumobot reads: write 2021-05-05T13:30`},
		{"no year", "announcements:\n  - id: a\n    text: t\n    at: 28.5. klo 8.30\n",
			`lumo.yaml:4: announcement "a": at: "28.5. klo 8.30" is not a date and time lumobot reads: write it with the year: YYYY-05-28T08:30`},
		{"finnish date alone", "announcements:\n  - id: a\n    text: t\n    cron: 0 10 * * MON\n    until: 31.1.2027\n",
			`lumo.yaml:5: announcement "a": until: "31.1.2027" is not a date and time lumobot reads: write 2027-01-31`},
		{"unreadable time", "events:\n  - id: k\n    title: K\n    start: ensi viikolla\n",
			`lumo.yaml:4: event "k": start: "ensi viikolla" is not a date and time lumobot reads: write e.g. 2026-12-01T10:00, 2026-12-01T10:00+02:00, or 2026-12-01 for a whole day`},
		{"time of day as a number", "reminders:\n  - before: 1d\n    at: 13.30\n",
			`lumo.yaml:3: reminders[0].at: 13.30 without quotes is a number: write 13:30`},
		{"hour alone", "reminders:\n  - before: 1d\n    at: \"9\"\n",
			`lumo.yaml:3: reminders[0].at: "9" is not a time of day: write 09:00`},
		// Durations.
		{"1day", "reminders:\n  - before: 1day\n",
			`lumo.yaml:2: reminders[0].before: "1day" is not a duration: write 1d`},
		{"a week in words", "events:\n  - id: k\n    title: K\n    start: 2021-05-05\n    reminders:\n      - before: 1 week\n",
			`lumo.yaml:6: event "k": reminders[0].before: "1 week" is not a duration: write 7d`},
		{"finnish days", "reminders:\n  - before: 2 päivää\n",
			`lumo.yaml:2: reminders[0].before: "2 päivää" is not a duration: write 2d`},
		{"minutes", "schedule:\n  min_gap: 10 minutes\n",
			`lumo.yaml:2: schedule.min_gap: "10 minutes" is not a duration: write 10m`},
		{"no guess", "schedule:\n  retry_max: pitkään\n",
			`lumo.yaml:2: schedule.retry_max: "pitkään" is not a duration: write e.g. 90s, 10m, 2h, 7d or 1d12h`},
		// YAML syntax, on the line to fix.
		{"unquoted colon", "announcements:\n  - id: a\n    text: Huom: tärkeä tiedote\n    at: 2026-01-01T10:00\n",
			`lumo.yaml:3: announcement "a": text: the text has a colon and a space in it: put the text in quotes, "Huom: tärkeä tiedote"`},
		{"unquoted colon, id after", "announcements:\n  - text: Huom: tärkeä\n    id: a\n",
			`lumo.yaml:2: announcement "a": text: the text has a colon and a space in it: put the text in quotes, "Huom: tärkeä"`},
		{"colon in a secret: not repeated", "targets:\n  - name: m\n    type: mastodon\n    access_token: abc: def\n",
			`lumo.yaml:4: target "m": access_token: the text has a colon and a space in it: put the text in quotes, the value`},
		{"indented too little", "events:\n  - id: a\n    title: A\n   start: 2021-05-05\n",
			`lumo.yaml:4: start does not line up with the lines above it: indent it 4 spaces, like title on line 3`},
		{"indented too much", "events:\n  - id: a\n    title: A\n      start: 2021-05-05\n",
			`lumo.yaml:4: start is indented more than title on line 3: indent it 4 spaces, like that line`},
		{"section indented wrong", "schedule:\n  poll: \"*/15 * * * *\"\n min_gap: 10m\n",
			`lumo.yaml:3: min_gap does not line up with the lines above it: indent it 2 spaces, like poll on line 2`},
		{"tab", "schedule:\n\tpoll: \"*/15 * * * *\"\n",
			`lumo.yaml:2: a tab in the indentation: indent with spaces only`},
		{"starts with @", "announcements:\n  - id: a\n    text: @LUMOhanke tervetuloa\n",
			`lumo.yaml:3: announcement "a": text: text that starts with @ must be in quotes: "@LUMOhanke tervetuloa"`},
		{"text after the quote", "announcements:\n  - id: a\n    text: \"Tervetuloa\" kaikki\n",
			`lumo.yaml:3: announcement "a": text: text goes on after the closing quote: quote all of it, '"Tervetuloa" kaikki'`},
		{"quote not closed", "announcements:\n  - id: a\n    text: \"Tervetuloa\n",
			`lumo.yaml:3: announcement "a": text: the quote " is not closed: end the text with "`},
		{"missing dash: one message", "events:\n  - id: a\n    title: A\n    start: 2021-05-05\n\n    id: b\n    title: B\n    start: 2021-05-06\n    location: Teams\n",
			`lumo.yaml:6: event "a": id: given twice (first on line 2): if a new item starts here, put "- " before it: - id: b`},
		{"missing dash before a secret", "targets:\n  - name: m\n    type: mastodon\n    server: https://m.example\n    access_token: token-one\n    access_token: token-two\n",
			`lumo.yaml:6: target "m": access_token: given twice (first on line 5): if a new item starts here, put "- " before it: - access_token: …`},
		{"section twice", "schedule:\n  poll: \"0 * * * *\"\nlanguage: fi\nschedule:\n  min_gap: 1m\n",
			`lumo.yaml:4: schedule: given twice (first on line 1): give it once`},
		{"hashtag read as a comment", "hashtags: #LUMOhanke\n",
			`lumo.yaml:1: hashtags: YAML reads #LUMOhanke as a comment, so there are no hashtags: write hashtags: ["#LUMOhanke"]`},
		{"hashtag without #", "hashtags: [LUMOhanke]\n",
			`lumo.yaml:1: hashtags[0]: "LUMOhanke" is not a hashtag (want # and letters, digits or _): write "#LUMOhanke" (in quotes: YAML reads # as the start of a comment)`},
		// Keys.
		{"misspelt key", "announcments:\n  - id: a\n",
			`lumo.yaml:1: announcments: unknown key: did you mean announcements?`},
		{"transposed letters", "targets:\n  - name: c\n    type: console\n    outptu: stderr\n",
			`lumo.yaml:4: target "c": outptu: unknown key: did you mean output?`},
		{"nested misspelt key", "schedule:\n  pol: \"* * * * *\"\n",
			`lumo.yaml:2: schedule.pol: unknown key: did you mean poll?`},
		{"key in the wrong place", "poll: \"*/15 * * * *\"\n",
			`lumo.yaml:1: poll: unknown key here: poll belongs under schedule`},
		{"unknown key", "colour: blue\n",
			`lumo.yaml:1: colour: unknown key (see the config reference in the README)`},
		{"not a number", "feeds:\n  - name: a\n    url: a.xml\n    backfill: many\n    allow_private: maybe\n",
			"lumo.yaml: 2 problems:\n  lumo.yaml:4: feed \"a\": backfill: \"many\" is not a whole number\n  lumo.yaml:5: feed \"a\": allow_private: \"maybe\" is not true or false"},
		{"target type", "targets:\n  - name: t\n    type: mastodn\n",
			`lumo.yaml:3: target "t": type: "mastodn": want x, mastodon, bluesky, webhook or console: did you mean mastodon?`},
		// Cron.
		{"finnish weekday", "announcements:\n  - id: viikkovinkki\n    text: Vinkki\n    cron: \"0 10 * * MA\"\n",
			`lumo.yaml:4: announcement "viikkovinkki": cron: bad cron expression "0 10 * * MA": write "0 10 * * MON" (weekdays in cron are MON TUE WED THU FRI SAT SUN)`},
		{"finnish weekday range", "schedule:\n  poll: \"*/30 8-16 * * MA-PE\"\n",
			`lumo.yaml:2: schedule.poll: bad cron expression "*/30 8-16 * * MA-PE": write "*/30 8-16 * * MON-FRI" (weekdays in cron are MON TUE WED THU FRI SAT SUN)`},
		{"swedish weekday", "announcements:\n  - id: v\n    text: Tips\n    cron: \"0 10 * * ON,LÖ\"\n",
			`lumo.yaml:4: announcement "v": cron: bad cron expression "0 10 * * ON,LÖ": write "0 10 * * WED,SAT" (weekdays in cron are MON TUE WED THU FRI SAT SUN)`},
		{"cron with four fields", "announcements:\n  - id: a\n    text: t\n    cron: \"0 10 * *\"\n",
			`lumo.yaml:4: announcement "a": cron: bad cron expression "0 10 * *": expected 5 to 6 fields, found 4: [0 10 * *]: write minute hour day-of-month month weekday, e.g. "0 10 * * MON"`},
		// Secrets.
		{"missing secret file", "targets:\n  - name: x\n    type: x\n    consumer_key_file: /nonexistent/key\n    consumer_secret: a\n    access_token: b\n    access_token_secret: c\n",
			`lumo.yaml:4: target "x": consumer_key_file: cannot read the secret file /nonexistent/key: no such file or directory`},
		{"missing secret file, one message", "targets:\n  - name: m\n    type: mastodon\n    server: https://m.example\n    access_token_file: /nonexistent/token\n",
			`lumo.yaml:5: target "m": access_token_file: cannot read the secret file /nonexistent/token: no such file or directory`},
		{"both value and file", "targets:\n  - name: m\n    type: mastodon\n    server: https://m.example\n    access_token: a\n    access_token_file: t\n",
			`lumo.yaml:5: target "m": access_token: give access_token or access_token_file, not both`},
		{"env unset", "targets:\n  - name: m\n    type: mastodon\n    server: https://m.example\n    access_token: ${LUMOBOT_TEST_UNSET}\n",
			`lumo.yaml:5: target "m": access_token: environment variable LUMOBOT_TEST_UNSET is not set`},
		{"missing credential names the item", "targets:\n  - name: b\n    type: bluesky\n    handle: lumo.bsky.social\n",
			`lumo.yaml:2: target "b": app_password: missing: bluesky targets need it (as a value, app_password_file, or ${ENV})`},
		// Ids.
		{"duplicate event id", "events:\n  - {id: a, title: A, start: 2021-05-05T10:00}\n  - {id: a, title: B, start: 2021-05-06T10:00}\n",
			`lumo.yaml:3: event "a": id: "a" is used already by another event (line 2): give each its own`},
		{"missing id", "announcements:\n  - text: t\n    at: 2026-12-01T10:00\n",
			`lumo.yaml:2: announcements[0].id: missing: every announcement needs a stable id (it prevents duplicate posts)`},
		{"duplicate feed", "feeds:\n  - {name: a, url: a.xml}\n  - {name: a, url: b.xml}\n",
			`lumo.yaml:3: feed "a": name: "a" is used already by another feed (line 2): give each its own name`},
		// One mistake, one message: nothing derived from a value that did not parse.
		{"bad before, no 'missing'", "reminders:\n  - before: soon\n",
			`lumo.yaml:2: reminders[0].before: "soon" is not a duration: write e.g. 90s, 10m, 2h, 7d or 1d12h`},
		{"bad until, no 'not after from'", "announcements:\n  - id: a\n    text: t\n    cron: 0 10 * * MON\n    from: 2026-01-01\n    until: huhtikuu\n",
			`lumo.yaml:6: announcement "a": until: "huhtikuu" is not a date and time lumobot reads: write e.g. 2026-12-01T10:00, 2026-12-01T10:00+02:00, or 2026-12-01 for a whole day`},
		{"bad retry_initial, no comparison", "schedule:\n  retry_initial: nyt\n",
			`lumo.yaml:2: schedule.retry_initial: "nyt" is not a duration: write e.g. 90s, 10m, 2h, 7d or 1d12h`},
		// New keys.
		{"quiet day", "schedule:\n  quiet_days: [sat, sunnuntai, perjantaina]\n",
			`lumo.yaml:2: schedule.quiet_days[2]: "perjantaina" is not a weekday: write mon, tue, wed, thu, fri, sat or sun`},
		{"quiet date", "schedule:\n  quiet_dates:\n    - 2026-06-19\n    - 24.12.2026\n",
			`lumo.yaml:4: schedule.quiet_dates[1]: "24.12.2026" is not a date: write 2026-12-24`},
		{"every day quiet", "schedule:\n  quiet_days: [ma, ti, ke, to, pe, la, su]\n",
			`lumo.yaml:2: schedule.quiet_days: every day is quiet: nothing would ever be posted (to stop posting, set paused: true)`},
		{"paused not a bool", "paused: kyllä\n",
			`lumo.yaml:1: paused: "kyllä" is not true or false`},
		{"max_per_hour negative", "targets:\n  - name: c\n    type: console\n    max_per_hour: -1\n",
			`lumo.yaml:4: target "c": max_per_hour: must not be negative (0 turns the hourly cap off; unset, it is 20)`},
		{"state key file missing", "state_key_file: /nonexistent/state.key\n",
			`lumo.yaml:1: state_key_file: cannot read the secret file /nonexistent/state.key: no such file or directory`},
		{"state key too short", "state_key: abcd\n",
			`lumo.yaml:1: state_key: not a 32-byte key: write 64 hex digits (openssl rand -hex 32), base64 of 32 bytes, or 32 raw bytes`},
		// Several problems: each on its line, in file order.
		{"several", "schedule:\n  poll: \"0 10 * * MA\"\nevents:\n  - id: k\n    title: K\n    start: 5.5.2021\nlanguage: de\n",
			"lumo.yaml: 3 problems:\n  lumo.yaml:2: schedule.poll: bad cron expression \"0 10 * * MA\": write \"0 10 * * MON\" (weekdays in cron are MON TUE WED THU FRI SAT SUN)\n  lumo.yaml:6: event \"k\": start: \"5.5.2021\" is not a date and time lumobot reads: write 2021-05-05\n  lumo.yaml:7: language: \"de\" is not one of fi, sv, en"},
		// Unchanged checks, now placed.
		{"unknown zone", "timezone: Europe/Helsingfors\n", `lumo.yaml:1: timezone: unknown time zone "Europe/Helsingfors" (want an IANA name like Europe/Helsinki)`},
		{"bad quiet hours", "schedule:\n  quiet_hours: 21-07\n", `lumo.yaml:2: schedule.quiet_hours: "21-07": want HH:MM-HH:MM, e.g. 21:00-07:30`},
		{"feed without url", "feeds:\n  - name: a\n", `lumo.yaml:2: feed "a": url: missing: give the feed's address (url or url_file)`},
		{"listen", "http:\n  listen: 8080\n", `lumo.yaml:2: http.listen: "8080" is not host:port (e.g. :8080; "" turns the server off)`},
		{"at and cron", "announcements:\n  - {id: a, text: t, at: 2026-12-01T10:00, cron: '0 10 * * *'}\n", `lumo.yaml:2: announcement "a": give at (once) or cron (recurring), not both`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := loadMessage(t, "lumo.yaml", tc.yaml); got != tc.want {
				t.Errorf("config:\n%s\ngot:  %s\nwant: %s", tc.yaml, got, tc.want)
			}
		})
	}
}

// TOML and JSON configs get the same messages, with lines where the
// format lets them be found.
func TestMessagesTOMLAndJSON(t *testing.T) {
	for _, tc := range []struct{ name, file, body, want string }{
		{"toml cron", "lumo.toml", "timezone = \"Europe/Helsinki\"\n\n[schedule]\npoll = \"0 10 * * MA\"\n",
			`lumo.toml:4: schedule.poll: bad cron expression "0 10 * * MA": write "0 10 * * MON" (weekdays in cron are MON TUE WED THU FRI SAT SUN)`},
		{"toml array of tables", "lumo.toml", "[[events]]\nid = \"k\"\ntitle = \"K\"\nstart = 2021-05-05T13:30:00\n\n[[events]]\nid = \"l\"\ntitle = \"L\"\nstart = \"5.5.2021\"\n\n[[events.reminders]]\nbefore = \"1day\"\n",
			"lumo.toml: 2 problems:\n  lumo.toml:9: event \"l\": start: \"5.5.2021\" is not a date and time lumobot reads: write 2021-05-05\n  lumo.toml:12: event \"l\": reminders[0].before: \"1day\" is not a duration: write 1d"},
		{"toml syntax", "lumo.toml", "timezone = \"Europe/Helsinki\"\n[schedule\npoll = 1\n",
			`lumo.toml:2: not valid TOML: toml: expected character ]`},
		{"json unknown key", "lumo.json", "{\n  \"timezone\": \"Europe/Helsinki\",\n  \"announcments\": []\n}\n",
			`lumo.json:3: announcments: unknown key: did you mean announcements?`},
		{"json time", "lumo.json", "{\n  \"events\": [\n    {\"id\": \"k\", \"title\": \"K\",\n     \"start\": \"5.5.2021 klo 13.30\"}\n  ]\n}\n",
			`lumo.json:4: event "k": start: "5.5.2021 klo 13.30" is not a date and time lumobot reads: write 2021-05-05T13:30`},
		{"json syntax", "lumo.json", "{\n  \"events\": [\n    {\"id\": \"k\"},\n  ]\n}\n",
			`lumo.json:4: not valid JSON: invalid character ']' looking for beginning of value`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := loadMessage(t, tc.file, tc.body); got != tc.want {
				t.Errorf("config:\n%s\ngot:  %s\nwant: %s", tc.body, got, tc.want)
			}
		})
	}
}

// A value from the environment is named by its variable, not by a line of
// the file that it replaced.
func TestMessageFromEnvironment(t *testing.T) {
	t.Setenv("LUMOBOT_SCHEDULE_MIN_GAP", "10 minutes")
	got := loadMessage(t, "lumo.yaml", "schedule:\n  min_gap: 10m\n")
	want := `lumo.yaml: schedule.min_gap (from LUMOBOT_SCHEDULE_MIN_GAP): "10 minutes" is not a duration: write 10m`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
