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
// The reminder default (Default("reminder")) is one template that branches
// on {{lang}}; multiday START END tells a multi-day all-day event from a
// one-day one:
//
//	fi timed     Muistutus: LUMO-hankkeen kehittäjäryhmä ke 5.5.2021 klo 13.30–15.00, Teams. https://… #LUMOhanke
//	fi all-day   Muistutus: Sytykettä yhteistyöhön, osio II ma 7.6.2021, Jyväskylä. https://… #LUMOhanke
//	fi days      Muistutus: Systeemisen lastensuojelun koulutus 6.–7.5.2021, Äänekoski ja Wiitaunioni. https://… #LUMOhanke
//	sv timed     Påminnelse: … onsdag 5.5.2021 kl. 13.30–15.00, Teams. https://…
//	en timed     Reminder: …, Wed 5 May 2021, 1:30–3:00 pm, Teams. https://…
//
// News is "{{.Title}} {{.Link}}", announcements "{{.Text}} {{.Link}}".
// testdata/golden holds every default in every language (go test -update
// rewrites them).
//
// # Lengths
//
// XLength is twitter-text v3's weighted length, checked against every case of
// the weighted-length sections of twitter-text's conformance file
// (testdata/twitter-text, see SOURCE.md there). URL extraction follows
// twitter-text's rules (see urls.go); which top-level domains exist comes from
// the public suffix list in golang.org/x/net/publicsuffix rather than
// twitter-text's 2020 list. Emoji are found from grapheme clusters (rivo/uniseg):
// a cluster counts as one emoji when it is a flag, a keycap, or a pictograph
// with U+FE0F, a skin tone, a ZWJ sequence or tag characters; a lone
// code point weighs the same either way (© and ® count as text without
// U+FE0F, as in twemoji).
//
// MastodonLength counts code points with every http(s) URL as 23 (bare
// domains count in full, as Mastodon does not link them). Mastodon's server
// counts grapheme clusters and shortens remote mentions, so this count is
// never below the server's. GraphemeLength is Bluesky's count.
//
// URLs and Hashtags return UTF-8 byte spans of the text as given (not
// normalized), for Bluesky facets.
//
// # Shortening
//
// See Shorten: protected tokens are URLs, hashtags and dates/times (with a
// weekday word before a date and "klo"/"kl." before a time); the longest free
// run is cut first, at its end, on a word boundary, with "…".
package render
