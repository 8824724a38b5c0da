// Command lumobench measures lumobot against its performance budgets; see
// docs/PERFORMANCE.md. Run it from the module: go run ./bench/cmd/lumobench
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lumohanke/lumobot/bench"
)

func main() {
	bench.MaybeFloor() // `lumobench floor ...`: the floor, as its own process

	if len(os.Args) > 1 && os.Args[1] == "serve" {
		serve(os.Args[2:]) // only the fixture server, for profiling by hand
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "states" {
		states(os.Args[2:]) // SQLite against PostgreSQL, and replicas' throughput
		return
	}
	var o bench.Options
	flag.IntVar(&o.Feeds, "feeds", 200, "news feeds served")
	flag.IntVar(&o.Items, "items", 100, "items in each feed")
	flag.IntVar(&o.Runs, "runs", 5, "repetitions (figures are medians)")
	flag.IntVar(&o.Workers, "workers", 8, "floor's fetchers and lumobot's schedule.concurrency")
	flag.DurationVar(&o.Idle, "idle", 10*time.Second, "how long the idle daemon's CPU is measured")
	flag.IntVar(&o.Events, "events", 500, "weekly events in the calendar for preview")
	flag.IntVar(&o.PreviewDays, "days", 365, "preview --days")
	flag.IntVar(&o.Posts, "posts", 5, "delivery-latency samples")
	flag.StringVar(&o.Bin, "bin", "", "lumobot binary to measure (default: go build ./cmd/lumobot)")
	flag.StringVar(&o.Root, "root", "", "lumobot module directory (default: the current module)")
	flag.StringVar(&o.Dir, "dir", "", "scratch directory, kept (default: a temporary one, removed)")
	strict := flag.Bool("strict", false, "exit 1 when a budget fails")
	flag.Parse()
	o.Log = os.Stderr

	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	r, err := bench.Run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lumobench:", err)
		os.Exit(1)
	}
	r.Report(os.Stdout)
	if *strict {
		for _, b := range r.Budgets() {
			if !b.OK {
				os.Exit(1)
			}
		}
	}
}

// serve runs the fixture server until interrupted and prints its URLs.
func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	feeds := fs.Int("feeds", 200, "news feeds served")
	items := fs.Int("items", 100, "items in each feed")
	events := fs.Int("events", 500, "weekly events in /events.ics")
	_ = fs.Parse(args)
	srv, err := bench.NewServer(*feeds, *items, *events)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lumobench:", err)
		os.Exit(1)
	}
	defer srv.Close()
	fmt.Printf("serving %s/feed/{0..%d}.xml (%d bytes each) and %s/events.ics\n", srv.URL, *feeds-1, srv.FeedBytes(), srv.URL)
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	<-ctx.Done()
}

// states compares the SQLite and PostgreSQL states: the feed cycle, and
// delivery throughput of one replica and of several.
func states(args []string) {
	fs := flag.NewFlagSet("states", flag.ExitOnError)
	var o bench.StateOptions
	fs.StringVar(&o.PG, "pg", os.Getenv("LUMOBOT_PG"), "PostgreSQL server (default LUMOBOT_PG); a schema per measurement")
	fs.IntVar(&o.Feeds, "feeds", 200, "news feeds served")
	fs.IntVar(&o.Items, "items", 100, "items in each feed")
	fs.IntVar(&o.Runs, "runs", 5, "repetitions (figures are medians)")
	fs.IntVar(&o.Workers, "workers", 8, "lumobot's schedule.concurrency")
	fs.IntVar(&o.Posts, "posts", 200, "announcements due at once, for the throughput")
	fs.IntVar(&o.Targets, "targets", 2, "webhook targets each announcement goes to")
	fs.IntVar(&o.Replicas, "replicas", 3, "replicas of the larger throughput run")
	fs.StringVar(&o.Bin, "bin", "", "lumobot binary to measure (default: go build ./cmd/lumobot)")
	fs.StringVar(&o.Dir, "dir", "", "scratch directory, kept (default: a temporary one, removed)")
	benchOut := fs.String("benchout", "", "also write the samples in Go benchmark format to this file (for benchstat)")
	_ = fs.Parse(args)
	o.Log = os.Stderr
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	r, err := bench.RunStates(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "lumobench:", err)
		os.Exit(1)
	}
	r.Report(os.Stdout)
	if *benchOut != "" {
		f, err := os.Create(*benchOut)
		if err != nil {
			fmt.Fprintln(os.Stderr, "lumobench:", err)
			os.Exit(1)
		}
		r.BenchFormat(f)
		f.Close()
	}
}
