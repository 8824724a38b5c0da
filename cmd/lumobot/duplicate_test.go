package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

// Two announcements with one text on an X target: X takes the first and
// refuses the second as duplicate content. One post reaches X; the outbox
// records one sent and one failed with a reason that says so. A refusal is
// not a success.
func TestXDuplicateOnFirstAttemptIsAFailure(t *testing.T) {
	fake, srv := newDlvFake(t, 1)
	hel, _ := time.LoadLocation("Europe/Helsinki")
	due := time.Now().Add(-time.Minute).In(hel)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`timezone: Europe/Helsinki
state: state/lumobot.db
http: {listen: ""}
announcements:
  - {id: eka, text: "Muistathan LUMO-päivän!", at: %[1]s}
  - {id: toka, text: "Muistathan LUMO-päivän!", at: %[2]s}
targets:
  - {name: x, type: x, api_url: %[3]s, consumer_key: ck, consumer_secret: cs, access_token: at, access_token_secret: ats}
`, due.Format(time.RFC3339), due.Add(time.Second).Format(time.RFC3339), srv.URL)
	if err := os.WriteFile(filepath.Join(dir, "lumobot.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := lumobot(t, dir, "run", "--once", "--log-format", "json")
	if code != 0 {
		t.Fatalf("run --once: exit %d: %s", code, stderr)
	}
	if n := len(fake.Posts()["x"]); n != 1 {
		t.Errorf("%d posts reached X, want 1", n)
	}
	ds := dlvDeliveries(t, filepath.Join(dir, "state", "lumobot.db"))["x"]
	statuses := map[bot.Status]int{}
	for key, d := range ds {
		statuses[d.Status]++
		if d.Status == bot.StatusFailed && !strings.Contains(d.Reason, "duplicate") {
			t.Errorf("%s failed with %q: the reason does not say duplicate", key, d.Reason)
		}
	}
	if statuses[bot.StatusSent] != 1 || statuses[bot.StatusFailed] != 1 {
		t.Errorf("outbox %v, want one sent and one failed", statuses)
	}
	if !strings.Contains(stderr, `"level":"WARN","msg":"platform refused the post as a duplicate`) {
		t.Errorf("no warning logged:\n%s", stderr)
	}
	if strings.Contains(stderr, `"msg":"post sent","key":"announcement:toka`) || strings.Contains(stderr, `"msg":"post sent","key":"announcement:eka:once","target":"x","kind":"announcement","url":"","attempt":1}`+"\n"+`{"msg":"post sent","key":"announcement:toka`) {
		t.Errorf("the refused post was logged sent:\n%s", stderr)
	}
}
