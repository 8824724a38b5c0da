package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// Defaults are the values used for keys the config leaves out.
var Defaults = map[string]any{
	"timezone":               "Europe/Helsinki",
	"language":               "fi",
	"hashtags":               []string{},
	"state":                  "./data/lumobot.db",
	"state_key":              "",
	"state_key_file":         "",
	"paused":                 false,
	"schedule.poll":          "*/15 * * * *",
	"schedule.quiet_hours":   "",
	"schedule.min_gap":       "0",
	"schedule.late_grace":    "6h",
	"schedule.give_up_after": "12h",
	"schedule.retry_initial": "10s",
	"schedule.retry_max":     "15m",
	"schedule.concurrency":   8,
	"schedule.quiet_days":    []string{},
	"schedule.quiet_dates":   []string{},
	"templates.news":         "",
	"templates.reminder":     "",
	"templates.announcement": "",
	"templates.change":       "",
	"templates.cancel":       "",
	"templates.digest":       "",
	"name":                   "LUMO",
	"http.listen":            ":8080",
}

// Options say where the config comes from.
type Options struct {
	File  string // config file; its extension picks the format
	State string // --state, overrides the state key when set
	// Env looks up the variables that ${VAR} secrets name; nil: os.LookupEnv.
	// LUMOBOT_* overrides are read by viper from the process environment
	// itself (AutomaticEnv), not through Env.
	Env func(string) (string, bool)
}

// Load reads, resolves and validates the configuration. An invalid config
// returns *Error, each problem placed at its file and line.
func Load(opts Options) (*Config, error) {
	lookup := opts.Env
	if lookup == nil {
		lookup = os.LookupEnv
	}
	fail := func(line int, format string, args ...any) error {
		return NewError(opts.File, []Problem{{Pos: Pos{File: opts.File, Line: line}, Message: fmt.Sprintf(format, args...)}})
	}
	src, err := os.ReadFile(opts.File)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fail(0, "config file not found (give one with --config or LUMOBOT_CONFIG; examples/lumo.yaml is a start)")
	} else if err != nil {
		return nil, fail(0, "cannot read: %v", errors.Unwrap(err))
	}
	ext := strings.ToLower(strings.TrimPrefix(filepath.Ext(opts.File), "."))
	var ix *index
	switch ext {
	case "yaml", "yml":
		doc, ps := parseYAML(opts.File, src)
		if len(ps) > 0 {
			return nil, NewError(opts.File, ps)
		}
		ix = indexYAML(opts.File, doc)
		ix.lines = strings.Split(string(src), "\n")
	case "json":
		ix = indexJSON(opts.File, src)
	case "toml":
		ix = indexTOML(opts.File, src)
	default:
		return nil, fail(0, "cannot read a .%s file: name it .yaml, .toml or .json", ext)
	}
	v := viper.NewWithOptions(viper.ExperimentalBindStruct(), viper.EnvKeyReplacer(strings.NewReplacer(".", "_")), codecs())
	v.SetEnvPrefix("LUMOBOT")
	v.AutomaticEnv()
	v.AllowEmptyEnv(true) // LUMOBOT_HTTP_LISTEN= means "", as set, not unset
	for k, val := range Defaults {
		v.SetDefault(k, val)
	}
	v.SetConfigType(ext)
	if err := v.ReadConfig(bytes.NewReader(src)); err != nil {
		return nil, fail(syntaxLine(src, err), "not valid %s: %v", strings.ToUpper(ext), errors.Unwrap(err))
	}
	c := Config{File: opts.File, idx: ix}
	err = v.Unmarshal(&c, func(dc *mapstructure.DecoderConfig) {
		dc.ErrorUnused = true
		dc.WeaklyTypedInput = true
		dc.DecodeHook = mapstructure.ComposeDecodeHookFunc(timeAsText(), mapstructure.StringToSliceHookFunc(","))
	})
	c.File, c.idx, c.digest = opts.File, ix, sha256.Sum256(src)
	if err != nil {
		return nil, NewError(opts.File, c.decodeProblems(err))
	}
	var stateErr error
	if opts.State != "" {
		c.State, c.stateFlag = opts.State, true
	} else if c.State, stateErr = expandState(c.State, lookup); c.State != "" && !filepath.IsAbs(c.State) && !strings.Contains(c.State, "://") {
		c.State = c.Path(c.State)
	}
	// Report every problem at once: the secrets' and the rest's.
	p := problems{c: &c}
	if stateErr != nil {
		p.add("state", "%v", stateErr)
	}
	c.resolveSecrets(&p, lookup)
	c.validate(&p)
	if len(p.list) > 0 {
		// In file order; those without a line (from the environment) first.
		sort.SliceStable(p.list, func(i, j int) bool { return p.list[i].Line < p.list[j].Line })
		return nil, NewError(opts.File, p.list)
	}
	return &c, nil
}

// syntaxLine finds the line of a JSON or TOML syntax error, 0 if unknown.
func syntaxLine(src []byte, err error) int {
	var js *json.SyntaxError
	if errors.As(err, &js) {
		return lineCounter(src)(int(js.Offset))
	}
	var tp interface{ Position() (int, int) } // go-toml's DecodeError
	if errors.As(err, &tp) {
		row, _ := tp.Position()
		return row
	}
	return 0
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

// decodeProblems turns the decoder's errors into one problem a key.
func (c *Config) decodeProblems(err error) []Problem {
	var out []Problem
	var walk func(err error)
	walk = func(err error) {
		if j, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range j.Unwrap() {
				walk(e)
			}
			return
		}
		de, ok := err.(*mapstructure.DecodeError)
		if !ok {
			if inner := errors.Unwrap(err); inner != nil {
				walk(inner) // "decoding failed due to the following error(s)"
				return
			}
			out = append(out, c.Problem("", "%v", err))
			return
		}
		inner := de.Unwrap()
		if _, ok := inner.(interface{ Unwrap() []error }); ok {
			walk(inner)
			return
		}
		if _, ok := inner.(*mapstructure.DecodeError); ok {
			walk(inner)
			return
		}
		out = append(out, c.decodeProblem(de)...)
	}
	walk(err)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Line < out[j].Line })
	return out
}

func (c *Config) decodeProblem(de *mapstructure.DecodeError) []Problem {
	key := de.Name()
	inner := de.Unwrap()
	if msg := inner.Error(); strings.HasPrefix(msg, "has invalid keys: ") {
		var out []Problem
		for _, k := range strings.Split(strings.TrimPrefix(msg, "has invalid keys: "), ", ") {
			out = append(out, c.Problem(join(key, k), "%s", unknownKey(key, k)))
		}
		return out
	}
	written := c.written(key, "")
	if secretKey(lastKey(key)) {
		written = "" // not repeated: a secret
	}
	var pe *mapstructure.ParseError
	var ue *mapstructure.UnconvertibleTypeError
	switch {
	case errors.As(inner, &pe):
		switch pe.Expected.Kind() {
		case reflect.Bool:
			return []Problem{c.Problem(key, "%q is not true or false", c.written(key, fmt.Sprint(pe.Value)))}
		case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64:
			return []Problem{c.Problem(key, "%q is not a whole number", c.written(key, fmt.Sprint(pe.Value)))}
		}
	case errors.As(inner, &ue):
		want := map[reflect.Kind]string{
			reflect.Slice: "a list (lines starting with \"- \", or [a, b])", reflect.Struct: "keys and values, indented below it",
			reflect.Map: "keys and values, indented below it", reflect.String: "a text (put it in quotes)",
			reflect.Bool: "true or false", reflect.Int: "a whole number",
		}[ue.Expected.Kind()]
		if want != "" {
			if written != "" {
				return []Problem{c.Problem(key, "%q: want %s", written, want)}
			}
			return []Problem{c.Problem(key, "want %s", want)}
		}
	}
	return []Problem{c.Problem(key, "%v", inner)}
}

var envRef = regexp.MustCompile(`^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$`)

// resolveSecrets fills every secret from its *_file or ${ENV} form, so the
// rest of the program only ever sees values. A secret it could not read is
// marked reported, so that Validate does not call it missing as well.
func (c *Config) resolveSecrets(p *problems, lookup func(string) (string, bool)) {
	resolve := func(key string, val *string, file string) (secret bool) {
		if file != "" {
			if *val != "" {
				p.add(key, "give %s or %s_file, not both", lastKey(key), lastKey(key))
				return true
			}
			path := c.Path(file)
			b, err := os.ReadFile(path)
			if err != nil {
				p.add(key+"_file", "cannot read the secret file %s: %v", path, errors.Unwrap(err))
				p.bad[key] = true
				return true
			}
			*val = strings.TrimRight(string(b), "\r\n")
			return true
		}
		if m := envRef.FindStringSubmatch(strings.TrimSpace(*val)); m != nil {
			s, ok := lookup(m[1])
			if !ok || s == "" {
				p.add(key, "environment variable %s is not set", m[1])
				return true
			}
			*val = s
			return true
		}
		return false
	}
	for i := range c.Targets {
		t := &c.Targets[i]
		k := fmt.Sprintf("targets[%d].", i)
		resolve(k+"consumer_key", &t.ConsumerKey, t.ConsumerKeyFile)
		resolve(k+"consumer_secret", &t.ConsumerSecret, t.ConsumerSecretFile)
		resolve(k+"access_token", &t.AccessToken, t.AccessTokenFile)
		resolve(k+"access_token_secret", &t.AccessTokenSecret, t.AccessTokenSecretFile)
		resolve(k+"app_password", &t.AppPassword, t.AppPasswordFile)
		resolve(k+"url", &t.URL, t.URLFile)
		for _, f := range []struct {
			key string
			val *string
		}{{"api_url", &t.APIURL}, {"server", &t.Server}, {"service", &t.Service}, {"handle", &t.Handle}} {
			resolve(k+f.key, f.val, "")
		}
		for h, val := range t.Headers {
			resolve(k+"headers."+h, &val, "")
			t.Headers[h] = val
		}
	}
	for i := range c.Feeds {
		f := &c.Feeds[i]
		if resolve(fmt.Sprintf("feeds[%d].url", i), &f.URL, f.URLFile) {
			if c.secretFeeds == nil {
				c.secretFeeds = map[int]bool{}
			}
			c.secretFeeds[i] = true
		}
	}
	if c.StateKeyFile != "" && c.StateKeyText == "" {
		// Read here, not by resolve: a raw key is bytes, and may end in a
		// byte that looks like a newline.
		path := c.Path(c.StateKeyFile)
		b, err := os.ReadFile(path)
		if err != nil {
			p.add("state_key_file", "cannot read the secret file %s: %v", path, errors.Unwrap(err))
			return
		}
		key, err := parseStateKey(b)
		if err != nil {
			p.add("state_key_file", "%s: %v", path, err)
			return
		}
		c.StateKey, c.stateKeyText = key, strings.TrimSpace(string(b))
		return
	}
	if resolve("state_key", &c.StateKeyText, c.StateKeyFile) || c.StateKeyText != "" {
		if p.reported("state_key") {
			return
		}
		key, err := parseStateKey([]byte(c.StateKeyText))
		if err != nil {
			p.add("state_key", "%v", err)
			return
		}
		c.StateKey, c.stateKeyText = key, strings.TrimSpace(c.StateKeyText)
	}
}

func lastKey(k string) string { return k[strings.LastIndexAny(k, ".]")+1:] }

// parseStateKey reads a 32-byte key written as 64 hex digits, as base64
// (standard or URL alphabet, padded or not), or as the 32 bytes
// themselves.
func parseStateKey(b []byte) ([]byte, error) {
	t := strings.TrimSpace(string(b))
	if len(t) == 64 {
		if k, err := hex.DecodeString(t); err == nil {
			return k, nil
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(t); err == nil && len(k) == 32 {
			return k, nil
		}
	}
	if len(t) == 32 {
		if _, err := hex.DecodeString(t); err == nil {
			// Most likely openssl rand -hex 16, not 32 raw bytes.
			return nil, fmt.Errorf("32 hex digits are a 16-byte key: write 64 hex digits (openssl rand -hex 32)")
		}
	}
	if len(b) == 32 {
		return b, nil
	}
	return nil, fmt.Errorf("not a 32-byte key: write 64 hex digits (openssl rand -hex 32), base64 of 32 bytes, or 32 raw bytes")
}

// Secrets lists every secret value in the config, for redaction: the
// targets' credentials and webhook URLs and headers, feed URLs given as
// url_file or ${ENV}, the state key, and the password of a state URL.
func (c *Config) Secrets() []string {
	out := append(c.targetSecrets(), stateSecrets(c.State)...)
	if len(c.StateKey) > 0 {
		for _, s := range []string{c.stateKeyText, hex.EncodeToString(c.StateKey), base64.StdEncoding.EncodeToString(c.StateKey)} {
			if len(s) >= 4 {
				out = append(out, s)
			}
		}
	}
	return out
}

// targetSecrets are the secrets of the targets and feeds.
func (c *Config) targetSecrets() []string {
	var out []string
	add := func(min int, ss ...string) {
		for _, s := range ss {
			if len(s) >= min {
				out = append(out, s)
			}
		}
	}
	for _, t := range c.Targets {
		add(4, t.ConsumerKey, t.ConsumerSecret, t.AccessToken, t.AccessTokenSecret, t.AppPassword, t.URL)
		for _, h := range t.Headers {
			add(8, h)
		}
	}
	for i, f := range c.Feeds {
		if c.secretFeeds[i] {
			add(4, f.URL)
		}
	}
	return out
}
