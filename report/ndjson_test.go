package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWriteNDJSON(t *testing.T) {
	doc := testDocument()
	var buf bytes.Buffer
	if err := WriteNDJSON(&buf, doc); err != nil {
		t.Fatalf("WriteNDJSON: %v", err)
	}
	if !strings.HasSuffix(buf.String(), "\n") {
		t.Errorf("output does not end with a newline")
	}

	var records []map[string]any
	sc := bufio.NewScanner(&buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d does not parse: %v\n%s", len(records)+1, err, sc.Text())
		}
		records = append(records, rec)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}

	wantLen := 1 + len(doc.Findings) + len(doc.Errors) + 1
	if len(records) != wantLen {
		t.Fatalf("got %d lines, want %d", len(records), wantLen)
	}
	var types []string
	for _, r := range records {
		typ, _ := r["type"].(string)
		types = append(types, typ)
	}
	want := []string{RecordScan}
	for range doc.Findings {
		want = append(want, RecordFinding)
	}
	for range doc.Errors {
		want = append(want, RecordError)
	}
	want = append(want, RecordSummary)
	if strings.Join(types, ",") != strings.Join(want, ",") {
		t.Errorf("record types = %v, want %v", types, want)
	}

	scan := records[0]
	if scan["schemaVersion"] != SchemaVersion || scan["id"] != doc.Scan.ID || scan["source"] != doc.Scan.Source {
		t.Errorf("scan record = %v, want schemaVersion %s, id %s, source %s", scan, SchemaVersion, doc.Scan.ID, doc.Scan.Source)
	}
	if parties, _ := scan["parties"].([]any); len(parties) != len(doc.Parties) {
		t.Errorf("scan record has %d parties, want %d", len(parties), len(doc.Parties))
	}
	for i, f := range doc.Findings {
		rec := records[1+i]
		if rec["id"] != f.ID || rec["status"] != string(f.Status) || rec["control"] != f.Control {
			t.Errorf("finding record %d = id %v status %v control %v, want %s %s %s", i, rec["id"], rec["status"], rec["control"], f.ID, f.Status, f.Control)
		}
	}
	if e := records[1+len(doc.Findings)]; e["operation"] != doc.Errors[0].Operation {
		t.Errorf("error record operation = %v, want %s", e["operation"], doc.Errors[0].Operation)
	}
	if total, _ := records[len(records)-1]["total"].(float64); int(total) != doc.Summary.Total {
		t.Errorf("summary record total = %v, want %d", total, doc.Summary.Total)
	}
}

func TestRecord(t *testing.T) {
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"fields follow the type", struct {
			A int    `json:"a"`
			B string `json:"b"`
		}{1, "x"}, `{"type":"t","a":1,"b":"x"}` + "\n"},
		{"empty object", struct{}{}, `{"type":"t"}` + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := record("t", tc.v)
			if err != nil {
				t.Fatalf("record: %v", err)
			}
			if string(got) != tc.want {
				t.Errorf("record(t, %v) = %q, want %q", tc.v, got, tc.want)
			}
		})
	}
	if _, err := record("t", []int{1}); err == nil {
		t.Errorf("record of an array succeeded, want an error")
	}
}
