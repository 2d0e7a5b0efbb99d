package integration

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
)

// busyAccount is an organization of one account and region whose 7,000
// instances make Systems Manager the busiest API (about 130 node pages,
// read one after the other, and as many patch-state batches).
var busyAccount = cloudsim.OrgSpec{Resources: 24000, PerAccount: 24000, Regions: []string{"eu-central-1"}}

// manyAccounts is an organization of 300 small accounts: every one is
// assumed with the management account's credentials, which STS counts
// against one quota.
var manyAccounts = cloudsim.OrgSpec{Resources: 300 * 40, PerAccount: 40, Regions: []string{"eu-central-1"}}

// pacedScan scans a generated organization served with the given token
// buckets, and returns the findings by id, the exit code, the wall time
// and the least time the buckets allow.
func pacedScan(t *testing.T, spec cloudsim.OrgSpec, limits map[string]cloudsim.TokenBucket) (map[string]string, int, time.Duration, time.Duration) {
	t.Helper()
	const latency = 2 * time.Millisecond
	world := cloudsim.Generate(spec)
	world.Faults = cloudsim.Faults{Latency: latency, RateLimits: limits}
	srv, err := cloudsim.Start(world)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	dir := t.TempDir()
	decl := filepath.Join(dir, "declaration.yaml")
	if err := os.WriteFile(decl, []byte(cloudsim.BenchDeclaration), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := ownauditEnv(t, dir, cloudsim.BenchEnv(srv.URL, dir), "scan", "--declaration", decl, "--output", "f.json", "--include-passed", "--quiet")
	wall := time.Since(start)
	findings := map[string]string{}
	doc := readJSON(t, filepath.Join(dir, "f.json"))
	for _, f := range doc["findings"].([]any) {
		m := f.(map[string]any)
		findings[m["id"].(string)] = m["status"].(string)
	}
	if res.code != 0 {
		t.Logf("stderr:\n%s", res.stderr)
	}
	st := srv.Stats(world, latency)
	t.Logf("%s; wall %v, bound %v", st, wall.Round(time.Millisecond), st.Bound(32).Round(time.Millisecond))
	return findings, res.code, wall, st.Bound(32)
}

// TestThrottledAtHalfThePaceLosesNothing serves an organization with
// token buckets at half of ownaudit's default pace: the scan must meet
// throttling, slow down, retry, and end with the findings of an
// unthrottled scan, exit 0, within 1.3 times the time the limits imply:
// the time the fullest bucket takes to let its calls through, or the
// unthrottled scan's own time on this machine when that is longer. One
// organization is one busy account, the other 300 small ones assumed
// with the same credentials; there the fullest bucket is STS's, and an
// account is scanned only once it is assumed, so the last one assumed
// still takes its own scan's time after the bucket's: the bound is the
// bucket's time plus the unthrottled scan's.
func TestThrottledAtHalfThePaceLosesNothing(t *testing.T) {
	for _, c := range []struct {
		name  string
		spec  cloudsim.OrgSpec
		chain bool
	}{{"busy account", busyAccount, false}, {"300 accounts", manyAccounts, true}} {
		t.Run(c.name, func(t *testing.T) {
			clean, code, cleanWall, _ := pacedScan(t, c.spec, nil)
			if code != 0 {
				t.Fatalf("unthrottled scan exit code = %d, want 0", code)
			}
			throttled, code, wall, bound := pacedScan(t, c.spec, cloudsim.ProviderLimits(0.5))
			if c.chain {
				bound += cleanWall
			} else {
				bound = max(bound, cleanWall)
			}
			if code != 0 {
				t.Errorf("throttled scan exit code = %d, want 0: nothing may be lost to throttling", code)
			}
			sameFindings(t, throttled, clean, "throttled", "unthrottled")
			if limit := bound * 13 / 10; wall > limit {
				t.Errorf("throttled scan took %v, more than 1.3 times the %v its limits imply", wall.Round(time.Millisecond), bound.Round(time.Millisecond))
			}
		})
	}
}

// sameFindings checks that two scans' findings (status by id) are the
// same, got's described as how, want's as wantHow.
func sameFindings(t *testing.T, got, want map[string]string, how, wantHow string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("the scan %s has %d findings, the scan %s %d", how, len(got), wantHow, len(want))
	}
	for id, status := range want {
		if got[id] != status {
			t.Errorf("finding %s is %q %s, %q %s", id, got[id], how, status, wantHow)
		}
	}
}
