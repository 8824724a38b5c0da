package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// --version and -v print exactly what "lumobot version" prints, and exit 0.
func TestVersionFlag(t *testing.T) {
	run := func(args ...string) (string, int) {
		var out bytes.Buffer
		code := Run(context.Background(), Env{Args: args, Stdout: &out, Stderr: &out, Getenv: func(string) (string, bool) { return "", false }})
		return out.String(), code
	}
	want, code := run("version")
	if code != 0 || !strings.HasPrefix(want, "lumobot ") || !strings.Contains(want, "\ncommit ") {
		t.Fatalf("version: exit %d, %q", code, want)
	}
	for _, flag := range []string{"--version", "-v"} {
		if got, code := run(flag); code != 0 || got != want {
			t.Errorf("%s: exit %d, %q; want exit 0, %q", flag, code, got, want)
		}
	}
}
