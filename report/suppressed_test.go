package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/report/internal/reporttest"
)

// TestSuppressedCounts checks the summary, Failing and the text writers on
// reporttest.SuppressedFindings, whose only medium failing finding
// (claranet's bucket) is suppressed.
func TestSuppressedCounts(t *testing.T) {
	doc := testDocumentOf(reporttest.SuppressedFindings())
	plain := testDocument()
	s := doc.Summary

	if s.Suppressed != 1 || s.ByStatus[controls.Fail] != plain.Summary.ByStatus[controls.Fail] {
		t.Errorf("Suppressed = %d, ByStatus[fail] = %d; want 1 and the unsuppressed document's %d (statuses are kept)",
			s.Suppressed, s.ByStatus[controls.Fail], plain.Summary.ByStatus[controls.Fail])
	}
	got, was := s.ByParty["claranet"], plain.Summary.ByParty["claranet"]
	if got.Suppressed != 1 || got.Fail != was.Fail-1 || got.Total() != was.Total() {
		t.Errorf("ByParty[claranet] = %+v, want %+v with one fail moved to suppressed", got, was)
	}
	if c := s.BySeverity[controls.Medium]; c.Suppressed != 1 || c.Fail != plain.Summary.BySeverity[controls.Medium].Fail-1 {
		t.Errorf("BySeverity[medium] = %+v, want the bucket counted as suppressed", c)
	}
	if c := s.ByParty["acme"]; c.Suppressed != 0 {
		t.Errorf("ByParty[acme].Suppressed = %d, want 0: the suppression is counted under the responsible party, not the acceptor", c.Suppressed)
	}

	for _, tc := range []struct {
		min         controls.Severity
		got, plain  int
		wantLowered bool
	}{
		{controls.Medium, doc.Failing(controls.Medium), plain.Failing(controls.Medium), true},
		{controls.Low, doc.Failing(controls.Low), plain.Failing(controls.Low), true},
		{controls.High, doc.Failing(controls.High), plain.Failing(controls.High), false},
	} {
		want := tc.plain
		if tc.wantLowered {
			want--
		}
		if tc.got != want {
			t.Errorf("Failing(%s) = %d, want %d (unsuppressed %d)", tc.min, tc.got, want, tc.plain)
		}
	}

	var sum bytes.Buffer
	if err := WriteSummary(&sum, doc, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(sum.String(), "\n")
	if !strings.Contains(lines[0], "SUPPRESSED") {
		t.Errorf("summary header %q has no SUPPRESSED column", lines[0])
	}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) > 0 && f[0] == "claranet" {
			// PARTY ROLE FAILING CRITICAL HIGH MEDIUM LOW INFO SUPPRESSED ...
			if f[2] != "1" || f[5] != "0" || f[8] != "1" {
				t.Errorf("summary row %q, want 1 failing, 0 medium and 1 suppressed", l)
			}
		}
	}
	if !strings.Contains(sum.String(), ", 1 suppressed,") {
		t.Errorf("summary totals do not mention the suppressed finding:\n%s", sum.String())
	}
	var plainSum bytes.Buffer
	if err := WriteSummary(&plainSum, plain, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(plainSum.String(), "SUPPRESSED") || strings.Contains(plainSum.String(), "suppressed") {
		t.Errorf("summary of a document without suppressions mentions them:\n%s", plainSum.String())
	}

	var table bytes.Buffer
	if err := WriteTable(&table, doc, TableOptions{}); err != nil {
		t.Fatal(err)
	}
	want := "    medium encryption.insecure_transport_allowed acme-prod-logs (gcp acme-prod): accepted by acme until 2026-12-31, public website bucket\n"
	if !strings.Contains(table.String(), "  1 suppressed (accepted risk):\n"+want) {
		t.Errorf("table does not list the accepted risk as %q:\n%s", want, table.String())
	}
	if !strings.Contains(table.String(), ", 1 suppressed,") {
		t.Errorf("table totals do not count the suppressed finding:\n%s", table.String())
	}
}
