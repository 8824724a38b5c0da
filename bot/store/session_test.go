package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// snapshot copies the state's files as they are now, while it is open:
// what a kill -9 or a power loss leaves (the tests' stand-in for a crash).
func snapshot(t *testing.T, path string, sides ...string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "crash.db")
	for _, side := range append([]string{""}, sides...) {
		copyFile(t, path+side, to+side, 0o600)
	}
	return to
}

// A state that lost its -wal after an unclean stop is refused, every time,
// whatever is left beside it; AcceptLostWAL opens it and shows the loss.
func TestLostWALRefused(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lumobot.db")
	s, err := Open(path, Options{Now: clock, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "1"}, t0); err != nil {
		t.Fatal(err)
	}
	for name, sides := range map[string][]string{"db and shm": {"-shm"}, "db alone": nil} {
		t.Run(name, func(t *testing.T) {
			lost := snapshot(t, path, sides...)
			before := hashFile(t, lost)
			for i := range 2 {
				_, err := Open(lost, opts()) // preview too
				if !errors.Is(err, ErrLostWAL) || !strings.Contains(err.Error(), lost) {
					t.Fatalf("Open %d = %v, want ErrLostWAL naming the file", i, err)
				}
				if hashFile(t, lost) != before || exists(lost+"-wal") {
					t.Fatal("the refused state was changed")
				}
			}
			a, err := Open(lost, Options{Now: clock, Exclusive: true, AcceptLostWAL: true})
			if err != nil {
				t.Fatalf("Open with AcceptLostWAL: %v", err)
			}
			if _, ok := get(t, a, "k", "x"); ok {
				t.Error("the delivery of the lost transactions is there: the test lost nothing")
			}
			a.Close()
			if b, err := Open(lost, opts()); err != nil {
				t.Errorf("after an accepted loss and a clean close: %v", err)
			} else {
				b.Close()
			}
		})
	}
	t.Run("with its wal", func(t *testing.T) {
		crash := snapshot(t, path, "-wal", "-shm")
		c, err := Open(crash, Options{Now: clock, Exclusive: true})
		if err != nil {
			t.Fatalf("Open after a crash with the WAL: %v", err)
		}
		defer c.Close()
		if d, _ := get(t, c, "k", "x"); d.Status != bot.StatusSent {
			t.Errorf("after the crash: %+v, want sent", d)
		}
	})
}

// After a daemon's crash, a preview (not exclusive) that is the last to
// close checkpoints the WAL and removes it: it must also clear the mark, or
// the next daemon would be refused for nothing.
func TestReaderAfterCrashClearsMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lumobot.db")
	s, err := Open(path, Options{Now: clock, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0); err != nil {
		t.Fatal(err)
	}
	crash := snapshot(t, path, "-wal", "-shm")
	r, err := Open(crash, opts())
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if exists(crash + "-wal") {
		t.Fatal("the reader's Close left the WAL")
	}
	d, err := Open(crash, Options{Now: clock, Exclusive: true})
	if err != nil {
		t.Fatalf("daemon after a reader closed a crashed state: %v", err)
	}
	defer d.Close()
	if _, ok := get(t, d, "k", "x"); !ok {
		t.Error("delivery lost")
	}
}

// A clean close clears the mark: the state then opens without its (removed)
// WAL, also copied alone.
func TestCleanCloseClearsMark(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lumobot.db")
	s, err := Open(path, Options{Now: clock, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
	if exists(path + "-wal") {
		t.Fatal("Close left the WAL")
	}
	c, err := Open(snapshot(t, path), Options{Now: clock, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
}

func TestCanRecord(t *testing.T) {
	s, path := newStore(t)
	if err := s.CanRecord(ctx); err != nil {
		t.Fatalf("CanRecord on a fresh store: %v", err)
	}
	free, err := freeSpace(filepath.Dir(path))
	if err != nil || free == 0 {
		t.Fatalf("freeSpace = %d, %v", free, err)
	}
	t.Logf("free on %s: %s", filepath.Dir(path), mib(free))

	s.reserve = int64(free) + 1<<40
	err = s.CanRecord(ctx)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "MiB free") || !strings.Contains(err.Error(), "free some space") {
		t.Errorf("CanRecord with too little space = %v, want an error naming the file and the space", err)
	}
	t.Log(err)
	s.reserve = DefaultReserve

	s.statfs = func(string) (uint64, error) { return 0, errors.New("statfs: input/output error") }
	if err := s.CanRecord(ctx); err == nil || !strings.Contains(err.Error(), "input/output error") {
		t.Errorf("CanRecord with statfs failing = %v", err)
	}
	s.statfs = freeSpace

	// The test write fails: what a full disk, a read-only remount or an
	// I/O error does to a commit.
	if _, err := s.db.Exec(`CREATE TRIGGER no_probe BEFORE UPDATE ON meta WHEN NEW.key = 'probe'
		BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`); err != nil {
		t.Fatal(err)
	}
	err = s.CanRecord(ctx)
	if err == nil || !strings.Contains(err.Error(), "test write failed") || !strings.Contains(err.Error(), "disk I/O error") {
		t.Errorf("CanRecord with a failing write = %v", err)
	}
	t.Log(err)
	s.Close()
	if err := s.CanRecord(ctx); err == nil {
		t.Error("CanRecord on a closed store: no error")
	}
}

// TestWALGrowth measures how large the WAL gets (the basis of
// DefaultReserve and journalSizeLimit): steady deliveries stay at the
// autocheckpoint size, and one large transaction's WAL is truncated back to
// the limit at the next checkpoint.
func TestWALGrowth(t *testing.T) {
	s, path := newStore(t)
	walSize := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	var maxWAL int64
	n := 3000 // about three checkpoints
	if testing.Short() {
		n = 0 // 12,000 fsyncs: seconds, and minutes under -race
	}
	for i := range n {
		key := fmt.Sprintf("news:uutiset:%d", i)
		at := t0.Add(time.Duration(i) * time.Minute)
		for _, err := range []error{
			s.Enqueue(ctx, []bot.Post{post(key, "x", at)}, at),
			s.CanRecord(ctx),
			claim(s, key, "x", at),
			s.MarkSent(ctx, key, "x", bot.Receipt{ID: key}, at),
		} {
			if err != nil {
				t.Fatal(err)
			}
		}
		maxWAL = max(maxWAL, walSize())
	}
	if n > 0 && maxWAL < int64(walAutocheckpoint)*4096*9/10 {
		t.Errorf("WAL reached only %s: the loop never came near a checkpoint", mib(uint64(maxWAL)))
	}
	t.Logf("%d deliveries (4 commits each): WAL at most %s", n, mib(uint64(maxWAL)))
	if n > 0 && maxWAL > int64(walAutocheckpoint+64)*4096 {
		t.Errorf("WAL grew to %s, beyond the autocheckpoint of %d pages", mib(uint64(maxWAL)), walAutocheckpoint)
	}
	sizes := []int{10000, 100000}
	if testing.Short() {
		sizes = sizes[:1]
	}
	for _, ids := range sizes {
		// An empty WAL first, so that its size after is this transaction's.
		if _, err := s.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
			t.Fatal(err)
		}
		list := make([]string, ids)
		for i := range list {
			list[i] = fmt.Sprintf("https://example.fi/uutiset/%d/%08d", ids, i)
		}
		if err := s.SaveFeed(ctx, fmt.Sprintf("feed%d", ids), bot.FeedState{ETag: "x"}, list, t0); err != nil {
			t.Fatal(err)
		}
		t.Logf("SaveFeed of %d ids: WAL %s", ids, mib(uint64(walSize())))
	}
	// One transaction larger than the limit (a 12 MiB value stands in for
	// a huge cold poll), then the next commits checkpoint it and start the
	// WAL over: it is truncated to journalSizeLimit.
	if err := s.Put(ctx, "big", make([]byte, 12<<20)); err != nil {
		t.Fatal(err)
	}
	big := walSize()
	for i := range 3 {
		if err := s.Put(ctx, "k", []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
	after := walSize()
	t.Logf("after the next commits: WAL %s → %s", mib(uint64(big)), mib(uint64(after)))
	if big <= journalSizeLimit || after > journalSizeLimit {
		t.Errorf("WAL %s → %s, want above journal_size_limit %s, then at most it", mib(uint64(big)), mib(uint64(after)), mib(journalSizeLimit))
	}
}

// claim is MarkSending as an error-only call.
func claim(s *Store, key, target string, at time.Time) error {
	ok, err := s.MarkSending(ctx, key, target, at)
	if err == nil && !ok {
		return fmt.Errorf("%s→%s not claimed", key, target)
	}
	return err
}
