// Package render turns posts into text: Finnish, Swedish and English dates
// and times, the post templates, the platforms' length rules and shortening.
// It imports nothing of lumobot's.
//
// # Dates and times
//
// Times are formatted in their own location: the caller passes them in the
// configured zone and nothing here converts zones (so a daylight-saving day
// just shows its wall clock).
//
//	         fi                      sv                        en
//	weekday  ke                      onsdag                    Wed
//	date     5.5.2021                5.5.2021                  5 May 2021
//	time     9.30, 13.30             9.30, 13.30               9:30 am, 1:30 pm, 12:00 pm (noon)
//	range    13.30–15.00             13.30–15.00               1:30–3:00 pm, 11:00 am–1:00 pm
//	days     6.–7.5.2021             6.–7.5.2021               6–7 May 2021
//	         30.5.–2.6.2021          30.5.–2.6.2021            30 May – 2 June 2021
//	         30.12.2021–2.1.2022     30.12.2021–2.1.2022       30 December 2021 – 2 January 2022
//
// The words before a time, "klo" (fi) and "kl." (sv), belong to the template:
// time and timerange give only the numbers. Swedish follows the Finland-Swedish
// habit of numeric dates and period-separated times. English always writes
// minutes ("9:00 am", never "9 am") and writes "am"/"pm" once when both ends
// share it. A timed range whose end falls on a later day names that day
// ("13.30 – to 6.5.2021 klo 15.00"). A date range of one day is just the date.
// Unknown languages render as Finnish; SupportedLanguage lets config reject them.
//
// # Templates
//
// Renderer.Parse parses once (syntax errors and unknown functions fail there,
// naming the template and line); Renderer.Check executes a parsed template
// with sample data of its kind so that {{.Titel}} fails at load too.
// Execute trims, collapses runs of spaces and tabs (newlines stay) and appends
// the hashtags the text lacks; ExecuteRaw does none of that, for webhook
// bodies ('{"text": {{json .Text}}}').
//
// Every kind's data carries .Due, when the post goes out (in the configured
// zone); announcements also carry .At, the occurrence (a once
// announcement's time, a recurring one's occurrence). The relative helpers
// take that send time as their first argument rather than reading it from
// the data, so that a helper depends on its arguments only and
// Template.ReadsField("Due") sees every use:
//
//	                            fi                          sv                     en
//	relday .Due .Start          tänään                      i dag                  today
//	                            huomenna                    i morgon               tomorrow
//	                            keskiviikkona (this week)   på onsdag              on Wednesday
//	                            ensi keskiviikkona          på onsdag              on Wednesday
//	                            ke 19.5.2021 (further)      onsdag 19.5.2021       Wed 19 May 2021
//	reldate .Due .Start         huomenna ke 5.5.            i morgon onsdag 5.5.   tomorrow, Wed 5 May
//	                            ensi keskiviikkona 12.5.    på onsdag 12.5.        on Wednesday 12 May
//	shortdate .Start            5.5.                        5.5.                   5 May
//	shortdaterange .Start .End  6.–7.5., 30.12.–2.1.        6.–7.5.                6–7 May
//	near .Due .Start            whether relday names the day in words
//	tonight .Due .Start         whether a timed start is in the coming night
//
// Days are calendar days, each time in its own location (23.30 → 0.30 is
// "huomenna"; a 23- or 25-hour DST day is one day). The words reach seven
// days ahead, the same weekday a week on included; further, earlier or
// without a send time (zero .Due) they give the weekday and the date with
// its year. Finnish says "ensi" only for a day in the next Monday-to-Sunday
// week ("keskiviikkona" said on a Monday is this week's Wednesday; "ensi
// keskiviikkona" would be read as the week after). tonight holds for a
// start before 6.00 the next day sent from 18.00 on, or the same day sent
// before 6.00: "huomenna klo 0.30" said at 22.30 is read by many as the
// night after.
//
// The reminder default (Default("reminder")) is one template that branches
// on {{lang}}. It says when the event is as seen from .Due, keeps the date
// (a late or shared post still places the day), and sets the title off with
// " – " so that a long title does not run into the date; multiday START END
// tells a multi-day all-day event from a one-day one:
//
//	fi 1d      Muistutus: LUMO-hankkeen kehittäjäryhmä – huomenna ke 5.5. klo 13.30–15.00, Teams. https://… #LUMOhanke
//	fi 2h      Muistutus: LUMO-hankkeen kehittäjäryhmä – tänään ke 5.5. klo 13.30–15.00, Teams. https://…
//	fi 7d      Muistutus: LUMO-hankkeen kehittäjäryhmä – ensi keskiviikkona 12.5. klo 13.30–15.00, Teams. https://…
//	fi night   Muistutus: Yöpäivystäjien tapaaminen – tänä yönä ke 5.5. klo 0.30–2.00, Teams. https://…
//	fi all-day Muistutus: Sytykettä yhteistyöhön, osio II – huomenna ma 7.6., Jyväskylä. https://…
//	fi days    Muistutus: Systeemisen lastensuojelun koulutus – 6.–7.5., alkaa huomenna, Äänekoski ja Wiitaunioni. https://…
//	fi far     Muistutus: LUMO-hankkeen kehittäjäryhmä – ke 19.5.2021 klo 13.30–15.00, Teams. https://…
//	sv 1d      Påminnelse: … – i morgon onsdag 5.5. kl. 13.30–15.00, Teams. https://…
//	sv days    Påminnelse: … – 6.–7.5., börjar i morgon, Äänekoski ja Wiitaunioni. https://…
//	en 1d      Reminder: … – tomorrow, Wed 5 May, 1:30–3:00 pm, Teams. https://…
//	en days    Reminder: … – 6–7 May, starts tomorrow, Äänekoski ja Wiitaunioni. https://…
//
// So the default rules' reminders of one event (7d@09:00, 1d@09:00, 2h)
// never share a text, which X would refuse: a week ahead, tomorrow and
// today differ, and a 2h reminder sent the evening before a night event
// says "tänä yönä" where the 1d one says "huomenna"
// (TestDefaultRemindersDiffer renders them across DST changes and a year
// end). Custom rules that fall on one day (3h and 2h) still render alike
// unless their template says more ({{.Before}}).
//
// News is "{{.Title}} {{.Link}}", announcements "{{.Text}} {{.Link}}".
// testdata/golden holds every default in every language (go test -update
// rewrites them).
//
// # Lengths
//
// Every count is that of the platform's own reference implementation, checked against it
// by the differential test (reference_test.go; testdata/reference/README.md):
//
//   - X: XLength, XValid and ParseTweet are twitter-text 3.1.0's parseTweet (config v3),
//     ported in internal/twittertext: NFC, weight ranges, every URL 23 — with or without
//     scheme, bare ccTLD domains too ("koske.fi", "thl.fi/lastensuojelu",
//     "esimerkki.äö.fi"), t.co links with their query —, the emoji twemoji-parser 11 knows
//     weigh 2 (a sequence it does not know weighs its parts), U+FFFE, U+FEFF and U+FFFF
//     make a text invalid. URLs, Hashtags, Cashtags and Mentions are its extractors.
//   - Mastodon: MastodonLength counts grapheme clusters, every http(s) URL as the
//     instance's characters_reserved_per_url, a remote mention "@user@domain" as "@user".
//   - Bluesky: GraphemeLength is RichText's graphemeLength (Intl.Segmenter, Unicode 17):
//     rivo/uniseg's clusters (Unicode 15.0) joined where newer rules join them.
//     BlueskyFacets is RichText's facet detection (links with and without scheme, tags,
//     cashtags) with two deliberate differences (trailing punctuation never ends a link;
//     "HTTPS://" in capitals is linked).
//
// Character classes, TLD lists and the emoji pattern are data generated from the pinned
// npm packages (internal/textdata). All measuring is linear in the text.
//
// Spans are UTF-8 byte offsets into the text as given (not normalized).
//
// # Shortening
//
// Target describes a platform (X, Mastodon, Bluesky: limit, count, what it links or tags,
// validity); Target.Shorten cuts free text, never a link, tag, cashtag, mention, scheme
// URL or date, and takes a cut only when the platform then finds exactly the links and
// tags it found before (none cut, glued to the "…" or newly made). Shorten(text, limit,
// length) does the same knowing only the count: it keeps what any platform links. Both are
// O(n log n).
package render
