package config

import (
	"fmt"
	"image"
	_ "image/gif" // image.DecodeConfig reads what lumobot posts
	_ "image/jpeg"
	_ "image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	_ "golang.org/x/image/webp"
)

// Image is a picture on an announcement or an event, with its text
// alternative. Finnish public bodies must give every image one (Act
// 306/2019), so alt is required: lumobot posts no image without it.
type Image struct {
	Path string `mapstructure:"path"` // relative to the config file
	URL  string `mapstructure:"url"`  // an http(s) image
	Alt  string `mapstructure:"alt"`

	// Source is the absolute path or the URL.
	Source string `mapstructure:"-"`
	// Format, Width and Height are what the file's header says ("" and 0
	// for a URL, read only when posting).
	Format        string `mapstructure:"-"`
	Width, Height int    `mapstructure:"-"`
}

// MaxImages is how many images one post may carry: what X, Mastodon and
// Bluesky allow alike.
const MaxImages = 4

// Alt text limits per platform, in the platform's own count: X 1000
// characters, Mastodon 1500 (an instance may set another description_limit;
// preview and validate check that one when the state knows it), Bluesky
// 2000 graphemes (the app's limit; the record itself has none).
var altLimits = map[string]struct {
	max   int
	count func(string) int
	unit  string
}{
	TypeX:        {1000, utf8.RuneCountInString, "characters"},
	TypeMastodon: {1500, utf8.RuneCountInString, "characters"},
	TypeBluesky:  {2000, uniseg.GraphemeClusterCount, "characters"},
}

// AltLimit is the longest alt text a target type takes, in its own count;
// 0: no limit (console, webhook).
func AltLimit(targetType string) (max int, count func(string) int) {
	l, ok := altLimits[targetType]
	if !ok {
		return 0, nil
	}
	return l.max, l.count
}

// validateImages checks the images under key: at most MaxImages, each one
// file or URL, with alt text every target can take, the file there and a
// picture lumobot reads.
func (c *Config) validateImages(p *problems, key string, imgs []Image) {
	if len(imgs) > MaxImages {
		p.add(key, "%d images: a post carries at most %d", len(imgs), MaxImages)
	}
	for i := range imgs {
		im := &imgs[i]
		k := fmt.Sprintf("%s[%d]", key, i)
		im.Alt = strings.TrimSpace(im.Alt)
		if im.Alt == "" {
			p.add(k+".alt", "missing: every image needs a text alternative that says what it shows (lumobot posts no image without one)")
		} else {
			c.checkAlt(p, k+".alt", im.Alt)
		}
		switch {
		case im.Path != "" && im.URL != "":
			p.add(k, "give path (a file) or url, not both")
		case im.Path != "":
			im.Source = c.Path(im.Path)
			if abs, err := filepath.Abs(im.Source); err == nil {
				im.Source = abs // the loader takes absolute paths only
			}
			c.probeImage(p, k+".path", im)
		case im.URL != "":
			u, err := url.Parse(im.URL)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				p.add(k+".url", "%q is not an http(s) URL", im.URL)
				continue
			}
			im.Source = im.URL
		default:
			p.add(k, "give path (a file next to the config, e.g. ./kuvat/kuva.jpg) or url")
		}
	}
}

// checkAlt refuses alt text longer than a target's platform takes: cut
// silently, the end of the description would be lost.
func (c *Config) checkAlt(p *problems, key, alt string) {
	seen := map[string]bool{}
	for _, t := range c.Targets {
		l, ok := altLimits[t.Type]
		if !ok || seen[t.Type] {
			continue
		}
		seen[t.Type] = true
		if n := l.count(alt); n > l.max {
			p.add(key, "%d %s, more than %s takes (%d, target %q): shorten it", n, l.unit, platformName(t.Type), l.max, t.Name)
		}
	}
}

func platformName(typ string) string {
	switch typ {
	case TypeX:
		return "X"
	case TypeMastodon:
		return "Mastodon"
	case TypeBluesky:
		return "Bluesky"
	}
	return typ
}

// maxImageFile bounds what probeImage opens: larger than any platform
// takes even before scaling is a mistake (a video, a raw export).
const maxImageFile = 50 << 20

// probeImage checks that the file is there and is a picture lumobot reads,
// from its header only (decoding whole photos is preview's and validate's
// work, not every load's).
func (c *Config) probeImage(p *problems, key string, im *Image) {
	f, err := os.Open(im.Source)
	if err != nil {
		if os.IsNotExist(err) {
			p.add(key, "%s: no such file (relative paths are read next to the config file)", im.Source)
		} else {
			p.add(key, "%v", err)
		}
		return
	}
	defer func() { _ = f.Close() }()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxImageFile {
		p.add(key, "%s: %d MB, more than %d MB: export a smaller picture", im.Source, fi.Size()>>20, maxImageFile>>20)
		return
	}
	cfg, format, err := image.DecodeConfig(f)
	if err != nil {
		p.add(key, "%s is not a JPEG, PNG, GIF or WebP picture", im.Source)
		return
	}
	im.Format, im.Width, im.Height = format, cfg.Width, cfg.Height
}
