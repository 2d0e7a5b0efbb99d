package declaration

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Issue is one problem found in a declaration, at a place in the file.
type Issue struct {
	Pos     Position
	Message string
}

// String renders the issue as "file:line:col: message".
func (i Issue) String() string {
	if i.Pos.File == "" {
		return fmt.Sprintf("%d:%d: %s", i.Pos.Line, i.Pos.Column, i.Message)
	}
	return fmt.Sprintf("%s:%d:%d: %s", i.Pos.File, i.Pos.Line, i.Pos.Column, i.Message)
}

// Error lists every problem found in a declaration, sorted by position.
// Positions are 1-based; an empty file is reported at 1:1.
type Error struct {
	Issues []Issue
}

// Error renders one line per issue.
func (e *Error) Error() string {
	lines := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		lines[i] = is.String()
	}
	return strings.Join(lines, "\n")
}

// Load reads and parses the declaration at path with the default limits.
func Load(path string) (*Declaration, error) { return Options{}.Load(path) }

// Parse parses and validates a declaration read from file with the default
// limits; see Options.Parse.
func Parse(file string, data []byte) (*Declaration, error) { return Options{}.Parse(file, data) }

// Parse parses and validates a declaration read from file. On success
// File, SHA256, Settings (with defaults) and every Responsibility.Pos are
// set. On failure the error is an *Error naming every problem found.
//
// Before any YAML is parsed, the input must be UTF-8 text (a UTF-8 byte
// order mark is dropped) within the size limit, and its tokens within
// MaxDepth, MaxMappingKeys and the node limit. Then parsing happens in
// three passes: YAML syntax; structure (keys and value kinds, checked
// against the Go types so that every unknown key is reported at once, not
// just the first); and meaning (parties, ids, references). The meaning
// pass runs after structure problems too, on what could be read: a number
// written for a string is checked as the text it is, and the parts with a
// structure problem are left out, so that one file's problems are all
// reported in one run without one mistake reported twice.
func (o Options) Parse(file string, data []byte) (*Declaration, error) {
	p := &declParser{file: file, opts: o, idx: map[string]loc{},
		broken: map[string]bool{}, partial: map[string]bool{}, tainted: map[string]bool{}}
	body := p.syntax(data)
	if body == nil || len(p.issues) > 0 {
		return nil, p.err()
	}
	body = p.walk(body, reflect.TypeFor[Declaration](), "")
	var d Declaration
	if err := yaml.NodeToValue(body, &d, yaml.DisallowUnknownField()); err != nil {
		// The structure pass should have caught anything the decoder
		// rejects; this keeps a decoder-only complaint positioned.
		if len(p.issues) == 0 {
			p.yamlError(err)
		}
		return nil, p.err()
	}
	p.settled = map[Position]bool{}
	for _, is := range p.issues {
		p.settled[is.Pos] = true
	}
	p.validate(&d)
	if len(p.issues) > 0 {
		return nil, p.err()
	}
	sum := sha256.Sum256(data)
	d.File = file
	d.SHA256 = hex.EncodeToString(sum[:])
	d.Settings = d.Settings.WithDefaults()
	for i := range d.Responsibilities {
		d.Responsibilities[i].Pos = p.itemPos(fmt.Sprintf("responsibilities[%d]", i))
	}
	for i := range d.Suppressions {
		d.Suppressions[i].Pos = p.itemPos(fmt.Sprintf("suppressions[%d]", i))
	}
	for i := range d.RateLimits {
		r := &d.RateLimits[i]
		r.Pos = p.itemPos(fmt.Sprintf("rateLimits[%d]", i))
		if r.Burst == 0 {
			r.Burst = defaultBurst(r.PerSecond)
		}
	}
	return &d, nil
}

// loc remembers where a path of the document is: key is the key (or the
// "-" of a list item), val the value.
type loc struct {
	key, val Position
}

// declParser collects issues while reading one declaration.
type declParser struct {
	file   string
	opts   Options
	issues []Issue
	// idx maps a path such as "responsibilities[1].assign.firewall" to its
	// place in the file, so the meaning pass can point at values.
	idx map[string]loc
	// broken holds the paths whose value the structure pass could not
	// read (it decodes as empty); partial the mappings it dropped a key
	// of; tainted those paths and every ancestor of theirs. The meaning
	// pass leaves alone what they touch: what it would say there follows
	// from a problem already reported.
	broken, partial, tainted map[string]bool
	// settled holds the positions of the structure pass's issues; the
	// meaning pass says nothing more at them.
	settled map[Position]bool
}

func (p *declParser) add(pos Position, format string, args ...any) {
	if p.settled[pos] {
		return
	}
	p.issues = append(p.issues, Issue{Pos: pos, Message: fmt.Sprintf(format, args...)})
}

// breaks records that the value at path could not be read.
func (p *declParser) breaks(path string) {
	p.broken[path] = true
	p.taint(path)
}

// drops records that the mapping at path lost a key.
func (p *declParser) drops(path string) {
	p.partial[path] = true
	p.taint(path)
}

func (p *declParser) taint(path string) {
	for !p.tainted[path] {
		p.tainted[path] = true
		if path == "" {
			return
		}
		path = parentPath(path)
	}
}

// unsound reports whether the meaning pass should leave path alone: a
// structure problem lies at or under it, or it lies inside a value that
// could not be read.
func (p *declParser) unsound(path string) bool {
	if p.tainted[path] {
		return true
	}
	for path != "" {
		path = parentPath(path)
		if p.broken[path] {
			return true
		}
	}
	return false
}

// err returns the collected issues sorted by position, duplicates removed.
func (p *declParser) err() error {
	sort.SliceStable(p.issues, func(i, j int) bool {
		a, b := p.issues[i].Pos, p.issues[j].Pos
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	out := p.issues[:0]
	for i, is := range p.issues {
		if i > 0 && is == p.issues[i-1] {
			continue
		}
		out = append(out, is)
	}
	return &Error{Issues: out}
}

// start is the beginning of the file, where file-wide problems are
// reported.
func (p *declParser) start() Position { return Position{File: p.file, Line: 1, Column: 1} }

func (p *declParser) tokenPos(tk *token.Token) Position {
	if tk == nil || tk.Position == nil {
		return p.start()
	}
	return Position{File: p.file, Line: max(tk.Position.Line, 1), Column: max(tk.Position.Column, 1)}
}

// nodePos is where a node starts as a reader sees it: a block mapping
// starts at its first key, not at its first ":".
func (p *declParser) nodePos(n ast.Node) Position {
	switch n := n.(type) {
	case nil:
		return p.start()
	case *ast.MappingNode:
		if !n.IsFlowStyle && len(n.Values) > 0 {
			return p.nodePos(n.Values[0])
		}
		if n.Start != nil {
			return p.tokenPos(n.Start)
		}
	case *ast.MappingValueNode:
		return p.nodePos(n.Key)
	}
	return p.tokenPos(n.GetToken())
}

// at returns the position of the value at path, or of its nearest
// ancestor that is in the file.
func (p *declParser) at(path string) Position {
	for {
		if l, ok := p.idx[path]; ok {
			return l.val
		}
		if path == "" {
			return p.start()
		}
		path = parentPath(path)
	}
}

// keyAt returns the position of the key (or list item) at path, falling
// back like at.
func (p *declParser) keyAt(path string) Position {
	if l, ok := p.idx[path]; ok && l.key.Line > 0 {
		return l.key
	}
	return p.at(path)
}

// itemPos is the position of a list item: its "-", or the value in a flow
// list.
func (p *declParser) itemPos(path string) Position { return p.keyAt(path) }

func (p *declParser) has(path string) bool {
	_, ok := p.idx[path]
	return ok
}

// parentPath strips the last step of a path; it always gets shorter.
func parentPath(path string) string {
	if strings.HasSuffix(path, "]") {
		if i := strings.LastIndex(path, "["); i >= 0 {
			return path[:i]
		}
	}
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[:i]
	}
	return ""
}

// keyPath appends a map or struct key to a path. Keys that are not plain
// words (tag keys, control ids) are quoted so the path stays readable, and
// cut when long, as paths appear in messages: two long keys of one mapping
// that agree in their first and last characters then share a path, and
// the meaning pass may point at the other's place.
func keyPath(path, key string) string {
	if plainKey.MatchString(key) && len(key) <= clipRunes {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.Quote(clip(key)) + "]"
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// where names a path for a message: "at the top level" for the root.
func where(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}

// closest returns the option nearest to s when it is near enough to be a
// likely typo, or "". A long s or a long list of options gets no
// suggestion, which keeps the edit distances cheap on hostile input.
func closest(s string, options []string) string {
	if len(s) > clipRunes || len(options) > 1000 {
		return ""
	}
	best, bestD := "", math.MaxInt
	for _, o := range options {
		if diff := len(o) - len(s); diff > max(2, len(s)/3) || -diff > max(2, len(s)/3) {
			continue // the distance is at least the difference in length
		}
		if d := editDistance(strings.ToLower(s), strings.ToLower(o)); d < bestD {
			best, bestD = o, d
		}
	}
	if bestD <= max(2, len(s)/3) && bestD < len(s) {
		return best
	}
	return ""
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
