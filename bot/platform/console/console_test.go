package console

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot"
)

func TestPost(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	p := bot.Post{Key: "news:uutiset:1", Kind: bot.KindNews, Target: "console", Due: now.Add(-time.Minute), Text: "Hei #LUMOhanke", Link: "https://lumo.example/"}
	t.Run("text to stdout", func(t *testing.T) {
		var out, errOut bytes.Buffer
		c, err := New(Options{Name: "console", Format: "text", Now: func() time.Time { return now }}, &out, &errOut)
		if err != nil {
			t.Fatal(err)
		}
		r, err := c.Post(context.Background(), p)
		if err != nil {
			t.Fatal(err)
		}
		if r.ID != p.Key {
			t.Errorf("receipt id %q, want the key", r.ID)
		}
		want := "── 2026-11-22 09:59 UTC · console · news · news:uutiset:1\nHei #LUMOhanke\n\n"
		if out.String() != want || errOut.Len() != 0 {
			t.Errorf("stdout %q stderr %q, want %q", out.String(), errOut.String(), want)
		}
	})
	t.Run("text with images", func(t *testing.T) {
		var out bytes.Buffer
		c, err := New(Options{Name: "console", Now: clock}, &out, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		q := p
		q.Images = []bot.Image{{Source: "/srv/kuvat/verkostopaiva.jpg", Alt: "Osallistujat istuvat ringissä"}, {Source: "https://lumo.example/k.png", Alt: "Logo\x1b[2J"}}
		if _, err := c.Post(context.Background(), q); err != nil {
			t.Fatal(err)
		}
		want := "── 2026-11-22 09:59 UTC · console · news · news:uutiset:1\nHei #LUMOhanke\n" +
			"[image: verkostopaiva.jpg — Osallistujat istuvat ringissä]\n[image: https://lumo.example/k.png — Logo[2J]\n\n"
		if out.String() != want {
			t.Errorf("stdout %q\nwant   %q", out.String(), want)
		}
	})
	t.Run("jsonl to stderr", func(t *testing.T) {
		var out, errOut bytes.Buffer
		c, err := New(Options{Name: "console", Output: "stderr", Format: "jsonl", Now: func() time.Time { return now }}, &out, &errOut)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Post(context.Background(), p); err != nil {
			t.Fatal(err)
		}
		var got map[string]string
		if err := json.Unmarshal(errOut.Bytes(), &got); err != nil {
			t.Fatalf("not one JSON object: %q: %v", errOut.String(), err)
		}
		for k, v := range map[string]string{"time": "2026-11-22T10:00:00Z", "due": "2026-11-22T09:59:00Z", "target": "console", "kind": "news", "key": "news:uutiset:1", "text": "Hei #LUMOhanke"} {
			if got[k] != v {
				t.Errorf("%s = %q, want %q", k, got[k], v)
			}
		}
		if out.Len() != 0 {
			t.Errorf("stdout got %q", out.String())
		}
	})
	t.Run("file appended", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "posts.jsonl")
		for i := 0; i < 2; i++ {
			c, err := New(Options{Name: "file", Output: path, Format: "jsonl", Now: clock}, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Post(context.Background(), p); err != nil {
				t.Fatal(err)
			}
			c.Close()
		}
		b, _ := os.ReadFile(path)
		if n := strings.Count(string(b), "\n"); n != 2 {
			t.Errorf("%d lines, want 2 (appended)", n)
		}
	})
	t.Run("file not created until the first post", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "posts.txt")
		c, err := New(Options{Name: "file", Output: path, Now: clock}, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Errorf("output file made without a post: %v", err)
		}
		if _, err := New(Options{Name: "file", Output: filepath.Join(t.TempDir(), "no", "such", "dir", "x"), Now: clock}, nil, nil); err == nil {
			t.Error("no error for an output in a missing directory")
		}
	})
	t.Run("bad format", func(t *testing.T) {
		if _, err := New(Options{Name: "c", Format: "xml", Now: clock}, nil, nil); err == nil || !strings.Contains(err.Error(), "xml") {
			t.Errorf("format xml: %v", err)
		}
	})
	t.Run("no clock", func(t *testing.T) {
		if _, err := New(Options{Name: "c"}, nil, nil); err == nil || !strings.Contains(err.Error(), "clock") {
			t.Errorf("no clock: %v", err)
		}
	})
}

// A terminal never gets a raw control sequence, whatever the text holds.
func TestTextHasNoControlSequences(t *testing.T) {
	var out strings.Builder
	c, err := New(Options{Name: "c", Output: "stdout", Format: "text", Now: time.Now, Location: time.UTC}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Post(context.Background(), bot.Post{Key: "k\x1b[2J", Text: "Hei\x1b]0;title\x07 \u202evaarallinen\x00"}); err != nil {
		t.Fatal(err)
	}
	for _, r := range out.String() {
		if (r < 0x20 && r != '\n') || r == 0x7f || r == 0x202e {
			t.Fatalf("%U reached the terminal: %q", r, out.String())
		}
	}
}
