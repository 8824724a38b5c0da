package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// twoProjects writes a directory of two projects with the same target name
// and the same announcement id, each posting to its own file, and a third,
// broken project file.
func twoProjects(t *testing.T, state string) (dir, projects string) {
	t.Helper()
	dir = t.TempDir()
	projects = filepath.Join(dir, "projects")
	os.Mkdir(projects, 0o755)
	file := func(tag, out string) string { return projectYAML(dir, tag, out, state, "") }
	os.WriteFile(filepath.Join(projects, "lumo.yaml"), []byte(file("#LUMOhanke", "lumo.jsonl")), 0o600)
	os.WriteFile(filepath.Join(projects, "muu.yaml"), []byte(file("#MuuHanke", "muu.jsonl")), 0o600)
	os.WriteFile(filepath.Join(projects, "rikki.yaml"), []byte("schedule:\n  pol: '* * * * *'\n"), 0o600)
	return dir, projects
}

// projectYAML is a project posting its announcement, due a minute ago, to
// a console target writing out in dir; extra is more YAML at the end.
func projectYAML(dir, tag, out, state, extra string) string {
	at := time.Now().Add(-time.Minute).Format(time.RFC3339)
	s := fmt.Sprintf(`
timezone: Europe/Helsinki
hashtags: ["%s"]
targets:
  - name: konsoli
    type: console
    output: %s
    format: jsonl
announcements:
  - id: tervetuloa
    text: "Tervetuloa mukaan!"
    at: %s
`, tag, filepath.Join(dir, out), at)
	if state != "" {
		s += "state: " + state + "\n"
	}
	return s + extra
}

func lines(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("read %s: %v", file, err)
	}
	return strings.Split(strings.TrimSpace(string(b)), "\n")
}

func testTwoProjectsOnce(t *testing.T, state string) {
	dir, projects := twoProjects(t, state)
	for run := range 2 {
		_, stderr, code := lumobot(t, dir, "run", "--once", "--config", projects)
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s", run, code, stderr)
		}
		if !strings.Contains(stderr, "project refused") || !strings.Contains(stderr, "rikki.yaml:2") || !strings.Contains(stderr, "schedule.pol") {
			t.Errorf("run %d: the broken project is not logged with its file and line:\n%s", run, stderr)
		}
	}
	// Each project's preview reads its own deliveries: sent, the
	// announcement is not planned again; a new project (no state) would.
	for _, name := range []string{"lumo", "muu"} {
		stdout, stderr, code := lumobot(t, dir, "preview", "--config", projects, "--project", name, "--format", "json")
		if code != 0 || strings.Contains(stdout, "Tervetuloa") {
			t.Errorf("preview --project %s after the run: exit %d, stdout %q stderr %q", name, code, stdout, stderr)
		}
	}
	// Twice run, each project's announcement went out once, to its own
	// file, with its own hashtag: the same target name and id in two
	// projects are two deliveries.
	for _, tc := range []struct{ out, tag, other string }{
		{"lumo.jsonl", "#LUMOhanke", "#MuuHanke"},
		{"muu.jsonl", "#MuuHanke", "#LUMOhanke"},
	} {
		got := lines(t, filepath.Join(dir, tc.out))
		if len(got) != 1 || !strings.Contains(got[0], "Tervetuloa mukaan!") || !strings.Contains(got[0], tc.tag) || strings.Contains(got[0], tc.other) {
			t.Errorf("%s: want one post with %s, got %q", tc.out, tc.tag, got)
		}
	}
}

func TestTwoProjectsOnceSQLite(t *testing.T) { testTwoProjectsOnce(t, "") }

func TestTwoProjectsOncePostgres(t *testing.T) { testTwoProjectsOnce(t, repDatabase(t)) }

func TestProjectsNoneRuns(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "rikki.yaml"), []byte("schedule:\n  pol: '* * * * *'\n"), 0o600)
	_, stderr, code := lumobot(t, dir, "run", "--once", "--config", dir)
	if code != 2 || !strings.Contains(stderr, "no project can run") {
		t.Errorf("exit %d, want 2 and why:\n%s", code, stderr)
	}
}

// A project whose target lacks its credential does not run; the other does.
func TestProjectsOnceMissingCredential(t *testing.T) {
	dir, projects := twoProjects(t, "")
	os.WriteFile(filepath.Join(projects, "rikki.yaml"), []byte(`
hashtags: ["#X"]
targets:
  - name: x
    type: mastodon
    server: https://mastodon.example
announcements:
  - {id: tervetuloa, text: "Tervetuloa!", at: 2030-01-01T10:00}
`), 0o600)
	_, stderr, code := lumobot(t, dir, "run", "--once", "--config", projects)
	if code != 0 || !strings.Contains(stderr, "project refused") || !strings.Contains(stderr, "project=rikki") || !strings.Contains(stderr, "access_token") {
		t.Errorf("exit %d, want 0 with rikki refused:\n%s", code, stderr)
	}
	if got := lines(t, filepath.Join(dir, "muu.jsonl")); len(got) != 1 {
		t.Errorf("muu posted %q", got)
	}
}

func TestValidateProjects(t *testing.T) {
	dir, projects := twoProjects(t, "")
	stdout, stderr, code := lumobot(t, dir, "validate", "--config", projects)
	if code != 2 || !strings.Contains(stdout, "lumo: ") || !strings.Contains(stdout, "muu: ") || !strings.Contains(stderr, "schedule.pol") {
		t.Errorf("exit %d, want 2; stdout %q stderr %q", code, stdout, stderr)
	}
	os.Remove(filepath.Join(projects, "rikki.yaml"))
	if stdout, stderr, code := lumobot(t, dir, "validate", "--config", projects); code != 0 || strings.Count(stdout, "valid:") != 2 {
		t.Errorf("exit %d, want 0; stdout %q stderr %q", code, stdout, stderr)
	}
	// Several --config: the two files are the projects.
	if stdout, stderr, code := lumobot(t, dir, "validate", "--config", filepath.Join(projects, "lumo.yaml"), "--config", filepath.Join(projects, "muu.yaml")); code != 0 || strings.Count(stdout, "valid:") != 2 {
		t.Errorf("two --config: exit %d, want 0; stdout %q stderr %q", code, stdout, stderr)
	}
	for _, cmd := range []string{"preview", "check"} {
		if _, stderr, code := lumobot(t, dir, cmd, "--config", projects); code != 2 || !strings.Contains(stderr, "--project (one of lumo, muu)") {
			t.Errorf("%s with a directory, no --project: exit %d, stderr %q", cmd, code, stderr)
		}
		if _, stderr, code := lumobot(t, dir, cmd, "--config", projects, "--project", "nope"); code != 2 || !strings.Contains(stderr, "no such project") {
			t.Errorf("%s --project nope: exit %d, stderr %q", cmd, code, stderr)
		}
		if _, stderr, code := lumobot(t, dir, cmd, "--config", filepath.Join(projects, "lumo.yaml"), "--project", "lumo"); code != 2 || !strings.Contains(stderr, "one config file is one project") {
			t.Errorf("%s --project with one file: exit %d, stderr %q", cmd, code, stderr)
		}
	}
	stdout, stderr, code = lumobot(t, dir, "check", "--config", projects, "--project", "muu")
	if code != 0 || !strings.Contains(stdout, "konsoli") || !strings.Contains(stdout, "not checked") {
		t.Errorf("check --project muu: exit %d, stdout %q stderr %q", code, stdout, stderr)
	}
}

// TestProjectsReload: a daemon of two projects; on SIGHUP one project's
// file is broken and keeps its running version, the other's changed file
// is reloaded and posts its new announcement. The status page lists both.
func TestProjectsReload(t *testing.T) {
	dir := t.TempDir()
	projects := filepath.Join(dir, "projects")
	os.Mkdir(projects, 0o755)
	listen := "http:\n  listen: 127.0.0.1:0\n"
	lumo, muu := filepath.Join(projects, "lumo.yaml"), filepath.Join(projects, "muu.yaml")
	os.WriteFile(lumo, []byte(projectYAML(dir, "#LUMOhanke", "lumo.jsonl", "", listen)), 0o600)
	os.WriteFile(muu, []byte(projectYAML(dir, "#MuuHanke", "muu.jsonl", "", listen)), 0o600)
	d := startDaemon(t, dir, "--config", projects)
	addr := fmt.Sprint(d.waitLog(t, "http server listening", 1)["addr"])
	d.waitLog(t, "post sent", 2)

	code, body := get(t, "http://"+addr+"/status.json")
	var status struct {
		Projects []struct {
			Name    string `json:"name"`
			Running bool   `json:"running"`
		} `json:"projects"`
	}
	if err := json.Unmarshal([]byte(body), &status); code != 200 || err != nil || len(status.Projects) != 2 ||
		status.Projects[0].Name != "lumo" || status.Projects[1].Name != "muu" {
		t.Errorf("/status.json %d (%v): %s", code, err, body)
	}
	_, metrics := get(t, "http://"+addr+"/metrics")
	for _, want := range []string{
		`lumobot_posts_total{kind="announcement",outcome="sent",project="lumo",target="konsoli"} 1`,
		`lumobot_posts_total{kind="announcement",outcome="sent",project="muu",target="konsoli"} 1`,
		`lumobot_outbox_deliveries{project="muu",status="sent",target="konsoli"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	os.WriteFile(lumo, []byte("schedule:\n  pol: nope\n"), 0o600)
	os.WriteFile(muu, []byte(projectYAML(dir, "#MuuHanke", "muu.jsonl", "", `  - id: toinen
    text: "Toinen tiedote"
    at: `+time.Now().Add(-time.Minute).Format(time.RFC3339)+"\n"+listen)), 0o600)
	d.cmd.Process.Signal(syscall.SIGHUP)
	refused := d.waitLog(t, "project's config refused; its running version stays", 1)
	if refused["project"] != "lumo" || !strings.Contains(fmt.Sprint(refused["error"]), "schedule.pol") {
		t.Errorf("refusal: %v", refused)
	}
	if l := d.waitLog(t, "project reloaded", 1); l["project"] != "muu" {
		t.Errorf("reloaded: %v", l)
	}
	d.waitLog(t, "post sent", 3)
	_, metrics = get(t, "http://"+addr+"/metrics")
	for _, want := range []string{
		`lumobot_config_last_reload_successful{project="lumo"} 0`,
		`lumobot_config_last_reload_successful{project="muu"} 1`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if code, _ := get(t, "http://"+addr+"/readyz"); code != 200 {
		t.Errorf("/readyz %d after one project's reload was refused", code)
	}
	d.cmd.Process.Signal(syscall.SIGTERM)
	<-d.done
	if err := d.cmd.Wait(); err != nil {
		t.Errorf("exit: %v", err)
	}
	if got := lines(t, filepath.Join(dir, "lumo.jsonl")); len(got) != 1 {
		t.Errorf("lumo posted %q", got)
	}
	if got := lines(t, filepath.Join(dir, "muu.jsonl")); len(got) != 2 || !strings.Contains(got[1], "Toinen tiedote") {
		t.Errorf("muu posted %q", got)
	}
}
