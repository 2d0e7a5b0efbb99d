package main

import (
	"os"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/report"
)

// TestFindingsDocNamesTheSchemaVersion keeps docs/findings.md in step with
// the version of the documents ownaudit writes.
func TestFindingsDocNamesTheSchemaVersion(t *testing.T) {
	b, err := os.ReadFile("../../docs/findings.md")
	if err != nil {
		t.Fatal(err)
	}
	if want := "currently `\"" + report.SchemaVersion + "\"`"; !strings.Contains(string(b), want) {
		t.Errorf("docs/findings.md does not say the schema version is %s (want %q in it)", report.SchemaVersion, want)
	}
}
