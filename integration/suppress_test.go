package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/internal/demo"
)

// suppressions are appended to the AWS declaration: the three critical
// failures of the simulated organization accepted until far ahead
// (entries 0-2), and an acceptance of an admin-ports finding that ran out
// long ago (entry 3).
const suppressions = `suppressions:
  - control: iam.root_mfa_disabled
    resource: "arn:aws:iam::*:root"
    reason: hardware token on order
    acceptedBy: acme
    expires: 2099-12-31
  - {control: iam.root_access_keys, resource: "arn:aws:iam::222222222222:root", reason: legacy backup job, acceptedBy: acme, expires: "2099-12-31"}
  - {control: firewall.all_ports_open_to_internet, resource: "sg-0a1?", reason: load test group, acceptedBy: cloudkeepers, expires: 2099-12-31}
  - control: firewall.admin_ports_open_to_internet
    resource: sg-0a11
    reason: vendor support window
    acceptedBy: acme
    expires: 2020-01-31
`

func TestSuppressionsEndToEnd(t *testing.T) {
	world, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	_, env, dir := simulatedAWS(t, world)
	base, err := os.ReadFile(awsDeclaration(t))
	if err != nil {
		t.Fatal(err)
	}
	decl := filepath.Join(dir, "suppressed.yaml")
	if err := os.WriteFile(decl, append(base, suppressions...), 0o644); err != nil {
		t.Fatal(err)
	}
	// The suppressions' "-" lines, 1-based, in the written file.
	firstLine := strings.Count(string(base), "\n") + 2
	entryLine := []int{firstLine, firstLine + 5, firstLine + 6, firstLine + 7}

	// Without the suppressions the critical failures fail the scan, so
	// the exit codes below are the suppressions' doing.
	for _, tc := range []struct {
		name, decl, failOn string
		want               int
	}{
		{"without suppressions", awsDeclaration(t), "critical", 1},
		{"suppressed", decl, "critical", demoExit},
		{"unsuppressed high left", decl, "high", 1},
	} {
		res := ownauditEnv(t, dir, env, "scan", "--declaration", tc.decl, "--fail-on", tc.failOn, "--output", "out.json", "--quiet")
		if res.code != tc.want {
			t.Errorf("%s: scan --fail-on %s exit code = %d, want %d; stderr:\n%s", tc.name, tc.failOn, res.code, tc.want, res.stderr)
		}
	}

	// out.json is the last scan's: with suppressions, --fail-on high.
	doc := readJSON(t, filepath.Join(dir, "out.json"))
	suppressed := map[string]map[string]any{}
	var expired []map[string]any
	for _, x := range doc["findings"].([]any) {
		f := x.(map[string]any)
		id := f["resource"].(map[string]any)["id"].(string)
		if s, ok := f["suppressed"].(map[string]any); ok {
			suppressed[f["control"].(string)+" "+id] = s
			if f["status"] != "fail" {
				t.Errorf("suppressed finding %s on %s has status %v, want fail", f["control"], id, f["status"])
			}
		}
		if f["control"] == "ownership.expired_acceptance" {
			expired = append(expired, f)
		}
		if f["control"] == "firewall.admin_ports_open_to_internet" && id == "sg-0a11" && (f["status"] != "fail" || f["suppressed"] != nil) {
			t.Errorf("admin ports finding on sg-0a11 = %v, want failing and not suppressed (its suppression expired)", f)
		}
	}
	want := map[string]struct {
		party string
		entry int
	}{
		"iam.root_mfa_disabled arn:aws:iam::222222222222:root": {"acme", 0},
		"iam.root_access_keys arn:aws:iam::222222222222:root":  {"acme", 1},
		"firewall.all_ports_open_to_internet sg-0a14":          {"cloudkeepers", 2},
	}
	if len(suppressed) != len(want) {
		t.Errorf("suppressed findings: %v, want %d", suppressed, len(want))
	}
	for key, w := range want {
		s, ok := suppressed[key]
		if !ok {
			t.Errorf("%s is not suppressed", key)
			continue
		}
		pos := fmt.Sprint(s["file"], ":", s["line"], ":", s["column"])
		if s["acceptedBy"] != w.party || s["entry"] != float64(w.entry) || s["expires"] != "2099-12-31" || pos != fmt.Sprint(decl, ":", entryLine[w.entry], ":3") {
			t.Errorf("%s suppressed = %v, want accepted by %s in entry %d at %s:%d:3", key, s, w.party, w.entry, decl, entryLine[w.entry])
		}
	}
	if n := doc["summary"].(map[string]any)["suppressed"]; n != float64(len(want)) {
		t.Errorf("summary.suppressed = %v, want %d", n, len(want))
	}

	if len(expired) != 1 {
		t.Fatalf("%d ownership.expired_acceptance findings, want 1: %v", len(expired), expired)
	}
	f := expired[0]
	r := f["responsible"].(map[string]any)
	by := r["decidedBy"].(map[string]any)
	res := f["resource"].(map[string]any)
	if r["party"] != "acme" || r["role"] != "customer" || by["via"] != "suppression" || by["entry"] != float64(3) || by["line"] != float64(entryLine[3]) {
		t.Errorf("expired acceptance responsible = %v, want acme (customer) decided by suppressions[3] at line %d", r, entryLine[3])
	}
	if res["id"] != "sg-0a11" || f["domain"] != "firewall" || f["status"] != "fail" || f["severity"] != "medium" {
		t.Errorf("expired acceptance = %v, want a failing medium firewall finding on sg-0a11", f)
	}
	for _, part := range []string{"firewall.admin_ports_open_to_internet", "sg-0a11", "vendor support window", "2020-01-31"} {
		if !strings.Contains(f["message"].(string), part) {
			t.Errorf("expired acceptance message %q does not name %q", f["message"], part)
		}
	}
}
