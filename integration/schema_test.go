package integration

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestDemoOutputsMatchCommittedSchema validates what the binary writes, in
// every JSON shape, against the schema shipped in configs/schema.
func TestDemoOutputsMatchCommittedSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	s, err := c.Compile(filepath.Join("..", "configs", "schema", "findings.schema.json"))
	if err != nil {
		t.Fatalf("compile committed schema: %v", err)
	}
	dir := t.TempDir()
	for _, args := range [][]string{
		{"scan", "--demo", "--output", "plain.json"},
		{"scan", "--demo", "--output", "all.json", "--include-passed"},
	} {
		if r := ownaudit(t, dir, args...); r.code != demoExit {
			t.Fatalf("ownaudit %v: exit %d: %s", args, r.code, r.stderr)
		}
	}
	for _, name := range []string{"plain.json", "all.json"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		v, err := jsonschema.UnmarshalJSON(f)
		f.Close()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := s.Validate(v); err != nil {
			t.Errorf("%s does not match the findings schema: %v", name, err)
		}
		// The schema must be able to say no: a finding with a status
		// outside the closed set is rejected.
		doc := v.(map[string]any)
		doc["findings"].([]any)[0].(map[string]any)["status"] = "maybe"
		if err := s.Validate(doc); err == nil {
			t.Errorf("%s with status \"maybe\" passed the schema", name)
		}
	}
}
