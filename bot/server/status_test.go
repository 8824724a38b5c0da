package server

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, h http.Handler, path string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

func statusServer(t *testing.T, snap Snapshot) http.Handler {
	t.Helper()
	return New(Options{Now: testClock, Snapshot: func(context.Context) (Snapshot, error) { return snap, nil }}).Handler()
}

func TestStatusPage(t *testing.T) {
	loc := helsinki(t)
	rec := get(t, statusServer(t, realisticSnapshot(loc)), "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := rec.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	body := rec.Body.String()
	for _, want := range []string{
		`<html lang="fi">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`<h1>lumobotin tila</h1>`,
		`<h2 id="virheet-otsikko">Virheet</h2>`,
		`<h2 id="seuraavat-otsikko">Seuraavat julkaisut</h2>`,
		`<h2 id="viimeisimmat-otsikko">Viimeksi julkaistut</h2>`,
		`<h2 id="syotteet-otsikko">Syötteet</h2>`,
		`<time datetime="2021-05-05T10:00:00&#43;03:00">ke 5.5.2021 klo 10.00</time>`, // updated (html/template writes + as &#43; in attributes)
		`<time datetime="2021-05-05T12:30:00&#43;03:00">ke 5.5.2021 klo 12.30</time> <span class="rel">(2 t 30 min kuluttua)</span>`,
		`<time datetime="2021-05-07T09:00:00&#43;03:00">pe 7.5.2021 klo 9.00</time>`,
		`Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 klo 13.30–15.00.`,
		`<a href="https://mastodon.example/@LUMOhanke/106183">Avaa julkaisu</a>`,
		`<span class="badge failed">epäonnistui</span>`,
		`x: 403 Forbidden: You are not permitted to perform this action`,
		`(6 yritystä)`,
		`<span class="badge late">myöhässä</span>`,
		`<span class="badge skipped">ohitettu</span>`,
		`<p class="note">Syy: vanhentunut ennen julkaisua</p>`, // skipped is no error: not red
		`<p class="reason">Syy: x: 403 Forbidden`,
		`Syy: vanhentunut ennen julkaisua`,
		`Syöte tapahtumat`,
		`Edellinen virhe`, // uutiset recovered after its error
		`Ei suunniteltuja julkaisuja kohteisiin: teams`,
		`Ei vielä julkaisuja.`,
		`Virheet (2)`,
		`https://example.fi/sytyketta`, // link not in the text is shown
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// The link already in the text is not repeated under it.
	if strings.Contains(body, `<a href="https://example.fi/lumo">`) {
		t.Error("link repeated although the text carries it")
	}
	if strings.Contains(body, "Syöte uutiset") {
		t.Error("recovered feed listed among errors")
	}
}

func TestStatusPageEscapes(t *testing.T) {
	rec := get(t, statusServer(t, realisticSnapshot(helsinki(t))), "/")
	body := rec.Body.String()
	if strings.Contains(body, "<script") {
		t.Error("a post's <script> reached the page unescaped")
	}
	if !strings.Contains(body, `Tervetuloa! &lt;script&gt;document.body.setAttribute(&#34;data-pwned&#34;,&#34;1&#34;)&lt;/script&gt; &amp; &#34;lainaus&#34;`) {
		t.Error("post text with <script> not shown escaped")
	}
	if strings.Contains(body, `" onmouseover=`) || strings.Contains(body, `"alert(1)`) {
		t.Error(`a URL's " broke out of its attribute`)
	}
	if !strings.Contains(body, `href="https://mastodon.example/@LUMOhanke/1%22%20onmouseover=%22alert%281%29"`) {
		t.Errorf("quoted URL not escaped as expected")
	}
}

func TestStatusPageUnsafeURL(t *testing.T) {
	snap := realisticSnapshot(helsinki(t))
	snap.Targets[0].Recent[0].RemoteURL = "javascript:alert(1)"
	body := get(t, statusServer(t, snap), "/").Body.String()
	if strings.Contains(body, "javascript:") {
		t.Error("javascript: URL reached an href")
	}
}

func TestStatusPageEmpty(t *testing.T) {
	rec := get(t, statusServer(t, Snapshot{Now: time.Date(2021, 5, 5, 7, 0, 0, 0, time.UTC)}), "/")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	body := rec.Body.String()
	for _, want := range []string{"Ei virheitä.", "Ei julkaisukohteita.", "Ei syötteitä.", "ke 5.5.2021 klo 7.00"} {
		if !strings.Contains(body, want) {
			t.Errorf("empty page lacks %q", want)
		}
	}
}

func TestStatusPageSnapshotError(t *testing.T) {
	var logs bytes.Buffer
	h := New(Options{
		Now: testClock,
		Snapshot: func(context.Context) (Snapshot, error) {
			return Snapshot{}, errors.New("open /data/lumobot.db: database is locked")
		},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	}).Handler()
	rec := get(t, h, "/")
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	body := rec.Body.String()
	if !strings.Contains(body, "Tilasivua ei voitu näyttää") || !strings.Contains(body, `lang="fi"`) {
		t.Errorf("error page: %s", body)
	}
	if strings.Contains(body, "database is locked") || strings.Contains(body, "/data") {
		t.Error("error page shows internals")
	}
	if !strings.Contains(logs.String(), "database is locked") {
		t.Error("snapshot error not logged")
	}
}

func TestStatusPageRoutes(t *testing.T) {
	h := statusServer(t, Snapshot{})
	if rec := get(t, h, "/nope"); rec.Code != http.StatusNotFound {
		t.Errorf("/nope: status %d, want 404", rec.Code)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: status %d, want 405", rec.Code)
	}
	if rec := get(t, New(Options{Now: testClock}).Handler(), "/"); rec.Code != http.StatusNotFound {
		t.Errorf("no Snapshot func: status %d, want 404", rec.Code)
	}
}

func TestFormatTime(t *testing.T) {
	loc := helsinki(t)
	now := time.Date(2021, 5, 5, 12, 0, 0, 0, loc)
	for _, tc := range []struct {
		t        time.Time
		text     string
		iso      string
		relative string
	}{
		{time.Date(2021, 5, 5, 13, 30, 0, 0, loc), "ke 5.5.2021 klo 13.30", "2021-05-05T13:30:00+03:00", "1 t 30 min kuluttua"},
		{time.Date(2021, 5, 5, 6, 5, 0, 0, time.UTC), "ke 5.5.2021 klo 9.05", "2021-05-05T09:05:00+03:00", "2 t 55 min sitten"},
		{time.Date(2021, 12, 31, 23, 59, 0, 0, loc), "pe 31.12.2021 klo 23.59", "2021-12-31T23:59:00+02:00", "240 pv 12 t kuluttua"},
		{time.Date(2021, 5, 9, 12, 0, 20, 0, loc), "su 9.5.2021 klo 12.00", "2021-05-09T12:00:20+03:00", "4 pv kuluttua"},
		{now.Add(20 * time.Second), "ke 5.5.2021 klo 12.00", "2021-05-05T12:00:20+03:00", "nyt"},
		{now.Add(-time.Hour), "ke 5.5.2021 klo 11.00", "2021-05-05T11:00:00+03:00", "1 t sitten"},
	} {
		got := formatTime(tc.t, now, loc)
		if got.Text != tc.text || got.ISO != tc.iso || got.Rel != tc.relative {
			t.Errorf("formatTime(%v) = %+v, want %q %q %q", tc.t, got, tc.text, tc.iso, tc.relative)
		}
	}
	if !formatTime(time.Time{}, now, loc).Zero {
		t.Error("zero time not marked zero")
	}
}

// A snapshot without a time is shown at the server's clock, never the
// machine's.
func TestStatusPageClockWhenSnapshotHasNoTime(t *testing.T) {
	clock := func() time.Time { return time.Date(2030, 1, 2, 3, 4, 0, 0, time.UTC) }
	h := New(Options{Now: clock, Snapshot: func(context.Context) (Snapshot, error) {
		return Snapshot{Location: time.UTC}, nil
	}}).Handler()
	body := get(t, h, "/").Body.String()
	if !strings.Contains(body, "2.1.2030 klo 3.04") {
		t.Errorf("page does not show the injected clock's time 2.1.2030 klo 3.04:\n%s", body)
	}
}
