package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// A Mastodon instance with its own limit of 200 characters.
type smallInstance struct {
	mu       sync.Mutex
	statuses []string
}

func (m *smallInstance) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/v2/instance":
		fmt.Fprint(w, `{"domain":"small.example","configuration":{"statuses":{"max_characters":200,"characters_reserved_per_url":23}}}`)
	case "/api/v1/statuses":
		var body struct{ Status string }
		json.NewDecoder(r.Body).Decode(&body)
		m.mu.Lock()
		m.statuses = append(m.statuses, body.Status)
		n := len(m.statuses)
		m.mu.Unlock()
		fmt.Fprintf(w, `{"id":"%d","url":"https://small.example/@lumo/%d"}`, n, n)
	default:
		http.NotFound(w, r)
	}
}

// What `run --once` sends is what `preview` showed, with the instance's own
// limit (200), which lumobot keeps in the state once it has asked; before
// that, preview says it does not know it yet.
func TestPreviewShowsWhatRunSendsWithInstanceLimit(t *testing.T) {
	m := &smallInstance{}
	srv := httptest.NewServer(m)
	defer srv.Close()
	hel, _ := time.LoadLocation("Europe/Helsinki")
	due := time.Now().Add(3 * time.Second).In(hel)
	long := strings.Repeat("Lastensuojelun kehittäjäverkosto kokoontuu taas. ", 8)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`timezone: Europe/Helsinki
state: state/lumobot.db
hashtags: ["#LUMOhanke"]
http: {listen: ""}
announcements:
  - {id: pitka, text: %q, link: "https://lumo.example/verkosto", at: %s}
  - {id: lyhyt, text: "Tervetuloa!", at: %s}
targets:
  - {name: mastodon, type: mastodon, server: %s, access_token: token}
`, long, due.Format(time.RFC3339Nano), due.Format(time.RFC3339Nano), srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "lumobot.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := lumobot(t, dir, "preview")
	if code != 0 || !strings.Contains(out, "not known yet") {
		t.Errorf("preview before any run: exit %d, want it to say the limit is not known:\n%s%s", code, out, stderr)
	}
	if _, stderr, code := lumobot(t, dir, "run", "--once"); code != 0 { // asks the instance; nothing due yet
		t.Fatalf("run --once: exit %d: %s", code, stderr)
	}
	out, stderr, code = lumobot(t, dir, "preview", "--format", "json")
	if code != 0 {
		t.Fatalf("preview: exit %d: %s", code, stderr)
	}
	var rows []struct {
		Key, Text     string
		Length, Limit int
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	previewed := map[string]string{}
	for _, r := range rows {
		if r.Limit != 200 || r.Length > 200 {
			t.Errorf("%s: length %d of limit %d, want the instance's 200", r.Key, r.Length, r.Limit)
		}
		previewed[r.Text] = r.Key
	}
	if len(rows) != 2 {
		t.Fatalf("previewed %d posts, want 2: %s", len(rows), out)
	}
	time.Sleep(time.Until(due.Add(200 * time.Millisecond)))
	if _, stderr, code := lumobot(t, dir, "run", "--once"); code != 0 {
		t.Fatalf("run --once: exit %d: %s", code, stderr)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.statuses) != 2 {
		t.Fatalf("sent %d statuses, want 2", len(m.statuses))
	}
	for _, s := range m.statuses {
		if _, ok := previewed[s]; !ok {
			t.Errorf("sent %q, which preview did not show; preview showed %q", s, previewed)
		}
		if strings.Contains(s, "kokoontuu") && !strings.Contains(s, "https://lumo.example/verkosto") {
			t.Errorf("shortening dropped the link: %q", s)
		}
	}
}
