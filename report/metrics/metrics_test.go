package metrics

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/report/internal/reporttest"
	"github.com/ownaudit/ownaudit/rules"
)

// update makes the golden test rewrite its file: go test ./report/metrics
// -update.
var update = flag.Bool("update", false, "rewrite golden files")

var testBuildInfo = BuildInfo{Version: "v0.1.0-test", GoVersion: "go1.26.0", Revision: "0123abc"}

// demoDocument is the demo estate's findings document, passed findings
// included.
func demoDocument(t *testing.T) *report.Document {
	t.Helper()
	inv, decl, findings := reporttest.Demo(t)
	return report.Build(inv, decl, findings, report.Meta{Started: reporttest.Started, Finished: reporttest.Finished, Source: report.SourceDemo})
}

// metricsDocument is the document of reporttest.SuppressedFindings with
// resources, scanner runs and API requests: what a real scan of
// reporttest.Inventory's targets would carry.
func metricsDocument() *report.Document {
	inv := reporttest.Inventory()
	inv.Resources = []inventory.Resource{
		{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Type: inventory.AWSSecurityGroup, ID: "sg-0a1b2c3d"},
		{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Type: inventory.AWSSecurityGroup, ID: "sg-0e0f"},
		{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSRoot, ID: "arn:aws:iam::111111111111:root"},
		{Cloud: inventory.AWS, Target: "222222222222", Type: inventory.AWSRoot, ID: "arn:aws:iam::222222222222:root"},
	}
	inv.Scanners = []inventory.ScannerRun{
		{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Domain: inventory.Patching, Success: true, DurationSeconds: 1.25},
		{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-west-1", Domain: inventory.Patching, Success: false, DurationSeconds: 0.5},
		{Cloud: inventory.AWS, Target: "111111111111", Domain: inventory.IAM, Success: true, DurationSeconds: 2},
	}
	return report.Build(inv, reporttest.Declaration(), reporttest.SuppressedFindings(), report.Meta{
		ScanID: "0123456789abcdef", ToolVersion: "v0.1.0-test", Started: reporttest.Started, Finished: reporttest.Finished, Source: report.SourceScan,
		APIRequests: []report.APIRequestCount{
			{Cloud: inventory.AWS, Service: "ssm", Operation: "DescribeInstancePatchStates", Code: "AccessDeniedException", Count: 1},
			{Cloud: inventory.AWS, Service: "ec2", Operation: "DescribeSecurityGroups", Code: "OK", Count: 4},
			{Cloud: inventory.AWS, Service: "ec2", Operation: "DescribeSecurityGroups", Code: "RequestLimitExceeded", Count: 1},
		},
	})
}

// gather returns what m exposes, by metric name.
func gather(t *testing.T, m *Collector) map[string]*dto.MetricFamily {
	t.Helper()
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	out := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		out[mf.GetName()] = mf
	}
	return out
}

// value is the sample value of a metric from a gathered family.
func value(m *dto.Metric) float64 {
	switch {
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Counter != nil:
		return m.Counter.GetValue()
	}
	return 0
}

// labels are a metric's labels as a map.
func labels(m *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range m.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

// sum adds up the samples of family name whose labels include want.
func sum(fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	total := 0.0
	for _, m := range fams[name].GetMetric() {
		l := labels(m)
		match := true
		for k, v := range want {
			if l[k] != v {
				match = false
			}
		}
		if match {
			total += value(m)
		}
	}
	return total
}

// single returns the value of a metric without labels, and whether it is
// exposed at all.
func single(fams map[string]*dto.MetricFamily, name string) (float64, bool) {
	mf, ok := fams[name]
	if !ok || len(mf.GetMetric()) != 1 {
		return 0, false
	}
	return value(mf.GetMetric()[0]), true
}

func TestMetricsGolden(t *testing.T) {
	m := New(testBuildInfo)
	m.SetInterval(6 * time.Hour)
	m.Observe(metricsDocument())
	mfs, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := writeText(&got, mfs); err != nil {
		t.Fatal(err)
	}
	reporttest.Golden(t, "metrics.golden.prom", got.Bytes(), *update)
	// The golden file is also compared as metrics, not only as text.
	f, err := os.Open(filepath.Join("testdata", "metrics.golden.prom"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := testutil.GatherAndCompare(m.Registry(), f); err != nil {
		t.Error(err)
	}
}

// lint fails the test on every problem promlint finds in what g gathers.
func lint(t *testing.T, g prometheus.Gatherer) {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatalf("Gather: %v", err)
	}
	problems, err := promlint.NewWithMetricFamilies(mfs).Lint()
	if err != nil {
		t.Fatalf("Lint: %v", err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
}

func TestMetricsLintClean(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T, m *Collector)
	}{
		{"nothing scanned", func(*testing.T, *Collector) {}},
		{"test document", func(_ *testing.T, m *Collector) { m.SetInterval(time.Hour); m.Observe(metricsDocument()) }},
		{"demo document", func(t *testing.T, m *Collector) { m.Observe(demoDocument(t)) }},
		{"failed scan", func(*testing.T, *Collector) {}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := New(testBuildInfo)
			tc.setup(t, m)
			if tc.name == "failed scan" {
				m.ObserveFailure(reporttest.Finished, errors.New("declaration unreadable"))
			}
			lint(t, m.Registry())
		})
	}
}

func TestMetricsMatchDocumentCounts(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  *report.Document
	}{
		{"test document", metricsDocument()},
		{"demo document", demoDocument(t)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := New(testBuildInfo)
			m.Observe(tc.doc)
			fams := gather(t, m)

			// What the summary counts, minus the ownership findings, which
			// have a metric of their own without party labels.
			var ownership []rules.Finding
			for _, f := range tc.doc.Findings {
				if strings.HasPrefix(f.Control, "ownership.") {
					ownership = append(ownership, f)
				}
			}
			ownershipBy := report.Summarize(ownership).ByParty
			if got, want := sum(fams, metricOwnershipFindings, nil), float64(len(ownership)); got != want {
				t.Errorf("sum(%s) = %v, want %v ownership findings", metricOwnershipFindings, got, want)
			}
			if got, want := sum(fams, metricFindings, nil)+sum(fams, metricSuppressedFindings, nil)+sum(fams, metricOwnershipFindings, nil), float64(tc.doc.Summary.Total); got != want {
				t.Errorf("sum(findings) + sum(suppressed) + sum(ownership findings) = %v, want the summary's total %v", got, want)
			}
			if got, want := sum(fams, metricSuppressedFindings, nil), float64(tc.doc.Summary.Suppressed); got != want {
				t.Errorf("sum(%s) = %v, want the summary's %v", metricSuppressedFindings, got, want)
			}
			wantFail := tc.doc.Summary.ByStatus[controls.Fail] - tc.doc.Summary.Suppressed
			for _, c := range ownershipBy {
				wantFail -= c.Fail
			}
			if got := sum(fams, metricFindings, map[string]string{"status": "fail"}); got != float64(wantFail) {
				t.Errorf(`sum(%s{status="fail"}) = %v, want %v`, metricFindings, got, wantFail)
			}
			if wantFail == 0 {
				t.Fatal("the document has no failing control finding; the test proves nothing")
			}
			for party, c := range tc.doc.Summary.ByParty {
				o := ownershipBy[party]
				for _, st := range []struct {
					status string
					want   int
				}{{"pass", c.Pass - o.Pass}, {"fail", c.Fail - o.Fail}, {"error", c.Error - o.Error}} {
					got := sum(fams, metricFindings, map[string]string{"responsible_party": party, "status": st.status})
					if got != float64(st.want) {
						t.Errorf(`sum(%s{responsible_party=%q,status=%q}) = %v, want %v`, metricFindings, party, st.status, got, st.want)
					}
				}
			}
			if v, ok := single(fams, metricScanSuccess); !ok || v != boolValue(len(tc.doc.Errors) == 0) {
				t.Errorf("%s = %v (exposed %v), want %v", metricScanSuccess, v, ok, boolValue(len(tc.doc.Errors) == 0))
			}
		})
	}
}

// TestMetricsSuppressed checks that a suppressed failing finding leaves
// the fail series for the suppressed one, and that a control with no
// suppressed finding still has its suppressed series, at 0.
func TestMetricsSuppressed(t *testing.T) {
	m := New(testBuildInfo)
	m.Observe(metricsDocument())
	fams := gather(t, m)
	bucket := map[string]string{"cloud": "gcp", "target": "acme-prod", "domain": "encryption",
		"control": "encryption.insecure_transport_allowed", "severity": "medium", "responsible_party": "claranet", "responsible_role": "msp"}
	if got := sum(fams, metricSuppressedFindings, bucket); got != 1 {
		t.Errorf("%s%v = %v, want 1", metricSuppressedFindings, bucket, got)
	}
	bucket["status"] = "fail"
	if got := sum(fams, metricFindings, bucket); got != 0 {
		t.Errorf("%s%v = %v, want 0: a suppressed finding is not failing", metricFindings, bucket, got)
	}
	root := map[string]string{"target": "111111111111", "control": "iam.root_mfa_disabled"}
	n := 0
	for _, mm := range fams[metricSuppressedFindings].GetMetric() {
		if l := labels(mm); l["target"] == root["target"] && l["control"] == root["control"] {
			n++
			if value(mm) != 0 {
				t.Errorf("%s%v = %v, want 0", metricSuppressedFindings, l, value(mm))
			}
		}
	}
	if n != 1 {
		t.Errorf("%d %s series for %v, want 1 at 0", n, metricSuppressedFindings, root)
	}
	if got, want := len(fams[metricSuppressedFindings].GetMetric())*3, len(fams[metricFindings].GetMetric()); got != want {
		t.Errorf("%d suppressed series for %d findings series, want one per three statuses", got/3, want)
	}
}

func TestMetricsEmitKnownSeriesAsZero(t *testing.T) {
	m := New(testBuildInfo)
	m.Observe(metricsDocument())
	fams := gather(t, m)

	// iam.root_mfa_disabled in 111111111111 only failed: its pass and
	// error series are there, at 0.
	for status, want := range map[string]float64{"fail": 1, "pass": 0, "error": 0} {
		sel := map[string]string{"target": "111111111111", "control": "iam.root_mfa_disabled", "status": status}
		n := 0
		for _, mm := range fams[metricFindings].GetMetric() {
			l := labels(mm)
			if l["target"] == sel["target"] && l["control"] == sel["control"] && l["status"] == status {
				n++
				if value(mm) != want {
					t.Errorf("%s%v = %v, want %v", metricFindings, sel, value(mm), want)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s%v: %d series, want 1", metricFindings, sel, n)
		}
	}
	// Every listed target and the declaration have every kind in all
	// four domains: 4 targets + the declaration, times 4 domains.
	if got, want := len(fams[metricOwnershipFindings].GetMetric()), (4+1)*4*len(OwnershipKinds); got != want {
		t.Errorf("%s: %d series, want %d", metricOwnershipFindings, got, want)
	}
	var zeroKinds int
	for _, mm := range fams[metricOwnershipFindings].GetMetric() {
		l := labels(mm)
		if l["target"] == "222222222222" && value(mm) == 0 {
			zeroKinds++
		}
	}
	if want := 4 * len(OwnershipKinds); zeroKinds != want {
		t.Errorf("%s for 222222222222: %d zero series, want %d", metricOwnershipFindings, zeroKinds, want)
	}
	// A resource type of the target's cloud the scan found none of is 0.
	found := false
	for _, mm := range fams[metricResources].GetMetric() {
		l := labels(mm)
		if l["target"] == "222222222222" && l["type"] == inventory.AWSSecurityGroup {
			found = true
			if value(mm) != 0 {
				t.Errorf("%s{target=222222222222,type=%s} = %v, want 0", metricResources, inventory.AWSSecurityGroup, value(mm))
			}
		}
		if l["cloud"] == "aws" && strings.HasPrefix(l["type"], "gcp.") {
			t.Errorf("%s has a GCP type for an AWS target: %v", metricResources, l)
		}
	}
	if !found {
		t.Errorf("%s{target=222222222222,type=%s} is missing, want 0", metricResources, inventory.AWSSecurityGroup)
	}
	if got := sum(fams, metricResources, map[string]string{"target": "111111111111", "type": inventory.AWSSecurityGroup}); got != 2 {
		t.Errorf("%s{target=111111111111,type=%s} = %v, want 2", metricResources, inventory.AWSSecurityGroup, got)
	}
}

func TestMetricsBeforeAnyScan(t *testing.T) {
	m := New(testBuildInfo)
	fams := gather(t, m)
	if len(fams) != 1 || fams[metricBuildInfo] == nil {
		names := []string{}
		for n := range fams {
			names = append(names, n)
		}
		t.Errorf("metrics before any scan = %v, want only %s", names, metricBuildInfo)
	}
	l := labels(fams[metricBuildInfo].GetMetric()[0])
	if l["version"] != testBuildInfo.Version || l["goversion"] != testBuildInfo.GoVersion || l["revision"] != testBuildInfo.Revision {
		t.Errorf("%s labels = %v, want %+v", metricBuildInfo, l, testBuildInfo)
	}
}

// withRequests is a successful document with the given request counts.
func withRequests(finished time.Time, reqs ...report.APIRequestCount) *report.Document {
	return report.Build(nil, nil, nil, report.Meta{Started: finished.Add(-time.Minute), Finished: finished, APIRequests: reqs})
}

func TestAPIRequestsCounterAddsUpAcrossScans(t *testing.T) {
	m := New(testBuildInfo)
	ok := report.APIRequestCount{Cloud: inventory.AWS, Service: "ec2", Operation: "DescribeVolumes", Code: "OK"}
	throttled := ok
	throttled.Code = "RequestLimitExceeded"
	denied := report.APIRequestCount{Cloud: inventory.AWS, Service: "iam", Operation: "ListUsers", Code: "AccessDenied", Count: 1}

	first, second := ok, ok
	first.Count, second.Count = 3, 2
	throttled.Count = 1
	m.Observe(withRequests(reporttest.Finished, first, denied))
	m.Observe(withRequests(reporttest.Finished.Add(time.Hour), second, throttled))

	fams := gather(t, m)
	for _, tc := range []struct {
		sel  map[string]string
		want float64
	}{
		{map[string]string{"operation": "DescribeVolumes", "code": "OK"}, 5},
		{map[string]string{"operation": "DescribeVolumes", "code": "RequestLimitExceeded"}, 1},
		// A series the latest scan did not touch keeps its total.
		{map[string]string{"operation": "ListUsers", "code": "AccessDenied"}, 1},
	} {
		if got := sum(fams, metricAPIRequests, tc.sel); got != tc.want {
			t.Errorf("%s%v = %v, want %v", metricAPIRequests, tc.sel, got, tc.want)
		}
	}
	if mf := fams[metricAPIRequests]; mf.GetType() != dto.MetricType_COUNTER || len(mf.GetMetric()) != 3 {
		t.Errorf("%s: type %v, %d series; want a counter with 3", metricAPIRequests, mf.GetType(), len(mf.GetMetric()))
	}
}

func TestObserveFailureKeepsLastSuccess(t *testing.T) {
	m := New(testBuildInfo)
	m.Observe(withRequests(reporttest.Finished))
	failedAt := reporttest.Finished.Add(6 * time.Hour)
	m.ObserveFailure(failedAt, errors.New("scan cancelled"))
	fams := gather(t, m)
	for _, tc := range []struct {
		name string
		want float64
	}{
		{metricScanSuccess, 0},
		{metricLastScan, float64(failedAt.Unix())},
		{metricLastSuccessfulScan, float64(reporttest.Finished.Unix())},
		{metricScanDuration, 60}, // of the last scan that produced findings
	} {
		if got, ok := single(fams, tc.name); !ok || got != tc.want {
			t.Errorf("%s = %v (exposed %v), want %v", tc.name, got, ok, tc.want)
		}
	}

	// A partial scan is not successful either: the last successful one
	// stays where it was.
	partial := metricsDocument()
	partial.Scan.Finished = failedAt.Add(time.Hour)
	m.Observe(partial)
	fams = gather(t, m)
	if got, _ := single(fams, metricLastSuccessfulScan); got != float64(reporttest.Finished.Unix()) {
		t.Errorf("%s after a partial scan = %v, want %v", metricLastSuccessfulScan, got, float64(reporttest.Finished.Unix()))
	}
	if got, _ := single(fams, metricScanSuccess); got != 0 {
		t.Errorf("%s after a partial scan = %v, want 0", metricScanSuccess, got)
	}

	// With no successful scan ever, the timestamp is not exposed at all.
	never := New(testBuildInfo)
	never.ObserveFailure(failedAt, errors.New("no credentials"))
	fams = gather(t, never)
	if _, ok := fams[metricLastSuccessfulScan]; ok {
		t.Errorf("%s exposed before any successful scan", metricLastSuccessfulScan)
	}
	if got, ok := single(fams, metricScanSuccess); !ok || got != 0 {
		t.Errorf("%s = %v (exposed %v), want 0", metricScanSuccess, got, ok)
	}
}

func TestWriteTextfile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ownaudit.prom")
	if err := os.WriteFile(path, []byte("# an older file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	m := New(testBuildInfo)
	m.Observe(metricsDocument())
	if err := WriteTextfile(path, m.Registry()); err != nil {
		t.Fatalf("WriteTextfile: %v", err)
	}

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	parsed, err := parser.TextToMetricFamilies(f)
	if err != nil {
		t.Fatalf("%s does not parse as the text format: %v", path, err)
	}
	want := gather(t, m)
	if len(parsed) != len(want) {
		t.Errorf("%s holds %d families, want %d", path, len(parsed), len(want))
	}
	for name, mf := range want {
		if got := len(parsed[name].GetMetric()); got != len(mf.GetMetric()) {
			t.Errorf("%s: %d series of %s, want %d", path, got, name, len(mf.GetMetric()))
		}
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	if err := testutil.GatherAndCompare(m.Registry(), f); err != nil {
		t.Errorf("%s differs from the registry: %v", path, err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only %s (no temporary file left)", len(entries), path)
	}
}

// failingGatherer fails, as a registry with an inconsistent collector does.
type failingGatherer struct{}

func (failingGatherer) Gather() ([]*dto.MetricFamily, error) {
	return nil, errors.New("collector broke")
}

func TestWriteTextfileKeepsOldFileWhenGatheringFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ownaudit.prom")
	old := []byte("ownaudit_scan_success 1\n")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteTextfile(path, failingGatherer{}); err == nil || !strings.Contains(err.Error(), "collector broke") {
		t.Errorf("WriteTextfile = %v, want the gather error", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(old) {
		t.Errorf("file = %q after a failed write, want the old %q", got, old)
	}
}
