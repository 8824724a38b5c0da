package bluesky

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

func TestParseCard(t *testing.T) {
	base, _ := url.Parse("https://lumohanke.fi/uutiset/kemia?x=1")
	long := strings.Repeat("Pitkä kuvaus. ", 200)
	cases := []struct {
		name string
		page string
		want Card
	}{
		{"open graph", `<!doctype html><html><head>
<meta property="og:title" content="Kemian päivä 2026">
<meta property="og:description" content="Liekkikokeita &amp; kromatografiaa.">
<meta property="og:image" content="https://cdn.lumohanke.fi/og/kemia.jpg">
<title>Kemian päivä – LUMO</title></head><body></body></html>`,
			Card{"Kemian päivä 2026", "Liekkikokeita & kromatografiaa.", "https://cdn.lumohanke.fi/og/kemia.jpg"}},
		{"fallbacks: title and meta description, relative image", `<html><head><title>
  Uutiset   – LUMO </title><meta name="description" content="Tuoreet uutiset"><meta property="og:image" content="../kuvat/a.png"></head></html>`,
			Card{"Uutiset – LUMO", "Tuoreet uutiset", "https://lumohanke.fi/kuvat/a.png"}},
		{"og in name= and twitter: tags", `<head><meta name="og:title" content="Nimi"><meta name="twitter:description" content="Kuvaus"><meta name="twitter:image" content="//cdn.example/t.jpg"></head>`,
			Card{"Nimi", "Kuvaus", "https://cdn.example/t.jpg"}},
		{"first og:title wins, secure_url preferred", `<head><meta property="og:title" content="Eka"><meta property="og:title" content="Toka">
<meta property="og:image" content="http://x.example/a.jpg"><meta property="og:image:secure_url" content="https://x.example/a.jpg"></head>`,
			Card{"Eka", "", "https://x.example/a.jpg"}},
		{"image that is not http(s) is left out", `<head><meta property="og:image" content="javascript:alert(1)"><meta property="og:image" content="data:image/png;base64,AAAA"></head>`,
			Card{}},
		{"tags in the body are not read", `<head><title>Otsikko</title></head><body><meta property="og:title" content="Väärä"></body>`,
			Card{"Otsikko", "", ""}},
		{"a long description is cut", `<head><meta property="og:description" content="` + long + `"></head>`,
			Card{"", strings.TrimRight(string([]rune(long)[:maxCardDescription-1]), " ") + "…", ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseCard(strings.NewReader(tc.page), base)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
	if _, err := ParseCard(strings.NewReader(""), base); err == nil {
		t.Error("an empty page gave no error")
	}
}

func FuzzParseCard(f *testing.F) {
	f.Add(`<head><meta property="og:title" content="a"><meta property="og:image" content="/x.png"><title>t</title></head>`)
	f.Add(`<meta name="description" content="` + strings.Repeat("👩🏽‍🔬", 400) + `">`)
	f.Add("<title>\xff\xfe</title>")
	base, _ := url.Parse("https://lumohanke.fi/a/")
	f.Fuzz(func(t *testing.T, page string) {
		c, err := ParseCard(strings.NewReader(page), base)
		if err != nil {
			return
		}
		if !utf8.ValidString(c.Title) || !utf8.ValidString(c.Description) {
			t.Errorf("invalid UTF-8 in %+v", c)
		}
		if n := uniseg.GraphemeClusterCount(c.Title); n > maxCardTitle {
			t.Errorf("title of %d graphemes", n)
		}
		if n := uniseg.GraphemeClusterCount(c.Description); n > maxCardDescription {
			t.Errorf("description of %d graphemes", n)
		}
		if c.Image != "" {
			u, err := url.Parse(c.Image)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				t.Errorf("image %q is not an absolute http(s) URL", c.Image)
			}
		}
	})
}

func TestPageCards(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/vanha":
			http.Redirect(w, r, "/uusi/sivu", http.StatusMovedPermanently)
		case "/uusi/sivu":
			w.Header().Set("Content-Type", "text/html; charset=iso-8859-1")
			io.WriteString(w, "<head><title>P\xe4iv\xe4</title><meta property=\"og:image\" content=\"kuva.jpg\"></head>")
		case "/kuva.jpg":
			w.Header().Set("Content-Type", "image/jpeg")
			io.WriteString(w, "\xff\xd8")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	pc := NewPageCards(srv.Client())
	c, err := pc.Read(context.Background(), srv.URL+"/vanha")
	if err != nil {
		t.Fatal(err)
	}
	// Latin-1 decoded; the image resolved against the page after the redirect.
	if c.Title != "Päivä" || c.Image != srv.URL+"/uusi/kuva.jpg" {
		t.Errorf("card %+v", c)
	}
	for _, path := range []string{"/puuttuu?token=SALAINEN", "/kuva.jpg?token=SALAINEN"} {
		_, err := pc.Read(context.Background(), srv.URL+path)
		if err == nil {
			t.Errorf("%s: no error", path)
			continue
		}
		if strings.Contains(err.Error(), "SALAINEN") || strings.Contains(err.Error(), "/puuttuu") {
			t.Errorf("error %q shows more of the URL than its host", err)
		}
	}
}
