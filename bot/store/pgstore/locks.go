package pgstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lumohanke/lumobot/bot"
)

// Locks are PostgreSQL session advisory locks held on one connection of
// their own, outside the store's pool: a lock lives as long as that
// connection, so a replica that dies (or loses the database) loses its
// locks with it, and another replica can take them at once. Lock names are
// hashed with the connection's schema, so that states in different
// schemas of one database (tests, or several projects) do not share locks.
//
// One connection for all locks of a process: a pool connection per held
// lock would starve the pool, and locks are taken and checked rarely. Its
// calls are serialised. A lock is not re-entrant: a second TryLock of a
// name this process holds answers false, as another replica's would.
type Locks struct {
	cfg *pgx.ConnConfig

	mu     sync.Mutex
	conn   *pgx.Conn
	gen    int             // counts connections: a lock of an older one is lost
	held   map[string]bool // names held on the current connection
	leader *lock           // the poll leadership, while held
}

var (
	_ bot.Locks  = (*Locks)(nil)
	_ bot.Leader = (*Locks)(nil)
)

// lockTimeout bounds each call on the lock connection: a database that
// does not answer must not hold a delivery pass or a poll.
const lockTimeout = 5 * time.Second

// leaderLock is the name of the poll leadership's lock.
const leaderLock = "poll-leader"

// NewLocks prepares locks on the database at url (the store's URL); it
// connects at the first call. The URL is never put in an error.
func NewLocks(url string) (*Locks, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, errors.New("pgstore: locks: the database URL does not parse")
	}
	return &Locks{cfg: cfg, held: map[string]bool{}}, nil
}

// Close closes the connection, which releases every lock it holds.
func (l *Locks) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.drop()
	return nil
}

// drop forgets the connection and every lock on it; l.mu is held.
func (l *Locks) drop() {
	if l.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_ = l.conn.Close(ctx)
		cancel()
	}
	l.conn, l.held, l.leader = nil, map[string]bool{}, nil
	l.gen++
}

// connect makes sure there is a connection; l.mu is held.
func (l *Locks) connect(ctx context.Context) error {
	if l.conn != nil && !l.conn.IsClosed() {
		return nil
	}
	if l.conn != nil {
		l.drop()
	}
	c, err := pgx.ConnectConfig(ctx, l.cfg)
	if err != nil {
		return fmt.Errorf("pgstore: locks: connect: %w", err)
	}
	l.conn = c
	return nil
}

// call runs fn on the connection within lockTimeout; an error that may
// have broken the connection drops it (and with it every lock). l.mu is
// held.
func (l *Locks) call(ctx context.Context, fn func(ctx context.Context, c *pgx.Conn) error) error {
	ctx, cancel := context.WithTimeout(ctx, lockTimeout)
	defer cancel()
	if err := l.connect(ctx); err != nil {
		return err
	}
	if err := fn(ctx, l.conn); err != nil {
		// The session's state is unknown after a failed call: start over
		// on a new one rather than believe a lock is still held.
		l.drop()
		return fmt.Errorf("pgstore: locks: %w", err)
	}
	return nil
}

// lockKey is the advisory lock's 64-bit key for name, in SQL.
const lockKey = `hashtextextended(coalesce(current_schema(), '') || '/lumobot/' || $1, 0)`

// TryLock takes the named lock if nobody holds it (bot.Locks).
func (l *Locks) TryLock(ctx context.Context, name string) (bot.Lock, bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	lk, ok, err := l.tryLock(ctx, name)
	if !ok || err != nil {
		return nil, ok, err
	}
	return lk, true, nil
}

func (l *Locks) tryLock(ctx context.Context, name string) (*lock, bool, error) {
	if l.conn != nil && l.held[name] {
		return nil, false, nil // this process holds it
	}
	var got bool
	err := l.call(ctx, func(ctx context.Context, c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT pg_try_advisory_lock(`+lockKey+`)`, name).Scan(&got)
	})
	if err != nil || !got {
		return nil, false, err
	}
	l.held[name] = true
	return &lock{l: l, name: name, gen: l.gen}, true, nil
}

// Lead reports whether this process holds the poll leadership, taking it
// when it is free (bot.Leader). Held, it is checked on the database each
// time: a leader whose connection broke has lost it.
func (l *Locks) Lead(ctx context.Context) (bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.leader != nil {
		if err := l.held1(ctx, l.leader); err == nil {
			return true, nil
		}
		l.leader = nil
	}
	lk, ok, err := l.tryLock(ctx, leaderLock)
	if ok {
		l.leader = lk
	}
	return ok, err
}

// held1 checks that lk is still held; l.mu is held.
func (l *Locks) held1(ctx context.Context, lk *lock) error {
	if lk.gen != l.gen || l.conn == nil || !l.held[lk.name] {
		return errors.New("pgstore: locks: the lock's connection to the database was lost")
	}
	// The session is alive, so its advisory locks are too.
	return l.call(ctx, func(ctx context.Context, c *pgx.Conn) error {
		var one int
		return c.QueryRow(ctx, `SELECT 1`).Scan(&one)
	})
}

// lock is one held advisory lock.
type lock struct {
	l    *Locks
	name string
	gen  int
}

// Held returns an error when the lock may have been lost (bot.Lock).
func (lk *lock) Held(ctx context.Context) error {
	lk.l.mu.Lock()
	defer lk.l.mu.Unlock()
	return lk.l.held1(ctx, lk)
}

// Unlock releases the lock; one whose connection is gone is released
// already.
func (lk *lock) Unlock() {
	l := lk.l
	l.mu.Lock()
	defer l.mu.Unlock()
	if lk.gen != l.gen || !l.held[lk.name] {
		return
	}
	delete(l.held, lk.name)
	if l.leader == lk {
		l.leader = nil
	}
	_ = l.call(context.Background(), func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, `SELECT pg_advisory_unlock(`+lockKey+`)`, lk.name)
		return err
	})
}
