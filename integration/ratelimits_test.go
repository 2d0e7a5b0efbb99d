package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
)

// TestDeclaredRateLimitAvoidsThrottling serves one account whose Systems
// Manager allows 4 calls a second, below ownaudit's own pace of 10: a
// scan at the default pace is throttled; the same scan with the account's
// limit declared at 3 a second is never throttled, and finds the same.
func TestDeclaredRateLimitAvoidsThrottling(t *testing.T) {
	world := cloudsim.Generate(cloudsim.OrgSpec{Resources: 2500, PerAccount: 2500, Regions: []string{"eu-central-1"}})
	world.Faults = cloudsim.Faults{Latency: time.Millisecond, RateLimits: map[string]cloudsim.TokenBucket{
		"ssm:*": {Capacity: 4, RefillPerSecond: 4},
	}}
	account := world.AWS.Accounts[0].ID

	// Each scan has a simulator of its own, whose buckets start full.
	scan := func(extra string) (throttled, ok int, findings map[string]string) {
		t.Helper()
		srv, err := cloudsim.Start(world)
		if err != nil {
			t.Fatal(err)
		}
		defer srv.Close()
		dir := t.TempDir()
		decl := filepath.Join(dir, "declaration.yaml")
		if err := os.WriteFile(decl, []byte(cloudsim.BenchDeclaration+extra), 0o644); err != nil {
			t.Fatal(err)
		}
		res := ownauditEnv(t, dir, cloudsim.BenchEnv(srv.URL, dir), "scan", "--declaration", decl, "--output", "f.json", "--include-passed", "--quiet")
		if res.code != 0 {
			t.Fatalf("scan exit code = %d, want 0; stderr:\n%s", res.code, res.stderr)
		}
		doc := readJSON(t, filepath.Join(dir, "f.json"))
		for _, r := range doc["scan"].(map[string]any)["apiRequests"].([]any) {
			m := r.(map[string]any)
			if m["service"] != "ssm" {
				continue
			}
			switch n := int(m["count"].(float64)); m["code"] {
			case "ThrottlingException":
				throttled += n
			case "OK":
				ok += n
			}
		}
		findings = map[string]string{}
		for _, f := range doc["findings"].([]any) {
			m := f.(map[string]any)
			findings[m["id"].(string)] = m["status"].(string)
		}
		return throttled, ok, findings
	}

	throttled, calls, clean := scan("")
	if throttled == 0 {
		t.Fatalf("the scan at ownaudit's own pace made %d Systems Manager calls and none was throttled: the test's limit does not bite", calls)
	}
	declared, calls2, paced := scan(fmt.Sprintf("rateLimits:\n  - {target: %q, api: \"ssm:*\", perSecond: 3, burst: 3}\n", account))
	t.Logf("Systems Manager calls: %d OK and %d throttled at the default pace, %d OK and %d throttled with the declared limit", calls, throttled, calls2, declared)
	if declared != 0 {
		t.Errorf("with the declared limit %d Systems Manager calls were throttled, want none", declared)
	}
	sameFindings(t, paced, clean, "with the declared limit", "without")
}

// TestValidateRefusesARateLimitAboveThePace: a declared limit can only
// lower ownaudit's pace; one above it is a declaration error at its place.
func TestValidateRefusesARateLimitAboveThePace(t *testing.T) {
	dir := t.TempDir()
	decl := filepath.Join(dir, "d.yaml")
	body := cloudsim.BenchDeclaration + "rateLimits:\n  - {target: \"111111111111\", api: \"ssm:*\", perSecond: 50}\n"
	if err := os.WriteFile(decl, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	res := ownaudit(t, dir, "validate", decl)
	if res.code != 2 {
		t.Fatalf("validate exit code = %d, want 2", res.code)
	}
	want := decl + ":14:55: rateLimits[0].perSecond 50 is above ownaudit's own pace for ssm:"
	if !strings.Contains(res.stderr, want) {
		t.Errorf("validate said:\n%s\nwant a line starting %q", res.stderr, want)
	}
}
