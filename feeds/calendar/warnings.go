package calendar

import (
	"fmt"
	"strings"
)

// Warning is something the parser skipped, cut or guessed while reading a
// document that was still usable. Error gives one log line naming the
// event by UID (or saying it has none) and the line where it begins.
type Warning struct {
	UID  string // the event's UID; "" when the warning belongs to no event
	Line int    // the line where the event (or the bad line) begins; 0: unknown
	Msg  string
}

func (w *Warning) Error() string {
	var b strings.Builder
	b.WriteString("calendar: ")
	switch {
	case w.UID != "" && strings.HasPrefix(w.UID, "nouid-"):
		fmt.Fprintf(&b, "event without UID (id %s)", w.UID)
	case w.UID != "":
		fmt.Fprintf(&b, "event UID %q", clip(w.UID, 120))
	default:
		b.WriteString("outside any event")
	}
	if w.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", w.Line)
	}
	b.WriteString(": ")
	b.WriteString(w.Msg)
	return b.String()
}

// maxWarnings bounds the warnings of one document: a broken export of ten
// thousand events is one problem, not ten thousand log lines.
const maxWarnings = 100

// warnings collects a document's warnings up to maxWarnings and counts the
// rest.
type warnings struct {
	list    []error
	dropped int
}

func (ws *warnings) add(uid string, line int, format string, args ...any) {
	if len(ws.list) >= maxWarnings {
		ws.dropped++
		return
	}
	ws.list = append(ws.list, &Warning{UID: uid, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (ws *warnings) result() []error {
	if ws.dropped == 0 {
		return ws.list
	}
	return append(ws.list, &Warning{Msg: fmt.Sprintf("%d more warnings not shown", ws.dropped)})
}
