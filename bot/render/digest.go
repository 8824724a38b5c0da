package render

import (
	"strconv"
	"strings"
	"time"
	"unicode"
)

// DigestData is what a digest template sees: one post listing several
// events (a weekly digest) or several new items of a feed. Items are
// already fitted to the target: those that did not fit are counted in
// More, and MoreText says so in the renderer's language ("+3 muuta").
type DigestData struct {
	Title    string // the title line ("Tällä viikolla LUMOssa")
	Items    []DigestItem
	More     int    // items left out to fit
	MoreText string // "+N muuta" | "+N till" | "+N more"; empty when More is 0
	Link     string
	Due      time.Time // when the post goes out, in the configured zone
}

// DigestItem is one line of a digest. Start is zero for a feed's item.
type DigestItem struct {
	Line       string // the item as the default template writes it
	Title      string
	Start, End time.Time
	AllDay     bool
	Location   string
	Link       string
}

// defaultDigest is the title line, one line an item, "+N muuta" when some
// did not fit, and the link.
const defaultDigest = `{{.Title}}
{{range .Items}}{{.Line}}
{{end}}{{with .MoreText}}{{.}}
{{end}}{{.Link}}`

// More is "+N muuta" (fi), "+N till" (sv), "+N more" (en).
func More(n int, lang string) string {
	return "+" + strconv.Itoa(n) + " " + pick(lang, "muuta", "till", "more")
}

// EventLine is an event as a digest lists it, in lang:
//
//	fi: ma 7.6. klo 9.00–15.00 Sytykettä yhteistyöhön
//	sv: måndag 7.6. kl. 9.00–15.00 Sytykettä yhteistyöhön
//	en: Mon 7 June, 9:00 am–3:00 pm Sytykettä yhteistyöhön
//
// An all-day event has no time; one of several days its date range.
func EventLine(title string, start, end time.Time, allDay bool, lang string) string {
	day := Weekday(start, lang) + " " + ShortDate(start, lang)
	switch {
	case allDay && dayBefore(start, end):
		day = Weekday(start, lang) + " " + ShortDateRange(start, end, lang)
	case allDay:
	case lang == "sv":
		day += " kl. " + TimeRange(start, end, lang)
	case lang == "en":
		day += ", " + TimeRange(start, end, lang)
	default:
		day += " klo " + TimeRange(start, end, lang)
	}
	return day + " " + title
}

// WeekTitle is a weekly digest's default title line for a project called
// name: fi "Tällä viikolla LUMOssa", sv "Den här veckan på LUMO", en "This
// week at LUMO". The Finnish inessive is name+"ssa" (or "ssä" for a name
// of front vowels only); a name it does not suit needs a title of its own.
func WeekTitle(name, lang string) string {
	return pick(lang, "Tällä viikolla "+Inessive(name), "Den här veckan på "+name, "This week at "+name)
}

// NewsTitle is a feed digest's default title line: fi "Uutta LUMOssa",
// sv "Nytt på LUMO", en "New at LUMO".
func NewsTitle(name, lang string) string {
	return pick(lang, "Uutta "+Inessive(name), "Nytt på "+name, "New at "+name)
}

// Inessive is name+"ssa", or name+"ssä" when it has no back vowel (a, o,
// u), as Finnish vowel harmony has it: "LUMOssa", "Kehittäjässä".
func Inessive(name string) string {
	if strings.ContainsFunc(name, func(r rune) bool { return strings.ContainsRune("aou", unicode.ToLower(r)) }) {
		return name + "ssa"
	}
	return name + "ssä"
}
