package store

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ErrLocked is wrapped by Open's error when Options.Exclusive is set and
// another process (or another Store of this one) holds the state.
var ErrLocked = errors.New("state in use")

// lock is an exclusive OS lock on path + ".lock". The lock, not the file,
// is what counts: the file stays after Close (removing it would let a
// second daemon lock a new file while the first still holds the old one),
// and the pid in it only names the holder in the second daemon's error.
type lock struct {
	f *os.File
}

func lockFile(state string) (*lock, error) {
	path := state + ".lock"
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: create lock file %s: %w (is the state directory writable?)", state, path, err)
	}
	held, err := tryLock(f)
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("store: open %s: lock %s: %w", state, path, err)
	}
	if !held {
		holder := "an unknown pid"
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && pid > 0 {
				holder = "pid " + strconv.Itoa(pid)
			}
		}
		_ = f.Close()
		return nil, fmt.Errorf("store: open %s: %w: another lumobot (%s) holds %s; one daemon per state file: stop it or give this one its own state",
			state, ErrLocked, holder, path)
	}
	if err := f.Truncate(0); err == nil {
		_, err = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	if err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("store: open %s: write pid to %s: %w", state, path, err)
	}
	return &lock{f: f}, nil
}

// release gives the lock up (closing the file drops it); nil is a no-op.
func (l *lock) release() {
	if l == nil || l.f == nil {
		return
	}
	_ = l.f.Close()
	l.f = nil
}
