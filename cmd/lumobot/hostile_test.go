package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// hook is a chat webhook that records what it receives and when.
type hook struct {
	mu    sync.Mutex
	texts []string
	at    []time.Time
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body struct{ Text string }
	b, _ := io.ReadAll(r.Body)
	json.Unmarshal(b, &body)
	h.mu.Lock()
	h.texts = append(h.texts, body.Text)
	h.at = append(h.at, time.Now())
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *hook) find(sub string) (n int, first time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, t := range h.texts {
		if strings.Contains(t, sub) {
			if n == 0 {
				first = h.at[i]
			}
			n++
		}
	}
	return n, first
}

// TestHostileSourcesNoFloodNoHang is issue 18's first two findings, end to
// end on the real binary: a shared calendar whose one entry recurs every
// second, and a feed item with a 256 KiB title. The calendar posts no flood,
// the long title delays a webhook announcement by less than a second, and
// SIGTERM ends the daemon within 5 s.
func TestHostileSourcesNoFloodNoHang(t *testing.T) {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	now := time.Now().In(hel)
	// Its reminders (30 minutes before) would fall due from 6 s on, one a second.
	start := now.Add(30*time.Minute + 6*time.Second).Truncate(time.Second)
	flood := fmt.Sprintf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\nBEGIN:VEVENT\r\nUID:flood@hostile.example\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:%s\r\nDURATION:PT1S\r\nSUMMARY:Tulva\r\nRRULE:FREQ=DAILY;BYHOUR=%s;BYMINUTE=%s;BYSECOND=%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
		start.UTC().Format("20060102T150405Z"), seq(24), seq(60), seq(60))
	title := strings.Repeat("Pitkä otsikko ", 256<<10/15)
	news := `<?xml version="1.0"?><rss version="2.0"><channel><title>Uutiset</title><link>https://lumo.example/</link>` +
		`<item><title>` + title + `</title><guid>pitka</guid><link>https://lumo.example/pitka</link></item></channel></rss>`
	src := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/flood.ics":
			w.Header().Set("Content-Type", "text/calendar")
			io.WriteString(w, flood)
		case "/news.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			io.WriteString(w, news)
		default:
			http.NotFound(w, r)
		}
	}))
	defer src.Close()
	h := &hook{}
	dst := httptest.NewServer(h)
	defer dst.Close()
	// A platform with a limit, so that the long text is also shortened.
	m := &smallInstance{}
	masto := httptest.NewServer(m)
	defer masto.Close()

	due := now.Add(4 * time.Second)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`timezone: Europe/Helsinki
state: state/lumobot.db
http: {listen: ""}
reminders:
  - before: 30m
feeds:
  - {name: tulva, url: %[1]s/flood.ics, kind: events}
  - {name: uutiset, url: %[1]s/news.xml, backfill: 1}
announcements:
  - {id: ilmoitus, text: "Verkostopäivä alkaa", at: %[2]s}
targets:
  - {name: chat, type: webhook, url: %[3]s/hook}
  - {name: mastodon, type: mastodon, server: %[4]s, access_token: token}
`, src.URL, due.Format(time.RFC3339Nano), dst.URL, masto.URL)
	if err := os.WriteFile(filepath.Join(dir, "lumobot.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "lumobot.log")
	p := dlvStart(t, dir, logPath, "run", "--log-format", "json")
	if !dlvWait(20*time.Second, func() bool { n, _ := h.find("Verkostopäivä"); return n > 0 }) {
		t.Fatalf("the announcement never came:\n%s", dlvTail(logPath, 30))
	}
	_, at := h.find("Verkostopäivä")
	if late := at.Sub(due); late > time.Second {
		t.Errorf("the announcement came %s after it was due", late.Round(time.Millisecond))
	}
	if !dlvWait(20*time.Second, func() bool { n, _ := h.find("Pitkä otsikko"); return n > 0 }) {
		t.Errorf("the long-titled item was not posted (shortened):\n%s", dlvTail(logPath, 30))
	}
	// Past the flood's first reminders: at most one of them.
	time.Sleep(time.Until(start.Add(-30*time.Minute + 4*time.Second)))
	if n, _ := h.find("Tulva"); n > 1 {
		t.Errorf("%d reminders of the flooding event, want at most 1", n)
	}
	if !strings.Contains(dlvTail(logPath, 200), "flood@hostile.example") {
		t.Errorf("no warning names the flooding event's UID:\n%s", dlvTail(logPath, 30))
	}
	if !dlvWait(20*time.Second, func() bool {
		m.mu.Lock()
		defer m.mu.Unlock()
		for _, st := range m.statuses {
			if strings.Contains(st, "Pitkä otsikko") {
				return true
			}
		}
		return false
	}) {
		t.Errorf("the long-titled item did not reach Mastodon shortened:\n%s", dlvTail(logPath, 30))
	}
	m.mu.Lock()
	for _, st := range m.statuses {
		if n := len([]rune(st)); n > 200 {
			t.Errorf("a status of %d characters reached an instance with a limit of 200", n)
		}
	}
	m.mu.Unlock()
	code, took := p.stop(5 * time.Second)
	if code != 0 {
		t.Errorf("SIGTERM: exit %d after %s, want 0 within 5 s", code, took)
	}
	for _, text := range h.texts {
		if len(text) > 4000 {
			t.Errorf("a post of %d bytes reached the webhook", len(text))
		}
	}
}

// seq is "0,1,...,n-1".
func seq(n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = fmt.Sprint(i)
	}
	return strings.Join(s, ",")
}
