package main

import (
	"context"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// watchConfig reports changes to the config file, debounced: an editor's
// save or a Kubernetes ConfigMap update (a symlink swap in the directory)
// is several events, and one reload is enough. It watches the directory,
// since the file itself may be replaced.
func watchConfig(ctx context.Context, file string, debounce time.Duration, log *slog.Logger) (<-chan struct{}, error) {
	name := filepath.Base(file)
	// The file itself, or Kubernetes' ..data link that points at it.
	return watchPaths(ctx, []string{filepath.Dir(file)}, func(ev string) bool {
		b := filepath.Base(ev)
		return b == name || b == "..data"
	}, debounce, log)
}

// watchPaths reports changes in dirs that match concerns, debounced.
func watchPaths(ctx context.Context, dirs []string, concerns func(event string) bool, debounce time.Duration, log *slog.Logger) (<-chan struct{}, error) {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return nil, err
	}
	for _, dir := range dirs {
		if err := w.Add(dir); err != nil {
			w.Close()
			return nil, err
		}
	}
	changed := make(chan struct{}, 1)
	go func() {
		defer w.Close()
		var timer *time.Timer
		var fire <-chan time.Time
		for {
			select {
			case <-ctx.Done():
				if timer != nil {
					timer.Stop()
				}
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if !concerns(ev.Name) {
					continue
				}
				if timer == nil {
					timer = time.NewTimer(debounce)
				} else {
					timer.Reset(debounce)
				}
				fire = timer.C
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				log.Warn("config watch", "error", err)
			case <-fire:
				fire = nil
				select {
				case changed <- struct{}{}:
				default:
				}
			}
		}
	}()
	return changed, nil
}
