package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// files writes name → body under dir and returns dir.
func files(t *testing.T, dir string, fs map[string]string) string {
	t.Helper()
	for name, body := range fs {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const lumoYAML = `language: fi
hashtags: ["#LUMOhanke"]
announcements:
  - id: seuraa
    text: Seuraa LUMOa!
    at: 2026-12-01T10:00
targets:
  - name: x
    type: console
`

const muuYAML = `timezone: Europe/Stockholm
language: sv
announcements:
  - id: seuraa
    text: Följ oss!
    at: 2026-12-01T10:00
targets:
  - name: x
    type: console
`

func names(ps []Project) string {
	var s []string
	for _, p := range ps {
		s = append(s, p.Name)
	}
	return strings.Join(s, " ")
}

func byName(t *testing.T, ps []Project, name string) Project {
	t.Helper()
	for _, p := range ps {
		if p.Name == name {
			return p
		}
	}
	t.Fatalf("no project %s among %s", name, names(ps))
	return Project{}
}

// A directory of projects: each file one project, named by the file; a
// broken file or a bad name refuses that project alone, placed at its
// file and line.
func TestLoadProjects(t *testing.T) {
	dir := files(t, t.TempDir(), map[string]string{
		"lumo.yaml":    lumoYAML,
		"muu.yml":      muuYAML,
		"tomli.toml":   "language = \"en\"\n",
		"jsoni.json":   `{"language": "fi"}`,
		"rikki.yaml":   "language: fi\nschedule:\n  poll: \"joka päivä\"\n",
		"Iso Nimi.yml": "language: fi\n",
		"README.md":    "# projects\n",
		".piilo.yaml":  "language: fi\n",
		"notes.yaml~":  "language: fi\n",
		"sub/ala.yaml": "language: fi\n",
		"events.ics":   "BEGIN:VCALENDAR\nEND:VCALENDAR\n",
	})
	ps, err := LoadProjects([]string{dir}, Options{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(ps); got != "Iso Nimi jsoni lumo muu rikki tomli" {
		t.Fatalf("projects %q", got)
	}
	for _, name := range []string{"lumo", "muu", "tomli", "jsoni"} {
		p := byName(t, ps, name)
		if p.Err != nil || p.Config == nil {
			t.Errorf("%s: %v", name, p.Err)
		}
	}
	lumo, muu := byName(t, ps, "lumo").Config, byName(t, ps, "muu").Config
	if lumo.Language != "fi" || muu.Language != "sv" || muu.Location.String() != "Europe/Stockholm" || lumo.Location.String() != "Europe/Helsinki" {
		t.Errorf("each project's own settings: lumo %s %s, muu %s %s", lumo.Language, lumo.Location, muu.Language, muu.Location)
	}
	if byName(t, ps, "lumo").File != filepath.Join(dir, "lumo.yaml") || lumo.File != filepath.Join(dir, "lumo.yaml") {
		t.Errorf("lumo's file %q", lumo.File)
	}

	rikki := byName(t, ps, "rikki")
	if rikki.Config != nil || !IsConfigError(rikki.Err) {
		t.Fatalf("rikki: %v, %v: want a config error", rikki.Config, rikki.Err)
	}
	if msg := rikki.Err.Error(); !strings.HasPrefix(msg, filepath.Join(dir, "rikki.yaml")+":3: schedule.poll") {
		t.Errorf("rikki's error %q: want it placed at rikki.yaml:3, schedule.poll", msg)
	}
	bad := byName(t, ps, "Iso Nimi")
	if bad.Config != nil || !IsConfigError(bad.Err) {
		t.Fatalf("Iso Nimi: %v", bad.Err)
	}
	want := filepath.Join(dir, "Iso Nimi.yml") + `: "Iso Nimi" cannot name a project: the file's name is the project's, in lower-case letters, digits, - and _ (rename it iso-nimi.yml)`
	if bad.Err.Error() != want {
		t.Errorf("bad name:\n got  %s\n want %s", bad.Err, want)
	}
}

func TestLoadProjectsDuplicateName(t *testing.T) {
	dir := files(t, t.TempDir(), map[string]string{"lumo.yaml": lumoYAML, "lumo.json": `{"language": "fi"}`, "muu.yaml": muuYAML})
	ps, err := LoadProjects([]string{dir}, Options{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if names(ps) != "lumo muu" {
		t.Fatalf("projects %q", names(ps))
	}
	lumo := byName(t, ps, "lumo")
	if lumo.Err == nil || !strings.Contains(lumo.Err.Error(), "lumo.json") || !strings.Contains(lumo.Err.Error(), "lumo.yaml") {
		t.Errorf("two files of one project: %v", lumo.Err)
	}
	if byName(t, ps, "muu").Err != nil {
		t.Error("muu refused with lumo")
	}
	// Across two --config directories too.
	other := files(t, t.TempDir(), map[string]string{"muu.yaml": muuYAML})
	ps, err = LoadProjects([]string{dir, other}, Options{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if m := byName(t, ps, "muu"); m.Err == nil || !strings.Contains(m.Err.Error(), filepath.Join(other, "muu.yaml")) {
		t.Errorf("muu in two directories: %v", m.Err)
	}
}

// Several --config: directories and files alike.
func TestLoadProjectsSeveralPaths(t *testing.T) {
	a := files(t, t.TempDir(), map[string]string{"lumo.yaml": lumoYAML})
	b := files(t, t.TempDir(), map[string]string{"muu.yaml": muuYAML, "kolmas.yaml": "language: en\n"})
	ps, err := LoadProjects([]string{a, filepath.Join(b, "muu.yaml"), filepath.Join(b, "kolmas.yaml")}, Options{Env: noEnv, State: "/var/lib/lumobot/state.db"})
	if err != nil {
		t.Fatal(err)
	}
	if names(ps) != "kolmas lumo muu" {
		t.Fatalf("projects %q", names(ps))
	}
	sh, err := Share(ps)
	if err != nil {
		t.Fatal(err)
	}
	if sh.State != "/var/lib/lumobot/state.db" {
		t.Errorf("state %q, want the flag's", sh.State)
	}
}

// A Kubernetes ConfigMap mounted as a directory: the files are symlinks
// into ..data, itself a symlink to a hidden timestamped directory.
func TestLoadProjectsConfigMap(t *testing.T) {
	dir := t.TempDir()
	files(t, dir, map[string]string{"..2026_05_09_10_00_00.123/lumo.yaml": lumoYAML, "..2026_05_09_10_00_00.123/muu.yaml": muuYAML})
	for _, link := range [][2]string{
		{"..2026_05_09_10_00_00.123", "..data"}, {"..data/lumo.yaml", "lumo.yaml"}, {"..data/muu.yaml", "muu.yaml"},
	} {
		if err := os.Symlink(link[0], filepath.Join(dir, link[1])); err != nil {
			t.Fatal(err)
		}
	}
	ps, err := LoadProjects([]string{dir}, Options{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if names(ps) != "lumo muu" || ps[0].Err != nil || ps[1].Err != nil {
		t.Errorf("projects %q: %v %v", names(ps), ps[0].Err, ps[1].Err)
	}
}

func TestProjectFilesErrors(t *testing.T) {
	empty := files(t, t.TempDir(), map[string]string{"README.md": "x"})
	for _, tc := range []struct {
		paths []string
		want  string
	}{
		{nil, "no config given"},
		{[]string{filepath.Join(empty, "nope")}, "nope: no such file or directory"},
		{[]string{empty}, "has no project file"},
	} {
		_, err := LoadProjects(tc.paths, Options{Env: noEnv})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadProjects(%q) = %v, want %q", tc.paths, err, tc.want)
		}
	}
}

func TestSingleFile(t *testing.T) {
	dir := files(t, t.TempDir(), map[string]string{"lumo.yaml": lumoYAML})
	for _, tc := range []struct {
		paths []string
		want  bool
	}{
		{[]string{filepath.Join(dir, "lumo.yaml")}, true},
		{[]string{filepath.Join(dir, "missing.yaml")}, true}, // Load says it is missing
		{[]string{dir}, false},
		{[]string{filepath.Join(dir, "lumo.yaml"), filepath.Join(dir, "lumo.yaml")}, false},
	} {
		if got := SingleFile(tc.paths); got != tc.want {
			t.Errorf("SingleFile(%q) = %v", tc.paths, got)
		}
	}
}

func TestValidProjectName(t *testing.T) {
	for name, want := range map[string]bool{
		"lumo": true, "keski-suomi": true, "lumo_2": true, "2021": true, strings.Repeat("a", 64): true,
		"": false, "Lumo": false, "lumo hanke": false, "-lumo": false, "_lumo": false, "lu/mo": false,
		"lumo.fi": false, "lumö": false, strings.Repeat("a", 65): false,
	} {
		if ValidProjectName(name) != want {
			t.Errorf("ValidProjectName(%q) = %v", name, !want)
		}
	}
	for in, want := range map[string]string{"Iso Nimi": "iso-nimi", "LUMO--hanke!": "lumo-hanke", "ÄÖ": "", "-x-": "x"} {
		if got := suggestProjectName(in); got != want {
			t.Errorf("suggestProjectName(%q) = %q, want %q", in, got, want)
		}
	}
}

func loadDir(t *testing.T, fs map[string]string) []Project {
	t.Helper()
	ps, err := LoadProjects([]string{files(t, t.TempDir(), fs)}, Options{Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Err != nil {
			t.Fatalf("%s: %v", p.Name, p.Err)
		}
	}
	return ps
}

const key1 = "1111111111111111111111111111111111111111111111111111111111111111"
const key2 = "2222222222222222222222222222222222222222222222222222222222222222"

// What the projects share: those that write it must agree; the others
// take it.
func TestShare(t *testing.T) {
	t.Run("defaults of one directory", func(t *testing.T) {
		ps := loadDir(t, map[string]string{"lumo.yaml": lumoYAML, "muu.yaml": muuYAML})
		sh, err := Share(ps)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(sh.State) != "lumobot.db" || sh.Listen != ":8080" || sh.StateKey != nil {
			t.Errorf("shared %+v", sh)
		}
	})
	t.Run("one writes, the others take it", func(t *testing.T) {
		ps := loadDir(t, map[string]string{
			"lumo.yaml": lumoYAML + "state: /data/yhteinen.db\nstate_key: " + key1 + "\nhttp:\n  listen: \"127.0.0.1:9090\"\n",
			"muu.yaml":  muuYAML,
		})
		sh, err := Share(ps)
		if err != nil {
			t.Fatal(err)
		}
		if sh.State != "/data/yhteinen.db" || sh.Listen != "127.0.0.1:9090" || len(sh.StateKey) != 32 {
			t.Fatalf("shared %+v", sh)
		}
		muu := byName(t, ps, "muu").Config
		if muu.State != sh.State || muu.HTTP.Listen != sh.Listen || string(muu.StateKey) != string(sh.StateKey) {
			t.Errorf("muu runs with %q %q: not the shared settings", muu.State, muu.HTTP.Listen)
		}
	})
	t.Run("two write alike", func(t *testing.T) {
		ps := loadDir(t, map[string]string{
			"lumo.yaml": lumoYAML + "state: /data/yhteinen.db\n",
			"muu.yaml":  muuYAML + "state: /data/yhteinen.db\n",
		})
		if _, err := Share(ps); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("two disagree", func(t *testing.T) {
		dir := t.TempDir()
		ps, _ := LoadProjects([]string{files(t, dir, map[string]string{
			"lumo.yaml":  lumoYAML + "state: /data/a.db\n",
			"muu.yaml":   muuYAML + "state: /data/b.db\nstate_key: " + key2 + "\n",
			"kolmas.yml": "language: en\nstate_key: " + key1 + "\n",
		})}, Options{Env: noEnv})
		_, err := Share(ps)
		if !IsConfigError(err) {
			t.Fatalf("Share = %v, want a config error", err)
		}
		msg := err.Error()
		for _, want := range []string{
			filepath.Join(dir, "lumo.yaml") + `:10: state: "/data/a.db" here, but "/data/b.db" at ` + filepath.Join(dir, "muu.yaml") + ":10; every",
			filepath.Join(dir, "muu.yaml") + `:10: state: "/data/b.db" here, but "/data/a.db" at ` + filepath.Join(dir, "lumo.yaml") + ":10; every",
			filepath.Join(dir, "kolmas.yml") + ":2: state_key: one key here, but another at " + filepath.Join(dir, "muu.yaml") + ":11; the shared state has one key",
			"every project shares one state",
		} {
			if !strings.Contains(msg, want) {
				t.Errorf("error lacks %q:\n%s", want, msg)
			}
		}
		if strings.Contains(msg, key1) || strings.Contains(msg, key2) {
			t.Errorf("the error shows a state key:\n%s", msg)
		}
	})
	t.Run("defaults of two directories", func(t *testing.T) {
		a := files(t, t.TempDir(), map[string]string{"lumo.yaml": lumoYAML})
		b := files(t, t.TempDir(), map[string]string{"muu.yaml": muuYAML})
		ps, _ := LoadProjects([]string{a, b}, Options{Env: noEnv})
		if _, err := Share(ps); err == nil || !strings.Contains(err.Error(), "no project file writes state") {
			t.Errorf("Share = %v", err)
		}
	})
	t.Run("LUMOBOT_STATE", func(t *testing.T) {
		t.Setenv("LUMOBOT_STATE", "/data/env.db")
		ps := loadDir(t, map[string]string{"lumo.yaml": lumoYAML + "state: /data/a.db\n", "muu.yaml": muuYAML})
		sh, err := Share(ps)
		if err != nil || sh.State != "/data/env.db" {
			t.Errorf("Share = %+v, %v: want the environment's state", sh, err)
		}
	})
	t.Run("broken projects take no part", func(t *testing.T) {
		ps, _ := LoadProjects([]string{files(t, t.TempDir(), map[string]string{
			"lumo.yaml": lumoYAML + "state: /data/a.db\n", "rikki.yaml": "state: /data/b.db\nnope: 1\n",
		})}, Options{Env: noEnv})
		if sh, err := Share(ps); err != nil || sh.State != "/data/a.db" {
			t.Errorf("Share = %+v, %v", sh, err)
		}
		if _, err := Share(ps[1:]); err == nil {
			t.Error("Share of no loadable project: no error")
		}
	})
}

// A reload may not move the state, its key or the server: those need a
// restart. A file that writes none of them takes the running ones.
func TestAdmit(t *testing.T) {
	running := Shared{State: "/data/yhteinen.db", Listen: ":8080"}
	dir := t.TempDir()
	ps, _ := LoadProjects([]string{files(t, dir, map[string]string{
		"lumo.yaml":   lumoYAML + "state: /data/muu.db\n",
		"muu.yaml":    muuYAML,
		"sama.yaml":   "language: fi\nstate: /data/yhteinen.db\n",
		"avain.yaml":  "language: fi\nstate_key: " + key1 + "\n",
		"portti.yaml": "language: fi\nhttp:\n  listen: \":9090\"\n",
	})}, Options{Env: noEnv})
	if err := running.Admit(byName(t, ps, "muu").Config); err != nil {
		t.Errorf("muu: %v", err)
	}
	if c := byName(t, ps, "muu").Config; c.State != running.State {
		t.Errorf("admitted muu runs on %q", c.State)
	}
	if err := running.Admit(byName(t, ps, "sama").Config); err != nil {
		t.Errorf("sama: %v", err)
	}
	for name, want := range map[string]string{
		"lumo":   `lumo.yaml:10: state: changed to "/data/muu.db", but the running projects share "/data/yhteinen.db": a new state needs a restart`,
		"avain":  "avain.yaml:2: state_key: not the key the running state is sealed with: a new state key needs a restart",
		"portti": `portti.yaml:3: http.listen: changed to ":9090", but the running projects share ":8080": a new http.listen needs a restart`,
	} {
		c := byName(t, ps, name).Config
		err := running.Admit(c)
		if !IsConfigError(err) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Admit = %v\nwant %s", name, err, want)
		}
		if strings.Contains(err.Error(), key1) {
			t.Errorf("%s: the error shows the key", name)
		}
	}
}

func TestFingerprint(t *testing.T) {
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	files(t, dir, map[string]string{
		"token": "salainen-1\n",
		"lumo.yaml": lumoYAML + `  - name: hook
    type: webhook
    url: https://hooks.example/1
    headers: {Authorization: "Bearer aaaaaaaaaaaa", X-Other: "bbbbbbbbbbbb", X-Third: "cccccccccccc"}
    body: '{"text": {{json .Text}}}'
  - name: m
    type: mastodon
    server: https://mastodon.example
    access_token_file: token
`,
	})
	load := func() *Config {
		t.Helper()
		c, err := Load(Options{File: filepath.Join(dir, "lumo.yaml"), Env: noEnv})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a := load().Fingerprint()
	for range 20 { // the headers are a map: their order must not matter
		if b := load().Fingerprint(); b != a {
			t.Fatal("one file, two fingerprints")
		}
	}
	if err := os.WriteFile(token, []byte("salainen-2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if load().Fingerprint() == a {
		t.Error("a rotated secret file left the fingerprint as it was")
	}
	b := load().Fingerprint()
	files(t, dir, map[string]string{"lumo.yaml": lumoYAML})
	if load().Fingerprint() == b {
		t.Error("another file, the same fingerprint")
	}
}
