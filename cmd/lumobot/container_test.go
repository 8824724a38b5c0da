package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The container runs lumobot as a non-root user on a read-only root
// filesystem with its state on a volume. Here: uid 65534, a config
// directory it cannot write, HOME that does not exist, and one writable
// state directory; the run must succeed and write only there.
func TestRunsAsNonRootWithOnlyStateWritable(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run the binary as another user")
	}
	const nobody = 65534
	root := t.TempDir()
	os.Chmod(root, 0o755)
	os.Chmod(filepath.Dir(root), 0o755) // t.TempDir's parent is 0700
	etc := filepath.Join(root, "etc")
	data := filepath.Join(root, "data")
	os.Mkdir(etc, 0o755)
	os.Mkdir(data, 0o700)
	if err := os.Chown(data, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"lumo-news.xml", "lumo-events.ics"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "examples", f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(etc, f), b, 0o644)
	}
	cfg := "timezone: Europe/Helsinki\nhashtags: [\"#LUMOhanke\"]\nfeeds:\n  - {name: uutiset, url: lumo-news.xml, backfill: 1, max_age: 3650d}\n  - {name: tapahtumat, url: lumo-events.ics}\n"
	os.WriteFile(filepath.Join(etc, "lumobot.yaml"), []byte(cfg), 0o644)
	bin := filepath.Join(root, "lumobot")
	b, _ := os.ReadFile(binary)
	os.WriteFile(bin, b, 0o755)
	os.Chmod(etc, 0o555) // read-only, as a mounted ConfigMap

	before := listTree(t, root)
	cmd := exec.Command(bin, "run", "--once")
	cmd.Dir = "/"
	cmd.Env = []string{"HOME=/nonexistent", "LUMOBOT_CONFIG=" + filepath.Join(etc, "lumobot.yaml"),
		"LUMOBOT_STATE=" + filepath.Join(data, "lumobot.db"), "LUMOBOT_HTTP_LISTEN="}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: nobody, Gid: nobody}}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		t.Fatalf("run as uid %d: %v\n%s", nobody, err, errOut.String())
	}
	if !strings.Contains(out.String(), "#LUMOhanke") {
		t.Errorf("nothing posted: %q", out.String())
	}
	after := listTree(t, root)
	for p := range after {
		if _, ok := before[p]; !ok && !strings.HasPrefix(p, data+string(os.PathSeparator)) {
			t.Errorf("wrote %s outside the state directory", p)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "lumobot.db")); err != nil {
		t.Errorf("no state in the volume: %v", err)
	}
}

func listTree(t *testing.T, root string) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	filepath.Walk(root, func(p string, _ os.FileInfo, err error) error {
		if err == nil {
			out[p] = true
		}
		return nil
	})
	return out
}
