package bench

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// words are the Finnish text the generated feeds are made of (with ä, ö, å
// and an entity or two, as real feeds have).
var words = strings.Fields(`lastensuojelun uudistaminen monialaisesti hanke kehittää yhdessä
kuntien hyvinvointialueiden järjestöjen kanssa toimintamalleja joissa lapsen ääni kuuluu
päätöksenteossa perheiden tukeminen varhaisessa vaiheessa sosiaalityö terveydenhuolto koulu
varhaiskasvatus poliisi nuorisotyö seminaari työpaja koulutus verkkotapahtuma ilmoittautuminen
avautuu päättyy kesäkuussa syyskuussa Jyväskylässä Helsingissä Oulussa Tampereella Åbo
kehittäjäryhmä kokoontuu keskiviikkona tervetuloa mukaan lisätietoja löydät sivuiltamme
tutkimus raportti julkaistu tänään näkökulma asiantuntija haastattelu blogi uutiskirje`)

// feedDoc builds feed f: an RSS 2.0 document of n items of about 400 bytes
// each (40 KB for 100), newest first, deterministic.
func feedDoc(f, n int, base time.Time) []byte {
	var b strings.Builder
	b.Grow(n*420 + 600)
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>LUMO-uutiset %d</title>
<link>https://lumo.example/uutiset/%d/</link>
<description>Lastensuojelun uudistaminen monialaisesti – uutiset, syöte %d</description>
<language>fi</language>
`, f, f, f)
	w := f * 7
	text := func(k int) string {
		var t strings.Builder
		for range k {
			t.WriteString(words[w%len(words)])
			t.WriteByte(' ')
			w = w*31 + 7
			if w < 0 {
				w = -w
			}
		}
		return strings.TrimSpace(t.String())
	}
	for i := range n {
		pub := base.Add(-time.Duration(i) * 37 * time.Minute)
		fmt.Fprintf(&b, `<item>
<title>%s</title>
<link>https://lumo.example/uutiset/%d/%d-artikkeli</link>
<guid isPermaLink="false">lumo-%d-%d</guid>
<pubDate>%s</pubDate>
<category>%s</category>
<description>&lt;p&gt;%s &amp;ndash; %s.&lt;/p&gt;&lt;p&gt;%s&lt;/p&gt;</description>
</item>
`, text(5), f, i, f, i, pub.UTC().Format(time.RFC1123Z), text(1), text(4), text(3), text(3))
	}
	b.WriteString("</channel>\n</rss>\n")
	return []byte(b.String())
}

// icsDoc builds a calendar of n events, each weekly from start (RRULE), in
// Europe/Helsinki, spread over the week's days and hours.
func icsDoc(n int, start time.Time) []byte {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//lumobench//FI\r\nCALSCALE:GREGORIAN\r\n")
	for i := range n {
		s := start.AddDate(0, 0, i%7).Add(time.Duration(8+i%9)*time.Hour + time.Duration(i%4)*15*time.Minute)
		e := s.Add(90 * time.Minute)
		fmt.Fprintf(&b, "BEGIN:VEVENT\r\nUID:lumobench-%d@lumo.example\r\nDTSTAMP:20260101T000000Z\r\n"+
			"DTSTART;TZID=Europe/Helsinki:%s\r\nDTEND;TZID=Europe/Helsinki:%s\r\nRRULE:FREQ=WEEKLY\r\n"+
			"SUMMARY:Kehittäjäryhmän tapaaminen %d\r\nLOCATION:Jyväskylä ja Teams\r\n"+
			"URL:https://lumo.example/tapahtumat/%d\r\nEND:VEVENT\r\n",
			i, s.Format("20060102T150405"), e.Format("20060102T150405"), i, i)
	}
	b.WriteString("END:VCALENDAR\r\n")
	return []byte(b.String())
}

// doc is one served document with its validators.
type doc struct {
	body         []byte
	etag, lastMd string
	ctype        string
}

// Server serves the generated feeds (/feed/<i>.xml), the calendar
// (/events.ics) with ETag, Last-Modified and 304, and records webhook posts
// (/hook) with their arrival time.
type Server struct {
	URL  string
	ln   net.Listener
	srv  *http.Server
	docs map[string]doc

	mu       sync.Mutex
	hooks    []Hook
	full     int // 200 answers
	notMod   int // 304 answers
	hookWait chan struct{}
}

// Hook is one webhook request as it arrived.
type Hook struct {
	At   time.Time
	Body string
}

// NewServer starts a loopback server with feeds × items news feeds and a
// calendar of events weekly events.
func NewServer(feeds, items, events int) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{URL: "http://" + ln.Addr().String(), ln: ln, docs: map[string]doc{}, hookWait: make(chan struct{}, 1)}
	lm := time.Date(2026, 1, 5, 6, 0, 0, 0, time.UTC)
	base := time.Now().Truncate(time.Hour)
	for f := range feeds {
		s.docs["/feed/"+strconv.Itoa(f)+".xml"] = doc{
			body: feedDoc(f, items, base), etag: fmt.Sprintf(`"lumobench-%d-%d"`, f, items),
			lastMd: lm.Format(http.TimeFormat), ctype: "application/rss+xml; charset=utf-8",
		}
	}
	s.docs["/events.ics"] = doc{
		body: icsDoc(events, previewStart), etag: fmt.Sprintf(`"lumobench-ics-%d"`, events),
		lastMd: lm.Format(http.TimeFormat), ctype: "text/calendar; charset=utf-8",
	}
	s.srv = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// FeedURL is feed i's address.
func (s *Server) FeedURL(i int) string { return s.URL + "/feed/" + strconv.Itoa(i) + ".xml" }

// FeedBytes is the size of feed 0.
func (s *Server) FeedBytes() int { return len(s.docs["/feed/0.xml"].body) }

// Close stops the server.
func (s *Server) Close() { _ = s.srv.Close() }

// Counts returns how many full and 304 answers were sent so far.
func (s *Server) Counts() (full, notModified int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.full, s.notMod
}

// Hooks returns the webhook requests received so far.
func (s *Server) Hooks() []Hook {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Hook(nil), s.hooks...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/hook" {
		at := time.Now()
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		s.mu.Lock()
		s.hooks = append(s.hooks, Hook{At: at, Body: string(body)})
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	d, ok := s.docs[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	h := w.Header()
	h.Set("ETag", d.etag)
	h.Set("Last-Modified", d.lastMd)
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == d.etag ||
		inm == "" && r.Header.Get("If-Modified-Since") == d.lastMd {
		s.mu.Lock()
		s.notMod++
		s.mu.Unlock()
		w.WriteHeader(http.StatusNotModified)
		return
	}
	s.mu.Lock()
	s.full++
	s.mu.Unlock()
	h.Set("Content-Type", d.ctype)
	h.Set("Content-Length", strconv.Itoa(len(d.body)))
	_, _ = w.Write(d.body)
}
