package rules

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
	"github.com/goccy/go-yaml/token"

	"github.com/ownaudit/ownaudit/inventory"
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

// DeclarationError lists every problem found in a declaration, sorted by
// position. Positions are 1-based; an empty file is reported at 1:1.
type DeclarationError struct {
	Issues []Issue
}

// Error renders one line per issue.
func (e *DeclarationError) Error() string {
	lines := make([]string, len(e.Issues))
	for i, is := range e.Issues {
		lines[i] = is.String()
	}
	return strings.Join(lines, "\n")
}

// LoadDeclaration reads and parses the declaration at path.
func LoadDeclaration(path string) (*Declaration, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read declaration: %w", err)
	}
	return ParseDeclaration(path, data)
}

// ParseDeclaration parses and validates a declaration read from file. On
// success File, SHA256, Settings (with defaults) and every
// Responsibility.Pos are set. On failure the error is a *DeclarationError
// naming every problem found.
//
// Parsing happens in three passes: YAML syntax; structure (keys and value
// kinds, checked against the Go types so that every unknown key is reported
// at once, not just the first); and meaning (parties, ids, references).
// A pass runs only when the one before it found nothing, because meaning
// cannot be checked on a document whose shape is wrong.
func ParseDeclaration(file string, data []byte) (*Declaration, error) {
	p := &declParser{file: file, idx: map[string]loc{}}
	body := p.syntax(data)
	if body == nil || len(p.issues) > 0 {
		return nil, p.err()
	}
	p.walk(body, reflect.TypeFor[Declaration](), "")
	if len(p.issues) > 0 {
		return nil, p.err()
	}
	var d Declaration
	if err := yaml.NodeToValue(body, &d, yaml.DisallowUnknownField()); err != nil {
		// The structure pass should have caught anything the decoder
		// rejects; this keeps a decoder-only complaint positioned.
		p.yamlError(err)
		return nil, p.err()
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
	return &d, nil
}

// Party returns the declared party with the given id.
func (d *Declaration) Party(id string) (Party, bool) {
	for _, p := range d.Parties {
		if p.ID == id {
			return p, true
		}
	}
	return Party{}, false
}

// loc remembers where a path of the document is: key is the key (or the
// "-" of a list item), val the value.
type loc struct {
	key, val Position
}

// declParser collects issues while reading one declaration.
type declParser struct {
	file   string
	issues []Issue
	// idx maps a path such as "responsibilities[1].assign.firewall" to its
	// place in the file, so the meaning pass can point at values.
	idx map[string]loc
}

func (p *declParser) add(pos Position, format string, args ...any) {
	p.issues = append(p.issues, Issue{Pos: pos, Message: fmt.Sprintf(format, args...)})
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
	return &DeclarationError{Issues: out}
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
// words (tag keys, control ids) are quoted so the path stays readable.
func keyPath(path, key string) string {
	if plainKey.MatchString(key) {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

var plainKey = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// where names a path for a message: "at the top level" for the root.
func where(path string) string {
	if path == "" {
		return "at the top level"
	}
	return "in " + path
}

// syntax parses the YAML and returns the single document's body, or nil
// with an issue.
func (p *declParser) syntax(data []byte) ast.Node {
	f, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err != nil {
		if tabs := p.tabIndents(data); len(tabs) > 0 {
			p.issues = append(p.issues, tabs...)
			return nil
		}
		p.yamlError(err)
		return nil
	}
	var body ast.Node
	for _, doc := range f.Docs {
		if doc == nil || doc.Body == nil {
			continue
		}
		if _, ok := doc.Body.(*ast.DirectiveNode); ok {
			// %YAML and %TAG lines precede the document; they are not one.
			continue
		}
		if body != nil {
			pos := p.nodePos(doc.Body)
			if doc.Start != nil {
				pos = p.tokenPos(doc.Start)
			}
			p.add(pos, "a second YAML document starts here; a declaration is one document (remove the extra ---)")
			return nil
		}
		body = doc.Body
	}
	if body == nil {
		p.add(p.start(), "empty declaration; expected at least version, parties and responsibilities (copy a template from configs/declarations/)")
	}
	return body
}

// tabIndents reports every line whose indentation holds a tab. YAML forbids
// tabs there, and the parser's own message ("found character that cannot
// start any token") does not say so.
func (p *declParser) tabIndents(data []byte) []Issue {
	var out []Issue
	for n, line := range strings.Split(string(data), "\n") {
		indent := line[:len(line)-len(strings.TrimLeft(line, " \t"))]
		i := strings.IndexByte(indent, '\t')
		if i < 0 || strings.TrimSpace(line) == "" {
			continue
		}
		col := utf8.RuneCountInString(line[:i]) + 1
		out = append(out, Issue{
			Pos:     Position{File: p.file, Line: n + 1, Column: col},
			Message: "tab character in indentation; YAML indents with spaces only",
		})
	}
	return out
}

// yamlError turns an error of the YAML library into an issue at the token
// it names.
func (p *declParser) yamlError(err error) {
	var ye interface {
		GetToken() *token.Token
		GetMessage() string
	}
	if errors.As(err, &ye) {
		p.add(p.tokenPos(ye.GetToken()), "invalid YAML: %s", ye.GetMessage())
		return
	}
	p.add(p.start(), "invalid YAML: %s", err.Error())
}

// yamlFields maps a struct's YAML keys to its fields, in declaration order.
func yamlFields(t reflect.Type) (names []string, fields map[string]reflect.StructField) {
	fields = map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		names = append(names, name)
		fields[name] = f
	}
	return names, fields
}

// kind names a node's kind for messages, with its text for scalars.
func kind(n ast.Node) string {
	switch n := n.(type) {
	case *ast.MappingNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "no value"
	case *ast.StringNode:
		return fmt.Sprintf("the string %q", n.Value)
	case *ast.LiteralNode:
		return "a block string (" + n.Start.Value + ")"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + n.GetToken().Value
	case *ast.BoolNode:
		return "the boolean " + n.GetToken().Value
	}
	return "an unexpected " + n.Type().String()
}

// walk checks a node against the Go type it will decode into, records the
// position of every path, and reports what does not fit. Null is accepted
// for collections and structs, as YAML writes an empty value that way.
func (p *declParser) walk(n ast.Node, t reflect.Type, path string) {
	switch x := n.(type) {
	case *ast.AnchorNode, *ast.AliasNode:
		p.add(p.nodePos(n), "anchors and aliases (&name, *name) are not supported %s; write the value out", where(path))
		return
	case *ast.TagNode:
		p.add(p.nodePos(n), "YAML tag %s is not supported %s; quote a value to make it a string", x.Start.Value, where(path))
		return
	case *ast.MappingValueNode:
		// A lone "key: value" where a collection item is expected
		// parses as this; treat it as the one-entry mapping it is.
		n = &ast.MappingNode{BaseNode: x.BaseNode, Values: []*ast.MappingValueNode{x}}
	}
	switch t.Kind() {
	case reflect.Struct:
		p.walkStruct(n, t, path)
	case reflect.Slice:
		p.walkSlice(n, t, path)
	case reflect.Map:
		p.walkMap(n, t, path)
	case reflect.String:
		p.walkString(n, path)
	case reflect.Int:
		p.walkInt(n, path)
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			p.add(p.nodePos(n), "expected true or false for %s, found %s", path, kind(n))
		}
	default:
		panic("rules: declaration field of unsupported kind " + t.Kind().String())
	}
}

func (p *declParser) walkStruct(n ast.Node, t reflect.Type, path string) {
	names, fields := yamlFields(t)
	want := fmt.Sprintf("a mapping with keys %s %s", strings.Join(names, ", "), where(path))
	p.mapping(n, path, want, func(name string, kpos Position, mv *ast.MappingValueNode) {
		f, ok := fields[name]
		if !ok {
			msg := fmt.Sprintf("unknown key %q %s; ", name, where(path))
			if s := closest(name, names); s != "" {
				msg += fmt.Sprintf("did you mean %s? ", s)
			}
			p.add(kpos, "%sallowed keys: %s", msg, strings.Join(names, ", "))
			return
		}
		child := keyPath(path, name)
		p.idx[child] = loc{key: kpos, val: p.nodePos(mv.Value)}
		p.walk(mv.Value, f.Type, child)
	})
}

// mapping visits each distinct key of the mapping n. A null node is an
// absent mapping; anything else that is not a mapping is reported as not
// being want, and a repeated key as a duplicate.
func (p *declParser) mapping(n ast.Node, path, want string, visit func(name string, kpos Position, mv *ast.MappingValueNode)) {
	if _, ok := n.(*ast.NullNode); ok {
		return
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		p.add(p.nodePos(n), "expected %s, found %s", want, kind(n))
		return
	}
	seen := map[string]Position{}
	for _, mv := range m.Values {
		name, ok := p.key(mv, path)
		if !ok {
			continue
		}
		kpos := p.nodePos(mv.Key)
		if first, dup := seen[name]; dup {
			p.add(kpos, "duplicate key %q %s; first set at line %d, column %d", name, where(path), first.Line, first.Column)
			continue
		}
		seen[name] = kpos
		visit(name, kpos, mv)
	}
}

// key returns a mapping entry's key as text, reporting keys a declaration
// cannot have.
func (p *declParser) key(mv *ast.MappingValueNode, path string) (string, bool) {
	switch k := mv.Key.(type) {
	case *ast.StringNode:
		return k.Value, true
	case *ast.MergeKeyNode:
		p.add(p.nodePos(k), "merge keys (<<) are not supported %s; write the keys out", where(path))
	case *ast.MappingKeyNode:
		p.add(p.nodePos(k), "complex keys (?) are not supported %s; keys are plain strings", where(path))
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.NullNode, *ast.InfinityNode, *ast.NanNode:
		text := k.GetToken().Value
		p.add(p.nodePos(k), "key %s %s is not a string; quote it: %q", text, where(path), text)
	default:
		p.add(p.nodePos(k), "unsupported key %s; keys are plain strings", where(path))
	}
	return "", false
}

func (p *declParser) walkSlice(n ast.Node, t reflect.Type, path string) {
	if _, ok := n.(*ast.NullNode); ok {
		return
	}
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		msg := fmt.Sprintf("expected a list for %s, found %s", path, kind(n))
		if _, scalar := n.(ast.ScalarNode); scalar && t.Elem().Kind() == reflect.String {
			msg += fmt.Sprintf("; write it as a list: [%s]", n.GetToken().Value)
		}
		p.add(p.nodePos(n), "%s", msg)
		return
	}
	for i, v := range s.Values {
		child := fmt.Sprintf("%s[%d]", path, i)
		vpos := p.nodePos(v)
		kpos := vpos
		if i < len(s.Entries) && s.Entries[i] != nil && s.Entries[i].Start != nil && s.Entries[i].Start.Type == token.SequenceEntryType {
			kpos = p.tokenPos(s.Entries[i].Start)
		}
		p.idx[child] = loc{key: kpos, val: vpos}
		p.walk(v, t.Elem(), child)
	}
}

func (p *declParser) walkMap(n ast.Node, t reflect.Type, path string) {
	p.mapping(n, path, "a mapping for "+path, func(name string, kpos Position, mv *ast.MappingValueNode) {
		child := keyPath(path, name)
		p.idx[child] = loc{key: kpos, val: p.nodePos(mv.Value)}
		if _, null := mv.Value.(*ast.NullNode); null {
			p.add(p.nodePos(mv.Value), "no value for %q in %s; expected %s", name, path, mapValueNoun(path))
			return
		}
		p.walk(mv.Value, t.Elem(), child)
	})
}

// mapValueNoun says what the values of the map at path are.
func mapValueNoun(path string) string {
	if strings.HasSuffix(path, ".tags") {
		return `a tag value (a string; "*" matches any value)`
	}
	return "a party id"
}

func (p *declParser) walkString(n ast.Node, path string) {
	switch x := n.(type) {
	case *ast.StringNode:
		// A plain 12-digit scalar that YAML happened to read as a
		// string (012345678901 is no valid octal) is still an unquoted
		// account id; the next one without a 8 or 9 would be a number.
		if x.Token.Type == token.StringType && allDigits(x.Value) && accountPath(path) {
			p.add(p.nodePos(n), "AWS account id %s in %s is not quoted; account ids are quoted strings (a number loses leading zeros): write %q", x.Value, path, x.Value)
		}
		return
	case *ast.LiteralNode, *ast.NullNode:
		return
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		text := n.GetToken().Value
		pos := p.nodePos(n)
		switch {
		case strings.HasSuffix(parentPath(path), ".tags"):
			p.add(pos, "tag value %s in %s is not a string; tag values are strings: quote it as %q", text, path, text)
		case accountPath(path) && allDigits(text):
			p.add(pos, "AWS account id %s in %s is a number; account ids are quoted strings (a number loses leading zeros): write %q", text, path, text)
		default:
			p.add(pos, "expected a string for %s, found %s; quote it: %q", path, kind(n), text)
		}
	default:
		p.add(p.nodePos(n), "expected a string for %s, found %s", path, kind(n))
	}
}

func (p *declParser) walkInt(n ast.Node, path string) {
	switch x := n.(type) {
	case *ast.IntegerNode:
		if u, ok := x.Value.(uint64); ok && u > math.MaxInt64 {
			p.add(p.nodePos(n), "number %s for %s is out of range", x.Token.Value, path)
		}
		return
	case *ast.StringNode:
		if x.Token.Type == token.StringType && allDigits(strings.TrimPrefix(x.Value, "-")) {
			// YAML reads an integer too big for 64 bits as text.
			p.add(p.nodePos(n), "number %s for %s is out of range", x.Value, path)
			return
		}
		if _, err := strconv.Atoi(x.Value); err == nil {
			p.add(p.nodePos(n), "expected a number for %s, found %s; remove the quotes", path, kind(n))
			return
		}
	}
	p.add(p.nodePos(n), "expected a whole number for %s, found %s", path, kind(n))
}

// accountPath reports whether the string at path may be an AWS account
// id: a target's account, or an entry of match.targets.
func accountPath(path string) bool {
	return strings.HasSuffix(path, ".account") || strings.HasSuffix(parentPath(path), ".match.targets")
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// closest returns the option nearest to s when it is near enough to be a
// likely typo, or "".
func closest(s string, options []string) string {
	best, bestD := "", math.MaxInt
	for _, o := range options {
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

// Shapes of the ids a declaration names.
var (
	partyIDRe       = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]*$`)
	awsAccountRe    = regexp.MustCompile(`^[0-9]{12}$`)
	awsRoleARNRe    = regexp.MustCompile(`^arn:aws(-cn|-us-gov|-iso|-iso-b|-eusc)?:iam::([0-9]{12}):role/([\w+=,.@/-]{1,512})$`)
	awsRoleNameRe   = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)
	awsExternalIDRe = regexp.MustCompile(`^[\w+=,.@:/-]+$`)
	azureSubRe      = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	gcpProjectRe    = regexp.MustCompile(`^[a-z][a-z0-9-]{4,28}[a-z0-9]$`)
	gcpNodeRe       = regexp.MustCompile(schemaGCPNode)
	regionRe        = map[inventory.Cloud]*regexp.Regexp{
		inventory.AWS:   regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`),
		inventory.Azure: regexp.MustCompile(`^[a-z][a-z0-9]{2,39}$`),
		inventory.GCP:   regexp.MustCompile(`^[a-z]+[0-9]*(-[a-z]+[0-9]+)?$`),
	}
	regionExample = map[inventory.Cloud]string{
		inventory.AWS:   "eu-central-1",
		inventory.Azure: "westeurope",
		inventory.GCP:   "europe-west3",
	}
)

// targetOK reports whether id has the shape of a target of cloud, and
// describes that shape.
func targetOK(cloud inventory.Cloud, id string) (bool, string) {
	switch cloud {
	case inventory.AWS:
		return awsAccountRe.MatchString(id), `an AWS account id (12 digits, quoted, e.g. "111111111111")`
	case inventory.Azure:
		return azureSubRe.MatchString(id), "an Azure subscription id (a GUID, e.g. 00000000-0000-0000-0000-000000000000)"
	case inventory.GCP:
		return gcpProjectRe.MatchString(id), "a GCP project id (6-30 characters: lowercase letters, digits and hyphens, starting with a letter, not ending with a hyphen)"
	}
	return false, ""
}

func cloudNames() string {
	names := make([]string, len(inventory.Clouds))
	for i, c := range inventory.Clouds {
		names[i] = string(c)
	}
	return orList(names)
}

func domainNames() string {
	names := make([]string, len(inventory.Domains))
	for i, d := range inventory.Domains {
		names[i] = string(d)
	}
	return orList(names)
}

func roleNames() string {
	names := make([]string, len(Roles))
	for i, r := range Roles {
		names[i] = string(r)
	}
	return orList(names)
}

// orList renders "a, b or c".
func orList(xs []string) string {
	if len(xs) <= 1 {
		return strings.Join(xs, "")
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " or " + xs[len(xs)-1]
}

// validate checks what the structure pass cannot: versions, ids, and that
// every reference names something declared.
func (p *declParser) validate(d *Declaration) {
	switch {
	case !p.has("version"):
		p.add(p.start(), "missing version; add `version: %d` at the top", DeclarationVersion)
	case d.Version != DeclarationVersion:
		p.add(p.at("version"), "unsupported version %d; this ownaudit reads version %d", d.Version, DeclarationVersion)
	}
	parties := p.validateParties(d)
	p.validateTargets(d)
	p.validateResponsibilities(d, parties)
	p.validateSuppressions(d, parties)
	if p.has("ownershipTag") && strings.TrimSpace(d.OwnershipTag) == "" {
		p.add(p.at("ownershipTag"), "ownershipTag is empty; name a resource tag key such as responsible-party, or remove the key")
	}
	p.validateSettings(d)
}

// validateParties returns the declared party ids in order.
func (p *declParser) validateParties(d *Declaration) []string {
	if len(d.Parties) == 0 {
		p.add(p.keyAt("parties"), "no parties declared; expected a list of parties, each with an id and a role (%s)", roleNames())
		return nil
	}
	var ids []string
	first := map[string]Position{}
	for i, party := range d.Parties {
		at := fmt.Sprintf("parties[%d]", i)
		switch {
		case party.ID == "":
			p.add(p.itemPos(at), "party %s has no id; expected id: a short lowercase name such as acme", at)
		case first[party.ID].Line > 0:
			f := first[party.ID]
			p.add(p.at(at+".id"), "duplicate party id %q in %s.id; first declared at line %d, column %d", party.ID, at, f.Line, f.Column)
		default:
			if !partyIDRe.MatchString(party.ID) {
				p.add(p.at(at+".id"), "invalid party id %q in %s.id; expected lowercase letters, digits, '.', '_' or '-', starting with a letter or digit", party.ID, at)
			}
			// An id of the wrong shape still counts as declared, so
			// that references to it are not reported a second time.
			first[party.ID] = p.at(at + ".id")
			ids = append(ids, party.ID)
		}
		name := party.ID
		if name == "" {
			name = at
		}
		switch {
		case party.Role == "":
			p.add(p.itemPos(at), "party %s has no role; expected role: %s", name, roleNames())
		case !validRole(party.Role):
			p.add(p.at(at+".role"), "unknown role %q for party %s in %s.role; expected %s", party.Role, name, at, roleNames())
		}
	}
	return ids
}

func validRole(r Role) bool {
	for _, x := range Roles {
		if x == r {
			return true
		}
	}
	return false
}

func (p *declParser) validateTargets(d *Declaration) {
	seen := map[string]Position{}
	dup := func(at, id string) bool {
		pos := p.at(at)
		if f, ok := seen[id]; ok {
			p.add(pos, "target %q in %s is listed twice; first at line %d, column %d", id, at, f.Line, f.Column)
			return true
		}
		seen[id] = pos
		return false
	}
	for i, t := range d.Targets.AWS {
		at := fmt.Sprintf("targets.aws[%d]", i)
		switch {
		case t.Organization && t.Account != "":
			p.add(p.at(at+".account"), "%s sets both organization: true and account; scan one account, or every account of the organization, not both", at)
		case !t.Organization && t.Account == "":
			p.add(p.itemPos(at), `%s names no account; expected account: "111111111111" (12 digits, quoted) or organization: true`, at)
		case t.Account != "" && !awsAccountRe.MatchString(t.Account):
			p.add(p.at(at+".account"), `malformed AWS account id %q in %s.account; expected 12 digits as a quoted string, e.g. "111111111111"`, t.Account, at)
		case t.Account != "":
			dup(at+".account", t.Account)
		}
		if t.AssumeRole != "" {
			m := awsRoleARNRe.FindStringSubmatch(t.AssumeRole)
			switch {
			case m == nil:
				p.add(p.at(at+".assumeRole"), "malformed role ARN %q in %s.assumeRole; expected arn:aws:iam::<12-digit account>:role/<name>", t.AssumeRole, at)
			case awsAccountRe.MatchString(t.Account) && m[2] != t.Account:
				p.add(p.at(at+".assumeRole"), "role ARN in %s.assumeRole is in account %s, but the target is account %s; the role must be in the account it scans", at, m[2], t.Account)
			}
		}
		if t.AssumeRoleName != "" {
			switch {
			case !t.Organization:
				p.add(p.at(at+".assumeRoleName"), "%s.assumeRoleName is only used with organization: true; for one account give the full ARN in assumeRole", at)
			case !awsRoleNameRe.MatchString(t.AssumeRoleName):
				p.add(p.at(at+".assumeRoleName"), "malformed role name %q in %s.assumeRoleName; expected up to 64 letters, digits or +=,.@_-", t.AssumeRoleName, at)
			}
		}
		if t.ExternalID != "" && (len(t.ExternalID) < 2 || len(t.ExternalID) > 1224 || !awsExternalIDRe.MatchString(t.ExternalID)) {
			p.add(p.at(at+".externalId"), "malformed external id in %s.externalId; expected 2-1224 letters, digits or +=,.@:/_-", at)
		}
		p.validateRegions(inventory.AWS, t.Regions, at+".regions")
	}
	for i, t := range d.Targets.Azure {
		at := fmt.Sprintf("targets.azure[%d]", i)
		switch {
		case t.Subscription == "":
			p.add(p.itemPos(at), "%s names no subscription; expected subscription: <subscription id, a GUID>", at)
		case !azureSubRe.MatchString(t.Subscription):
			p.add(p.at(at+".subscription"), "malformed Azure subscription id %q in %s.subscription; expected a GUID such as 00000000-0000-0000-0000-000000000000", t.Subscription, at)
		default:
			dup(at+".subscription", strings.ToLower(t.Subscription))
		}
		p.validateRegions(inventory.Azure, t.Regions, at+".regions")
	}
	for i, t := range d.Targets.GCP {
		at := fmt.Sprintf("targets.gcp[%d]", i)
		set := 0
		for _, v := range []string{t.Project, t.Organization, t.Folder} {
			if v != "" {
				set++
			}
		}
		for _, f := range []struct{ key, v string }{{"organization", t.Organization}, {"folder", t.Folder}} {
			if f.v != "" && !gcpNodeRe.MatchString(f.v) {
				p.add(p.at(at+"."+f.key), `malformed GCP %s id %q in %s.%s; expected its number, such as "123456789012" (quoted)`, f.key, f.v, at, f.key)
			} else if f.v != "" {
				dup(at+"."+f.key, f.key+"s/"+f.v)
			}
		}
		switch {
		case set > 1:
			p.add(p.itemPos(at), "%s sets more than one of project, organization and folder; name one per target", at)
		case t.Organization != "" || t.Folder != "":
		case t.Project == "":
			p.add(p.itemPos(at), `%s names no project; expected project: <project id>, organization: "<number>" or folder: "<number>"`, at)
		case !gcpProjectRe.MatchString(t.Project):
			p.add(p.at(at+".project"), "malformed GCP project id %q in %s.project; expected 6-30 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen", t.Project, at)
		default:
			dup(at+".project", t.Project)
		}
		p.validateRegions(inventory.GCP, t.Regions, at+".regions")
	}
}

// validateRegions checks region names against the cloud's naming shape;
// with no cloud, any cloud's shape will do.
func (p *declParser) validateRegions(cloud inventory.Cloud, regions []string, at string) {
	for i, r := range regions {
		ok := false
		for c, re := range regionRe {
			if (cloud == "" || c == cloud) && re.MatchString(r) {
				ok = true
			}
		}
		if ok {
			continue
		}
		item := fmt.Sprintf("%s[%d]", at, i)
		if cloud == "" {
			p.add(p.at(item), "malformed region %q in %s; expected a region name such as %s, %s or %s", r, item, regionExample[inventory.AWS], regionExample[inventory.Azure], regionExample[inventory.GCP])
			continue
		}
		msg := fmt.Sprintf("malformed %s region %q in %s; expected a region name such as %s", cloud, r, item, regionExample[cloud])
		if cloud == inventory.GCP && regexp.MustCompile(`^[a-z]+-[a-z]+[0-9]+-[a-z]$`).MatchString(r) {
			msg += " (that is a zone; use its region " + r[:len(r)-2] + ")"
		}
		p.add(p.at(item), "%s", msg)
	}
}

func (p *declParser) validateResponsibilities(d *Declaration, parties []string) {
	if len(d.Responsibilities) == 0 {
		p.add(p.keyAt("responsibilities"), "no responsibilities; expected a list of entries, each with a match and an assign (domain: party) or controls (control id: party)")
		return
	}
	declared := map[string]bool{}
	for _, id := range parties {
		declared[id] = true
	}
	list := strings.Join(parties, ", ")
	if list == "" {
		list = "none"
	}
	checkParty := func(party, at, what string) {
		switch {
		case party == "":
			p.add(p.at(at), "no party for %s in %s; expected one of the declared parties: %s", what, parentPath(at), list)
		case !declared[party]:
			msg := fmt.Sprintf("unknown party %q in %s; declared parties: %s", party, at, list)
			if s := closest(party, parties); s != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", s)
			}
			p.add(p.at(at), "%s", msg)
		}
	}
	for i, e := range d.Responsibilities {
		at := fmt.Sprintf("responsibilities[%d]", i)
		p.validateMatch(e.Match, at+".match")
		if len(e.Assign) == 0 && len(e.Controls) == 0 {
			p.add(p.itemPos(at), "%s assigns nothing; expected assign (domain: party) or controls (control id: party)", at)
		}
		for _, dom := range sortedKeys(e.Assign) {
			kat := keyPath(at+".assign", string(dom))
			if !inventory.ValidDomain(dom) {
				msg := fmt.Sprintf("unknown domain %q in %s.assign; expected %s", dom, at, domainNames())
				p.add(p.keyAt(kat), "%s", msg)
				continue
			}
			checkParty(e.Assign[dom], kat, "domain "+string(dom))
		}
		for _, id := range sortedKeys(e.Controls) {
			kat := keyPath(at+".controls", id)
			c := Lookup(id)
			switch {
			case strings.HasPrefix(id, "ownership."):
				p.add(p.keyAt(kat), "%s in %s.controls is an ownership finding, which cannot be assigned; expected a control id listed by `ownaudit controls`", id, at)
				continue
			case c == nil:
				msg := fmt.Sprintf("unknown control id %q in %s.controls; ", id, at)
				if s := closest(id, controlIDs()); s != "" {
					msg += fmt.Sprintf("did you mean %s? ", s)
				}
				p.add(p.keyAt(kat), "%s`ownaudit controls` lists the ids", msg)
				continue
			case e.Match.Cloud != "" && !controlCovers(c, e.Match.Cloud):
				p.add(p.keyAt(kat), "control %s in %s.controls checks no %s resource, but match.cloud is %s; this override would never apply", id, at, e.Match.Cloud, e.Match.Cloud)
			}
			checkParty(e.Controls[id], kat, "control "+id)
		}
	}
}

// validateSuppressions checks that each suppression names a catalogue
// control, a resource, a reason, a declared party and a real date.
func (p *declParser) validateSuppressions(d *Declaration, parties []string) {
	list := strings.Join(parties, ", ")
	if list == "" {
		list = "none"
	}
	for i, s := range d.Suppressions {
		at := fmt.Sprintf("suppressions[%d]", i)
		switch {
		case s.Control == "":
			p.add(p.fieldPos(at, "control"), "%s names no control; expected control: a control id listed by `ownaudit controls`", at)
		case strings.HasPrefix(s.Control, "ownership."):
			p.add(p.at(at+".control"), "%s in %s.control is an ownership finding, which cannot be suppressed; fix the declaration instead", s.Control, at)
		case Lookup(s.Control) == nil:
			msg := fmt.Sprintf("unknown control id %q in %s.control; ", s.Control, at)
			if c := closest(s.Control, controlIDs()); c != "" {
				msg += fmt.Sprintf("did you mean %s? ", c)
			}
			p.add(p.at(at+".control"), "%s`ownaudit controls` lists the ids", msg)
		}
		if strings.TrimSpace(s.Resource) == "" {
			p.add(p.fieldPos(at, "resource"), "%s names no resource; expected resource: a resource id, or a glob over ids with * and ?", at)
		}
		if strings.TrimSpace(s.Reason) == "" {
			p.add(p.fieldPos(at, "reason"), "%s gives no reason; expected reason: why the risk is accepted", at)
		}
		switch {
		case s.AcceptedBy == "":
			p.add(p.fieldPos(at, "acceptedBy"), "%s names no acceptedBy; expected one of the declared parties: %s", at, list)
		case !slices.Contains(parties, s.AcceptedBy):
			msg := fmt.Sprintf("unknown party %q in %s.acceptedBy; declared parties: %s", s.AcceptedBy, at, list)
			if c := closest(s.AcceptedBy, parties); c != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", c)
			}
			p.add(p.at(at+".acceptedBy"), "%s", msg)
		}
		if s.Expires == "" {
			p.add(p.fieldPos(at, "expires"), "%s has no expires; expected expires: the last day the acceptance holds, as YYYY-MM-DD", at)
		} else if _, err := time.Parse(time.DateOnly, s.Expires); err != nil {
			p.add(p.at(at+".expires"), "invalid date %q in %s.expires; expected a real day as YYYY-MM-DD, e.g. 2026-06-30", s.Expires, at)
		}
	}
}

// fieldPos is where the key field of the mapping at path is, or the item
// itself when the key is missing.
func (p *declParser) fieldPos(path, field string) Position {
	if p.has(path + "." + field) {
		return p.keyAt(path + "." + field)
	}
	return p.itemPos(path)
}

func controlIDs() []string {
	var ids []string
	for _, c := range Controls() {
		ids = append(ids, c.ID)
	}
	return ids
}

// controlCovers reports whether c checks any resource type of cloud.
func controlCovers(c *Control, cloud inventory.Cloud) bool {
	for _, t := range c.ResourceTypes {
		if inventory.Types[t].Cloud == cloud {
			return true
		}
	}
	return false
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i] < keys[j] })
	return keys
}

func (p *declParser) validateMatch(m Match, at string) {
	cloudOK := m.Cloud == ""
	for _, c := range inventory.Clouds {
		if m.Cloud == c {
			cloudOK = true
		}
	}
	if !cloudOK {
		p.add(p.at(at+".cloud"), "unknown cloud %q in %s.cloud; expected %s", m.Cloud, at, cloudNames())
	}
	cloud := m.Cloud
	if !cloudOK {
		cloud = ""
	}
	for i, id := range m.Targets {
		item := fmt.Sprintf("%s.targets[%d]", at, i)
		if cloud != "" {
			if ok, shape := targetOK(cloud, id); !ok {
				p.add(p.at(item), "target %q in %s is not %s, as match.cloud %s requires", id, item, shape, cloud)
			}
			continue
		}
		known := false
		for _, c := range inventory.Clouds {
			if ok, _ := targetOK(c, id); ok {
				known = true
			}
		}
		if !known {
			p.add(p.at(item), `target %q in %s is not an AWS account id ("111111111111"), an Azure subscription id (a GUID) or a GCP project id`, id, item)
		}
	}
	p.validateRegions(cloud, m.Regions, at+".regions")
	names := inventory.TypeNames()
	for i, pat := range m.ResourceTypes {
		item := fmt.Sprintf("%s.resourceTypes[%d]", at, i)
		if _, err := path.Match(pat, ""); err != nil {
			p.add(p.at(item), "malformed resource type pattern %q in %s; patterns use * ? and [...] as in aws.ec2.*", pat, item)
			continue
		}
		var matched []string
		for _, n := range names {
			if ok, _ := path.Match(pat, n); ok {
				matched = append(matched, n)
			}
		}
		if len(matched) == 0 {
			msg := fmt.Sprintf("unknown resource type %q in %s; ", pat, item)
			if s := closest(pat, names); s != "" {
				msg += fmt.Sprintf("did you mean %s? ", s)
			}
			p.add(p.at(item), "%s`ownaudit controls --model` lists the types", msg)
			continue
		}
		if cloud == "" {
			continue
		}
		inCloud := false
		for _, n := range matched {
			if inventory.Types[n].Cloud == cloud {
				inCloud = true
			}
		}
		if !inCloud {
			p.add(p.at(item), "resource type %q in %s belongs to cloud %s, but match.cloud is %s; the entry can never match", pat, item, inventory.Types[matched[0]].Cloud, cloud)
		}
	}
	for _, k := range sortedKeys(m.Tags) {
		if k == "" {
			p.add(p.keyAt(keyPath(at+".tags", k)), "empty tag key in %s.tags; expected a tag name", at)
		}
	}
}

// validateSettings rejects thresholds below 1 that were written out; an
// absent threshold takes its default.
func (p *declParser) validateSettings(d *Declaration) {
	names, fields := yamlFields(reflect.TypeFor[Settings]())
	got := reflect.ValueOf(d.Settings)
	def := reflect.ValueOf(DefaultSettings)
	for _, n := range names {
		f := fields[n]
		if f.Type.Kind() != reflect.Int {
			continue
		}
		at := "settings." + n
		unit := "a count"
		if strings.HasSuffix(n, "Days") {
			unit = "a number of days"
		}
		if v := got.FieldByIndex(f.Index).Int(); p.has(at) && v < 1 {
			p.add(p.at(at), "%s is %d; expected %s of at least 1 (default %d)", at, v, unit, def.FieldByIndex(f.Index).Int())
		}
	}
}
