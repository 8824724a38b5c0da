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
}

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
