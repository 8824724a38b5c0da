package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot/server"
	"github.com/lumohanke/lumobot/config"
)

var projT0 = time.Date(2021, 5, 5, 10, 0, 0, 0, time.UTC)

// projectEnv holds each project's secret, as ${ENV} references name them.
var projectEnv = map[string]string{
	"LUMO_TOKEN": "lumo-token-5e3a9c",
	"MUU_TOKEN":  "muu-token-77d1f0",
	"UUSI_TOKEN": "uusi-token-c4b2e8",
}

func lookupProjectEnv(k string) (string, bool) { v, ok := projectEnv[k]; return v, ok }

func projectFile(lang, token, extra string) string {
	return `language: ` + lang + `
hashtags: ["#LUMOhanke"]
announcements:
  - id: seuraa
    text: Seuraa meitä!
    at: 2026-12-01T10:00
targets:
  - name: x
    type: console
  - name: m
    type: mastodon
    server: https://mastodon.example
    access_token: ${` + token + `}
` + extra
}

func writeProject(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

// projectsDir is a directory with lumo and muu, valid, and rikki, broken.
func projectsDir(t *testing.T) string {
	dir := t.TempDir()
	writeProject(t, dir, "lumo.yaml", projectFile("fi", "LUMO_TOKEN", ""))
	writeProject(t, dir, "muu.yaml", projectFile("sv", "MUU_TOKEN", ""))
	writeProject(t, dir, "rikki.yaml", "language: fi\nschedule:\n  poll: joka päivä\n")
	return dir
}

func outcomesOf(os []projectOutcome) string {
	var s []string
	for _, o := range os {
		s = append(s, o.Name+":"+string(o.What))
	}
	return strings.Join(s, " ")
}

func runningNames(s *projectSet) string {
	var n []string
	for _, v := range s.Running() {
		n = append(n, v.name)
	}
	return strings.Join(n, " ")
}

func TestLoadProjectSet(t *testing.T) {
	dir := projectsDir(t)
	s, outs, err := loadProjectSet(projectOptions{Paths: []string{dir}, Env: lookupProjectEnv, Now: projT0})
	if err != nil {
		t.Fatal(err)
	}
	if got := outcomesOf(outs); got != "lumo:started muu:started rikki:refused" {
		t.Errorf("outcomes %s", got)
	}
	if !strings.Contains(outs[2].Err.Error(), filepath.Join(dir, "rikki.yaml")+":3: schedule.poll") {
		t.Errorf("rikki's error %v", outs[2].Err)
	}
	if runningNames(s) != "lumo muu" || s.Single() {
		t.Errorf("running %q, single %v", runningNames(s), s.Single())
	}
	if st := s.Shared().State; st != filepath.Join(dir, "data", "lumobot.db") {
		t.Errorf("shared state %q", st)
	}
	lumo := s.Running()[0]
	if lumo.core.Language != "fi" || s.Running()[1].core.Language != "sv" {
		t.Error("each project compiled with its own language")
	}
	if s.storeName(lumo) != "lumo" || s.metricName(lumo) != "lumo" {
		t.Errorf("names in the state %q and the metrics %q", s.storeName(lumo), s.metricName(lumo))
	}
	if v := s.ConfigStatus("rikki").View(); !v.NotRunning || !strings.Contains(v.ReloadError, "schedule.poll") {
		t.Errorf("rikki's status %+v", v)
	}
	// Every project's secrets are redacted, whichever project logs.
	text := "lumo " + projectEnv["LUMO_TOKEN"] + " muu " + projectEnv["MUU_TOKEN"]
	if got := s.Redact(text); strings.Contains(got, "token") {
		t.Errorf("Redact = %q", got)
	}
}

func TestLoadProjectSetSingleFile(t *testing.T) {
	dir := t.TempDir()
	// A name no project could have: one file is no project directory.
	writeProject(t, dir, "Lumo Botti.yaml", projectFile("fi", "LUMO_TOKEN", "state: oma.db\n"))
	s, outs, err := loadProjectSet(projectOptions{Paths: []string{filepath.Join(dir, "Lumo Botti.yaml")}, Env: lookupProjectEnv, Now: projT0})
	if err != nil {
		t.Fatal(err)
	}
	v := s.Running()[0]
	if !s.Single() || outcomesOf(outs) != "Lumo Botti:started" || s.storeName(v) != "" || s.metricName(v) != server.DefaultProject {
		t.Errorf("single: %v %s store %q metrics %q", s.Single(), outcomesOf(outs), s.storeName(v), s.metricName(v))
	}
	if s.Shared().State != filepath.Join(dir, "oma.db") {
		t.Errorf("state %q", s.Shared().State)
	}
	// Broken, it is the error, as before projects (exit 2).
	writeProject(t, dir, "lumobot.yaml", "nope: 1\n")
	_, _, err = loadProjectSet(projectOptions{Paths: []string{filepath.Join(dir, "lumobot.yaml")}, Env: lookupProjectEnv, Now: projT0})
	if !config.IsConfigError(err) {
		t.Errorf("broken single file: %v", err)
	}
	// A template that does not compile too.
	writeProject(t, dir, "lumobot.yaml", "templates:\n  news: \"{{.Titel}}\"\n")
	if _, _, err = loadProjectSet(projectOptions{Paths: []string{filepath.Join(dir, "lumobot.yaml")}, Env: lookupProjectEnv, Now: projT0}); !config.IsConfigError(err) {
		t.Errorf("single file with a broken template: %v", err)
	}
}

func TestLoadProjectSetRefused(t *testing.T) {
	for name, files := range map[string]map[string]string{
		"every file broken": {"a.yaml": "nope: 1\n", "b.yaml": "language: xx\n"},
		"every template broken": {
			"a.yaml": "templates:\n  news: \"{{.Titel}}\"\n", "b.yaml": "templates:\n  reminder: \"{{\"\n",
		},
		"the state disputed": {"a.yaml": "state: /data/a.db\n", "b.yaml": "state: /data/b.db\n"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for f, body := range files {
				writeProject(t, dir, f, body)
			}
			_, _, err := loadProjectSet(projectOptions{Paths: []string{dir}, Env: lookupProjectEnv, Now: projT0})
			if !config.IsConfigError(err) {
				t.Fatalf("err = %v, want a config error (exit 2)", err)
			}
			if !strings.Contains(err.Error(), filepath.Join(dir, "a.yaml")) || !strings.Contains(err.Error(), filepath.Join(dir, "b.yaml")) {
				t.Errorf("the error does not name both files:\n%v", err)
			}
		})
	}
	if _, _, err := loadProjectSet(projectOptions{Paths: []string{filepath.Join(t.TempDir(), "nope")}, Env: lookupProjectEnv, Now: projT0}); err == nil {
		t.Error("a missing directory: no error")
	}
}

// fakeDaemon is what reload's callbacks do in the daemon: it records the
// projects started and stopped, and can fail a start.
type fakeDaemon struct {
	calls   []string
	failFor string
}

func (d *fakeDaemon) start(v *projectVersion) error {
	if v.name == d.failFor {
		d.calls = append(d.calls, "start-failed "+v.name)
		return errors.New("console output /nope/out.txt: no such file or directory")
	}
	d.calls = append(d.calls, "start "+v.name)
	return nil
}

func (d *fakeDaemon) stop(name string) { d.calls = append(d.calls, "stop "+name) }

// Reloads, one after another, on a directory of projects: each project is
// acted on alone, and a broken one keeps its running version.
func TestProjectSetReload(t *testing.T) {
	dir := projectsDir(t)
	s, _, err := loadProjectSet(projectOptions{Paths: []string{dir}, Env: lookupProjectEnv, Now: projT0})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	g := &globals{logFormat: "text", logLevel: "debug"}
	log, err := g.liveLogger(Env{Stderr: &logs}, s.redact)
	if err != nil {
		t.Fatal(err)
	}
	lumoPrint := s.Running()[0].print
	at := projT0
	step := func(name string, edit func(), wantOutcomes, wantCalls, wantRunning string) {
		t.Helper()
		at = at.Add(time.Minute)
		logs.Reset()
		edit()
		d := &fakeDaemon{}
		if name == "start fails" {
			d.failFor = "muu"
		}
		outs, err := s.reload(log, at, d.start, d.stop)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := outcomesOf(outs); got != wantOutcomes {
			t.Errorf("%s: outcomes %s\nwant %s", name, got, wantOutcomes)
		}
		if got := strings.Join(d.calls, ", "); got != wantCalls {
			t.Errorf("%s: calls %q, want %q", name, got, wantCalls)
		}
		if got := runningNames(s); got != wantRunning {
			t.Errorf("%s: running %q, want %q", name, got, wantRunning)
		}
		for _, secret := range projectEnv {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("%s: a secret in the log:\n%s", name, logs.String())
			}
		}
	}
	nothing := func() {}

	step("nothing changed", nothing, "lumo:unchanged muu:unchanged rikki:refused", "", "lumo muu")
	step("muu edited", func() {
		writeProject(t, dir, "muu.yaml", projectFile("sv", "MUU_TOKEN", "paused: true\n"))
	}, "lumo:unchanged muu:started rikki:refused", "start muu", "lumo muu")
	if !s.Running()[1].core.Paused {
		t.Error("muu's new version does not run")
	}

	step("lumo broken", func() {
		writeProject(t, dir, "lumo.yaml", projectFile("fi", "LUMO_TOKEN", "schedule:\n  min_gap: kymmenen\n"))
	}, "lumo:refused muu:unchanged rikki:refused", "", "lumo muu")
	if s.Running()[0].print != lumoPrint {
		t.Error("lumo's running version changed although its file was refused")
	}
	if v := s.ConfigStatus("lumo").View(); v.NotRunning || !strings.Contains(v.ReloadError, "min_gap") || !v.LoadedAt.Equal(projT0) {
		t.Errorf("lumo's status %+v: want the refusal shown, the old version loaded at start", v)
	}
	if !strings.Contains(logs.String(), `msg="project's config refused; its running version stays" project=lumo`) {
		t.Errorf("the refusal is not logged:\n%s", logs.String())
	}

	step("lumo fixed back", func() {
		writeProject(t, dir, "lumo.yaml", projectFile("fi", "LUMO_TOKEN", ""))
	}, "lumo:unchanged muu:unchanged rikki:refused", "", "lumo muu")
	if v := s.ConfigStatus("lumo").View(); v.ReloadError != "" || !v.LoadedAt.Equal(projT0) {
		t.Errorf("lumo's status after the fix %+v", v)
	}

	step("a new project with a new secret", func() {
		writeProject(t, dir, "uusi.yaml", projectFile("en", "UUSI_TOKEN", ""))
	}, "lumo:unchanged muu:unchanged rikki:refused uusi:started", "start uusi", "lumo muu uusi")
	if got := s.Redact("oops " + projectEnv["UUSI_TOKEN"]); strings.Contains(got, projectEnv["UUSI_TOKEN"]) {
		t.Errorf("the new project's secret is not redacted: %q", got)
	}
	log.Error("request failed", "error", errors.New("401 for "+projectEnv["UUSI_TOKEN"]))
	if strings.Contains(logs.String(), projectEnv["UUSI_TOKEN"]) {
		t.Error("the logger does not redact a secret a reload brought")
	}

	step("start fails", func() {
		writeProject(t, dir, "muu.yaml", projectFile("sv", "MUU_TOKEN", ""))
	}, "lumo:unchanged muu:refused rikki:refused uusi:unchanged", "start-failed muu", "lumo muu uusi")
	if !s.Running()[1].core.Paused {
		t.Error("muu's running version was replaced although the new one failed to start")
	}

	step("state moved", func() {
		writeProject(t, dir, "uusi.yaml", projectFile("en", "UUSI_TOKEN", "state: /elsewhere.db\n"))
	}, "lumo:unchanged muu:started rikki:refused uusi:refused", "start muu", "lumo muu uusi") // muu starts now
	if v := s.ConfigStatus("uusi").View(); !strings.Contains(v.ReloadError, "needs a restart") {
		t.Errorf("uusi's status %+v", v)
	}

	step("broken template", func() {
		writeProject(t, dir, "uusi.yaml", projectFile("en", "UUSI_TOKEN", "templates:\n  news: \"{{.Titel}}\"\n"))
	}, "lumo:unchanged muu:unchanged rikki:refused uusi:refused", "", "lumo muu uusi")

	step("rikki fixed, muu removed", func() {
		writeProject(t, dir, "rikki.yaml", "language: fi\n")
		os.Remove(filepath.Join(dir, "muu.yaml"))
	}, "lumo:unchanged muu:removed rikki:started uusi:refused", "start rikki, stop muu", "lumo rikki uusi")
	if v := s.ConfigStatus("rikki").View(); v.NotRunning || v.ReloadError != "" {
		t.Errorf("rikki's status %+v", v)
	}
	if s.ConfigStatus("muu") != nil {
		t.Error("muu is still listed")
	}

	// The directory itself cannot be read: nothing changes.
	os.Rename(dir, dir+".pois")
	d := &fakeDaemon{}
	if _, err := s.reload(log, at, d.start, d.stop); err == nil {
		t.Error("reload of a missing directory: no error")
	}
	if len(d.calls) > 0 || runningNames(s) != "lumo rikki uusi" {
		t.Errorf("a failed reload changed something: %v, %s", d.calls, runningNames(s))
	}
}

// With one config file a reload is what it was: the one project is
// replaced or, broken, keeps running.
func TestProjectSetReloadSingleFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "lumobot.yaml")
	writeProject(t, dir, "lumobot.yaml", projectFile("fi", "LUMO_TOKEN", ""))
	s, _, err := loadProjectSet(projectOptions{Paths: []string{file}, Env: lookupProjectEnv, Now: projT0})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	d := &fakeDaemon{}
	writeProject(t, dir, "lumobot.yaml", "nope: 1\n")
	if outs, _ := s.reload(log, projT0, d.start, d.stop); outcomesOf(outs) != "lumobot:refused" || len(d.calls) > 0 {
		t.Errorf("broken: %s %v", outcomesOf(outs), d.calls)
	}
	os.Remove(file)
	if outs, _ := s.reload(log, projT0, d.start, d.stop); outcomesOf(outs) != "lumobot:refused" || len(d.calls) > 0 || runningNames(s) != "lumobot" {
		t.Errorf("missing: %s %v, running %q", outcomesOf(outs), d.calls, runningNames(s))
	}
	writeProject(t, dir, "lumobot.yaml", projectFile("fi", "LUMO_TOKEN", "paused: true\n"))
	if outs, _ := s.reload(log, projT0, d.start, d.stop); outcomesOf(outs) != "lumobot:started" || strings.Join(d.calls, ",") != "start lumobot" {
		t.Errorf("fixed: %s %v", outcomesOf(outs), d.calls)
	}
}

func TestProjectSetSnapshot(t *testing.T) {
	dir := projectsDir(t)
	s, _, err := loadProjectSet(projectOptions{Paths: []string{dir}, Env: lookupProjectEnv, Now: projT0})
	if err != nil {
		t.Fatal(err)
	}
	one := func(_ context.Context, v *projectVersion, cs *server.ConfigStatus) (server.Snapshot, error) {
		return server.Snapshot{Language: v.cfg.Language, Location: v.cfg.Location, Config: cs.View()}, nil
	}
	snap, err := s.Snapshot(context.Background(), projT0, one)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range snap.Projects {
		got = append(got, p.Project+"/"+p.Language)
	}
	if strings.Join(got, " ") != "lumo/fi muu/sv rikki/" || !snap.Now.Equal(projT0) || snap.Location.String() != "Europe/Helsinki" {
		t.Errorf("projects %q, now %v, zone %v", got, snap.Now, snap.Location)
	}
	if r := snap.Projects[2]; !r.Config.NotRunning || r.Config.File != filepath.Join(dir, "rikki.yaml") {
		t.Errorf("rikki %+v", r.Config)
	}
	// A failing project's snapshot fails the page (logged by the server).
	if _, err := s.Snapshot(context.Background(), projT0, func(context.Context, *projectVersion, *server.ConfigStatus) (server.Snapshot, error) {
		return server.Snapshot{}, errors.New("database is locked")
	}); err == nil || !strings.Contains(err.Error(), "project lumo") {
		t.Errorf("err = %v", err)
	}

	// One config file: that project's snapshot, as before projects.
	file := filepath.Join(dir, "lumo.yaml")
	single, _, err := loadProjectSet(projectOptions{Paths: []string{file}, Env: lookupProjectEnv, Now: projT0})
	if err != nil {
		t.Fatal(err)
	}
	snap, err = single.Snapshot(context.Background(), projT0, one)
	if err != nil || snap.Projects != nil || snap.Project != "" || snap.Language != "fi" {
		t.Errorf("single snapshot %+v, %v", snap, err)
	}
}

func TestWatchMatch(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "projects")
	os.Mkdir(dir, 0o700)
	file := filepath.Join(base, "lumobot.yaml")
	dirs, match := watchMatch([]string{dir, file}, false)
	if !slices.Equal(dirs, []string{dir, base}) {
		t.Errorf("dirs %q", dirs)
	}
	for event, want := range map[string]bool{
		filepath.Join(dir, "lumo.yaml"):      true,
		filepath.Join(dir, "muu.JSON"):       true,
		filepath.Join(dir, "..data"):         true,
		filepath.Join(dir, ".lumo.yaml.swp"): false,
		filepath.Join(dir, "events.ics"):     false,
		filepath.Join(dir, "lumo.yaml~"):     false,
		filepath.Join(base, "lumobot.yaml"):  true,
		filepath.Join(base, "other.yaml"):    false,
		filepath.Join(base, "..data"):        true,
	} {
		if match(event) != want {
			t.Errorf("match(%s) = %v", event, !want)
		}
	}
	dirs, match = watchMatch([]string{file}, true)
	if !slices.Equal(dirs, []string{base}) || !match(file) || match(filepath.Join(base, "x.yaml")) {
		t.Errorf("single file: dirs %q", dirs)
	}
}

// The live redactor hides a secret added after the logger was made, in
// every form (internal/redact), and forgets none.
func TestLiveRedactor(t *testing.T) {
	r := newLiveRedactor()
	var logs bytes.Buffer
	g := &globals{logFormat: "json", logLevel: "info"}
	log, err := g.liveLogger(Env{Stderr: &logs}, r)
	if err != nil {
		t.Fatal(err)
	}
	log.Info("before", "url", "https://hooks.example/salainen/polku-1")
	r.Add("salainen/polku-1")
	r.Add("salainen/polku-1", "")
	log.Info("after", "url", "https://hooks.example/salainen/polku-1", "error", errors.New("POST https://hooks.example/?u=salainen%2Fpolku-1: 500"))
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if !strings.Contains(lines[0], "salainen/polku-1") {
		t.Error("redacted before the secret was known (the test would prove nothing)")
	}
	if strings.Contains(lines[1], "salainen") || !strings.Contains(lines[1], "[redacted]") {
		t.Errorf("after Add: %s", lines[1])
	}
	if _, err := (&globals{logFormat: "xml", logLevel: "info"}).liveLogger(Env{Stderr: &logs}, r); err == nil {
		t.Error("--log-format xml: no error")
	}
}

// A state of one config file moved into a directory: that project keeps
// its unprefixed names, the others are named; a wrong name is exit 2.
func TestProjectSetUnnamed(t *testing.T) {
	dir := projectsDir(t)
	s, _, err := loadProjectSet(projectOptions{Paths: []string{dir}, Env: lookupProjectEnv, Now: projT0, Unnamed: "lumo"})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range s.Running() {
		want := map[string]string{"lumo": "", "muu": "muu"}[v.name]
		if s.storeName(v) != want || s.metricName(v) != v.name {
			t.Errorf("%s: in the state %q (want %q), in the metrics %q", v.name, s.storeName(v), want, s.metricName(v))
		}
	}
	var ue usageError
	if _, _, err := loadProjectSet(projectOptions{Paths: []string{dir}, Env: lookupProjectEnv, Now: projT0, Unnamed: "lumobot"}); !errors.As(err, &ue) {
		t.Errorf("an unnamed project that is none of them: %v", err)
	}
	if _, _, err := loadProjectSet(projectOptions{Paths: []string{filepath.Join(dir, "lumo.yaml")}, Env: lookupProjectEnv, Now: projT0, Unnamed: "lumo"}); !errors.As(err, &ue) {
		t.Errorf("an unnamed project with one config file: %v", err)
	}
}
