package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// previewJSON runs `preview --format json` on yaml at lintNow.
func previewJSON(t *testing.T, yaml string, days int) []previewRow {
	t.Helper()
	path := filepath.Join(t.TempDir(), "lumobot.yaml")
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	code := Run(context.Background(), Env{
		Args:   []string{"preview", "--config", path, "--state", filepath.Join(t.TempDir(), "s.db"), "--now", lintNow, "--days", fmt.Sprint(days), "--format", "json"},
		Stdout: &out, Stderr: &errs,
		Getenv: func(string) (string, bool) { return "", false },
	})
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs.String())
	}
	var rows []previewRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatalf("preview json: %v\n%s", err, out.String())
	}
	return rows
}

// Eight announcements with links in March on a budget of 1.00: preview
// prices each at X's 0.20 for a post with a link, and five fit.
func TestPreviewCostAndBudget(t *testing.T) {
	var b strings.Builder
	b.WriteString("timezone: Europe/Helsinki\nannouncements:\n")
	for i := range 8 {
		fmt.Fprintf(&b, "  - {id: a%d, text: \"Ilmoitus %d\", link: \"https://lumo.example/%d\", at: 2026-03-%02dT10:00}\n", i, i, i, i+2)
	}
	b.WriteString(strings.Replace(xTarget, "access_token_secret: ts}", "access_token_secret: ts, monthly_budget: 1.00}", 1))
	rows := previewJSON(t, b.String(), 20)
	if len(rows) != 8 {
		t.Fatalf("%d rows, want 8: %+v", len(rows), rows)
	}
	skipped := 0
	for _, r := range rows {
		if r.Cost == nil || *r.Cost != 0.20 {
			t.Errorf("%s: cost %v, want 0.20", r.Key, r.Cost)
		}
		switch r.Skipped {
		case "":
		case "budget":
			skipped++
		default:
			t.Errorf("%s skipped: %s", r.Key, r.Skipped)
		}
	}
	if skipped != 3 {
		t.Errorf("%d skipped for budget, want 3", skipped)
	}
}

// A digest in the config lists the week's events on Monday, under the
// language's default title line with the project's name, only on the
// targets it names.
func TestPreviewWeeklyDigestFromConfig(t *testing.T) {
	yaml := `timezone: Europe/Helsinki
name: LUMO
events:
  - {id: sytyke, title: "Sytykettä yhteistyöhön, osio II", start: 2026-03-02T09:00, end: 2026-03-02T15:00}
  - {id: kehittajat, title: Kehittäjäryhmä, start: 2026-03-04T13:30, end: 2026-03-04T15:00}
digests:
  - {id: viikko, cron: "0 8 * * MON", window: 7d, targets: [console], link: "https://lumo.example/tapahtumat"}
targets:
  - {name: console, type: console}
  - {name: x, type: x, consumer_key: k, consumer_secret: s, access_token: t, access_token_secret: ts}
`
	rows := previewJSON(t, yaml, 3)
	var digests []previewRow
	for _, r := range rows {
		if strings.HasPrefix(r.Key, "digest:") {
			digests = append(digests, r)
		}
	}
	if len(digests) != 1 {
		t.Fatalf("digests %+v, want one, on console", digests)
	}
	d := digests[0]
	want := "Tällä viikolla LUMOssa\nma 2.3. klo 9.00–15.00 Sytykettä yhteistyöhön, osio II\nke 4.3. klo 13.30–15.00 Kehittäjäryhmä\nhttps://lumo.example/tapahtumat"
	if d.Target != "console" || d.Key != "digest:viikko:2026-03-02T08:00" || d.Kind != "digest" || d.Text != want {
		t.Errorf("got %s %s %s:\n%s\nwant:\n%s", d.Target, d.Key, d.Kind, d.Text, want)
	}
}
