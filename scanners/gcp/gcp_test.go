package gcp

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

func projectIDs(ps []*project) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

// TestGroupsExpandIntoTheirActiveProjects resolves an organization and a
// nested folder: every active project under them at any depth, none
// being deleted and none of another organization.
func TestGroupsExpandIntoTheirActiveProjects(t *testing.T) {
	srv, o := startSim(t, fullWorld(t))
	e := newEnv(o)
	for group, want := range map[string]string{
		"organizations/123456789012": "acme-data,acme-web",
		"folders/222":                "acme-data",
	} {
		ps, err := e.projects(context.Background(), scanners.Target{Cloud: inventory.GCP, Group: group}, scanners.NewSink())
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(projectIDs(ps), ","); got != want {
			t.Errorf("%s = %s, want %s", group, got, want)
		}
	}
	if _, err := e.projects(context.Background(), scanners.Target{Cloud: inventory.GCP, Group: "billingAccounts/1"}, scanners.NewSink()); err == nil {
		t.Error("an unknown group kind resolved")
	}
	// Each group: one search of folders and one of projects, two a page.
	if n := srv.Counts()["cloudresourcemanager.projects.search"]; n != 4 {
		t.Errorf("project searches = %d, want 2 pages for each of the 2 groups", n)
	}
}

// TestA503ThenASuccessIsReadWhole answers the first attempt of every
// request with 503 UNAVAILABLE: the retryer passed to every list call
// tries again, and the scan reads exactly what a clean one does.
func TestA503ThenASuccessIsReadWhole(t *testing.T) {
	_, o := startSim(t, fullWorld(t))
	clean := scan(t, o, []scanners.Target{{Group: "organizations/123456789012"}})
	noErrors(t, clean)

	srv, o := startSim(t, fullWorld(t)+"faults: {failFirstAttempts: 1}\n")
	faulted := scan(t, o, []scanners.Target{{Group: "organizations/123456789012"}})
	noErrors(t, faulted)
	unavailable := 0
	for _, r := range srv.Requests() {
		if r.Status == 503 {
			unavailable++
		}
	}
	if unavailable == 0 || unavailable != len(srv.Requests())/2 {
		t.Errorf("503 answers = %d of %d requests, want every call's first attempt", unavailable, len(srv.Requests()))
	}
	if a, b := resourcesJSON(t, clean), resourcesJSON(t, faulted); a != b {
		t.Errorf("the retried scan read other resources than the clean one:\n%s\nclean:\n%s", b, a)
	}
	// Each attempt is counted, with its outcome.
	codes := map[string]int{}
	for _, rc := range o.Scheduler.Requests() {
		if rc.Cloud == "gcp" && rc.Operation == "firewalls.list" {
			codes[rc.Code] += rc.Count
		}
	}
	if codes["UNAVAILABLE"] == 0 || codes["UNAVAILABLE"] != codes["OK"] {
		t.Errorf("firewalls.list outcomes = %v, want one UNAVAILABLE per OK", codes)
	}
}

func resourcesJSON(t *testing.T, inv *inventory.Inventory) string {
	t.Helper()
	var b strings.Builder
	if err := (&inventory.Inventory{Resources: inv.Resources}).Encode(&b); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// TestQuotaExhaustionGivesUpAfterTheBudget answers every request 429: the
// retryer gives up after its attempts and the reads are error entries.
func TestQuotaExhaustionGivesUpAfterTheBudget(t *testing.T) {
	srv, o := startSim(t, fullWorld(t)+"faults: {throttleRate: 1}\n")
	o.maxAttempts = 3
	inv := scan(t, o, listed("acme-web"), inventory.Firewall)
	if len(inv.Errors) != 2 {
		t.Fatalf("errors = %+v, want the networks and firewalls lists", inv.Errors)
	}
	for _, e := range inv.Errors {
		if !strings.Contains(e.Message, "429") || e.Permission != "" {
			t.Errorf("error = %+v, want a 429 naming no permission", e)
		}
	}
	if n := len(srv.Requests()); n != 6 {
		t.Errorf("requests = %d, want 3 attempts of each of the 2 lists", n)
	}
}

// TestDeniedProjectLeavesTheOthersAlone refuses everything in one project
// of the organization: each domain of that project is an error entry
// naming a missing permission, the other project is read exactly as in a
// clean scan.
func TestDeniedProjectLeavesTheOthersAlone(t *testing.T) {
	org := []scanners.Target{{Group: "organizations/123456789012"}}
	_, o := startSim(t, fullWorld(t))
	clean := scan(t, o, org)
	_, o = startSim(t, fullWorld(t)+"faults: {accessDenied: [{account: acme-web, action: \"*\"}]}\n")
	denied := scan(t, o, org)
	domains := map[inventory.Domain]bool{}
	for _, e := range denied.Errors {
		if e.Target != "acme-web" || e.Permission == "" || !strings.Contains(e.Message, "403") {
			t.Errorf("error = %+v, want 403s in acme-web naming the permission", e)
		}
		domains[e.Domain] = true
	}
	if len(domains) != 4 {
		t.Errorf("domains with errors = %v, want all four", domains)
	}
	keep := func(inv *inventory.Inventory) *inventory.Inventory {
		out := &inventory.Inventory{}
		for _, r := range inv.Resources {
			if r.Target == "acme-data" {
				out.Resources = append(out.Resources, r)
			}
		}
		return out
	}
	if a, b := resourcesJSON(t, keep(clean)), resourcesJSON(t, keep(denied)); a != b {
		t.Errorf("acme-data read differently when acme-web was denied")
	}
	var failed []string
	for _, r := range denied.Scanners {
		if !r.Success {
			failed = append(failed, fmt.Sprint(r.Target, "/", r.Domain))
		}
	}
	sort.Strings(failed)
	if strings.Join(failed, ",") != "acme-web/encryption,acme-web/firewall,acme-web/iam,acme-web/patching" {
		t.Errorf("failed scanner runs = %v, want acme-web's four", failed)
	}
}

// TestUnreachableScopesAreErrors makes the aggregated list and GKE report
// scopes they could not reach: the rest is read, and each gap is an error
// entry.
func TestUnreachableScopesAreErrors(t *testing.T) {
	world := strings.Replace(fullWorld(t), "    - id: acme-data\n", "    - id: acme-data\n      unreachable: [zones/asia-east1-b]\n      missingZones: [asia-east1-b]\n", 1)
	_, o := startSim(t, world)
	inv := scan(t, o, listed("acme-data"), inventory.Patching)
	var ops []string
	for _, e := range inv.Errors {
		ops = append(ops, e.Operation)
		if !strings.Contains(e.Message, "asia-east1-b") {
			t.Errorf("error %+v does not name the unreachable zone", e)
		}
	}
	slices.Sort(ops)
	if strings.Join(ops, ",") != "compute.instances.aggregatedList,container.clusters.list" {
		t.Errorf("errors = %v, want one for the instances and one for GKE", ops)
	}
	if n := len(byType(inv, inventory.GCPInstance)); n != 4 {
		t.Errorf("instances = %d, want the 4 reachable ones", n)
	}
}

// TestRequestsAreCountedPerOperation checks that the scheduler counts
// every GCP request under its service and operation, as the simulator
// answered them.
func TestRequestsAreCountedPerOperation(t *testing.T) {
	srv, o := startSim(t, fullWorld(t))
	scan(t, o, []scanners.Target{{Group: "organizations/123456789012"}})
	counted := map[string]int{}
	for _, rc := range o.Scheduler.Requests() {
		if rc.Cloud != "gcp" || rc.Code != "OK" {
			t.Errorf("request count %+v, want GCP requests answered OK", rc)
		}
		counted[rc.Service+"."+rc.Operation] += rc.Count
	}
	served := srv.Counts()
	if len(counted) != len(served) {
		t.Errorf("counted operations = %v, served %v", counted, served)
	}
	for op, n := range served {
		if counted[op] != n {
			t.Errorf("%s: counted %d, served %d", op, counted[op], n)
		}
	}
}

// TestRegionsKeepOnlyTheirResources scans with a region filter: zonal and
// regional resources elsewhere are left out, global ones kept.
func TestRegionsKeepOnlyTheirResources(t *testing.T) {
	_, o := startSim(t, fullWorld(t))
	inv := scan(t, o, []scanners.Target{{ID: "acme-data", Regions: []string{"europe-west1"}}})
	noErrors(t, inv)
	for _, r := range inv.Resources {
		if r.Region != "" && r.Region != "europe-west1" {
			t.Errorf("%s %s in %s was kept", r.Type, r.ID, r.Region)
		}
	}
	if len(byType(inv, inventory.GCPInstance)) != 1 || len(byType(inv, inventory.GCPProject)) != 1 {
		t.Errorf("resources = %d, want win-1 and the project's global ones", len(inv.Resources))
	}
}
