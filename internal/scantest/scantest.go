// Package scantest is what the cloud scanners' tests share: serving a
// simulated world, picking the resources of a type out of an inventory,
// and judging an inventory with the controls under a declaration in which
// one party owns everything.
package scantest

import (
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// ByType returns the resources of one type, keyed by id.
func ByType(inv *inventory.Inventory, typ string) map[string]inventory.Resource {
	out := map[string]inventory.Resource{}
	for _, r := range inv.Resources {
		if r.Type == typ {
			out[r.ID] = r
		}
	}
	return out
}

// OwnAll is the minimal declaration: one customer party owns every domain.
const OwnAll = `version: 1
parties:
  - id: acme
    role: customer
responsibilities:
  - assign: {firewall: acme, patching: acme, encryption: acme, iam: acme}
`

// Findings evaluates inv under OwnAll, with the declaration settings
// given in YAML flow style ("{keyRotationMaxDays: 90}") when any, and
// returns the status of each finding whose control starts with prefix
// ("" for all), keyed "control resource-id"; a check that does not apply
// leaves no finding.
func Findings(t testing.TB, inv *inventory.Inventory, prefix string, settings ...string) map[string]controls.Status {
	t.Helper()
	doc := OwnAll
	if len(settings) > 0 {
		doc += "settings: " + settings[0] + "\n"
	}
	decl, err := declaration.Parse("ownaudit.yaml", []byte(doc))
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

// Serve starts the simulator with world on 127.0.0.1 for the rest of the
// test.
func Serve(t testing.TB, world *cloudsim.World) *cloudsim.Server {
	t.Helper()
	srv, err := cloudsim.Start(world)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// ServeYAML is Serve for a world written in YAML.
func ServeYAML(t testing.TB, world string) *cloudsim.Server {
	t.Helper()
	w, err := cloudsim.Parse([]byte(world))
	if err != nil {
		t.Fatal(err)
	}
	return Serve(t, w)
}
