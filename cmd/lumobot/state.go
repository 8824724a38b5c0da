package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store"
	"github.com/lumohanke/lumobot/bot/store/pgstore"
	"github.com/lumohanke/lumobot/config"
)

// state is what cmd asks of the state, whichever backend keeps it: an
// SQLite file (bot/store) or a PostgreSQL database (bot/store/pgstore).
type state interface {
	bot.Store
	Ping(ctx context.Context) error
	Counts(ctx context.Context) (map[string]map[bot.Status]int, error)
	Recent(ctx context.Context, n int) ([]bot.Delivery, error)
	Close() error
}

var (
	_ state = (*store.Store)(nil)
	_ state = (*pgstore.Store)(nil)
)

// coordinated is a state several replicas share: what the core needs to
// behave as one bot with them.
type coordinated interface {
	coordination() (bot.Leader, bot.Locks)
}

// sharedState is a PostgreSQL state with its locks.
type sharedState struct {
	*pgstore.Store
	locks *pgstore.Locks
}

func (s *sharedState) coordination() (bot.Leader, bot.Locks) { return s.locks, s.locks }

// Close releases the locks (another replica may take over at once), then
// closes the pool.
func (s *sharedState) Close() error {
	s.locks.Close()
	return s.Store.Close()
}

// defaultLease is how long a replica's claim on a delivery holds unless
// renewed; the claim is renewed every third of it while the request runs,
// so it only has to outlast a renewal that fails. It is how long a post
// that a killed replica had in flight waits before another one sends it.
const defaultLease = time.Minute

// stateURL splits lumobot's own parameters (lease=) off a PostgreSQL URL,
// leaving what pgx reads.
func stateURL(raw string) (pgURL string, lease time.Duration, err error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, errors.New("state: the PostgreSQL URL does not parse")
	}
	q := u.Query()
	lease = defaultLease
	if v := q.Get("lease"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 3*time.Second {
			return "", 0, fmt.Errorf("state: lease=%s: want a duration of 3s or more, e.g. lease=1m", v)
		}
		lease = d
		q.Del("lease")
		u.RawQuery = q.Encode()
	}
	return u.String(), lease, nil
}

// describeState names the backend and where it is, without a password,
// for `validate`, `check` and the start-up line.
func describeState(s string) string {
	if config.IsStateURL(s) {
		return "PostgreSQL " + config.RedactState(s) + " (replicas may share it)"
	}
	return "SQLite " + s + " (one daemon at a time)"
}

// openRunState opens the state `run` works on. With wait (the daemon), a
// PostgreSQL database that cannot be reached yet (starting at the same time
// as lumobot, or restarting) is waited for, retrying with backoff until ctx
// ends; one that refuses (a wrong password, no such database) is an error
// at once, as is any for `run --once` (a cron job says so and ends).
func openRunState(ctx context.Context, cfg *config.Config, env Env, log *slog.Logger, acceptLostWAL, wait bool) (state, error) {
	if !config.IsStateURL(cfg.State) {
		st, err := store.Open(cfg.State, store.Options{Now: env.Now, Exclusive: true, Key: cfg.StateKey, AcceptLostWAL: acceptLostWAL})
		if errors.Is(err, store.ErrLostWAL) {
			return nil, fmt.Errorf("%w\n(put the -wal file back beside the state, or start once with --accept-lost-wal to accept that what it held is lost: posts recorded there may go out again)", err)
		}
		if err != nil {
			return nil, err
		}
		return st, nil
	}
	u, lease, err := stateURL(cfg.State)
	if err != nil {
		return nil, err
	}
	pause := time.Second
	for {
		st, err := pgstore.Open(ctx, u, pgstore.Options{Now: env.Now, Key: cfg.StateKey, Lease: lease})
		if err == nil {
			locks, err := pgstore.NewLocks(u)
			if err != nil {
				st.Close()
				return nil, err
			}
			return &sharedState{Store: st, locks: locks}, nil
		}
		if !wait || !unreachable(err) || ctx.Err() != nil {
			return nil, err
		}
		log.Warn("the state's database cannot be reached; trying again", "state", config.RedactState(cfg.State), "in", pause.String(), "error", err)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%w (gave up waiting for the database)", err)
		case <-time.After(pause):
		}
		pause = min(2*pause, 30*time.Second)
	}
}

// unreachable tells an error of connecting (refused, timed out, the
// server starting up or shutting down) from one the server answered
// (authentication, no such database, a schema newer than this lumobot).
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) {
		return false
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// 57P03: the server is starting up; 57P01..02: shutting down.
		return strings.HasPrefix(pe.Code, "57P")
	}
	return true
}

// openForReading opens the state without creating it: preview must not
// write, so a missing state is read as an empty one in a temporary file.
// A PostgreSQL state is opened read-only (forWrite false) or, for `check`,
// which may keep a platform session, as the daemon opens it; one without
// lumobot's tables is read as empty, as a missing file is.
func openForReading(ctx context.Context, cfg *config.Config, now func() time.Time, forWrite bool) (state, func(), error) {
	if config.IsStateURL(cfg.State) {
		u, lease, err := stateURL(cfg.State)
		if err != nil {
			return nil, nil, err
		}
		st, err := pgstore.Open(ctx, u, pgstore.Options{Now: now, Key: cfg.StateKey, Lease: lease, ReadOnly: true})
		if errors.Is(err, pgstore.ErrNoSchema) {
			// No lumobot has run on it: nothing is known yet, and neither
			// preview nor check creates its tables.
			return emptyState(now)
		}
		if err == nil && forWrite {
			st.Close()
			st, err = pgstore.Open(ctx, u, pgstore.Options{Now: now, Key: cfg.StateKey, Lease: lease})
		}
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	}
	if _, err := os.Stat(cfg.State); err == nil {
		st, err := store.Open(cfg.State, store.Options{Now: now, Key: cfg.StateKey})
		if err != nil {
			return nil, nil, err
		}
		return st, func() { st.Close() }, nil
	}
	return emptyState(now)
}

// emptyState is an empty SQLite state in a temporary file, removed by the
// returned func.
func emptyState(now func() time.Time) (state, func(), error) {
	dir, err := os.MkdirTemp("", "lumobot-preview-")
	if err != nil {
		return nil, nil, err
	}
	st, err := store.Open(filepath.Join(dir, "empty.db"), store.Options{Now: now})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return st, func() { st.Close(); os.RemoveAll(dir) }, nil
}
