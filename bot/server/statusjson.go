package server

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// statusJSON is /status.json: what the status page shows, for ops and
// tests. Reasons are the core's own (English) texts, times RFC 3339 in the
// snapshot's zone, null where there is none; lists are [] when empty.
type statusJSON struct {
	Now          string       `json:"now"`
	Paused       bool         `json:"paused"`
	Config       configJSON   `json:"config"`
	Flooded      []string     `json:"flooded"`
	StateProblem *string      `json:"state_problem"`
	Targets      []targetJSON `json:"targets"`
	Feeds        []feedJSON   `json:"feeds"`
}

type configJSON struct {
	File          string  `json:"file"`
	LoadedAt      *string `json:"loaded_at"`
	ReloadError   *string `json:"reload_error"`
	ReloadErrorAt *string `json:"reload_error_at"`
}

type targetJSON struct {
	Name     string         `json:"name"`
	Type     string         `json:"type"`
	Upcoming []upcomingJSON `json:"upcoming"`
	Sent     []sentJSON     `json:"sent"`
	Retrying []retryJSON    `json:"retrying"`
	Failed   []endedJSON    `json:"failed"`
	Skipped  []endedJSON    `json:"skipped"`
	Month    *monthJSON     `json:"month,omitempty"`
}

// monthJSON is a budget target's spending this month, in the currency of
// its pricing; budget null: no cap.
type monthJSON struct {
	Month   string   `json:"month"`
	Spent   float64  `json:"spent"`
	Planned float64  `json:"planned"`
	Budget  *float64 `json:"budget"`
}

type postJSON struct {
	Key    string      `json:"key"`
	Kind   string      `json:"kind"`
	Text   string      `json:"text"`
	Images []imageJSON `json:"images,omitempty"`
}

// imageJSON is a post's image: its name (a file's base name, or the URL),
// alt text, and the path of its thumbnail on this server.
type imageJSON struct {
	Image string `json:"image"`
	Alt   string `json:"alt"`
	Thumb string `json:"thumb"`
}

type upcomingJSON struct {
	postJSON
	Due *string `json:"due"`
}

type sentJSON struct {
	postJSON
	At  *string `json:"at"`
	URL string  `json:"url,omitempty"`
}

type retryJSON struct {
	postJSON
	Attempts    int     `json:"attempts"`
	LastError   string  `json:"last_error"`
	NextAttempt *string `json:"next_attempt"`
}

type endedJSON struct {
	postJSON
	At       *string `json:"at"`
	Attempts int     `json:"attempts"`
	Reason   string  `json:"reason"`
}

type feedJSON struct {
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	URL         string   `json:"url"`
	OK          bool     `json:"ok"`
	LastSuccess *string  `json:"last_success"`
	Error       *string  `json:"error"` // the error it fails with now
	ErrorAt     *string  `json:"error_at"`
	Items       int      `json:"items"`
	Warnings    []string `json:"warnings"`
}

func (s *Server) statusJSON(w http.ResponseWriter, r *http.Request) {
	snap, ok := s.snapshot(w, r)
	if !ok {
		jsonError(w, http.StatusInternalServerError, "the status could not be read; see the log")
		return
	}
	if len(snap.Projects) > 0 {
		s.writeJSON(w, newProjectsJSON(snap))
		return
	}
	s.writeJSON(w, newStatusJSON(snap))
}

func (s *Server) writeJSON(w http.ResponseWriter, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		s.log.Error("encode status.json", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(append(body, '\n'))
}

// newStatusJSON builds /status.json of s, whose Now and Location are set.
func newStatusJSON(s Snapshot) statusJSON {
	at := func(t time.Time) *string {
		if t.IsZero() {
			return nil
		}
		v := t.In(s.Location).Format(time.RFC3339)
		return &v
	}
	str := func(v string) *string {
		if v == "" {
			return nil
		}
		return &v
	}
	out := statusJSON{
		Now:    s.Now.In(s.Location).Format(time.RFC3339),
		Paused: s.Paused,
		Config: configJSON{
			File: s.Config.File, LoadedAt: at(s.Config.LoadedAt),
			ReloadError: str(s.Config.ReloadError), ReloadErrorAt: at(s.Config.ReloadErrorAt),
		},
		Flooded:      nonNil(s.Flooded),
		StateProblem: str(s.StateProblem),
		Targets:      []targetJSON{},
		Feeds:        []feedJSON{},
	}
	pj := func(p bot.Post) postJSON {
		j := postJSON{Key: p.Key, Kind: string(p.Kind), Text: p.Text}
		for _, im := range imagesView(p.Images) {
			j.Images = append(j.Images, imageJSON{Image: im.Name, Alt: im.Alt, Thumb: im.Thumb})
		}
		return j
	}
	for _, t := range s.Targets {
		tj := targetJSON{
			Name: t.Name, Type: t.Type, Upcoming: []upcomingJSON{}, Sent: []sentJSON{},
			Retrying: []retryJSON{}, Failed: []endedJSON{}, Skipped: []endedJSON{},
		}
		if m := t.Month; m != nil {
			tj.Month = &monthJSON{Month: m.Month, Spent: m.Spent.Units(), Planned: m.Planned.Units()}
			if m.Budget >= 0 {
				b := m.Budget.Units()
				tj.Month.Budget = &b
			}
		}
		isRetrying := map[string]bool{}
		for _, d := range t.Open {
			if retrying(d) {
				isRetrying[d.Key] = true
				tj.Retrying = append(tj.Retrying, retryJSON{
					postJSON: pj(d.Post), Attempts: d.Attempts, LastError: d.Reason, NextAttempt: at(d.NextAttempt),
				})
			}
		}
		for _, p := range t.Next {
			if !isRetrying[p.Key] {
				tj.Upcoming = append(tj.Upcoming, upcomingJSON{postJSON: pj(p), Due: at(p.Due)})
			}
		}
		for _, d := range t.Recent {
			e := endedJSON{postJSON: pj(d.Post), At: at(d.Updated), Attempts: d.Attempts, Reason: d.Reason}
			switch d.Status {
			case bot.StatusSent:
				tj.Sent = append(tj.Sent, sentJSON{postJSON: pj(d.Post), At: at(d.Updated), URL: d.RemoteURL})
			case bot.StatusFailed:
				tj.Failed = append(tj.Failed, e)
			case bot.StatusSkipped:
				tj.Skipped = append(tj.Skipped, e)
			}
		}
		out.Targets = append(out.Targets, tj)
	}
	for _, f := range s.Feeds {
		fj := feedJSON{
			Name: f.Name, Kind: f.Kind, URL: f.URL, OK: !f.failing(), LastSuccess: at(f.LastOK),
			Items: f.Items, Warnings: nonNil(f.Warnings),
		}
		if f.failing() {
			fj.Error, fj.ErrorAt = str(f.LastError), at(f.LastErrorAt)
		}
		out.Feeds = append(out.Feeds, fj)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
