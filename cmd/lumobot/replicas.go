package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lumohanke/lumobot/bot/store/pgstore"
	"github.com/lumohanke/lumobot/config"
)

// configHash is what replicas compare to tell whether they run the same
// config: the SHA-256 of the config file's bytes (the ConfigMap every pod
// mounts), short. Values from the environment (secrets among them) are
// not in it: a hash of a password in a shared table would be a target.
func configHash(cfg *config.Config) string {
	b, err := os.ReadFile(cfg.File)
	if err != nil {
		return "unreadable"
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

// Replicas with different configs are logged loudly, not refused: during
// a rolling update, and for the minute the kubelet takes to swap a changed
// ConfigMap into every pod, replicas rightly run different configs, and a
// replica that refused (or said it is not ready) would stall the very
// rollout that makes them agree. The lumobot_replicas metric says it, for
// an alert on a difference that lasts.
const (
	// announceEvery is how often a replica says it is alive, and looks at
	// the others.
	announceEvery = 30 * time.Second
	// replicaAlive is how long a replica counts after its last word.
	replicaAlive = 3 * announceEvery
	// remindEvery repeats the error while configs stay different.
	remindEvery = 10 * time.Minute
)

// replicaWatch announces this replica and its config hash in the database
// and compares it with the others'.
type replicaWatch struct {
	st      *pgstore.Store
	log     *slog.Logger
	now     func() time.Time
	started time.Time
	gauge   *prometheus.GaugeVec
	wake    chan bool // true: after a reload (log a difference whatever was said)

	mu      sync.Mutex
	hash    string
	said    string // the differences last logged
	saidAt  time.Time
	unreach bool // the last announcement failed
	differ  []pgstore.Replica
}

func newReplicaWatch(st *pgstore.Store, reg prometheus.Registerer, log *slog.Logger, now func() time.Time) *replicaWatch {
	w := &replicaWatch{st: st, log: log, now: now, started: now(), wake: make(chan bool, 1),
		gauge: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "lumobot_replicas",
			Help: "Replicas running on this state's database, by whether their config file is this replica's (same) or not (different).",
		}, []string{"config"})}
	reg.MustRegister(w.gauge)
	return w
}

// loaded sets the hash of the config now running; reload says it came by a
// reload, after which a difference is logged again.
func (w *replicaWatch) loaded(hash string, reload bool) {
	w.mu.Lock()
	w.hash = hash
	w.mu.Unlock()
	select {
	case w.wake <- reload:
	default:
		if reload { // one is waiting: make sure it logs
			select {
			case <-w.wake:
			default:
			}
			w.wake <- true
		}
	}
}

// run announces at once, after each load and every announceEvery, until
// ctx ends.
func (w *replicaWatch) run(ctx context.Context) {
	t := time.NewTicker(announceEvery)
	defer t.Stop()
	for {
		force := false
		select {
		case <-ctx.Done():
			return
		case force = <-w.wake:
		case <-t.C:
		}
		w.check(ctx, force)
	}
}

// check announces this replica and logs replicas whose config differs:
// after a reload, when the set of differences changes, and every
// remindEvery while it lasts.
func (w *replicaWatch) check(ctx context.Context, force bool) {
	w.mu.Lock()
	hash := w.hash
	w.mu.Unlock()
	now := w.now()
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	others, err := w.st.Announce(actx, hash, version, w.started, now.Add(-replicaAlive))
	cancel()
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		if !w.unreach && ctx.Err() == nil {
			w.log.Warn("cannot tell the other replicas which config this one runs", "error", err)
		}
		w.unreach = true
		return
	}
	w.unreach = false
	var differ []pgstore.Replica
	for _, r := range others {
		if r.ConfigHash != hash {
			differ = append(differ, r)
		}
	}
	w.differ = differ
	w.gauge.WithLabelValues("same").Set(float64(len(others) - len(differ) + 1))
	w.gauge.WithLabelValues("different").Set(float64(len(differ)))
	var parts []string
	for _, r := range differ {
		parts = append(parts, fmt.Sprintf("%s runs config %s (lumobot %s)", r.ID, r.ConfigHash, r.Version))
	}
	slices.Sort(parts)
	text := strings.Join(parts, "; ")
	switch {
	case text == "" && w.said != "":
		w.log.Info("every replica runs the same config again", "config_hash", hash, "replicas", len(others)+1)
	case text != "" && (force || text != w.said || now.Sub(w.saidAt) >= remindEvery):
		w.log.Error("replicas on this state run different configs: each plans from its own, so what they post may differ; make them agree (the same config file everywhere)",
			"config_hash", hash, "others", text)
		w.saidAt = now
	}
	w.said = text
}

// different lists the live replicas whose config differs, as last seen.
func (w *replicaWatch) different() []pgstore.Replica {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.differ)
}

// leave takes this replica off the list at a clean stop.
func (w *replicaWatch) leave() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = w.st.Leave(ctx)
}
