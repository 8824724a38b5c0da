// Package project lets several projects share one state (--config DIR):
// Wrap gives each project a view of the shared store in which every name is
// its own. Target names, feed names and key/value keys are stored with the
// project's prefix ("lumo/x", "lumo/uutiset", "lumo/" + key) and come back
// without it; reads see only the project's own rows. Delivery keys need no
// prefix of their own: a delivery is (key, target), and its target already
// carries the project, so two projects with a target "x" and an
// announcement "seuraa" are two rows.
//
// The prefix is the project's name and a "/", a character no target or feed
// name may contain (config allows letters, digits and . _ -), so a prefix
// can never be mistaken for part of another project's name.
//
// The wrapper does not own the store: it has no Close, and closing the
// shared store is for whoever opened it.
package project

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// Backend is the shared store as the core, the status page and the metrics
// use it: both state backends (bot/store, bot/store/pgstore) have this.
type Backend interface {
	bot.Store
	// Recent lists at most n ended deliveries of all targets, newest first.
	Recent(ctx context.Context, n int) ([]bot.Delivery, error)
	// Counts returns the number of deliveries by target and status.
	Counts(ctx context.Context) (map[string]map[bot.Status]int, error)
}

// The optional methods the wrapper forwards, when the backend has them.
type (
	recordChecker interface {
		CanRecord(ctx context.Context) error
	}
	pinger interface {
		Ping(ctx context.Context) error
	}
	renewer interface {
		Renew(ctx context.Context, key, target string) error
	}
	leaser interface {
		Lease() time.Duration
	}
	swapper interface {
		Swap(ctx context.Context, key string, old, new []byte) (bool, error)
	}
)

// Store is one project's view of a shared Backend. It implements
// bot.Store, Backend, and the optional methods the core and cmd look for
// (CanRecord, Ping, Renew); on a backend without one of them the method
// does what the absence would have meant (nothing to check, no lease to
// renew). It is safe for concurrent use when the backend is.
type Store struct {
	st     Backend
	name   string
	prefix string // name + "/"; "" for the unnamed project
}

var (
	_ bot.Store     = (*Store)(nil)
	_ Backend       = (*Store)(nil)
	_ recordChecker = (*Store)(nil)
	_ pinger        = (*Store)(nil)
	_ renewer       = (*Store)(nil)
	_ bot.Leaser    = (*Store)(nil)
	_ swapper       = (*Store)(nil)
)

// nameRe is what config accepts as a project name (config.ProjectName).
var nameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// Wrap returns project's view of st. The empty name is the unnamed
// project: its names are stored as they are, so a state written before
// projects existed (one config file) reads as it did; its reads leave out
// the rows of named projects, so it can also share a state with them (the
// project that a state of one config file was moved into a directory
// with). Any other name must be a valid project name (config checked it
// when it loaded the project's file); a wrong one panics, as a wiring
// mistake.
func Wrap(st Backend, project string) *Store {
	if st == nil {
		panic("project: Wrap of a nil store")
	}
	if project != "" && !nameRe.MatchString(project) {
		panic(fmt.Sprintf("project: %q is no project name (lower-case letters, digits, - and _)", project))
	}
	s := &Store{st: st, name: project}
	if project != "" {
		s.prefix = project + "/"
	}
	return s
}

// Name is the project's name ("" for the unnamed one).
func (s *Store) Name() string { return s.name }

// Unwrap returns the shared store, for what is not a project's own
// (leadership, migrations, closing).
func (s *Store) Unwrap() Backend { return s.st }

// Qualify is name as the shared state stores it for project: "lumo/x".
func Qualify(project, name string) string {
	if project == "" {
		return name
	}
	return project + "/" + name
}

// Split is the inverse of Qualify: the project and the name of a target or
// feed name as the shared state stores it. A name without a project
// ("x", from a single config file) has project "".
func Split(stored string) (project, name string) {
	if p, n, ok := strings.Cut(stored, "/"); ok && nameRe.MatchString(p) {
		return p, n
	}
	return "", stored
}

// in is name as the shared state stores it. An empty name stays empty,
// for the backend to refuse as it would without a project.
func (s *Store) in(name string) string {
	if name == "" {
		return ""
	}
	return s.prefix + name
}

// own reports whether a stored name is this project's, and returns it
// without the prefix. The unnamed project's names are those without any
// project's prefix.
func (s *Store) own(stored string) (string, bool) {
	if s.prefix == "" {
		p, _ := Split(stored)
		return stored, p == ""
	}
	return strings.CutPrefix(stored, s.prefix)
}

// out returns deliveries as the project names them.
func (s *Store) out(ds []bot.Delivery) []bot.Delivery {
	for i := range ds {
		if name, ok := s.own(ds[i].Target); ok {
			ds[i].Target = name
		}
	}
	return ds
}

// named makes an error of the shared store name what it is about as the
// project names it ("k→x", not "k→lumo/x"): what staff wrote in the
// project's file. errors.Is and errors.As still find what it wraps.
func (s *Store) named(err error, name string) error {
	if err == nil || s.prefix == "" || name == "" {
		return err
	}
	msg := err.Error()
	if own := strings.ReplaceAll(msg, s.in(name), name); own != msg {
		return &renamed{err: err, msg: own}
	}
	return err
}

type renamed struct {
	err error
	msg string
}

func (r *renamed) Error() string { return r.msg }
func (r *renamed) Unwrap() error { return r.err }

// Feed returns what is remembered of the project's feed.
func (s *Store) Feed(ctx context.Context, name string) (bot.FeedState, error) {
	st, err := s.st.Feed(ctx, s.in(name))
	return st, s.named(err, name)
}

// SaveFeed records a fetch of the project's feed.
func (s *Store) SaveFeed(ctx context.Context, name string, st bot.FeedState, seen []string, now time.Time) error {
	return s.named(s.st.SaveFeed(ctx, s.in(name), st, seen, now), name)
}

// Unseen returns those of ids the project's feed has not seen. Item ids
// are a feed's own: the feed's name carries the project.
func (s *Store) Unseen(ctx context.Context, feed string, ids []string) ([]string, error) {
	unseen, err := s.st.Unseen(ctx, s.in(feed), ids)
	return unseen, s.named(err, feed)
}

// Enqueue writes the project's posts into the shared outbox. posts is not
// changed.
func (s *Store) Enqueue(ctx context.Context, posts []bot.Post, now time.Time) error {
	if s.prefix == "" || len(posts) == 0 {
		return s.st.Enqueue(ctx, posts, now)
	}
	own := make([]bot.Post, len(posts))
	for i, p := range posts {
		p.Target = s.in(p.Target)
		own[i] = p
	}
	err := s.st.Enqueue(ctx, own, now)
	if err != nil {
		// The delivery it names is key→lumo/x: say key→x.
		if msg := err.Error(); strings.Contains(msg, "→"+s.prefix) {
			return &renamed{err: err, msg: strings.ReplaceAll(msg, "→"+s.prefix, "→")}
		}
	}
	return err
}

// Open lists the project's target's pending and sending deliveries.
func (s *Store) Open(ctx context.Context, target string) ([]bot.Delivery, error) {
	ds, err := s.st.Open(ctx, s.in(target))
	return s.out(ds), s.named(err, target)
}

// MarkSending claims one of the project's deliveries.
func (s *Store) MarkSending(ctx context.Context, key, target string, now time.Time) (bool, error) {
	claimed, err := s.st.MarkSending(ctx, key, s.in(target), now)
	return claimed, s.named(err, target)
}

// MarkSent records a platform's answer for one of the project's deliveries.
func (s *Store) MarkSent(ctx context.Context, key, target string, r bot.Receipt, now time.Time) error {
	return s.named(s.st.MarkSent(ctx, key, s.in(target), r, now), target)
}

// MarkRetry puts one of the project's deliveries back to pending.
func (s *Store) MarkRetry(ctx context.Context, key, target string, next time.Time, reason string, now time.Time) error {
	return s.named(s.st.MarkRetry(ctx, key, s.in(target), next, reason, now), target)
}

// Finish ends one of the project's deliveries as failed or skipped.
func (s *Store) Finish(ctx context.Context, key, target string, st bot.Status, reason string, now time.Time) error {
	return s.named(s.st.Finish(ctx, key, s.in(target), st, reason, now), target)
}

// SentTimes lists when the project's target's posts were sent since t.
func (s *Store) SentTimes(ctx context.Context, target string, since time.Time) ([]time.Time, error) {
	times, err := s.st.SentTimes(ctx, s.in(target), since)
	return times, s.named(err, target)
}

// Ended tells which of the project's target's keys have ended.
func (s *Store) Ended(ctx context.Context, target string, keys []string) (map[string]bool, error) {
	ended, err := s.st.Ended(ctx, s.in(target), keys)
	return ended, s.named(err, target)
}

// Get returns the project's value under key.
func (s *Store) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, ok, err := s.st.Get(ctx, s.in(key))
	return v, ok, s.named(err, key)
}

// Put stores the project's value under key.
func (s *Store) Put(ctx context.Context, key string, value []byte) error {
	return s.named(s.st.Put(ctx, s.in(key), value), key)
}

// Recent lists at most n of the project's ended deliveries, newest first.
// The shared store lists every project's, so it is asked for more until n
// of the project's are found or it has no more: a quiet project beside a
// busy one costs a longer read, never a shorter list.
func (s *Store) Recent(ctx context.Context, n int) ([]bot.Delivery, error) {
	if n <= 0 {
		return s.st.Recent(ctx, n)
	}
	for ask := n; ; ask *= 2 {
		all, err := s.st.Recent(ctx, ask)
		if err != nil {
			return nil, err
		}
		var own []bot.Delivery
		for _, d := range all {
			if name, ok := s.own(d.Target); ok {
				d.Target = name
				own = append(own, d)
				if len(own) == n {
					return own, nil
				}
			}
		}
		if len(all) < ask || ask > maxInt/2 {
			return own, nil // the store has no more
		}
	}
}

const maxInt = int(^uint(0) >> 1)

// Counts returns the number of the project's deliveries by target and
// status.
func (s *Store) Counts(ctx context.Context) (map[string]map[bot.Status]int, error) {
	all, err := s.st.Counts(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]map[bot.Status]int{}
	for target, byStatus := range all {
		if name, ok := s.own(target); ok {
			out[name] = byStatus
		}
	}
	return out, nil
}

// CanRecord asks the shared store whether it can record a delivery now
// (nil when it cannot tell): the state is one for every project.
func (s *Store) CanRecord(ctx context.Context) error {
	if rc, ok := s.st.(recordChecker); ok {
		return rc.CanRecord(ctx)
	}
	return nil
}

// Ping checks the shared store (nil when it has no check).
func (s *Store) Ping(ctx context.Context) error {
	if p, ok := s.st.(pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// Renew extends the claim on one of the project's deliveries in a store
// with leases (PostgreSQL); in one without, a claim never expires and
// there is nothing to renew.
func (s *Store) Renew(ctx context.Context, key, target string) error {
	if r, ok := s.st.(renewer); ok {
		return s.named(r.Renew(ctx, key, s.in(target)), target)
	}
	return nil
}

// Lease is how long the shared store's claims hold unrenewed (bot.Leaser);
// 0 for one without leases, which the core takes as nothing to renew.
func (s *Store) Lease() time.Duration {
	if l, ok := s.st.(leaser); ok {
		return l.Lease()
	}
	return 0
}

// Swap replaces the project's value under key only if it is old now (see
// the backends' Swap).
func (s *Store) Swap(ctx context.Context, key string, old, new []byte) (bool, error) {
	sw, ok := s.st.(swapper)
	if !ok {
		return false, fmt.Errorf("project %s: swap %s: the state cannot compare and swap", s.name, key)
	}
	swapped, err := sw.Swap(ctx, s.in(key), old, new)
	return swapped, s.named(err, key)
}

// Locks gives a project its own names in locks that replicas share (the
// delivery pass of its target "x" is not another project's "x"); the poll
// leadership stays one for the process, as it polls every project.
func Locks(l bot.Locks, project string) bot.Locks {
	if l == nil || project == "" {
		return l
	}
	return prefixedLocks{l, project + "/"}
}

type prefixedLocks struct {
	bot.Locks
	prefix string
}

func (p prefixedLocks) TryLock(ctx context.Context, name string) (bot.Lock, bool, error) {
	return p.Locks.TryLock(ctx, p.prefix+name)
}
