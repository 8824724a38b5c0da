package bot_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/store"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
	"github.com/lumohanke/lumobot/feeds/calendar"
	"github.com/lumohanke/lumobot/feeds/news"
)

// bodies is a fetcher that answers from memory.
type bodies map[string]string

func (b bodies) Fetch(_ context.Context, r feeds.Request) (feeds.Response, error) {
	return feeds.Response{Body: []byte(b[r.URL])}, nil
}

type polls struct {
	mu   sync.Mutex
	errs map[string]error
}

func (p *polls) Polled(feed string, _ bool, err error, _ time.Time) {
	p.mu.Lock()
	p.errs[feed] = err
	p.mu.Unlock()
}
func (p *polls) Finished(string, bot.Kind, bot.Status) {}
func (p *polls) Reloaded(bool)                         {}
func (p *polls) NextDue(time.Time)                     {}

// A feed that arrives but does not parse counts as a failed poll, in the
// metrics and on the status page; a good one shows how many items it had.
func TestFeedHealthCountsParseErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "lumobot.yaml")
	os.WriteFile(path, []byte(`
feeds:
  - {name: hyva, url: "https://lumo.example/hyva.xml"}
  - {name: rikki, url: "https://lumo.example/rikki.xml"}
`), 0o600)
	cfg, err := config.Load(config.Options{File: path, Env: func(string) (string, bool) { return "", false }})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(filepath.Join(dir, "s.db"), store.Options{Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	obs := &polls{errs: map[string]error{}}
	b, err := bot.New(cfg, bot.Deps{
		Store: st,
		Fetcher: bodies{
			"https://lumo.example/hyva.xml":  `<rss version="2.0"><channel><title>t</title><item><title>a</title><guid>1</guid></item><item><title>b</title><guid>2</guid></item></channel></rss>`,
			"https://lumo.example/rikki.xml": `<html><body>Not found</body></html>`,
		},
		Parsers:  bot.Parsers{News: news.Parse, Calendar: calendar.Parse},
		Observer: obs,
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Poll(context.Background(), time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC))
	if obs.errs["hyva"] != nil || obs.errs["rikki"] == nil {
		t.Errorf("polls reported %v", obs.errs)
	}
	for _, h := range b.Health() {
		switch h.Name {
		case "hyva":
			if h.Items != 2 || h.LastError != "" || h.LastOK.IsZero() {
				t.Errorf("hyva: %+v", h)
			}
		case "rikki":
			if !strings.Contains(h.LastError, "https://lumo.example/rikki.xml") || !h.LastOK.IsZero() {
				t.Errorf("rikki: %+v", h)
			}
		}
	}
}
