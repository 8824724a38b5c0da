package config

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// ParseDuration reads durations as staff write them: Go's units plus days,
// so "90s", "10m", "2h", "7d" and "1d12h" all work. "0" is zero.
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "0" {
		return 0, nil
	}
	var days int64
	if i := strings.IndexByte(s, 'd'); i >= 0 {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil || n < 0 || n > 3650 {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 90s, 10m, 2h, 7d, 1d12h", s)
		}
		days, s = n, s[i+1:]
	}
	var rest time.Duration
	if s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("invalid duration %q: want e.g. 90s, 10m, 2h, 7d, 1d12h", s)
		}
		rest = d
	}
	return time.Duration(days)*24*time.Hour + rest, nil
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
		return 0, fmt.Errorf("invalid size %q: want e.g. 10MiB, 500KB or a number of bytes", s)
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
	return time.Time{}, false, fmt.Errorf("invalid time %q: want 2026-12-01T10:00, 2026-12-01T10:00:00+02:00 or 2026-12-01", s)
}

// ClockTime is a local time of day.
type ClockTime struct{ Hour, Minute int }

// ParseClock reads "09:00" or "9.00".
func ParseClock(s string) (ClockTime, error) {
	s = strings.TrimSpace(s)
	sep := strings.IndexAny(s, ":.")
	if sep < 1 {
		return ClockTime{}, fmt.Errorf("invalid time of day %q: want HH:MM", s)
	}
	h, err1 := strconv.Atoi(s[:sep])
	m, err2 := strconv.Atoi(s[sep+1:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 || len(s[sep+1:]) != 2 {
		return ClockTime{}, fmt.Errorf("invalid time of day %q: want HH:MM", s)
	}
	return ClockTime{h, m}, nil
}

func (c ClockTime) String() string { return fmt.Sprintf("%02d:%02d", c.Hour, c.Minute) }

// Minutes is the time of day in minutes after midnight.
func (c ClockTime) Minutes() int { return c.Hour*60 + c.Minute }
