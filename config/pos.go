package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Pos is where a key was written: the config file and the 1-based line and
// column of the key (of the "-" for a list item). Line 0 means unknown.
type Pos struct {
	File   string `json:"file,omitempty"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

func (p Pos) String() string {
	switch {
	case p.File == "":
		return "config"
	case p.Line == 0:
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// index records, for each key path as Validate names it ("schedule.poll",
// "events[0].start", lower case as viper folds it), where it was written
// and the text written for a scalar value, which can differ from what the
// decoder made of it (YAML reads an unquoted 13.30 as the number 13.3).
type index struct {
	pos   map[string]Pos
	text  map[string]string
	lines []string
}

func newIndex() *index { return &index{pos: map[string]Pos{}, text: map[string]string{}} }

func join(parent, key string) string {
	key = strings.ToLower(key)
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// Pos is where the value at key path came from, e.g. Pos("events[0].start")
// or Pos("schedule.poll"). A key the file leaves out (a default, or one
// that is missing) gets the place of the nearest enclosing item or section
// that is written, and ok is false. Keys from a LUMOBOT_* variable have
// no line.
func (c *Config) Pos(key string) (p Pos, ok bool) {
	p = Pos{File: c.File}
	if c.idx == nil {
		return p, false
	}
	key = strings.ToLower(key)
	if at, found := c.idx.pos[key]; found {
		return at, true
	}
	for k := parentKey(key); k != ""; k = parentKey(k) {
		if at, found := c.idx.pos[k]; found {
			return at, false
		}
	}
	return p, false
}

// parentKey drops the last element of a key path: events[0].start →
// events[0] → events → "".
func parentKey(k string) string {
	i := strings.LastIndexAny(k, ".[")
	if i < 0 {
		return ""
	}
	return k[:i]
}

// written is the text the file has at key, or fallback when unknown or
// when the value came from the environment instead.
func (c *Config) written(key, fallback string) string {
	if c.idx != nil && !c.envSet(envName(key)) {
		if s, ok := c.idx.text[strings.ToLower(key)]; ok {
			return s
		}
	}
	return fallback
}

// commentAfter is the "#word" YAML took for a comment on key's line when
// the value was left empty by it (hashtags: #LUMOhanke), or "".
func (c *Config) commentAfter(key string) string {
	if c.idx == nil || c.idx.text[key] != "" {
		return ""
	}
	pos, ok := c.idx.pos[key]
	if !ok || pos.Line < 1 || pos.Line > len(c.idx.lines) {
		return ""
	}
	if m := commentWord.FindStringSubmatch(c.idx.lines[pos.Line-1]); m != nil {
		return m[1]
	}
	return ""
}

var commentWord = regexp.MustCompile(`^[\s-]*[^#:]*:?\s*(?:-\s*)?(#[\p{L}\p{N}_]+)`)

// indexYAML walks a parsed document.
func indexYAML(file string, doc *yaml.Node) *index {
	ix := newIndex()
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(c, path)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if k.Value == "<<" {
					continue
				}
				p := join(path, k.Value)
				if _, dup := ix.pos[p]; dup {
					continue // given twice: the first is what counts, and is reported
				}
				ix.pos[p] = Pos{File: file, Line: k.Line, Column: k.Column}
				if v.Kind == yaml.ScalarNode {
					ix.text[p] = v.Value
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				ix.pos[p] = Pos{File: file, Line: c.Line, Column: c.Column}
				if c.Kind == yaml.ScalarNode {
					ix.text[p] = c.Value
				}
				walk(c, p)
			}
		}
	}
	walk(doc, "")
	return ix
}

// indexJSON walks the tokens of a JSON document, recording each key's line.
func indexJSON(file string, src []byte) *index {
	ix := newIndex()
	dec := json.NewDecoder(bytes.NewReader(src))
	dec.UseNumber()
	line := lineCounter(src)
	// One frame per open object or array: the path and, in an array, the
	// next index.
	type frame struct {
		path  string
		array bool
		n     int
	}
	var stack []frame
	var key string // the key whose value comes next, in an object
	haveKey := false
	valuePath := func() (string, bool) {
		if len(stack) == 0 {
			return "", true
		}
		top := &stack[len(stack)-1]
		if top.array {
			p := fmt.Sprintf("%s[%d]", top.path, top.n)
			top.n++
			return p, true
		}
		if !haveKey {
			return "", false
		}
		haveKey = false
		return join(top.path, key), true
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return ix // io.EOF, or a syntax error viper reports
		}
		// The token starts after any whitespace and separator from start.
		off := int(start)
		for off < len(src) && strings.ContainsRune(" \t\r\n,:", rune(src[off])) {
			off++
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if len(stack) > 0 && !stack[len(stack)-1].array && !haveKey {
			if s, ok := tok.(string); ok {
				key, haveKey = s, true
				ix.pos[join(stack[len(stack)-1].path, s)] = Pos{File: file, Line: line(off), Column: column(src, off)}
			}
			continue
		}
		p, ok := valuePath()
		if !ok {
			continue
		}
		if len(stack) > 0 && stack[len(stack)-1].array {
			ix.pos[p] = Pos{File: file, Line: line(off), Column: column(src, off)}
		}
		switch v := tok.(type) {
		case json.Delim:
			stack = append(stack, frame{path: p, array: v == '['})
		case string:
			ix.text[p] = v
		case json.Number:
			ix.text[p] = v.String()
		case bool:
			ix.text[p] = strconv.FormatBool(v)
		}
	}
}

var (
	tomlTable = regexp.MustCompile(`^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(#.*)?$`)
	tomlKey   = regexp.MustCompile(`^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_.\-"' ]+?)\s*=\s*(.*)$`)
)

// indexTOML finds tables and keys line by line: enough for the usual
// config (keys inside inline tables get their table's line). Multi-line
// strings are skipped.
func indexTOML(file string, src []byte) *index {
	ix := newIndex()
	table := ""
	count := map[string]int{}      // elements of each array of tables so far
	current := map[string]string{} // an array of tables → its last element's path
	resolve := func(dotted string) (parent, last string) {
		parts := strings.Split(dotted, ".")
		for _, part := range parts[:len(parts)-1] {
			parent = join(parent, strings.Trim(strings.TrimSpace(part), `"'`))
			if cur, ok := current[parent]; ok {
				parent = cur
			}
		}
		return parent, strings.Trim(strings.TrimSpace(parts[len(parts)-1]), `"'`)
	}
	inString := "" // the closing delimiter of a multi-line string
	for i, l := range strings.Split(string(src), "\n") {
		ln := i + 1
		if inString != "" {
			if strings.Contains(l, inString) {
				inString = ""
			}
			continue
		}
		if strings.HasPrefix(strings.TrimSpace(l), "#") {
			continue
		}
		if m := tomlTable.FindStringSubmatch(l); m != nil {
			parent, last := resolve(m[2])
			name := join(parent, last)
			if cur, ok := current[name]; ok && m[1] == "[" {
				name = cur
			}
			if m[1] == "[[" {
				n := count[name]
				count[name]++
				current[name] = fmt.Sprintf("%s[%d]", name, n)
				name = current[name]
			}
			table = name
			ix.pos[name] = Pos{File: file, Line: ln, Column: strings.Index(l, "[") + 1}
			continue
		}
		m := tomlKey.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		parent, last := resolve(m[1])
		p := join(table, last)
		if parent != "" {
			p = join(table+"."+parent, last)
			if table == "" {
				p = join(parent, last)
			}
		}
		ix.pos[p] = Pos{File: file, Line: ln, Column: strings.IndexFunc(l, func(r rune) bool { return r != ' ' && r != '\t' }) + 1}
		v := strings.TrimSpace(m[2])
		for _, q := range []string{`"""`, `'''`} {
			if strings.HasPrefix(v, q) && !strings.Contains(v[3:], q) {
				inString = q
			}
		}
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && strings.LastIndexByte(v, v[0]) > 0 {
			ix.text[p] = v[1:strings.LastIndexByte(v, v[0])]
		} else if v != "" && !strings.ContainsAny(v[:1], "[{") {
			ix.text[p] = strings.TrimSpace(strings.SplitN(v, "#", 2)[0])
		}
	}
	return ix
}

// lineCounter maps byte offsets to 1-based lines.
func lineCounter(src []byte) func(off int) int {
	var starts []int
	starts = append(starts, 0)
	for i, b := range src {
		if b == '\n' {
			starts = append(starts, i+1)
		}
	}
	return func(off int) int {
		lo, hi := 0, len(starts)
		for hi-lo > 1 {
			mid := (lo + hi) / 2
			if starts[mid] <= off {
				lo = mid
			} else {
				hi = mid
			}
		}
		return lo + 1
	}
}

func column(src []byte, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return off - bytes.LastIndexByte(src[:off], '\n')
}
