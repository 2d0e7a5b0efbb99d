package report

import (
	"reflect"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report/internal/reporttest"
)

func TestSummarize(t *testing.T) {
	got := Summarize(reporttest.Findings())
	want := Summary{
		Total:    8,
		ByStatus: map[controls.Status]int{controls.Fail: 5, controls.Error: 1, controls.Pass: 2},
		BySeverity: map[controls.Severity]StatusCounts{
			controls.Critical: {Fail: 1, Pass: 2},
			controls.High:     {Fail: 2, Error: 1},
			controls.Medium:   {Fail: 2},
			controls.Low:      {},
			controls.Info:     {},
		},
		ByDomain: map[inventory.Domain]StatusCounts{
			inventory.Firewall:   {Fail: 1, Pass: 1},
			inventory.Patching:   {Fail: 1, Error: 1},
			inventory.Encryption: {Fail: 1},
			inventory.IAM:        {Fail: 2, Pass: 1},
		},
		ByParty: map[string]StatusCounts{
			"acme":     {Fail: 2, Pass: 1},
			"claranet": {Fail: 2, Error: 1, Pass: 1},
			Unassigned: {Fail: 1},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Summarize() =\n%+v\nwant\n%+v", got, want)
	}
}

func TestSummarizeEmpty(t *testing.T) {
	got := Summarize(nil)
	if got.Total != 0 || len(got.ByParty) != 0 {
		t.Errorf("Summarize(nil) = %+v, want zero total and no parties", got)
	}
	// Every status, severity and domain is present so readers can index
	// without checking.
	if len(got.ByStatus) != len(controls.Statuses) || len(got.BySeverity) != len(controls.Severities) || len(got.ByDomain) != len(inventory.Domains) {
		t.Errorf("Summarize(nil) has %d statuses, %d severities, %d domains; want %d, %d, %d",
			len(got.ByStatus), len(got.BySeverity), len(got.ByDomain), len(controls.Statuses), len(controls.Severities), len(inventory.Domains))
	}
}

func TestSummaryTotalsAgree(t *testing.T) {
	s := Summarize(reporttest.Findings())
	sum := func(m map[string]StatusCounts) int {
		n := 0
		for _, c := range m {
			n += c.Total()
		}
		return n
	}
	bySev, byDom := 0, 0
	for _, c := range s.BySeverity {
		bySev += c.Total()
	}
	for _, c := range s.ByDomain {
		byDom += c.Total()
	}
	byStatus := 0
	for _, n := range s.ByStatus {
		byStatus += n
	}
	for name, got := range map[string]int{"byStatus": byStatus, "bySeverity": bySev, "byDomain": byDom, "byParty": sum(s.ByParty)} {
		if got != s.Total {
			t.Errorf("sum of %s = %d, want total %d", name, got, s.Total)
		}
	}
}

func TestWithoutPassed(t *testing.T) {
	doc := testDocument()
	before := len(doc.Findings)
	got := doc.WithoutPassed()

	var wantIDs []string
	for _, f := range doc.Findings {
		if f.Status != controls.Pass {
			wantIDs = append(wantIDs, f.ID)
		}
	}
	var gotIDs []string
	for _, f := range got.Findings {
		gotIDs = append(gotIDs, f.ID)
	}
	if !reflect.DeepEqual(gotIDs, wantIDs) {
		t.Errorf("WithoutPassed() finding ids = %v, want %v (non-passed, in order)", gotIDs, wantIDs)
	}
	if !reflect.DeepEqual(got.Summary, doc.Summary) {
		t.Errorf("WithoutPassed() changed the summary: %+v, want %+v", got.Summary, doc.Summary)
	}
	if got.Summary.ByStatus[controls.Pass] != 2 {
		t.Errorf("WithoutPassed() summary counts %d passes, want 2", got.Summary.ByStatus[controls.Pass])
	}
	if len(doc.Findings) != before {
		t.Errorf("WithoutPassed() changed the original: %d findings, want %d", len(doc.Findings), before)
	}
}

func TestFailing(t *testing.T) {
	doc := testDocument()
	// reporttest.Findings fail: 1 critical, 2 high (one of them the unassigned
	// finding), 2 medium; the error and the passes never count.
	tests := []struct {
		min  controls.Severity
		want int
	}{
		{controls.Critical, 1},
		{controls.High, 3},
		{controls.Medium, 5},
		{controls.Low, 5},
		{controls.Info, 5},
	}
	for _, tc := range tests {
		t.Run(string(tc.min), func(t *testing.T) {
			if got := doc.Failing(tc.min); got != tc.want {
				t.Errorf("Failing(%s) = %d, want %d", tc.min, got, tc.want)
			}
		})
	}
}
