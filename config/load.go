package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// Error is an invalid configuration: every problem found, each naming its
// key. The command layer maps it to exit code 2.
type Error struct {
	File     string
	Problems []string
}

func (e *Error) Error() string {
	src := e.File
	if src == "" {
		src = "config"
	}
	if len(e.Problems) == 1 {
		return fmt.Sprintf("%s: %s", src, e.Problems[0])
	}
	return fmt.Sprintf("%s: %d problems:\n  %s", src, len(e.Problems), strings.Join(e.Problems, "\n  "))
}

// IsConfigError reports whether err is an invalid configuration.
func IsConfigError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// Defaults are the values used for keys the config leaves out.
var Defaults = map[string]any{
	"timezone":               "Europe/Helsinki",
	"language":               "fi",
	"hashtags":               []string{},
	"state":                  "./data/lumobot.db",
	"schedule.poll":          "*/15 * * * *",
	"schedule.quiet_hours":   "",
	"schedule.min_gap":       "0",
	"schedule.late_grace":    "6h",
	"schedule.give_up_after": "12h",
	"schedule.retry_initial": "10s",
	"schedule.retry_max":     "15m",
	"schedule.concurrency":   8,
	"templates.news":         "",
	"templates.reminder":     "",
	"templates.announcement": "",
	"http.listen":            ":8080",
}

// Options say where the config comes from.
type Options struct {
	File  string                      // config file; its extension picks the format
	State string                      // --state, overrides the state key when set
	Env   func(string) (string, bool) // environment lookup; nil: os.LookupEnv
}

// Load reads, resolves and validates the configuration. An invalid config
// returns *Error.
func Load(opts Options) (*Config, error) {
	lookup := opts.Env
	if lookup == nil {
		lookup = os.LookupEnv
	}
	v := viper.NewWithOptions(viper.ExperimentalBindStruct(), viper.EnvKeyReplacer(strings.NewReplacer(".", "_")), codecs())
	v.SetEnvPrefix("LUMOBOT")
	v.AutomaticEnv()
	v.AllowEmptyEnv(true) // LUMOBOT_HTTP_LISTEN= means "", as set, not unset
	for k, val := range Defaults {
		v.SetDefault(k, val)
	}
	v.SetConfigFile(opts.File)
	if err := v.ReadInConfig(); err != nil {
		var notFound viper.ConfigFileNotFoundError
		if errors.As(err, &notFound) || errors.Is(err, os.ErrNotExist) {
			return nil, &Error{File: opts.File, Problems: []string{"config file not found (give one with --config or LUMOBOT_CONFIG; examples/lumo.yaml is a start)"}}
		}
		return nil, &Error{File: opts.File, Problems: []string{"cannot read: " + err.Error()}}
	}
	var c Config
	err := v.Unmarshal(&c, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.WeaklyTypedInput = true
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(timeAsText(), mapstructure.StringToSliceHookFunc(","))
	})
	if err != nil {
		return nil, &Error{File: opts.File, Problems: decodeProblems(err)}
	}
	c.File = opts.File
	if opts.State != "" {
		c.State = opts.State
	} else if c.State != "" && !filepath.IsAbs(c.State) {
		c.State = c.Path(c.State)
	}
	// Report every problem at once: the secrets' and the rest's.
	var problems []string
	for _, err := range []error{c.resolveSecrets(lookup), c.Validate()} {
		var e *Error
		if errors.As(err, &e) {
			problems = append(problems, e.Problems...)
		}
	}
	if len(problems) > 0 {
		return nil, &Error{File: opts.File, Problems: problems}
	}
	return &c, nil
}

// Path resolves a path from the config against the config file's directory.
func (c *Config) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.File == "" {
		return p
	}
	return filepath.Join(filepath.Dir(c.File), p)
}

// Source resolves a feed URL: URLs stay as they are, a local path is read
// against the config file's directory.
func (c *Config) Source(u string) string {
	if strings.Contains(u, "://") {
		return u
	}
	return c.Path(u)
}

var invalidKeys = regexp.MustCompile(`'([^']*)' has invalid keys: (.+)`)

// decodeProblems turns mapstructure's errors into one line a key.
func decodeProblems(err error) []string {
	var out []string
	for _, line := range strings.Split(err.Error(), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "* "))
		if line == "" || strings.HasPrefix(line, "decoding failed") {
			continue
		}
		if m := invalidKeys.FindStringSubmatch(line); m != nil {
			for _, k := range strings.Split(m[2], ", ") {
				key := k
				if m[1] != "" {
					key = m[1] + "." + k
				}
				out = append(out, fmt.Sprintf("%s: unknown key (a typo? see the config reference in the README)", key))
			}
			continue
		}
		out = append(out, line)
	}
	if len(out) == 0 {
		out = []string{err.Error()}
	}
	return out
}

var envRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// resolveSecrets fills every secret from its *_file or ${ENV} form, so the
// rest of the program only ever sees values.
func (c *Config) resolveSecrets(lookup func(string) (string, bool)) error {
	var problems []string
	resolve := func(key string, val *string, file string) {
		if file != "" {
			if *val != "" {
				problems = append(problems, fmt.Sprintf("%s and %s_file: give one, not both", key, key))
				return
			}
			b, err := os.ReadFile(c.Path(file))
			if err != nil {
				problems = append(problems, fmt.Sprintf("%s_file: cannot read secret file: %v", key, errors.Unwrap(err)))
				return
			}
			*val = strings.TrimRight(string(b), "\r\n")
			return
		}
		if m := envRef.FindStringSubmatch(strings.TrimSpace(*val)); m != nil {
			s, ok := lookup(m[1])
			if !ok || s == "" {
				problems = append(problems, fmt.Sprintf("%s: environment variable %s is not set", key, m[1]))
				return
			}
			*val = s
		}
	}
	for i := range c.Targets {
		t := &c.Targets[i]
		p := fmt.Sprintf("targets[%d].", i)
		resolve(p+"consumer_key", &t.ConsumerKey, t.ConsumerKeyFile)
		resolve(p+"consumer_secret", &t.ConsumerSecret, t.ConsumerSecretFile)
		resolve(p+"access_token", &t.AccessToken, t.AccessTokenFile)
		resolve(p+"access_token_secret", &t.AccessTokenSecret, t.AccessTokenSecretFile)
		resolve(p+"app_password", &t.AppPassword, t.AppPasswordFile)
		resolve(p+"url", &t.URL, t.URLFile)
		for _, f := range []struct {
			key string
			val *string
		}{{"api_url", &t.APIURL}, {"server", &t.Server}, {"service", &t.Service}, {"handle", &t.Handle}} {
			resolve(p+f.key, f.val, "")
		}
		for h, val := range t.Headers {
			resolve(p+"headers."+h, &val, "")
			t.Headers[h] = val
		}
	}
	if len(problems) > 0 {
		return &Error{File: c.File, Problems: problems}
	}
	return nil
}

// Secrets lists every secret value in the config, for redaction.
func (c *Config) Secrets() []string {
	var out []string
	for _, t := range c.Targets {
		for _, s := range []string{t.ConsumerKey, t.ConsumerSecret, t.AccessToken, t.AccessTokenSecret, t.AppPassword, t.URL} {
			if len(s) >= 4 {
				out = append(out, s)
			}
		}
		for _, h := range t.Headers {
			if len(h) >= 8 {
				out = append(out, h)
			}
		}
	}
	return out
}
