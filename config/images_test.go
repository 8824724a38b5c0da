package config

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePNG writes a small picture next to where the test's config goes.
func writePNG(t *testing.T, path string, w, h int) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// loadIn loads body as dir/lumo.yaml, with kuvat/kuva.png (4×3) and
// kuvat/teksti.txt beside it.
func loadIn(t *testing.T, body string) (*Config, string) {
	t.Helper()
	dir := t.TempDir()
	writePNG(t, filepath.Join(dir, "kuvat", "kuva.png"), 4, 3)
	if err := os.WriteFile(filepath.Join(dir, "kuvat", "teksti.txt"), []byte("ei kuva"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "lumo.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(Options{File: path, Env: noEnv})
	if err != nil {
		if !IsConfigError(err) {
			t.Errorf("not a config error: %T %v", err, err)
		}
		return nil, strings.ReplaceAll(err.Error(), dir+string(os.PathSeparator), "")
	}
	return c, ""
}

const announcementHead = "announcements:\n  - id: verkostopaiva\n    text: Tervetuloa!\n    at: 2026-12-10T09:00\n    images:\n"

func TestImageMessages(t *testing.T) {
	long := strings.Repeat("ä", 1001)
	for _, tc := range []struct{ name, yaml, want string }{
		{"no alt", announcementHead + "      - path: kuvat/kuva.png\n",
			`lumo.yaml:6: announcement "verkostopaiva": images[0].alt: missing: every image needs a text alternative that says what it shows (lumobot posts no image without one)`},
		{"blank alt", announcementHead + "      - path: kuvat/kuva.png\n        alt: \"  \"\n",
			`lumo.yaml:7: announcement "verkostopaiva": images[0].alt: missing: every image needs a text alternative that says what it shows (lumobot posts no image without one)`},
		{"alt too long for x", "targets:\n  - name: x\n    type: x\n    consumer_key: a\n    consumer_secret: b\n    access_token: c\n    access_token_secret: d\n" +
			announcementHead + "      - path: kuvat/kuva.png\n        alt: " + long + "\n",
			`lumo.yaml:14: announcement "verkostopaiva": images[0].alt: 1001 characters, more than X takes (1000, target "x"): shorten it`},
		{"no such file", announcementHead + "      - path: kuvat/puuttuu.jpg\n        alt: Kuva\n",
			`lumo.yaml:6: announcement "verkostopaiva": images[0].path: kuvat/puuttuu.jpg: no such file (relative paths are read next to the config file)`},
		{"not a picture", announcementHead + "      - path: kuvat/teksti.txt\n        alt: Kuva\n",
			`lumo.yaml:6: announcement "verkostopaiva": images[0].path: kuvat/teksti.txt is not a JPEG, PNG, GIF or WebP picture`},
		{"path and url", announcementHead + "      - path: kuvat/kuva.png\n        url: https://example.fi/k.jpg\n        alt: Kuva\n",
			`lumo.yaml:6: announcement "verkostopaiva": images[0]: give path (a file) or url, not both`},
		{"neither", announcementHead + "      - alt: Kuva\n",
			`lumo.yaml:6: announcement "verkostopaiva": images[0]: give path (a file next to the config, e.g. ./kuvat/kuva.jpg) or url`},
		{"not http", announcementHead + "      - url: ftp://example.fi/k.jpg\n        alt: Kuva\n",
			`lumo.yaml:6: announcement "verkostopaiva": images[0].url: "ftp://example.fi/k.jpg" is not an http(s) URL`},
		{"five", announcementHead + strings.Repeat("      - path: kuvat/kuva.png\n        alt: Kuva\n", 5),
			`lumo.yaml:5: announcement "verkostopaiva": images: 5 images: a post carries at most 4`},
		{"event image without alt", "events:\n  - id: k\n    title: K\n    start: 2026-12-10T09:00\n    images:\n      - url: https://example.fi/k.jpg\n",
			`lumo.yaml:6: event "k": images[0].alt: missing: every image needs a text alternative that says what it shows (lumobot posts no image without one)`},
		{"on_image_error", "targets:\n  - name: c\n    type: console\n    on_image_error: skip\n",
			`lumo.yaml:4: target "c": on_image_error: "skip": write fail (the default) or text_only`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, got := loadIn(t, tc.yaml)
			// the message may name the absolute path; the dir is taken out
			if got != tc.want {
				t.Errorf("got\n  %s\nwant\n  %s", got, tc.want)
			}
		})
	}
}

func TestImagesLoaded(t *testing.T) {
	c, msg := loadIn(t, "targets:\n  - name: b\n    type: bluesky\n    handle: a.example\n    app_password: p\n    on_image_error: text_only\n"+
		announcementHead+"      - path: kuvat/kuva.png\n        alt: \" Osallistujat istuvat ringissä \"\n      - url: https://example.fi/k.jpg\n        alt: Logo\n"+
		"reminders:\n  - before: 1d\n    images: false\n  - before: 2h\n")
	if msg != "" {
		t.Fatal(msg)
	}
	imgs := c.Announcements[0].Images
	if len(imgs) != 2 {
		t.Fatalf("images = %+v", imgs)
	}
	if !filepath.IsAbs(imgs[0].Source) || filepath.Base(imgs[0].Source) != "kuva.png" || imgs[0].Format != "png" ||
		imgs[0].Width != 4 || imgs[0].Height != 3 || imgs[0].Alt != "Osallistujat istuvat ringissä" {
		t.Errorf("file image = %+v", imgs[0])
	}
	if imgs[1].Source != "https://example.fi/k.jpg" || imgs[1].Alt != "Logo" {
		t.Errorf("url image = %+v", imgs[1])
	}
	if r := c.Reminders; r[0].Images == nil || *r[0].Images || r[1].Images != nil {
		t.Errorf("reminders' images: %+v", r)
	}
	if c.Targets[0].OnImageError != "text_only" {
		t.Errorf("on_image_error = %q", c.Targets[0].OnImageError)
	}
	// Bluesky counts graphemes: 2000 of "ä" written as a + combining
	// diaeresis are 2000, not 4000.
	p := problems{c: c}
	c.checkAlt(&p, "alt", strings.Repeat("a\u0308", 2000))
	if len(p.list) != 0 {
		t.Errorf("2000 graphemes refused: %v", p.list)
	}
	c.checkAlt(&p, "alt", strings.Repeat("a\u0308", 2001))
	if len(p.list) != 1 {
		t.Errorf("2001 graphemes: %v", p.list)
	}
}
