package calendar

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// prop is one content line: NAME;PARAM=v1,v2:value. Value is raw (still
// escaped); text properties go through unescape.
type prop struct {
	name   string
	params map[string][]string
	value  string
}

func (p *prop) param(name string) string {
	if p == nil || len(p.params[name]) == 0 {
		return ""
	}
	return p.params[name][0]
}

// component is one BEGIN/END block with its properties and children.
type component struct {
	name     string
	props    []*prop
	children []*component
	line     int    // line number of BEGIN, for messages
	notes    []note // lines of this component that were dropped
}

// note is a problem with one line, reported with the event it belongs to.
type note struct {
	line int
	msg  string
}

// allNotes returns c's notes and those of its subcomponents (VALARM).
func (c *component) allNotes() []note {
	ns := c.notes
	for _, ch := range c.children {
		ns = append(ns, ch.allNotes()...)
	}
	return ns
}

// get returns the first property called name, or nil.
func (c *component) get(name string) *prop {
	for _, p := range c.props {
		if p.name == name {
			return p
		}
	}
	return nil
}

// all returns every property called name.
func (c *component) all(name string) []*prop {
	var ps []*prop
	for _, p := range c.props {
		if p.name == name {
			ps = append(ps, p)
		}
	}
	return ps
}

// text returns the unescaped text of the first property called name.
func (c *component) text(name string) string {
	p := c.get(name)
	if p == nil {
		return ""
	}
	return unescape(p.value)
}

// errNotICalendar is returned for a body that does not start with BEGIN:VCALENDAR.
var errNotICalendar = errors.New("not an iCalendar document")

// decode splits body into its top-level VCALENDAR components. It is lenient
// where a producer is sloppy (LF or CRLF, space or tab folding, malformed
// lines, unmatched END) and strict where leniency would lose events
// silently: a body that does not begin with BEGIN:VCALENDAR or that ends
// before END:VCALENDAR (truncated) is an error. Lines it had to drop are
// noted on the component they were in (so that the warning can name its
// event); what belongs to no event is returned as warnings.
func decode(body []byte) (cals []*component, warnings []*Warning, err error) {
	s := strings.TrimPrefix(string(body), "\uFEFF")
	lines := unfold(s)
	// Validity is judged after unfolding: a fold may split a character.
	for i := range lines {
		if !utf8.ValidString(lines[i].text) {
			lines[i].text = latin1([]byte(lines[i].text))
		}
	}

	var stack []*component
	sawCalendar := false
	// A line's problem goes with the innermost component it is in (stack
	// is not empty): that of an event is reported with its UID.
	noteAt := func(line int, msg string) {
		if len(stack) > 1 {
			top := stack[len(stack)-1]
			top.notes = append(top.notes, note{line, msg})
			return
		}
		warnings = append(warnings, &Warning{Line: line, Msg: msg})
	}
	for _, l := range lines {
		if strings.TrimSpace(l.text) == "" {
			continue
		}
		p, perr := parseLine(l.text)
		if !sawCalendar {
			if perr != nil || p.name != "BEGIN" || !strings.EqualFold(strings.TrimSpace(p.value), "VCALENDAR") {
				return nil, nil, fmt.Errorf("%w: line %d is %q", errNotICalendar, l.no, clip(l.text, 40))
			}
		}
		if perr != nil {
			if len(stack) > 0 {
				noteAt(l.no, fmt.Sprintf("line dropped: %v", perr))
			}
			continue
		}
		switch p.name {
		case "BEGIN":
			c := &component{name: strings.ToUpper(strings.TrimSpace(p.value)), line: l.no}
			if len(stack) == 0 {
				if c.name != "VCALENDAR" {
					continue // junk between calendars
				}
				sawCalendar = true
				cals = append(cals, c)
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, c)
			}
			stack = append(stack, c)
		case "END":
			name := strings.ToUpper(strings.TrimSpace(p.value))
			i := len(stack) - 1
			for i >= 0 && stack[i].name != name {
				i--
			}
			if i < 0 {
				if len(stack) > 1 {
					// A misspelt END (END:VTOOD) closes what is open, as
					// ical.js reads it: else every later event would be
					// lost inside it.
					noteAt(l.no, fmt.Sprintf("END:%s matches no BEGIN: read as END:%s", clip(name, 40), clip(stack[len(stack)-1].name, 40)))
					stack = stack[:len(stack)-1]
				}
				continue
			}
			// Children left open (END missing) are dropped: half an event
			// is not an event.
			for j := len(stack) - 1; j > i; j-- {
				open := stack[j]
				parent := stack[j-1]
				parent.children = removeChild(parent.children, open)
				msg := fmt.Sprintf("%s begun on line %d has no END (line %d ends %s); dropped", clip(open.name, 40), open.line, l.no, clip(name, 40))
				switch {
				case open.name == "VEVENT":
					warnings = append(warnings, &Warning{UID: strings.TrimSpace(open.text("UID")), Line: open.line, Msg: msg + " with its event"})
				case j-1 > 0:
					parent.notes = append(parent.notes, note{open.line, msg})
				default:
					warnings = append(warnings, &Warning{Line: open.line, Msg: msg})
				}
			}
			stack = stack[:i]
		default:
			if len(stack) > 0 {
				top := stack[len(stack)-1]
				top.props = append(top.props, p)
			}
		}
	}
	if !sawCalendar {
		return nil, nil, fmt.Errorf("%w: empty body", errNotICalendar)
	}
	if len(stack) > 0 {
		return nil, nil, fmt.Errorf("truncated iCalendar document: %s begun on line %d has no END", stack[len(stack)-1].name, stack[len(stack)-1].line)
	}
	return cals, warnings, nil
}

func removeChild(cs []*component, c *component) []*component {
	for i := range cs {
		if cs[i] == c {
			return append(cs[:i], cs[i+1:]...)
		}
	}
	return cs
}

type line struct {
	no   int // physical line number of the first piece
	text string
}

// unfold joins folded lines: a line starting with a space or a tab
// continues the previous one (RFC 5545 3.1), whatever the line ends.
// Folding may split a multi-byte UTF-8 sequence; joining the bytes
// restores it.
func unfold(s string) []line {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	var out []line
	var b strings.Builder
	start := 0
	flush := func() {
		if start > 0 {
			out = append(out, line{no: start, text: b.String()})
		}
		b.Reset()
	}
	for i, l := range strings.Split(s, "\n") {
		if len(l) > 0 && (l[0] == ' ' || l[0] == '\t') && start > 0 {
			b.WriteString(l[1:])
			continue
		}
		flush()
		start = i + 1
		b.WriteString(l)
	}
	flush()
	return out
}

// parseLine splits a content line into name, parameters and value.
// Parameter values may be quoted and then contain ; : and , (TZID="Kuala
// Lumpur, Singapore"). A parameter without "=" (vCalendar 1.0 style) is
// kept with no value.
func parseLine(s string) (*prop, error) {
	i := strings.IndexAny(s, ";:")
	if i <= 0 {
		return nil, fmt.Errorf("malformed line %q: no name or no colon", clip(s, 40))
	}
	p := &prop{name: strings.ToUpper(strings.TrimSpace(s[:i]))}
	s = s[i:]
	for len(s) > 0 && s[0] == ';' {
		s = s[1:]
		j := strings.IndexAny(s, "=;:")
		if j < 0 {
			return nil, fmt.Errorf("malformed parameter in %s", p.name)
		}
		name := strings.ToUpper(strings.TrimSpace(s[:j]))
		if p.params == nil {
			p.params = make(map[string][]string)
		}
		if s[j] != '=' {
			p.params[name] = nil
			s = s[j:]
			continue
		}
		s = s[j+1:]
		for {
			var v string
			if len(s) > 0 && s[0] == '"' {
				k := strings.IndexByte(s[1:], '"')
				if k < 0 {
					return nil, fmt.Errorf("unterminated quoted parameter %s in %s", name, p.name)
				}
				v, s = s[1:1+k], s[2+k:]
			} else {
				k := strings.IndexAny(s, ";:,")
				if k < 0 {
					return nil, fmt.Errorf("parameter %s in %s has no colon after it", name, p.name)
				}
				v, s = s[:k], s[k:]
			}
			p.params[name] = append(p.params[name], v)
			if len(s) > 0 && s[0] == ',' {
				s = s[1:]
				continue
			}
			break
		}
		if len(s) == 0 || (s[0] != ';' && s[0] != ':') {
			return nil, fmt.Errorf("malformed parameter %s in %s", name, p.name)
		}
	}
	if len(s) == 0 || s[0] != ':' {
		return nil, fmt.Errorf("malformed line: %s has no value", p.name)
	}
	p.value = s[1:]
	return p, nil
}

// unescape decodes a TEXT value: \\ \; \, \n \N. A backslash before any
// other character is dropped (some producers escape ':' too); a trailing
// lone backslash is kept.
func unescape(s string) string {
	if strings.IndexByte(s, '\\') < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// splitList splits a multi-valued property value at commas that are not
// escaped.
func splitList(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// latin1 reads a line that is not valid UTF-8 as ISO-8859-1, as old
// exporters wrote it.
func latin1(b []byte) string {
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
