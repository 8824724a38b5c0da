package bot_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/render"
)

const digestLink = "https://lumo.example/tapahtumat"

// weekly adds LUMO's Monday digest of the week's events.
func (m *model) weekly() {
	m.Digests = append(m.Digests, bot.Digest{
		ID: "viikko", Cron: m.cron("0 8 * * MON"), Window: 7 * 24 * time.Hour,
		Title: render.WeekTitle("LUMO", "fi"), Link: digestLink, Template: m.tmpl(render.Default("digest")),
	})
}

// stepped runs the bot over a new state on a fake clock at each of times.
func stepped(t *testing.T, m *model, target bot.Target, times ...time.Time) *bot.Bot {
	t.Helper()
	clock := newClock(times[0])
	b := bot.New(m.Config, bot.Deps{Store: newState(t), Fetcher: &feed{}, Parsers: parsers, Clock: clock, Targets: []bot.Target{target}})
	for _, at := range times {
		clock.Set(at)
		b.Step(context.Background(), at)
	}
	return b
}

// A week with three events (and one the week after, one cancelled) gives
// one post on Monday at 08:00, listing the three in start order.
func TestWeeklyDigestListsTheWeekInOrder(t *testing.T) {
	m := newModel(t)
	m.weekly()
	m.event("verkosto", "Verkostotapaaminen", hel("2026-12-13 10:00"), hel("2026-12-13 11:00"), nil)
	m.event("ensi-viikko", "Ensi viikolla", hel("2026-12-14 09:00"), hel("2026-12-14 10:00"), nil)
	m.event("sytyke", "Sytykettä yhteistyöhön, osio II", hel("2026-12-07 09:00"), hel("2026-12-07 15:00"), nil)
	m.event("peruttu", "Peruttu tilaisuus", hel("2026-12-10 09:00"), hel("2026-12-10 10:00"), nil).Cancelled = true
	m.event("kehittajat", "LUMO-hankkeen kehittäjäryhmä", hel("2026-12-09 13:30"), hel("2026-12-09 15:00"), nil)
	rec := newRecorder(func() time.Time { return hel("2026-12-07 08:00") })
	target := bot.Target{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}
	stepped(t, m, target, hel("2026-12-06 12:00"), hel("2026-12-07 08:00"), hel("2026-12-07 09:00"))
	if rec.count() != 1 {
		t.Fatalf("%d posts, want one: %v", rec.count(), rec.sent)
	}
	want := "Tällä viikolla LUMOssa\n" +
		"ma 7.12. klo 9.00–15.00 Sytykettä yhteistyöhön, osio II\n" +
		"ke 9.12. klo 13.30–15.00 LUMO-hankkeen kehittäjäryhmä\n" +
		"su 13.12. klo 10.00–11.00 Verkostotapaaminen\n" +
		digestLink
	if got := rec.text["digest:viikko:2026-12-07T08:00"]; got != want {
		t.Errorf("digest:\n%s\nwant:\n%s", got, want)
	}
}

// A week without events gives no post.
func TestWeeklyDigestOfAnEmptyWeekIsNone(t *testing.T) {
	m := newModel(t)
	m.weekly()
	m.event("myohemmin", "Ensi viikolla", hel("2026-12-14 09:00"), hel("2026-12-14 10:00"), nil)
	rec := newRecorder(func() time.Time { return hel("2026-12-07 08:00") })
	target := bot.Target{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}
	b := stepped(t, m, target, hel("2026-12-06 12:00"), hel("2026-12-07 08:00"), hel("2026-12-07 09:00"))
	if rec.count() != 0 {
		t.Errorf("posted %v", rec.text)
	}
	plan, err := b.Preview(context.Background(), hel("2026-12-07 09:00"), hel("2026-12-14 08:00"), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan["t"]) != 0 {
		t.Errorf("preview plans %v", plan["t"])
	}
}

// xTarget posts to a recorder but measures and shortens as X does.
type xTarget struct {
	*recorder
	x render.Target
}

func (x xTarget) Length(s string) int                 { return x.x.Length(s) }
func (x xTarget) Limit() int                          { return x.x.Limit }
func (x xTarget) Shorten(text string) (string, error) { return x.x.Shorten(text) }

// Twelve events do not fit X's 280: whole items are dropped from the end
// (as many as need be, no more) and "+N muuta" says so; the link stays.
func TestWeeklyDigestFitsXByDroppingWholeItems(t *testing.T) {
	m := newModel(t)
	m.weekly()
	var lines []string
	for i := range 12 {
		start := hel("2026-12-07 09:00").Add(time.Duration(i) * 12 * time.Hour)
		title := fmt.Sprintf("Sytykettä yhteistyöhön, osio %d", i+1)
		m.event(fmt.Sprintf("e%d", i), title, start, start.Add(2*time.Hour), nil)
		lines = append(lines, render.EventLine(title, start, start.Add(2*time.Hour), false, "fi"))
	}
	rec := newRecorder(func() time.Time { return hel("2026-12-07 08:00") })
	x := xTarget{rec, render.X()}
	target := bot.Target{Name: "x", Poster: x, Counter: x, Gate: bot.Gate{Location: helsinki}}
	stepped(t, m, target, hel("2026-12-06 12:00"), hel("2026-12-07 08:00"))
	got := rec.text["digest:viikko:2026-12-07T08:00"]
	if n := render.XLength(got); n > 280 {
		t.Errorf("%d characters on X:\n%s", n, got)
	}
	text := func(kept int) string {
		return strings.Join(append(append([]string{"Tällä viikolla LUMOssa"}, lines[:kept]...), fmt.Sprintf("+%d muuta", 12-kept), digestLink), "\n")
	}
	kept := -1
	for k := range 12 {
		if got == text(k) {
			kept = k
		}
	}
	if kept < 1 {
		t.Fatalf("not the title, whole items, +N muuta and the link:\n%s", got)
	}
	if render.XLength(text(kept+1)) <= 280 {
		t.Errorf("kept %d items, but %d fit", kept, kept+1)
	}
}

// Eight new items of a feed with digest_over 3 are one post listing their
// titles, newest first, with the site link; each item is recorded as told
// by it, and the next poll posts nothing.
func TestFeedDigestOverFoldsNewItems(t *testing.T) {
	m := newModel(t)
	u := "https://lumo.example/uutiset.xml"
	m.Feeds = []bot.Feed{{Name: "uutiset", URL: u, Source: u, Kind: bot.FeedNews, Template: m.News,
		DigestOver: 3, Digest: m.tmpl(render.Default("digest")), DigestTitle: render.NewsTitle("LUMO", "fi"), Site: "https://lumo.example/"}}
	clock := newClock(t0)
	rec := newRecorder(clock.Now)
	f := &feed{bodies: map[string]string{u: rss(0, 2, t0.Add(-time.Hour))}}
	st := newState(t)
	b := bot.New(m.Config, bot.Deps{Store: st, Fetcher: f, Parsers: parsers, Clock: clock,
		Targets: []bot.Target{{Name: "t", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki}}}})
	b.Step(context.Background(), t0) // first sight, backfill 0: seen, none posted
	f.set(u, rss(0, 10, t0.Add(-time.Hour)))
	clock.Add(time.Hour)
	b.Step(context.Background(), clock.Now())
	if rec.count() != 1 {
		t.Fatalf("%d posts, want one digest: %v", rec.count(), rec.text)
	}
	var key, text string
	for k, v := range rec.text {
		key, text = k, v
	}
	want := "Uutta LUMOssa\nUutinen 9\nUutinen 8\nUutinen 7\nUutinen 6\nUutinen 5\nUutinen 4\nUutinen 3\nUutinen 2\nhttps://lumo.example/"
	if !strings.HasPrefix(key, "digest:uutiset:") || text != want {
		t.Errorf("%s:\n%s\nwant:\n%s", key, text, want)
	}
	r := &rig{t: t, ctx: context.Background(), st: st}
	for i := 2; i < 10; i++ {
		d := r.status("t", fmt.Sprintf("news:uutiset:id%d", i))
		if d.Status != bot.StatusSkipped || d.Reason != "in digest "+key {
			t.Errorf("id%d: %s %q", i, d.Status, d.Reason)
		}
	}
	clock.Add(time.Hour)
	b.Step(context.Background(), clock.Now())
	if rec.count() != 1 {
		t.Errorf("second run posted %v", rec.text)
	}
}

// Eight announcements with links in one month on a budget of 1.00 at 0.20
// a post with a link: five go out, three are skipped "budget", in rank
// order; preview says so before.
func TestMonthlyBudgetSkipsWhatWouldGoOver(t *testing.T) {
	m := newModel(t)
	for i := range 8 {
		m.once(fmt.Sprintf("a%d", i), fmt.Sprintf("Ilmoitus %d https://lumo.example/%d", i, i), t0.Add(time.Duration(i+1)*24*time.Hour))
		m.Announcements[i].Link = fmt.Sprintf("https://lumo.example/%d", i)
	}
	clock := newClock(t0)
	rec := newRecorder(clock.Now)
	st := newState(t)
	budget := &bot.Budget{Monthly: bot.Micros(1.00), Pricing: bot.Pricing{Post: bot.Micros(0.015), PostWithURL: bot.Micros(0.20)}}
	b := bot.New(m.Config, bot.Deps{Store: st, Fetcher: &feed{}, Parsers: parsers, Clock: clock,
		Targets: []bot.Target{{Name: "x", Poster: rec, Counter: rec, Gate: bot.Gate{Location: helsinki, Budget: budget}}}})
	b.Step(context.Background(), t0)
	plan, err := b.Preview(context.Background(), t0, t0.AddDate(0, 0, 10), false)
	if err != nil {
		t.Fatal(err)
	}
	var planned, over int
	for _, s := range plan["x"] {
		switch s.Skipped {
		case "":
			planned++
		case "budget":
			over++
		}
	}
	if planned != 5 || over != 3 {
		t.Errorf("preview: %d planned, %d over budget, want 5 and 3", planned, over)
	}
	for i := range 8 {
		clock.Set(t0.Add(time.Duration(i+1) * 24 * time.Hour))
		b.Step(context.Background(), clock.Now())
	}
	if rec.count() != 5 {
		t.Errorf("%d posts, want 5", rec.count())
	}
	r := &rig{t: t, ctx: context.Background(), st: st}
	for i := range 8 {
		d := r.status("x", fmt.Sprintf("announcement:a%d:once", i))
		want, reason := bot.StatusSent, ""
		if i >= 5 {
			want, reason = bot.StatusSkipped, "budget"
		}
		if d.Status != want || d.Reason != reason {
			t.Errorf("a%d: %s %q, want %s %q", i, d.Status, d.Reason, want, reason)
		}
	}
}
