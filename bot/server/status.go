package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// Snapshot is what the status page and /status.json show; the core builds it.
type Snapshot struct {
	Now      time.Time      // zero: the server's clock
	Location *time.Location // times are shown in this zone; nil: time.Local
	Language string         // the config's language (fi, sv, en): the page's; "": fi
	Paused   bool           // every post is held
	Config   ConfigView
	// Flooded are the targets whose max_per_hour valve holds posts now.
	Flooded []string
	// StateProblem is why the state cannot record a delivery now, so that
	// sending is held; "": it can.
	StateProblem string
	Targets      []TargetView
	Feeds        []FeedView

	// Project names the snapshot's project when the process runs several
	// (--config DIR); "" with one config file.
	Project string
	// Projects, when not empty, are the process's projects, one Snapshot
	// each with Project set and its own Language and Location (a zero Now
	// is this one's). The page then lists them, each with a page of its
	// own at projects/<name>/, and /status.json lists them; the other
	// fields here, but Now and Location, are not used. Empty: the
	// snapshot is the one project's, and the page and /status.json are
	// the one project's as they were before projects.
	Projects []Snapshot
}

// ConfigView is the running config and the last rejected reload.
type ConfigView struct {
	File     string
	LoadedAt time.Time // when the running config was loaded
	// ReloadError is why the last reload was rejected, kept until a reload
	// succeeds; "": none was.
	ReloadError   string
	ReloadErrorAt time.Time
	// NotRunning: no version of the project runs, since its file was
	// refused from the start (ReloadError says why).
	NotRunning bool
}

// TargetView is one target on the status page.
type TargetView struct {
	Name string
	Type string     // x | mastodon | bluesky | webhook | console
	Next []bot.Post // planned posts, in due order
	// Open are the target's pending and sending deliveries; a pending one
	// with attempts and a reason is retrying.
	Open   []bot.Delivery
	Recent []bot.Delivery // the last ended deliveries (sent, failed, skipped), newest first
	// Month is a target with a budget's spending this month; nil: none.
	Month *MonthView
}

// MonthView is a target's money this calendar month.
type MonthView struct {
	Month   string    // 2006-01
	Spent   bot.Money // recorded after each sent post
	Planned bot.Money // what the posts planned for the rest of the month add
	Budget  bot.Money // below zero: none, only counted
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
	Warnings    []string // what the parser fixed or dropped in the last good read
}

// retrying reports whether an open delivery failed and waits to be tried again.
func retrying(d bot.Delivery) bool {
	return d.Status == bot.StatusPending && d.Attempts > 0 && d.Reason != ""
}

// failing reports whether a feed's last error is newer than its last success.
func (f FeedView) failing() bool {
	return f.LastError != "" && !f.LastErrorAt.Before(f.LastOK)
}

// ConfigStatus keeps, for the page, which config runs since when and why
// the last reload was rejected. It is safe for concurrent use.
type ConfigStatus struct {
	mu   sync.Mutex
	view ConfigView
}

// NewConfigStatus starts with file loaded at loadedAt.
func NewConfigStatus(file string, loadedAt time.Time) *ConfigStatus {
	return &ConfigStatus{view: ConfigView{File: file, LoadedAt: loadedAt}}
}

// Loaded records a successful reload: file runs from at, and an earlier
// rejection is over.
func (c *ConfigStatus) Loaded(file string, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.view = ConfigView{File: file, LoadedAt: at}
}

// Rejected records a reload refused at at; the running config stays. err
// is shown on the page, so it must not carry secrets (config errors name
// keys, never values of secrets).
func (c *ConfigStatus) Rejected(err error, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.view.ReloadError, c.view.ReloadErrorAt = err.Error(), at
}

// NotRunning records that file was refused at at and that no version of
// its project runs (it never loaded); a later Loaded ends it.
func (c *ConfigStatus) NotRunning(file string, err error, at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.view = ConfigView{File: file, ReloadError: err.Error(), ReloadErrorAt: at, NotRunning: true}
}

// View returns what is recorded.
func (c *ConfigStatus) View() ConfigView {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.view
}

//go:embed templates/*.html
var templateFS embed.FS

// Templates are parsed once, at start; a broken one fails every test.
var (
	statusTmpl   = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/status.html"))
	projectsTmpl = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/projects.html"))
	errorTmpl    = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/error.html"))
)

func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) (Snapshot, bool) {
	ctx, cancel := context.WithTimeout(r.Context(), snapshotTimeout)
	defer cancel()
	snap, err := s.opts.Snapshot(ctx)
	if err != nil {
		s.log.Error("build status page snapshot", "err", err)
		return Snapshot{}, false
	}
	if snap.Now.IsZero() {
		snap.Now = s.opts.Now()
	}
	if snap.Location == nil {
		snap.Location = time.Local
		if len(snap.Projects) > 0 && snap.Projects[0].Location != nil {
			snap.Location = snap.Projects[0].Location
		}
	}
	snap.Projects = slices.Clone(snap.Projects) // the caller's stays as it was
	for i := range snap.Projects {
		p := &snap.Projects[i]
		if p.Now.IsZero() {
			p.Now = snap.Now
		}
		if p.Location == nil {
			p.Location = snap.Location
		}
	}
	return snap, true
}

func (s *Server) status(w http.ResponseWriter, r *http.Request) {
	snap, ok := s.snapshot(w, r)
	if !ok {
		s.errorPage(w, http.StatusInternalServerError)
		return
	}
	if len(snap.Projects) > 0 {
		s.render(w, projectsTmpl, newOverview(snap))
		return
	}
	s.render(w, statusTmpl, newPage(snap))
}

// render writes the page data of tmpl, or the error page.
func (s *Server) render(w http.ResponseWriter, tmpl *template.Template, data any) {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "layout", data); err != nil {
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
	data := page{Lang: "fi", Title: "Virhe – lumobot", Code: code}
	if err := errorTmpl.ExecuteTemplate(w, "layout", data); err != nil {
		s.log.Error("render error page", "err", err)
	}
}

// page is the status page's view model: every time already formatted,
// every text in the page's language.
type page struct {
	Lang, Title string
	M           *messages
	Code        int // error page only
	Updated     timeView
	Zone        string

	Project      string // the project's name, on its own page among several; "": the one project
	Home         string // the link to every project's list, with Project
	Paused       bool
	Config       configData
	Flooded      []string
	StateProblem string

	Errors     []errorView
	Retrying   []retryData
	Upcoming   []upcomingData
	NothingFor []string // targets with nothing planned
	Targets    []targetData
	Feeds      []feedData
}

type timeView struct {
	ISO  string // for <time datetime>
	Text string // ke 5.5.2021 klo 13.30
	Rel  string // 2 t 5 min kuluttua
	Zero bool
}

type configData struct {
	File          string
	LoadedAt      timeView
	ReloadError   string
	ReloadErrorAt timeView
	NotRunning    bool
}

type targetData struct {
	Name, Type string
	Recent     []deliveryData
	Month      string // "this month: spent …", for a target with a budget
}

type postData struct {
	Key, Kind, Text, Link string
	ShowLink              bool // the link is not already in the text
	Images                []imageData
}

// imageData is one image of a post: its thumbnail and its alt text.
type imageData struct {
	Name, Alt, Thumb string
}

// ThumbID names a post's image in the status page's thumbnail URLs
// (/thumbs/<id>), so that the page never shows a file path or a signed
// URL. Options.Thumb is asked for the image by this name.
func ThumbID(source string) string {
	sum := sha256.Sum256([]byte(source))
	return hex.EncodeToString(sum[:16])
}

func imagesView(imgs []bot.Image) []imageData {
	if len(imgs) == 0 {
		return nil
	}
	out := make([]imageData, len(imgs))
	for i, im := range imgs {
		out[i] = imageData{Name: im.Name(), Alt: im.Alt, Thumb: "/thumbs/" + ThumbID(im.Source)}
	}
	return out
}

// upcomingData is one planned post (one key) and the targets it goes to.
type upcomingData struct {
	postData
	Due      timeView // the earliest of its targets'
	Overdue  bool
	Variants []variantData // one per distinct text: a platform's limit can shorten it
}

type variantData struct {
	Text    string
	Targets []targetDue
}

type targetDue struct {
	Name     string
	Due      timeView
	OtherDue bool // due at another time than the card says
}

type retryData struct {
	postData
	Target      string
	Attempts    int
	LastError   string
	NextAttempt timeView
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
	Warnings        []string
}

type errorView struct {
	What   string // "Syöte uutiset" or "Kohde x"
	At     timeView
	Reason string
	Text   string // the post's text, for a failed delivery
	Key    string
	at     time.Time
}

// newPage builds the page of s, whose Now and Location are set.
func newPage(s Snapshot) page {
	lang, m := catalog(s.Language)
	now, loc := s.Now, s.Location
	tv := func(t time.Time) timeView { return m.formatTime(t, now, loc) }
	p := page{
		Lang: lang, Title: m.Title, M: m, Updated: tv(now), Zone: loc.String(),
		Paused: s.Paused, Flooded: s.Flooded, StateProblem: s.StateProblem,
		Config: configData{
			File: s.Config.File, LoadedAt: tv(s.Config.LoadedAt),
			ReloadError: s.Config.ReloadError, ReloadErrorAt: tv(s.Config.ReloadErrorAt),
			NotRunning: s.Config.NotRunning,
		},
	}
	if s.Project != "" {
		p.Project, p.Title = s.Project, s.Project+" – "+m.Title
	}

	var plan []planned
	for _, t := range s.Targets {
		td := targetData{Name: t.Name, Type: t.Type}
		if mv := t.Month; mv != nil {
			budget := m.NoBudget
			if mv.Budget >= 0 {
				budget = mv.Budget.String()
			}
			td.Month = fmt.Sprintf(m.MonthSpend, mv.Month, mv.Spent, mv.Planned, budget)
		}
		isRetrying := map[string]bool{}
		for _, d := range t.Open {
			if !retrying(d) {
				continue
			}
			isRetrying[d.Key] = true
			p.Retrying = append(p.Retrying, retryData{
				postData: postView(d.Post, m), Target: t.Name, Attempts: d.Attempts,
				LastError: m.reason(d.Reason), NextAttempt: tv(d.NextAttempt),
			})
		}
		n := 0
		for _, np := range t.Next {
			// A retrying post is shown with its attempts, not as planned.
			if !isRetrying[np.Key] {
				plan = append(plan, planned{t.Name, np})
				n++
			}
		}
		if n == 0 {
			p.NothingFor = append(p.NothingFor, t.Name)
		}
		for _, d := range t.Recent {
			dd := deliveryData{
				postData:    postView(d.Post, m),
				Status:      m.statusLabel(d.Status),
				StatusClass: string(d.Status),
				At:          tv(d.Updated),
				Reason:      m.reason(d.Reason),
				Attempts:    d.Attempts,
			}
			if d.Status == bot.StatusSent {
				dd.RemoteURL = d.RemoteURL
				dd.Reason = ""
			}
			td.Recent = append(td.Recent, dd)
			if d.Status == bot.StatusFailed {
				p.Errors = append(p.Errors, errorView{
					What: m.TargetWord + " " + t.Name, At: tv(d.Updated), Reason: orDash(m.reason(d.Reason)),
					Text: d.Text, Key: d.Key, at: d.Updated,
				})
			}
		}
		p.Targets = append(p.Targets, td)
	}
	p.Upcoming = upcoming(plan, m, tv, now)
	if len(p.Upcoming) == 0 {
		p.NothingFor = nil // the page says "nothing planned" once
	}

	for _, f := range s.Feeds {
		fd := feedData{
			Name: f.Name, URL: f.URL, Kind: m.feedKindLabel(f.Kind), Items: f.Items,
			LastOK: tv(f.LastOK), LastError: f.LastError, LastErrorAt: tv(f.LastErrorAt),
			Failing: f.failing(), Warnings: f.Warnings,
		}
		if fd.Failing {
			p.Errors = append(p.Errors, errorView{
				What: m.FeedWord + " " + f.Name, At: fd.LastErrorAt, Reason: f.LastError, at: f.LastErrorAt,
			})
		}
		p.Feeds = append(p.Feeds, fd)
	}
	// Newest error first; those without a time last.
	sort.SliceStable(p.Errors, func(i, j int) bool { return p.Errors[i].at.After(p.Errors[j].at) })
	return p
}

// planned is one target's planned post.
type planned struct {
	target string
	post   bot.Post
}

// upcoming joins the targets' plans into one list: a post (one key) once,
// with the targets it goes to, by its earliest due time.
func upcoming(plan []planned, m *messages, tv func(time.Time) timeView, now time.Time) []upcomingData {
	type group struct {
		first bot.Post
		due   time.Time
		items []planned
	}
	var order []string
	groups := map[string]*group{}
	for _, it := range plan {
		g, ok := groups[it.post.Key]
		if !ok {
			g = &group{first: it.post, due: it.post.Due}
			groups[it.post.Key] = g
			order = append(order, it.post.Key)
		}
		if it.post.Due.Before(g.due) {
			g.due = it.post.Due
		}
		g.items = append(g.items, it)
	}
	sort.SliceStable(order, func(i, j int) bool {
		a, b := groups[order[i]], groups[order[j]]
		if !a.due.Equal(b.due) {
			return a.due.Before(b.due)
		}
		return order[i] < order[j]
	})
	out := make([]upcomingData, 0, len(order))
	for _, key := range order {
		g := groups[key]
		u := upcomingData{
			postData: postView(g.first, m), Due: tv(g.due),
			Overdue: !g.due.IsZero() && g.due.Before(now),
		}
		for _, it := range g.items {
			td := targetDue{Name: it.target, Due: tv(it.post.Due), OtherDue: !it.post.Due.Equal(g.due)}
			i := slices.IndexFunc(u.Variants, func(v variantData) bool { return v.Text == it.post.Text })
			if i < 0 {
				u.Variants = append(u.Variants, variantData{Text: it.post.Text})
				i = len(u.Variants) - 1
			}
			u.Variants[i].Targets = append(u.Variants[i].Targets, td)
		}
		u.ShowLink = u.Link != "" && !strings.Contains(u.Variants[0].Text, u.Link)
		out = append(out, u)
	}
	return out
}

func postView(p bot.Post, m *messages) postData {
	return postData{
		Key: p.Key, Kind: m.kindLabel(p.Kind), Text: p.Text, Link: p.Link,
		ShowLink: p.Link != "" && !strings.Contains(p.Text, p.Link),
		Images:   imagesView(p.Images),
	}
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

// formatTime formats t the Finnish way; see messages.formatTime.
func formatTime(t, now time.Time, loc *time.Location) timeView { return fi.formatTime(t, now, loc) }
