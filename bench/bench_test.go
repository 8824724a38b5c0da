package bench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary serve as the floor's process too.
func TestMain(m *testing.M) {
	MaybeFloor()
	os.Exit(m.Run())
}

// TestBudgets is the harness at CI size: it builds lumobot, runs every
// measurement once on 20 × 20 feeds and asserts only what a loaded
// machine cannot blur (the full-size figures are docs/PERFORMANCE.md's;
// under -race the floor, this test binary, is instrumented, so no ratio to
// it is asserted).
func TestBudgets(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs lumobot: not with -short")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log strings.Builder
	r, err := Run(ctx, Options{
		// 100 weekly events, not 500: a fifth of the year's preview, so
		// that its 1 s budget holds on a loaded CI machine too.
		Feeds: 20, Items: 20, Runs: 1, Idle: 2 * time.Second, Posts: 3, Events: 100,
		Dir: t.TempDir(), Log: &log,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var rep strings.Builder
	r.Report(&rep)
	t.Log("\n" + rep.String())

	// CPU time, not wall: on a loaded 2-core CI machine wall time is
	// mostly waiting for a core. Wall gets a loose bound of its own.
	if cpu := median(r.Samples["preview-cpu"]); cpu > time.Second || r.Preview > 5*time.Second {
		t.Errorf("preview --days 365 over %d weekly events took %v CPU, %v wall; budget 1 s CPU", r.Opts.Events, cpu, r.Preview)
	}
	if r.Latency > time.Second {
		t.Errorf("delivery latency %v, budget 1 s", r.Latency)
	}
	if r.Warm >= r.Cold {
		t.Errorf("warm run (every feed 304) %v not faster than cold %v", r.Warm, r.Cold)
	}
	if r.IdleCPU > 0.05 { // budget 1 %; 2 s of ticks at 100 Hz is coarse
		t.Errorf("idle daemon used %.1f %% of a core", 100*r.IdleCPU)
	}
	if r.ColdRSS > 120<<20 {
		t.Errorf("cold run peak RSS %d MiB, budget 120", r.ColdRSS>>20)
	}
}

// TestStates is the state comparison at CI size: SQLite and PostgreSQL
// cycles, and the delivery of one and three replicas, none doubled (the
// full-size figures are docs/PERFORMANCE.md's). It needs LUMOBOT_PG.
func TestStates(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs lumobot: not with -short")
	}
	pg := os.Getenv("LUMOBOT_PG")
	if pg == "" {
		t.Skip("LUMOBOT_PG is not set: the PostgreSQL comparison needs a server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var log strings.Builder
	r, err := RunStates(ctx, StateOptions{
		Options: Options{Feeds: 20, Items: 20, Runs: 1, Dir: t.TempDir(), Log: &log},
		PG:      pg, Posts: 20, Targets: 2, Replicas: 3,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	var rep strings.Builder
	r.Report(&rep)
	t.Log("\n" + rep.String())
	for name, tp := range r.Throughput {
		if tp <= 0 {
			t.Errorf("%s: throughput %v", name, tp)
		}
	}
}
