package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
)

// Several projects in one process: / lists them, one card each in the
// project's own language; projects/<name>/ is a project's page, the one
// page of a single project with a link back; /status.json lists every
// project's status and projects/<name>/status.json is one project's.

// project returns the named project of a snapshot of several.
func (s Snapshot) project(name string) (Snapshot, bool) {
	for _, p := range s.Projects {
		if p.Project == name {
			return p, true
		}
	}
	return Snapshot{}, false
}

// projectPage is projects/{name}/.
func (s *Server) projectPage(w http.ResponseWriter, r *http.Request) {
	snap, ok := s.snapshot(w, r)
	if !ok {
		s.errorPage(w, http.StatusInternalServerError)
		return
	}
	p, ok := snap.project(r.PathValue("name"))
	if !ok {
		s.notFound(w)
		return
	}
	page := newPage(p)
	page.Home = "../../"
	s.render(w, statusTmpl, page)
}

func (s *Server) notFound(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusNotFound)
	data := page{Lang: "fi", Title: "Ei löydy – lumobot", Code: http.StatusNotFound, Home: "../../"}
	if err := errorTmpl.ExecuteTemplate(w, "layout", data); err != nil {
		s.log.Error("render not found page", "err", err)
	}
}

// projectStatusJSON is projects/{name}/status.json.
func (s *Server) projectStatusJSON(w http.ResponseWriter, r *http.Request) {
	snap, ok := s.snapshot(w, r)
	if !ok {
		jsonError(w, http.StatusInternalServerError, "the status could not be read; see the log")
		return
	}
	p, ok := snap.project(r.PathValue("name"))
	if !ok {
		jsonError(w, http.StatusNotFound, "no such project")
		return
	}
	s.writeJSON(w, newProjectJSON(p))
}

func jsonError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	body, _ := json.Marshal(map[string]string{"error": msg})
	w.Write(append(body, '\n'))
}

// projectsJSON is /status.json of several projects.
type projectsJSON struct {
	Now      string        `json:"now"`
	Projects []projectJSON `json:"projects"`
}

// projectJSON is one project: its name, language and whether it runs,
// then what /status.json of a single project says.
type projectJSON struct {
	Name     string `json:"name"`
	Language string `json:"language"`
	// Running is false for a project whose file was refused from the
	// start: config.reload_error says why.
	Running bool `json:"running"`
	statusJSON
}

func newProjectJSON(p Snapshot) projectJSON {
	lang, _ := catalog(p.Language)
	return projectJSON{Name: p.Project, Language: lang, Running: !p.Config.NotRunning, statusJSON: newStatusJSON(p)}
}

func newProjectsJSON(s Snapshot) projectsJSON {
	out := projectsJSON{Now: s.Now.In(s.Location).Format(time.RFC3339), Projects: []projectJSON{}}
	for _, p := range s.Projects {
		out.Projects = append(out.Projects, newProjectJSON(p))
	}
	return out
}

// overview is the list of projects' view model. Its own texts are in the
// language most projects use; each card is in its project's.
type overview struct {
	Lang, Title string
	M           *messages
	Updated     timeView
	Zone        string
	Projects    []projectCard
}

// projectCard is one project in the list, in its own language and zone.
type projectCard struct {
	Name, Lang, Link string
	M                *messages
	Zone             string
	Page             page // the project's page, whose counts the card shows
	Next             *upcomingData
	NextText         string // the next post's text, cut short for the card
	LastSent         timeView
	Targets          []string
	Alert            bool // something needs staff: an error, a refused file, a state that cannot record
}

// cardTextRunes is how much of the next post's text a card shows.
const cardTextRunes = 140

func newOverview(s Snapshot) overview {
	lang, m := catalog(majorityLanguage(s.Projects))
	o := overview{
		Lang: lang, Title: m.Title, M: m, Zone: s.Location.String(),
		Updated: m.formatTime(s.Now, s.Now, s.Location),
	}
	for _, p := range s.Projects {
		pg := newPage(p)
		c := projectCard{
			Name: p.Project, Lang: pg.Lang, Link: "projects/" + p.Project + "/", M: pg.M, Zone: p.Location.String(), Page: pg,
			Alert: len(pg.Errors) > 0 || p.Config.ReloadError != "" || p.Config.NotRunning || p.StateProblem != "",
		}
		if len(pg.Upcoming) > 0 {
			c.Next = &pg.Upcoming[0]
			c.NextText = shorten(c.Next.Variants[0].Text, cardTextRunes)
		}
		var last time.Time
		for _, t := range p.Targets {
			c.Targets = append(c.Targets, t.Name)
			for _, d := range t.Recent {
				if d.Status == bot.StatusSent && d.Updated.After(last) {
					last = d.Updated
				}
			}
		}
		c.LastSent = pg.M.formatTime(last, p.Now, p.Location)
		o.Projects = append(o.Projects, c)
	}
	return o
}

// majorityLanguage is the language most projects' pages are in, for the
// list's own texts; a tie goes to the earlier of fi, sv, en.
func majorityLanguage(ps []Snapshot) string {
	n := map[string]int{}
	for _, p := range ps {
		lang, _ := catalog(p.Language)
		n[lang]++
	}
	best := "fi"
	for _, lang := range []string{"fi", "sv", "en"} {
		if n[lang] > n[best] {
			best = lang
		}
	}
	return best
}

// shorten cuts s to at most n runes at a space, with an ellipsis.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)[:n]
	cut := string(r)
	if i := strings.LastIndexByte(cut, ' '); i > n/2 {
		cut = cut[:i]
	}
	return strings.TrimRight(cut, " ") + "…"
}
