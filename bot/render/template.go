package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// NewsData is what a news template sees.
type NewsData struct {
	Title, Link, Summary string // Summary is plain text (HTML already removed)
	Published            time.Time
	Categories           []string
	Feed                 string
	Due                  time.Time // when the post goes out, in the configured zone
}

// ReminderData is what a reminder template sees. Times are in the configured
// zone. End of an all-day event is its last day (inclusive).
type ReminderData struct {
	Title       string
	Start, End  time.Time
	AllDay      bool
	Location    string
	Link        string
	Description string
	Before      string    // the reminder's offset as configured, e.g. "1d"
	Due         time.Time // when the post goes out, in the configured zone
}

// AnnouncementData is what an announcement template sees. Times are in the
// configured zone.
type AnnouncementData struct {
	Text, Link string
	Due        time.Time // when the post goes out
	At         time.Time // the occurrence: a once announcement's time, a recurring one's occurrence
}

// Renderer parses templates once and executes them in one language with one
// set of hashtags. It is safe for concurrent use.
type Renderer struct {
	lang     string
	hashtags []string
	tags     string // hashtags joined by spaces
	funcs    template.FuncMap
}

// Template is a parsed template. Parse it once, at load.
type Template struct {
	name string
	t    *template.Template
}

// Name is the name the template was parsed with.
func (t *Template) Name() string { return t.name }

// New returns a Renderer for lang (fi, sv or en; anything else renders as fi)
// that appends hashtags to every post. A tag without a leading '#' gets one;
// empty tags and repeated tags are dropped.
func New(lang string, hashtags []string) *Renderer {
	r := &Renderer{lang: lang}
	seen := map[string]bool{}
	for _, h := range hashtags {
		h = strings.TrimSpace(h)
		h = strings.TrimLeft(h, "#＃")
		if h == "" || seen[strings.ToLower(h)] {
			continue
		}
		seen[strings.ToLower(h)] = true
		r.hashtags = append(r.hashtags, "#"+h)
	}
	r.tags = strings.Join(r.hashtags, " ")
	r.funcs = template.FuncMap{
		"lang":      func() string { return r.lang },
		"weekday":   func(t time.Time) string { return Weekday(t, r.lang) },
		"date":      func(t time.Time) string { return Date(t, r.lang) },
		"time":      func(t time.Time) string { return Time(t, r.lang) },
		"timerange": func(start, end time.Time) string { return TimeRange(start, end, r.lang) },
		"daterange": func(start, end time.Time) string { return DateRange(start, end, r.lang) },
		"multiday":  func(start, end time.Time) bool { return !end.IsZero() && dayBefore(start, end) },
		// Relative to a send time passed in (.Due), not read from the data:
		// a helper then depends on its arguments only, so ReadsField("Due")
		// sees every use and equal arguments render alike.
		"relday":         func(from, t time.Time) string { return RelDay(from, t, r.lang) },
		"reldate":        func(from, t time.Time) string { return RelDate(from, t, r.lang) },
		"near":           Near,
		"tonight":        Tonight,
		"shortdate":      func(t time.Time) string { return ShortDate(t, r.lang) },
		"shortdaterange": func(start, end time.Time) string { return ShortDateRange(start, end, r.lang) },
		"truncate":       Truncate,
		"hashtags":       func() string { return strings.Join(r.hashtags, " ") },
		"json":           jsonString,
		"lower":          strings.ToLower,
		"upper":          strings.ToUpper,
	}
	return r
}

// Lang is the renderer's language.
func (r *Renderer) Lang() string { return r.lang }

// Hashtags are the renderer's normalized hashtags ("#LUMOhanke").
func (r *Renderer) Hashtags() []string { return append([]string(nil), r.hashtags...) }

// Parse parses a template. Syntax errors and unknown functions are errors
// here, naming the template and the line (and column where text/template
// gives one): `template "news": template: news:1: unexpected "}" in operand`.
//
// Functions: weekday, date, time, timerange, daterange (in the renderer's
// language), multiday START END (whether END is on a later day), truncate N S,
// hashtags, json, lower, upper, and lang (the language code). Relative to a
// send time FROM (.Due): relday FROM T, reldate FROM T, near FROM T,
// tonight FROM T (see RelDay, RelDate, Near, Tonight); and shortdate,
// shortdaterange (dates without the year).
func (r *Renderer) Parse(name, text string) (*Template, error) {
	t, err := template.New(name).Funcs(r.funcs).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("template %q: %w", name, err)
	}
	return &Template{name: name, t: t}, nil
}

// Execute renders a post: it executes t with data, trims the result, collapses
// runs of spaces and tabs into one space (newlines are kept; spaces around
// them go) and appends the renderer's hashtags that the text does not carry
// yet (see AppendHashtags). A missing field or key, or a failing function, is
// an error naming the template and the position.
func (r *Renderer) Execute(t *Template, data any) (string, error) {
	out, err := r.ExecuteRaw(t, data)
	if err != nil {
		return "", err
	}
	text := CleanSpace(out)
	if len(r.hashtags) > 0 && !strings.ContainsAny(text, "#＃") {
		// No hashtag in the text, so AppendHashtags would append them all,
		// as New normalized them: in one concatenation.
		if text == "" {
			return r.tags, nil
		}
		return text + " " + r.tags, nil
	}
	return AppendHashtags(text, r.hashtags), nil
}

// ExecuteRaw executes t with data and returns the output untouched: for
// webhook bodies, where collapsing spaces or appending tags would change the
// JSON.
func (r *Renderer) ExecuteRaw(t *Template, data any) (string, error) {
	if t == nil || t.t == nil {
		return "", errors.New("execute: nil template")
	}
	b := bufs.Get().(*bytes.Buffer)
	defer func() {
		if b.Cap() <= 64<<10 {
			b.Reset()
			bufs.Put(b)
		}
	}()
	if err := t.t.Execute(b, data); err != nil {
		return "", fmt.Errorf("template %q: %w", t.name, err)
	}
	return b.String(), nil
}

// ReadsField reports whether executing t may read the field name of its
// data: whether it names such a field anywhere ({{.Before}}, {{$.Before}},
// or a method or field of that name of any value), passes the data on
// whole ({{json .}}, {{$}}, {{template "x" .}}), or does something this
// check does not follow. false means data differing only in that field
// render alike (data whose fields do not hold the data itself).
func (t *Template) ReadsField(name string) bool {
	if t == nil || t.t == nil || t.t.Tree == nil {
		return true
	}
	return readsField(t.t.Tree.Root, name, true)
}

// readsField is ReadsField over a node; dotIsData says whether dot may be
// the template's data there (rather than a field of it).
func readsField(n parse.Node, name string, dotIsData bool) bool {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return false
		}
		for _, c := range n.Nodes {
			if readsField(c, name, dotIsData) {
				return true
			}
		}
		return false
	case *parse.TextNode, *parse.CommentNode, *parse.BreakNode, *parse.ContinueNode,
		*parse.IdentifierNode, *parse.StringNode, *parse.NumberNode, *parse.BoolNode, *parse.NilNode:
		return false
	case *parse.ActionNode:
		return readsField(n.Pipe, name, dotIsData)
	case *parse.PipeNode:
		if n == nil {
			return false
		}
		for _, c := range n.Cmds {
			for _, a := range c.Args {
				if readsField(a, name, dotIsData) {
					return true
				}
			}
		}
		return false
	case *parse.DotNode:
		return dotIsData
	case *parse.FieldNode:
		return slices.Contains(n.Ident, name)
	case *parse.VariableNode:
		// $ is the data; other variables hold it only when set from . or $.
		return (n.Ident[0] == "$" && len(n.Ident) == 1) || slices.Contains(n.Ident[1:], name)
	case *parse.ChainNode:
		return slices.Contains(n.Field, name) || readsField(n.Node, name, dotIsData)
	case *parse.IfNode:
		return readsField(n.Pipe, name, dotIsData) || readsField(n.List, name, dotIsData) || readsField(n.ElseList, name, dotIsData)
	case *parse.WithNode:
		return readsField(n.Pipe, name, dotIsData) || readsField(n.List, name, dotIsData && !isField(n.Pipe)) || readsField(n.ElseList, name, dotIsData)
	case *parse.RangeNode:
		return readsField(n.Pipe, name, dotIsData) || readsField(n.List, name, dotIsData && !isField(n.Pipe)) || readsField(n.ElseList, name, dotIsData)
	}
	return true // {{template}} and anything new: assume it does
}

// isField reports whether p is a lone field ({{with .Location}}): dot inside
// is then a value from the data, not the data.
func isField(p *parse.PipeNode) bool {
	if p == nil || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	_, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
	return ok
}

// bufs are ExecuteRaw's buffers: a year's preview executes tens of
// thousands of templates, each growing a new buffer from 64 bytes.
var bufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Check executes t once with sample data of kind ("news", "reminder" or
// "announcement"), so that a template naming a field the kind lacks
// ({{.Titel}}) fails at load rather than at the first post.
func (r *Renderer) Check(t *Template, kind string) error {
	data, err := SampleData(kind)
	if err != nil {
		return err
	}
	_, err = r.Execute(t, data)
	return err
}

// SampleData returns example data for kind, as used by Check and the golden
// tests. Its times carry a zone and its .Due is a day before the event, so
// that a check runs the relative helpers' worded branches.
func SampleData(kind string) (any, error) {
	switch kind {
	case "news":
		return NewsData{
			Title:      "LUMO-hankkeen uutiskirje",
			Link:       "https://example.fi/uutiset/1",
			Summary:    "Uutiskirjeessä kerrotaan hankkeen kuulumisia.",
			Published:  time.Date(2021, 5, 3, 9, 0, 0, 0, time.UTC),
			Categories: []string{"LUMO"},
			Feed:       "uutiset",
			Due:        time.Date(2021, 5, 3, 9, 5, 0, 0, time.UTC),
		}, nil
	case "reminder", "change", "cancel":
		return ReminderData{
			Title:    "LUMO-hankkeen kehittäjäryhmä",
			Start:    time.Date(2021, 5, 5, 13, 30, 0, 0, time.UTC),
			End:      time.Date(2021, 5, 5, 15, 0, 0, 0, time.UTC),
			Location: "Teams",
			Link:     "https://example.fi/lumo",
			Before:   "1d",
			Due:      time.Date(2021, 5, 4, 9, 0, 0, 0, time.UTC),
		}, nil
	case "announcement":
		return AnnouncementData{
			Text: "Seuraa LUMOa ja kerro kuulumisesi!", Link: "https://example.fi/lumo",
			Due: time.Date(2021, 5, 3, 10, 0, 0, 0, time.UTC),
			At:  time.Date(2021, 5, 3, 10, 0, 0, 0, time.UTC),
		}, nil
	case "digest":
		start := time.Date(2021, 6, 7, 9, 0, 0, 0, time.UTC)
		return DigestData{
			Title: WeekTitle("LUMO", "fi"),
			Items: []DigestItem{{
				Line:  EventLine("Sytykettä yhteistyöhön, osio II", start, start.Add(6*time.Hour), false, "fi"),
				Title: "Sytykettä yhteistyöhön, osio II", Start: start, End: start.Add(6 * time.Hour),
				Location: "Teams", Link: "https://example.fi/lumo",
			}},
			More: 1, MoreText: More(1, "fi"), Link: "https://example.fi/lumo",
			Due: time.Date(2021, 6, 7, 8, 0, 0, 0, time.UTC),
		}, nil
	}
	return nil, fmt.Errorf("unknown template kind %q (want news, reminder, announcement, change, cancel or digest)", kind)
}

// Default returns the built-in template text for kind ("news", "reminder",
// "announcement"), or "" for an unknown kind. The reminder default branches
// on {{lang}}, so one text serves fi, sv and en. It says when the event is
// as seen from the post's send time (.Due), keeps the date, and sets the
// title off with " – ":
//
//	fi: Muistutus: <title> – huomenna ke 5.5. klo 13.30–15.00, <location>. <link>
//	    Muistutus: <title> – tänään ke 5.5. klo 13.30–15.00, <location>. <link>
//	    Muistutus: <title> – ensi keskiviikkona 12.5. klo 13.30–15.00, <location>. <link>
//	    Muistutus: <title> – tänä yönä ke 5.5. klo 0.30–2.00, <location>. <link>   (sent 22.30)
//	    Muistutus: <title> – huomenna ma 7.6., <location>. <link>                  (all-day)
//	    Muistutus: <title> – 6.–7.5., alkaa huomenna, <location>. <link>           (several days)
//	    Muistutus: <title> – ke 19.5.2021 klo 13.30–15.00, <location>. <link>      (more than a week ahead)
//	sv: Påminnelse: <title> – i morgon onsdag 5.5. kl. 13.30–15.00, <location>. <link>
//	    Påminnelse: <title> – 6.–7.5., börjar i morgon, <location>. <link>
//	en: Reminder: <title> – tomorrow, Wed 5 May, 1:30–3:00 pm, <location>. <link>
//	    Reminder: <title> – 6–7 May, starts tomorrow, <location>. <link>
//
// The reminders of one event under the default rules (7d@09:00, 1d@09:00,
// 2h) therefore never share a text: a week ahead, tomorrow and today (or
// tonight) are different words.
func Default(kind string) string {
	switch kind {
	case "news":
		return defaultNews
	case "announcement":
		return defaultAnnouncement
	case "reminder":
		return defaultReminder
	case "change":
		return defaultChange
	case "cancel":
		return defaultCancel
	case "digest":
		return defaultDigest
	}
	return ""
}

// The notices of an event whose reminder went out and which then moved or
// was cancelled (reminder data: the new time and place for a change, the
// old ones for a cancellation):
//
//	fi: Muutos: Verkostoinfo siirtyy to 3.6. klo 13.00–14.00, Teams. <link>
//	    Peruttu: Verkostoinfo ke 2.6. klo 13.00. <link>
//	sv: Ändring: Verkostoinfo flyttas till torsdag 3.6. kl. 13.00–14.00, Teams.
//	    Inställt: Verkostoinfo onsdag 2.6. kl. 13.00.
//	en: Change: Verkostoinfo moves to Thu 3 June, 1:00–2:00 pm, Teams.
//	    Cancelled: Verkostoinfo, Wed 2 June, 1:00 pm.
const (
	defaultChange = `{{- $l := lang -}}
{{- if eq $l "sv"}}Ändring: {{.Title}} flyttas till {{reldate .Due .Start}}{{if not .AllDay}} kl. {{timerange .Start .End}}{{end}}
{{- else if eq $l "en"}}Change: {{.Title}} moves to {{reldate .Due .Start}}{{if not .AllDay}}, {{timerange .Start .End}}{{end}}
{{- else}}Muutos: {{.Title}} siirtyy {{reldate .Due .Start}}{{if not .AllDay}} klo {{timerange .Start .End}}{{end}}
{{- end}}
{{- with .Location}}, {{.}}{{end}}. {{.Link}}`
	defaultCancel = `{{- $l := lang -}}
{{- if eq $l "sv"}}Inställt: {{.Title}} {{reldate .Due .Start}}{{if not .AllDay}} kl. {{time .Start}}{{end}}
{{- else if eq $l "en"}}Cancelled: {{.Title}}, {{reldate .Due .Start}}{{if not .AllDay}}, {{time .Start}}{{end}}
{{- else}}Peruttu: {{.Title}} {{reldate .Due .Start}}{{if not .AllDay}} klo {{time .Start}}{{end}}
{{- end}}. {{.Link}}`
)

const (
	defaultNews         = `{{.Title}} {{.Link}}`
	defaultAnnouncement = `{{.Text}} {{.Link}}`
	defaultReminder     = `{{- $l := lang -}}
{{- if eq $l "sv"}}Påminnelse: {{.Title}} –
  {{- if not .AllDay}} {{if tonight .Due .Start}}i natt {{weekday .Start}} {{shortdate .Start}}{{else}}{{reldate .Due .Start}}{{end}} kl. {{timerange .Start .End}}
  {{- else if multiday .Start .End}} {{if near .Due .Start}}{{shortdaterange .Start .End}}, börjar {{relday .Due .Start}}{{else}}{{daterange .Start .End}}{{end}}
  {{- else}} {{reldate .Due .Start}}{{end}}
{{- else if eq $l "en"}}Reminder: {{.Title}} –
  {{- if not .AllDay}} {{if tonight .Due .Start}}tonight, {{weekday .Start}} {{shortdate .Start}}{{else}}{{reldate .Due .Start}}{{end}}, {{timerange .Start .End}}
  {{- else if multiday .Start .End}} {{if near .Due .Start}}{{shortdaterange .Start .End}}, starts {{relday .Due .Start}}{{else}}{{daterange .Start .End}}{{end}}
  {{- else}} {{reldate .Due .Start}}{{end}}
{{- else}}Muistutus: {{.Title}} –
  {{- if not .AllDay}} {{if tonight .Due .Start}}tänä yönä {{weekday .Start}} {{shortdate .Start}}{{else}}{{reldate .Due .Start}}{{end}} klo {{timerange .Start .End}}
  {{- else if multiday .Start .End}} {{if near .Due .Start}}{{shortdaterange .Start .End}}, alkaa {{relday .Due .Start}}{{else}}{{daterange .Start .End}}{{end}}
  {{- else}} {{reldate .Due .Start}}{{end}}
{{- end}}
{{- with .Location}}, {{.}}{{end}}. {{.Link}}`
)

// Truncate shortens s to at most n grapheme clusters, ending in "…" when it
// cut (the "…" counts as one). Trailing spaces before the "…" are dropped.
func Truncate(n int, s string) string {
	if n <= 0 {
		return ""
	}
	if uniseg.GraphemeClusterCount(s) <= n {
		return s
	}
	var b strings.Builder
	g := uniseg.NewGraphemes(s)
	for i := 0; i < n-1 && g.Next(); i++ {
		b.WriteString(g.Str())
	}
	return strings.TrimRight(b.String(), " \t\n") + "…"
}

func jsonString(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSuffix(b.String(), "\n"), nil
}

// CleanSpace trims s, collapses runs of spaces and tabs into one space and
// removes spaces at the ends of lines. Newlines are kept.
func CleanSpace(s string) string {
	// One pass, as strings.Split, FieldsFunc and Join would do it in three
	// (and three allocations a line).
	if isClean(s) {
		return s // most rendered posts: no copy
	}
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	for n := 0; ; n++ {
		line, rest, more := strings.Cut(s, "\n")
		line = strings.TrimRight(line, "\r")
		if n > 0 {
			b.WriteByte('\n')
		}
		first := true
		for {
			i := 0
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
			line = line[i:]
			if line == "" {
				break
			}
			j := strings.IndexAny(line, " \t")
			if j < 0 {
				j = len(line)
			}
			if !first {
				b.WriteByte(' ')
			}
			b.WriteString(line[:j])
			first = false
			line = line[j:]
		}
		if !more {
			return b.String()
		}
		s = rest
	}
}

// isClean reports whether CleanSpace would return s unchanged: no space at
// either end (as strings.TrimSpace sees it), no tab or carriage return, no
// run of spaces and no space next to a newline.
func isClean(s string) bool {
	if s == "" {
		return true
	}
	if r, _ := utf8.DecodeRuneInString(s); unicode.IsSpace(r) {
		return false
	}
	if r, _ := utf8.DecodeLastRuneInString(s); unicode.IsSpace(r) {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\t', '\r':
			return false
		case ' ':
			if i+1 < len(s) && (s[i+1] == ' ' || s[i+1] == '\n') {
				return false
			}
		case '\n':
			if i+1 < len(s) && s[i+1] == ' ' {
				return false
			}
		}
	}
	return true
}
