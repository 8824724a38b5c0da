package config

import (
	"fmt"
	"reflect"
	"regexp"
	"strconv"
	"strings"
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

var yamlErrLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML parses a config file, or says what to fix: a syntax error on
// the line to change (not where the parser gave up), or keys given twice
// in one mapping, once per mapping (a missing "- " before a list item
// repeats every key of the item).
func parseYAML(file string, src []byte) (*yaml.Node, []Problem) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, []Problem{yamlSyntax(file, src, err)}
	}
	c := &Config{File: file, idx: indexYAML(file, &doc)}
	return &doc, duplicateKeys(c, &doc, "", false)
}

func yamlSyntax(file string, src []byte, err error) Problem {
	msg := err.Error()
	line := 0
	if m := yamlErrLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = m[2]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	lines := strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	if n := len(lines); n > 1 && lines[n-1] == "" {
		lines = lines[:n-1]
	}
	if line > len(lines) { // "unexpected end of stream" is after the last line
		line = len(lines)
	}
	place := func(l int, format string, args ...any) Problem {
		return Problem{Pos: Pos{File: file, Line: l}, Message: fmt.Sprintf(format, args...)}
	}
	at := func(l int) string {
		if l >= 1 && l <= len(lines) {
			return lines[l-1]
		}
		return ""
	}
	if strings.Contains(msg, "cannot start any token") && strings.Contains(leadingSpace(at(line)), "\t") {
		return place(line, "a tab in the indentation: indent with spaces only")
	}
	if l, m, ok := indentProblem(lines); ok && (line == 0 || l <= line || !strings.Contains(msg, "mapping values")) {
		return place(l, "%s", m)
	}
	// The parser's line first, then any line with a mistake of the same
	// kind: the parser sometimes gives up far from it ("did not find
	// expected key" on line 1).
	for _, l := range append([]int{line}, seq(1, len(lines))...) {
		if p, ok := valueMistake(file, lines, l, l == line && strings.Contains(msg, "mapping values")); ok {
			return p
		}
	}
	if strings.Contains(msg, "end of stream") || strings.Contains(msg, "quoted scalar") {
		for i, l := range lines {
			if _, v, ok := keyValue(l); ok && v != "" && strings.ContainsAny(v[:1], `"'`) && strings.Count(v, v[:1]) == 1 {
				return yamlPlace(file, lines, i+1, "the quote %s is not closed: end the text with %s", v[:1], v[:1])
			}
		}
	}
	return place(line, "not valid YAML: %s", msg)
}

// valueMistake finds on line l a value YAML cannot read as text: a colon
// and a space in it (colon: only when the parser complained of one there),
// a first character YAML reserves, or text after a closing quote.
func valueMistake(file string, lines []string, l int, colon bool) (Problem, bool) {
	if l < 1 || l > len(lines) {
		return Problem{}, false
	}
	key, val, ok := keyValue(lines[l-1])
	quote := quote
	if ok && secretKey(key) {
		// Say what to do without repeating the value: it is a secret,
		// and no logger hides it yet.
		quote = func(string) string { return "the value" }
	}
	switch {
	case !ok || val == "":
		return Problem{}, false
	case colon && strings.Contains(val+" ", ": ") && !strings.ContainsAny(val[:1], `"'[{`):
		return yamlPlace(file, lines, l, "the text has a colon and a space in it: put the text in quotes, %s", quote(val)), true
	case strings.ContainsAny(val[:1], "@`%"):
		return yamlPlace(file, lines, l, "text that starts with %s must be in quotes: %s", val[:1], quote(val)), true
	case strings.ContainsAny(val[:1], `"'`) && strings.Count(val, val[:1]) >= 2 && !strings.HasSuffix(val, val[:1]):
		return yamlPlace(file, lines, l, "text goes on after the closing quote: quote all of it, %s", quote(val)), true
	}
	return Problem{}, false
}

func seq(from, to int) []int {
	var out []int
	for i := from; i <= to; i++ {
		out = append(out, i)
	}
	return out
}

// yamlPlace places a problem with a value on line l of a file that does
// not parse, naming its key (and item) as Load would: the lines before it,
// with the value left out, usually parse.
func yamlPlace(file string, lines []string, l int, format string, args ...any) Problem {
	p := Problem{Pos: Pos{File: file, Line: l}, Message: fmt.Sprintf(format, args...)}
	k, _, ok := keyValue(lines[l-1])
	if !ok {
		return p
	}
	head := strings.Join(lines[:l-1], "\n") + "\n" + lines[l-1][:strings.Index(lines[l-1], k)+len(k)] + ":\n"
	// The rest of the item may hold its id: its lines up to the next item
	// or a shallower line, values dropped when they would not parse.
	ind := len(lines[l-1]) - len(strings.TrimLeft(strings.TrimPrefix(strings.TrimLeft(lines[l-1], " "), "- "), " "))
	for _, next := range lines[l:] {
		t := strings.TrimLeft(next, " ")
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if len(next)-len(t) != ind {
			break
		}
		if nk, nv, ok := keyValue(next); ok && (nk == "id" || nk == "name") && idRe.MatchString(nv) {
			head += next + "\n"
		}
	}
	var doc yaml.Node
	if yaml.Unmarshal([]byte(head), &doc) != nil {
		p.Key = k
		return p
	}
	c := &Config{File: file, idx: indexYAML(file, &doc)}
	for key, pos := range c.idx.pos {
		if pos.Line == l && lastKey(key) == strings.ToLower(k) {
			p.Key, p.ID = key, c.itemID(key)
		}
	}
	if p.Key == "" {
		p.Key = k
	}
	return p
}

func leadingSpace(l string) string { return l[:len(l)-len(strings.TrimLeft(l, " \t"))] }

// keyValue splits a line "  - key: value  # comment" into key and value.
func keyValue(l string) (key, val string, ok bool) {
	t := strings.TrimSpace(l)
	t = strings.TrimSpace(strings.TrimPrefix(t, "- "))
	k, v, found := strings.Cut(t, ":")
	if !found || k == "" || strings.ContainsAny(k, ` "'{[#`) {
		return "", "", false
	}
	v = strings.TrimSpace(v)
	if i := strings.Index(v, " #"); i >= 0 && !strings.ContainsAny(v[:1], `"'`) {
		v = strings.TrimSpace(v[:i])
	}
	return k, v, true
}

// secretKey reports whether a key holds a secret, whose value a message
// must not repeat.
func secretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range []string{"key", "secret", "token", "password", "authorization", "url", "headers"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// quote writes text as a YAML quoted string.
func quote(s string) string {
	if !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

type level struct {
	indent, line int
	key          string
}

// indentProblem finds the first line whose indentation matches none of
// the mappings and lists open above it, which the parser reports later or
// elsewhere ("did not find expected key" on line 1).
func indentProblem(lines []string) (line int, msg string, ok bool) {
	var stack []level
	opens := false // the line before ends with "key:" or "-": a deeper block may follow
	scalar := -1   // inside a block scalar (| or >) deeper than this indent
	flow := 0      // open [ and { spanning lines
	for i, raw := range lines {
		t := strings.TrimSpace(raw)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if strings.ContainsRune(leadingSpace(raw), '\t') {
			return 0, "", false // the parser names tabs itself
		}
		ind := len(raw) - len(strings.TrimLeft(raw, " "))
		if scalar >= 0 {
			if ind > scalar {
				continue
			}
			scalar = -1
		}
		if flow > 0 {
			flow += strings.Count(t, "[") + strings.Count(t, "{") - strings.Count(t, "]") - strings.Count(t, "}")
			continue
		}
		if t == "---" || t == "..." {
			stack, opens = nil, false
			continue
		}
		key, val, isKey := keyValue(raw)
		dash := strings.HasPrefix(t, "- ") || t == "-"
		name := key
		if name == "" {
			name = t
		}
		switch {
		case len(stack) == 0:
		case opens && (ind > stack[len(stack)-1].indent || (dash && ind == stack[len(stack)-1].indent)):
		default:
			popped := level{indent: -1}
			for len(stack) > 0 && stack[len(stack)-1].indent > ind {
				popped = stack[len(stack)-1]
				stack = stack[:len(stack)-1]
			}
			top := level{indent: -1}
			if len(stack) > 0 {
				top = stack[len(stack)-1]
			}
			switch {
			case top.indent == ind:
			case popped.indent >= 0:
				return i + 1, fmt.Sprintf("%s does not line up with the lines above it: indent it %d spaces, like %s on line %d", name, popped.indent, popped.key, popped.line), true
			case isKey || dash:
				return i + 1, fmt.Sprintf("%s is indented more than %s on line %d: indent it %d spaces, like that line", name, top.key, top.line, top.indent), true
			default:
				continue // the next line of a text that goes over several lines
			}
		}
		for len(stack) > 0 && stack[len(stack)-1].indent >= ind && !(dash && opens && stack[len(stack)-1].indent == ind) {
			stack = stack[:len(stack)-1]
		}
		stack = append(stack, level{indent: ind, line: i + 1, key: name})
		if dash && len(t) > 2 {
			rest := strings.TrimLeft(t[1:], " ")
			k, _, _ := keyValue(rest)
			if k == "" {
				k = rest
			}
			stack = append(stack, level{indent: ind + len(t) - len(rest), line: i + 1, key: k})
		}
		opens = t == "-" || (isKey && val == "")
		if isKey && val != "" && (val[0] == '|' || val[0] == '>') {
			scalar = ind
			opens = false
		}
		if isKey && val != "" && (val[0] == '[' || val[0] == '{') {
			flow = strings.Count(val, "[") + strings.Count(val, "{") - strings.Count(val, "]") - strings.Count(val, "}")
		}
	}
	return 0, "", false
}

// duplicateKeys reports a key given twice in one mapping, once per
// mapping: the first repeat is where the fix goes.
func duplicateKeys(c *Config, n *yaml.Node, path string, item bool) []Problem {
	var out []Problem
	switch n.Kind {
	case yaml.DocumentNode:
		for _, k := range n.Content {
			out = append(out, duplicateKeys(c, k, path, false)...)
		}
	case yaml.SequenceNode:
		for i, k := range n.Content {
			out = append(out, duplicateKeys(c, k, fmt.Sprintf("%s[%d]", path, i), true)...)
		}
	case yaml.MappingNode:
		first := map[string]int{}
		reported := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			name := strings.ToLower(k.Value)
			if at, dup := first[name]; dup && !reported {
				reported = true
				p := c.Problem(join(path, name), "given twice (first on line %d)", at)
				p.Pos = Pos{File: c.File, Line: k.Line, Column: k.Column}
				if item {
					// The value is repeated only for an id or a name: another
					// key may hold a secret.
					val := "…"
					if (name == "id" || name == "name") && v.Kind == yaml.ScalarNode {
						val = v.Value
					}
					p.Message += fmt.Sprintf(`: if a new item starts here, put "- " before it: - %s: %s`, k.Value, val)
				} else {
					p.Message += ": give it once"
				}
				out = append(out, p)
			}
			if _, dup := first[name]; !dup {
				first[name] = k.Line
			}
			out = append(out, duplicateKeys(c, v, join(path, name), false)...)
		}
	}
	return out
}
