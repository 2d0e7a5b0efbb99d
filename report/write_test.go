package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestWrite(t *testing.T) {
	doc := testDocument()
	tests := []struct {
		format string
		check  func(out string) bool
	}{
		{FormatJSON, func(out string) bool {
			return json.Valid([]byte(out)) && strings.Contains(out, `"schemaVersion": "`+SchemaVersion+`"`)
		}},
		{FormatNDJSON, func(out string) bool { return strings.HasPrefix(out, `{"type":"scan"`) }},
		{FormatTable, func(out string) bool { return strings.Contains(out, "could not read:") }},
		{FormatMarkdown, func(out string) bool { return strings.HasPrefix(out, "# Handover report\n") }},
		{FormatHTML, func(out string) bool {
			return strings.HasPrefix(out, "<!DOCTYPE html>") && strings.Contains(out, `id="domain-party-matrix"`)
		}},
		{FormatOCSF, func(out string) bool { return strings.HasPrefix(out, "[\n{\"class_uid\":2004,") }},
	}
	for _, tc := range tests {
		t.Run(tc.format, func(t *testing.T) {
			var buf bytes.Buffer
			if err := Write(&buf, tc.format, doc, TableOptions{}); err != nil {
				t.Fatalf("Write(%s): %v", tc.format, err)
			}
			if !tc.check(buf.String()) {
				t.Errorf("Write(%s) wrote unexpected output:\n%s", tc.format, buf.String())
			}
		})
	}
	if len(Formats()) != len(tests) {
		t.Errorf("Formats() = %v, want the %d tested ones", Formats(), len(tests))
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, "xml", testDocument(), TableOptions{})
	if err == nil {
		t.Fatal("Write(xml) succeeded, want an error")
	}
	for _, f := range Formats() {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("Write(xml) error %q does not name format %s", err, f)
		}
	}
	if buf.Len() != 0 {
		t.Errorf("Write(xml) wrote %q, want nothing", buf.String())
	}
}
