package integration

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
)

// scanScrubbed serves the demo's AWS world with faults and runs the
// binary against it with nothing of this machine's environment, killing
// it after limit. It returns the run and how long it took.
func scanScrubbed(t *testing.T, faults cloudsim.Faults, limit time.Duration, flags ...string) (awsRun, time.Duration) {
	t.Helper()
	world, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	world.Faults = faults
	_, env, dir := simulatedAWS(t, world)
	args := append([]string{"scan", "--declaration", awsDeclaration(t), "--output", "f.json", "--include-passed"}, flags...)
	start := time.Now()
	res := ownauditScrubbed(t, dir, env, limit, args...)
	took := time.Since(start)
	if res.code != 3 {
		t.Fatalf("exit code = %d after %s, want 3 (scan incomplete); stderr:\n%s", res.code, took, res.stderr)
	}
	return readAWSRun(t, res, filepath.Join(dir, "f.json")), took
}

// TestCallTimeoutOnAFreshMachine scans an endpoint that takes every
// request and never answers, without AWS_CA_BUNDLE or proxies in the
// environment: every call gives up after --call-timeout, and the scan
// ends with exit 3 instead of running until it is killed.
func TestCallTimeoutOnAFreshMachine(t *testing.T) {
	// The organization is listed first: five attempts of 1s, and the
	// retryer's backoff between them (at most 1+2+4+8s).
	const budget = 45 * time.Second
	run, took := scanScrubbed(t, cloudsim.Faults{Unanswered: []string{"*"}}, 2*budget, "--call-timeout", "1s")
	t.Logf("the scan ended after %s", took)
	if took > budget {
		t.Errorf("the scan took %s, want it within %s", took, budget)
	}
	if len(run.errors) == 0 {
		t.Fatal("no error entries")
	}
	for _, e := range run.errors {
		if msg, _ := e["message"].(string); !strings.Contains(msg, "organizations:ListAccounts") {
			t.Errorf("error entry %v, want the organization's listing failing", e)
		}
	}
	for _, f := range run.findings {
		if f.status == "pass" || f.status == "fail" {
			t.Errorf("%s on %s is %s with nothing read", f.control, f.resource, f.status)
		}
	}
}

// TestScanTimeoutWritesWhatWasRead lets the security group reads never
// answer and stops the scan with --scan-timeout long before
// --call-timeout would: what the other calls answered is evaluated as in
// a clean scan, the security groups are error entries, and the scan
// exits 3. (Only one operation hangs: calls that hang hold the
// --concurrency slots, and all of them hanging would starve the rest.)
func TestScanTimeoutWritesWhatWasRead(t *testing.T) {
	clean, _ := scanSimulatedAWS(t, cloudsim.Faults{})
	const budget = 30 * time.Second
	run, took := scanScrubbed(t, cloudsim.Faults{Unanswered: []string{"ec2:DescribeSecurityGroups"}}, 2*budget, "--scan-timeout", "5s")
	t.Logf("the scan ended after %s", took)
	if took > budget {
		t.Errorf("the scan took %s, want it within %s", took, budget)
	}
	if !strings.Contains(run.stderr, "--scan-timeout reached (5s)") {
		t.Errorf("stderr does not say the scan timed out:\n%s", run.stderr)
	}
	domains := map[string]bool{}
	for _, e := range run.errors {
		d, _ := e["domain"].(string)
		domains[d] = true
		if msg, _ := e["message"].(string); !strings.Contains(msg, "--scan-timeout reached (5s)") {
			t.Errorf("error entry %v does not say the scan timed out", e)
		}
	}
	if !domains["firewall"] {
		t.Errorf("error entries %v, want the unread firewall domain among them", run.errors)
	}
	iam := 0
	for id, c := range clean.findings {
		if c.domain != "iam" {
			continue
		}
		if f, ok := run.findings[id]; !ok || f != c {
			t.Errorf("%s on %s: %+v after the timeout, %+v clean; IAM was read in full", c.control, c.resource, f, c)
		}
		iam++
	}
	if iam == 0 {
		t.Error("the clean scan has no IAM findings to compare")
	}
	noFalseVerdicts(t, clean, run)
	noSilentLoss(t, clean, run)
}
