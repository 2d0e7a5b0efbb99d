package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ownaudit/ownaudit/report/internal/reporttest"
)

// schemaFile is the committed schema, relative to this package.
var schemaFile = filepath.Join("..", "configs", "schema", "findings.schema.json")

func TestFindingsSchemaUpToDate(t *testing.T) {
	got, err := FindingsSchema()
	if err != nil {
		t.Fatalf("FindingsSchema: %v", err)
	}
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("read %s (run go test ./report -update to create it): %v", schemaFile, err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s is out of date with the Go types; run go test ./report -update and commit it", schemaFile)
	}
}

// compileSchema compiles the generated schema, asserting formats such as
// date-time.
func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	b, err := FindingsSchema()
	if err != nil {
		t.Fatalf("FindingsSchema: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("schema is not JSON: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource(FindingsSchemaID, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(FindingsSchemaID)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return s
}

// instance writes doc with WriteJSON and parses it for validation.
func instance(t *testing.T, doc *Document) any {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, doc); err != nil {
		t.Fatalf("WriteJSON: %v", err)
	}
	v, err := jsonschema.UnmarshalJSON(&buf)
	if err != nil {
		t.Fatalf("WriteJSON output does not parse: %v", err)
	}
	return v
}

func TestDocumentsMatchSchema(t *testing.T) {
	s := compileSchema(t)
	tests := []struct {
		name string
		doc  *Document
	}{
		{"full", testDocument()},
		{"without passed", testDocument().WithoutPassed()},
		{"empty", Build(nil, nil, nil, Meta{})},
		{"demo, no declaration", Build(reporttest.Inventory(), nil, reporttest.Findings(), Meta{Source: SourceDemo})},
		{"saved inventory", Build(reporttest.Inventory(), reporttest.Declaration(), nil, Meta{Source: SourceInventory + "snapshot.json"})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := s.Validate(instance(t, tc.doc)); err != nil {
				t.Errorf("document does not match the schema: %v", err)
			}
		})
	}
}

func TestSchemaRejects(t *testing.T) {
	s := compileSchema(t)
	at := func(v any, keys ...any) any {
		for _, k := range keys {
			switch k := k.(type) {
			case string:
				v = v.(map[string]any)[k]
			case int:
				v = v.([]any)[k]
			}
		}
		return v
	}
	finding0 := func(doc any) map[string]any { return at(doc, "findings", 0).(map[string]any) }
	tests := []struct {
		name   string
		mutate func(doc map[string]any)
	}{
		{"bad status", func(d map[string]any) { finding0(d)["status"] = "passed" }},
		{"not applicable status", func(d map[string]any) { finding0(d)["status"] = "" }},
		{"missing finding id", func(d map[string]any) { delete(finding0(d), "id") }},
		{"malformed finding id", func(d map[string]any) { finding0(d)["id"] = "sg-1" }},
		{"bad severity", func(d map[string]any) { finding0(d)["severity"] = "urgent" }},
		{"bad domain", func(d map[string]any) { finding0(d)["domain"] = "network" }},
		{"missing responsible", func(d map[string]any) { delete(finding0(d), "responsible") }},
		{"bad responsible role", func(d map[string]any) { at(finding0(d), "responsible").(map[string]any)["role"] = "vendor" }},
		{"unknown finding field", func(d map[string]any) { finding0(d)["owner"] = "acme" }},
		{"bad target status", func(d map[string]any) { at(d, "scan", "targets", 0).(map[string]any)["status"] = "degraded" }},
		{"bad source", func(d map[string]any) { at(d, "scan").(map[string]any)["source"] = "cloud" }},
		{"bad time", func(d map[string]any) { at(d, "scan").(map[string]any)["started"] = "yesterday" }},
		{"missing scan id", func(d map[string]any) { delete(at(d, "scan").(map[string]any), "id") }},
		{"error without controls", func(d map[string]any) { delete(at(d, "errors", 0).(map[string]any), "controls") }},
		{"bad summary status key", func(d map[string]any) { at(d, "summary", "byStatus").(map[string]any)["skipped"] = json.Number("1") }},
		{"wrong schema version", func(d map[string]any) { d["schemaVersion"] = "2.0" }},
		{"missing summary", func(d map[string]any) { delete(d, "summary") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := instance(t, testDocument()).(map[string]any)
			if err := s.Validate(doc); err != nil {
				t.Fatalf("unbroken document does not validate: %v", err)
			}
			tc.mutate(doc)
			if err := s.Validate(doc); err == nil {
				t.Errorf("schema accepted a document with %s", tc.name)
			}
		})
	}
}

func TestSchemaAcceptsNullResponsible(t *testing.T) {
	s := compileSchema(t)
	doc := instance(t, testDocument()).(map[string]any)
	var found bool
	for _, f := range doc["findings"].([]any) {
		if f.(map[string]any)["responsible"] == nil {
			found = true
		}
	}
	if !found {
		t.Fatal("test document has no finding with a null responsible")
	}
	if err := s.Validate(doc); err != nil {
		t.Errorf("document with a null responsible does not validate: %v", err)
	}
}
