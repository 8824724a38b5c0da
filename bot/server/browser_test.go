package server

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// TestBrowserStatusPage opens the status page in headless Chromium, as a
// person on a phone would, checks what the page shows and writes screenshots
// to testdata/artifacts (or $LUMOBOT_ARTIFACTS). It runs wherever Chromium
// is installed (CI installs it with testdata/install-chromium.sh), and
// must run when LUMOBOT_BROWSER_TEST=1.
func TestBrowserStatusPage(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped under -short")
	}
	bin := findChromium(t)
	artifacts := os.Getenv("LUMOBOT_ARTIFACTS")
	if artifacts == "" {
		artifacts = filepath.Join("testdata", "artifacts")
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}

	snap := realisticSnapshot(helsinki(t))
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- New(Options{Now: testClock, Snapshot: func(context.Context) (Snapshot, error) { return snap, nil }}).Serve(ctx, ln)
	}()
	defer func() {
		cancel()
		<-done
	}()
	url := "http://" + ln.Addr().String() + "/"

	// What the browser made of the page, after parsing and any script.
	dom := chromium(t, bin, "--window-size=390,844", "--dump-dom", url)
	doc, err := html.Parse(strings.NewReader(dom))
	if err != nil {
		t.Fatalf("parse the DOM Chromium dumped: %v", err)
	}
	body := find(doc, func(n *html.Node) bool { return n.DataAtom == atom.Body })
	if len(body) != 1 {
		t.Fatalf("no body in the DOM:\n%s", dom)
	}
	seen := text(body[0])

	if h1 := find(doc, isAtom(atom.H1)); len(h1) != 1 || text(h1[0]) != "lumobotin tila" {
		t.Errorf("h1: %v", texts(h1))
	}
	wantH2 := []string{"Virheet", "Seuraavat julkaisut", "Viimeksi julkaistut", "Syötteet"}
	if got := texts(find(doc, isAtom(atom.H2))); strings.Join(got, "|") != strings.Join(wantH2, "|") {
		t.Errorf("h2 headings %q, want %q", got, wantH2)
	}
	for _, want := range []string{
		"Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 klo 13.30–15.00.",
		"ke 5.5.2021 klo 12.30 (2 t 30 min kuluttua)",
		"x: 403 Forbidden: You are not permitted to perform this action",
		"Ei suunniteltuja julkaisuja.",
		scriptText, // the hostile text, shown as text
	} {
		if !strings.Contains(seen, want) {
			t.Errorf("page does not show %q", want)
		}
	}
	// A link to the sent post, and the quoted URL kept inside its attribute.
	links := map[string]string{}
	for _, a := range find(doc, isAtom(atom.A)) {
		links[attr(a, "href")] = text(a)
	}
	if links["https://mastodon.example/@LUMOhanke/106183"] != "Avaa julkaisu" {
		t.Errorf("no link to the sent post among %q", links)
	}
	if _, ok := links["https://mastodon.example/@LUMOhanke/1%22%20onmouseover=%22alert%281%29"]; !ok {
		t.Errorf("quoted URL not kept in its href: %q", links)
	}
	for _, a := range find(doc, isAtom(atom.A)) {
		if attr(a, "onmouseover") != "" {
			t.Error("a URL's quote became an onmouseover attribute")
		}
	}
	// The script was neither parsed as an element nor run.
	if s := find(doc, isAtom(atom.Script)); len(s) > 0 {
		t.Errorf("%d script elements in the DOM", len(s))
	}
	if attr(body[0], "data-pwned") != "" {
		t.Error("the post's script ran")
	}
	// Times carry machine-readable datetimes in the snapshot's zone.
	var datetimes []string
	for _, tm := range find(doc, isAtom(atom.Time)) {
		datetimes = append(datetimes, attr(tm, "datetime"))
	}
	if !slices.Contains(datetimes, "2021-05-05T12:30:00+03:00") {
		t.Errorf("time datetimes %q", datetimes)
	}

	// Screenshots: a phone's first screen, the whole page on a phone, a
	// desktop window, and the phone in dark mode.
	for _, shot := range []struct{ name, size string }{
		{"status.png", "390,844"},
		{"status-full.png", "390,3400"},
		{"status-desktop.png", "1280,1000"},
		{"status-dark.png", "390,844"},
	} {
		path, err := filepath.Abs(filepath.Join(artifacts, shot.name))
		if err != nil {
			t.Fatal(err)
		}
		os.Remove(path)
		args := []string{"--window-size=" + shot.size, "--hide-scrollbars", "--screenshot=" + path}
		if strings.Contains(shot.name, "dark") {
			args = append(args, "--force-dark-mode", "--blink-settings=preferredColorScheme=0")
		}
		chromium(t, bin, append(args, url)...)
		if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
			t.Errorf("screenshot %s not written: %v", path, err)
		} else {
			t.Logf("screenshot: %s", path)
		}
	}
}

// findChromium looks for $LUMOBOT_CHROMIUM, then the usual names.
func findChromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LUMOBOT_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("LUMOBOT_BROWSER_TEST") == "1" {
		t.Fatal("LUMOBOT_BROWSER_TEST=1 but no Chromium found: run bot/server/testdata/install-chromium.sh or set LUMOBOT_CHROMIUM")
	}
	t.Skip("browser test skipped: no Chromium found (bot/server/testdata/install-chromium.sh installs it, or set LUMOBOT_CHROMIUM)")
	return ""
}

// chromium runs headless Chromium with its own throwaway profile and
// returns what it printed on stdout.
func chromium(t *testing.T, bin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	base := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-extensions", "--no-first-run", "--no-default-browser-check",
		"--user-data-dir=" + t.TempDir(),
	}
	cmd := exec.CommandContext(ctx, bin, append(base, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", bin, strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

func isAtom(a atom.Atom) func(*html.Node) bool {
	return func(n *html.Node) bool { return n.Type == html.ElementNode && n.DataAtom == a }
}

func find(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var found []*html.Node
	if match(n) {
		found = append(found, n)
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		found = append(found, find(c, match)...)
	}
	return found
}

// text is the text a person reads in n, whitespace collapsed.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.DataAtom == atom.Style || n.DataAtom == atom.Script || n.DataAtom == atom.Head:
			return
		}
		if n.Type == html.ElementNode {
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.Join(strings.Fields(b.String()), " ")
}

func texts(ns []*html.Node) []string {
	var s []string
	for _, n := range ns {
		s = append(s, text(n))
	}
	return s
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
