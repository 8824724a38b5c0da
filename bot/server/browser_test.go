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

	url := serveSnapshot(t, realisticSnapshot(helsinki(t)))

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
		"Ei suunniteltuja julkaisuja kohteisiin: teams",
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
		screenshot(t, bin, artifacts, shot.name, shot.size, url)
	}

	t.Run("troubled", func(t *testing.T) { browseTroubled(t, bin, artifacts) })
}

// browseTroubled opens the page of a bot in trouble (paused, a rejected
// reload, a flooded target, a state that cannot record, a retrying
// delivery, skipped posts, feed warnings) in each language.
func browseTroubled(t *testing.T, bin, artifacts string) {
	loc := helsinki(t)
	for _, tc := range []struct {
		lang                         string
		h1, retrying, upcoming       string
		reload, paused, flooded, why string
		reason                       string // a skipped row's reason, translated
		shots                        []struct{ name, size string }
	}{
		{
			lang: "fi", h1: "lumobotin tila", retrying: "Yritetään uudelleen", upcoming: "Seuraavat julkaisut",
			reload:  "Asetustiedostossa on virhe; käytössä on edellinen versio.",
			paused:  "Tauolla: mitään ei julkaista ennen kuin asetuksissa on paused: false.",
			flooded: "max_per_hour pidättää julkaisuja kohteissa: mastodon",
			why:     "Tila ei voi kirjata julkaisuja, joten lähettäminen on pysäytetty:",
			reason:  "Syy: jäi väliin, kun lumobot ei ollut käynnissä: tapahtuma oli jo alkanut",
			shots: []struct{ name, size string }{
				{"status-troubled.png", "390,844"},
				{"status-troubled-full.png", "390,6000"},
				{"status-troubled-desktop.png", "1280,1400"},
				{"status-troubled-dark.png", "390,844"},
			},
		},
		{
			lang: "sv", h1: "lumobots status", retrying: "Försöker igen", upcoming: "Kommande inlägg",
			reload:  "Inställningsfilen har ett fel; den föregående versionen används.",
			paused:  "Pausad: inget publiceras förrän inställningarna säger paused: false.",
			flooded: "max_per_hour håller tillbaka inlägg till: mastodon",
			why:     "Tillståndet kan inte registrera leveranser, så sändningen har stoppats:",
			reason:  "Orsak: missades medan lumobot inte var igång: evenemanget hade redan börjat",
			shots:   []struct{ name, size string }{{"status-troubled-sv.png", "390,844"}},
		},
		{
			lang: "en", h1: "lumobot status", retrying: "Retrying", upcoming: "Upcoming posts",
			reload:  "The config file has an error; the previous version is in use.",
			paused:  "Paused: nothing is posted until the config says paused: false.",
			flooded: "max_per_hour is holding posts for: mastodon",
			why:     "The state cannot record deliveries, so sending is held:",
			reason:  "Reason: missed while lumobot was not running: event already started",
			shots:   []struct{ name, size string }{{"status-troubled-en-desktop.png", "1280,2600"}},
		},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			snap := troubledSnapshot(loc)
			snap.Language = tc.lang
			url := serveSnapshot(t, snap)
			doc, err := html.Parse(strings.NewReader(chromium(t, bin, "--window-size=390,844", "--dump-dom", url)))
			if err != nil {
				t.Fatalf("parse the DOM Chromium dumped: %v", err)
			}
			if h := find(doc, isAtom(atom.Html)); len(h) != 1 || attr(h[0], "lang") != tc.lang {
				t.Errorf("html lang is not %q", tc.lang)
			}
			if h1 := texts(find(doc, isAtom(atom.H1))); len(h1) != 1 || h1[0] != tc.h1 {
				t.Errorf("h1 %q, want %q", h1, tc.h1)
			}
			h2 := texts(find(doc, isAtom(atom.H2)))
			if len(h2) != 5 || h2[1] != tc.retrying || h2[2] != tc.upcoming {
				t.Errorf("h2 headings %q: want the retrying section second, then the upcoming one", h2)
			}

			// The banners, in the page's language, alerts first.
			banners := find(doc, func(n *html.Node) bool { return hasClass(n, "banner") })
			var ids []string
			for _, b := range banners {
				ids = append(ids, attr(b, "id")+"/"+attr(b, "role"))
			}
			if want := "reload-error/alert state-problem/alert paused/status flooded/status"; strings.Join(ids, " ") != want {
				t.Errorf("banners %q, want %q", strings.Join(ids, " "), want)
			}
			byID := map[string]string{}
			for _, b := range banners {
				byID[attr(b, "id")] = text(b)
			}
			for id, want := range map[string]string{
				"reload-error":  tc.reload + " /etc/lumobot/lumobot.yaml:14: targets[1].max_per_hour: must be at least 1, not 0",
				"paused":        tc.paused,
				"flooded":       tc.flooded,
				"state-problem": tc.why + " store: disk full",
			} {
				if !strings.HasPrefix(byID[id], want) {
					t.Errorf("banner %s says %q, want it to start with %q", id, byID[id], want)
				}
			}

			// The retrying delivery: attempts, last error, next attempt.
			cards := find(doc, func(n *html.Node) bool { return hasClass(n, "retry") })
			if len(cards) != 1 {
				t.Fatalf("%d retrying cards, want 1", len(cards))
			}
			rc := text(cards[0])
			for _, want := range []string{"Koulutus jatkuu syksyllä", "3", "x: 503 Service Unavailable: over capacity", "news:uutiset:koulutus-2"} {
				if !strings.Contains(rc, want) {
					t.Errorf("retrying card %q lacks %q", rc, want)
				}
			}
			if tm := find(cards[0], isAtom(atom.Time)); len(tm) != 1 || attr(tm[0], "datetime") != "2021-05-05T10:20:00+03:00" {
				t.Errorf("retrying card's next attempt: %q", texts(tm))
			}

			// One upcoming list: the reminder for mastodon and x is one card
			// naming both; the retrying post is not among the planned.
			up := find(doc, func(n *html.Node) bool { return attr(n, "id") == "seuraavat" })
			if len(up) != 1 {
				t.Fatal("no upcoming section")
			}
			keys := texts(find(up[0], func(n *html.Node) bool { return hasClass(n, "key") }))
			if strings.Join(keys, " ") != "reminder:kehittajaryhma-2021-05:1h announcement:sytyketta:2021-05-28" {
				t.Errorf("upcoming keys %q", keys)
			}
			var chips []string
			for _, ul := range find(up[0], func(n *html.Node) bool { return hasClass(n, "targets") }) {
				var names []string
				for _, li := range find(ul, isAtom(atom.Li)) {
					names = append(names, strings.Fields(text(li))[0])
				}
				chips = append(chips, strings.Join(names, ","))
			}
			if strings.Join(chips, " ") != "mastodon,x mastodon" {
				t.Errorf("upcoming targets %q, want [mastodon,x mastodon]", chips)
			}

			seen := text(find(doc, isAtom(atom.Body))[0])
			for _, want := range []string{
				tc.reason,
				`event "kesäjuhla": DTSTART 2021-02-30 is no date; event dropped`, // feed warnings
				`event "viikkopalaveri": RRULE FREQ=SECONDLY refused`,
			} {
				if !strings.Contains(seen, want) {
					t.Errorf("page does not show %q", want)
				}
			}
			if attr(find(doc, isAtom(atom.Body))[0], "data-pwned") != "" || len(find(doc, isAtom(atom.Script))) > 0 {
				t.Error("a script reached the DOM")
			}

			for _, shot := range tc.shots {
				screenshot(t, bin, artifacts, shot.name, shot.size, url)
			}
		})
	}
}

// screenshot writes artifacts/name of url in a window of size ("w,h");
// a name with "dark" is taken in dark mode.
func screenshot(t *testing.T, bin, artifacts, name, size, url string) {
	t.Helper()
	path, err := filepath.Abs(filepath.Join(artifacts, name))
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	args := []string{"--window-size=" + size, "--hide-scrollbars", "--screenshot=" + path}
	if strings.Contains(name, "dark") {
		args = append(args, "--force-dark-mode", "--blink-settings=preferredColorScheme=0")
	}
	chromium(t, bin, append(args, url)...)
	if fi, err := os.Stat(path); err != nil || fi.Size() == 0 {
		t.Errorf("screenshot %s not written: %v", path, err)
	} else {
		t.Logf("screenshot: %s", path)
	}
}

// serveSnapshot serves snap's status page until the test ends and returns its URL.
func serveSnapshot(t *testing.T, snap Snapshot) string {
	t.Helper()
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- New(Options{Now: testClock, Snapshot: func(context.Context) (Snapshot, error) { return snap, nil }}).Serve(ctx, ln)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return "http://" + ln.Addr().String() + "/"
}

func hasClass(n *html.Node, class string) bool {
	return n.Type == html.ElementNode && slices.Contains(strings.Fields(attr(n, "class")), class)
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

// TestBrowserProjects opens the page of a process with three projects in
// headless Chromium: the list, each card in its project's language, and a
// project's own page reached through the card's link, with the link back.
func TestBrowserProjects(t *testing.T) {
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
	base := serveSnapshot(t, projectsSnapshot(t))
	dom := func(url string) *html.Node {
		t.Helper()
		doc, err := html.Parse(strings.NewReader(chromium(t, bin, "--window-size=390,844", "--dump-dom", url)))
		if err != nil {
			t.Fatalf("parse the DOM Chromium dumped: %v", err)
		}
		return doc
	}

	doc := dom(base)
	if h := find(doc, isAtom(atom.Html)); len(h) != 1 || attr(h[0], "lang") != "fi" {
		t.Error("the list is not in Finnish, the language most projects use")
	}
	if h1 := texts(find(doc, isAtom(atom.H1))); len(h1) != 1 || h1[0] != "lumobotin tila" {
		t.Errorf("h1 %q", h1)
	}
	cards := find(doc, func(n *html.Node) bool { return hasClass(n, "project") })
	var got []string
	links := map[string]string{}
	for _, c := range cards {
		name := text(find(c, isAtom(atom.H3))[0])
		got = append(got, name+"/"+attr(c, "lang"))
		if a := find(c, isAtom(atom.A)); len(a) == 1 {
			links[name] = attr(a[0], "href")
		}
	}
	if strings.Join(got, " ") != "lumo/fi muu/sv rikki/fi" {
		t.Errorf("cards %q, want lumo/fi muu/sv rikki/fi", got)
	}
	muuCard := text(cards[1])
	for _, want := range []string{"Nästa inlägg", "Senast publicerat", "Försöker igen 1", "tidszon Europe/Stockholm", "Pausad:"} {
		if !strings.Contains(muuCard, want) {
			t.Errorf("muu's card %q lacks %q", muuCard, want)
		}
	}
	if strings.Contains(muuCard, "Seuraava") {
		t.Error("muu's card speaks Finnish")
	}
	if !strings.Contains(text(cards[2]), "Projekti ei ole käynnissä") {
		t.Errorf("rikki's card: %q", text(cards[2]))
	}
	if len(find(doc, isAtom(atom.Script))) > 0 || attr(find(doc, isAtom(atom.Body))[0], "data-pwned") != "" {
		t.Error("a script reached the DOM")
	}
	screenshot(t, bin, artifacts, "projects.png", "390,844", base)
	screenshot(t, bin, artifacts, "projects-desktop.png", "1280,1200", base)
	screenshot(t, bin, artifacts, "projects-dark.png", "390,844", base)

	// Follow muu's link as the browser resolves it.
	if links["muu"] != "projects/muu/" {
		t.Fatalf("muu's link %q", links["muu"])
	}
	page := dom(base + links["muu"])
	if h := find(page, isAtom(atom.Html)); attr(h[0], "lang") != "sv" {
		t.Error("muu's page is not in Swedish")
	}
	if h1 := texts(find(page, isAtom(atom.H1))); len(h1) != 1 || h1[0] != "lumobots status: muu" {
		t.Errorf("muu's h1 %q", h1)
	}
	back := find(page, func(n *html.Node) bool { return n.DataAtom == atom.A && text(n) == "← Alla projekt" })
	if len(back) != 1 || attr(back[0], "href") != "../../" {
		t.Errorf("no link back to the list on muu's page")
	}
	if h2 := texts(find(page, isAtom(atom.H2))); len(h2) != 5 || h2[1] != "Försöker igen" {
		t.Errorf("muu's sections %q", h2)
	}
	screenshot(t, bin, artifacts, "projects-muu.png", "390,844", base+links["muu"])
}
