package bot

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// announced is what a target's followers were told of an event: its time
// and place when the last reminder or change notice of it went out there.
type announced struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Location string    `json:"location,omitempty"`
}

// announcedKey holds, per target, what was announced of each event, as one
// small value: only events with a reminder out and not yet begun are in it.
func announcedKey(target string) string { return "announced:" + target }

// announcedFor returns what target's followers were told, by event id.
func (b *Bot) announcedFor(ctx context.Context, target string) (map[string]announced, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	// Replicas sharing the state read it afresh each time: the one that
	// sent the last reminder wrote it.
	if m, ok := b.told[target]; ok && !b.shared() {
		return m, nil
	}
	m := map[string]announced{}
	v, ok, err := b.deps.Store.Get(ctx, announcedKey(target))
	if err != nil {
		return nil, err
	}
	if ok {
		if err := json.Unmarshal(v, &m); err != nil {
			b.log.Error("what was announced is unreadable; change notices start afresh", "target", target, "error", err)
			m = map[string]announced{}
		}
	}
	if b.told == nil {
		b.told = map[string]map[string]announced{}
	}
	b.told[target] = m
	return m, nil
}

// sent learns from a delivery that went out what its followers now know of
// its event: a reminder or change notice tells its time and place, a
// cancellation ends it.
func (b *Bot) sent(ctx context.Context, t Target, o Delivery, at time.Time) {
	b.mu.Lock()
	d, ok := b.planned[o.Key]
	if !ok {
		d, ok = b.noticed[deliveryID(o.Key, t.Name)]
	}
	b.mu.Unlock()
	if !ok || d.event == "" {
		return
	}
	m, err := b.announcedFor(ctx, t.Name)
	if err != nil {
		b.log.Error("cannot read what was announced", "target", t.Name, "error", err)
		return
	}
	b.mu.Lock()
	if d.Kind == KindCancel {
		delete(m, d.event)
	} else {
		m[d.event] = d.told
	}
	for id, a := range m {
		if a.Start.Before(at.Add(-24 * time.Hour)) {
			delete(m, id) // begun: nothing to tell of it any more
		}
	}
	v, err := json.Marshal(m)
	b.mu.Unlock()
	if err == nil {
		err = b.deps.Store.Put(ctx, announcedKey(t.Name), v)
	}
	if err != nil {
		b.log.Error("cannot record what was announced", "target", t.Name, "key", o.Key, "error", err)
	}
}

// notices plans, for target, a change notice for each event whose time or
// place moved since its followers were told, and a cancellation for each
// one cancelled; none once the event (at its old or new time) has begun. An
// event that is gone from its source is logged once, not announced: feeds
// trim their windows.
func (b *Bot) notices(ctx context.Context, t Target, events []Event, now, until time.Time) ([]Draft, error) {
	told, err := b.announcedFor(ctx, t.Name)
	if err != nil {
		return nil, err
	}
	if len(told) == 0 {
		return nil, nil
	}
	byID := make(map[string]*Event, len(events))
	for i := range events {
		if _, ok := byID[events[i].ID]; !ok {
			byID[events[i].ID] = &events[i]
		}
	}
	b.mu.Lock()
	was := make(map[string]announced, len(told))
	for id, a := range told {
		was[id] = a
	}
	b.mu.Unlock()
	var out []Draft
	for id, a := range was {
		e, ok := byID[id]
		if !ok {
			if a.Start.After(now) && a.Start.Before(until) && b.noteGone(t.Name, id) {
				b.log.Warn("an event whose reminder went out is gone from its source; nothing is announced", "target", t.Name, "event", id)
			}
			continue
		}
		first := a.Start
		if e.Start.Before(first) {
			first = e.Start
		}
		if !now.Before(first) {
			continue
		}
		now := now.In(b.cfg.Location)
		switch {
		case e.Cancelled:
			data := b.planner.reminderData(Event{Event: e.Event, Rules: e.Rules})
			data.Start, data.End, data.Location, data.Due = a.Start.In(b.cfg.Location), a.End.In(b.cfg.Location), a.Location, now
			out = append(out, Draft{
				Key: "cancel:" + id, Kind: KindCancel, Due: now, Expires: a.Start, Order: a.Start, Link: e.Link,
				Template: b.cfg.Cancel, Data: data, event: id,
			})
		case !e.Start.Equal(a.Start) || !e.End.Equal(a.End) || e.Location != a.Location:
			data := b.planner.reminderData(*e)
			data.Due = now
			sum := sha256.Sum256(fmt.Appendf(nil, "%d %d %s", e.Start.UnixNano(), e.End.UnixNano(), e.Location))
			out = append(out, Draft{
				Key: "change:" + id + ":" + hex.EncodeToString(sum[:6]), Kind: KindChange, Due: now, Expires: first, Order: e.Start, Link: e.Link,
				Template: b.cfg.Change, Data: data, event: id, told: announced{Start: e.Start, End: e.End, Location: e.Location},
			})
		}
	}
	b.mu.Lock()
	if b.noticed == nil {
		b.noticed = map[string]Draft{}
	}
	for _, d := range out {
		b.noticed[deliveryID(d.Key, t.Name)] = d
	}
	b.mu.Unlock()
	return out, nil
}

// noteGone reports whether an event's disappearance is news (once each).
func (b *Bot) noteGone(target, id string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.gone == nil {
		b.gone = map[string]bool{}
	}
	k := deliveryID(id, target)
	if b.gone[k] {
		return false
	}
	b.gone[k] = true
	return true
}
