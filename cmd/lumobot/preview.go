package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/bot"
	"github.com/lumohanke/lumobot/bot/render"
	"github.com/lumohanke/lumobot/config"
	"github.com/lumohanke/lumobot/feeds"
	"github.com/lumohanke/lumobot/lint"
	"github.com/spf13/cobra"
)

func previewCmd(ctx context.Context, g *globals, env Env) *cobra.Command {
	var (
		nowFlag              string
		days                 int
		format               string
		projectName, unnamed string
	)
	cmd := &cobra.Command{
		Use:   "preview",
		Short: "Print the posts planned from --now for --days, per target; writes and posts nothing",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if format != "text" && format != "json" {
				return usageError{fmt.Errorf("--format %q: want text or json", format)}
			}
			if days < 1 || days > 3660 {
				return usageError{fmt.Errorf("--days %d: want 1 to 3660", days)}
			}
			cfg, log, storeName, err := g.project(env, "preview", projectName, unnamed)
			if err != nil {
				return err
			}
			now := env.Now()
			if nowFlag != "" {
				t, _, err := config.ParseLocalTime(nowFlag, cfg.Location)
				if err != nil {
					return usageError{fmt.Errorf("--now: %w", err)}
				}
				now = t
			}
			core, err := compile(cfg)
			if err != nil {
				return err
			}
			st, cleanup, err := openForReading(ctx, cfg, env.Now, false)
			if err != nil {
				return err
			}
			defer cleanup()
			if g.projects() {
				st = viewOf(st, storeName)
			}
			a, err := newApp(cfg, core, st, log, env, nil)
			if err != nil {
				return err
			}
			defer a.Close()
			plan, err := a.bot.Preview(ctx, now, now.AddDate(0, 0, days), true)
			if err != nil {
				return err
			}
			ws := previewWarnings(a, core, plan, now, now.AddDate(0, 0, days))
			rows := previewRows(ctx, a, plan, cfg.Location, ws)
			if format == "json" {
				return encodeRows(env.Stdout, rows)
			}
			printPreview(ctx, env, a, rows, now, days, cfg.Location, ws)
			return nil
		},
	}
	cmd.Flags().StringVar(&nowFlag, "now", "", "plan as if it were this time (default: now), e.g. 2021-05-01T08:00:00+03:00")
	cmd.Flags().IntVar(&days, "days", 14, "how many days ahead")
	cmd.Flags().StringVar(&format, "format", "text", "text or json")
	projectFlags(cmd, &projectName, &unnamed)
	return cmd
}

// encodeRows writes rows as one JSON array, byte for byte as a json.Encoder
// with SetIndent("", "  ") and SetEscapeHTML(false) would, but a row at a
// time and without reflection: for a year's preview the encoder built tens
// of megabytes in memory, and indented them into a second copy, before
// writing a byte.
func encodeRows(w io.Writer, rows []previewRow) error {
	if len(rows) == 0 {
		_, err := io.WriteString(w, "[]\n")
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	var buf []byte
	bw.WriteString("[\n")
	for i, r := range rows {
		buf = appendRow(buf[:0], r)
		if i < len(rows)-1 {
			buf = append(buf, ",\n"...)
		}
		if _, err := bw.Write(buf); err != nil {
			return err
		}
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

// appendRow appends r as encodeRows writes it: the object indented by two
// spaces, its fields by four, fields in previewRow's order.
func appendRow(b []byte, r previewRow) []byte {
	b = append(b, "  {\n    \"due\": "...)
	b = appendJSONString(b, r.Due)
	b = append(b, ",\n    \"target\": "...)
	b = appendJSONString(b, r.Target)
	b = append(b, ",\n    \"kind\": "...)
	b = appendJSONString(b, r.Kind)
	b = append(b, ",\n    \"key\": "...)
	b = appendJSONString(b, r.Key)
	b = append(b, ",\n    \"text\": "...)
	b = appendJSONString(b, r.Text)
	b = append(b, ",\n    \"length\": "...)
	b = strconv.AppendInt(b, int64(r.Length), 10)
	b = append(b, ",\n    \"limit\": "...)
	b = strconv.AppendInt(b, int64(r.Limit), 10)
	if r.Skipped != "" {
		b = append(b, ",\n    \"skipped\": "...)
		b = appendJSONString(b, r.Skipped)
	}
	if r.Cost != nil {
		b = append(b, ",\n    \"cost\": "...)
		b = strconv.AppendFloat(b, *r.Cost, 'f', -1, 64)
	}
	b = appendJSONList(b, "images", r.Images)
	b = appendJSONList(b, "warnings", r.Warnings)
	return append(b, "\n  }"...)
}

// appendJSONList appends a row's optional list field name, one element a
// line; nothing when the list is empty (omitempty).
func appendJSONList[T any](b []byte, name string, list []T) []byte {
	if len(list) == 0 {
		return b
	}
	b = append(b, ",\n    \""+name+"\": ["...)
	for i, v := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, "\n      "...)
		b = appendJSONValue(b, v)
	}
	return append(b, "\n    ]"...)
}

// appendJSONValue appends v (an object of strings and ints) as an element
// of a row's list, indented as encoding/json indents it there, without HTML
// escaping.
func appendJSONValue(b []byte, v any) []byte {
	var j bytes.Buffer
	enc := json.NewEncoder(&j)
	enc.SetEscapeHTML(false)
	enc.SetIndent("      ", "  ")
	_ = enc.Encode(v) // strings and ints: cannot fail
	return append(b, bytes.TrimSuffix(j.Bytes(), []byte("\n"))...)
}

// appendJSONString appends s quoted as encoding/json does without HTML
// escaping. Only ASCII needs escaping in valid UTF-8; a string with invalid
// UTF-8, U+2028, U+2029 or DEL is left to encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c == 0x7f {
				return appendJSONStringSlow(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
			return appendJSONStringSlow(b, s)
		}
		i += size
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '\\', '"':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

func appendJSONStringSlow(b []byte, s string) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// previewRow is one line of `preview --format json`.
type previewRow struct {
	Due     string `json:"due"`
	Target  string `json:"target"`
	Kind    string `json:"kind"`
	Key     string `json:"key"`
	Text    string `json:"text"`
	Length  int    `json:"length"`
	Limit   int    `json:"limit"`
	Skipped string `json:"skipped,omitempty"`
	// Cost is what the post costs at the target's pricing (X only; one
	// that is skipped is not charged).
	Cost *float64 `json:"cost,omitempty"`
	// Images are the post's images as this target would post them.
	Images []previewImage `json:"images,omitempty"`
	// Warnings are the lint warnings about this post (see validate).
	Warnings []validationItem `json:"warnings,omitempty"`
	lints    []lint.Warning   // the same, for the text output
}

// previewImage is one image of a post, made to fit the target: its final
// size in pixels and bytes (0 for a target that uploads no image bytes:
// console, webhook), or why it cannot be posted.
type previewImage struct {
	Image  string `json:"image"` // file name or URL
	Alt    string `json:"alt"`
	Width  int    `json:"width,omitempty"`
	Height int    `json:"height,omitempty"`
	Bytes  int    `json:"bytes,omitempty"`
	Type   string `json:"type,omitempty"`
	Error  string `json:"error,omitempty"`
}

// previewImages are p's images as target t would post them.
func previewImages(ctx context.Context, memo *imageMemo, t bot.Target, p bot.Post) []previewImage {
	if len(p.Images) == 0 {
		return nil
	}
	l, uploads := limitsOf(ctx, t)
	out := make([]previewImage, len(p.Images))
	for i, im := range p.Images {
		out[i] = previewImage{Image: im.Name(), Alt: im.Alt}
		if !uploads {
			continue
		}
		if max := instanceAltLimit(ctx, t); max > 0 && utf8.RuneCountInString(im.Alt) > max {
			out[i].Error = fmt.Sprintf("alt text of %d characters, more than this instance takes (%d)", utf8.RuneCountInString(im.Alt), max)
			continue
		}
		if f := memo.fit(ctx, im.Source, l); f.Err != nil {
			out[i].Error = f.Err.Error()
		} else {
			out[i].Width, out[i].Height, out[i].Bytes, out[i].Type = f.Width, f.Height, f.Bytes, f.Type
		}
	}
	return out
}

// previewWarnings are validate's warnings about the posts planned, and
// about the events known to this preview (remote calendars included).
func previewWarnings(a *app, core bot.Config, plan map[string][]bot.Scheduled, now, until time.Time) []lint.Warning {
	posts := []lint.Post{}
	for _, t := range a.targets {
		for _, s := range plan[t.Name] {
			posts = append(posts, lint.Post{Target: t.Name, Key: s.Key, Due: s.Due, Text: s.Text})
		}
	}
	return warnings(a.cfg, bot.NewPlanner(core), a.targets, now, a.bot.Events(now, until), posts)
}

func previewRows(ctx context.Context, a *app, plan map[string][]bot.Scheduled, loc *time.Location, ws []lint.Warning) []previewRow {
	n := 0
	for _, t := range a.targets {
		n += len(plan[t.Name])
	}
	rows := make([]previewRow, 0, n)
	costs := costMemo{}
	memo := newImageMemo(imageLoader(&feeds.Fetcher{UserAgent: userAgent()}).Load)
	for _, t := range a.targets {
		for _, s := range plan[t.Name] {
			var mine []validationItem
			var lints []lint.Warning
			for _, w := range ws {
				if w.Concerns(t.Name, s.Key) {
					mine = append(mine, itemOf(w.Problem, w.Rule))
					lints = append(lints, w)
				}
			}
			rows = append(rows, previewRow{
				Due: s.Due.In(loc).Format(time.RFC3339), Target: t.Name, Kind: string(s.Kind), Key: s.Key,
				Text: s.Text, Length: t.Counter.Length(s.Text), Limit: t.Counter.Limit(), Skipped: s.Skipped,
				Warnings: mine, lints: lints, Cost: costs.of(t.Gate.Budget, s.Post),
				Images: previewImages(ctx, memo, t.Target, s.Post),
			})
		}
	}
	return rows
}

func printPreview(ctx context.Context, env Env, a *app, rows []previewRow, now time.Time, days int, loc *time.Location, ws []lint.Warning) {
	w := bufio.NewWriterSize(env.Stdout, 64<<10) // a write a line was a system call a line
	defer w.Flush()
	fmt.Fprintf(w, "Planned from %s for %d days (%s):\n", now.In(loc).Format("2006-01-02 15:04 MST"), days, loc)
	// What concerns no post shown (an announcement in the past) is said
	// once, before the posts.
	for _, wn := range lint.Unique(ws) {
		if wn.Post == "" {
			fmt.Fprintf(w, "  %s\n", feeds.CleanText(wn.String()))
		}
	}
	for _, t := range a.targets {
		var mine []previewRow
		for _, r := range rows {
			if r.Target == t.Name {
				mine = append(mine, r)
			}
		}
		fmt.Fprintf(w, "\n%s (%s): %d posts\n", t.Name, t.Type, len(mine))
		if !t.limitKnown {
			fmt.Fprintf(w, "  (the platform's own limit is not known yet: counted with the default %d; `lumobot run` asks it and keeps it in the state)\n", t.Counter.Limit())
		}
		if b := t.Gate.Budget; b != nil {
			fmt.Fprintf(w, "  %s\n", monthTotals(ctx, a, t.Name, b, mine, now, loc))
		}
		for _, r := range mine {
			due, _ := time.Parse(time.RFC3339, r.Due)
			limit := "no limit"
			if r.Limit > 0 {
				limit = fmt.Sprintf("%d/%d", r.Length, r.Limit)
			}
			status := ""
			if r.Skipped != "" {
				status = "  SKIPPED: " + r.Skipped
			}
			fmt.Fprintf(w, "\n  %s %s  %s  %s  (%s)%s\n", render.Weekday(due.In(loc), "fi"), due.In(loc).Format("2006-01-02 15:04"), r.Kind, r.Key, limit, status)
			// Never a raw control sequence to a terminal.
			for _, line := range strings.Split(feeds.CleanText(r.Text), "\n") {
				fmt.Fprintf(w, "    %s\n", line)
			}
			for _, im := range r.Images {
				fmt.Fprintf(w, "    %s\n", feeds.CleanText(im.line()))
			}
			for _, wn := range r.lints {
				fmt.Fprintf(w, "    %s\n", feeds.CleanText(wn.String()))
			}
		}
	}
}

// costMemo prices posts for preview, each text once: pricing finds the
// URLs in a text, and a year's reminders repeat few texts.
type costMemo map[costKey]float64

type costKey struct {
	b          *bot.Budget
	text, link string
	images     int
}

// of is what p costs on a target with pricing; nil on one without.
func (m costMemo) of(b *bot.Budget, p bot.Post) *float64 {
	if b == nil {
		return nil
	}
	k := costKey{b, p.Text, p.Link, len(p.Images)}
	c, ok := m[k]
	if !ok {
		c = b.Cost(p).Units()
		m[k] = c
	}
	return &c
}

// monthTotals is a budget target's month in one line: what it spent, what
// the previewed posts of the month add, and the budget.
func monthTotals(ctx context.Context, a *app, target string, b *bot.Budget, rows []previewRow, now time.Time, loc *time.Location) string {
	month := now.In(loc).Format("2006-01")
	spent, err := a.bot.Spent(ctx, target, now)
	if err != nil {
		return fmt.Sprintf("this month (%s): spending unknown (%v)", month, err)
	}
	var planned bot.Money
	for _, r := range rows {
		if r.Cost != nil && r.Skipped == "" && strings.HasPrefix(r.Due, month) {
			planned += bot.Micros(*r.Cost)
		}
	}
	budget := "no budget"
	if b.Monthly >= 0 {
		budget = "budget " + b.Monthly.String()
	}
	return fmt.Sprintf("this month (%s): spent %s, planned %s more, %s", month, spent, planned, budget)
}

// line is the image as the text preview shows it.
func (im previewImage) line() string {
	switch {
	case im.Error != "":
		return fmt.Sprintf("[image %s: CANNOT BE POSTED: %s] alt: %s", im.Image, im.Error, im.Alt)
	case im.Bytes > 0:
		return fmt.Sprintf("[image %s: %d×%d, %d kB %s] alt: %s", im.Image, im.Width, im.Height, (im.Bytes+512)/1024, strings.TrimPrefix(im.Type, "image/"), im.Alt)
	}
	return fmt.Sprintf("[image %s] alt: %s", im.Image, im.Alt)
}
