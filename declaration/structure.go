package declaration

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

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
		return fmt.Sprintf("the string %q", clip(n.Value))
	case *ast.LiteralNode:
		return "a block string (" + clip(n.Start.Value) + ")"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "the number " + clip(n.GetToken().Value)
	case *ast.BoolNode:
		return "the boolean " + n.GetToken().Value
	}
	return "an unexpected " + n.Type().String()
}

// walk checks a node against the Go type it will decode into, records the
// position of every path, and reports what does not fit. Null is accepted
// for collections and structs, as YAML writes an empty value that way.
//
// It returns the node to decode in n's place, so that the meaning pass
// can run on what could be read: n itself; a scalar written where text is
// expected (an unquoted account id) as the text it was written as; a
// quoted number as the number; null for a value that cannot be read at
// all. Mappings lose the keys they cannot have.
func (p *declParser) walk(n ast.Node, t reflect.Type, path string) ast.Node {
	switch x := n.(type) {
	case *ast.AnchorNode, *ast.AliasNode:
		p.add(p.nodePos(n), "anchors and aliases (&name, *name) are not supported %s; write the value out", where(path))
		return p.unreadable(n, path)
	case *ast.TagNode:
		p.add(p.nodePos(n), "YAML tag %s is not supported %s; quote a value to make it a string", clip(x.Start.Value), where(path))
		return p.unreadable(n, path)
	case *ast.MappingValueNode:
		// A lone "key: value" where a collection item is expected
		// parses as this; treat it as the one-entry mapping it is.
		n = &ast.MappingNode{BaseNode: x.BaseNode, Values: []*ast.MappingValueNode{x}}
	}
	switch t.Kind() {
	case reflect.Struct:
		return p.walkStruct(n, t, path)
	case reflect.Slice:
		return p.walkSlice(n, t, path)
	case reflect.Map:
		return p.walkMap(n, t, path)
	case reflect.String:
		return p.walkString(n, path)
	case reflect.Int:
		return p.walkInt(n, path)
	case reflect.Float64:
		return p.walkFloat(n, path)
	case reflect.Bool:
		if _, ok := n.(*ast.BoolNode); !ok {
			p.add(p.nodePos(n), "expected true or false for %s, found %s", path, kind(n))
			return p.unreadable(n, path)
		}
		return n
	default:
		panic("declaration: field of unsupported kind " + t.Kind().String())
	}
}

// unreadable records that the value at path could not be read and returns
// the null that stands for it.
func (p *declParser) unreadable(n ast.Node, path string) ast.Node {
	p.breaks(path)
	return ast.Null(n.GetToken())
}

func (p *declParser) walkStruct(n ast.Node, t reflect.Type, path string) ast.Node {
	names, fields := yamlFields(t)
	want := fmt.Sprintf("a mapping with keys %s %s", strings.Join(names, ", "), where(path))
	return p.mapping(n, path, want, func(name string, kpos Position, mv *ast.MappingValueNode) bool {
		f, ok := fields[name]
		if !ok {
			msg := fmt.Sprintf("unknown key %q %s; ", clip(name), where(path))
			if s := closest(name, names); s != "" {
				msg += fmt.Sprintf("did you mean %s? ", s)
			}
			p.add(kpos, "%sallowed keys: %s", msg, strings.Join(names, ", "))
			return false
		}
		child := keyPath(path, name)
		p.idx[child] = loc{key: kpos, val: p.nodePos(mv.Value)}
		mv.Value = p.walk(mv.Value, f.Type, child)
		return true
	})
}

// mapping visits each distinct key of the mapping n and keeps the entries
// visit accepts. A null node is an absent mapping; anything else that is
// not a mapping is reported as not being want, and a repeated key as a
// duplicate.
func (p *declParser) mapping(n ast.Node, path, want string, visit func(name string, kpos Position, mv *ast.MappingValueNode) bool) ast.Node {
	if _, ok := n.(*ast.NullNode); ok {
		return n
	}
	m, ok := n.(*ast.MappingNode)
	if !ok {
		p.add(p.nodePos(n), "expected %s, found %s", want, kind(n))
		return p.unreadable(n, path)
	}
	seen := map[string]Position{}
	kept := m.Values[:0]
	for _, mv := range m.Values {
		name, ok := p.key(mv, path)
		if !ok {
			p.drops(path)
			continue
		}
		kpos := p.nodePos(mv.Key)
		if first, dup := seen[name]; dup {
			p.add(kpos, "duplicate key %q %s; first set at line %d, column %d", clip(name), where(path), first.Line, first.Column)
			// Which of the two was meant is anyone's guess.
			p.breaks(keyPath(path, name))
			continue
		}
		seen[name] = kpos
		if !visit(name, kpos, mv) {
			p.drops(path)
			continue
		}
		kept = append(kept, mv)
	}
	m.Values = kept
	return m
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
		text := clip(k.GetToken().Value)
		p.add(p.nodePos(k), "key %s %s is not a string; quote it: %q", text, where(path), text)
	default:
		p.add(p.nodePos(k), "unsupported key %s; keys are plain strings", where(path))
	}
	return "", false
}

func (p *declParser) walkSlice(n ast.Node, t reflect.Type, path string) ast.Node {
	if _, ok := n.(*ast.NullNode); ok {
		return n
	}
	s, ok := n.(*ast.SequenceNode)
	if !ok {
		msg := fmt.Sprintf("expected a list for %s, found %s", path, kind(n))
		if _, scalar := n.(ast.ScalarNode); scalar && t.Elem().Kind() == reflect.String {
			msg += fmt.Sprintf("; write it as a list: [%s]", clip(n.GetToken().Value))
		}
		p.add(p.nodePos(n), "%s", msg)
		return p.unreadable(n, path)
	}
	for i, v := range s.Values {
		child := fmt.Sprintf("%s[%d]", path, i)
		vpos := p.nodePos(v)
		kpos := vpos
		if i < len(s.Entries) && s.Entries[i] != nil && s.Entries[i].Start != nil && s.Entries[i].Start.Type == token.SequenceEntryType {
			kpos = p.tokenPos(s.Entries[i].Start)
		}
		p.idx[child] = loc{key: kpos, val: vpos}
		s.Values[i] = p.walk(v, t.Elem(), child)
	}
	return s
}

func (p *declParser) walkMap(n ast.Node, t reflect.Type, path string) ast.Node {
	return p.mapping(n, path, "a mapping for "+path, func(name string, kpos Position, mv *ast.MappingValueNode) bool {
		child := keyPath(path, name)
		p.idx[child] = loc{key: kpos, val: p.nodePos(mv.Value)}
		if _, null := mv.Value.(*ast.NullNode); null {
			p.add(p.nodePos(mv.Value), "no value for %q in %s; expected %s", clip(name), path, mapValueNoun(path))
			p.breaks(child)
			return false
		}
		mv.Value = p.walk(mv.Value, t.Elem(), child)
		return true
	})
}

// mapValueNoun says what the values of the map at path are.
func mapValueNoun(path string) string {
	if strings.HasSuffix(path, ".tags") {
		return `a tag value (a string; "*" matches any value)`
	}
	return "a party id"
}

func (p *declParser) walkString(n ast.Node, path string) ast.Node {
	switch x := n.(type) {
	case *ast.StringNode:
		// A plain 12-digit scalar that YAML happened to read as a
		// string (012345678901 is no valid octal) is still an unquoted
		// account id; the next one without a 8 or 9 would be a number.
		if x.Token.Type == token.StringType && allDigits(x.Value) && accountPath(path) {
			p.add(p.nodePos(n), "AWS account id %s in %s is not quoted; account ids are quoted strings (a number loses leading zeros): write %q", clip(x.Value), path, clip(x.Value))
		}
		return n
	case *ast.LiteralNode, *ast.NullNode:
		return n
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		text := clip(n.GetToken().Value)
		pos := p.nodePos(n)
		switch {
		case strings.HasSuffix(parentPath(path), ".tags"):
			p.add(pos, "tag value %s in %s is not a string; tag values are strings: quote it as %q", text, path, text)
		case accountPath(path) && allDigits(text):
			p.add(pos, "AWS account id %s in %s is a number; account ids are quoted strings (a number loses leading zeros): write %q", text, path, text)
		default:
			p.add(pos, "expected a string for %s, found %s; quote it: %q", path, kind(n), text)
		}
		// The meaning pass checks the value as written, as if quoted.
		tk := *n.GetToken()
		tk.Type = token.StringType
		return ast.String(&tk)
	default:
		p.add(p.nodePos(n), "expected a string for %s, found %s", path, kind(n))
		return p.unreadable(n, path)
	}
}

func (p *declParser) walkInt(n ast.Node, path string) ast.Node { return p.walkNumber(n, path, false) }

func (p *declParser) walkFloat(n ast.Node, path string) ast.Node { return p.walkNumber(n, path, true) }

// walkNumber checks a number, whole unless fractions are allowed.
func (p *declParser) walkNumber(n ast.Node, path string, fractions bool) ast.Node {
	want := "a whole number"
	if fractions {
		want = "a number"
	}
	switch x := n.(type) {
	case *ast.IntegerNode:
		if u, ok := x.Value.(uint64); ok && u > math.MaxInt64 {
			p.add(p.nodePos(n), "number %s for %s is out of range", clip(x.Token.Value), path)
			return p.unreadable(n, path)
		}
		return n
	case *ast.FloatNode:
		if fractions {
			return n
		}
	case *ast.StringNode:
		if x.Token.Type == token.StringType && allDigits(strings.TrimPrefix(x.Value, "-")) {
			// YAML reads an integer too big for 64 bits as text.
			p.add(p.nodePos(n), "number %s for %s is out of range", clip(x.Value), path)
			return p.unreadable(n, path)
		}
		if _, err := strconv.Atoi(x.Value); err == nil {
			p.add(p.nodePos(n), "expected a number for %s, found %s; remove the quotes", path, kind(n))
			// The meaning pass checks the number, as if unquoted.
			tk := *x.Token
			tk.Type, tk.Value = token.IntegerType, x.Value
			return ast.Integer(&tk)
		}
		if _, err := strconv.ParseFloat(x.Value, 64); err == nil && fractions && x.Token.Type != token.StringType {
			p.add(p.nodePos(n), "expected a number for %s, found %s; remove the quotes", path, kind(n))
			return p.unreadable(n, path)
		}
	}
	p.add(p.nodePos(n), "expected %s for %s, found %s", want, path, kind(n))
	return p.unreadable(n, path)
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
