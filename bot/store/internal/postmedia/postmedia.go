// Package postmedia is how both state backends keep a post's images in one
// text column: empty for a post without images (every post before images
// existed), else JSON. (on_image_error is the target's, read at each
// attempt: it is not kept.)
package postmedia

import (
	"encoding/json"
	"fmt"

	"github.com/lumohanke/lumobot/bot"
)

type column struct {
	Images []bot.Image `json:"images"`
}

// Encode is the column's value for p.
func Encode(p bot.Post) string {
	if len(p.Images) == 0 {
		return ""
	}
	b, err := json.Marshal(column{Images: p.Images})
	if err != nil {
		panic(err) // strings and a bool always marshal
	}
	return string(b)
}

// Decode sets p's images from the column's value.
func Decode(v string, p *bot.Post) error {
	if v == "" {
		p.Images = nil
		return nil
	}
	var c column
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return fmt.Errorf("images of %s: %w", p.Key, err)
	}
	p.Images = c.Images
	return nil
}
