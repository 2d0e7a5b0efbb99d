package report

import (
	"flag"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
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

// unreadDocument is testDocument with two more findings not evaluated,
// on an instance in the region whose patch states could not be read.
func unreadDocument() *Document {
	batch := rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-west-1", Type: inventory.AWSInstance, ID: "i-0b1", Name: "batch-1"}
	claranet := reporttest.Owner("claranet", controls.MSP, 0)
	return testDocumentOf(append(reporttest.Findings(),
		reporttest.Finding("patching.missing_security_updates", inventory.Patching, controls.High, controls.Error, batch, claranet, "patch state could not be read"),
		reporttest.Finding("patching.assessment_stale", inventory.Patching, controls.Medium, controls.Error, batch, claranet, "last assessment time could not be read"),
	))
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
