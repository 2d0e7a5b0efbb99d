package report

import (
	"flag"
	"testing"

	"github.com/ownaudit/ownaudit/report/internal/reporttest"
	"github.com/ownaudit/ownaudit/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testDocument is the document the golden and schema tests use.
func testDocument() *Document { return testDocumentOf(reporttest.Findings()) }

// testDocumentOf is testDocument with other findings.
func testDocumentOf(findings []rules.Finding) *Document {
	return Build(reporttest.Inventory(), reporttest.Declaration(), findings, Meta{
		ScanID: "0123456789abcdef", ToolVersion: "v0.1.0-test", Started: reporttest.Started, Finished: reporttest.Finished, Source: SourceScan,
	})
}

// demoDocument is the demo estate's findings document, passed findings
// included, with fixed times so outputs can be compared with golden
// files.
func demoDocument(t *testing.T, scanID, toolVersion string) *Document {
	t.Helper()
	inv, decl, findings := reporttest.Demo(t)
	return Build(inv, decl, findings, Meta{ScanID: scanID, ToolVersion: toolVersion,
		Started: reporttest.Started, Finished: reporttest.Finished, Source: SourceDemo})
}
