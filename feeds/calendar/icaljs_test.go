package calendar

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestICALJS reads every fixture and every calendar of the corpus (other
// projects' test calendars, testdata/icaljs/corpus/SOURCE.md) with our
// parser and with ical.js (pinned in testdata/icaljs; install.sh installs
// it), over two windows each, and compares the occurrences: ID (UID and
// original start), start and end, all-day or not. Every difference must be
// one documented in icaljsKnown, with its reason; any other fails.
//
// ical.js is found in $LUMOBOT_ICALJS_DIR, else in the cache folder
// install.sh uses. Without node or ical.js the test skips, but under
// CI=true it fails: CI must run it.
func TestICALJS(t *testing.T) {
	if testing.Short() {
		t.Skip("differential test against ical.js: not in -short")
	}
	dir := icaljsDir(t)
	files := icaljsFiles(t)

	type window struct{ from, to time.Time }
	windows := map[string][]window{}
	var reqs []map[string]string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		y := firstYear(b)
		ws := []window{
			{time.Date(y, 1, 1, 0, 0, 0, 0, helsinki), time.Date(y+2, 1, 1, 0, 0, 0, 0, helsinki)},
			{time.Date(2025, 1, 1, 0, 0, 0, 0, helsinki), time.Date(2026, 1, 1, 0, 0, 0, 0, helsinki)},
		}
		windows[f] = ws
		until := slices.MaxFunc(ws, func(a, b window) int { return a.to.Compare(b.to) }).to.AddDate(0, 0, 3)
		reqs = append(reqs, map[string]string{"path": f, "until": until.UTC().Format(time.RFC3339)})
	}
	results := runICALJS(t, dir, reqs)

	var files0, compared, agreed, documented int
	classes := map[string]int{}
	for i, f := range files {
		res := results[i]
		body, _ := os.ReadFile(f)
		name := strings.TrimPrefix(filepath.ToSlash(f), "testdata/")
		files0++
		for _, w := range windows[f] {
			evs, err := Parse(body, helsinki, w.from, w.to)
			var ours []string
			if err == nil {
				for _, e := range evs {
					ours = append(ours, ourOccurrence(e.ID, e.Start, e.End, e.AllDay))
				}
			}
			var theirs []string
			for _, o := range res.Occurrences {
				s, start, ok := o.format(helsinki)
				if ok && !start.Before(w.from) && start.Before(w.to) {
					theirs = append(theirs, s)
				}
			}
			only, onlyTheirs := diff(ours, theirs)
			compared += max(len(ours), len(theirs))
			agreed += max(len(ours), len(theirs)) - max(len(only), len(onlyTheirs))
			report := func(side string, occ string) {
				if k := icaljsKnownFor(name, occ, side); k != nil {
					documented++
					classes[k.class]++
					return
				}
				t.Errorf("%s, window %s: %s %s\n    ours error: %v; ical.js error: %s", name, w.from.Format("2006-01-02"), side, occ, err, res.Error)
			}
			for _, o := range only {
				report("only ours:", o)
			}
			for _, o := range onlyTheirs {
				report("only ical.js:", o)
			}
		}
	}
	t.Logf("%d files, 2 windows each: %d occurrences compared, %d agree, %d differ as documented", files0, compared, agreed, documented)
	for c, n := range classes {
		t.Logf("  %4d  %s", n, c)
	}
	if compared < 1000 {
		t.Errorf("only %d occurrences compared", compared)
	}
}

// icaljsKnown documents each difference from ical.js: the file (a path
// under testdata), what of the occurrence line to match, which side has it,
// and why. Every class says whether we fix it (none left open) or why
// ical.js is wrong, with the section of RFC 5545.
var icaljsKnown = []struct {
	file, match, side, class string
}{}

func icaljsKnownFor(file, occ, side string) *struct{ file, match, side, class string } {
	for i, k := range icaljsKnown {
		if k.file == file && strings.Contains(occ, k.match) && strings.HasPrefix(side, k.side) {
			return &icaljsKnown[i]
		}
	}
	return nil
}

// ourOccurrence formats an occurrence for comparison: ID (a derived ID of
// an event without UID shown as ""), start and end.
func ourOccurrence(id string, start, end time.Time, allDay bool) string {
	id = noUIDPrefix.ReplaceAllString(id, "")
	f := func(t time.Time) string {
		if allDay {
			return "D" + t.In(helsinki).Format("20060102")
		}
		return "T" + t.UTC().Format("20060102T150405Z")
	}
	return id + " " + f(start) + " " + f(end)
}

var noUIDPrefix = regexp.MustCompile(`^nouid-[0-9a-f]{16}`)

type icaljsTime struct {
	Date  string `json:"date"`
	Local string `json:"local"`
	UTC   *int64 `json:"utc"`
}

// in reads t: a date, a floating time (in loc), or an instant.
func (t *icaljsTime) in(loc *time.Location) (v time.Time, date bool, ok bool) {
	switch {
	case t == nil:
		return time.Time{}, false, false
	case t.Date != "":
		v, err := time.ParseInLocation("20060102", t.Date, loc)
		return v, true, err == nil
	case t.Local != "":
		v, err := time.ParseInLocation("20060102T150405", t.Local, loc)
		return v, false, err == nil
	case t.UTC != nil:
		return time.Unix(*t.UTC, 0).UTC(), false, true
	}
	return time.Time{}, false, false
}

type icaljsOccurrence struct {
	UID        string      `json:"uid"`
	RID        *icaljsTime `json:"rid"`
	Start, End *icaljsTime
}

func (o *icaljsOccurrence) format(loc *time.Location) (string, time.Time, bool) {
	start, date, ok := o.Start.in(loc)
	end, _, ok2 := o.End.in(loc)
	if !ok || !ok2 {
		return "", start, false
	}
	id := o.UID
	if o.RID != nil {
		rid, ridDate, ok := o.RID.in(loc)
		if !ok {
			return "", start, false
		}
		id += "/" + key(rid, ridDate)
	}
	return ourOccurrence(id, start, end, date), start, true
}

type icaljsResult struct {
	Path        string             `json:"path"`
	Error       string             `json:"error"`
	Truncated   bool               `json:"truncated"`
	Occurrences []icaljsOccurrence `json:"occurrences"`
}

func runICALJS(t *testing.T, dir string, reqs []map[string]string) []icaljsResult {
	in, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("node", "testdata/icaljs/expand.mjs")
	cmd.Env = append(os.Environ(), "ICALJS_DIR="+dir)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node expand.mjs: %v\n%s", err, stderr.String())
	}
	var res []icaljsResult
	if err := json.Unmarshal(out, &res); err != nil || len(res) != len(reqs) {
		t.Fatalf("expand.mjs answered %d results for %d files: %v", len(res), len(reqs), err)
	}
	return res
}

// icaljsDir finds the folder install.sh installed ical.js into.
func icaljsDir(t *testing.T) string {
	dir := os.Getenv("LUMOBOT_ICALJS_DIR")
	if dir == "" {
		cache := os.Getenv("LUMOBOT_ICALJS_CACHE")
		if cache == "" {
			base := os.Getenv("XDG_CACHE_HOME")
			if base == "" {
				home, _ := os.UserHomeDir()
				base = filepath.Join(home, ".cache")
			}
			cache = filepath.Join(base, "lumobot-icaljs")
		}
		dir = cache
	}
	missing := ""
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not installed"
	} else if _, err := os.Stat(filepath.Join(dir, "node_modules", "ical.js", "package.json")); err != nil {
		missing = "ical.js is not installed in " + dir + " (run feeds/calendar/testdata/icaljs/install.sh)"
	}
	if missing != "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("TestICALJS must run in CI: %s", missing)
		}
		t.Skip("TestICALJS skipped: " + missing)
	}
	return dir
}

func icaljsFiles(t *testing.T) []string {
	var files []string
	for _, pattern := range []string{"testdata/*.ics", "testdata/lumo/*.ics", "testdata/icaljs/corpus/*/*.ics"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	sort.Strings(files)
	return files
}

// firstYear is the year of the earliest event's DTSTART from 1900 on
// (2000 when none), where a document's first window starts.
func firstYear(b []byte) int {
	y := 0
	cals, _, _ := decode(b)
	for _, cal := range cals {
		for _, c := range cal.children {
			if ds := c.get("DTSTART"); c.name == "VEVENT" && ds != nil && len(ds.value) >= 4 {
				if v, err := strconv.Atoi(ds.value[:4]); err == nil && v >= 1900 && (y == 0 || v < y) {
					y = v
				}
			}
		}
	}
	if y == 0 {
		return 2000
	}
	return y
}

// diff returns what is only in a and only in b, as multisets.
func diff(a, b []string) (onlyA, onlyB []string) {
	count := map[string]int{}
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		count[s]--
	}
	keys := make([]string, 0, len(count))
	for s := range count {
		keys = append(keys, s)
	}
	sort.Strings(keys)
	for _, s := range keys {
		for n := count[s]; n > 0; n-- {
			onlyA = append(onlyA, s)
		}
		for n := count[s]; n < 0; n++ {
			onlyB = append(onlyB, s)
		}
	}
	return onlyA, onlyB
}
