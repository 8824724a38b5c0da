package config

import (
	"fmt"
	"reflect"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// yamlCodec decodes YAML keeping timestamps as the text staff wrote. YAML
// would otherwise turn an unquoted 2026-12-01T10:00:00 or 2027-01-31 into a
// UTC time, and a date would drift by the zone's offset.
type yamlCodec struct{}

func (yamlCodec) Encode(v map[string]any) ([]byte, error) { return yaml.Marshal(v) }

func (yamlCodec) Decode(b []byte, v map[string]any) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return err
	}
	if len(doc.Content) == 0 {
		return nil
	}
	keepTimestampsAsText(&doc)
	return doc.Decode(&v)
}

func keepTimestampsAsText(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!timestamp" {
		n.Tag = "!!str"
	}
	for _, c := range n.Content {
		keepTimestampsAsText(c)
	}
}

func codecs() viper.Option {
	r := viper.NewCodecRegistry()
	_ = r.RegisterCodec("yaml", yamlCodec{})
	_ = r.RegisterCodec("yml", yamlCodec{})
	return viper.WithCodecRegistry(r)
}

// timeAsText lets TOML's dates and datetimes (which its decoder types)
// reach the string fields that ParseLocalTime reads.
func timeAsText() mapstructure.DecodeHookFunc {
	return func(from, to reflect.Type, data any) (any, error) {
		if to.Kind() != reflect.String {
			return data, nil
		}
		switch v := data.(type) {
		case time.Time:
			return v.Format(time.RFC3339Nano), nil
		case fmt.Stringer:
			if from.PkgPath() != "" && from.PkgPath() != "time" {
				return v.String(), nil
			}
		}
		return data, nil
	}
}
