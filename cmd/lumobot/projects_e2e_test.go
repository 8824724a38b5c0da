package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	at := time.Now().Add(-time.Minute).Format(time.RFC3339)
	file := func(tag, out string) string {
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
		return s
	}
	os.WriteFile(filepath.Join(projects, "lumo.yaml"), []byte(file("#LUMOhanke", "lumo.jsonl")), 0o600)
	os.WriteFile(filepath.Join(projects, "muu.yaml"), []byte(file("#MuuHanke", "muu.jsonl")), 0o600)
	os.WriteFile(filepath.Join(projects, "rikki.yaml"), []byte("schedule:\n  pol: '* * * * *'\n"), 0o600)
	return dir, projects
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
		if _, stderr, code := lumobot(t, dir, cmd, "--config", projects); code != 2 || !strings.Contains(stderr, "one config file") {
			t.Errorf("%s with a directory: exit %d, stderr %q", cmd, code, stderr)
		}
	}
}
