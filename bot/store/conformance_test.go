package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot/store"
	"github.com/lumohanke/lumobot/bot/store/storetest"
)

func sqliteBackend(o store.Options) storetest.Backend {
	return storetest.Backend{
		ErrNotFound: store.ErrNotFound,
		ErrEnded:    store.ErrEnded,
		New: func(t *testing.T) storetest.State {
			path := filepath.Join(t.TempDir(), "state", "lumobot.db")
			return storetest.State{
				Open: func() (storetest.Store, error) { return store.Open(path, o) },
				// One page in the middle overwritten: quick_check finds it.
				Corrupt: func(t *testing.T) {
					f, err := os.OpenFile(path, os.O_RDWR, 0)
					if err != nil {
						t.Fatal(err)
					}
					defer f.Close()
					fi, err := f.Stat()
					if err != nil || fi.Size() < 3*4096 {
						t.Fatalf("state file %v, %v: want at least 3 pages", fi.Size(), err)
					}
					if _, err := f.WriteAt(bytes.Repeat([]byte{0xa5}, 4096), fi.Size()/4096/2*4096); err != nil {
						t.Fatal(err)
					}
				},
			}
		},
	}
}

func TestConformance(t *testing.T) {
	now := func() time.Time { return time.Date(2021, 5, 5, 10, 0, 0, 0, time.UTC) }
	t.Run("plain", func(t *testing.T) {
		storetest.Run(t, sqliteBackend(store.Options{Now: now}))
	})
	t.Run("exclusive sealed", func(t *testing.T) {
		key := bytes.Repeat([]byte{7}, store.KeySize)
		storetest.Run(t, sqliteBackend(store.Options{Now: now, Exclusive: true, Key: key}))
	})
}
