package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

var ctx = context.Background()

// t0 is a fixed test clock with nanoseconds, in a zone other than UTC.
var t0 = time.Date(2021, 5, 5, 13, 30, 0, 123456789, time.FixedZone("EEST", 3*3600))

// clock is the tests' fixed clock.
func clock() time.Time { return t0 }

func opts() Options { return Options{Now: clock} }

func newStore(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state", "lumobot.db")
	s, err := Open(path, opts())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

func reopen(t *testing.T, s *Store, path string) *Store {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(path, opts())
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	t.Cleanup(func() { _ = s2.Close() })
	return s2
}

func hashFile(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// rawDB opens the file without the store, for tests that tamper with it.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// A new state is private (issue 18): its directories 0700, the file and
// SQLite's -wal and -shm 0600, whatever the umask (0 here, so the modes come
// from Open, not from the umask).
func TestOpenCreatesDirectoryAndFile(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	top := filepath.Join(t.TempDir(), "a")
	dir := filepath.Join(top, "b")
	path := filepath.Join(dir, "state.db")
	s, err := Open(path, Options{Now: clock, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Put(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{
		top: 0o700, dir: 0o700, path: 0o600, path + "-wal": 0o600, path + "-shm": 0o600, path + ".lock": 0o600,
	} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if perm := fi.Mode().Perm(); perm != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(p), perm, want)
		}
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	var mode, sync, fk, ckpt, limit string
	for q, v := range map[string]*string{`PRAGMA journal_mode`: &mode, `PRAGMA synchronous`: &sync, `PRAGMA foreign_keys`: &fk,
		`PRAGMA wal_autocheckpoint`: &ckpt, `PRAGMA journal_size_limit`: &limit} {
		if err := s.db.QueryRow(q).Scan(v); err != nil {
			t.Fatal(err)
		}
	}
	if mode != "wal" || sync != "2" || fk != "1" || ckpt != fmt.Sprint(walAutocheckpoint) || limit != fmt.Sprint(journalSizeLimit) {
		t.Errorf("journal_mode=%s synchronous=%s foreign_keys=%s wal_autocheckpoint=%s journal_size_limit=%s, want wal 2 (FULL) 1 %d %d",
			mode, sync, fk, ckpt, limit, walAutocheckpoint, journalSizeLimit)
	}
}

// An existing state keeps the modes its owner gave it.
func TestOpenKeepsExistingModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o750)
	path := filepath.Join(dir, "state.db")
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		t.Fatal(err)
	}
	os.Chmod(path, 0o640)
	s, err := Open(path, opts())
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	for p, want := range map[string]os.FileMode{dir: 0o750, path: 0o640} {
		if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: %v %v, want mode %o", p, fi.Mode(), err, want)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Open("", opts()); err == nil {
		t.Error("Open(\"\"): no error")
	}
	if _, err := Open(filepath.Join(dir, "s.db"), Options{}); err == nil || !strings.Contains(err.Error(), "Now") {
		t.Errorf("Open(no clock) = %v, want an error saying Now is required", err)
	}
	if exists(filepath.Join(dir, "s.db")) {
		t.Error("Open without a clock created the file")
	}
	if _, err := Open(dir, opts()); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Errorf("Open(directory) = %v, want an error saying it is a directory", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(filepath.Join(file, "state.db"), opts()); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("Open(under a file) = %v, want an error naming the path", err)
	}
}

func TestOpenEmptyFileIsNewDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, opts())
	if err != nil {
		t.Fatalf("Open(empty file) = %v", err)
	}
	s.Close()
}

func TestMigrationsIdempotentOnReopen(t *testing.T) {
	s, path := newStore(t)
	migs, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	schema := func(s *Store) (int, string) {
		var v int
		if err := s.db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
			t.Fatal(err)
		}
		var sqls []string
		rows, err := s.db.Query(`SELECT sql FROM sqlite_schema WHERE sql IS NOT NULL ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var q string
			rows.Scan(&q)
			sqls = append(sqls, q)
		}
		return v, strings.Join(sqls, "\n")
	}
	v1, sch1 := schema(s)
	if v1 != len(migs) {
		t.Errorf("user_version %d, want %d", v1, len(migs))
	}
	for i := range 3 {
		s = reopen(t, s, path)
		v, sch := schema(s)
		if v != v1 || sch != sch1 {
			t.Fatalf("reopen %d changed the schema: version %d→%d", i, v1, v)
		}
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	s, path := newStore(t)
	s.Close()
	db := rawDB(t, path)
	if _, err := db.Exec(`PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := hashFile(t, path)
	_, err := Open(path, opts())
	if err == nil || !strings.Contains(err.Error(), "newer") || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open(newer schema) = %v, want an error naming the file and saying newer", err)
	}
	if hashFile(t, path) != before {
		t.Error("Open changed a newer database")
	}
}

func TestForeignDatabaseRefused(t *testing.T) {
	for name, setup := range map[string]string{
		"other tables":   `CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)`,
		"other app id":   `PRAGMA application_id = 1234`,
		"negative users": `PRAGMA user_version = -1`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			db := rawDB(t, path)
			if _, err := db.Exec(setup); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Exec(`CREATE TABLE IF NOT EXISTS x (a)`); err != nil {
				t.Fatal(err)
			}
			db.Close()
			before := hashFile(t, path)
			_, err := Open(path, opts())
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
				t.Fatalf("Open = %v, want ErrCorrupt naming the file", err)
			}
			if hashFile(t, path) != before {
				t.Error("Open changed another program's database")
			}
		})
	}
}

// validFile makes a closed state file with some pages of data.
func validFile(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "state.db")
	s, err := Open(path, opts())
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, 3000)
	for i := range ids {
		ids[i] = fmt.Sprintf("https://example.fi/uutiset/%06d", i)
	}
	if err := s.SaveFeed(ctx, "uutiset", bot.FeedState{ETag: `"x"`}, ids, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, side := range []string{"-wal", "-shm"} {
		if exists(path + side) {
			t.Fatalf("%s left after Close", side)
		}
	}
	return path
}

func TestCorruptedFileRefusedAndUntouched(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(rng.UintN(256))
	}
	cases := []struct {
		name    string
		corrupt func(t *testing.T, path string)
	}{
		{"random bytes", func(t *testing.T, path string) { os.WriteFile(path, random, 0o600) }},
		{"text file", func(t *testing.T, path string) { os.WriteFile(path, []byte("state: here\n"), 0o600) }},
		{"few bytes", func(t *testing.T, path string) { os.WriteFile(path, []byte("SQLite"), 0o600) }},
		{"header only", func(t *testing.T, path string) { os.Truncate(path, 50) }},
		{"truncated to one page", func(t *testing.T, path string) { os.Truncate(path, 4096) }},
		{"truncated in half", func(t *testing.T, path string) {
			fi, _ := os.Stat(path)
			os.Truncate(path, fi.Size()/2)
		}},
		{"page overwritten", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			fi, _ := f.Stat()
			if _, err := f.WriteAt(random[:4096], fi.Size()/4096/2*4096); err != nil {
				t.Fatal(err)
			}
		}},
		{"zeroed root page", func(t *testing.T, path string) {
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := f.WriteAt(make([]byte, 4096), 4096); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := validFile(t, t.TempDir())
			tc.corrupt(t, path)
			before := hashFile(t, path)
			s, err := Open(path, opts())
			if err == nil {
				s.Close()
				t.Fatal("Open succeeded on a corrupted file")
			}
			t.Log(err)
			if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "corrupted") {
				t.Errorf("Open = %v, want ErrCorrupt naming the file", err)
			}
			if hashFile(t, path) != before {
				t.Error("Open modified the corrupted file")
			}
			for _, side := range []string{"-wal", "-shm", "-journal"} {
				if exists(path + side) {
					t.Errorf("Open created %s beside the corrupted file", side)
				}
			}
			// A second attempt says the same and still changes nothing.
			if _, err2 := Open(path, opts()); err2 == nil || err2.Error() != err.Error() {
				t.Errorf("second Open = %v, want %v", err2, err)
			}
			if hashFile(t, path) != before {
				t.Error("second Open modified the corrupted file")
			}
		})
	}
}

// A crash leaves -wal and -shm beside the file: Open must recover the
// committed transactions, not call the file corrupted.
func TestOpenAfterCrashKeepsWAL(t *testing.T) {
	s, path := newStore(t)
	if err := s.Enqueue(ctx, []bot.Post{post("a", "x", t0)}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkSent(ctx, "a", "x", bot.Receipt{ID: "1"}, t0); err != nil {
		t.Fatal(err)
	}
	// Copy the three files while the store is open: what a power loss leaves.
	crash := filepath.Join(t.TempDir(), "crash.db")
	for _, side := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(path + side)
		if err != nil {
			t.Fatalf("read %s: %v", side, err)
		}
		if err := os.WriteFile(crash+side, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s2, err := Open(crash, opts())
	if err != nil {
		t.Fatalf("Open after crash: %v", err)
	}
	defer s2.Close()
	got, err := s2.Recent(ctx, 10)
	if err != nil || len(got) != 1 || got[0].Status != bot.StatusSent || got[0].RemoteID != "1" {
		t.Fatalf("after crash Recent = %+v, %v; want the sent delivery", got, err)
	}
}

// Root ignores file permissions, so when the tests run as root the cases
// run in a child process as nobody (uid 65534).
func TestReadOnlyRefused(t *testing.T) {
	if os.Getenv("LUMOBOT_STORE_CHILD") != "" {
		return // the child runs TestReadOnlyChild only
	}
	asRoot := os.Geteuid() == 0
	owner := os.Geteuid()
	if asRoot {
		owner = 65534
	}
	dir, err := os.MkdirTemp("", "lumobot-store-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		filepath.Walk(dir, func(p string, _ os.FileInfo, _ error) error { os.Chmod(p, 0o755); return nil })
		os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mkdir := func(name string) string {
		d := filepath.Join(dir, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		return d
	}
	// A read-only file in a writable directory.
	roFile := validFile(t, mkdir("rofile"))
	if err := os.Chown(roFile, owner, -1); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(roFile), 0o777)
	os.Chmod(roFile, 0o444)
	// A writable file in a read-only directory: no -wal or -shm can be made.
	roDirFile := validFile(t, mkdir("rodir"))
	if err := os.Chown(roDirFile, owner, -1); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(roDirFile), 0o555)
	// A new file in a read-only directory.
	roDirNew := filepath.Join(mkdir("rodirnew"), "new.db")
	os.Chmod(filepath.Dir(roDirNew), 0o555)

	for _, path := range []string{roFile, roDirFile, roDirNew} {
		t.Run(filepath.Base(filepath.Dir(path)), func(t *testing.T) {
			var before [32]byte
			if exists(path) {
				before = hashFile(t, path)
			}
			var out string
			if !asRoot {
				out = openAndWrite(path)
			} else {
				exe, err := os.Executable()
				if err != nil {
					t.Fatal(err)
				}
				child := filepath.Join(dir, "store.test")
				if !exists(child) {
					copyFile(t, exe, child, 0o755)
				}
				cmd := exec.Command(child, "-test.run=^TestReadOnlyChild$")
				cmd.Env = append(os.Environ(), "LUMOBOT_STORE_CHILD="+path)
				cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
				b, err := cmd.CombinedOutput()
				if err != nil {
					t.Skipf("cannot run the check as nobody: %v\n%s", err, b)
				}
				out = string(b)
			}
			t.Logf("%s", strings.TrimSpace(out))
			if !strings.Contains(out, "OPEN ERROR") || !strings.Contains(out, "writable") || !strings.Contains(out, path) {
				t.Errorf("Open did not fail clearly, naming the file and saying it is not writable:\n%s", out)
			}
			if exists(path) && hashFile(t, path) != before {
				t.Error("read-only file changed")
			}
		})
	}
}

// openAndWrite opens path and writes once, saying what happened.
func openAndWrite(path string) string {
	s, err := Open(path, opts())
	if err != nil {
		return fmt.Sprintf("OPEN ERROR: %v\n", err)
	}
	defer s.Close()
	return fmt.Sprintf("OPENED; first write: %v\n", s.Put(ctx, "k", []byte("v")))
}

// As root, only the immutable attribute (or a read-only mount) stops writes.
func TestImmutableFileAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root for chattr")
	}
	path := validFile(t, t.TempDir())
	if out, err := exec.Command("chattr", "+i", path).CombinedOutput(); err != nil {
		t.Skipf("chattr +i unavailable: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("chattr", "-i", path).Run() })
	before := hashFile(t, path)
	out := openAndWrite(path)
	t.Logf("%s", strings.TrimSpace(out))
	if !strings.Contains(out, "OPEN ERROR") || !strings.Contains(out, "writable") {
		t.Errorf("Open of an immutable file did not fail clearly:\n%s", out)
	}
	if hashFile(t, path) != before {
		t.Error("immutable file changed")
	}
}

// TestReadOnlyChild is the child of TestReadOnlyRefused.
func TestReadOnlyChild(t *testing.T) {
	p := os.Getenv("LUMOBOT_STORE_CHILD")
	if p == "" {
		t.Skip("only run as a child of TestReadOnlyRefused")
	}
	fmt.Print(openAndWrite(p))
}

func copyFile(t *testing.T, from, to string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestClosedStoreErrors(t *testing.T) {
	s, _ := newStore(t)
	s.Close()
	if err := s.Ping(ctx); err == nil || !strings.HasPrefix(err.Error(), "store: ping") {
		t.Errorf("Ping after Close = %v", err)
	}
	if err := s.Enqueue(ctx, []bot.Post{post("a", "x", t0)}, t0); err == nil || !strings.HasPrefix(err.Error(), "store: enqueue") {
		t.Errorf("Enqueue after Close = %v", err)
	}
}

// A corrupted file with a crash's -wal and -shm beside it is checked with
// locking (a daemon could be running): still refused, file and WAL untouched.
func TestCorruptedFileWithWAL(t *testing.T) {
	src := validFile(t, t.TempDir())
	s, err := Open(src, opts())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Enqueue(ctx, []bot.Post{post("a", "x", t0)}, t0); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "crash.db")
	for _, side := range []string{"", "-wal", "-shm"} {
		copyFile(t, src+side, path+side, 0o600)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xa5}, 4096), 3*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()
	before, beforeWAL := hashFile(t, path), hashFile(t, path+"-wal")
	_, err = Open(path, opts())
	if !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Open = %v, want ErrCorrupt", err)
	}
	t.Log(err)
	if hashFile(t, path) != before || hashFile(t, path+"-wal") != beforeWAL {
		t.Error("Open changed the corrupted file or its WAL")
	}
}

// nanos clamps what int64 nanoseconds cannot hold to the bound it passed;
// moment (the clock) refuses it instead.
func TestNanosClamp(t *testing.T) {
	for _, tc := range []struct {
		in   time.Time
		want any
	}{
		{time.Time{}, nil},
		{time.Unix(0, 0), int64(0)},
		{t0, t0.UnixNano()},
		{time.Unix(0, math.MaxInt64), int64(math.MaxInt64)},
		{time.Unix(0, math.MinInt64), int64(math.MinInt64)},
		{time.Unix(0, math.MaxInt64).Add(time.Nanosecond), int64(math.MaxInt64)},
		{time.Unix(0, math.MinInt64).Add(-time.Nanosecond), int64(math.MinInt64)},
		{time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), int64(math.MaxInt64)},
		{time.Date(1, 1, 1, 0, 0, 0, 1, time.UTC), int64(math.MinInt64)}, // not the zero time
	} {
		if got := nanos(tc.in); got != tc.want {
			t.Errorf("nanos(%v) = %v, want %v", tc.in, got, tc.want)
		}
	}
	for _, bad := range []time.Time{{}, time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if _, err := moment(bad); err == nil {
			t.Errorf("moment(%v): no error", bad)
		}
	}
}
