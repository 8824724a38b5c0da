package server

import (
	"fmt"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// messages are the status page's fixed texts in one language. A struct, not
// a map: a text missing in one language is a compile error, not a blank.
type messages struct {
	Title, Updated, Zone, Sections                        string
	Errors, ErrorsN, NoErrors                             string
	Upcoming, NoUpcoming, NothingPlannedFor, NoTargets    string
	MonthSpend, NoBudget                                  string // a budget target's month: month, spent, planned, budget
	Late, To                                              string
	Retrying, RetryingN, Attempts, LastError, NextAttempt string
	Recent, NoRecent, OpenPost, Reason, AttemptsN         string
	Feeds, NoFeeds, Address, Items, LastRead, NotYetRead  string
	Error, PreviousError, Warnings                        string
	Config, LoadedAt                                      string
	Paused, ReloadRejected, Flooded, StateProblem         string
	TargetWord, FeedWord, Footer                          string
	// Several projects: the list and each project's page.
	Projects, AllProjects, NextPost, LastSent, NotRunning string

	// Dates and durations.
	weekdays          [7]string
	months            [12]string
	dateFormat        func(l time.Time, wd, month string) string
	now, in, ago      string // ago and in wrap a duration: "%s sitten"
	day, hour, minute string
	kind              map[bot.Kind]string
	status            map[bot.Status]string
	feedKind          map[string]string
	reasons           []reasonRule
}

var catalogs = map[string]*messages{"fi": &fi, "sv": &sv, "en": &en}

// catalog returns the messages for a config's language; Finnish, the
// project's own, when it is unset or unknown.
func catalog(lang string) (string, *messages) {
	if m, ok := catalogs[lang]; ok {
		return lang, m
	}
	return "fi", &fi
}

var fi = messages{
	Title: "lumobotin tila", Updated: "Päivitetty", Zone: "aikavyöhyke", Sections: "Osiot",
	Errors: "Virheet", ErrorsN: "Virheet (%d)", NoErrors: "Ei virheitä.",
	Upcoming: "Seuraavat julkaisut", NoUpcoming: "Ei suunniteltuja julkaisuja.",
	NothingPlannedFor: "Ei suunniteltuja julkaisuja kohteisiin:", NoTargets: "Ei julkaisukohteita.",
	MonthSpend: "Tässä kuussa (%s): käytetty %s, suunniteltu lisää %s, budjetti %s", NoBudget: "ei rajaa",
	Late: "myöhässä", To: "Kohteet",
	Retrying: "Yritetään uudelleen", RetryingN: "Yritetään uudelleen (%d)",
	Attempts: "Yrityksiä", LastError: "Viimeisin virhe", NextAttempt: "Seuraava yritys",
	Recent: "Viimeksi julkaistut", NoRecent: "Ei vielä julkaisuja.", OpenPost: "Avaa julkaisu",
	Reason: "Syy", AttemptsN: "(%d yritystä)",
	Feeds: "Syötteet", NoFeeds: "Ei syötteitä.", Address: "Osoite", Items: "Kohteita",
	LastRead: "Viimeksi luettu", NotYetRead: "ei vielä onnistunut",
	Error: "Virhe", PreviousError: "Edellinen virhe", Warnings: "Varoitukset",
	Config: "Asetukset", LoadedAt: "ladattu",
	Paused:         "Tauolla: mitään ei julkaista ennen kuin asetuksissa on paused: false.",
	ReloadRejected: "Asetustiedostossa on virhe; käytössä on edellinen versio.",
	Flooded:        "max_per_hour pidättää julkaisuja kohteissa:",
	StateProblem:   "Tila ei voi kirjata julkaisuja, joten lähettäminen on pysäytetty:",
	TargetWord:     "Kohde", FeedWord: "Syöte",
	Footer:   "lumobot · sivu päivittyy, kun lataat sen uudelleen",
	Projects: "Projektit", AllProjects: "Kaikki projektit", NextPost: "Seuraava julkaisu", LastSent: "Viimeksi julkaistu",
	NotRunning: "Projekti ei ole käynnissä: sen asetustiedostossa on virhe.",
	weekdays:   [7]string{"su", "ma", "ti", "ke", "to", "pe", "la"},
	dateFormat: func(l time.Time, wd, _ string) string {
		return fmt.Sprintf("%s %d.%d.%d klo %d.%02d", wd, l.Day(), int(l.Month()), l.Year(), l.Hour(), l.Minute())
	},
	now: "nyt", in: "%s kuluttua", ago: "%s sitten", day: "pv", hour: "t", minute: "min",
	kind: map[bot.Kind]string{bot.KindAnnouncement: "tiedote", bot.KindReminder: "muistutus", bot.KindNews: "uutinen", bot.KindDigest: "kooste", bot.KindChange: "muutos", bot.KindCancel: "peruutus"},
	status: map[bot.Status]string{
		bot.StatusSent: "julkaistu", bot.StatusFailed: "epäonnistui", bot.StatusSkipped: "ohitettu",
		bot.StatusPending: "odottaa", bot.StatusSending: "lähettämässä",
	},
	feedKind: map[string]string{"news": "uutissyöte", "events": "tapahtumakalenteri"},
	reasons: []reasonRule{
		{exact: "event already started", say: "tapahtuma oli jo alkanut"},
		{exact: "more than late_grace late", say: "myöhässä enemmän kuin late_grace sallii"},
		{exact: "older than max_age", say: "vanhempi kuin max_age"},
		{exact: "event cancelled", say: "tapahtuma peruttiin"},
		{prefix: "superseded by ", say: "korvautui julkaisulla %s"},
		{prefix: "gave up after ", say: "luovutettiin %s jälkeen: %s", split: true},
		{prefix: "missed while lumobot was not running: ", say: "jäi väliin, kun lumobot ei ollut käynnissä: %s", nested: true},
		{prefix: "no longer planned", say: "ei enää suunnitelmassa: sen tapahtuma tai tiedote poistettiin tai muuttui"},
		{prefix: "refused as duplicate content", say: "hylättiin kaksoiskappaleena: tilillä on jo julkaisu samalla tekstillä; mitään ei julkaistu%s", paren: true},
	},
}

var sv = messages{
	Title: "lumobots status", Updated: "Uppdaterad", Zone: "tidszon", Sections: "Avsnitt",
	Errors: "Fel", ErrorsN: "Fel (%d)", NoErrors: "Inga fel.",
	Upcoming: "Kommande inlägg", NoUpcoming: "Inga planerade inlägg.",
	NothingPlannedFor: "Inga planerade inlägg till:", NoTargets: "Inga publiceringsmål.",
	MonthSpend: "Den här månaden (%s): använt %s, planerat till %s, budget %s", NoBudget: "ingen gräns",
	Late: "försenad", To: "Mål",
	Retrying: "Försöker igen", RetryingN: "Försöker igen (%d)",
	Attempts: "Försök", LastError: "Senaste fel", NextAttempt: "Nästa försök",
	Recent: "Senast publicerade", NoRecent: "Inga inlägg ännu.", OpenPost: "Öppna inlägget",
	Reason: "Orsak", AttemptsN: "(%d försök)",
	Feeds: "Flöden", NoFeeds: "Inga flöden.", Address: "Adress", Items: "Poster",
	LastRead: "Senast läst", NotYetRead: "ännu inte lyckats",
	Error: "Fel", PreviousError: "Föregående fel", Warnings: "Varningar",
	Config: "Inställningar", LoadedAt: "laddade",
	Paused:         "Pausad: inget publiceras förrän inställningarna säger paused: false.",
	ReloadRejected: "Inställningsfilen har ett fel; den föregående versionen används.",
	Flooded:        "max_per_hour håller tillbaka inlägg till:",
	StateProblem:   "Tillståndet kan inte registrera leveranser, så sändningen har stoppats:",
	TargetWord:     "Mål", FeedWord: "Flöde",
	Footer:   "lumobot · sidan uppdateras när du laddar om den",
	Projects: "Projekt", AllProjects: "Alla projekt", NextPost: "Nästa inlägg", LastSent: "Senast publicerat",
	NotRunning: "Projektet körs inte: dess inställningsfil har ett fel.",
	weekdays:   [7]string{"sön", "mån", "tis", "ons", "tor", "fre", "lör"},
	dateFormat: func(l time.Time, wd, _ string) string {
		return fmt.Sprintf("%s %d.%d.%d kl. %d.%02d", wd, l.Day(), int(l.Month()), l.Year(), l.Hour(), l.Minute())
	},
	now: "nu", in: "om %s", ago: "för %s sedan", day: "d", hour: "h", minute: "min",
	kind: map[bot.Kind]string{bot.KindAnnouncement: "meddelande", bot.KindReminder: "påminnelse", bot.KindNews: "nyhet", bot.KindDigest: "sammandrag", bot.KindChange: "ändring", bot.KindCancel: "inställt"},
	status: map[bot.Status]string{
		bot.StatusSent: "publicerad", bot.StatusFailed: "misslyckades", bot.StatusSkipped: "överhoppad",
		bot.StatusPending: "väntar", bot.StatusSending: "skickas",
	},
	feedKind: map[string]string{"news": "nyhetsflöde", "events": "evenemangskalender"},
	reasons: []reasonRule{
		{exact: "event already started", say: "evenemanget hade redan börjat"},
		{exact: "more than late_grace late", say: "mer försenad än late_grace tillåter"},
		{exact: "older than max_age", say: "äldre än max_age"},
		{exact: "event cancelled", say: "evenemanget ställdes in"},
		{prefix: "superseded by ", say: "ersatt av %s"},
		{prefix: "gave up after ", say: "gav upp efter %s: %s", split: true},
		{prefix: "missed while lumobot was not running: ", say: "missades medan lumobot inte var igång: %s", nested: true},
		{prefix: "no longer planned", say: "inte längre planerad: dess evenemang eller meddelande togs bort eller ändrades"},
		{prefix: "refused as duplicate content", say: "avvisades som dubblett: ett tidigare inlägg på kontot har samma text; inget publicerades%s", paren: true},
	},
}

var en = messages{
	Title: "lumobot status", Updated: "Updated", Zone: "time zone", Sections: "Sections",
	Errors: "Errors", ErrorsN: "Errors (%d)", NoErrors: "No errors.",
	Upcoming: "Upcoming posts", NoUpcoming: "No posts planned.",
	NothingPlannedFor: "Nothing planned for:", NoTargets: "No targets.",
	MonthSpend: "This month (%s): spent %s, %s more planned, budget %s", NoBudget: "none",
	Late: "late", To: "Targets",
	Retrying: "Retrying", RetryingN: "Retrying (%d)",
	Attempts: "Attempts", LastError: "Last error", NextAttempt: "Next attempt",
	Recent: "Recently posted", NoRecent: "No posts yet.", OpenPost: "Open the post",
	Reason: "Reason", AttemptsN: "(%d attempts)",
	Feeds: "Feeds", NoFeeds: "No feeds.", Address: "Address", Items: "Items",
	LastRead: "Last read", NotYetRead: "not yet succeeded",
	Error: "Error", PreviousError: "Previous error", Warnings: "Warnings",
	Config: "Config", LoadedAt: "loaded",
	Paused:         "Paused: nothing is posted until the config says paused: false.",
	ReloadRejected: "The config file has an error; the previous version is in use.",
	Flooded:        "max_per_hour is holding posts for:",
	StateProblem:   "The state cannot record deliveries, so sending is held:",
	TargetWord:     "Target", FeedWord: "Feed",
	Footer:   "lumobot · the page updates when you reload it",
	Projects: "Projects", AllProjects: "All projects", NextPost: "Next post", LastSent: "Last posted",
	NotRunning: "The project is not running: its config file has an error.",
	weekdays:   [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
	months:     [12]string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"},
	dateFormat: func(l time.Time, wd, month string) string {
		return fmt.Sprintf("%s %d %s %d %d:%02d", wd, l.Day(), month, l.Year(), l.Hour(), l.Minute())
	},
	now: "now", in: "in %s", ago: "%s ago", day: "d", hour: "h", minute: "min",
	kind: map[bot.Kind]string{bot.KindAnnouncement: "announcement", bot.KindReminder: "reminder", bot.KindNews: "news", bot.KindDigest: "digest", bot.KindChange: "change", bot.KindCancel: "cancellation"},
	status: map[bot.Status]string{
		bot.StatusSent: "sent", bot.StatusFailed: "failed", bot.StatusSkipped: "skipped",
		bot.StatusPending: "pending", bot.StatusSending: "sending",
	},
	feedKind: map[string]string{"news": "news feed", "events": "event calendar"},
	// English is what the core writes: its reasons are shown as they are.
}

// reasonRule translates one of the fixed reasons the core writes. An exact
// rule replaces the whole reason; a prefix rule keeps what follows the
// prefix (a post key, a platform's error) in the %s of say.
type reasonRule struct {
	exact, prefix, say string
	split              bool // "<duration>: <error>" follows: two %s
	nested             bool // another reason follows: translated too
	paren              bool // a trailing " (<error>)" is kept as it is
}

// reason says a stored reason in m's language; a reason the core does not
// write from a fixed text is shown as it is.
func (m *messages) reason(r string) string {
	for _, rule := range m.reasons {
		switch {
		case rule.exact != "":
			if r == rule.exact {
				return rule.say
			}
		case strings.HasPrefix(r, rule.prefix):
			rest := strings.TrimPrefix(r, rule.prefix)
			switch {
			case rule.split:
				dur, err, ok := strings.Cut(rest, ": ")
				if !ok {
					return r
				}
				return fmt.Sprintf(rule.say, dur, err)
			case rule.nested:
				return fmt.Sprintf(rule.say, m.reason(rest))
			case rule.paren:
				tail := ""
				if i := strings.Index(rest, " ("); i >= 0 {
					tail = rest[i:]
				}
				return fmt.Sprintf(rule.say, tail)
			case strings.Contains(rule.say, "%s"):
				return fmt.Sprintf(rule.say, rest)
			}
			return rule.say
		}
	}
	return r
}

func (m *messages) kindLabel(k bot.Kind) string {
	if s, ok := m.kind[k]; ok {
		return s
	}
	return string(k)
}

func (m *messages) statusLabel(st bot.Status) string {
	if s, ok := m.status[st]; ok {
		return s
	}
	return string(st)
}

func (m *messages) feedKindLabel(k string) string {
	if s, ok := m.feedKind[k]; ok {
		return s
	}
	return k
}

// formatTime formats t in loc in m's language ("ke 5.5.2021 klo 13.30"),
// with the distance from now ("2 t 5 min kuluttua", "3 pv sitten").
func (m *messages) formatTime(t, now time.Time, loc *time.Location) timeView {
	if t.IsZero() {
		return timeView{Zero: true}
	}
	l := t.In(loc)
	return timeView{
		ISO:  l.Format(time.RFC3339),
		Text: m.dateFormat(l, m.weekdays[l.Weekday()], m.months[l.Month()-1]),
		Rel:  m.relative(t.Sub(now)),
	}
}

// relative says a duration in m's language: "nyt", "5 min kuluttua",
// "1 t 5 min sitten", "3 pv 2 t kuluttua".
func (m *messages) relative(d time.Duration) string {
	wrap := m.in
	if d < 0 {
		d, wrap = -d, m.ago
	}
	d = d.Round(time.Minute)
	if d < time.Minute {
		return m.now
	}
	days := int(d / (24 * time.Hour))
	hours := int(d % (24 * time.Hour) / time.Hour)
	mins := int(d % time.Hour / time.Minute)
	var s string
	switch {
	case days > 0 && hours > 0:
		s = fmt.Sprintf("%d %s %d %s", days, m.day, hours, m.hour)
	case days > 0:
		s = fmt.Sprintf("%d %s", days, m.day)
	case hours > 0 && mins > 0:
		s = fmt.Sprintf("%d %s %d %s", hours, m.hour, mins, m.minute)
	case hours > 0:
		s = fmt.Sprintf("%d %s", hours, m.hour)
	default:
		s = fmt.Sprintf("%d %s", mins, m.minute)
	}
	return fmt.Sprintf(wrap, s)
}
