package server

import (
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// helsinki is the zone the status page shows times in.
func helsinki(t interface{ Fatal(...any) }) *time.Location {
	loc, err := time.LoadLocation("Europe/Helsinki")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// The hostile strings: a post text that would run a script if it were not
// escaped, and a URL that would break out of its attribute.
const (
	scriptText = `Tervetuloa! <script>document.body.setAttribute("data-pwned","1")</script> & "lainaus"`
	quoteURL   = `https://mastodon.example/@LUMOhanke/1" onmouseover="alert(1)`
)

// realisticSnapshot is the status of a bot on Wednesday 5 May 2021 at 10.00
// Helsinki time, with three targets and two feeds, one failing.
func realisticSnapshot(loc *time.Location) Snapshot {
	at := func(day, hour, min int) time.Time { return time.Date(2021, 5, day, hour, min, 0, 0, loc) }
	return Snapshot{
		Now:      at(5, 10, 0),
		Location: loc,
		Targets: []TargetView{
			{
				Name: "mastodon", Type: "mastodon",
				Next: []bot.Post{
					{
						Key: "reminder:kehittajaryhma-2021-05:1h", Kind: bot.KindReminder, Target: "mastodon",
						Due:  at(5, 12, 30),
						Text: "Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 klo 13.30–15.00. https://example.fi/lumo #LUMOhanke",
						Link: "https://example.fi/lumo",
					},
					{
						Key: "announcement:sytyketta:2021-05-28", Kind: bot.KindAnnouncement, Target: "mastodon",
						Due:  at(7, 9, 0),
						Text: "Sytykettä yhteistyöhön, Osio I pe 28.5. klo 8.30–12. Ilmoittaudu mukaan! #LUMOhanke",
						Link: "https://example.fi/sytyketta",
					},
				},
				Recent: []bot.Delivery{
					{
						Post: bot.Post{
							Key: "news:uutiset:nuoren-aani", Kind: bot.KindNews, Target: "mastodon",
							Text: "NUOREN ÄÄNI lastensuojelussa – keskustelutilaisuus to 10.6.2021 klo 12–14 https://example.fi/nuoren-aani #LUMOhanke",
						},
						Status: bot.StatusSent, Attempts: 1, Updated: at(5, 9, 15),
						RemoteID: "1", RemoteURL: "https://mastodon.example/@LUMOhanke/106183",
					},
					{
						Post: bot.Post{
							Key: "announcement:tervetuloa:1", Kind: bot.KindAnnouncement, Target: "mastodon",
							Text: scriptText,
						},
						Status: bot.StatusSent, Attempts: 1, Updated: at(4, 14, 0),
						RemoteURL: quoteURL,
					},
				},
			},
			{
				Name: "x", Type: "x",
				Next: []bot.Post{{
					Key: "reminder:kehittajaryhma-2021-05:1h", Kind: bot.KindReminder, Target: "x",
					Due:  at(5, 9, 45), // overdue: waiting for min_gap
					Text: "Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 klo 13.30–15.00. https://example.fi/lumo #LUMOhanke",
				}},
				Recent: []bot.Delivery{
					{
						Post: bot.Post{
							Key: "news:uutiset:koulutus", Kind: bot.KindNews, Target: "x",
							Text: "Systeemisen lastensuojelun koulutus Äänekoskella ja Wiitaunionissa 6.–7.5. ja 2.–3.6. #LUMOhanke",
						},
						Status: bot.StatusFailed, Attempts: 6, Updated: at(5, 8, 2),
						Reason: "x: 403 Forbidden: You are not permitted to perform this action",
					},
					{
						Post: bot.Post{
							Key: "news:uutiset:vanha", Kind: bot.KindNews, Target: "x",
							Text: "Vanha uutinen",
						},
						Status: bot.StatusSkipped, Updated: at(4, 7, 30),
						Reason: "vanhentunut ennen julkaisua",
					},
				},
			},
			{Name: "teams", Type: "webhook"},
		},
		Feeds: []FeedView{
			{
				Name: "uutiset", URL: "https://example.fi/feed/", Kind: "news",
				LastOK: at(5, 9, 45), Items: 12,
				LastError: "http 502 Bad Gateway", LastErrorAt: at(4, 22, 0),
			},
			{
				Name: "tapahtumat", URL: "https://example.fi/events.ics?token=REDACTED", Kind: "events",
				LastOK: at(4, 9, 0), LastError: "fetch https://example.fi/events.ics?token=REDACTED: timeout after 30s",
				LastErrorAt: at(5, 9, 45),
			},
		},
	}
}
