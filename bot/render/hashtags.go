package render

import "strings"

// AppendHashtags appends the tags that text does not already carry as a
// hashtag, each after a space. Matching is case-insensitive and whole-tag:
// "#lumohanke" in text counts for "#LUMOhanke", "#LUMOhankeX" does not, nor
// does "#LUMOhanke" inside a URL. Tags may be given with or without '#'.
func AppendHashtags(text string, tags []string) string {
	if len(tags) == 0 {
		return text
	}
	present := map[string]bool{}
	if strings.ContainsAny(text, "#＃") { // no sign, no hashtag: skip the scan
		for _, h := range Hashtags(text) {
			present[strings.ToLower(strings.TrimLeft(h.Text, "#＃"))] = true
		}
	}
	var b strings.Builder
	n := len(text)
	for _, t := range tags {
		n += len(t) + 2
	}
	b.Grow(n)
	b.WriteString(text)
	for _, t := range tags {
		t = strings.TrimLeft(strings.TrimSpace(t), "#＃")
		if t == "" || present[strings.ToLower(t)] {
			continue
		}
		present[strings.ToLower(t)] = true
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString("#" + t)
	}
	return b.String()
}
