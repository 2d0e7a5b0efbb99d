package aws

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
	"github.com/ownaudit/ownaudit/scanners"
)

// simKey is the access key the test worlds map to their first account.
const simKey = "AKIASIMULATOR0000001"

// startSim serves world (YAML) on 127.0.0.1 and returns scanner options
// that point the real SDK clients at it.
func startSim(t *testing.T, world string) (*cloudsim.Server, settings) {
	t.Helper()
	w, err := cloudsim.Parse([]byte(world))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := cloudsim.Start(w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
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

// byType returns the resources of one type, keyed by id.
func byType(inv *inventory.Inventory, typ string) map[string]inventory.Resource {
	out := map[string]inventory.Resource{}
	for _, r := range inv.Resources {
		if r.Type == typ {
			out[r.ID] = r
		}
	}
	return out
}

// ownAll is the minimal declaration: one customer party owns every domain.
const ownAll = `version: 1
parties:
  - id: acme
    role: customer
responsibilities:
  - assign: {firewall: acme, patching: acme, encryption: acme, iam: acme}
`

// findings evaluates inv under ownAll and returns the status of each
// finding whose control starts with prefix ("" for all), keyed
// "control resource-id"; a check that does not apply leaves no finding.
func findings(t *testing.T, inv *inventory.Inventory, prefix string) map[string]controls.Status {
	t.Helper()
	decl, err := declaration.Parse("ownaudit.yaml", []byte(ownAll))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]controls.Status{}
	for _, f := range rules.Evaluate(inv, decl) {
		if strings.HasPrefix(f.Control, prefix) {
			out[f.Control+" "+f.Resource.ID] = f.Status
		}
	}
	return out
}

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
