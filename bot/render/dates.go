package render

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Languages lists the supported template languages. Any other value is
// treated as Finnish by the date helpers; config validation should reject it
// with SupportedLanguage.
var Languages = []string{"fi", "sv", "en"}

// SupportedLanguage reports whether lang is one of Languages.
func SupportedLanguage(lang string) bool {
	switch lang {
	case "fi", "sv", "en":
		return true
	}
	return false
}

var (
	fiWeekdays = [7]string{"su", "ma", "ti", "ke", "to", "pe", "la"}
	svWeekdays = [7]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"}
	enWeekdays = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	enMonths   = [13]string{"", "January", "February", "March", "April", "May", "June",
		"July", "August", "September", "October", "November", "December"}
)

// Weekday gives the day of the week of t: fi "ke", sv "onsdag", en "Wed".
// t is used in its own location; no zone conversion happens here.
func Weekday(t time.Time, lang string) string {
	switch lang {
	case "sv":
		return svWeekdays[t.Weekday()]
	case "en":
		return enWeekdays[t.Weekday()]
	default:
		return fiWeekdays[t.Weekday()]
	}
}

// Date gives the calendar date of t: fi and sv "5.5.2021" (no leading
// zeros), en "5 May 2021".
func Date(t time.Time, lang string) string {
	y, m, d := t.Date()
	if lang == "en" {
		return fmt.Sprintf("%d %s %d", d, enMonths[m], y)
	}
	return fmt.Sprintf("%d.%d.%d", d, int(m), y)
}

// Time gives the wall-clock time of t: fi and sv "9.30", "13.30" (24 hours,
// no leading zero for the hour, a period between hours and minutes); en
// "9:30 am", "1:30 pm", "12:00 pm" for noon and "12:00 am" for midnight
// (minutes are always written, so "9:00 am", never "9 am").
// Words such as "klo" (fi) or "kl." (sv) belong to the template, not here.
func Time(t time.Time, lang string) string {
	if lang == "en" {
		return enClock(t) + " " + enMeridiem(t)
	}
	return strconv.Itoa(t.Hour()) + "." + twoDigits(t.Minute())
}

// TimeRange gives the span from start to end.
//
// On one calendar day: fi/sv "13.30–15.00" (en dash, no spaces); en
// "1:30–3:00 pm" when both are on the same side of noon, else
// "11:00 am–1:00 pm".
// When end falls on a later day, the end's weekday and date are written out:
// fi "13.30 – to 6.5.2021 klo 15.00", sv "13.30 – torsdag 6.5.2021 kl. 15.00",
// en "1:30 pm – Thu 6 May 2021, 3:00 pm".
// A zero end, or an end not after start, gives just Time(start).
func TimeRange(start, end time.Time, lang string) string {
	if end.IsZero() || !end.After(start) {
		return Time(start, lang)
	}
	if !sameDay(start, end) {
		switch lang {
		case "en":
			return Time(start, lang) + " – " + Weekday(end, lang) + " " + Date(end, lang) + ", " + Time(end, lang)
		case "sv":
			return Time(start, lang) + " – " + Weekday(end, lang) + " " + Date(end, lang) + " kl. " + Time(end, lang)
		default:
			return Time(start, lang) + " – " + Weekday(end, lang) + " " + Date(end, lang) + " klo " + Time(end, lang)
		}
	}
	if lang == "en" {
		if enMeridiem(start) == enMeridiem(end) {
			return enClock(start) + "–" + enClock(end) + " " + enMeridiem(end)
		}
		return Time(start, lang) + "–" + Time(end, lang)
	}
	return Time(start, lang) + "–" + Time(end, lang)
}

// DateRange gives the days from start to end, where end is the last day
// (inclusive), as for all-day events. Only the calendar dates matter.
//
//	fi, sv: 6.–7.5.2021 | 30.5.–2.6.2021 | 30.12.2021–2.1.2022
//	en:     6–7 May 2021 | 30 May – 2 June 2021 | 30 December 2021 – 2 January 2022
//
// The same day (or an end before start, or a zero end) gives Date(start).
func DateRange(start, end time.Time, lang string) string {
	if end.IsZero() || sameDay(start, end) || dayBefore(end, start) {
		return Date(start, lang)
	}
	sy, sm, sd := start.Date()
	ey, em, ed := end.Date()
	if lang == "en" {
		switch {
		case sy == ey && sm == em:
			return fmt.Sprintf("%d–%d %s %d", sd, ed, enMonths[em], ey)
		case sy == ey:
			return fmt.Sprintf("%d %s – %d %s %d", sd, enMonths[sm], ed, enMonths[em], ey)
		default:
			return Date(start, lang) + " – " + Date(end, lang)
		}
	}
	switch {
	case sy == ey && sm == em:
		return fmt.Sprintf("%d.–%d.%d.%d", sd, ed, int(em), ey)
	case sy == ey:
		return fmt.Sprintf("%d.%d.–%d.%d.%d", sd, int(sm), ed, int(em), ey)
	default:
		return Date(start, lang) + "–" + Date(end, lang)
	}
}

func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}

// dayBefore reports whether a's calendar date is before b's.
func dayBefore(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	if ay != by {
		return ay < by
	}
	if am != bm {
		return am < bm
	}
	return ad < bd
}

func enClock(t time.Time) string {
	h := t.Hour() % 12
	if h == 0 {
		h = 12
	}
	return strconv.Itoa(h) + ":" + twoDigits(t.Minute())
}

func enMeridiem(t time.Time) string {
	if t.Hour() < 12 {
		return "am"
	}
	return "pm"
}

func twoDigits(n int) string {
	s := strconv.Itoa(n)
	if len(s) < 2 {
		return strings.Repeat("0", 2-len(s)) + s
	}
	return s
}
