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

// validate warns when what is planned for the next 30 days costs more than a
// target's monthly budget or passes its daily or monthly cap.
func TestValidateWarnsOverBudgetAndCaps(t *testing.T) {
	dir := t.TempDir()
	cfg := `timezone: Europe/Helsinki
announcements:
  - {id: a1, text: "Ilmoittaudu", link: "https://lumo.example/1", at: 2026-12-10T10:00}
  - {id: a2, text: "Muistutus", link: "https://lumo.example/2", at: 2026-12-10T12:00}
  - {id: a3, text: "Kiitos", link: "https://lumo.example/3", at: 2026-12-12T10:00}
targets:
  - {name: x, type: x, consumer_key: ck, consumer_secret: cs, access_token: at, access_token_secret: ats, monthly_budget: 0.30, daily_limit: 1}
  - {name: konsoli, type: console}
`
	if err := os.WriteFile(filepath.Join(dir, "lumobot.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := lumobot(t, dir, "validate", "--format", "json", "--now", "2026-12-01T10:00:00+02:00")
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
	var v struct {
		Warnings []struct{ Key, Rule, Message string }
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	got := map[string]string{}
	for _, w := range v.Warnings {
		if w.Rule == "budget" {
			got[w.Key] = w.Message
		}
	}
	if m := got["targets[0].monthly_budget"]; !strings.Contains(m, "cost 0.6") {
		t.Errorf("budget warning %q, want the 0.60 the three linked posts cost", m)
	}
	if m := got["targets[0].daily_limit"]; !strings.Contains(m, "2 posts are planned for 2026-12-10") {
		t.Errorf("daily_limit warning %q", m)
	}
	if len(got) != 2 {
		t.Errorf("budget warnings %v, want two (none for the console target)", got)
	}
	// The text preview gives the month's totals: one post fits the budget.
	out, stderr, code = lumobot(t, dir, "preview", "--now", "2026-12-01T10:00:00+02:00", "--days", "20")
	if code != 0 || !strings.Contains(out, "this month (2026-12): spent 0, planned 0.2 more, budget 0.3") {
		t.Errorf("preview: exit %d, no month totals:\n%s%s", code, out, stderr)
	}
}
