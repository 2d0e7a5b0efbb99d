package declaration

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/parser"
)

// FuzzParse feeds the parser arbitrary bytes. It must never panic; a
// failure must be an *Error whose issues all have a position (an empty
// file is reported at 1:1, so line 0 never occurs); a success must survive
// a marshal and re-parse unchanged.
func FuzzParse(f *testing.F) {
	var seeds []string
	for _, dir := range []string{"good", "bad"} {
		seeds = append(seeds, declFiles(f, dir)...)
	}
	templates, err := filepath.Glob(filepath.Join("..", "configs", "declarations", "*.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range append(seeds, templates...) {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkLimits(t, data)
		d, err := Parse("fuzz.yaml", data)
		if err != nil {
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("error is %T, want *Error: %v", err, err)
			}
			if len(de.Issues) == 0 {
				t.Fatal("*Error with no issues")
			}
			for _, is := range de.Issues {
				if is.Pos.Line < 1 || is.Pos.Column < 1 || is.Pos.File != "fuzz.yaml" || is.Message == "" {
					t.Errorf("issue %+v lacks a position or message", is)
				}
			}
			return
		}
		// Flow style quotes every string. goccy's block style leaves a
		// few strings plain that then read back as something else (".inf"
		// as a number, a leading tab dropped), which is the encoder's
		// problem and not the parser's; TestDeclarationRoundTrip covers
		// block style on realistic declarations.
		out, err := yaml.MarshalWithOptions(d, yaml.JSON())
		if err != nil {
			t.Fatalf("marshal parsed declaration: %v", err)
		}
		again, err := Parse("again.yaml", out)
		if err != nil {
			t.Fatalf("re-parse of marshalled declaration failed:\n%v\nmarshalled:\n%s", err, out)
		}
		if got, want := canonical(t, again), canonical(t, d); got != want {
			t.Errorf("round trip changed the declaration:\ngot  %s\nwant %s", got, want)
		}
	})
}

// checkLimits checks the two checks that run before the YAML parser
// against the parser itself, with the default node limit and with one
// small enough for a fuzzed input to reach: glance, which sees only bytes,
// never refuses YAML the parser accepts and the token check lets through;
// and what the token check lets through, the parser builds within
// MaxDepth and the node limit (an implicit null, as in "{a}", has no
// token, so the tree may hold up to twice the nodes counted).
func checkLimits(t *testing.T, data []byte) {
	t.Helper()
	if _, msg := badText(data, false); msg != "" {
		return
	}
	text := bytes.TrimPrefix(data, utf8BOM)
	for _, o := range []Options{{}, {MaxSize: 16 * BytesPerNode}} {
		tokens := lexer.Tokenize(string(text))
		if !(&declParser{opts: o}).shape(tokens) {
			continue
		}
		f, err := parser.Parse(tokens, 0, parser.AllowDuplicateMapKey())
		if err != nil {
			continue
		}
		if g := (&declParser{opts: o}); !g.glance(text) {
			t.Errorf("glance refuses YAML that the parser reads and the token check accepts (%d nodes allowed): %v", o.maxNodes(), g.issues)
		}
		depth, nodes := 0, 0
		for _, doc := range f.Docs {
			d, n := treeSize(doc.Body)
			depth, nodes = max(depth, d), nodes+n
		}
		if depth > MaxDepth || nodes > 2*o.maxNodes() {
			t.Errorf("the token check let through a tree %d deep with %d nodes; limits %d and %d", depth, nodes, MaxDepth, o.maxNodes())
		}
	}
}

// treeSize returns how deeply collections nest in n and how many nodes it
// holds, as the token check counts them (a key and its value are two).
func treeSize(n ast.Node) (depth, nodes int) {
	switch n := n.(type) {
	case nil:
		return 0, 0
	case *ast.MappingNode:
		for _, v := range n.Values {
			d, c := treeSize(v)
			depth, nodes = max(depth, d-1), nodes+c
		}
		return depth + 1, nodes + 1
	case *ast.MappingValueNode:
		kd, kc := treeSize(n.Key)
		vd, vc := treeSize(n.Value)
		return max(kd, vd) + 1, kc + vc
	case *ast.SequenceNode:
		for _, v := range n.Values {
			d, c := treeSize(v)
			depth, nodes = max(depth, d), nodes+c
		}
		return depth + 1, nodes + 1
	case *ast.AnchorNode:
		return treeSize(n.Value)
	case *ast.TagNode:
		return treeSize(n.Value)
	case *ast.MappingKeyNode:
		return treeSize(n.Value)
	}
	return 0, 1
}

// canonical is the JSON form of d, which leaves out the file, digest and
// positions and treats empty and absent lists alike.
func canonical(t *testing.T, d *Declaration) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestDeclarationRoundTrip marshals every good declaration and template in
// block style and parses the result again.
func TestDeclarationRoundTrip(t *testing.T) {
	files := declFiles(t, "good")
	templates, err := filepath.Glob(filepath.Join("..", "configs", "declarations", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(files, templates...) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			d, err := Load(f)
			if err != nil {
				t.Fatal(err)
			}
			out, err := yaml.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			again, err := Parse("again.yaml", out)
			if err != nil {
				t.Fatalf("re-parse failed:\n%v\nmarshalled:\n%s", err, out)
			}
			if got, want := canonical(t, again), canonical(t, d); got != want {
				t.Errorf("round trip changed the declaration:\ngot  %s\nwant %s", got, want)
			}
		})
	}
}
