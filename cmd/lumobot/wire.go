package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/platform/bluesky"
	"github.com/lumohanke/lumobot/bot/platform/console"
	"github.com/lumohanke/lumobot/bot/platform/mastodon"
	"github.com/lumohanke/lumobot/bot/platform/webhook"
	"github.com/lumohanke/lumobot/bot/platform/x"
	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
	"github.com/lumohanke/lumobot/feeds/calendar"
	"github.com/lumohanke/lumobot/feeds/news"
)

// userAgent names lumobot to the feeds it reads.
func userAgent() string {
	return "lumobot/" + version + " (+https://github.com/lumohanke/lumobot)"
}

// checker is what `lumobot check` asks of a platform client.
type checker interface {
	Check(ctx context.Context) (string, error)
}

// cacher is a client that keeps what its platform said in the state
// (Mastodon's character limit): Cached takes it, and says whether the
// client knows its platform's own limits.
type cacher interface {
	Cached(ctx context.Context) bool
}

// preparer is a client that must ask its platform something before posting
// (Mastodon's character limit).
type preparer interface {
	Prepare(ctx context.Context) error
}

// built is one target with the client behind it.
type built struct {
	bot.Target
	check checker
	close func() error
	// limitKnown is false for a client whose platform's own limit is not
	// known yet (neither asked nor cached): preview says so.
	limitKnown bool
}

// buildTargets creates a client for every configured target. A missing
// credential is a config error here, at start, not at the first post.
func buildTargets(cfg *config.Config, st state, log *slog.Logger, env Env) ([]built, error) {
	var out []built
	var problems []string
	fetcher := &feeds.Fetcher{UserAgent: userAgent()}
	loader := imageLoader(fetcher)
	for i, tc := range cfg.Targets {
		client := &http.Client{Timeout: tc.RequestTimeout}
		tlog := log.With("target", tc.Name)
		var (
			poster  bot.Poster
			counter bot.Counter
			check   checker
			closer  func() error
			err     error
		)
		switch tc.Type {
		case config.TypeConsole:
			out := tc.Output
			if out != "stdout" && out != "stderr" {
				out = cfg.Path(out)
			}
			var c *console.Client
			c, err = console.New(console.Options{Name: tc.Name, Output: out, Format: tc.Format, Now: env.Now, Location: cfg.Location}, env.Stdout, env.Stderr)
			if c != nil {
				poster, counter, closer = c, c, c.Close
			}
		case config.TypeX:
			var c *x.Client
			var cache x.Cache
			if st != nil {
				cache = st
			}
			c, err = x.New(x.Options{
				APIURL: tc.APIURL, ConsumerKey: tc.ConsumerKey, ConsumerSecret: tc.ConsumerSecret,
				AccessToken: tc.AccessToken, AccessTokenSecret: tc.AccessTokenSecret,
				Count: render.XLength, Now: env.Now, Media: loader, Cache: cache,
			}, tlog, client)
			if c != nil {
				poster, counter, check = c, c, c
			}
		case config.TypeMastodon:
			var c *mastodon.Client
			var cache mastodon.Cache
			if st != nil {
				cache = st
			}
			c, err = mastodon.New(mastodon.Options{
				Server: tc.Server, AccessToken: tc.AccessToken, Visibility: tc.Visibility,
				Language: cfg.Language, Count: render.MastodonLength, Now: env.Now, Cache: cache,
				Media: loader,
			}, tlog, client)
			if c != nil {
				poster, counter, check = c, c, c
			}
		case config.TypeBluesky:
			var c *bluesky.Client
			var sessions bluesky.SessionStore
			if st != nil {
				sessions = st
			}
			c, err = bluesky.New(bluesky.Options{
				Service: tc.Service, Handle: tc.Handle, AppPassword: tc.AppPassword,
				Language: cfg.Language, Sessions: sessions, Link: tc.LinkCard, Now: env.Now,
				Media: loader, Cards: pageCards{fetcher},
			}, tlog, client)
			if c != nil {
				poster, counter, check = c, c, c
			}
		case config.TypeWebhook:
			var c *webhook.Client
			c, err = webhook.New(webhook.Options{URL: tc.URL, Body: tc.Body, Headers: tc.Headers, Now: env.Now}, tlog, client)
			if c != nil {
				poster, counter = c, c
			}
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("targets[%d] (%s): %v", i, tc.Name, err))
			continue
		}
		out = append(out, built{
			Target: bot.Target{
				Name: tc.Name, Type: tc.Type, Poster: poster, Counter: counter, Timeout: tc.RequestTimeout,
				TextOnly: tc.OnImageError == "text_only",
				Gate: bot.Gate{
					Quiet: quietTime(cfg.Schedule), Location: cfg.Location, MinGap: cfg.Schedule.Gap,
					Daily: tc.DailyLimit, Monthly: tc.MonthlyLimit, MaxPerHour: tc.HourlyLimit,
					Budget: budget(tc),
				},
			},
			check: check,
			close: closer,
		})
	}
	if len(problems) > 0 {
		closeTargets(out)
		return nil, &config.Error{File: cfg.File, Problems: problems}
	}
	return out, nil
}

func closeTargets(ts []built) {
	for _, t := range ts {
		if t.close != nil {
			t.close()
		}
	}
}

// prepareTargets lets clients ask their platform what they need (Mastodon's
// character limit), all at once, each within its own timeout. Until a
// client knows, it uses its platform's default.
func prepareTargets(ctx context.Context, ts []built, log *slog.Logger) {
	var wg sync.WaitGroup
	for _, t := range ts {
		p, ok := t.Poster.(preparer)
		if !ok {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := p.Prepare(ctx); err != nil {
				log.Warn("target not prepared; using defaults", "target", t.Name, "error", err)
			}
		}()
	}
	wg.Wait()
}

// app is everything one configuration runs with.
type app struct {
	cfg     *config.Config
	core    bot.Config
	store   state
	bot     *bot.Bot
	targets []built
	log     *slog.Logger
	clock   bot.Clock
}

func (a *app) Close() {
	closeTargets(a.targets)
}

// newApp wires a bot for cfg, compiled as core, over an open store.
func newApp(cfg *config.Config, core bot.Config, st state, log *slog.Logger, env Env, obs bot.Observer) (*app, error) {
	return newAppRedacting(cfg, core, st, log, env, obs, redactor(cfg.Secrets()))
}

// newAppRedacting is newApp with the redaction of the bot's errors given:
// with several projects, one that covers every project's secrets.
func newAppRedacting(cfg *config.Config, core bot.Config, st state, log *slog.Logger, env Env, obs bot.Observer, redact func(string) string) (*app, error) {
	ts, err := buildTargets(cfg, st, log, env)
	if err != nil {
		return nil, err
	}
	targets := make([]bot.Target, len(ts))
	for i := range ts {
		ts[i].limitKnown = true
		if c, ok := ts[i].Poster.(cacher); ok {
			// A local read: what the instance said at an earlier run, so
			// that rendering and preview count with its limit at once.
			ts[i].limitKnown = c.Cached(context.Background())
		}
		targets[i] = ts[i].Target
	}
	clock := systemClock{env.Now}
	var (
		leader bot.Leader
		locks  bot.Locks
	)
	if c, ok := st.(coordinated); ok {
		leader, locks = c.coordination()
	}
	b := bot.New(core, bot.Deps{
		Store:    st,
		Fetcher:  &feeds.Fetcher{UserAgent: userAgent()},
		Parsers:  parsers,
		Targets:  targets,
		Clock:    clock,
		Logger:   log,
		Observer: obs,
		Redact:   redact,
		Leader:   leader,
		Locks:    locks,
	})
	return &app{cfg: cfg, core: core, store: st, bot: b, targets: ts, log: log, clock: clock}, nil
}

// parsers are the real document parsers.
var parsers = bot.Parsers{
	News: func(body []byte, contentType, baseURL string, now time.Time) ([]feeds.Item, []error, error) {
		items, warnings, err := news.ParseWithWarnings(body, contentType, baseURL, now)
		var errs []error
		for _, w := range warnings {
			errs = append(errs, errors.New(w.String()))
		}
		return items, errs, err
	},
	Calendar: calendar.ParseWithWarnings,
}
