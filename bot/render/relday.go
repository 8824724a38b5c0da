package render

import (
	"fmt"
	"time"
)

// The relative helpers say when a time is as seen from the moment a post is
// sent (a template's .Due), the way a person writing that post would.
//
// Days are calendar days, each time in its own location: 23.30 on Tuesday
// and 0.30 on Wednesday are a day apart, and a 23- or 25-hour DST day is one
// day. The relative words cover the coming week: today, tomorrow, and a
// weekday up to seven days ahead (the same weekday a week on included, so a
// reminder sent a week before still reads "ensi keskiviikkona"). Anything
// else (further ahead, in the past, or a zero send time, as when nothing set
// .Due) falls back to the absolute weekday and date, year included.
//
// Finnish says "ensi keskiviikkona" only when the day is in the next
// calendar week (weeks start on Monday): said on a Monday, "ensi
// keskiviikkona" is read as the week after, so a Wednesday two days on is
// plain "keskiviikkona". Swedish ("på onsdag") and English ("on Wednesday")
// have no such split in the coming week. The date is written beside the
// word wherever a post carries it (reldate), so a reader of a shared or late
// post can still place the day.

var (
	fiEssive = [7]string{"sunnuntaina", "maanantaina", "tiistaina", "keskiviikkona", "torstaina", "perjantaina", "lauantaina"}
	enLong   = [7]string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
)

// nearDays is how far ahead, in calendar days, the relative words reach.
const nearDays = 7

// days gives the number of calendar days from from's date to t's date,
// each read in its own location: negative when t's day is earlier.
func days(from, t time.Time) int {
	return int(civilDay(t) - civilDay(from))
}

// civilDay numbers t's calendar date (days since 1970-01-01). Through Unix
// seconds rather than Sub, whose Duration overflows after 292 years.
func civilDay(t time.Time) int64 {
	y, m, d := t.Date()
	s := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix()
	if s < 0 && s%86400 != 0 {
		return s/86400 - 1
	}
	return s / 86400
}

// Near reports whether the relative helpers name t's day in words seen from
// from: t's day is 0 to 7 calendar days after from's, and from is set.
func Near(from, t time.Time) bool {
	if from.IsZero() {
		return false
	}
	n := days(from, t)
	return n >= 0 && n <= nearDays
}

// RelDay names t's day as seen from from (the post's send time):
//
//	fi: tänään | huomenna | keskiviikkona (this week) | ensi keskiviikkona (next week) | ke 19.5.2021
//	sv: i dag  | i morgon | på onsdag                                             | onsdag 19.5.2021
//	en: today  | tomorrow | on Wednesday                                          | Wed 19 May 2021
//
// The last form is for a day that is not Near.
func RelDay(from, t time.Time, lang string) string {
	if !Near(from, t) {
		return Weekday(t, lang) + " " + Date(t, lang)
	}
	switch n := days(from, t); {
	case n == 0:
		return pick(lang, "tänään", "i dag", "today")
	case n == 1:
		return pick(lang, "huomenna", "i morgon", "tomorrow")
	}
	switch lang {
	case "sv":
		return "på " + svWeekdays[t.Weekday()]
	case "en":
		return "on " + enLong[t.Weekday()]
	}
	if nextWeek(from, t) {
		return "ensi " + fiEssive[t.Weekday()]
	}
	return fiEssive[t.Weekday()]
}

// RelDate is RelDay with t's date (without the year, which the word makes
// plain):
//
//	fi: tänään ke 5.5.    | huomenna ke 5.5.      | (ensi) keskiviikkona 12.5. | ke 19.5.2021
//	sv: i dag onsdag 5.5. | i morgon onsdag 5.5.  | på onsdag 12.5.            | onsdag 19.5.2021
//	en: today, Wed 5 May  | tomorrow, Wed 5 May   | on Wednesday 12 May        | Wed 19 May 2021
func RelDate(from, t time.Time, lang string) string {
	if !Near(from, t) {
		return Weekday(t, lang) + " " + Date(t, lang)
	}
	word := RelDay(from, t, lang)
	if n := days(from, t); n > 1 {
		return word + " " + ShortDate(t, lang)
	}
	if lang == "en" {
		return word + ", " + Weekday(t, lang) + " " + ShortDate(t, lang)
	}
	return word + " " + Weekday(t, lang) + " " + ShortDate(t, lang)
}

// Tonight reports whether a timed t is in the coming night as seen from
// from: before 6.00 on from's day when from is before 6.00 too, or on the
// next day when from is 18.00 or later. At 22.30 "huomenna klo 0.30" is
// read by many as the night after tomorrow; a person writes "tänä yönä".
func Tonight(from, t time.Time) bool {
	if from.IsZero() || t.Before(from) || t.Hour() >= 6 {
		return false
	}
	switch days(from, t) {
	case 0:
		return from.Hour() < 6
	case 1:
		return from.Hour() >= 18
	}
	return false
}

// ShortDate gives t's date without the year: fi and sv "5.5.", en "5 May".
func ShortDate(t time.Time, lang string) string {
	_, m, d := t.Date()
	if lang == "en" {
		return fmt.Sprintf("%d %s", d, enMonths[m])
	}
	return fmt.Sprintf("%d.%d.", d, int(m))
}

// ShortDateRange is DateRange without years, for days the text places
// otherwise (a relative word beside them):
//
//	fi, sv: 6.–7.5. | 30.5.–2.6. | 30.12.–2.1.
//	en:     6–7 May | 30 May – 2 June | 30 December – 2 January
func ShortDateRange(start, end time.Time, lang string) string {
	if end.IsZero() || sameDay(start, end) || dayBefore(end, start) {
		return ShortDate(start, lang)
	}
	_, sm, sd := start.Date()
	_, em, ed := end.Date()
	sameMonth := sm == em && days(start, end) < 31
	if lang == "en" {
		if sameMonth {
			return fmt.Sprintf("%d–%d %s", sd, ed, enMonths[em])
		}
		return ShortDate(start, lang) + " – " + ShortDate(end, lang)
	}
	if sameMonth {
		return fmt.Sprintf("%d.–%d.%d.", sd, ed, int(em))
	}
	return ShortDate(start, lang) + "–" + ShortDate(end, lang)
}

// nextWeek reports whether t falls in a later Monday-to-Sunday week than
// from (t's day not before from's).
func nextWeek(from, t time.Time) bool {
	monday := (int(from.Weekday()) + 6) % 7 // days since from's Monday
	return monday+days(from, t) > 6
}

func pick(lang, fi, sv, en string) string {
	switch lang {
	case "sv":
		return sv
	case "en":
		return en
	}
	return fi
}
