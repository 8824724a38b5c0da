package server

import (
	"fmt"
	"strconv"
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
						Due:    at(7, 9, 0),
						Text:   "Sytykettä yhteistyöhön, Osio I pe 28.5. klo 8.30–12. Ilmoittaudu mukaan! #LUMOhanke",
						Link:   "https://example.fi/sytyketta",
						Images: []bot.Image{{Source: "/srv/lumobot/kuvat/sytyketta.jpg", Alt: "Kaksi työntekijää ja perhe keittiön pöydän ääressä"}},
					},
				},
				Recent: []bot.Delivery{
					{
						Post: bot.Post{
							Key: "news:uutiset:nuoren-aani", Kind: bot.KindNews, Target: "mastodon",
							Text:   "NUOREN ÄÄNI lastensuojelussa – keskustelutilaisuus to 10.6.2021 klo 12–14 https://example.fi/nuoren-aani #LUMOhanke",
							Images: []bot.Image{{Source: "https://example.fi/kuvat/nuoren-aani.png?token=S3CRET", Alt: "Nuoria istuu portailla"}},
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

// troubledSnapshot is realisticSnapshot with everything that holds posts
// or needs staff at once: paused, a rejected reload, a flooded target, a
// state that cannot record, a delivery retrying on x, a post planned for
// two targets, skipped rows with each fixed reason, and feed warnings.
func troubledSnapshot(loc *time.Location) Snapshot {
	at := func(day, hour, min int) time.Time { return time.Date(2021, 5, day, hour, min, 0, 0, loc) }
	s := realisticSnapshot(loc)
	s.Paused = true
	s.Config = ConfigView{
		File: "/etc/lumobot/lumobot.yaml", LoadedAt: at(3, 8, 0),
		ReloadError:   `/etc/lumobot/lumobot.yaml:14: targets[1].max_per_hour: must be at least 1, not 0`,
		ReloadErrorAt: at(5, 9, 58),
	}
	s.Flooded = []string{"mastodon"}
	s.StateProblem = "store: disk full: write /data/lumobot.db-wal: no space left on device"

	x := &s.Targets[1]
	retry := bot.Post{
		Key: "news:uutiset:koulutus-2", Kind: bot.KindNews, Target: "x", Due: at(5, 9, 0),
		Text: "Koulutus jatkuu syksyllä #LUMOhanke",
	}
	// Preview lists an open delivery among the planned posts, due at its
	// next attempt; the page shows it as retrying instead.
	planned := retry
	planned.Due = at(5, 10, 20)
	x.Next = append(x.Next, planned)
	x.Open = []bot.Delivery{{
		Post: retry, Status: bot.StatusPending, Attempts: 3, NextAttempt: at(5, 10, 20),
		FirstTry: at(5, 9, 0), Reason: "x: 503 Service Unavailable: over capacity", Updated: at(5, 9, 50),
	}, {
		// In flight: neither retrying nor shown.
		Post:   bot.Post{Key: "news:uutiset:lahtee", Kind: bot.KindNews, Target: "x", Text: "Lähtee nyt"},
		Status: bot.StatusSending, Attempts: 1, Updated: at(5, 9, 59),
	}}
	for i, r := range []string{
		"event already started",
		"more than late_grace late",
		"older than max_age",
		"superseded by reminder:kehittajaryhma-2021-05:1h",
		"missed while lumobot was not running: event already started",
		"event cancelled",
		"no longer planned: its event or announcement was removed or changed",
	} {
		x.Recent = append(x.Recent, bot.Delivery{
			Post:   bot.Post{Key: fmt.Sprintf("reminder:skip-%d:1d", i), Kind: bot.KindReminder, Target: "x", Text: "Ohitettu " + strconv.Itoa(i)},
			Status: bot.StatusSkipped, Updated: at(4, 6, 59-i), Reason: r,
		})
	}
	x.Recent = append(x.Recent,
		bot.Delivery{
			Post:   bot.Post{Key: "news:uutiset:kahdesti", Kind: bot.KindNews, Target: "x", Text: "Sama teksti kahdesti"},
			Status: bot.StatusFailed, Attempts: 1, Updated: at(4, 5, 0),
			Reason: "refused as duplicate content: an earlier post to this account has the same text; nothing went out (x: 403 duplicate content)",
		},
		bot.Delivery{
			Post:   bot.Post{Key: "news:uutiset:luovutus", Kind: bot.KindNews, Target: "x", Text: "Luovutettu"},
			Status: bot.StatusFailed, Attempts: 9, Updated: at(4, 4, 0),
			Reason: "gave up after 24h0m0s: x: 503 Service Unavailable",
		},
	)
	s.Feeds[1].Warnings = []string{
		`event "kesäjuhla": DTSTART 2021-02-30 is no date; event dropped`,
		`event "viikkopalaveri": RRULE FREQ=SECONDLY refused`,
	}
	return s
}
