package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

var daysPart = regexp.MustCompile(`^(\d+)d`)

// ParseDuration reads durations as staff write them: Go's units plus days,
// so "90s", "10m", "2h", "7d" and "1d12h" all work. "0" is zero. The error
// says what to write instead ("1day": write 1d).
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	if strings.HasPrefix(s, "-") {
		return 0, fmt.Errorf("%q: must not be negative", s)
	}
	rest := s
	var days int64
	if m := daysPart.FindStringSubmatch(rest); m != nil {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err == nil && n <= 3650 {
			days, rest = n, rest[len(m[0]):]
		} else {
			rest = "!" // too many days: fall through to the error
		}
	}
	var d time.Duration
	if rest != "" {
		var err error
		d, err = time.ParseDuration(rest)
		if err != nil || d < 0 || strings.ContainsAny(rest[:1], "+-.") {
			if fix := suggestDuration(s); fix != "" {
				return 0, fmt.Errorf("%q is not a duration: write %s", s, fix)
			}
			return 0, fmt.Errorf("%q is not a duration: write e.g. 90s, 10m, 2h, 7d or 1d12h", s)
		}
	}
	return time.Duration(days)*24*time.Hour + d, nil
}

// FormatDuration writes d the way ParseDuration reads it, in whole days
// where it can: 7d, 1d12h, 2h, 90m. It is part of reminder keys, so it must
// stay stable.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	var b strings.Builder
	if days := d / (24 * time.Hour); days > 0 {
		fmt.Fprintf(&b, "%dd", days)
		d -= days * 24 * time.Hour
	}
	if h := d / time.Hour; h > 0 {
		fmt.Fprintf(&b, "%dh", h)
		d -= h * time.Hour
	}
	if m := d / time.Minute; m > 0 {
		fmt.Fprintf(&b, "%dm", m)
		d -= m * time.Minute
	}
	if d > 0 {
		b.WriteString(d.String())
	}
	return b.String()
}

// ParseBytes reads sizes like 10MiB, 500KB, 1048576.
func ParseBytes(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("%q is not a size: write e.g. 10MiB, 500KB or a number of bytes", s)
	}
	return n * mult, nil
}

// ParseLocalTime reads a time as staff write it, in loc unless it carries an
// offset: 2026-12-01T10:00, 2026-12-01T10:00:00, 2026-12-01T10:00:00+02:00,
// or a date alone (dateOnly is then true, and the time is local midnight).
func ParseLocalTime(s string, loc *time.Location) (t time.Time, dateOnly bool, err error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04Z07:00"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.In(loc), false, nil
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, false, nil
		}
	}
	if t, err := time.ParseInLocation("2006-01-02", s, loc); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, timeError(s)
}

// timeError says how to write s as a time.
func timeError(s string) error {
	if fix := suggestTime(s); fix != "" {
		return fmt.Errorf("%q is not a date and time lumobot reads: %s", s, fix)
	}
	return fmt.Errorf("%q is not a date and time lumobot reads: write e.g. 2026-12-01T10:00, 2026-12-01T10:00+02:00, or 2026-12-01 for a whole day", s)
}

// ClockTime is a local time of day.
type ClockTime struct{ Hour, Minute int }

// ParseClock reads "09:00" or "9.00" (a quoted 9.00: unquoted, YAML reads
// a number).
func ParseClock(s string) (ClockTime, error) {
	s = strings.TrimSpace(s)
	bad := fmt.Errorf("%q is not a time of day: write HH:MM, e.g. 09:00", s)
	t := strings.TrimSpace(strings.TrimPrefix(strings.ToLower(s), "klo"))
	sep := strings.IndexAny(t, ":.")
	if sep < 1 {
		if h, err := strconv.Atoi(t); err == nil && h >= 0 && h <= 23 {
			return ClockTime{}, fmt.Errorf("%q is not a time of day: write %02d:00", s, h)
		}
		return ClockTime{}, bad
	}
	h, err1 := strconv.Atoi(t[:sep])
	m, err2 := strconv.Atoi(t[sep+1:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(t[sep+1:]) != 2 {
		return ClockTime{}, bad
	}
	if t != s || len(t[:sep]) > 2 {
		return ClockTime{}, fmt.Errorf("%q is not a time of day: write %02d:%02d", s, h, m)
	}
	return ClockTime{h, m}, nil
}

func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// Minutes is the time of day in minutes after midnight.
func (c ClockTime) Minutes() int { return c.Hour*60 + c.Minute }
