package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The keys of issue 17 load into the structs, and their mistakes are
// reported at the key.
func TestDigestKeys(t *testing.T) {
	const x = "targets:\n  - {name: x, type: x, consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: ts%s}\n  - {name: console, type: console}\n"
	good := "digests:\n  - {id: viikko, cron: \"0 8 * * MON\", window: 7d, targets: [x], link: \"https://lumo.example/\"}\n" +
		"feeds:\n  - {name: uutiset, url: https://lumo.example/feed.xml, digest_over: 3}\n" +
		strings.Replace(x, "%s", ", monthly_budget: 1.00, pricing: {post_with_url: 0.25}", 1)
	path := filepath.Join(t.TempDir(), "lumo.yaml")
	if err := os.WriteFile(path, []byte(good), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(Options{File: path, Env: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if d := cfg.Digests[0]; d.ID != "viikko" || d.Span != 7*24*time.Hour || len(d.Targets) != 1 || d.Targets[0] != "x" {
		t.Errorf("digest %+v", d)
	}
	if cfg.Name != "LUMO" || cfg.Feeds[0].DigestOver != 3 {
		t.Errorf("name %q, digest_over %d", cfg.Name, cfg.Feeds[0].DigestOver)
	}
	post, withURL, media := cfg.Targets[0].Prices()
	if *cfg.Targets[0].MonthlyBudget != 1.00 || post != 0.015 || withURL != 0.25 || media != 0.005 {
		t.Errorf("budget %v, prices %v %v %v: want 1, 0.015 (X's), 0.25 (own), 0.005 (X's)", *cfg.Targets[0].MonthlyBudget, post, withURL, media)
	}

	for _, tc := range []struct{ name, yaml, want string }{
		{"no window", "digests:\n  - {id: viikko, cron: \"0 8 * * MON\"}\n" + strings.Replace(x, "%s", "", 1),
			`lumo.yaml:2: digests[0].window: missing`},
		{"bad cron", "digests:\n  - {id: viikko, cron: \"0 8 * * MAANANTAI\", window: 7d}\n" + strings.Replace(x, "%s", "", 1),
			`digests[0].cron`},
		{"unknown target", "digests:\n  - {id: viikko, cron: \"0 8 * * MON\", window: 7d, targets: [mastodon]}\n" + strings.Replace(x, "%s", "", 1),
			`"mastodon" is not the name of a target`},
		{"budget off x", "targets:\n  - {name: console, type: console, monthly_budget: 5}\n",
			`only X charges per post`},
		{"negative budget", strings.Replace(x, "%s", ", monthly_budget: -1", 1),
			`monthly_budget: -1 is below zero`},
		{"digest_over on a calendar", "feeds:\n  - {name: kalenteri, url: https://lumo.example/k.ics, kind: events, digest_over: 3}\n" + strings.Replace(x, "%s", "", 1),
			`only a news feed's items are folded into a digest`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := loadMessage(t, "lumo.yaml", tc.yaml); !strings.Contains(got, tc.want) {
				t.Errorf("got %s\nwant %s", got, tc.want)
			}
		})
	}
}
