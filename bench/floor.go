package bench

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/mmcdole/gofeed"
)

// roleEnv, set to "floor" in a child's environment, makes MaybeFloor run
// the floor in that process: the harness's own binary (or test binary) is
// re-executed, so the floor's peak RSS is its own and not the harness's.
const roleEnv = "LUMOBENCH_ROLE"

// MaybeFloor runs the floor and exits when this process was started as the
// floor (see roleEnv, or the first argument "floor"); it returns otherwise.
// Call it first in main and in TestMain.
func MaybeFloor() {
	args := os.Args[1:]
	if os.Getenv(roleEnv) != "floor" {
		if len(args) == 0 || args[0] != "floor" {
			return
		}
	}
	if len(args) > 0 && args[0] == "floor" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("floor", flag.ExitOnError)
	base := fs.String("base", "", "server URL")
	n := fs.Int("feeds", 200, "feeds")
	workers := fs.Int("workers", 8, "workers")
	_ = fs.Parse(args)
	d, items, err := Floor(*base, *n, *workers)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
	fmt.Printf("floor %d feeds %d items %s\n", *n, items, d)
	os.Exit(0)
}

// Floor fetches every feed with workers at once and parses each with gofeed,
// nothing else: the least a feed cycle can cost. It returns the time taken
// and the number of items parsed.
func Floor(base string, n, workers int) (time.Duration, int, error) {
	start := time.Now()
	jobs := make(chan int)
	var (
		mu    sync.Mutex
		total int
		first error
		wg    sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := gofeed.NewParser()
			for i := range jobs {
				c, err := floorOne(p, fmt.Sprintf("%s/feed/%d.xml", base, i))
				mu.Lock()
				total += c
				if err != nil && first == nil {
					first = err
				}
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return time.Since(start), total, first
}

func floorOne(p *gofeed.Parser, url string) (int, error) {
	resp, err := http.Get(url)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	f, err := p.Parse(bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	return len(f.Items), nil
}
