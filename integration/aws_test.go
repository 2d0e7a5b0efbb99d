package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
)

// awsRun is one scan of the simulated AWS organization by the binary.
type awsRun struct {
	code     int
	stderr   string
	findings map[string]finding // by finding id
	errors   []map[string]any
}

type finding struct {
	control, domain, status, resourceType, resource string
}

// simulatedAWS serves world on 127.0.0.1 and returns the environment that
// points the binary's SDK at it the way a user points it at an endpoint
// (the SDK's own AWS_ENDPOINT_URL and the standard credential variables,
// with the machine's own AWS configuration shut out), and a work folder.
func simulatedAWS(t *testing.T, world *cloudsim.World) (*cloudsim.Server, []string, string) {
	t.Helper()
	srv, err := cloudsim.Start(world)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"AWS_ENDPOINT_URL=" + srv.URL,
		"AWS_ACCESS_KEY_ID=" + demo.AccessKey,
		"AWS_SECRET_ACCESS_KEY=test-secret-value",
		"AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + empty,
		"AWS_SHARED_CREDENTIALS_FILE=" + empty,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_PROFILE=",
	}
	return srv, env, dir
}

// awsDeclaration is the declaration the AWS end-to-end tests scan with.
func awsDeclaration(t *testing.T) string {
	t.Helper()
	decl, err := filepath.Abs(filepath.Join("testdata", "aws", "declaration.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return decl
}

// scanSimulatedAWS serves the demo's AWS world with faults and runs the
// binary against it.
func scanSimulatedAWS(t *testing.T, faults cloudsim.Faults) (awsRun, *cloudsim.Server) {
	t.Helper()
	world, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	world.Faults = faults
	srv, env, dir := simulatedAWS(t, world)
	decl := awsDeclaration(t)
	res := ownauditEnv(t, dir, env, "scan", "--declaration", decl, "--output", "f.json", "--include-passed", "--quiet")
	if res.code != 0 && res.code != 3 {
		t.Fatalf("scan exit code = %d, want 0 or 3; stderr:\n%s", res.code, res.stderr)
	}
	if strings.Contains(res.stderr, "test-secret-value") {
		t.Error("the secret access key appears in the log")
	}
	run := readAWSRun(t, res, filepath.Join(dir, "f.json"))
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("the scan attempted writes: %+v", w)
	}
	return run, srv
}

// readAWSRun reads the findings document a run of the binary wrote.
func readAWSRun(t *testing.T, res result, path string) awsRun {
	t.Helper()
	doc := readJSON(t, path)
	run := awsRun{code: res.code, stderr: res.stderr, findings: map[string]finding{}}
	for _, f := range doc["findings"].([]any) {
		m := f.(map[string]any)
		r := m["resource"].(map[string]any)
		run.findings[m["id"].(string)] = finding{
			control: m["control"].(string), domain: m["domain"].(string), status: m["status"].(string),
			resourceType: r["type"].(string), resource: fmt.Sprint(r["target"], "/", r["id"]),
		}
	}
	for _, e := range doc["errors"].([]any) {
		run.errors = append(run.errors, e.(map[string]any))
	}
	return run
}

// noFalseVerdicts checks the faulted run against the clean one: a finding
// may turn into "error", but never into a pass or fail the clean scan did
// not give, and none may vanish without an error entry explaining it.
func noFalseVerdicts(t *testing.T, clean, faulted awsRun) {
	t.Helper()
	for id, f := range faulted.findings {
		c, ok := clean.findings[id]
		if f.status == "error" {
			continue
		}
		if !ok {
			t.Errorf("finding %s %s on %s is new under faults (status %s)", id, f.control, f.resource, f.status)
			continue
		}
		if c.status != f.status {
			t.Errorf("%s on %s: status %s under faults, %s in the clean scan", f.control, f.resource, f.status, c.status)
		}
	}
	if len(faulted.errors) == 0 {
		for id, c := range clean.findings {
			if _, ok := faulted.findings[id]; !ok {
				t.Errorf("%s on %s was lost under faults with no error entry", c.control, c.resource)
			}
		}
	}
}

func TestAWSScanOfTheSimulatedOrganization(t *testing.T) {
	clean, srv := scanSimulatedAWS(t, cloudsim.Faults{})
	if clean.code != demoExit || len(clean.errors) != 0 {
		t.Fatalf("clean scan exit code = %d, want %d and no errors; errors: %v\n%s", clean.code, demoExit, clean.errors, clean.stderr)
	}
	perDomain := map[string]int{}
	accounts := map[string]bool{}
	for _, f := range clean.findings {
		perDomain[f.domain]++
		accounts[strings.SplitN(f.resource, "/", 2)[0]] = true
	}
	for _, d := range []string{"firewall", "patching", "encryption", "iam"} {
		if perDomain[d] == 0 {
			t.Errorf("no %s findings from the simulated organization; per domain: %v", d, perDomain)
		}
	}
	if !accounts["111111111111"] || !accounts["222222222222"] {
		t.Errorf("accounts with findings = %v, want both members of the organization", accounts)
	}
	t.Logf("requests per operation: %v", srv.Counts())
}

func TestAWSAccessDeniedOnSSMLeavesOnlyPatchingUnevaluated(t *testing.T) {
	clean, _ := scanSimulatedAWS(t, cloudsim.Faults{})
	denied, _ := scanSimulatedAWS(t, cloudsim.Faults{AccessDenied: []cloudsim.Denial{{Action: "ssm:*"}}})
	if denied.code != 3 {
		t.Errorf("exit code = %d, want 3 (scan incomplete)", denied.code)
	}
	if len(denied.errors) == 0 {
		t.Fatal("no error entries for the denied SSM calls")
	}
	for _, e := range denied.errors {
		op, _ := e["operation"].(string)
		perm, _ := e["permission"].(string)
		if e["domain"] != "patching" || !strings.HasPrefix(op, "ssm:") || perm != op {
			t.Errorf("error entry %v, want patching errors naming the ssm operation as the missing permission", e)
		}
	}
	instanceErrors := 0
	for id, f := range denied.findings {
		c := clean.findings[id]
		switch {
		case f.domain != "patching":
			if c != f {
				t.Errorf("%s on %s changed without SSM: %+v, clean %+v", f.control, f.resource, f, c)
			}
		case f.resourceType == "aws.ec2.instance" && f.status == "pass":
			t.Errorf("%s on %s passed without its patch data", f.control, f.resource)
		case f.resourceType == "aws.ec2.instance" && f.status == "error":
			instanceErrors++
		}
	}
	if instanceErrors == 0 {
		t.Error("no patching finding on an instance is an error without SSM")
	}
	// Every clean finding outside patching is still there.
	for id, c := range clean.findings {
		if _, ok := denied.findings[id]; !ok && c.domain != "patching" {
			t.Errorf("%s on %s lost when only SSM was denied", c.control, c.resource)
		}
	}
	noFalseVerdicts(t, clean, denied)
	noSilentLoss(t, clean, denied)
}

func TestAWSThrottlingAndServerErrorsLoseNothing(t *testing.T) {
	clean, _ := scanSimulatedAWS(t, cloudsim.Faults{})
	// Every call's first attempt is throttled and its second answered with
	// a 500, so each one goes through the retryer; the rates are left at 0
	// so that no call can run out of attempts by chance.
	faulted, srv := scanSimulatedAWS(t, cloudsim.Faults{FailFirstAttempts: 2})
	faults := 0
	for _, r := range srv.Requests() {
		if r.Status >= 500 || strings.Contains(r.Code, "Throttl") || r.Code == "RequestLimitExceeded" || r.Code == "SlowDown" {
			faults++
		}
	}
	if faults == 0 {
		t.Fatal("no fault was injected")
	}
	if faulted.code != demoExit || len(faulted.errors) != 0 {
		t.Errorf("exit code = %d, want %d as for a clean scan: the retryer absorbs %d injected faults; errors: %v", faulted.code, demoExit, faults, faulted.errors)
	}
	if len(faulted.findings) != len(clean.findings) {
		t.Errorf("findings = %d under faults, %d clean", len(faulted.findings), len(clean.findings))
	}
	noFalseVerdicts(t, clean, faulted)
	noSilentLoss(t, clean, faulted)
}

func TestAWSRegionDownIsReportedNotPassed(t *testing.T) {
	// Global calls (Organizations, STS, IAM) go to us-east-1, which stays
	// up; everything read in eu-central-1 fails.
	down, _ := scanSimulatedAWS(t, cloudsim.Faults{RegionsDown: []string{"eu-central-1"}})
	clean, _ := scanSimulatedAWS(t, cloudsim.Faults{})
	if down.code != 3 {
		t.Errorf("exit code = %d, want 3", down.code)
	}
	regions := map[string]bool{}
	for _, e := range down.errors {
		r, _ := e["region"].(string)
		regions[r] = true
	}
	if !regions["eu-central-1"] {
		t.Errorf("error entries %v, want some for eu-central-1", down.errors)
	}
	noFalseVerdicts(t, clean, down)
	noSilentLoss(t, clean, down)
}

// noSilentLoss checks that every finding of the clean scan is still there
// under faults, with its status or as "error", or else that an error entry
// names its account and its domain or resource type: nothing disappears
// unexplained.
func noSilentLoss(t *testing.T, clean, faulted awsRun) {
	t.Helper()
	explained := map[string]bool{}
	for _, e := range faulted.errors {
		explained[fmt.Sprint(e["target"], "|", e["domain"])] = true
		types, _ := e["resourceTypes"].([]any)
		for _, typ := range types {
			explained[fmt.Sprint(e["target"], "|", typ)] = true
		}
	}
	for id, c := range clean.findings {
		if f, ok := faulted.findings[id]; ok && (f.status == c.status || f.status == "error") {
			continue
		}
		target, _, _ := strings.Cut(c.resource, "/")
		if !explained[target+"|"+c.domain] && !explained[target+"|"+c.resourceType] {
			t.Errorf("%s on %s (%s) is gone under faults, and no error entry names %s with %s or %s", c.control, c.resource, c.status,
				target, c.domain, c.resourceType)
		}
	}
}

// TestAWSAnswersThatAreNotAnswers has some reads answered by something
// other than AWS: an HTML sign-in page, an empty body, a body cut in half,
// a connection reset, a 200 MB body. Each read fails with an error entry
// naming its operation (never an empty list), the rest of the scan is as
// clean, and the scan exits 3. The same faults on the first attempt only
// are retried away.
func TestAWSAnswersThatAreNotAnswers(t *testing.T) {
	clean, _ := scanSimulatedAWS(t, cloudsim.Faults{})
	bad := []cloudsim.BadAnswer{
		{Action: "ec2:DescribeSecurityGroups", Kind: cloudsim.BadHTML},
		{Action: "s3:ListBuckets", Kind: cloudsim.BadEmpty},
		{Action: "ec2:DescribeInstances", Kind: cloudsim.BadTruncated},
		{Action: "kms:ListKeys", Kind: cloudsim.BadReset},
		{Action: "ec2:DescribeVolumes", Kind: cloudsim.BadOversized, Size: 200 << 20},
	}
	want := map[string]string{ // operation: what its error entries say
		"ec2:DescribeSecurityGroups": "an HTML page",
		"s3:ListBuckets":             "an empty body",
		"ec2:DescribeInstances":      "ends before </DescribeInstancesResponse>",
		"kms:ListKeys":               "kms:ListKeys",
		"ec2:DescribeVolumes":        "the body is larger than 64 MiB",
	}

	t.Run("every attempt", func(t *testing.T) {
		faulted, _ := scanSimulatedAWS(t, cloudsim.Faults{BadAnswers: bad})
		if faulted.code != 3 {
			t.Errorf("exit code = %d, want 3", faulted.code)
		}
		seen := map[string]bool{}
		for _, e := range faulted.errors {
			op, _ := e["operation"].(string)
			msg, _ := e["message"].(string)
			if w, ok := want[op]; ok && strings.Contains(msg, w) {
				seen[op] = true
			}
		}
		for op, w := range want {
			if !seen[op] {
				t.Errorf("no error entry for %s saying %q; errors: %v", op, w, faulted.errors)
			}
		}
		noFalseVerdicts(t, clean, faulted)
		noSilentLoss(t, clean, faulted)
	})

	t.Run("first attempt", func(t *testing.T) {
		var first []cloudsim.BadAnswer
		for _, b := range bad {
			if b.Kind != cloudsim.BadOversized { // too large stays too large: not retried
				b.Attempts = 1
				first = append(first, b)
			}
		}
		faulted, srv := scanSimulatedAWS(t, cloudsim.Faults{BadAnswers: first})
		faults := 0
		for _, r := range srv.Requests() {
			if r.Fault != "" {
				faults++
			}
		}
		if faults == 0 {
			t.Fatal("no bad answer was injected")
		}
		if faulted.code != demoExit || len(faulted.errors) != 0 || len(faulted.findings) != len(clean.findings) {
			t.Errorf("exit code %d, %d findings (clean %d), errors %v: want the %d bad answers retried away", faulted.code,
				len(faulted.findings), len(clean.findings), faulted.errors, faults)
		}
		noFalseVerdicts(t, clean, faulted)
		noSilentLoss(t, clean, faulted)
	})
}
