package bot_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/feeds"
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
func (p *polls) Warned(string, int)                    {}
func (p *polls) Flooded(string)                        {}
func (p *polls) Reloaded(bool)                         {}
func (p *polls) NextDue(time.Time)                     {}

// A feed that arrives but does not parse counts as a failed poll, in the
// metrics and on the status page; a good one shows how many items it had.
func TestFeedHealthCountsParseErrors(t *testing.T) {
	m := newModel(t)
	for _, name := range []string{"hyva", "rikki"} {
		u := "https://lumo.example/" + name + ".xml"
		m.Feeds = append(m.Feeds, bot.Feed{Name: name, URL: u, Source: u, Kind: bot.FeedNews, Template: m.News})
	}
	obs := &polls{errs: map[string]error{}}
	b := bot.New(m.Config, bot.Deps{
		Store: newState(t),
		Fetcher: bodies{
			"https://lumo.example/hyva.xml":  `<rss version="2.0"><channel><title>t</title><item><title>a</title><guid>1</guid></item><item><title>b</title><guid>2</guid></item></channel></rss>`,
			"https://lumo.example/rikki.xml": `<html><body>Not found</body></html>`,
		},
		Parsers:  parsers,
		Clock:    newClock(time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)),
		Observer: obs,
	})
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
