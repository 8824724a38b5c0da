// Package console is the target that writes posts to stdout, stderr or a
// file instead of a platform: the default when no target is configured,
// and the way to see what lumobot does before it posts for real.
package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/feeds"
)

// Options configure a console target.
type Options struct {
	Name   string
	Output string           // stdout | stderr | a file path (appended)
	Format string           // text | jsonl
	Now    func() time.Time // the clock, for the jsonl time field; required
	// Location is the zone the text format shows due times in; nil: UTC.
	Location *time.Location
}

// Client writes posts; it is safe for concurrent use.
type Client struct {
	opts Options
	mu   sync.Mutex
	w    io.Writer
	f    *os.File
}

var (
	_ bot.Poster  = (*Client)(nil)
	_ bot.Counter = (*Client)(nil)
)

// New opens the output. stdout and stderr are the process's streams.
func New(opts Options, stdout, stderr io.Writer) (*Client, error) {
	if opts.Now == nil {
		return nil, fmt.Errorf("console target %s: the clock (Options.Now) is missing", opts.Name)
	}
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	c := &Client{opts: opts}
	switch opts.Output {
	case "", "stdout":
		c.w = stdout
	case "stderr":
		c.w = stderr
	default:
		// Opened at the first post, so that preview and validate create
		// no file; but a directory that is not there is a config error now.
		if _, err := os.Stat(filepath.Dir(opts.Output)); err != nil {
			return nil, fmt.Errorf("console target %s: output %s: %w", opts.Name, opts.Output, err)
		}
	}
	if opts.Format != "" && opts.Format != "text" && opts.Format != "jsonl" {
		return nil, fmt.Errorf("console target %s: format %q: want text or jsonl", opts.Name, opts.Format)
	}
	return c, nil
}

// Close closes a file output.
func (c *Client) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.f != nil {
		return c.f.Close()
	}
	return nil
}

type line struct {
	Time   string      `json:"time"`
	Due    string      `json:"due"`
	Target string      `json:"target"`
	Kind   string      `json:"kind"`
	Key    string      `json:"key"`
	Text   string      `json:"text"`
	Link   string      `json:"link,omitempty"`
	Images []bot.Image `json:"images,omitempty"`
}

// Post writes one post.
func (c *Client) Post(_ context.Context, p bot.Post) (bot.Receipt, error) {
	now := c.opts.Now()
	var out []byte
	if c.opts.Format == "jsonl" {
		b, err := json.Marshal(line{
			Time: now.Format(time.RFC3339), Due: p.Due.Format(time.RFC3339), Target: p.Target,
			Kind: string(p.Kind), Key: p.Key, Text: p.Text, Link: p.Link, Images: p.Images,
		})
		if err != nil {
			return bot.Receipt{}, bot.Permanent(fmt.Errorf("console: %w", err))
		}
		out = append(b, '\n')
	} else {
		// Text goes to a terminal: never a raw control sequence (the
		// sources are cleaned already; staff's own text may not be).
		out = fmt.Appendf(nil, "── %s · %s · %s · %s\n%s\n", p.Due.In(c.opts.Location).Format("2006-01-02 15:04 MST"), p.Target, p.Kind, feeds.CleanText(p.Key), feeds.CleanText(p.Text))
		for _, im := range p.Images {
			out = fmt.Appendf(out, "[image: %s — %s]\n", feeds.CleanText(im.Name()), feeds.CleanText(im.Alt))
		}
		out = append(out, '\n')
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.w == nil {
		f, err := os.OpenFile(c.opts.Output, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
		if err != nil {
			return bot.Receipt{}, bot.Retryable(fmt.Errorf("console %s: %w", c.opts.Name, err))
		}
		c.w, c.f = f, f
	}
	if _, err := c.w.Write(out); err != nil {
		// A full disk or closed pipe may heal; the outbox keeps the post.
		return bot.Receipt{}, bot.Retryable(fmt.Errorf("console %s: %w", c.opts.Name, err))
	}
	return bot.Receipt{ID: p.Key}, nil
}

// Length counts characters; the console has no limit.
func (c *Client) Length(text string) int { return utf8.RuneCountInString(text) }

// Limit is 0: no limit.
func (c *Client) Limit() int { return 0 }
