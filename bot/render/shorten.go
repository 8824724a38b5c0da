package render

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Ellipsis marks where Shorten cut text.
const Ellipsis = "…"

// dateTimeRE finds date and time tokens: 5.5.2021, 6.–7.5.2021, 30.12.2021–2.1.2022,
// 13.30–15.00, 9.30, 1:30–3:00 pm, 11:00 am–1:00 pm, 5 May 2021, 6–7 May 2021,
// with a weekday word before a date ("ke 5.5.2021", "onsdag 5.5.2021",
// "Wed 5 May 2021") and "klo"/"kl." before a time.
var dateTimeRE = func() *regexp.Regexp {
	const (
		weekday = `(?:(?:ma|ti|ke|to|pe|la|su|mon|tue|wed|thu|fri|sat|sun|måndag|tisdag|onsdag|torsdag|fredag|lördag|söndag)\s+)?`
		klo     = `(?:(?:klo|kl\.)\s*)?`
		part    = `\d{1,2}(?:[.:]\d{1,2})?(?:\.(?:\d{4})?)?(?:\s?[ap]m\b)?`
		month   = `(?:january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)\b`
		enDate  = `\d{1,2}(?:\s?[–-]\s?\d{1,2})?\s` + month + `(?:\s\d{4})?`
	)
	return regexp.MustCompile(`(?i)` + weekday + klo + `(?:` + enDate + `|` + part + `(?:\s?[–-]\s?` + part + `)?)`)
}()

// DateTimes returns the date and time tokens of text that Shorten keeps whole
// (see dateTimeRE); bare numbers such as "2021" or "10" are not among them.
func DateTimes(text string) []Span {
	var out []Span
	for pos := 0; pos < len(text); {
		loc := dateTimeRE.FindStringIndex(text[pos:])
		if loc == nil {
			break
		}
		s, e := pos+loc[0], pos+loc[1]
		tok := text[s:e]
		prev, _ := utf8.DecodeLastRuneInString(text[:s])
		next, _ := utf8.DecodeRuneInString(text[e:])
		switch {
		case s > 0 && (unicode.IsLetter(prev) || unicode.IsDigit(prev) || prev == '.' || prev == ':'),
			e < len(text) && (unicode.IsDigit(next) || unicode.IsLetter(next)):
			// inside a word or number: look again one character later
			_, size := utf8.DecodeRuneInString(text[s:])
			pos = s + size
			continue
		}
		pos = e
		if !strings.ContainsAny(tok, ".:–-") && !containsLetter(tok) {
			continue // a bare number
		}
		out = append(out, Span{Start: s, End: e, Text: tok})
	}
	return out
}

func containsLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// Shorten returns text unchanged when length(text) <= limit; otherwise a shorter text whose
// length is <= limit. It knows nothing of the platform but its count, so it keeps whole,
// and never creates, what any platform links or tags (AllEntities); Target.Shorten keeps a
// given platform's. See Target.Shorten for the rules.
func Shorten(text string, limit int, length func(string) int) (string, error) {
	return Target{Limit: limit, Length: length}.Shorten(text)
}
