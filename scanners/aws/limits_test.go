package aws

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// TestPacesNameEveryCall scans an organization that holds every resource
// kind and checks that Paces names each API the scan called, so that a
// declared rate limit can reach it and is checked against its pace.
func TestPacesNameEveryCall(t *testing.T) {
	world, err := os.ReadFile("testdata/world-full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	srv, o := startSim(t, string(world))
	g := scanners.NewRegistry(o.Options)
	register(g, o)
	targets := []scanners.Target{
		{Cloud: inventory.AWS, Group: groupOrganization, Params: map[string]string{paramAssumeRoleName: "ownaudit-audit"}},
		{Cloud: inventory.AWS},
	}
	g.Run(context.Background(), targets, g.Registered(), 4).Fill(&inventory.Inventory{})
	var named []string
	for _, p := range Paces() {
		named = append(named, p.API)
	}
	called := map[string]bool{}
	for _, r := range srv.Requests() {
		called[r.Action()] = true
	}
	for a := range called {
		if !slices.Contains(named, a) {
			t.Errorf("the scan called %s, which Paces does not name", a)
		}
	}
	for _, a := range named {
		if !called[a] {
			t.Errorf("Paces names %s, which the scan did not call", a)
		}
	}
}
