package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/feeds"
)

// occ is an expected occurrence; times are RFC 3339 in the test's zone.
type occ struct {
	ID, Title, Start, End string
	AllDay, Cancelled     bool
}

// detail is an expected field of one occurrence, by ID.
type detail struct {
	ID                             string
	Location, Link, Description    string
	checkLocation, checkLink, desc bool
}

var helsinki = mustZone("Europe/Helsinki")

func mustZone(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// at reads an RFC 3339 time written in a test table.
func at(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad time in test table: %q", s)
	}
	return v
}

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// noUID is the documented ID of an event without UID.
func noUID(title, tzid, dtstart, description string) string {
	h := sha256.Sum256([]byte(title + "\x00" + tzid + ":" + dtstart + "\x00" + description))
	return "nouid-" + hex.EncodeToString(h[:8])
}

// check compares got with want; want is sorted here by start then ID, the
// order Parse promises.
func check(t *testing.T, got []feeds.Event, want []occ, loc *time.Location) {
	t.Helper()
	sort.SliceStable(want, func(i, j int) bool {
		a, b := at(t, want[i].Start), at(t, want[j].Start)
		if !a.Equal(b) {
			return a.Before(b)
		}
		return want[i].ID < want[j].ID
	})
	n := max(len(got), len(want))
	for i := range n {
		var g, w occ
		if i < len(got) {
			e := got[i]
			g = occ{e.ID, e.Title, e.Start.In(loc).Format(time.RFC3339), e.End.In(loc).Format(time.RFC3339), e.AllDay, e.Cancelled}
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("occurrence %d:\n got  %+v\n want %+v", i, g, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d occurrences, want %d", len(got), len(want))
	}
}

func checkDetails(t *testing.T, got []feeds.Event, details []detail) {
	t.Helper()
	for _, d := range details {
		found := false
		for _, e := range got {
			if e.ID != d.ID {
				continue
			}
			found = true
			if d.checkLocation && e.Location != d.Location {
				t.Errorf("%s: Location = %q, want %q", d.ID, e.Location, d.Location)
			}
			if d.checkLink && e.Link != d.Link {
				t.Errorf("%s: Link = %q, want %q", d.ID, e.Link, d.Link)
			}
			if d.desc && e.Description != d.Description {
				t.Errorf("%s: Description = %q, want %q", d.ID, e.Description, d.Description)
			}
		}
		if !found {
			t.Errorf("%s: not returned", d.ID)
		}
	}
}

const (
	syksy  = "lumo-kehittajaryhma-syksy@lumo.example"
	kehRyh = "LUMO-hankkeen kehittäjäryhmä"
	syt    = "Sytykettä yhteistyöhön – johdatus lastensuojeluun ja systeemiseen työskentelyyn, osio "
	sys    = "Systeemisen lastensuojelun koulutus lastensuojelun työntekijöille, Äänekoski ja Wiitaunioni"
)

// Every expected value below was written by hand from reading the fixture.
var fixtureCases = []struct {
	name     string
	file     string
	loc      *time.Location
	from, to string
	want     []occ
	count    int // when want is nil: only the number of occurrences
	details  []detail
}{
	{
		name: "lumo year 2021", file: "lumo/lumo-events.ics", loc: helsinki,
		from: "2021-01-01T00:00:00+02:00", to: "2022-01-01T00:00:00+02:00",
		want: []occ{
			{"lumo-startti-2021@lumo.example", "LUMOn startti-iltapäivä", "2021-01-27T13:00:00+02:00", "2021-01-27T16:00:00+02:00", false, false},
			{"lumo-kickoff-2021@lumo.example", "LUMO Kick off -webinaari", "2021-04-14T09:00:00+03:00", "2021-04-14T12:00:00+03:00", false, false},
			{"lumo-kehittajaryhma-2021-05@lumo.example", kehRyh, "2021-05-05T13:30:00+03:00", "2021-05-05T15:00:00+03:00", false, false},
			{"lumo-systeeminen-1@lumo.example", sys, "2021-05-06T00:00:00+03:00", "2021-05-08T00:00:00+03:00", true, false},
			{"lumo-sytyketta-1@lumo.example", syt + "I", "2021-05-28T08:30:00+03:00", "2021-05-28T12:00:00+03:00", false, false},
			{"lumo-sisote-info-2021@lumo.example", "Sisote-esihenkilöiden infotilaisuus systeemisestä työotteesta ja monialaisesta yhteistyöstä", "2021-05-31T13:00:00+03:00", "2021-05-31T14:30:00+03:00", false, false},
			{"lumo-systeeminen-2@lumo.example", sys, "2021-06-02T00:00:00+03:00", "2021-06-04T00:00:00+03:00", true, false},
			{"lumo-sytyketta-2@lumo.example", syt + "II", "2021-06-07T09:00:00+03:00", "2021-06-07T15:00:00+03:00", false, false},
			// 09:00Z is 12.00 local (EEST).
			{"lumo-nuoren-aani-2021@lumo.example", "NUOREN ÄÄNI lastensuojelussa – keskustelutilaisuus nuorten osallisuudesta", "2021-06-10T12:00:00+03:00", "2021-06-10T14:00:00+03:00", false, false},
			{"lumo-peruttu-2021@lumo.example", "PERUTTU: Verkostotapaaminen", "2021-06-15T10:00:00+03:00", "2021-06-15T11:00:00+03:00", false, true},
			{"lumo-sytyketta-3@lumo.example", syt + "III", "2021-06-21T09:00:00+03:00", "2021-06-21T12:00:00+03:00", false, false},
			// Biweekly: 8.9., 22.9., 6.10., (20.10. excluded), 3.11. moved,
			// 17.11., 1.12., 15.12. (UNTIL 11:59:59Z); 13.30 local on both
			// sides of 31.10.
			{syksy + "/20210908T103000Z", kehRyh, "2021-09-08T13:30:00+03:00", "2021-09-08T15:00:00+03:00", false, false},
			{syksy + "/20210922T103000Z", kehRyh, "2021-09-22T13:30:00+03:00", "2021-09-22T15:00:00+03:00", false, false},
			{syksy + "/20211006T103000Z", kehRyh, "2021-10-06T13:30:00+03:00", "2021-10-06T15:00:00+03:00", false, false},
			{syksy + "/20211103T113000Z", kehRyh + " (siirretty tunnilla)", "2021-11-03T14:30:00+02:00", "2021-11-03T16:00:00+02:00", false, false},
			{syksy + "/20211117T113000Z", kehRyh, "2021-11-17T13:30:00+02:00", "2021-11-17T15:00:00+02:00", false, false},
			{syksy + "/20211201T113000Z", kehRyh, "2021-12-01T13:30:00+02:00", "2021-12-01T15:00:00+02:00", false, false},
			{syksy + "/20211215T113000Z", kehRyh, "2021-12-15T13:30:00+02:00", "2021-12-15T15:00:00+02:00", false, false},
		},
		details: []detail{
			{ID: "lumo-startti-2021@lumo.example", Location: "Teams", checkLocation: true,
				Link: "https://lumo.example/tapahtumat/lumo-startti-2021", checkLink: true,
				Description: "Yhteinen kehittämistyö polkaistaan käyntiin. Mukana kokemusasiantuntijat, työntekijät ja yhteistyökumppanit.", desc: true},
			{ID: "lumo-sytyketta-2@lumo.example", Location: "Jyväskylä", checkLocation: true},
			{ID: "lumo-systeeminen-1@lumo.example", Location: "Äänekoski", checkLocation: true, Description: "Kaksipäiväinen koulutus, 1. jakso.", desc: true},
			// The override has no URL or DESCRIPTION: taken from its series.
			{ID: syksy + "/20211103T113000Z", Location: "Teams", checkLocation: true,
				Link: "https://lumo.example/tapahtumat/lumo-kehittajaryhma-syksy", checkLink: true,
				Description: "Kehittäjäryhmä kokoontuu syksyllä joka toinen keskiviikko.", desc: true},
			{ID: "lumo-peruttu-2021@lumo.example", Link: "", checkLink: true},
		},
	},
	{
		// The moved occurrence is in the window although its original
		// slot (13.30) is before it.
		name: "lumo moved occurrence only", file: "lumo/lumo-events.ics", loc: helsinki,
		from: "2021-11-03T14:00:00+02:00", to: "2021-11-04T00:00:00+02:00",
		want: []occ{
			{syksy + "/20211103T113000Z", kehRyh + " (siirretty tunnilla)", "2021-11-03T14:30:00+02:00", "2021-11-03T16:00:00+02:00", false, false},
		},
	},
	{
		name: "lumo excluded 20.10.", file: "lumo/lumo-events.ics", loc: helsinki,
		from: "2021-10-07T00:00:00+03:00", to: "2021-11-01T00:00:00+02:00",
		want: []occ{},
	},
	{
		name: "google berlin invite, UTC times", file: "google_berlin_meet_invite.ics", loc: helsinki,
		from: "2022-03-01T00:00:00+02:00", to: "2022-03-02T00:00:00+02:00",
		want: []occ{
			{"37dfo8hp5hdsxxxxxxxxxxxxxx@google.com", "xxxxxxxxxxxxxxxx xxxxxxxx", "2022-03-01T19:00:00+02:00", "2022-03-01T20:30:00+02:00", false, false},
		},
		details: []detail{{ID: "37dfo8hp5hdsxxxxxxxxxxxxxx@google.com", checkLocation: true, checkLink: true, desc: true,
			Description: "Dieser Termin enthält einen Videoanruf.\nTeilnehmen: https://meet.google.com/xxx-xxxx-xxx\n(DE) +49 40 xxxxxxxxxx PIN: xxxxxxxxx#\nWeitere Telefonnummern anzeigen: https://tel.meet/xxx-xxxx-xxx?pin=xxxxxxxxxxxxx&hs=x"}},
	},
	{
		// Zurich changes to CET on Sun 30.10.2016: 14:00 local stays, the
		// UTC key moves from 12:00Z to 13:00Z.
		name: "google zurich weekdays across DST", file: "google_zurich_weekly_apple_location.ics", loc: helsinki,
		from: "2016-10-27T00:00:00+03:00", to: "2016-11-03T00:00:00+02:00",
		want: []occ{
			{"BFE33ADD-5553-48B5-B5A5-F9DA5CA4C393/20161028T120000Z", "Daily Sync", "2016-10-28T15:00:00+03:00", "2016-10-28T15:30:00+03:00", false, false},
			{"BFE33ADD-5553-48B5-B5A5-F9DA5CA4C393/20161031T130000Z", "Daily Sync", "2016-10-31T15:00:00+02:00", "2016-10-31T15:30:00+02:00", false, false},
			{"BFE33ADD-5553-48B5-B5A5-F9DA5CA4C393/20161101T130000Z", "Daily Sync", "2016-11-01T15:00:00+02:00", "2016-11-01T15:30:00+02:00", false, false},
			{"BFE33ADD-5553-48B5-B5A5-F9DA5CA4C393/20161102T130000Z", "Daily Sync", "2016-11-02T15:00:00+02:00", "2016-11-02T15:30:00+02:00", false, false},
		},
		details: []detail{{ID: "BFE33ADD-5553-48B5-B5A5-F9DA5CA4C393/20161028T120000Z", Location: "Roadstar 16\n12764 Happyville\nDenmark", checkLocation: true, Description: "Some Description", desc: true}},
	},
	{
		// One series (COUNT=1 plus two RDATEs written as UTC dates) and
		// three overrides without a series.
		name: "google birthdays", file: "google_birthday_allday_recurrence_id.ics", loc: helsinki,
		from: "2012-01-01T00:00:00+02:00", to: "2015-01-01T00:00:00+02:00",
		want: []occ{
			{"2014_BIRTHDAY_79d389868f96182e@google.com/20121210", "PErson #2's birthday", "2012-12-10T00:00:00+02:00", "2012-12-11T00:00:00+02:00", true, false},
			{"BIRTHDAY_79d389868f96182e@google.com/20121210", "PErson #2's birthday", "2012-12-10T00:00:00+02:00", "2012-12-11T00:00:00+02:00", true, false},
			{"2014_BIRTHDAY_79d389868f96182e@google.com/20131210", "PErson #2's birthday", "2013-12-10T00:00:00+02:00", "2013-12-11T00:00:00+02:00", true, false},
			{"BIRTHDAY_79d389868f96182e@google.com/20131210", "PErson #2's birthday", "2013-12-10T00:00:00+02:00", "2013-12-11T00:00:00+02:00", true, false},
			{"2014_BIRTHDAY_79d389868f96182e@google.com/20141210", "PErson #2's birthday", "2014-12-10T00:00:00+02:00", "2014-12-11T00:00:00+02:00", true, false},
			{"BIRTHDAY_79d389868f96182e@google.com/20141210", "PErson #2's birthday", "2014-12-10T00:00:00+02:00", "2014-12-11T00:00:00+02:00", true, false},
		},
		details: []detail{
			{ID: "BIRTHDAY_79d389868f96182e@google.com/20131210", Description: "Today is PErson #2's birthday!", desc: true},
			{ID: "2014_BIRTHDAY_79d389868f96182e@google.com/20141210", Description: "", desc: true},
		},
	},
	{
		name: "google all-day weekdays", file: "google_allday_weekly.ics", loc: helsinki,
		from: "2012-08-03T00:00:00+03:00", to: "2012-08-10T00:00:00+03:00",
		want: []occ{
			{"4pfh824gvims850j0gar361t04@google.com/20120803", "Day Long Event", "2012-08-03T00:00:00+03:00", "2012-08-04T00:00:00+03:00", true, false},
			{"4pfh824gvims850j0gar361t04@google.com/20120806", "Day Long Event", "2012-08-06T00:00:00+03:00", "2012-08-07T00:00:00+03:00", true, false},
			{"4pfh824gvims850j0gar361t04@google.com/20120807", "Day Long Event", "2012-08-07T00:00:00+03:00", "2012-08-08T00:00:00+03:00", true, false},
			{"4pfh824gvims850j0gar361t04@google.com/20120808", "Day Long Event", "2012-08-08T00:00:00+03:00", "2012-08-09T00:00:00+03:00", true, false},
			{"4pfh824gvims850j0gar361t04@google.com/20120809", "Day Long Event", "2012-08-09T00:00:00+03:00", "2012-08-10T00:00:00+03:00", true, false},
		},
	},
	{
		// No end: a Monday far after DTSTART.
		name: "google all-day weekdays years later", file: "google_allday_weekly.ics", loc: helsinki,
		from: "2021-10-30T00:00:00+03:00", to: "2021-11-02T00:00:00+02:00",
		want: []occ{
			// 31.10.2021 is a Sunday, the day Helsinki leaves DST.
			{"4pfh824gvims850j0gar361t04@google.com/20211101", "Day Long Event", "2021-11-01T00:00:00+02:00", "2021-11-02T00:00:00+02:00", true, false},
		},
	},
	{
		// Two events without UID or SUMMARY; UNTIL=...T235959Z ends on the
		// 23rd; 11th excluded; the second event's empty EXDATE is ignored.
		name: "google all-day exdate and empty exdate", file: "google_allday_exdate_empty.ics", loc: helsinki,
		from: "2008-03-10T00:00:00+02:00", to: "2008-03-13T00:00:00+02:00",
		want: []occ{
			{noUID("", "", "20080303", "Perfectly OK event") + "/20080310", "", "2008-03-10T00:00:00+02:00", "2008-03-11T00:00:00+02:00", true, false},
			{noUID("", "", "20080303", "Wrong event") + "/20080310", "", "2008-03-10T00:00:00+02:00", "2008-03-11T00:00:00+02:00", true, false},
			{noUID("", "", "20080303", "Perfectly OK event") + "/20080312", "", "2008-03-12T00:00:00+02:00", "2008-03-13T00:00:00+02:00", true, false},
			{noUID("", "", "20080303", "Wrong event") + "/20080312", "", "2008-03-12T00:00:00+02:00", "2008-03-13T00:00:00+02:00", true, false},
		},
	},
	{
		name: "google all-day until last day", file: "google_allday_exdate_empty.ics", loc: helsinki,
		from: "2008-03-23T00:00:00+02:00", to: "2008-04-01T00:00:00+03:00",
		want: []occ{
			{noUID("", "", "20080303", "Perfectly OK event") + "/20080323", "", "2008-03-23T00:00:00+02:00", "2008-03-24T00:00:00+02:00", true, false},
			{noUID("", "", "20080303", "Wrong event") + "/20080323", "", "2008-03-23T00:00:00+02:00", "2008-03-24T00:00:00+02:00", true, false},
		},
	},
	{
		name: "google all-day whole series", file: "google_allday_exdate_empty.ics", loc: helsinki,
		from: "2008-01-01T00:00:00+02:00", to: "2009-01-01T00:00:00+02:00",
		count: 40, // 3.–23.3. is 21 days, less the 11th, twice
	},
	{
		// Rule 1st Tuesday 10:00 Los Angeles; RDATEs 5., 10. and 30.11.;
		// EXDATEs 4.12., 5.2.; 2.10. moved to 15:00; the RDATE 5.11.
		// (18:00Z) moved to 6.11. 20:00 PST.
		name: "zimbra rdate exdate overrides", file: "zimbra_monthly_rdate_exdate_overrides.ics", loc: helsinki,
		from: "2012-10-01T00:00:00+03:00", to: "2013-03-01T00:00:00+02:00",
		want: []occ{
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121002T170000Z", "Crazy Event Thingy!", "2012-10-03T01:00:00+03:00", "2012-10-03T01:30:00+03:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121106T180000Z", "Crazy Event Thingy!", "2012-11-06T20:00:00+02:00", "2012-11-06T20:30:00+02:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121105T180000Z", "Crazy Event Thingy!", "2012-11-07T06:00:00+02:00", "2012-11-07T06:30:00+02:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121110T180000Z", "Crazy Event Thingy!", "2012-11-10T20:00:00+02:00", "2012-11-10T20:30:00+02:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121130T180000Z", "Crazy Event Thingy!", "2012-11-30T20:00:00+02:00", "2012-11-30T20:30:00+02:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20130101T180000Z", "Crazy Event Thingy!", "2013-01-01T20:00:00+02:00", "2013-01-01T20:30:00+02:00", false, false},
		},
		details: []detail{
			{ID: "623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121002T170000Z", Description: "I HAZ CHANGED!", desc: true, Location: "PLACE", checkLocation: true},
			{ID: "623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121105T180000Z", Description: "IAM FOO", desc: true},
			{ID: "623c13c0-6c2b-45d6-a12b-c33ad61c4868/20130101T180000Z", Description: "IAM FOO", desc: true},
		},
	},
	{
		// UTC RDATE with the series' 30 minutes; a PERIOD RDATE with its own end.
		name: "zimbra rdate period", file: "zimbra_monthly_rdate_exdate_overrides.ics", loc: helsinki,
		from: "2023-11-20T00:00:00+02:00", to: "2023-11-30T00:00:00+02:00",
		want: []occ{
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20231123T090000Z", "Crazy Event Thingy!", "2023-11-23T11:00:00+02:00", "2023-11-23T11:30:00+02:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20231125T090000Z", "Crazy Event Thingy!", "2023-11-25T11:00:00+02:00", "2023-11-25T14:30:00+02:00", false, false},
		},
	},
	{
		// Floating UNTIL=20121231T100000 read in the DTSTART's zone:
		// 1.1.2013 is past it.
		name: "zimbra floating until", file: "zimbra_monthly_until.ics", loc: helsinki,
		from: "2012-01-01T00:00:00+02:00", to: "2014-01-01T00:00:00+02:00",
		want: []occ{
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121002T170000Z", "Crazy Event Thingy!", "2012-10-02T20:00:00+03:00", "2012-10-02T20:30:00+03:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121105T180000Z", "Crazy Event Thingy!", "2012-11-05T20:00:00+02:00", "2012-11-05T20:30:00+02:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121106T180000Z", "Crazy Event Thingy!", "2012-11-06T20:00:00+02:00", "2012-11-06T20:30:00+02:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121110T180000Z", "Crazy Event Thingy!", "2012-11-10T20:00:00+02:00", "2012-11-10T20:30:00+02:00", false, false},
			{"623c13c0-6c2b-45d6-a12b-c33ad61c4868/20121204T180000Z", "Crazy Event Thingy!", "2012-12-04T20:00:00+02:00", "2012-12-04T20:30:00+02:00", false, false},
		},
	},
	{
		// TZID="Kuala Lumpur, Singapore" (+08), tab-folded UID.
		name: "outlook 12 weekly", file: "outlook12_weekly_tab_folding.ics", loc: helsinki,
		from: "2008-10-31T00:00:00+02:00", to: "2008-11-15T00:00:00+02:00",
		want: []occ{
			{outlook12UID + "/20081031T013000Z", "Scheduled Reboot", "2008-10-31T03:30:00+02:00", "2008-10-31T03:40:00+02:00", false, false},
			{outlook12UID + "/20081107T013000Z", "Scheduled Reboot", "2008-11-07T03:30:00+02:00", "2008-11-07T03:40:00+02:00", false, false},
			{outlook12UID + "/20081114T013000Z", "Scheduled Reboot", "2008-11-14T03:30:00+02:00", "2008-11-14T03:40:00+02:00", false, false},
		},
		details: []detail{{ID: outlook12UID + "/20081031T013000Z", Description: "", desc: true}},
	},
	{
		// "Canberra, Melbourne, Sydney": 09:30 AEDT (+11) in March 2009.
		name: "outlook 11 daily weekdays", file: "outlook11_daily_windows_tzid.ics", loc: helsinki,
		from: "2009-03-10T00:00:00+02:00", to: "2009-03-14T00:00:00+02:00",
		want: []occ{
			{outlook11UID + "/20090309T223000Z", "Standup", "2009-03-10T00:30:00+02:00", "2009-03-10T00:45:00+02:00", false, false},
			{outlook11UID + "/20090310T223000Z", "Standup", "2009-03-11T00:30:00+02:00", "2009-03-11T00:45:00+02:00", false, false},
			{outlook11UID + "/20090311T223000Z", "Standup", "2009-03-12T00:30:00+02:00", "2009-03-12T00:45:00+02:00", false, false},
			{outlook11UID + "/20090312T223000Z", "Standup", "2009-03-13T00:30:00+02:00", "2009-03-13T00:45:00+02:00", false, false},
		},
	},
	{
		// Sydney leaves DST on Sun 5.4.2009: still 09:30 there, now +10.
		name: "outlook 11 southern DST change", file: "outlook11_daily_windows_tzid.ics", loc: helsinki,
		from: "2009-04-03T00:00:00+03:00", to: "2009-04-07T00:00:00+03:00",
		want: []occ{
			{outlook11UID + "/20090402T223000Z", "Standup", "2009-04-03T01:30:00+03:00", "2009-04-03T01:45:00+03:00", false, false},
			{outlook11UID + "/20090405T233000Z", "Standup", "2009-04-06T02:30:00+03:00", "2009-04-06T02:45:00+03:00", false, false},
		},
	},
	{
		// No UID; TZID known only from its VTIMEZONE (CET rules);
		// "BYDAY=MO, TU, ..." with spaces; UNTIL=20150722T080000Z is the
		// last occurrence itself.
		name: "exchange CDO daily until", file: "exchange_cdo_central_europe_until.ics", loc: helsinki,
		from: "2015-07-01T00:00:00+03:00", to: "2015-08-01T00:00:00+03:00",
		want: func() []occ {
			id := noUID("Sprint 25 Daily Standup", "GMT +0100 (Standard) / GMT +0200 (Daylight)", "20150703T100000", "")
			var w []occ
			for _, d := range []string{"03", "06", "07", "08", "09", "10", "13", "14", "15", "16", "17", "20", "21", "22"} {
				w = append(w, occ{id + "/201507" + d + "T080000Z", "Sprint 25 Daily Standup", "2015-07-" + d + "T11:00:00+03:00", "2015-07-" + d + "T11:30:00+03:00", false, false})
			}
			return w
		}(),
	},
	{
		name: "exchange CDO zone in winter", file: "exchange_cdo_central_europe_until.ics", loc: helsinki,
		from: "2015-01-01T00:00:00+02:00", to: "2015-07-03T11:00:00+03:00",
		want: []occ{},
	},
	{
		// Monday 10:00 to Friday 18:00 Vienna (CET, +01).
		name: "plone multi-day timed", file: "plone_vienna_multiday.ics", loc: helsinki,
		from: "2012-02-01T00:00:00+02:00", to: "2012-03-01T00:00:00+02:00",
		want: []occ{
			{"123456", "artsprint 2012", "2012-02-13T11:00:00+02:00", "2012-02-17T19:00:00+02:00", false, false},
		},
		details: []detail{{ID: "123456", Location: "aka bild, wien", checkLocation: true, Description: "sprinting at the artsprint", desc: true}},
	},
	{
		// Begun before the window: not an occurrence of it.
		name: "plone multi-day already begun", file: "plone_vienna_multiday.ics", loc: helsinki,
		from: "2012-02-14T00:00:00+02:00", to: "2012-03-01T00:00:00+02:00",
		want: []occ{},
	},
	{
		name: "davx5 zone, UTC, floating and dates", file: "davx5_copenhagen_utc_floating_date.ics", loc: helsinki,
		from: "1998-01-01T00:00:00+02:00", to: "2023-01-01T00:00:00+02:00",
		want: []occ{
			{"be7c9690-d42a-40ef-b82f-1634dc5033b4", "Form #1", "1998-01-18T23:00:00+02:00", "1998-01-19T23:00:00+02:00", false, false},
			{"62475ad0-a76c-4fab-8e68-f99209afcca6", "Unknown UTC date", "2021-05-27T00:00:00+03:00", "2021-05-28T00:00:00+03:00", true, false},
			{"fb54680e-7f69-46d3-9632-00aed2469f7b", "Unknown local date, with 'VALUE'", "2021-06-27T00:00:00+03:00", "2021-06-28T00:00:00+03:00", true, false},
			{"269cf715-4e14-4a10-8753-f2feeb9d060e", "Form 3", "2021-12-07T15:00:00+02:00", "2021-12-07T16:00:00+02:00", false, false},
			{"53634aed-1b7d-4d85-aa38-ede76a2e4fe3", "Form #2", "2022-01-22T19:00:00+02:00", "2022-01-22T22:00:00+02:00", false, false},
		},
	},
	{
		// Floating and all-day times follow the zone passed in.
		name: "davx5 read in New York", file: "davx5_copenhagen_utc_floating_date.ics", loc: mustZone("America/New_York"),
		from: "1998-01-18T00:00:00-05:00", to: "2021-05-28T00:00:00-04:00",
		want: []occ{
			{"be7c9690-d42a-40ef-b82f-1634dc5033b4", "Form #1", "1998-01-18T23:00:00-05:00", "1998-01-19T23:00:00-05:00", false, false},
			{"62475ad0-a76c-4fab-8e68-f99209afcca6", "Unknown UTC date", "2021-05-27T00:00:00-04:00", "2021-05-28T00:00:00-04:00", true, false},
		},
	},
	{
		name: "mozilla 52 calendars, 2003", file: "mozilla_swedish_holidays_multi_vcalendar.ics", loc: helsinki,
		from: "2003-01-01T00:00:00+02:00", to: "2004-01-01T00:00:00+02:00",
		want: []occ{
			{"315030d0-ca5c-11d7-9a03-f88dd56dba2f", "Nyårsdagen", "2003-01-01T00:00:00+02:00", "2003-01-02T00:00:00+02:00", true, false},
			{"919664825", "Trettondedag jul", "2003-01-06T00:00:00+02:00", "2003-01-07T00:00:00+02:00", true, false},
			{"b8554610-ca5c-11d7-ae2f-cb8ff6c3815f", "Långfredagen", "2003-04-18T00:00:00+03:00", "2003-04-19T00:00:00+03:00", true, false},
			{"918202170", "Påskdgen", "2003-04-20T00:00:00+03:00", "2003-04-21T00:00:00+03:00", true, false},
			{"980886329", "Annandag påsk", "2003-04-21T00:00:00+03:00", "2003-04-22T00:00:00+03:00", true, false},
			{"cb215100-ca5d-11d7-ad20-f605ba1f0744", "Första maj", "2003-05-01T00:00:00+03:00", "2003-05-02T00:00:00+03:00", true, false},
			{"965451124", "Kristi himmelfärds dag", "2003-05-29T00:00:00+03:00", "2003-05-30T00:00:00+03:00", true, false},
			{"177fa760-ca5f-11d7-b855-9cf7e4907aee", "Pingstdagen", "2003-06-08T00:00:00+03:00", "2003-06-09T00:00:00+03:00", true, false},
			{"20150700-ca5f-11d7-8a64-9d5162a4ff57", "Annandag pingst", "2003-06-09T00:00:00+03:00", "2003-06-10T00:00:00+03:00", true, false},
			{"958617210", "Midsommardagen", "2003-06-21T00:00:00+03:00", "2003-06-22T00:00:00+03:00", true, false},
			{"d8511930-ca5f-11d7-8f53-be81c73e51a9", "Alla helgons dag", "2003-11-01T00:00:00+02:00", "2003-11-02T00:00:00+02:00", true, false},
			{"989468284", "Juldagen", "2003-12-25T00:00:00+02:00", "2003-12-26T00:00:00+02:00", true, false},
			{"946067557", "Annandag jul", "2003-12-26T00:00:00+02:00", "2003-12-27T00:00:00+02:00", true, false},
		},
	},
	{
		name: "mozilla all calendars", file: "mozilla_swedish_holidays_multi_vcalendar.ics", loc: helsinki,
		from: "2000-01-01T00:00:00+02:00", to: "2010-01-01T00:00:00+02:00",
		count: 52,
	},
	{
		// COUNT=12 counted from DTSTART (14.3.2003, not itself a 2nd
		// Thursday, so it is the first of the 12), not from the window.
		name: "korganizer count, window after dtstart", file: "korganizer_monthly_count_escaped_semicolon.ics", loc: helsinki,
		from: "2003-12-01T00:00:00+02:00", to: "2005-01-01T00:00:00+02:00",
		want: []occ{
			{"KOrganizer-500279590.953/20031206T200000Z", devSIG, "2003-12-06T22:00:00+02:00", "2003-12-07T00:00:00+02:00", false, false},
			{"KOrganizer-1934107299.242/20031211T030000Z", general, "2003-12-11T05:00:00+02:00", "2003-12-11T07:00:00+02:00", false, false},
			{"KOrganizer-500279590.953/20040103T200000Z", devSIG, "2004-01-03T22:00:00+02:00", "2004-01-04T00:00:00+02:00", false, false},
			{"KOrganizer-1934107299.242/20040108T030000Z", general, "2004-01-08T05:00:00+02:00", "2004-01-08T07:00:00+02:00", false, false},
			{"KOrganizer-500279590.953/20040207T200000Z", devSIG, "2004-02-07T22:00:00+02:00", "2004-02-08T00:00:00+02:00", false, false},
			{"KOrganizer-1934107299.242/20040212T030000Z", general, "2004-02-12T05:00:00+02:00", "2004-02-12T07:00:00+02:00", false, false},
			{"KOrganizer-500279590.953/20040306T200000Z", devSIG, "2004-03-06T22:00:00+02:00", "2004-03-07T00:00:00+02:00", false, false},
		},
		details: []detail{
			{ID: "KOrganizer-1934107299.242/20031211T030000Z", Location: "Caltech Campus; room 101 Guggenheim", checkLocation: true, Description: "See http://www.sgvlug.org for details", desc: true},
			{ID: "KOrganizer-500279590.953/20031206T200000Z", Location: "The Coffee Gallery; Altadena", checkLocation: true, Description: "See http://www.sgvlug.org for details", desc: true},
		},
	},
	{
		name: "korganizer first occurrences", file: "korganizer_monthly_count_escaped_semicolon.ics", loc: helsinki,
		from: "2003-03-01T00:00:00+02:00", to: "2003-05-01T00:00:00+03:00",
		want: []occ{
			{"KOrganizer-1934107299.242/20030314T030000Z", general, "2003-03-14T05:00:00+02:00", "2003-03-14T07:00:00+02:00", false, false},
			{"KOrganizer-500279590.953/20030406T200000Z", devSIG, "2003-04-06T23:00:00+03:00", "2003-04-07T01:00:00+03:00", false, false},
			{"KOrganizer-1934107299.242/20030410T030000Z", general, "2003-04-10T06:00:00+03:00", "2003-04-10T08:00:00+03:00", false, false},
		},
	},
	{
		// Sydney and London matches and a yearly all-day birthday;
		// Sydney is +10 in August.
		name: "apple iCal, escapes folded after backslash", file: "apple_ical_escaped_commas_folding.ics", loc: helsinki,
		from: "2002-08-15T00:00:00+03:00", to: "2002-09-02T00:00:00+03:00",
		want: []occ{
			{"08A21E2D-963D-11D7-ABA4-003065B8B7E6", "Everton (2) v Spurs (2) [Pembridge 37, Etherington 63, Ferdinand 75, Radzinski 81]", "2002-08-17T17:00:00+03:00", "2002-08-17T18:40:00+03:00", false, false},
			{"08A2260C-963D-11D7-ABA4-003065B8B7E6", "Spurs (1) v Aston Villa (0) [Redknapp 26]", "2002-08-24T17:00:00+03:00", "2002-08-24T18:40:00+03:00", false, false},
			{"08A229D7-963D-11D7-ABA4-003065B8B7E6", "Charlton A (0) v Spurs (1) [Davies 7]", "2002-08-27T21:45:00+03:00", "2002-08-27T23:25:00+03:00", false, false},
			{"08A2C7E2-963D-11D7-ABA4-003065B8B7E6/20020829", "Stephen Carr 29.08.1976", "2002-08-29T00:00:00+03:00", "2002-08-30T00:00:00+03:00", true, false},
			{"08A22D0F-963D-11D7-ABA4-003065B8B7E6", "Spurs (2) v Soton (1) [Ferdinand 10, Taricco 29 (og), Sheringham 90 (pen)]", "2002-08-31T17:00:00+03:00", "2002-08-31T18:40:00+03:00", false, false},
		},
		details: []detail{{ID: "08A21E2D-963D-11D7-ABA4-003065B8B7E6", desc: true,
			Description: "Everton: Wright, Stubbs, Weir, Radzinksi (Unsworth, 84), Campbell, Pembridge, Li Tie (Rodrigol, 76), Naysmith, Gravesen, Rooney (Alexandersson, 66), Hibbert. Subs: Linderoth, Simonsen. \n\nSpurs: Keller, Carr (Thatcher, 44),\u00a0Taricco, Bunjevcevic, Sheringham (Ferdinand, 71),\u00a0Redknapp, Iversen (Acimovic, 84), Etherington, Davies, Gardner, Richards. Subs: Perry, Sullivan."}},
	},
	{
		name: "apple iCal London match", file: "apple_ical_escaped_commas_folding.ics", loc: helsinki,
		from: "2002-12-23T00:00:00+02:00", to: "2002-12-24T00:00:00+02:00",
		want: []occ{
			{"08A25FD9-963D-11D7-ABA4-003065B8B7E6", "Man City(2) v Spurs(3) [Howey 29, Perry 38, Davies 48, Poyet 84, Benarbia 90]", "2002-12-23T22:00:00+02:00", "2002-12-23T23:45:00+02:00", false, false},
		},
	},
	{
		// A year after DTSTART.
		name: "apple iCal yearly birthday", file: "apple_ical_escaped_commas_folding.ics", loc: helsinki,
		from: "2004-09-01T00:00:00+03:00", to: "2004-09-04T00:00:00+03:00",
		want: []occ{
			{"452D69E1-CC6F-11D7-A39D-003065B8B7E6/20040902", "Frederic Kanouté 02.09.1977", "2004-09-02T00:00:00+03:00", "2004-09-03T00:00:00+03:00", true, false},
		},
	},
}

const (
	outlook12UID = "040000008200E00074C5B7101A82E00800000000C0CA27559A38C901000000000000000" + "0100000001E9AFCA9DCE51242AB306C53D7095851"
	outlook11UID = "040000008200E00074C5B7101A82E008000000002079F2E4D4A3C9010000000000000000100" + "000006C4B4F5EBD28AD43BB7F772276780C54"
	general      = "San Gabriel Valley Linux User Group -- general meeting"
	devSIG       = "San Gabriel Valley Linux User Group -- DevSIG meeting"
)

func TestFixtures(t *testing.T) {
	for _, tc := range fixtureCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(readFixture(t, tc.file), tc.loc, at(t, tc.from), at(t, tc.to))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if tc.want == nil {
				if len(got) != tc.count {
					t.Errorf("got %d occurrences, want %d", len(got), tc.count)
				}
				return
			}
			check(t, got, tc.want, tc.loc)
			checkDetails(t, got, tc.details)
		})
	}
}

// Every fixture is read without a warning about lost events, except where
// the file is broken on purpose.
func TestFixtureWarnings(t *testing.T) {
	files, err := filepath.Glob("testdata/*.ics")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "testdata/lumo/lumo-events.ics")
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			from, to := at(t, "1990-01-01T00:00:00Z"), at(t, "2030-01-01T00:00:00Z")
			evs, warnings, err := ParseWithWarnings(b, helsinki, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if len(evs) == 0 {
				t.Error("no events")
			}
			for _, w := range warnings {
				if !strings.Contains(f, "exdate_empty") {
					t.Errorf("warning: %v", w)
				}
			}
		})
	}
}
