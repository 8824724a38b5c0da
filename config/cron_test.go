package config

import (
	"testing"
	"time"
)

// Around Helsinki's spring-forward (2021-03-28 03:00 EET → 04:00 EEST) and
// fall-back (2021-10-31 04:00 EEST → 03:00 EET) nights.
func TestCronAcrossChanges(t *testing.T) {
	hel, _ := time.LoadLocation("Europe/Helsinki")
	for _, tc := range []struct {
		name, spec, from string
		want             []string
	}{
		{"daily in the gap fires at its end", "30 3 * * *", "2021-03-27T12:00:00+02:00",
			[]string{"2021-03-28T04:00:00+03:00", "2021-03-29T03:30:00+03:00"}},
		{"daily at the gap's start", "0 3 * * *", "2021-03-27T12:00:00+02:00",
			[]string{"2021-03-28T04:00:00+03:00", "2021-03-29T03:00:00+03:00"}},
		{"daily after the gap is untouched", "30 4 * * *", "2021-03-27T12:00:00+02:00",
			[]string{"2021-03-28T04:30:00+03:00", "2021-03-29T04:30:00+03:00"}},
		{"every 15 minutes keeps going", "*/15 * * * *", "2021-03-28T02:40:00+02:00",
			[]string{"2021-03-28T02:45:00+02:00", "2021-03-28T04:00:00+03:00", "2021-03-28T04:15:00+03:00", "2021-03-28T04:30:00+03:00"}},
		{"daily in the repeated hour fires once", "30 3 * * *", "2021-10-30T12:00:00+03:00",
			[]string{"2021-10-31T03:30:00+03:00", "2021-11-01T03:30:00+02:00"}},
		{"hourly through the repeated hour", "0 * * * *", "2021-10-31T02:30:00+03:00",
			[]string{"2021-10-31T03:00:00+03:00", "2021-10-31T03:00:00+02:00", "2021-10-31T04:00:00+02:00", "2021-10-31T05:00:00+02:00"}},
		{"CRON_TZ wins over the configured zone", "CRON_TZ=UTC 0 12 * * *", "2021-05-05T00:00:00+03:00",
			[]string{"2021-05-05T15:00:00+03:00"}},
		{"six fields with seconds", "30 0 10 * * *", "2021-05-05T00:00:00+03:00",
			[]string{"2021-05-05T10:00:30+03:00"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := ParseCron(tc.spec, hel)
			if err != nil {
				t.Fatal(err)
			}
			at, _ := time.Parse(time.RFC3339, tc.from)
			for i, w := range tc.want {
				at = s.Next(at)
				if got := at.In(hel).Format(time.RFC3339); got != w {
					t.Fatalf("occurrence %d = %s, want %s", i, got, w)
				}
			}
		})
	}
}
