package calendar

import (
	"strings"
	"unicode"
)

// windowsNames maps the display names of Windows zones, without their
// "(UTC+01:00) " prefix, to IANA names: Outlook writes them as TZID
// ("Canberra, Melbourne, Sydney"). Europe and the US are complete; others
// as met. Old Outlook separates cities with " / ", which normalizing
// handles.
var windowsNames = map[string]string{
	// Europe
	"Coordinated Universal Time":                              "UTC",
	"Dublin, Edinburgh, Lisbon, London":                       "Europe/London",
	"Greenwich Mean Time : Dublin, Edinburgh, Lisbon, London": "Europe/London",
	"Monrovia, Reykjavik":                                     "Atlantic/Reykjavik",
	"Reykjavik":                                               "Atlantic/Reykjavik",
	"Azores":                                                  "Atlantic/Azores",
	"Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna":        "Europe/Berlin",
	"Belgrade, Bratislava, Budapest, Ljubljana, Prague":       "Europe/Budapest",
	"Brussels, Copenhagen, Madrid, Paris":                     "Europe/Paris",
	"Sarajevo, Skopje, Warsaw, Zagreb":                        "Europe/Warsaw",
	"Athens, Bucharest":                                       "Europe/Bucharest",
	"Athens, Bucharest, Istanbul":                             "Europe/Bucharest",
	"Athens, Istanbul, Minsk":                                 "Europe/Bucharest",
	"Bucharest":                                               "Europe/Bucharest",
	"Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius":           "Europe/Helsinki",
	"Helsinki, Kiev, Riga, Sofia, Tallinn, Vilnius":           "Europe/Helsinki",
	"Chisinau":                          "Europe/Chisinau",
	"Kaliningrad":                       "Europe/Kaliningrad",
	"Istanbul":                          "Europe/Istanbul",
	"Minsk":                             "Europe/Minsk",
	"Moscow, St. Petersburg":            "Europe/Moscow",
	"Moscow, St. Petersburg, Volgograd": "Europe/Moscow",
	"Volgograd":                         "Europe/Volgograd",
	"Astrakhan, Ulyanovsk":              "Europe/Astrakhan",
	"Izhevsk, Samara":                   "Europe/Samara",
	"Saratov":                           "Europe/Saratov",
	// United States and Canada
	"Eastern Time (US & Canada)":          "America/New_York",
	"Central Time (US & Canada)":          "America/Chicago",
	"Mountain Time (US & Canada)":         "America/Denver",
	"Pacific Time (US & Canada)":          "America/Los_Angeles",
	"Pacific Time (US & Canada); Tijuana": "America/Los_Angeles",
	"Arizona":                             "America/Phoenix",
	"Alaska":                              "America/Anchorage",
	"Hawaii":                              "Pacific/Honolulu",
	"Aleutian Islands":                    "America/Adak",
	"Indiana (East)":                      "America/Indianapolis",
	"Atlantic Time (Canada)":              "America/Halifax",
	"Newfoundland":                        "America/St_Johns",
	"Saskatchewan":                        "America/Regina",
	// Elsewhere
	"Kuala Lumpur, Singapore":               "Asia/Singapore",
	"Canberra, Melbourne, Sydney":           "Australia/Sydney",
	"Brisbane":                              "Australia/Brisbane",
	"Osaka, Sapporo, Tokyo":                 "Asia/Tokyo",
	"Beijing, Chongqing, Hong Kong, Urumqi": "Asia/Shanghai",
	"Chennai, Kolkata, Mumbai, New Delhi":   "Asia/Calcutta",
	"Jerusalem":                             "Asia/Jerusalem",
	"Cairo":                                 "Africa/Cairo",
	"Auckland, Wellington":                  "Pacific/Auckland",
}

// windowsOverrides prefers the capital a Finnish user expects over CLDR's
// exemplar city; the rules are the same.
var windowsOverrides = map[string]string{
	"FLE Standard Time": "Europe/Helsinki",
}

var windowsIndex = func() map[string]string {
	m := make(map[string]string, len(windowsIDs)+len(windowsNames))
	for k, v := range windowsIDs {
		m[normalizeZoneName(k)] = v
	}
	for k, v := range windowsOverrides {
		m[normalizeZoneName(k)] = v
	}
	for k, v := range windowsNames {
		m[normalizeZoneName(k)] = v
	}
	return m
}()

// windowsZone returns the IANA name for a Windows zone ID or display name,
// or "".
func windowsZone(tzid string) string {
	return windowsIndex[normalizeZoneName(tzid)]
}

// normalizeZoneName lower-cases, drops a "(UTC+01:00)" or "(GMT+01.00)"
// prefix, and keeps only letters and digits separated by single spaces, so
// that "Amsterdam / Berlin" and "Amsterdam, Berlin" match.
func normalizeZoneName(s string) string {
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "(") {
		if i := strings.IndexByte(s, ')'); i > 0 {
			p := strings.ToUpper(s[1:i])
			if strings.HasPrefix(p, "UTC") || strings.HasPrefix(p, "GMT") {
				s = s[i+1:]
			}
		}
	}
	var b strings.Builder
	space := false
	s = strings.ReplaceAll(s, " and ", " & ") // "Eastern Time (US and Canada)"
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '&' {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}
