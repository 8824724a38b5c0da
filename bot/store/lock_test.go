package store

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lumohanke/lumobot/bot"
)

// One daemon per state (issue 14): a second exclusive Open fails naming the
// file and the holder; preview and validate (not exclusive) still open.
func TestExclusiveInOneProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lumobot.db")
	a, err := Open(path, Options{Now: clock, Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	_, err = Open(path, Options{Now: clock, Exclusive: true})
	pid := "pid " + strconv.Itoa(os.Getpid())
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), pid) {
		t.Fatalf("second exclusive Open = %v, want ErrLocked naming %s and %s", err, path, pid)
	}
	t.Log(err)
	b, err := Open(path, opts())
	if err != nil {
		t.Fatalf("non-exclusive Open beside the daemon: %v", err)
	}
	if err := a.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0); err != nil {
		t.Fatal(err)
	}
	if ds, err := b.Open(ctx, "x"); err != nil || len(ds) != 1 {
		t.Errorf("the reader sees %v, %v; want the daemon's delivery", ds, err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if inUse(t, a) != 1 {
		t.Error("closing a reader beside the daemon cleared the in-use mark")
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	c, err := Open(path, Options{Now: clock, Exclusive: true})
	if err != nil {
		t.Fatalf("exclusive Open after the holder closed: %v", err)
	}
	c.Close()
}

func inUse(t *testing.T, s *Store) int {
	t.Helper()
	var v int
	if err := s.db.QueryRow(`SELECT value FROM meta WHERE key = 'in_use'`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// holdChild starts this test binary as a daemon holding path (see
// TestHoldChild) and returns its pid once it has recorded a sent delivery.
func holdChild(t *testing.T, path string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^TestHoldChild$")
	cmd.Env = append(os.Environ(), "LUMOBOT_STORE_HOLD="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = stdin.Close(); _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HELD ") {
		t.Fatalf("child: %q, %v", line, err)
	}
	return cmd
}

// TestHoldChild is the child of holdChild: it opens the state exclusively,
// records a sent delivery and waits, killed or until its stdin closes.
func TestHoldChild(t *testing.T) {
	path := os.Getenv("LUMOBOT_STORE_HOLD")
	if path == "" {
		t.Skip("only run as a child of holdChild")
	}
	s, err := Open(path, Options{Now: clock, Exclusive: true})
	if err != nil {
		fmt.Println("OPEN ERROR:", err)
		return
	}
	defer s.Close()
	for _, err := range []error{
		s.Enqueue(ctx, []bot.Post{post("k", "x", t0)}, t0),
		s.MarkSent(ctx, "k", "x", bot.Receipt{ID: "1"}, t0),
	} {
		if err != nil {
			fmt.Println("WRITE ERROR:", err)
			return
		}
	}
	fmt.Printf("HELD %d\n", os.Getpid())
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
}

// The lock holds across processes, and a kill -9 leaves a state that opens
// with its WAL and is refused without it.
func TestExclusiveAcrossProcesses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lumobot.db")
	child := holdChild(t, path)
	pid := "pid " + strconv.Itoa(child.Process.Pid)
	_, err := Open(path, Options{Now: clock, Exclusive: true})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), pid) {
		t.Fatalf("exclusive Open beside another process = %v, want ErrLocked naming %s and %s", err, path, pid)
	}
	t.Log(err)
	r, err := Open(path, opts())
	if err != nil {
		t.Fatalf("non-exclusive Open beside another process: %v", err)
	}
	if d, ok := get(t, r, "k", "x"); !ok || d.Status != bot.StatusSent {
		t.Errorf("the reader sees %+v, want the child's sent delivery", d)
	}
	r.Close()

	if err := child.Process.Kill(); err != nil { // SIGKILL: no Close
		t.Fatal(err)
	}
	_ = child.Wait()
	if !exists(path+"-wal") || !exists(path+"-shm") {
		t.Fatal("kill -9 left no -wal and -shm")
	}
	// What an operator deleting the -wal (or copying the .db alone) leaves.
	lost := filepath.Join(t.TempDir(), "lost.db")
	copyFile(t, path, lost, 0o600)
	copyFile(t, path+"-shm", lost+"-shm", 0o600)
	before := hashFile(t, lost)
	_, err = Open(lost, Options{Now: clock, Exclusive: true})
	if !errors.Is(err, ErrLostWAL) || !strings.Contains(err.Error(), lost) || !strings.Contains(err.Error(), pid) {
		t.Fatalf("Open without the -wal = %v, want ErrLostWAL naming the file and %s", err, pid)
	}
	t.Log(err)
	if hashFile(t, lost) != before || exists(lost+"-wal") {
		t.Error("the refused state was changed")
	}

	s, err := Open(path, Options{Now: clock, Exclusive: true})
	if err != nil {
		t.Fatalf("exclusive Open after kill -9: %v", err)
	}
	defer s.Close()
	if d, ok := get(t, s, "k", "x"); !ok || d.Status != bot.StatusSent || d.RemoteID != "1" {
		t.Errorf("after kill -9: %+v, want the sent delivery", d)
	}
}

// get returns the one delivery (key, target) from Open or Recent.
func get(t *testing.T, s *Store, key, target string) (bot.Delivery, bool) {
	t.Helper()
	open, err := s.Open(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	ended, err := s.Recent(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range append(open, ended...) {
		if d.Key == key && d.Target == target {
			return d, true
		}
	}
	return bot.Delivery{}, false
}
