package config

// Each helper here turns a value that does not parse into what to write
// instead, as staff would have meant it: "5.5.2021 klo 13.30" is
// 2021-05-05T13:30, "1day" is 1d, MA in a cron line is MON.

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	// Finnish dates: 5.5.2021, 5.5., 05.05.2021, optionally with "klo"
	// and a time or a range of times.
	fiDateTime = regexp.MustCompile(`^(?i)(?:(?:ma|ti|ke|to|pe|la|su)\.?\s+)?(\d{1,2})\.(\d{1,2})\.?(\d{4})?(?:(?:\s*(?:,|klo|kl\.?|at)\s*|\s+)(\d{1,2})(?:[.:](\d{2}))?(?:\s*[-–]\s*(\d{1,2})(?:[.:](\d{2}))?)?)?$`)
	// ISO dates with a time written the Finnish way or spaced: 2021-05-05
	// klo 13.30, 2021-05-05T13.30, 2021-5-5 13:30.
	isoDateTime = regexp.MustCompile(`^(?i)(\d{4})-(\d{1,2})-(\d{1,2})(?:\s*(?:T|klo|kl\.?|\s)\s*(\d{1,2})(?:[.:](\d{2}))?(?:[.:]\d{2})?(?:\s*[-–]\s*(\d{1,2})(?:[.:](\d{2}))?)?)?$`)
	clockOnly   = regexp.MustCompile(`^(?i)(?:klo\s*)?(\d{1,2})[.:](\d{2})$`)
)

// suggestTime says how to write s as a time ParseLocalTime reads, or ""
// when it cannot tell.
func suggestTime(s string) string {
	s = strings.TrimSpace(s)
	var y, mo, d, h, mi, h2, mi2 string
	if m := fiDateTime.FindStringSubmatch(s); m != nil {
		d, mo, y, h, mi, h2, mi2 = m[1], m[2], m[3], m[4], m[5], m[6], m[7]
	} else if m := isoDateTime.FindStringSubmatch(s); m != nil {
		y, mo, d, h, mi, h2, mi2 = m[1], m[2], m[3], m[4], m[5], m[6], m[7]
	}
	dn, _ := strconv.Atoi(d)
	mn, _ := strconv.Atoi(mo)
	if dn < 1 || dn > 31 || mn < 1 || mn > 12 {
		// Not a date: 13.30 is a time of day without one.
		if m := clockOnly.FindStringSubmatch(s); m != nil {
			if hn, _ := strconv.Atoi(m[1]); hn <= 23 && m[2] < "60" {
				return fmt.Sprintf("give the date too, e.g. 2026-12-01T%s:%s", pad(m[1]), m[2])
			}
		}
		return ""
	}
	year := y
	if year == "" {
		year = "YYYY" // a year cannot be guessed without a clock
	}
	date := fmt.Sprintf("%s-%s-%s", year, pad(mo), pad(d))
	at := func(h, mi string) (string, bool) {
		if mi == "" {
			mi = "00"
		}
		hn, _ := strconv.Atoi(h)
		mn, _ := strconv.Atoi(mi)
		if hn > 23 || mn > 59 {
			return "", false
		}
		return fmt.Sprintf("%sT%s:%s", date, pad(h), mi), true
	}
	out := date
	if h != "" {
		t, ok := at(h, mi)
		if !ok {
			return ""
		}
		out = t
		if h2 != "" {
			end, ok := at(h2, mi2)
			if !ok {
				return ""
			}
			out = fmt.Sprintf("%s (and end: %s)", t, end)
		}
	}
	if y == "" {
		return "write it with the year: " + out
	}
	return "write " + out
}

func pad(n string) string {
	if len(n) == 1 {
		return "0" + n
	}
	return n
}

// durationUnits are the words staff write for units, in English, Finnish
// and Swedish, and what they are.
var durationUnits = map[string]time.Duration{}

func init() {
	for unit, words := range map[time.Duration]string{
		7 * 24 * time.Hour: "w wk wks week weeks vk viikko viikkoa viikot vecka veckor v",
		24 * time.Hour:     "d day days pv pvä päivä päivää päivät vrk dag dagar dygn",
		time.Hour:          "h hr hrs hour hours t tunti tuntia tunnit timme timmar tim",
		time.Minute:        "m min mins minute minutes minuutti minuuttia minuutit minuutin minut minuter",
		time.Second:        "s sec secs second seconds sek sekunti sekuntia sekunnit sekund sekunder",
	} {
		for _, w := range strings.Fields(words) {
			durationUnits[w] = unit
		}
	}
}

var durationPart = regexp.MustCompile(`^(\d+(?:[.,]\d+)?)\s*([\p{L}]*)\s*`)

// suggestDuration reads "1day", "10 minutes", "2 päivää", "1,5h" and says
// how to write it ("1d", "10m", "2d", "1h30m"), or "" when it cannot.
func suggestDuration(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	var total time.Duration
	for s != "" {
		m := durationPart.FindStringSubmatch(s)
		if m == nil {
			return ""
		}
		s = strings.TrimLeft(s[len(m[0]):], " ,+&")
		s = strings.TrimPrefix(strings.TrimPrefix(s, "and "), "ja ")
		unit, ok := durationUnits[m[2]]
		if !ok {
			return ""
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(m[1], ",", "."), 64)
		if err != nil {
			return ""
		}
		total += time.Duration(n * float64(unit))
	}
	if total <= 0 {
		return ""
	}
	return FormatDuration(total.Round(time.Second))
}

// cronWeekdays maps the weekday names staff may write in Finnish, Swedish
// or spelled out in English to cron's.
var cronWeekdays = map[string]string{}

func init() {
	for cron, names := range map[string]string{
		"MON": "MA MAANANTAI MÅ MÅN MÅNDAG MONDAY",
		"TUE": "TI TIISTAI TIS TISDAG TUESDAY",
		"WED": "KE KESKIVIIKKO ON ONS ONSDAG WEDNESDAY",
		"THU": "TO TORSTAI TOR TORS TORSDAG THURSDAY",
		"FRI": "PE PERJANTAI FR FRE FREDAG FRIDAY",
		"SAT": "LA LAUANTAI LÖ LÖR LÖRDAG SATURDAY",
		"SUN": "SU SUNNUNTAI SÖ SÖN SÖNDAG SUNDAY",
	} {
		for _, n := range strings.Fields(names) {
			cronWeekdays[n] = cron
		}
	}
}

var cronWord = regexp.MustCompile(`\p{L}+`)

// fixCronWeekdays rewrites the weekday field of a cron line that uses
// names cron does not know; ok is false when there is nothing to fix.
func fixCronWeekdays(spec string) (string, bool) {
	fields := strings.Fields(spec)
	if len(fields) == 0 || strings.HasPrefix(fields[0], "@") {
		return "", false
	}
	first := 0
	if strings.HasPrefix(fields[0], "CRON_TZ=") || strings.HasPrefix(fields[0], "TZ=") {
		first = 1
	}
	if n := len(fields) - first; n != 5 && n != 6 {
		return "", false
	}
	last := len(fields) - 1
	changed := false
	fields[last] = cronWord.ReplaceAllStringFunc(fields[last], func(w string) string {
		if c, ok := cronWeekdays[strings.ToUpper(w)]; ok {
			changed = true
			return c
		}
		return w
	})
	return strings.Join(fields, " "), changed
}

// weekdayNames are the names schedule.quiet_days accepts: English, Finnish
// and Swedish, short or spelled out, in any case.
var weekdayNames = map[string]time.Weekday{}

func init() {
	for d, names := range map[time.Weekday]string{
		time.Monday:    "mon monday ma maanantai må mån måndag",
		time.Tuesday:   "tue tues tuesday ti tiistai tis tisdag",
		time.Wednesday: "wed wednesday ke keskiviikko on ons onsdag",
		time.Thursday:  "thu thur thurs thursday to torstai tor tors torsdag",
		time.Friday:    "fri friday pe perjantai fr fre fredag",
		time.Saturday:  "sat saturday la lauantai lö lör lördag",
		time.Sunday:    "sun sunday su sunnuntai sö sön söndag",
	} {
		for _, n := range strings.Fields(names) {
			weekdayNames[n] = d
		}
	}
}

// ParseWeekday reads a weekday name as quiet_days takes it.
func ParseWeekday(s string) (time.Weekday, error) {
	if d, ok := weekdayNames[strings.ToLower(strings.TrimSpace(strings.TrimSuffix(s, ".")))]; ok {
		return d, nil
	}
	return 0, fmt.Errorf("%q is not a weekday: write mon, tue, wed, thu, fri, sat or sun", s)
}

// distance is the optimal string alignment distance (Levenshtein with
// transpositions): "outptu" is one from "output".
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}

// closest is the candidate nearest to key, if it is near enough to be a
// slip of the keyboard.
func closest(key string, candidates []string) string {
	best, bestD := "", 1+len([]rune(key))/4
	for _, c := range candidates {
		if d := distance(key, c); d < bestD || (d == bestD && best == "" && d <= 1) {
			best, bestD = c, d
		}
	}
	return best
}

// keysAt lists the keys valid at a key path ("", "schedule", "events[0]",
// "events[0].reminders[1]"); nil when the path is a free-form map
// (headers) or unknown.
func keysAt(path string) []string {
	t := reflect.TypeOf(Config{})
	for _, part := range splitPath(path) {
		f, ok := fieldByKey(t, part)
		if !ok {
			return nil
		}
		t = f
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		if tag := t.Field(i).Tag.Get("mapstructure"); tag != "" && tag != "-" {
			out = append(out, tag)
		}
	}
	return out
}

// splitPath splits "events[0].reminders[1]" into events, reminders.
func splitPath(path string) []string {
	var out []string
	for _, p := range strings.Split(path, ".") {
		if i := strings.IndexByte(p, '['); i >= 0 {
			p = p[:i]
		}
		if p != "" {
			out = append(out, p)
		}
	}
	return out
}

func fieldByKey(t reflect.Type, key string) (reflect.Type, bool) {
	if t.Kind() != reflect.Struct {
		return nil, false
	}
	for i := 0; i < t.NumField(); i++ {
		if t.Field(i).Tag.Get("mapstructure") == key {
			return t.Field(i).Type, true
		}
	}
	return nil, false
}

// homeOf says where a key staff put in the wrong place belongs: "poll" →
// "schedule", "before" → "reminders". "" when it belongs nowhere.
func homeOf(key string) string {
	var homes []string
	var walk func(t reflect.Type, path string, depth int)
	walk = func(t reflect.Type, path string, depth int) {
		for t.Kind() == reflect.Slice || t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || depth > 3 {
			return
		}
		for i := 0; i < t.NumField(); i++ {
			tag := t.Field(i).Tag.Get("mapstructure")
			if tag == "" || tag == "-" {
				continue
			}
			if tag == key && path != "" {
				homes = append(homes, path)
			}
			walk(t.Field(i).Type, join(path, tag), depth+1)
		}
	}
	walk(reflect.TypeOf(Config{}), "", 0)
	if len(homes) == 0 {
		return ""
	}
	sort.Slice(homes, func(i, j int) bool { return len(homes[i]) < len(homes[j]) })
	return homes[0]
}

// unknownKey is the message for a key the config does not have at path.
func unknownKey(path, key string) string {
	if c := closest(key, keysAt(path)); c != "" {
		return "unknown key: did you mean " + c + "?"
	}
	if h := homeOf(key); h != "" {
		return fmt.Sprintf("unknown key here: %s belongs under %s", key, h)
	}
	return "unknown key (see the config reference in the README)"
}
