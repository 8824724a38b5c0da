package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lumohanke/lumobot/bot/media/mediatest"
)

const photoAlt = "Osallistujat istuvat ringissä ja keskustelevat verkostopäivässä."

// writePhoto writes a 3000×2000 photo of over 2.3 MB with EXIF (camera,
// serial, GPS), XMP and an ICC profile into dir/kuvat.
func writePhoto(t *testing.T, dir string) string {
	t.Helper()
	photo := mediatest.WithEXIF(mediatest.Photo(3000, 2000, 7), 1)
	if len(photo) < 2300000 || len(mediatest.Leaked(photo)) == 0 {
		t.Fatalf("fixture: %d bytes, metadata %v", len(photo), mediatest.Leaked(photo))
	}
	path := filepath.Join(dir, "kuvat", "verkostopaiva.jpg")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, photo, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func imageConfig(at time.Time, alt, targets string) string {
	loc, _ := time.LoadLocation("Europe/Helsinki")
	altLine := ""
	if alt != "" {
		altLine = fmt.Sprintf("        alt: %q\n", alt)
	}
	return "timezone: Europe/Helsinki\nhashtags: [\"#LUMOhanke\"]\nstate: state/lumobot.db\nhttp:\n  listen: \"\"\n" +
		"announcements:\n  - id: verkostopaiva\n    text: Tervetuloa LUMOn verkostopäivään!\n" +
		"    at: " + at.In(loc).Format(time.RFC3339) + "\n    images:\n      - path: kuvat/verkostopaiva.jpg\n" + altLine + targets
}

// The first test: a 2.3 MB photo with EXIF GPS data and its alt
// text, on one announcement, reaches X, Mastodon and Bluesky with that alt
// text, without metadata, within each platform's size limit, aspect ratio
// kept; preview says beforehand what each will get. Without alt text,
// validate refuses it (exit 2).
func TestImagesReachEveryPlatform(t *testing.T) {
	fake, srv := newDlvFake(t, 11)
	fake.media.MastodonImageLimit = 2000000 // an instance that takes less than the photo
	dir := t.TempDir()
	writePhoto(t, dir)
	cfgPath := filepath.Join(dir, "lumobot.yaml")

	dlvWrite(t, cfgPath, imageConfig(time.Now().Add(-time.Minute), "", dlvTargets(srv.URL, "10s")))
	out, code := dlvRun(t, dir, time.Minute, "validate")
	if code != 2 || !strings.Contains(out, "images[0].alt: missing") {
		t.Fatalf("validate without alt: exit %d\n%s", code, out)
	}

	dlvWrite(t, cfgPath, imageConfig(time.Now().Add(-time.Minute), photoAlt, dlvTargets(srv.URL, "10s")))
	if out, code := dlvRun(t, dir, time.Minute, "validate"); code != 0 {
		t.Fatalf("validate: exit %d\n%s", code, out)
	}
	out, code = dlvRun(t, dir, 2*time.Minute, "preview", "--format", "json", "--days", "1")
	if code != 0 {
		t.Fatalf("preview: exit %d\n%s", code, out)
	}
	var rows []previewRow
	if err := json.Unmarshal([]byte(out[strings.Index(out, "["):]), &rows); err != nil {
		t.Fatalf("preview JSON: %v\n%s", err, out)
	}
	previewed := map[string]previewImage{}
	for _, r := range rows {
		if len(r.Images) == 1 {
			previewed[r.Target] = r.Images[0]
		}
	}

	out, code = dlvRun(t, dir, 2*time.Minute, "run", "--once")
	if code != 0 {
		t.Fatalf("run --once: exit %d\n%s", code, out)
	}
	limits := map[string]int{"x": 5 << 20, "mastodon": 2000000, "bluesky": 1000000}
	posts := fake.Posts()
	for platform, limit := range limits {
		ps := posts[platform]
		if len(ps) != 1 || len(ps[0].Media) != 1 {
			t.Errorf("%s holds %+v, want one post with one image\n%s", platform, ps, out)
			continue
		}
		m := ps[0].Media[0]
		if m.Alt != photoAlt {
			t.Errorf("%s: alt %q, want %q", platform, m.Alt, photoAlt)
		}
		if len(m.Leaked) > 0 {
			t.Errorf("%s: metadata reached the platform: %v", platform, m.Leaked)
		}
		if m.Bytes > limit || m.Bytes == 0 {
			t.Errorf("%s: %d bytes, limit %d", platform, m.Bytes, limit)
		}
		if m.Height == 0 || math.Abs(float64(m.Width)/float64(m.Height)-1.5) > 0.01 {
			t.Errorf("%s: %d×%d, want 3:2 kept", platform, m.Width, m.Height)
		}
		if platform == "bluesky" && (m.AspectW != m.Width || m.AspectH != m.Height) {
			t.Errorf("bluesky: aspectRatio %d×%d, image %d×%d", m.AspectW, m.AspectH, m.Width, m.Height)
		}
		pv := previewed[platform]
		if pv.Bytes != m.Bytes || pv.Width != m.Width || pv.Alt != photoAlt {
			t.Errorf("%s: preview said %+v, the platform got %d bytes %d×%d", platform, pv, m.Bytes, m.Width, m.Height)
		}
		t.Logf("%s: %d bytes, %d×%d, %s", platform, m.Bytes, m.Width, m.Height, m.Type)
	}
	if n := len(fake.Uploads()); n != 3 {
		t.Errorf("%d uploads, want 3 (one a platform)", n)
	}
}
