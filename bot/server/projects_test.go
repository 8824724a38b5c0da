package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lumohanke/lumobot/bot"
)

// projectsSnapshot is a process with three projects: lumo (Finnish, the
// calm snapshot), muu (Swedish, in Stockholm's zone, in trouble) and
// rikki, whose file was refused from the start. Both running projects
// have a target x and a post with the key announcement:sytyketta:….
func projectsSnapshot(t *testing.T) Snapshot {
	loc := helsinki(t)
	sthlm, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatal(err)
	}
	lumo := realisticSnapshot(loc)
	lumo.Project, lumo.Language = "lumo", "fi"
	lumo.Config = ConfigView{File: "/etc/lumobot/projects/lumo.yaml", LoadedAt: lumo.Now.Add(-time.Hour)}
	// Its times are Helsinki's instants, shown in Stockholm's zone.
	muu := troubledSnapshot(loc)
	muu.Project, muu.Language, muu.Location = "muu", "sv", sthlm
	muu.Config.File = "/etc/lumobot/projects/muu.yaml"
	muu.Now = time.Time{} // the process's
	rikki := Snapshot{Project: "rikki", Config: ConfigView{
		File:        "/etc/lumobot/projects/rikki.yaml",
		ReloadError: "/etc/lumobot/projects/rikki.yaml:3: schedule.poll: \"joka päivä\" is no cron expression",
		NotRunning:  true, ReloadErrorAt: lumo.Now,
	}}
	return Snapshot{Now: lumo.Now, Location: loc, Projects: []Snapshot{lumo, muu, rikki}}
}

func TestProjectsPage(t *testing.T) {
	h := statusServer(t, projectsSnapshot(t))
	rec := get(t, h, "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<html lang="fi">`, // two of three are Finnish (rikki's unknown language is)
		`<h1>lumobotin tila</h1>`,
		`<h2 id="projektit-otsikko">Projektit (3)</h2>`,
		// lumo: Finnish, its next post and the last sent one.
		`<li class="card project error" lang="fi" id="projekti-lumo">`,
		`<h3><a href="projects/lumo/">lumo</a></h3>`,
		`<dt>Seuraava julkaisu</dt><dd class="next"><time datetime="2021-05-05T09:45:00&#43;03:00">ke 5.5.2021 klo 9.45</time>`,
		`<dt>Viimeksi julkaistu</dt><dd class="last"><time datetime="2021-05-05T09:15:00&#43;03:00">`,
		`<dt>Kohteet</dt><dd class="targets-list">mastodon, x, teams</dd>`,
		`<span class="reason">tapahtumat</span>`, // the failing feed
		// muu: Swedish, in Stockholm's time, with its banners.
		`<li class="card project error" lang="sv" id="projekti-muu">`,
		`<p class="muted">tidszon Europe/Stockholm</p>`,
		`<strong>Inställningsfilen har ett fel; den föregående versionen används.</strong>`,
		`<strong>Pausad: inget publiceras förrän inställningarna säger paused: false.</strong>`,
		`<dt>Försöker igen</dt><dd class="retrying">1</dd>`,
		`<dt>Nästa inlägg</dt>`,
		// rikki: not running, with why.
		`<li class="card project error" lang="fi" id="projekti-rikki">`,
		`<p class="reason not-running" role="alert"><strong>Projekti ei ole käynnissä: sen asetustiedostossa on virhe.</strong> /etc/lumobot/projects/rikki.yaml:3: schedule.poll:`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// Each card in its own language only.
	muu := between(t, body, `id="projekti-muu"`, `</li>`)
	for _, fi := range []string{"Seuraava julkaisu", "Virheet", "Kohteet"} {
		if strings.Contains(muu, fi) {
			t.Errorf("muu's Swedish card says %q", fi)
		}
	}
	if strings.Contains(body, "<script") {
		t.Error("a post's <script> reached the page")
	}
}

// between is the part of s from the first from to the next to.
func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	if i < 0 {
		t.Fatalf("no %s", from)
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		t.Fatalf("no %s after %s", to, from)
	}
	return s[i : i+j]
}

// A project's own page is the page of a single project, in its language
// and zone, with its name and a link back to the list.
func TestProjectPage(t *testing.T) {
	h := statusServer(t, projectsSnapshot(t))
	muu := get(t, h, "/projects/muu/")
	if muu.Code != http.StatusOK {
		t.Fatalf("status %d", muu.Code)
	}
	body := muu.Body.String()
	for _, want := range []string{
		`<html lang="sv">`, `<title>muu – lumobots status</title>`, `<h1>lumobots status: muu</h1>`,
		`<p class="muted home"><a href="../../">← Alla projekt</a></p>`,
		`tidszon Europe/Stockholm`, `Försöker igen`, `Kommande inlägg`,
		`ons 5.5.2021 kl. 9.20</time> <span class="rel">(om 20 min)`, // in its zone, from the process's clock (9.00 in Stockholm)
		`id="reload-error"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("muu's page lacks %s", want)
		}
	}
	lumo := get(t, h, "/projects/lumo/").Body.String()
	single := get(t, statusServer(t, realisticSnapshot(helsinki(t))), "/").Body.String()
	// Apart from its name, lumo's page is the page it had alone.
	lumo = strings.Replace(lumo, "<title>lumo – lumobotin tila</title>", "<title>lumobotin tila</title>", 1)
	lumo = strings.Replace(lumo, "<h1>lumobotin tila: lumo</h1>\n<p class=\"muted home\"><a href=\"../../\">← Kaikki projektit</a></p>", "<h1>lumobotin tila</h1>", 1)
	i := strings.Index(lumo, `<p class="muted config">`)
	j := strings.Index(lumo[i:], "</p>\n")
	lumo = lumo[:i] + lumo[i+j+len("</p>\n"):]
	if lumo != single {
		t.Errorf("lumo's page differs from its page alone:\n%s", lumo)
	}
	rikki := get(t, h, "/projects/rikki/").Body.String()
	if !strings.Contains(rikki, `id="not-running"`) || strings.Contains(rikki, `id="reload-error"`) {
		t.Errorf("rikki's page does not say it is not running:\n%s", rikki)
	}
	for _, path := range []string{"/projects/nope/", "/projects/nope/status.json", "/projects/", "/projects/lumo/x"} {
		if rec := get(t, h, path); rec.Code != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, rec.Code)
		}
	}
	if rec := get(t, h, "/projects/lumo"); rec.Code != http.StatusTemporaryRedirect || rec.Header().Get("Location") != "/projects/lumo/" {
		t.Errorf("/projects/lumo: status %d to %q, want a redirect to /projects/lumo/", rec.Code, rec.Header().Get("Location"))
	}
	if rec := get(t, h, "/projects/nope/"); !strings.Contains(rec.Body.String(), "Projektia ei löydy") {
		t.Errorf("unknown project: %s", rec.Body)
	}
	// One project: no project pages.
	if rec := get(t, statusServer(t, realisticSnapshot(helsinki(t))), "/projects/lumo/"); rec.Code != http.StatusNotFound {
		t.Errorf("single project: /projects/lumo/ status %d", rec.Code)
	}
}

func TestProjectsJSON(t *testing.T) {
	snap := projectsSnapshot(t)
	v := statusJSONOf(t, snap)
	for p, want := range map[string]any{
		"now":                                 "2021-05-05T10:00:00+03:00",
		"projects.0.name":                     "lumo",
		"projects.0.language":                 "fi",
		"projects.0.running":                  true,
		"projects.0.targets.1.name":           "x",
		"projects.0.targets.1.failed.0.key":   "news:uutiset:koulutus",
		"projects.1.name":                     "muu",
		"projects.1.language":                 "sv",
		"projects.1.now":                      "2021-05-05T09:00:00+02:00", // its zone
		"projects.1.paused":                   true,
		"projects.1.targets.1.retrying.0.key": "news:uutiset:koulutus-2",
		"projects.2.name":                     "rikki",
		"projects.2.running":                  false,
		"projects.2.config.reload_error":      `/etc/lumobot/projects/rikki.yaml:3: schedule.poll: "joka päivä" is no cron expression`,
	} {
		if got := path(t, v, p); !equalJSON(got, want) {
			t.Errorf("%s = %v, want %v", p, got, want)
		}
	}
	golden(t, "status-projects.golden.json", get(t, statusServer(t, snap), "/status.json").Body.Bytes())

	one := statusJSONOf2(t, statusServer(t, snap), "/projects/muu/status.json")
	if path(t, one, "name") != "muu" || path(t, one, "targets.1.name") != "x" {
		t.Errorf("projects/muu/status.json: %v", one)
	}
	// One project: /status.json as it was, no projects key.
	if _, ok := statusJSONOf(t, realisticSnapshot(helsinki(t)))["projects"]; ok {
		t.Error("a single project's /status.json lists projects")
	}
}

func TestProjectsHTMLGolden(t *testing.T) {
	golden(t, "status-projects.golden.html", get(t, statusServer(t, projectsSnapshot(t)), "/").Body.Bytes())
}

func TestMajorityLanguage(t *testing.T) {
	snaps := func(langs ...string) []Snapshot {
		var out []Snapshot
		for _, l := range langs {
			out = append(out, Snapshot{Language: l})
		}
		return out
	}
	for _, tc := range []struct {
		langs []string
		want  string
	}{
		{[]string{"sv"}, "sv"}, {[]string{"en", "sv", "sv"}, "sv"}, {[]string{"en", "sv"}, "sv"},
		{[]string{"en", "fi"}, "fi"}, {[]string{"de", "en"}, "fi"}, {[]string{"en", "en", "fi"}, "en"},
	} {
		if got := majorityLanguage(snaps(tc.langs...)); got != tc.want {
			t.Errorf("majorityLanguage(%v) = %s, want %s", tc.langs, got, tc.want)
		}
	}
}

func TestShorten(t *testing.T) {
	long := strings.Repeat("sana ", 40)
	if got := shorten(long, 20); got != "sana sana sana sana…" {
		t.Errorf("shorten = %q", got)
	}
	if got := shorten("lyhyt", 20); got != "lyhyt" {
		t.Errorf("shorten = %q", got)
	}
	if got := shorten(strings.Repeat("ä", 30), 10); got != strings.Repeat("ä", 10)+"…" {
		t.Errorf("shorten of one long word = %q", got)
	}
}

func statusJSONOf2(t *testing.T, h http.Handler, p string) map[string]any {
	t.Helper()
	rec := get(t, h, p)
	if rec.Code != http.StatusOK {
		t.Fatalf("%s: status %d", p, rec.Code)
	}
	var v map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
		t.Fatalf("%s is no JSON: %v", p, err)
	}
	return v
}

// Two projects on one registry: every series carries its project; a
// project's targets in the shared outbox are told apart by their prefix.
func TestMetricsProjects(t *testing.T) {
	reg := prometheus.NewRegistry()
	depth := func(context.Context) (map[string]map[bot.Status]int, error) {
		return map[string]map[bot.Status]int{
			"lumo/x": {bot.StatusSent: 3},
			"muu/x":  {bot.StatusPending: 1},
		}, nil
	}
	split := func(stored string) (string, string) {
		if p, n, ok := strings.Cut(stored, "/"); ok {
			return p, n
		}
		return "", stored
	}
	now := time.Date(2021, 5, 5, 10, 0, 0, 0, time.UTC)
	set := NewMetricSet(reg, depth, split, func() time.Time { return now })
	lumo, muu := set.Project("lumo"), set.Project("muu")
	lumo.Finished("x", bot.KindNews, bot.StatusSent)
	muu.Finished("x", bot.KindNews, bot.StatusFailed)
	lumo.Polled("uutiset", false, nil, now)
	muu.Reloaded(false)
	muu.Paused(true)
	lumo.NextDue(now.Add(time.Hour))
	muu.NextDue(now.Add(2 * time.Hour))
	want := `
# HELP lumobot_config_last_reload_successful 1 if the project's last config reload succeeded (or none was tried), 0 if it failed.
# TYPE lumobot_config_last_reload_successful gauge
lumobot_config_last_reload_successful{project="lumo"} 1
lumobot_config_last_reload_successful{project="muu"} 0
# HELP lumobot_next_due_seconds Seconds until the project's next planned post falls due, negative when it is overdue (waiting for quiet hours, a limit or a retry); absent when none is planned.
# TYPE lumobot_next_due_seconds gauge
lumobot_next_due_seconds{project="lumo"} 3600
lumobot_next_due_seconds{project="muu"} 7200
# HELP lumobot_outbox_deliveries Deliveries in the outbox by project, target and status.
# TYPE lumobot_outbox_deliveries gauge
lumobot_outbox_deliveries{project="lumo",status="failed",target="x"} 0
lumobot_outbox_deliveries{project="lumo",status="pending",target="x"} 0
lumobot_outbox_deliveries{project="lumo",status="sending",target="x"} 0
lumobot_outbox_deliveries{project="lumo",status="sent",target="x"} 3
lumobot_outbox_deliveries{project="lumo",status="skipped",target="x"} 0
lumobot_outbox_deliveries{project="muu",status="failed",target="x"} 0
lumobot_outbox_deliveries{project="muu",status="pending",target="x"} 1
lumobot_outbox_deliveries{project="muu",status="sending",target="x"} 0
lumobot_outbox_deliveries{project="muu",status="sent",target="x"} 0
lumobot_outbox_deliveries{project="muu",status="skipped",target="x"} 0
# HELP lumobot_paused 1 while the project's config says paused: every post on every target is held.
# TYPE lumobot_paused gauge
lumobot_paused{project="lumo"} 0
lumobot_paused{project="muu"} 1
# HELP lumobot_posts_total Deliveries that ended, by project, target, kind and outcome (sent, failed, skipped).
# TYPE lumobot_posts_total counter
lumobot_posts_total{kind="news",outcome="failed",project="muu",target="x"} 1
lumobot_posts_total{kind="news",outcome="sent",project="lumo",target="x"} 1
`
	names := []string{"lumobot_config_last_reload_successful", "lumobot_next_due_seconds", "lumobot_outbox_deliveries", "lumobot_paused", "lumobot_posts_total"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
	if problems, err := testutil.GatherAndLint(reg); err != nil || len(problems) > 0 {
		t.Errorf("lint: %v %v", problems, err)
	}

	// muu's file is removed: none of its own series remain (the outbox's
	// are the state's, read at each scrape).
	set.Forget("muu")
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() == "lumobot_outbox_deliveries" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "project" && l.GetValue() == "muu" {
					t.Errorf("%s still has a series of muu", mf.GetName())
				}
			}
		}
	}
	if n, err := testutil.GatherAndCount(reg, "lumobot_paused"); err != nil || n != 1 {
		t.Errorf("%d lumobot_paused series after muu was forgotten, want lumo's", n)
	}
}
