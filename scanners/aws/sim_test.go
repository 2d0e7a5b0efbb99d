package aws

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/scantest"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// simKey is the access key the test worlds map to their first account.
const simKey = "AKIASIMULATOR0000001"

// startSim serves world (YAML) on 127.0.0.1 and returns scanner options
// that point the real SDK clients at it.
func startSim(t *testing.T, world string) (*cloudsim.Server, settings) {
	t.Helper()
	srv := scantest.ServeYAML(t, world)
	return srv, simOptions(srv.URL, simKey)
}

// simOptions are scanner options for an endpoint with static credentials,
// isolated from the machine's own AWS configuration.
func simOptions(endpoint, key string) settings {
	return settings{
		Options: scanners.Options{
			Scheduler:   scanners.NewScheduler(8),
			CallTimeout: 30 * time.Second,
			Endpoints:   map[inventory.Cloud]scanners.Endpoint{inventory.AWS: {URL: endpoint, Region: "eu-central-1", Identity: key}},
		},
		reportPoll: 10 * time.Millisecond,
	}
}

// scanDomain runs one domain's scanner over target and returns what it read.
func scanDomain(t *testing.T, o settings, domain inventory.Domain, target scanners.Target) *inventory.Inventory {
	t.Helper()
	g := scanners.NewRegistry(o.Options)
	register(g, o)
	var sel []scanners.Registration
	for _, r := range g.Registered() {
		if r.Domain == domain {
			sel = append(sel, r)
		}
	}
	target.Cloud = inventory.AWS
	inv := &inventory.Inventory{SchemaVersion: inventory.SchemaVersion}
	g.Run(context.Background(), []scanners.Target{target}, sel, 4).Fill(inv)
	return inv
}

// byType and findings are the scanner tests' shared helpers.
var (
	byType   = scantest.ByType
	findings = scantest.Findings
)

// wantOperations checks that srv answered exactly the operations want (in
// the sorted order Operations lists them) and that nothing was written.
func wantOperations(t *testing.T, srv *cloudsim.Server, want []string) {
	t.Helper()
	if got := srv.Operations(); !slices.Equal(got, want) {
		t.Errorf("operations = %v, want %v", got, want)
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %+v, want none", w)
	}
}
