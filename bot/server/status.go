package server

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// Snapshot is what the status page shows; the core builds it.
type Snapshot struct {
	Now      time.Time      // zero: the server's clock
	Location *time.Location // times are shown in this zone; nil: time.Local
	Targets  []TargetView
	Feeds    []FeedView
}

// TargetView is one target on the status page.
type TargetView struct {
	Name   string
	Type   string         // x | mastodon | bluesky | webhook | console
	Next   []bot.Post     // planned posts, in due order
	Recent []bot.Delivery // the last ended deliveries (sent, failed, skipped), newest first
}

// FeedView is one feed on the status page.
type FeedView struct {
	Name        string
	URL         string // already redacted
	Kind        string // news | events
	LastOK      time.Time
	LastError   string
	LastErrorAt time.Time
	Items       int
}

//go:embed templates/*.html
var templateFS embed.FS

// Templates are parsed once, at start; a broken one fails every test.
var (
	statusTmpl = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/status.html"))
	errorTmpl  = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/error.html"))
)

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), snapshotTimeout)
	defer cancel()
	snap, err := s.opts.Snapshot(ctx)
	if err != nil {
		s.log.Error("build status page snapshot", "err", err)
		s.errorPage(w, http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := statusTmpl.ExecuteTemplate(&buf, "layout", newPage(snap, s.opts.Now)); err != nil {
		s.log.Error("render status page", "err", err)
		s.errorPage(w, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	buf.WriteTo(w)
}

func (s *Server) errorPage(w http.ResponseWriter, code int) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(code)
	data := page{Title: "Virhe – lumobot", Code: code}
	if err := errorTmpl.ExecuteTemplate(w, "layout", data); err != nil {
		s.log.Error("render error page", "err", err)
	}
}

// page is the status page's view model: every time already formatted.
type page struct {
	Title   string
	Code    int // error page only
	Updated timeView
	Zone    string
	Errors  []errorView
	Targets []targetData
	Feeds   []feedData
	AnyNext bool
	AnyLast bool
}

type timeView struct {
	ISO  string // for <time datetime>
	Text string // ke 5.5.2021 klo 13.30
	Rel  string // 2 t 5 min kuluttua
	Zero bool
}

type targetData struct {
	Name, Type string
	Next       []postData
	Recent     []deliveryData
}

type postData struct {
	Key, Kind, Text, Link string
	ShowLink              bool // the link is not already in the text
	Due                   timeView
	Overdue               bool
}

type deliveryData struct {
	postData
	Status, StatusClass string
	At                  timeView
	RemoteURL, Reason   string
	Attempts            int
}

type feedData struct {
	Name, URL, Kind string
	Items           int
	LastOK          timeView
	LastError       string
	LastErrorAt     timeView
	Failing         bool
}

type errorView struct {
	What   string // "Syöte uutiset" or "Kohde x"
	At     timeView
	Reason string
	Text   string // the post's text, for a failed delivery
	Key    string
	at     time.Time
}

func newPage(s Snapshot, clock func() time.Time) page {
	loc := s.Location
	if loc == nil {
		loc = time.Local
	}
	now := s.Now
	if now.IsZero() {
		now = clock()
	}
	tv := func(t time.Time) timeView { return formatTime(t, now, loc) }
	p := page{Title: "lumobotin tila", Updated: tv(now), Zone: loc.String()}

	for _, t := range s.Targets {
		td := targetData{Name: t.Name, Type: t.Type}
		for _, np := range t.Next {
			td.Next = append(td.Next, postView(np, tv, now))
		}
		for _, d := range t.Recent {
			dd := deliveryData{
				postData:    postView(d.Post, tv, now),
				Status:      statusLabel(d.Status),
				StatusClass: string(d.Status),
				At:          tv(d.Updated),
				Reason:      d.Reason,
				Attempts:    d.Attempts,
			}
			if d.Status == bot.StatusSent {
				dd.RemoteURL = d.RemoteURL
				dd.Reason = ""
			}
			td.Recent = append(td.Recent, dd)
			if d.Status == bot.StatusFailed {
				p.Errors = append(p.Errors, errorView{
					What: "Kohde " + t.Name, At: tv(d.Updated), Reason: orDash(d.Reason),
					Text: d.Text, Key: d.Key, at: d.Updated,
				})
			}
		}
		p.AnyNext = p.AnyNext || len(td.Next) > 0
		p.AnyLast = p.AnyLast || len(td.Recent) > 0
		p.Targets = append(p.Targets, td)
	}
	for _, f := range s.Feeds {
		fd := feedData{
			Name: f.Name, URL: f.URL, Kind: feedKindLabel(f.Kind), Items: f.Items,
			LastOK: tv(f.LastOK), LastError: f.LastError, LastErrorAt: tv(f.LastErrorAt),
		}
		// A feed is failing while its last error is newer than its last success.
		fd.Failing = f.LastError != "" && !f.LastErrorAt.Before(f.LastOK)
		if fd.Failing {
			p.Errors = append(p.Errors, errorView{
				What: "Syöte " + f.Name, At: fd.LastErrorAt, Reason: f.LastError, at: f.LastErrorAt,
			})
		}
		p.Feeds = append(p.Feeds, fd)
	}
	// Newest error first; those without a time last.
	sort.SliceStable(p.Errors, func(i, j int) bool { return p.Errors[i].at.After(p.Errors[j].at) })
	return p
}

func postView(p bot.Post, tv func(time.Time) timeView, now time.Time) postData {
	return postData{
		Key: p.Key, Kind: kindLabel(p.Kind), Text: p.Text, Link: p.Link,
		ShowLink: p.Link != "" && !strings.Contains(p.Text, p.Link),
		Due:      tv(p.Due), Overdue: !p.Due.IsZero() && p.Due.Before(now),
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

var weekdaysFi = [...]string{"su", "ma", "ti", "ke", "to", "pe", "la"}

// formatTime formats t in loc the Finnish way: "ke 5.5.2021 klo 13.30",
// with the distance from now ("2 t 5 min kuluttua", "3 pv sitten").
func formatTime(t, now time.Time, loc *time.Location) timeView {
	if t.IsZero() {
		return timeView{Zero: true}
	}
	l := t.In(loc)
	return timeView{
		ISO: l.Format(time.RFC3339),
		Text: fmt.Sprintf("%s %d.%d.%d klo %d.%02d",
			weekdaysFi[l.Weekday()], l.Day(), int(l.Month()), l.Year(), l.Hour(), l.Minute()),
		Rel: relative(t.Sub(now)),
	}
}

// relative says a duration in Finnish: "nyt", "5 min kuluttua", "1 t 5 min
// sitten", "3 pv 2 t kuluttua".
func relative(d time.Duration) string {
	suffix := "kuluttua"
	if d < 0 {
		d, suffix = -d, "sitten"
	}
	d = d.Round(time.Minute)
	if d < time.Minute {
		return "nyt"
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	var s string
	switch {
	case days > 0 && hours > 0:
		s = fmt.Sprintf("%d pv %d t", days, hours)
	case days > 0:
		s = fmt.Sprintf("%d pv", days)
	case hours > 0 && mins > 0:
		s = fmt.Sprintf("%d t %d min", hours, mins)
	case hours > 0:
		s = fmt.Sprintf("%d t", hours)
	default:
		s = fmt.Sprintf("%d min", mins)
	}
	return s + " " + suffix
}

func kindLabel(k bot.Kind) string {
	switch k {
	case bot.KindAnnouncement:
		return "tiedote"
	case bot.KindReminder:
		return "muistutus"
	case bot.KindNews:
		return "uutinen"
	}
	return string(k)
}

func statusLabel(st bot.Status) string {
	switch st {
	case bot.StatusSent:
		return "julkaistu"
	case bot.StatusFailed:
		return "epäonnistui"
	case bot.StatusSkipped:
		return "ohitettu"
	case bot.StatusPending:
		return "odottaa"
	case bot.StatusSending:
		return "lähettämässä"
	}
	return string(st)
}

func feedKindLabel(k string) string {
	switch k {
	case "news":
		return "uutissyöte"
	case "events":
		return "tapahtumakalenteri"
	}
	return k
}
