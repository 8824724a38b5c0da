package server

import (
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

// What the sent posts cost adds up per target.
func TestMetricsSpend(t *testing.T) {
	reg := prometheus.NewRegistry()
	m := NewMetrics(reg, nil, func() time.Time { return time.Time{} })
	for range 5 {
		m.Spent("x", 0.20)
	}
	m.Spent("x2", 0.015)
	want := `# HELP lumobot_spend_total What the posts sent cost at the target's pricing (X), in its currency, by project and target.
# TYPE lumobot_spend_total counter
lumobot_spend_total{project="default",target="x"} 1
lumobot_spend_total{project="default",target="x2"} 0.015
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "lumobot_spend_total"); err != nil {
		t.Error(err)
	}
}
