package declaration

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

var schemaFile = filepath.Join("..", "configs", "schema", "declaration.schema.json")

func TestSchemaUpToDate(t *testing.T) {
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("generated schema is not JSON: %v", err)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s is not JSON: %v", schemaFile, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s is out of date with the Go types; run go test ./declaration -run TestSchema -update and commit it", schemaFile)
	}
}

// compileSchema compiles the committed schema file.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(SchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(SchemaID)
	if err != nil {
		t.Fatalf("compile %s: %v", schemaFile, err)
	}
	return s
}

// yamlInstance reads a YAML declaration as the JSON value a schema
// validator checks.
func yamlInstance(t *testing.T, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Parse drops a UTF-8 byte order mark, and so do editors; the
	// converter does not.
	j, err := yaml.YAMLToJSON(bytes.TrimPrefix(data, utf8BOM))
	if err != nil {
		t.Fatalf("convert %s to JSON: %v", path, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		t.Fatalf("read %s as JSON: %v", path, err)
	}
	return v
}

func TestSchemaAccepts(t *testing.T) {
	s := compileSchema(t)
	files := declFiles(t, "good")
	templates, err := filepath.Glob(filepath.Join("..", "configs", "declarations", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(templates) < 2 {
		t.Errorf("found templates %v, want self-service and managed-service", templates)
	}
	for _, f := range append(files, templates...) {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if err := s.Validate(yamlInstance(t, f)); err != nil {
				t.Errorf("schema rejects %s: %v", f, err)
			}
		})
	}
}

// TestSchemaRejects checks that the schema catches the mistakes
// it can see without following references between parties and entries.
func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	for _, name := range []string{
		"assume-role",
		"aws-account-malformed",
		"aws-account-unquoted",
		"azure-subscription",
		"azure-target-kind",
		"entry-assigns-nothing",
		"gcp-project",
		"match-targets",
		"no-parties",
		"no-responsibilities",
		"not-a-mapping",
		"ownership-tag-empty",
		"party-id-pattern",
		"party-no-id",
		"settings-below-one",
		"tag-values",
		"unknown-cloud",
		"unknown-domain",
		"unknown-key",
		"unknown-resource-type",
		"unknown-role",
		"version-missing",
		"version-quoted",
		"version-unsupported",
		"wrong-shapes",
	} {
		t.Run(name, func(t *testing.T) {
			f := filepath.Join(declDir, "bad", name+".yaml")
			if err := s.Validate(yamlInstance(t, f)); err == nil {
				t.Errorf("schema accepts %s, want it rejected", f)
			}
		})
	}
}
