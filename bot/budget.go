package bot

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/lumohanke/lumobot/bot/render"
)

// Money is an amount in millionths of the pricing's currency: sums of
// 0.20 stay exact, as floats would not (five of them are 1.00, not
// 1.0000000000000002, so a budget of 1.00 takes five).
type Money int64

// Micros reads an amount written in whole units (0.015).
func Micros(units float64) Money { return Money(math.Round(units * 1e6)) }

// Units is m in whole units, for display and metrics.
func (m Money) Units() float64 { return float64(m) / 1e6 }

func (m Money) String() string { return strconv.FormatFloat(m.Units(), 'f', -1, 64) }

// Pricing is what a platform charges a post.
type Pricing struct {
	Post        Money // a post of text only
	PostWithURL Money // a post that carries a link
	Media       Money // each image it carries, on top
}

// Budget caps what a target may spend in a calendar month (local to the
// gate's zone): a post that would take the month over it is skipped, with
// the reason "budget".
type Budget struct {
	Monthly Money // below zero: no cap, what posts cost is only counted
	Pricing Pricing
	// spent is what each month ("2006-01") had spent before a preview
	// starts: Simulate counts on from it.
	spent map[string]Money
}

// Cost is what p costs: a post with a link (its card, or a URL in the
// text) costs PostWithURL, any other Post; each image adds Media.
func (b *Budget) Cost(p Post) Money {
	if b == nil {
		return 0
	}
	media := Money(len(p.Images)) * b.Pricing.Media
	if p.Link != "" || len(render.URLs(p.Text)) > 0 {
		return b.Pricing.PostWithURL + media
	}
	return b.Pricing.Post + media
}

func (b *Budget) allows(spent, cost Money) bool { return b.Monthly < 0 || spent+cost <= b.Monthly }

// BudgetReason is why a post over budget is skipped.
const BudgetReason = "budget"

func month(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01") }

func spendKey(target, month string) string { return "bot:spend:" + target + ":" + month }

// SpendObserver is an Observer that is also told what each sent post
// cost (the lumobot_spend_total metric).
type SpendObserver interface {
	Spent(target string, amount float64)
}

// spentIn is what target spent in month, as recorded after each post the
// platform accepted. A store without small values has no record: 0.
func spentIn(ctx context.Context, st any, target, month string) (Money, error) {
	kv, ok := st.(KV)
	if !ok {
		return 0, nil
	}
	v, ok, err := kv.Get(ctx, spendKey(target, month))
	if err != nil || !ok {
		return 0, err
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, nil // unreadable: as if nothing was spent
	}
	return Money(n), nil
}

// addSpend records what a sent post cost, after it was recorded sent. A
// crash between the two leaves that one post uncounted: a budget errs on
// the side of posting, never of posting twice.
func (d *Deliverer) addSpend(ctx context.Context, t Target, p Post, at time.Time) error {
	g := t.Gate
	cost := g.Budget.Cost(p)
	if cost == 0 {
		return nil
	}
	kv, ok := d.Store.(KV)
	if !ok {
		return nil
	}
	m := month(at, g.Location)
	spent, err := spentIn(ctx, d.Store, t.Name, m)
	if err != nil {
		return fmt.Errorf("record spend of %s: %w", t.Name, err)
	}
	if err := kv.Put(ctx, spendKey(t.Name, m), []byte(strconv.FormatInt(int64(spent+cost), 10))); err != nil {
		return fmt.Errorf("record spend of %s: %w", t.Name, err)
	}
	if so, ok := d.Observer.(SpendObserver); ok {
		so.Spent(t.Name, cost.Units())
	}
	return nil
}

// affordable picks, of the ready posts (indexes into open, best first),
// the first the month's budget allows; those before it that it does not
// are ended skipped "budget" and removed from open. -1: none is left.
func (d *Deliverer) affordable(ctx context.Context, t Target, open *[]Delivery, ready []int, at time.Time) (int, error) {
	b := t.Gate.Budget
	if b == nil || b.Monthly < 0 {
		return ready[0], nil
	}
	spent, err := spentIn(ctx, d.Store, t.Name, month(at, t.Gate.Location))
	if err != nil {
		return -1, fmt.Errorf("deliver to %s: %w", t.Name, err)
	}
	over := map[int]bool{}
	pick := -1
	for _, i := range ready {
		o := (*open)[i]
		if b.allows(spent, b.Cost(o.Post)) {
			pick = i
			break
		}
		if err := d.finish(ctx, o, StatusSkipped, BudgetReason, at); err != nil {
			return -1, err
		}
		over[i] = true
	}
	if len(over) == 0 {
		return pick, nil
	}
	kept := (*open)[:0]
	at2 := -1
	for i, o := range *open {
		if over[i] {
			continue
		}
		if i == pick {
			at2 = len(kept)
		}
		kept = append(kept, o)
	}
	*open = kept
	return at2, nil
}

// withSpent is b as of now for a preview: it knows what the month has
// spent so far.
func (b *Budget) withSpent(ctx context.Context, st any, target string, now time.Time, loc *time.Location) (*Budget, error) {
	if b == nil {
		return nil, nil
	}
	m := month(now, loc)
	spent, err := spentIn(ctx, st, target, m)
	if err != nil {
		return nil, err
	}
	c := *b
	c.spent = map[string]Money{m: spent}
	return &c, nil
}

// simulation tracks spending while Simulate plays the gate forward.
type simulation struct {
	b     *Budget
	loc   *time.Location
	spent map[string]Money
}

func (g Gate) simulation() *simulation {
	if g.Budget == nil || g.Budget.Monthly < 0 {
		return nil // no cap: nothing to decide, and pricing a text parses it
	}
	s := &simulation{b: g.Budget, loc: g.Location, spent: map[string]Money{}}
	for m, v := range g.Budget.spent {
		s.spent[m] = v
	}
	return s
}

// spend reports whether p, going out at t, fits the month's budget, and
// counts it when it does.
func (s *simulation) spend(p Post, t time.Time) bool {
	if s == nil {
		return true
	}
	m, cost := month(t, s.loc), s.b.Cost(p)
	if !s.b.allows(s.spent[m], cost) {
		return false
	}
	s.spent[m] += cost
	return true
}

// Spent is what target has spent in the calendar month of at, as recorded.
func (b *Bot) Spent(ctx context.Context, target string, at time.Time) (Money, error) {
	return spentIn(ctx, b.deps.Store, target, month(at, b.cfg.Location))
}
