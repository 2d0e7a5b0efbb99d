package gcp

import (
	"context"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/googleapis/gax-go/v2"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/scantest"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// testNow is when the test worlds are scanned: ages are measured from it.
var testNow = time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)

// startSim serves world (YAML) on 127.0.0.1 and returns scanner options
// that point the real clients at it with a static token.
func startSim(t *testing.T, world string) (*cloudsim.Server, settings) {
	t.Helper()
	srv := scantest.ServeYAML(t, world)
	return srv, settings{
		Options: scanners.Options{
			Scheduler:   scanners.NewScheduler(8),
			CallTimeout: 30 * time.Second,
			Endpoints:   map[inventory.Cloud]scanners.Endpoint{inventory.GCP: {URL: srv.URL, Identity: "test-token"}},
		},
		backoff: gax.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond, Multiplier: 2},
	}
}

// fullWorld is the world with every kind of resource.
func fullWorld(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("testdata/world-full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scan runs the scanners of the given domains (all when none) over
// targets and returns what they read.
func scan(t *testing.T, o settings, targets []scanners.Target, domains ...inventory.Domain) *inventory.Inventory {
	t.Helper()
	g := scanners.NewRegistry(o.Options)
	register(g, o)
	var sel []scanners.Registration
	for _, r := range g.Registered() {
		if len(domains) == 0 || slices.Contains(domains, r.Domain) {
			sel = append(sel, r)
		}
	}
	for i := range targets {
		targets[i].Cloud = inventory.GCP
	}
	inv := &inventory.Inventory{SchemaVersion: inventory.SchemaVersion, CollectedAt: testNow}
	g.Run(context.Background(), targets, sel, 4).Fill(inv)
	for _, r := range inv.Resources {
		if err := r.Validate(); err != nil {
			t.Errorf("resource %s: %v", r.ID, err)
		}
	}
	return inv
}

// listed is the target of one listed project.
func listed(id string) []scanners.Target { return []scanners.Target{{ID: id}} }

// byType and findings are the scanner tests' shared helpers.
var (
	byType   = scantest.ByType
	findings = scantest.Findings
)

// noErrors fails on any error entry.
func noErrors(t *testing.T, inv *inventory.Inventory) {
	t.Helper()
	for _, e := range inv.Errors {
		t.Errorf("scan error: %s %s %s: %s (permission %q)", e.Target, e.Domain, e.Operation, e.Message, e.Permission)
	}
}

// noWrites fails on any write the simulator refused.
func noWrites(t *testing.T, srv *cloudsim.Server) {
	t.Helper()
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %+v, want none", w)
	}
}
