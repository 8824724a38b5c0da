package render

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/lumohanke/lumobot/bot/render/internal/twittertext"
)

// The weighted-length sections of twitter-text's conformance/validate.yml and
// the configuration each one runs with (from upstream's
// rb/test/conformance_test.rb; see testdata/twitter-text/SOURCE.md).
var conformanceSections = []struct{ name, config string }{
	{"WeightedTweetsCounterTest", "v2.json"},
	{"WeightedTweetsWithDiscountedEmojiCounterTest", "v3.json"},
	{"UnicodeDirectionalMarkerCounterTest", "v3.json"},
}

type conformanceCase struct {
	Description string    `yaml:"description"`
	Text        string    `yaml:"text"`
	Raw         yaml.Node `yaml:"expected"` // a bool in the other sections
	Expected    struct {
		WeightedLength    int  `yaml:"weightedLength"`
		Valid             bool `yaml:"valid"`
		Permillage        int  `yaml:"permillage"`
		DisplayRangeStart int  `yaml:"displayRangeStart"`
		DisplayRangeEnd   int  `yaml:"displayRangeEnd"`
		ValidRangeStart   int  `yaml:"validRangeStart"`
		ValidRangeEnd     int  `yaml:"validRangeEnd"`
	} `yaml:"-"`
}

func loadTweetConfig(t *testing.T, name string) twittertext.Config {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "twitter-text", "config", name))
	if err != nil {
		t.Fatal(err)
	}
	var raw struct {
		MaxWeightedTweetLength int  `json:"maxWeightedTweetLength"`
		Scale                  int  `json:"scale"`
		DefaultWeight          int  `json:"defaultWeight"`
		EmojiParsingEnabled    bool `json:"emojiParsingEnabled"`
		TransformedURLLength   int  `json:"transformedURLLength"`
		Ranges                 []struct {
			Start, End, Weight int
		} `json:"ranges"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	c := twittertext.Config{
		MaxWeightedTweetLength: raw.MaxWeightedTweetLength,
		Scale:                  raw.Scale,
		DefaultWeight:          raw.DefaultWeight,
		EmojiParsingEnabled:    raw.EmojiParsingEnabled,
		TransformedURLLength:   raw.TransformedURLLength,
	}
	for _, r := range raw.Ranges {
		c.Ranges = append(c.Ranges, twittertext.WeightRange{Start: r.Start, End: r.End, Weight: r.Weight})
	}
	return c
}

func TestConfigV3MatchesUpstream(t *testing.T) {
	if got := loadTweetConfig(t, "v3.json"); !reflect.DeepEqual(got, twittertext.V3) {
		t.Errorf("twittertext.V3 = %+v, config/v3.json = %+v", twittertext.V3, got)
	}
}

func TestTwitterTextConformance(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "twitter-text", "validate.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests map[string][]conformanceCase `yaml:"tests"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	for _, sec := range conformanceSections {
		cases := doc.Tests[sec.name]
		if len(cases) == 0 {
			t.Fatalf("section %s missing from validate.yml", sec.name)
		}
		cfg := loadTweetConfig(t, sec.config)
		passed := 0
		t.Run(sec.name, func(t *testing.T) {
			for _, c := range cases {
				if err := c.Raw.Decode(&c.Expected); err != nil {
					t.Fatalf("%s: %v", c.Description, err)
				}
				ok := t.Run(strings.ReplaceAll(c.Description, " ", "_"), func(t *testing.T) {
					got := twittertext.Parse(c.Text, &cfg)
					want := twittertext.Result{
						WeightedLength:    c.Expected.WeightedLength,
						Valid:             c.Expected.Valid,
						Permillage:        c.Expected.Permillage,
						DisplayRangeStart: c.Expected.DisplayRangeStart,
						DisplayRangeEnd:   c.Expected.DisplayRangeEnd,
						ValidRangeStart:   c.Expected.ValidRangeStart,
						ValidRangeEnd:     c.Expected.ValidRangeEnd,
					}
					if got != want {
						t.Errorf("parseTweet(%.80q)\n got %+v\nwant %+v", c.Text, got, want)
					}
					if sec.config == "v3.json" && XLength(c.Text) != c.Expected.WeightedLength {
						t.Errorf("XLength = %d, want %d", XLength(c.Text), c.Expected.WeightedLength)
					}
				})
				if ok {
					passed++
				}
			}
		})
		t.Logf("%s (%s): %d/%d passed", sec.name, sec.config, passed, len(cases))
	}
}
