package main

import (
	"bytes"
	"context"
	"image"
	"os"
	"path/filepath"
	"testing"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/media/mediatest"
	"github.com/lumohanke/lumobot/bot/server"
	"github.com/lumohanke/lumobot/feeds"
)

// The status page's thumbnails: only of images it has shown, small, and
// stripped like every image lumobot sends anywhere.
func TestThumbnails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "kuva.jpg")
	if err := os.WriteFile(path, mediatest.WithEXIF(mediatest.Photo(900, 600, 1), 1), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, "muu.jpg")
	if err := os.WriteFile(other, mediatest.Photo(90, 60, 2), 0o600); err != nil {
		t.Fatal(err)
	}
	th := newThumbnails(imageLoader(&feeds.Fetcher{}))
	ctx := context.Background()
	if _, err := th.ByID(ctx, server.ThumbID(path)); err == nil {
		t.Error("a thumbnail of an image the page never showed")
	}
	th.showAll(server.Snapshot{Targets: []server.TargetView{{Next: []bot.Post{{Images: []bot.Image{{Source: path, Alt: "A"}}}}}}})
	b, err := th.ByID(ctx, server.ThumbID(path))
	if err != nil {
		t.Fatal(err)
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(b))
	if err != nil || cfg.Width != thumbSide || (cfg.Height != 106 && cfg.Height != 107) {
		t.Errorf("thumbnail %d×%d (%v), want %d wide, 3:2", cfg.Width, cfg.Height, err, thumbSide)
	}
	if leaked := mediatest.Leaked(b); len(leaked) > 0 {
		t.Errorf("thumbnail carries %v", leaked)
	}
	if _, err := th.ByID(ctx, server.ThumbID(other)); err == nil {
		t.Error("served a file the page never showed")
	}
}
