package server

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from what was rendered (go test -update rewrites it); got:\n%s", path, got)
	}
}

func statusJSONOf(t *testing.T, snap Snapshot) map[string]any {
	t.Helper()
	rec := get(t, statusServer(t, snap), "/status.json")
	if rec.Code != http.StatusOK {
		t.Fatalf("/status.json: status %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("/status.json is no JSON: %v\n%s", err, rec.Body)
	}
	return v
}

// path walks v by object keys and array indexes ("targets.1.retrying.0.key").
func path(t *testing.T, v any, p string) any {
	t.Helper()
	for _, k := range strings.Split(p, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[k]; !ok {
				t.Fatalf("%s: no %q in %v", p, k, x)
			}
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil {
				t.Fatalf("%s: %q is no index", p, k)
			}
			if i < 0 || i >= len(x) {
				t.Fatalf("%s: index %s out of %d", p, k, len(x))
			}
			v = x[i]
		default:
			t.Fatalf("%s: %q below a %T", p, k, v)
		}
	}
	return v
}

func TestStatusJSONGolden(t *testing.T) {
	loc := helsinki(t)
	for _, tc := range []struct {
		name string
		snap Snapshot
	}{
		{"status-troubled.golden.json", troubledSnapshot(loc)},
		{"status-calm.golden.json", realisticSnapshot(loc)},
		{"status-empty.golden.json", Snapshot{Now: time.Date(2021, 5, 5, 7, 0, 0, 0, time.UTC), Location: time.UTC}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, get(t, statusServer(t, tc.snap), "/status.json").Body.Bytes())
		})
	}
}

func TestStatusHTMLGolden(t *testing.T) {
	loc := helsinki(t)
	for _, lang := range []string{"fi", "sv", "en"} {
		t.Run(lang, func(t *testing.T) {
			snap := troubledSnapshot(loc)
			snap.Language = lang
			golden(t, "status-troubled-"+lang+".golden.html", get(t, statusServer(t, snap), "/").Body.Bytes())
		})
	}
}

// Each new part, alone on the calm snapshot: what /status.json says and
// what the page shows, and that the calm page shows none of it.
func TestStatusParts(t *testing.T) {
	loc := helsinki(t)
	at := func(day, hour, min int) time.Time { return time.Date(2021, 5, day, hour, min, 0, 0, loc) }
	for _, tc := range []struct {
		name  string
		apply func(*Snapshot)
		json  map[string]any // path → value in /status.json
		html  []string       // in the page
		calm  map[string]any // path → value without the part
	}{
		{
			name:  "paused",
			apply: func(s *Snapshot) { s.Paused = true },
			json:  map[string]any{"paused": true},
			calm:  map[string]any{"paused": false},
			html:  []string{`<p class="banner warn" role="status" id="paused"><strong>Tauolla: mitään ei julkaista ennen kuin asetuksissa on paused: false.</strong></p>`},
		},
		{
			name: "reload error",
			apply: func(s *Snapshot) {
				s.Config = ConfigView{File: "/etc/lumobot.yaml", LoadedAt: at(3, 8, 0), ReloadError: "lumobot.yaml:3: timezone: unknown zone Mars/Olympus", ReloadErrorAt: at(5, 9, 0)}
			},
			json: map[string]any{
				"config.file": "/etc/lumobot.yaml", "config.loaded_at": "2021-05-03T08:00:00+03:00",
				"config.reload_error": "lumobot.yaml:3: timezone: unknown zone Mars/Olympus", "config.reload_error_at": "2021-05-05T09:00:00+03:00",
			},
			calm: map[string]any{"config.reload_error": nil, "config.reload_error_at": nil, "config.loaded_at": nil},
			html: []string{
				`<p class="banner alert" role="alert" id="reload-error"><strong>Asetustiedostossa on virhe; käytössä on edellinen versio.</strong> <span class="reason-text">lumobot.yaml:3: timezone: unknown zone Mars/Olympus</span> <span class="when"><time datetime="2021-05-05T09:00:00&#43;03:00">ke 5.5.2021 klo 9.00</time>`,
				`Asetukset <span class="url">/etc/lumobot.yaml</span> · ladattu <time datetime="2021-05-03T08:00:00&#43;03:00">ma 3.5.2021 klo 8.00</time>`,
			},
		},
		{
			name:  "flooded",
			apply: func(s *Snapshot) { s.Flooded = []string{"mastodon", "x"} },
			json:  map[string]any{"flooded.0": "mastodon", "flooded.1": "x"},
			calm:  map[string]any{"flooded": []any{}},
			html:  []string{`<p class="banner warn" role="status" id="flooded"><strong>max_per_hour pidättää julkaisuja kohteissa:</strong> mastodon, x</p>`},
		},
		{
			name:  "state problem",
			apply: func(s *Snapshot) { s.StateProblem = "store: disk full" },
			json:  map[string]any{"state_problem": "store: disk full"},
			calm:  map[string]any{"state_problem": nil},
			html:  []string{`<p class="banner alert" role="alert" id="state-problem"><strong>Tila ei voi kirjata julkaisuja, joten lähettäminen on pysäytetty:</strong> store: disk full</p>`},
		},
		{
			name: "retrying",
			apply: func(s *Snapshot) {
				p := bot.Post{Key: "news:uutiset:r", Kind: bot.KindNews, Target: "x", Due: at(5, 9, 0), Text: "Uusi yritys"}
				s.Targets[1].Open = []bot.Delivery{{Post: p, Status: bot.StatusPending, Attempts: 2, Reason: "x: 500 Internal Server Error", NextAttempt: at(5, 10, 5)}}
				p.Due = at(5, 10, 5)
				s.Targets[1].Next = append(s.Targets[1].Next, p)
			},
			json: map[string]any{
				"targets.1.retrying.0.key": "news:uutiset:r", "targets.1.retrying.0.attempts": 2.0,
				"targets.1.retrying.0.last_error": "x: 500 Internal Server Error", "targets.1.retrying.0.next_attempt": "2021-05-05T10:05:00+03:00",
				"targets.1.upcoming.1": nil, // not also upcoming
			},
			calm: map[string]any{"targets.1.retrying": []any{}},
			html: []string{
				`<li><a href="#uudelleen">Yritetään uudelleen (1)</a></li>`,
				`<dt>Yrityksiä</dt><dd class="attempts">2</dd>`,
				`<dt>Viimeisin virhe</dt><dd class="reason">x: 500 Internal Server Error</dd>`,
				`<dt>Seuraava yritys</dt><dd><time datetime="2021-05-05T10:05:00&#43;03:00">ke 5.5.2021 klo 10.05</time> <span class="rel">(5 min kuluttua)</span></dd>`,
			},
		},
		{
			name:  "feed warnings",
			apply: func(s *Snapshot) { s.Feeds[0].Warnings = []string{"item 3: no date"} },
			json:  map[string]any{"feeds.0.warnings.0": "item 3: no date", "feeds.0.ok": true, "feeds.1.ok": false},
			calm:  map[string]any{"feeds.0.warnings": []any{}},
			html:  []string{`<dt>Varoitukset</dt><dd><ul class="warnings">`, `<li class="note">item 3: no date</li>`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calm := realisticSnapshot(loc)
			calmJSON := statusJSONOf(t, calm)
			for p, want := range tc.calm {
				if got := pathOrNil(t, calmJSON, p); !equalJSON(got, want) {
					t.Errorf("calm %s = %#v, want %#v", p, got, want)
				}
			}
			calmHTML := get(t, statusServer(t, calm), "/").Body.String()
			for _, h := range tc.html {
				if strings.Contains(calmHTML, h) {
					t.Errorf("calm page already shows %s", h)
				}
			}

			snap := realisticSnapshot(loc)
			tc.apply(&snap)
			v := statusJSONOf(t, snap)
			for p, want := range tc.json {
				if got := pathOrNil(t, v, p); !equalJSON(got, want) {
					t.Errorf("%s = %#v, want %#v", p, got, want)
				}
			}
			body := get(t, statusServer(t, snap), "/").Body.String()
			for _, h := range tc.html {
				if !strings.Contains(body, h) {
					t.Errorf("page lacks %s", h)
				}
			}
		})
	}
}

// pathOrNil is path, with nil for an index past the end of a list.
func pathOrNil(t *testing.T, v any, p string) any {
	t.Helper()
	i := strings.LastIndex(p, ".")
	if i > 0 {
		if list, ok := path(t, v, p[:i]).([]any); ok {
			n, err := strconv.Atoi(p[i+1:])
			if err != nil {
				t.Fatalf("%s: %q is no index", p, p[i+1:])
			}
			if n >= len(list) {
				return nil
			}
		}
	}
	return path(t, v, p)
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestReasonTranslations(t *testing.T) {
	for _, tc := range []struct{ reason, fi, sv, en string }{
		{"event already started", "tapahtuma oli jo alkanut", "evenemanget hade redan börjat", "event already started"},
		{"more than late_grace late", "myöhässä enemmän kuin late_grace sallii", "mer försenad än late_grace tillåter", "more than late_grace late"},
		{"older than max_age", "vanhempi kuin max_age", "äldre än max_age", "older than max_age"},
		{"superseded by reminder:e:1h", "korvautui julkaisulla reminder:e:1h", "ersatt av reminder:e:1h", "superseded by reminder:e:1h"},
		{"gave up after 24h0m0s: x: 503", "luovutettiin 24h0m0s jälkeen: x: 503", "gav upp efter 24h0m0s: x: 503", "gave up after 24h0m0s: x: 503"},
		{
			"missed while lumobot was not running: superseded by reminder:e:1h",
			"jäi väliin, kun lumobot ei ollut käynnissä: korvautui julkaisulla reminder:e:1h",
			"missades medan lumobot inte var igång: ersatt av reminder:e:1h",
			"missed while lumobot was not running: superseded by reminder:e:1h",
		},
		{
			"missed while lumobot was not running: vanha syy",
			"jäi väliin, kun lumobot ei ollut käynnissä: vanha syy",
			"missades medan lumobot inte var igång: vanha syy",
			"missed while lumobot was not running: vanha syy",
		},
		{"event cancelled", "tapahtuma peruttiin", "evenemanget ställdes in", "event cancelled"},
		{
			"no longer planned: its event or announcement was removed or changed",
			"ei enää suunnitelmassa: sen tapahtuma tai tiedote poistettiin tai muuttui",
			"inte längre planerad: dess evenemang eller meddelande togs bort eller ändrades",
			"no longer planned: its event or announcement was removed or changed",
		},
		{
			"refused as duplicate content: an earlier post to this account has the same text; nothing went out (x: 403 duplicate)",
			"hylättiin kaksoiskappaleena: tilillä on jo julkaisu samalla tekstillä; mitään ei julkaistu (x: 403 duplicate)",
			"avvisades som dubblett: ett tidigare inlägg på kontot har samma text; inget publicerades (x: 403 duplicate)",
			"refused as duplicate content: an earlier post to this account has the same text; nothing went out (x: 403 duplicate)",
		},
		// Unknown reasons (a platform's error) are shown as they are.
		{"x: 403 Forbidden", "x: 403 Forbidden", "x: 403 Forbidden", "x: 403 Forbidden"},
		{"gave up after nothing", "gave up after nothing", "gave up after nothing", "gave up after nothing"},
		{"event already started!", "event already started!", "event already started!", "event already started!"},
	} {
		for lang, want := range map[string]string{"fi": tc.fi, "sv": tc.sv, "en": tc.en} {
			_, m := catalog(lang)
			if got := m.reason(tc.reason); got != want {
				t.Errorf("%s: reason(%q) = %q, want %q", lang, tc.reason, got, want)
			}
		}
	}
}

// The page speaks the config's language: headings, dates, durations,
// labels and reasons; /status.json keeps the core's reasons.
func TestStatusPageLanguages(t *testing.T) {
	loc := helsinki(t)
	for _, tc := range []struct {
		lang, htmlLang string
		want           []string
	}{
		{"fi", "fi", []string{
			"<h1>lumobotin tila</h1>", "Virheet (", "Seuraavat julkaisut", "Yritetään uudelleen", "Viimeksi julkaistut", "Syötteet",
			"Syy: tapahtuma oli jo alkanut", "Syy: korvautui julkaisulla reminder:kehittajaryhma-2021-05:1h",
			"ke 5.5.2021 klo 10.20", "(20 min kuluttua)", `<span class="badge skipped">ohitettu</span>`, "Asetustiedostossa on virhe; käytössä on edellinen versio.",
		}},
		{"sv", "sv", []string{
			"<h1>lumobots status</h1>", "Fel (", "Kommande inlägg", "Försöker igen", "Senast publicerade", "Flöden",
			"Orsak: evenemanget hade redan börjat", "Orsak: ersatt av reminder:kehittajaryhma-2021-05:1h",
			"ons 5.5.2021 kl. 10.20", "(om 20 min)", `<span class="badge skipped">överhoppad</span>`, "Inställningsfilen har ett fel; den föregående versionen används.",
		}},
		{"en", "en", []string{
			"<h1>lumobot status</h1>", "Errors (", "Upcoming posts", "Retrying", "Recently posted", "Feeds",
			"Reason: event already started", "Reason: superseded by reminder:kehittajaryhma-2021-05:1h",
			"Wed 5 May 2021 10:20", "(in 20 min)", `<span class="badge skipped">skipped</span>`, "The config file has an error; the previous version is in use.",
		}},
		{"de", "fi", []string{"<h1>lumobotin tila</h1>"}}, // unknown: the project's own Finnish
		{"", "fi", []string{"<h1>lumobotin tila</h1>"}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			snap := troubledSnapshot(loc)
			snap.Language = tc.lang
			body := get(t, statusServer(t, snap), "/").Body.String()
			for _, want := range append(tc.want, `<html lang="`+tc.htmlLang+`">`) {
				if !strings.Contains(body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			v := statusJSONOf(t, snap)
			if got := path(t, v, "targets.1.skipped.1.reason"); got != "event already started" {
				t.Errorf("status.json reason %q, want the core's text", got)
			}
		})
	}
}

// One upcoming list: a post planned for several targets is one card that
// names them, at its earliest due time; a target's other time is shown.
func TestUpcomingOneList(t *testing.T) {
	loc := helsinki(t)
	at := func(hour, min int) time.Time { return time.Date(2021, 5, 5, hour, min, 0, 0, loc) }
	post := func(key, target, text string, due time.Time) bot.Post {
		return bot.Post{Key: key, Kind: bot.KindReminder, Target: target, Text: text, Due: due}
	}
	snap := Snapshot{Now: at(10, 0), Location: loc, Targets: []TargetView{
		{Name: "mastodon", Type: "mastodon", Next: []bot.Post{post("a", "mastodon", "Pitkä teksti", at(11, 0)), post("b", "mastodon", "Bee", at(12, 0))}},
		{Name: "x", Type: "x", Next: []bot.Post{post("a", "x", "Pitkä…", at(11, 30))}},
		{Name: "teams", Type: "webhook", Next: []bot.Post{post("a", "teams", "Pitkä teksti", at(11, 0))}},
		{Name: "bluesky", Type: "bluesky"},
	}}
	p := newPage(snap)
	if len(p.Upcoming) != 2 {
		t.Fatalf("%d upcoming cards, want 2 (a, b): %+v", len(p.Upcoming), p.Upcoming)
	}
	a := p.Upcoming[0]
	if a.Key != "a" || a.Due.Text != "ke 5.5.2021 klo 11.00" {
		t.Errorf("first card %s at %s, want a at 11.00", a.Key, a.Due.Text)
	}
	var got []string
	for _, v := range a.Variants {
		var names []string
		for _, td := range v.Targets {
			n := td.Name
			if td.OtherDue {
				n += "@" + td.Due.Text
			}
			names = append(names, n)
		}
		got = append(got, v.Text+"→"+strings.Join(names, ","))
	}
	want := "Pitkä teksti→mastodon,teams|Pitkä…→x@ke 5.5.2021 klo 11.30"
	if strings.Join(got, "|") != want {
		t.Errorf("variants %q, want %q", strings.Join(got, "|"), want)
	}
	if p.Upcoming[1].Key != "b" {
		t.Errorf("second card %s, want b", p.Upcoming[1].Key)
	}
	if strings.Join(p.NothingFor, ",") != "bluesky" {
		t.Errorf("nothing planned for %q, want bluesky", p.NothingFor)
	}
	body := get(t, statusServer(t, snap), "/").Body.String()
	if n := strings.Count(body, `<p class="key">a</p>`); n != 1 {
		t.Errorf("post a shown %d times, want once", n)
	}
	if !strings.Contains(body, "Ei suunniteltuja julkaisuja kohteisiin: bluesky") {
		t.Error("page does not say bluesky has nothing planned")
	}
	for _, want := range []string{"<li>mastodon</li>", "<li>teams</li>", `<li>x <span class="due"><time datetime="2021-05-05T11:30:00&#43;03:00">ke 5.5.2021 klo 11.30</time> <span class="rel">(1 t 30 min kuluttua)</span></span></li>`} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
}

func TestConfigStatus(t *testing.T) {
	t0 := time.Date(2021, 5, 5, 7, 0, 0, 0, time.UTC)
	c := NewConfigStatus("a.yaml", t0)
	if v := c.View(); v != (ConfigView{File: "a.yaml", LoadedAt: t0}) {
		t.Errorf("start: %+v", v)
	}
	c.Rejected(errors.New("a.yaml:2: bad"), t0.Add(time.Hour))
	c.Rejected(errors.New("a.yaml:3: worse"), t0.Add(2*time.Hour))
	if v := c.View(); v != (ConfigView{File: "a.yaml", LoadedAt: t0, ReloadError: "a.yaml:3: worse", ReloadErrorAt: t0.Add(2 * time.Hour)}) {
		t.Errorf("after two rejections (the running config stays, the last error shows): %+v", v)
	}
	c.Loaded("a.yaml", t0.Add(3*time.Hour))
	if v := c.View(); v != (ConfigView{File: "a.yaml", LoadedAt: t0.Add(3 * time.Hour)}) {
		t.Errorf("a good reload clears the error and sets loaded_at: %+v", v)
	}
	c.NotRunning("b.yaml", errors.New("b.yaml:1: bad"), t0)
	if v := c.View(); v != (ConfigView{File: "b.yaml", ReloadError: "b.yaml:1: bad", ReloadErrorAt: t0, NotRunning: true}) {
		t.Errorf("not running: %+v", v)
	}
	c.Loaded("b.yaml", t0.Add(time.Hour))
	if v := c.View(); v != (ConfigView{File: "b.yaml", LoadedAt: t0.Add(time.Hour)}) {
		t.Errorf("loaded after not running: %+v", v)
	}
}

func TestStatusJSONSnapshotError(t *testing.T) {
	h := New(Options{Now: testClock, Snapshot: func(context.Context) (Snapshot, error) {
		return Snapshot{}, errors.New("open /data/lumobot.db: database is locked")
	}}).Handler()
	rec := get(t, h, "/status.json")
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	if strings.Contains(rec.Body.String(), "locked") || !json.Valid(rec.Body.Bytes()) {
		t.Errorf("error answer %q: want JSON without internals", rec.Body)
	}
}

// A snapshot without a time or zone is shown at the server's clock.
func TestStatusJSONClock(t *testing.T) {
	clock := func() time.Time { return time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC) }
	h := New(Options{Now: clock, Snapshot: func(context.Context) (Snapshot, error) {
		return Snapshot{Location: time.UTC}, nil
	}}).Handler()
	var v map[string]any
	if err := json.Unmarshal(get(t, h, "/status.json").Body.Bytes(), &v); err != nil {
		t.Fatal(err)
	}
	if v["now"] != "2030-01-02T03:04:00Z" {
		t.Errorf("now %v, want the injected clock's 2030-01-02T03:04:00Z", v["now"])
	}
}

// A target with a budget shows its month: spent, planned, budget, in the
// page's language and in /status.json.
func TestStatusMonthSpending(t *testing.T) {
	loc := helsinki(t)
	snap := troubledSnapshot(loc)
	snap.Targets[0].Month = &MonthView{Month: "2021-05", Spent: bot.Micros(0.4), Planned: bot.Micros(1.2), Budget: bot.Micros(10)}
	v := statusJSONOf(t, snap)
	if got := path(t, v, "targets.0.month.spent"); got != 0.4 {
		t.Errorf("month.spent = %v", got)
	}
	if got := path(t, v, "targets.0.month.budget"); got != 10.0 {
		t.Errorf("month.budget = %v", got)
	}
	if m, ok := path(t, v, "targets.1").(map[string]any)["month"]; ok {
		t.Errorf("a target without a budget has month %v", m)
	}
	snap.Language = "fi"
	rec := get(t, statusServer(t, snap), "/")
	if want := "Tässä kuussa (2021-05): käytetty 0.4, suunniteltu lisää 1.2, budjetti 10"; !strings.Contains(rec.Body.String(), want) {
		t.Errorf("the page lacks %q", want)
	}
}
