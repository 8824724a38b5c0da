package config

import (
	"fmt"
	"time"
)

// Digest is one entry of digests: a recurring post listing the events
// that start within Window of each occurrence.
type Digest struct {
	ID       string   `mapstructure:"id"`
	Cron     string   `mapstructure:"cron"`
	Window   string   `mapstructure:"window"`
	Targets  []string `mapstructure:"targets"` // empty: every target
	Title    string   `mapstructure:"title"`   // empty: the language's default, with name
	Template string   `mapstructure:"template"`
	Link     string   `mapstructure:"link"`

	Span time.Duration `mapstructure:"-"`
}

// Pricing is what a platform charges a post, in the currency staff budget
// in (X: US dollars).
type Pricing struct {
	Post        *float64 `mapstructure:"post"`
	PostWithURL *float64 `mapstructure:"post_with_url"`
	Media       *float64 `mapstructure:"media"`
}

// XPricing is X's published pay-per-use price of a post, as given for
// issue 17 (US dollars, 2026): X changes them, so staff may set pricing.
var XPricing = struct{ Post, PostWithURL, Media float64 }{Post: 0.015, PostWithURL: 0.20, Media: 0.005}

// Prices are a target's prices: its pricing over X's defaults.
func (t Target) Prices() (post, withURL, media float64) {
	post, withURL, media = XPricing.Post, XPricing.PostWithURL, XPricing.Media
	if t.Pricing == nil {
		return
	}
	for _, v := range []struct {
		src *float64
		dst *float64
	}{{t.Pricing.Post, &post}, {t.Pricing.PostWithURL, &withURL}, {t.Pricing.Media, &media}} {
		if v.src != nil {
			*v.dst = *v.src
		}
	}
	return
}

// validateDigests checks digests, feeds' digest_over and targets'
// budgets: what issue 17 added.
func (c *Config) validateDigests(p *problems) {
	if c.Name == "" {
		p.add("name", "empty: give the project's name, for the digests' title lines")
	}
	targets := map[string]bool{}
	for _, t := range c.Targets {
		targets[t.Name] = true
	}
	ids := map[string]string{}
	for i := range c.Digests {
		d := &c.Digests[i]
		key := fmt.Sprintf("digests[%d]", i)
		p.id(key+".id", "digest", "posts", d.ID, ids)
		if d.Cron == "" {
			p.add(key+".cron", "missing: when the digest goes out, e.g. \"0 8 * * MON\"")
		} else {
			p.cron(key+".cron", d.Cron)
		}
		switch {
		case d.Window == "":
			p.add(key+".window", "missing: how far ahead it lists events, e.g. 7d")
		case p.duration(key+".window", d.Window, &d.Span) && d.Span <= 0:
			p.add(key+".window", "%q is not a span of time after the occurrence", d.Window)
		}
		for j, t := range d.Targets {
			if !targets[t] {
				p.add(fmt.Sprintf("%s.targets[%d]", key, j), "%q is not the name of a target", t)
			}
		}
	}
	for i, f := range c.Feeds {
		key := fmt.Sprintf("feeds[%d]", i)
		switch {
		case f.DigestOver < 0:
			p.add(key+".digest_over", "%d: give a number of items, or leave it out", f.DigestOver)
		case f.DigestOver > 0 && f.Kind == KindEvents:
			p.add(key+".digest_over", "only a news feed's items are folded into a digest")
		}
	}
	for i, t := range c.Targets {
		key := fmt.Sprintf("targets[%d]", i)
		if (t.MonthlyBudget != nil || t.Pricing != nil) && t.Type != TypeX {
			p.add(key+".monthly_budget", "only X charges per post: budgets and pricing are for type x")
			continue
		}
		if t.MonthlyBudget != nil && *t.MonthlyBudget < 0 {
			p.add(key+".monthly_budget", "%v is below zero", *t.MonthlyBudget)
		}
		if t.Pricing != nil {
			for name, v := range map[string]*float64{"post": t.Pricing.Post, "post_with_url": t.Pricing.PostWithURL, "media": t.Pricing.Media} {
				if v != nil && *v < 0 {
					p.add(key+".pricing."+name, "%v is below zero", *v)
				}
			}
		}
	}
}
