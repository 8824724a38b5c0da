package news

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/lumohanke/lumobot/feeds"
)

func TestParseImages(t *testing.T) {
	const mrss = `xmlns:media="http://search.yahoo.com/mrss/"`
	// rss wraps an item's elements in a feed whose channel link is the
	// base of relative URLs.
	rss := func(item string) string {
		return `<rss version="2.0" ` + mrss + ` xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>` +
			`<link>https://lumo.example/uutiset/</link><item><guid>g</guid><title>Sytykettä yhteistyöhön</title>` + item +
			`</item></channel></rss>`
	}
	atom := func(entry string) string {
		return `<feed xmlns="http://www.w3.org/2005/Atom" ` + mrss + ` xml:base="https://lumo.example/blogi/"><entry>` +
			`<id>g</id><title>Sytykettä yhteistyöhön</title>` + entry + `</entry></feed>`
	}
	json := func(item string) string {
		return `{"version":"https://jsonfeed.org/version/1.1","home_page_url":"https://lumo.example/",` +
			`"icon":"https://lumo.example/icon.png","items":[{"id":"g","title":"Sytykettä yhteistyöhön"` + item + `}]}`
	}
	img := func(url, alt, typ string) *feeds.Image { return &feeds.Image{URL: url, Alt: alt, Type: typ} }
	long := strings.Repeat("Kahdeksan ihmistä istuu piirissä. ", 100)

	tests := []struct {
		name    string
		body    string
		want    *feeds.Image
		warning string // a text some warning contains; "" for no warning
	}{
		{"no image", rss(``), nil, ""},
		{"RSS image enclosure", rss(`<enclosure url="https://lumo.example/kuva.jpg" length="1000" type="image/jpeg"/>`),
			img("https://lumo.example/kuva.jpg", "", "image/jpeg"), ""},
		{"audio enclosure is no image", rss(`<enclosure url="https://lumo.example/jakso.mp3" length="1000" type="audio/mpeg"/>`), nil, ""},
		{"pdf enclosure is no image, the image after it is", rss(`<enclosure url="https://lumo.example/r.pdf" type="application/pdf"/>` +
			`<enclosure url="https://lumo.example/kansi.png" type="image/png"/>`), img("https://lumo.example/kansi.png", "", "image/png"), ""},
		{"type parameters and case dropped", rss(`<enclosure url="https://lumo.example/k.jpg" type="Image/JPEG; q=1"/>`),
			img("https://lumo.example/k.jpg", "", "image/jpeg"), ""},
		{"itunes:image is not the item's image", rss(`<itunes:image href="https://lumo.example/podcast.jpg"/>`), nil, ""},

		{"media:content medium=image with description", rss(`<media:content url="https://lumo.example/k.jpg" medium="image">` +
			`<media:description>Kouluttaja seisoo fläppitaulun vieressä.</media:description></media:content>`),
			img("https://lumo.example/k.jpg", "Kouluttaja seisoo fläppitaulun vieressä.", ""), ""},
		{"media:content by type, HTML description", rss(`<media:content url="https://lumo.example/k.png" type="image/png">` +
			`<media:description type="html">&lt;p&gt;Kaksi &lt;b&gt;lasta&lt;/b&gt; piirtää &amp;auml;idille.&lt;/p&gt;</media:description></media:content>`),
			img("https://lumo.example/k.png", "Kaksi lasta piirtää äidille.", "image/png"), ""},
		{"plain description: entities decoded, white space collapsed", rss(`<media:content url="https://lumo.example/k.jpg" medium="image">` +
			`<media:description>  Puisto&amp;nbsp;syksyllä,
			lehtiä &amp;ndash; maassa </media:description></media:content>`),
			img("https://lumo.example/k.jpg", "Puisto syksyllä, lehtiä – maassa", ""), ""},
		{"media:title when no description", rss(`<media:content url="https://lumo.example/k.jpg" medium="image">` +
			`<media:title type="html">Ryhmäkuva Tampereelta</media:title></media:content>`),
			img("https://lumo.example/k.jpg", "Ryhmäkuva Tampereelta", ""), ""},
		{"a description at any level before a title", rss(`<media:group><media:description>Ryhmä piirissä.</media:description>` +
			`<media:content url="https://lumo.example/k.jpg" medium="image"><media:title>Ryhmäkuva</media:title></media:content></media:group>`),
			img("https://lumo.example/k.jpg", "Ryhmä piirissä.", ""), ""},
		{"the content's own description before the group's", rss(`<media:group><media:description>Ryhmä.</media:description>` +
			`<media:content url="https://lumo.example/k.jpg" medium="image"><media:description>Oma.</media:description></media:content></media:group>`),
			img("https://lumo.example/k.jpg", "Oma.", ""), ""},
		{"item-level description speaks for the item's media", rss(`<media:description>Tason kuvaus.</media:description>` +
			`<media:thumbnail url="https://lumo.example/t.jpg"/>`), img("https://lumo.example/t.jpg", "Tason kuvaus.", ""), ""},
		{"media:title equal to the item's title is no alt", rss(`<media:content url="https://lumo.example/k.jpg" medium="image">` +
			`<media:title>Sytykettä yhteistyöhön</media:title></media:content>`), img("https://lumo.example/k.jpg", "", ""), ""},
		{"the item's title is passed over for the next text", rss(`<media:content url="https://lumo.example/k.jpg" medium="image">` +
			`<media:description>sytykettä YHTEISTYÖHÖN</media:description><media:title>Ihmisiä puistossa</media:title></media:content>`),
			img("https://lumo.example/k.jpg", "Ihmisiä puistossa", ""), ""},
		{"a file name is no alt", rss(`<media:content url="https://lumo.example/2021/IMG_0042.JPG?w=640" medium="image">` +
			`<media:title type="html">img_0042</media:title></media:content>`), img("https://lumo.example/2021/IMG_0042.JPG?w=640", "", ""), ""},
		{"a file name with extension is no alt", rss(`<media:content url="https://lumo.example/kuva-1.png" medium="image">` +
			`<media:description>kuva-1.png</media:description></media:content>`), img("https://lumo.example/kuva-1.png", "", ""), ""},
		{"controls and bidi overrides removed from alt", rss(`<media:content url="https://lumo.example/k.jpg" medium="image">` +
			`<media:description>Kuva&#x202E; &#xFEFF;puistosta</media:description></media:content>`),
			img("https://lumo.example/k.jpg", "Kuva puistosta", ""), ""},
		{"a long alt is cut to MaxAlt", rss(`<media:content url="https://lumo.example/k.jpg" medium="image"><media:description>` +
			long + `</media:description></media:content>`), img("https://lumo.example/k.jpg", feeds.Clip(strings.TrimSpace(long), feeds.MaxAlt), ""), ""},

		{"media:content without type or medium, by extension", rss(`<media:content url="https://lumo.example/k.webp"/>`),
			img("https://lumo.example/k.webp", "", ""), ""},
		{"media:content video is no image", rss(`<media:content url="https://lumo.example/v.mp4" type="video/mp4"/>`), nil, ""},
		{"medium=video by extension is no image", rss(`<media:content url="https://lumo.example/v.jpg" medium="video"/>`), nil, ""},
		{"a stated type wins over medium", rss(`<media:content url="https://lumo.example/v" type="video/mp4" medium="image"/>`), nil, ""},
		{"a video's thumbnail with the video's description", rss(`<media:content url="https://lumo.example/v.mp4" type="video/mp4">` +
			`<media:description>Webinaarin tallenne.</media:description><media:thumbnail url="https://lumo.example/v.jpg"/></media:content>`),
			img("https://lumo.example/v.jpg", "Webinaarin tallenne.", ""), ""},
		{"content before thumbnail whatever the order", rss(`<media:thumbnail url="https://lumo.example/pieni.jpg"/>` +
			`<media:content url="https://lumo.example/iso.jpg" medium="image"/>`), img("https://lumo.example/iso.jpg", "", ""), ""},
		{"media:content before enclosure", rss(`<enclosure url="https://lumo.example/e.jpg" type="image/jpeg"/>` +
			`<media:content url="https://lumo.example/m.jpg" medium="image"/>`), img("https://lumo.example/m.jpg", "", ""), ""},
		{"enclosure before thumbnail", rss(`<media:thumbnail url="https://lumo.example/t.jpg"/>` +
			`<enclosure url="https://lumo.example/e.jpg" type="image/jpeg"/>`), img("https://lumo.example/e.jpg", "", "image/jpeg"), ""},
		{"isDefault content of a group first", rss(`<media:group><media:content url="https://lumo.example/a.jpg" medium="image"/>` +
			`<media:content url="https://lumo.example/b.jpg" medium="image" isDefault="true"/></media:group>`),
			img("https://lumo.example/b.jpg", "", ""), ""},
		{"item-level content before a group's", rss(`<media:group><media:content url="https://lumo.example/g.jpg" medium="image"/></media:group>` +
			`<media:content url="https://lumo.example/i.jpg" medium="image"/>`), img("https://lumo.example/i.jpg", "", ""), ""},
		{"another prefix for the Media RSS namespace", `<rss version="2.0" xmlns:m="http://search.yahoo.com/mrss/"><channel><item><guid>g</guid>` +
			`<m:content url="https://lumo.example/k.jpg" medium="image"><m:description>Kuva.</m:description></m:content></item></channel></rss>`,
			img("https://lumo.example/k.jpg", "Kuva.", ""), ""},
		{"the original file before its scaled copy", rss(`<media:content url="https://lumo.example/k.jpg?w=100" medium="image">` +
			`<media:title>k</media:title></media:content><media:content url="https://lumo.example/k.jpg" medium="image">` +
			`<media:title>Puisto keväällä</media:title></media:content>`), img("https://lumo.example/k.jpg", "Puisto keväällä", ""), ""},
		{"no original: the scaled copy", rss(`<media:content url="https://lumo.example/k.jpg?w=100" medium="image"/>`),
			img("https://lumo.example/k.jpg?w=100", "", ""), ""},

		{"relative URL resolved against the channel link", rss(`<media:content url="../kuvat/k.jpg" medium="image"/>`),
			img("https://lumo.example/kuvat/k.jpg", "", ""), ""},
		{"userinfo dropped", rss(`<enclosure url="https://user:pw@lumo.example/k.jpg" type="image/jpeg"/>`),
			img("https://lumo.example/k.jpg", "", "image/jpeg"), ""},
		{"a javascript: URL is warned about, the next candidate taken", rss(`<media:content url="javascript:alert(1)" medium="image"/>` +
			`<media:thumbnail url="https://lumo.example/t.jpg"/>`), img("https://lumo.example/t.jpg", "", ""),
			`media:content URL "javascript:alert(1)" is no http(s) URL: ignored`},
		{"a data: URL only: no image, a warning", rss(`<enclosure url="data:image/png;base64,iVBORw0KGgo=" type="image/png"/>`), nil,
			`enclosure URL "data:image/png;base64,iVBORw0KGgo=" is no http(s) URL`},
		{"an unparsable URL", rss(`<media:thumbnail url="https://lumo.example/%zz.jpg"/>`), nil, `media:thumbnail URL "https://lumo.example/%zz.jpg"`},
		{"a URL too long", rss(`<media:thumbnail url="https://lumo.example/` + strings.Repeat("a", maxLink) + `.jpg"/>`), nil, "media:thumbnail URL of 4121 bytes: ignored"},
		{"an empty URL is passed over silently", rss(`<media:content url="" medium="image"/><media:thumbnail url="https://lumo.example/t.jpg"/>`),
			img("https://lumo.example/t.jpg", "", ""), ""},
		{"a Gravatar is not the item's image", rss(`<media:content url="https://0.gravatar.com/avatar/5b1e?s=96&amp;d=identicon" medium="image">` +
			`<media:title type="html">lumohanke</media:title></media:content>`), nil, ""},
		{"the feed's logo is not the item's image", `<rss version="2.0"><channel><link>https://lumo.example/</link>` +
			`<image><url>/logo.png</url><title>LUMO</title><link>https://lumo.example/</link></image>` +
			`<item><guid>g</guid><enclosure url="https://lumo.example/logo.png" type="image/png"/></item></channel></rss>`, nil, ""},

		{"Atom image enclosure, relative to xml:base", atom(`<link rel="enclosure" type="image/jpeg" href="kuvat/k.jpg" length="1000"/>`),
			img("https://lumo.example/blogi/kuvat/k.jpg", "", "image/jpeg"), ""},
		{"Atom audio enclosure is no image", atom(`<link rel="enclosure" type="audio/mpeg" href="https://lumo.example/j.mp3"/>`), nil, ""},
		{"Atom alternate link is no image", atom(`<link rel="alternate" type="image/jpeg" href="https://lumo.example/k.jpg"/>`), nil, ""},
		{"Atom media:group thumbnail with the group's description", atom(`<media:group><media:title>Sytykettä yhteistyöhön</media:title>` +
			`<media:content url="https://www.youtube.com/v/x?version=3" type="application/x-shockwave-flash"/>` +
			`<media:thumbnail url="https://i1.ytimg.com/vi/x/hqdefault.jpg" width="480" height="360"/>` +
			`<media:description>Tallenne webinaarista.</media:description></media:group>`),
			img("https://i1.ytimg.com/vi/x/hqdefault.jpg", "Tallenne webinaarista.", ""), ""},

		{"JSON Feed image, relative to home_page_url", json(`,"image":"/kuvat/k.jpg","banner_image":"/kuvat/b.jpg"`),
			img("https://lumo.example/kuvat/k.jpg", "", ""), ""},
		{"JSON Feed banner_image without image", json(`,"banner_image":"https://lumo.example/b.jpg"`),
			img("https://lumo.example/b.jpg", "", ""), ""},
		{"JSON Feed image attachment", json(`,"attachments":[{"url":"https://lumo.example/a.mp3","mime_type":"audio/mpeg"},` +
			`{"url":"https://lumo.example/a.png","mime_type":"image/png","title":"Kansi"}]`), img("https://lumo.example/a.png", "", "image/png"), ""},
		{"JSON Feed image that is the feed's icon", json(`,"image":"https://lumo.example/icon.png"`), nil, ""},
		{"JSON Feed image of another scheme", json(`,"image":"ftp://lumo.example/k.jpg"`), nil, `image URL "ftp://lumo.example/k.jpg" is no http(s) URL`},
	}
	now := time.Date(2021, 5, 3, 9, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			items, warnings, err := ParseWithWarnings([]byte(tt.body), "", "https://lumo.example/feed", now)
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != 1 {
				t.Fatalf("%d items", len(items))
			}
			if got := items[0].Image; !sameImage(got, tt.want) {
				t.Errorf("Image = %s\nwant    %s", showImage(got), showImage(tt.want))
			}
			checkClean(t, items)
			var texts []string
			for _, w := range warnings {
				texts = append(texts, w.Problem)
			}
			all := strings.Join(texts, "\n")
			switch {
			case tt.warning == "" && len(warnings) > 0:
				t.Errorf("unexpected warnings:\n%s", all)
			case tt.warning != "" && !strings.Contains(all, tt.warning):
				t.Errorf("warnings:\n%s\nwant one containing %q", all, tt.warning)
			}
		})
	}
}

// An item naming a great many pictures with a large shared description
// costs one reading of that description, not one per picture.
func TestParseImagesBounded(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><item><guid>g</guid><media:group><media:description>`)
	b.WriteString(strings.Repeat("Pitkä kuvaus. ", 20000))
	b.WriteString(`</media:description>`)
	for range 5000 {
		b.WriteString(`<media:content url="https://lumo.example/k.jpg?w=1" medium="image"/>`)
	}
	b.WriteString(`</media:group></item></channel></rss>`)
	start := time.Now()
	items, err := Parse([]byte(b.String()), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed > 20*time.Second {
		t.Errorf("took %s", elapsed)
	}
	got := items[0].Image
	if got == nil || got.URL != "https://lumo.example/k.jpg?w=1" || utf8.RuneCountInString(got.Alt) != feeds.MaxAlt {
		t.Errorf("Image = %s", showImage(got))
	}
}
