package render

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Helsinki without the system's zoneinfo
)

func helsinki(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestWeekdayDateTime(t *testing.T) {
	hel := helsinki(t)
	tests := []struct {
		name                string
		t                   time.Time
		lang                string
		weekday, date, time string
	}{
		{"fi afternoon", time.Date(2021, 5, 5, 13, 30, 0, 0, hel), "fi", "ke", "5.5.2021", "13.30"},
		{"fi morning no leading zero", time.Date(2021, 5, 5, 9, 30, 0, 0, hel), "fi", "ke", "5.5.2021", "9.30"},
		{"fi midnight", time.Date(2021, 12, 31, 0, 5, 0, 0, hel), "fi", "pe", "31.12.2021", "0.05"},
		{"fi new year", time.Date(2022, 1, 1, 23, 59, 0, 0, hel), "fi", "la", "1.1.2022", "23.59"},
		{"fi sunday", time.Date(2021, 5, 9, 12, 0, 0, 0, hel), "fi", "su", "9.5.2021", "12.00"},
		{"fi monday", time.Date(2021, 5, 10, 8, 0, 0, 0, hel), "fi", "ma", "10.5.2021", "8.00"},
		{"fi spring forward day after the gap", time.Date(2021, 3, 28, 4, 30, 0, 0, hel), "fi", "su", "28.3.2021", "4.30"},
		{"fi fall back day, first 3.30 (EEST)", time.Date(2021, 10, 31, 0, 30, 0, 0, time.UTC).In(hel), "fi", "su", "31.10.2021", "3.30"},
		{"fi fall back day, second 3.30 (EET)", time.Date(2021, 10, 31, 1, 30, 0, 0, time.UTC).In(hel), "fi", "su", "31.10.2021", "3.30"},
		{"unknown language is fi", time.Date(2021, 5, 6, 10, 0, 0, 0, hel), "xx", "to", "6.5.2021", "10.00"},
		{"sv", time.Date(2021, 5, 5, 13, 30, 0, 0, hel), "sv", "onsdag", "5.5.2021", "13.30"},
		{"sv saturday", time.Date(2021, 5, 8, 9, 0, 0, 0, hel), "sv", "lördag", "8.5.2021", "9.00"},
		{"sv year end", time.Date(2021, 12, 31, 18, 0, 0, 0, hel), "sv", "fredag", "31.12.2021", "18.00"},
		{"en pm", time.Date(2021, 5, 5, 13, 30, 0, 0, hel), "en", "Wed", "5 May 2021", "1:30 pm"},
		{"en am", time.Date(2021, 5, 5, 9, 0, 0, 0, hel), "en", "Wed", "5 May 2021", "9:00 am"},
		{"en noon", time.Date(2021, 6, 10, 12, 0, 0, 0, hel), "en", "Thu", "10 June 2021", "12:00 pm"},
		{"en midnight", time.Date(2022, 1, 1, 0, 0, 0, 0, hel), "en", "Sat", "1 January 2022", "12:00 am"},
		{"en DST day", time.Date(2021, 3, 28, 4, 0, 0, 0, hel), "en", "Sun", "28 March 2021", "4:00 am"},
		// no zone conversion: the wall clock of the time's own location
		{"UTC stays UTC", time.Date(2021, 5, 5, 22, 30, 0, 0, time.UTC), "fi", "ke", "5.5.2021", "22.30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Weekday(tt.t, tt.lang); got != tt.weekday {
				t.Errorf("Weekday = %q, want %q", got, tt.weekday)
			}
			if got := Date(tt.t, tt.lang); got != tt.date {
				t.Errorf("Date = %q, want %q", got, tt.date)
			}
			if got := Time(tt.t, tt.lang); got != tt.time {
				t.Errorf("Time = %q, want %q", got, tt.time)
			}
		})
	}
}

func TestTimeRange(t *testing.T) {
	hel := helsinki(t)
	d := func(day, h, m int) time.Time { return time.Date(2021, 5, day, h, m, 0, 0, hel) }
	tests := []struct {
		name       string
		start, end time.Time
		lang, want string
	}{
		{"fi", d(5, 13, 30), d(5, 15, 0), "fi", "13.30–15.00"},
		{"fi morning", d(5, 9, 0), d(5, 15, 0), "fi", "9.00–15.00"},
		{"fi no end", d(5, 9, 30), time.Time{}, "fi", "9.30"},
		{"fi end equals start", d(5, 9, 30), d(5, 9, 30), "fi", "9.30"},
		{"fi end before start", d(5, 9, 30), d(5, 8, 0), "fi", "9.30"},
		{"fi next day", d(5, 13, 30), d(6, 15, 0), "fi", "13.30 – to 6.5.2021 klo 15.00"},
		{"fi over new year", time.Date(2021, 12, 31, 20, 0, 0, 0, hel), time.Date(2022, 1, 1, 2, 0, 0, 0, hel), "fi", "20.00 – la 1.1.2022 klo 2.00"},
		{"fi across spring forward", time.Date(2021, 3, 28, 2, 30, 0, 0, hel), time.Date(2021, 3, 28, 4, 30, 0, 0, hel), "fi", "2.30–4.30"},
		{"fi across fall back", time.Date(2021, 10, 31, 2, 0, 0, 0, hel), time.Date(2021, 10, 31, 5, 0, 0, 0, hel), "fi", "2.00–5.00"},
		{"sv", d(5, 13, 30), d(5, 15, 0), "sv", "13.30–15.00"},
		{"sv next day", d(5, 13, 30), d(6, 15, 0), "sv", "13.30 – torsdag 6.5.2021 kl. 15.00"},
		{"en afternoon", d(5, 13, 30), d(5, 15, 0), "en", "1:30–3:00 pm"},
		{"en morning", d(5, 8, 30), d(5, 11, 0), "en", "8:30–11:00 am"},
		{"en across noon", d(5, 11, 0), d(5, 13, 0), "en", "11:00 am–1:00 pm"},
		{"en to noon", d(5, 10, 0), d(5, 12, 0), "en", "10:00 am–12:00 pm"},
		{"en next day", d(5, 13, 30), d(6, 15, 0), "en", "1:30 pm – Thu 6 May 2021, 3:00 pm"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := TimeRange(tt.start, tt.end, tt.lang); got != tt.want {
				t.Errorf("TimeRange = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDateRange(t *testing.T) {
	hel := helsinki(t)
	d := func(y, m, day int) time.Time { return time.Date(y, time.Month(m), day, 0, 0, 0, 0, hel) }
	tests := []struct {
		name       string
		start, end time.Time
		lang, want string
	}{
		{"fi same month", d(2021, 5, 6), d(2021, 5, 7), "fi", "6.–7.5.2021"},
		{"fi across months", d(2021, 5, 30), d(2021, 6, 2), "fi", "30.5.–2.6.2021"},
		{"fi across years", d(2021, 12, 30), d(2022, 1, 2), "fi", "30.12.2021–2.1.2022"},
		{"fi same day", d(2021, 5, 6), d(2021, 5, 6), "fi", "6.5.2021"},
		{"fi same day, different times", d(2021, 5, 6).Add(9 * time.Hour), d(2021, 5, 6).Add(15 * time.Hour), "fi", "6.5.2021"},
		{"fi zero end", d(2021, 5, 6), time.Time{}, "fi", "6.5.2021"},
		{"fi end before start", d(2021, 5, 6), d(2021, 5, 1), "fi", "6.5.2021"},
		{"fi over spring forward", d(2021, 3, 27), d(2021, 3, 28), "fi", "27.–28.3.2021"},
		{"fi over fall back", d(2021, 10, 30), d(2021, 11, 1), "fi", "30.10.–1.11.2021"},
		{"sv same month", d(2021, 5, 6), d(2021, 5, 7), "sv", "6.–7.5.2021"},
		{"sv across years", d(2021, 12, 30), d(2022, 1, 2), "sv", "30.12.2021–2.1.2022"},
		{"en same month", d(2021, 5, 6), d(2021, 5, 7), "en", "6–7 May 2021"},
		{"en across months", d(2021, 5, 30), d(2021, 6, 2), "en", "30 May – 2 June 2021"},
		{"en across years", d(2021, 12, 30), d(2022, 1, 2), "en", "30 December 2021 – 2 January 2022"},
		{"en same day", d(2021, 5, 6), d(2021, 5, 6), "en", "6 May 2021"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := DateRange(tt.start, tt.end, tt.lang); got != tt.want {
				t.Errorf("DateRange = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestSupportedLanguage(t *testing.T) {
	for _, l := range Languages {
		if !SupportedLanguage(l) {
			t.Errorf("SupportedLanguage(%q) = false", l)
		}
	}
	if SupportedLanguage("de") {
		t.Error(`SupportedLanguage("de") = true`)
	}
}
