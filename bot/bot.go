package bot

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/lumohanke/lumobot/feeds"
)

// Fetcher gets a feed's document; feeds.Fetcher is the real one.
type Fetcher interface {
	Fetch(ctx context.Context, req feeds.Request) (feeds.Response, error)
}

// Parsers turn fetched documents into the model. Warnings are what a parser
// fixed or dropped (an event without a start, a date out of range): the
// document is still good, but staff should hear of them.
type Parsers struct {
	News     func(body []byte, contentType, baseURL string, now time.Time) ([]feeds.Item, []error, error)
	Calendar func(body []byte, loc *time.Location, from, to time.Time) ([]feeds.Event, []error, error)
}

// Deps are what a Bot is built from; cmd wires the implementations.
type Deps struct {
	Store    Store
	Fetcher  Fetcher
	Parsers  Parsers
	Targets  []Target
	Clock    Clock
	Logger   *slog.Logger
	Observer Observer // may be nil
	Jitter   func() float64
	// Redact removes every configured secret from text that will be stored
	// or shown (a platform's error can echo a credential); nil: none.
	Redact func(string) string
	// Leader and Locks coordinate replicas sharing the state (see
	// cluster.go); nil: this process is the only one.
	Leader Leader
	Locks  Locks
}

// Bot joins sources, planner, outbox and targets for one configuration.
type Bot struct {
	cfg       Config
	planner   *Planner
	deps      Deps
	deliverer *Deliverer
	log       *slog.Logger
	watch     watchdog

	mu        sync.Mutex
	calendars map[string][]byte // last good body of each calendar feed
	health    map[string]FeedHealth
	warned    map[string]string               // feed → the warnings last logged, so each change is logged once
	nextPoll  time.Time                       // for Step
	planned   map[string]Draft                // the last plan's drafts by key, to render again at send time
	noticed   map[string]Draft                // change and cancel notices planned, by key and target
	told      map[string]map[string]announced // per target: what its followers were told of each event
	gone      map[string]bool                 // events gone from their source, logged
	leading   bool                            // led the polling when last asked
	leadErr   bool                            // the last ask failed (logged once)
	polledErr bool                            // the last read of polledKey failed (logged once)
	followed  time.Time                       // the last complete poll whose calendars this replica took
}

// New builds a bot for cfg.
func New(cfg Config, deps Deps) *Bot {
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Redact == nil {
		deps.Redact = func(s string) string { return s }
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	b := &Bot{
		cfg:     cfg,
		planner: NewPlanner(cfg),
		deps:    deps,
		deliverer: &Deliverer{
			Store:    deps.Store,
			Retry:    Retry{Initial: cfg.Retry.Initial, Max: cfg.Retry.Max, GiveUp: cfg.Retry.GiveUp, Jitter: deps.Jitter},
			Clock:    deps.Clock,
			Logger:   deps.Logger,
			Observer: deps.Observer,
			Redact:   deps.Redact,
			Paused:   cfg.Paused,
			Locks:    deps.Locks,
		},
		log:       deps.Logger,
		calendars: map[string][]byte{},
		health:    map[string]FeedHealth{},
		warned:    map[string]string{},
	}
	b.deliverer.watch = &b.watch
	b.deliverer.Rerender = b.rerender
	b.deliverer.Sent = b.sent
	return b
}

// Planner returns the bot's planner.
func (b *Bot) Planner() *Planner { return b.planner }

// Targets returns the bot's targets.
func (b *Bot) Targets() []Target { return b.deps.Targets }

// Stuck says what part of the loop has been busy for longer than limit at
// now, if any: a hung step, for /healthz to fail on so that the pod is
// restarted.
func (b *Bot) Stuck(now time.Time, limit time.Duration) (string, bool) {
	return b.watch.stuck(now, limit)
}

// Paused reports whether every post is held.
func (b *Bot) Paused() bool { return b.cfg.Paused }

// StateProblem is why the state cannot record a delivery now (nil: it
// can); sending is held meanwhile.
func (b *Bot) StateProblem() error { return b.deliverer.stateProblem() }
