// Package feeds holds the model that every source is read into (news items
// and events) and fetches source documents over HTTP or from local files.
// Parsers for each format live in subpackages (news, calendar) and return
// these types, so the core never sees a format.
package feeds

import "time"

// Item is one news item, whatever format it came in.
type Item struct {
	// ID is the item's identity within its feed: the GUID/id when present,
	// else the link, else a hash of title and date. It never changes when
	// the item's content is edited under the same identity.
	ID         string
	Title      string
	Link       string
	Summary    string // plain text: HTML removed, entities decoded
	Published  time.Time
	Categories []string
	// Image is the item's picture as the feed names it, nil when it names
	// none. A platform may post it only with a text alternative: the
	// feed's (Image.Alt) or one the operator's template makes.
	Image *Image
}

// Image is a picture a source names for an item.
type Image struct {
	URL string // absolute http(s)
	// Alt is the text alternative the source gives (Media RSS
	// media:description or media:title), plain text of at most MaxAlt
	// characters; empty when it gives none. It is never made up from the
	// item's own title: whether the headline describes the picture is the
	// operator's call, made in a template.
	Alt  string
	Type string // MIME type (image/jpeg) when the source states it, else empty
}

// MaxAlt bounds Image.Alt (characters), as MaxSummary bounds a summary:
// a source's bound, not a platform's. Each platform takes less or more,
// and shortening to its limit is the platform client's business.
const MaxAlt = 2000

// Event is one occurrence of an event. A recurring event is expanded into
// one Event per occurrence, each with its own ID.
type Event struct {
	// ID is stable across edits: the UID for a single event; for an
	// occurrence of a recurring one, UID + "/" + its original start
	// (RECURRENCE-ID), so that moving an occurrence keeps its ID.
	ID          string
	Title       string
	Start       time.Time
	End         time.Time // exclusive; for an all-day event midnight after its last day
	AllDay      bool
	Location    string
	Link        string
	Description string // plain text
	Cancelled   bool   // STATUS:CANCELLED
}
