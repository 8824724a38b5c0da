// Command lumobot posts a project's news, announcements and event reminders
// to X, Mastodon, Bluesky and webhooks on a schedule. This package parses the
// command line and wires the pieces together; the work happens in bot.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	_ "time/tzdata" // zoneinfo inside the binary: containers without /usr/share/zoneinfo work
)

// Set by the linker: -ldflags "-X main.version=1.0.0 -X main.commit=abc123".
var (
	version = "dev"
	commit  = ""
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	code := Run(ctx, Env{Args: os.Args[1:], Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.LookupEnv, Reload: hup})
	stop()
	os.Exit(code)
}
