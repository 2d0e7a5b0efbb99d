package azure

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/ownaudit/ownaudit/internal/scantest"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// simulated serves w and returns the options that point the scanners at
// it, trusting the certificate it made and nothing else of its own.
func simulated(t *testing.T, w *cloudsim.World) (*cloudsim.Server, settings) {
	t.Helper()
	srv := scantest.Serve(t, w)
	o := settings{Options: scanners.Options{Scheduler: scanners.NewScheduler(8), CallTimeout: 20 * time.Second,
		Endpoints: map[inventory.Cloud]scanners.Endpoint{inventory.Azure: {URL: srv.AzureURL, Identity: demo.AzureToken, CACert: srv.CACert}}}}
	return srv, o
}

// scanSim runs the selected domains over targets and returns what they read.
func scanSim(t *testing.T, o settings, targets []scanners.Target, domains ...inventory.Domain) *inventory.Inventory {
	t.Helper()
	g := scanners.NewRegistry(o.Options)
	register(g, o)
	var reg []scanners.Registration
	for _, r := range g.Registered() {
		if len(domains) == 0 || slices.Contains(domains, r.Domain) {
			reg = append(reg, r)
		}
	}
	inv := &inventory.Inventory{}
	g.Run(context.Background(), targets, reg, 8).Fill(inv)
	return inv
}

func demoWorld(t *testing.T) *cloudsim.World {
	t.Helper()
	w, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	return w
}

var shopGroup = []scanners.Target{{Cloud: inventory.Azure, Group: groupManagementGroup + "acme-shop"}}

func TestScanOfTheSimulatedTenant(t *testing.T) {
	srv, o := simulated(t, demoWorld(t))
	inv := scanSim(t, o, shopGroup)
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	perType := map[string]int{}
	for _, r := range inv.Resources {
		perType[r.Type]++
		if err := r.Validate(); err != nil {
			t.Error(err)
		}
	}
	want := map[string]int{inventory.AzureNSG: 4, inventory.AzureVM: 5, inventory.AzureDisk: 2, inventory.AzureStorageAccount: 3,
		inventory.AzureSQLServer: 2, inventory.AzureKeyVaultKey: 2, inventory.AzureAKSCluster: 1,
		inventory.AzureRoleDefinition: 2, inventory.AzureSubscription: 2}
	for typ, n := range want {
		if perType[typ] != n {
			t.Errorf("%d %s, want %d", perType[typ], typ, n)
		}
	}
	if len(inv.Targets) != 2 || inv.Targets[0].Name != "acme-shop-prod" {
		t.Errorf("targets = %+v, want the group's two subscriptions with their names", inv.Targets)
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes: %+v", w)
	}
	// Every request the scheduler counted reached the simulator, and the
	// other way round.
	counted := map[string]int{}
	for _, c := range o.Scheduler.Requests() {
		counted[c.Service+"/"+c.Operation] += c.Count
	}
	served := map[string]int{}
	for _, r := range srv.Requests() {
		if r.Cloud == "azure" {
			served[r.Action()]++
		}
	}
	for op, n := range served {
		if counted[op] != n {
			t.Errorf("%s: the simulator answered %d requests, the scan counted %d", op, n, counted[op])
		}
	}
	// One Resource Graph query per domain and table for the whole group.
	if served["Microsoft.ResourceGraph/resources/read"] != 4 {
		t.Errorf("%d Resource Graph queries, want 4 (NSGs; VMs and clusters; assessments; encryption)", served["Microsoft.ResourceGraph/resources/read"])
	}
}

// TestRetryAfterIsWaitedInFull makes the first attempt of every call a 429
// with Retry-After: 2, and checks that the SDK waited the whole two
// seconds before its second attempt, and that nothing was lost.
func TestRetryAfterIsWaitedInFull(t *testing.T) {
	w := demoWorld(t)
	w.Faults = cloudsim.Faults{FailFirstAttempts: 1, RetryAfter: 2 * time.Second}
	srv, o := simulated(t, w)
	clean := scanSim(t, o, shopGroup, inventory.Firewall)
	if len(clean.Errors) != 0 {
		t.Fatalf("errors: %+v", clean.Errors)
	}
	if len(clean.Resources) != 4 {
		t.Errorf("%d NSGs, want 4", len(clean.Resources))
	}
	var first, second time.Time
	for _, r := range srv.Requests() {
		if r.Action() != "Microsoft.Management/managementGroups/descendants/read" {
			continue
		}
		switch r.Attempt {
		case 1:
			if r.Status != 429 {
				t.Errorf("first attempt answered %d, want 429", r.Status)
			}
			first = r.Time
		case 2:
			second = r.Time
		}
	}
	if first.IsZero() || second.IsZero() {
		t.Fatal("the descendants call was not tried twice")
	}
	if gap := second.Sub(first); gap < 2*time.Second {
		t.Errorf("the second attempt came %v after the 429, want the whole Retry-After of 2s", gap)
	}
	var throttled int
	for _, c := range o.Scheduler.Requests() {
		if c.Code == "TooManyRequests" {
			throttled += c.Count
		}
	}
	if throttled == 0 {
		t.Error("the request counts show no 429")
	}
}

// TestManySubscriptionsStayUnderTheGraphQuota scans 24 subscriptions one
// per query: the simulator throttles a caller past 15 queries in 5
// seconds, and the scan's pace must never meet that.
func TestManySubscriptionsStayUnderTheGraphQuota(t *testing.T) {
	w := &cloudsim.World{Azure: cloudsim.AzureWorld{Tenant: "t", Tokens: map[string]string{demo.AzureToken: "auditor"}}}
	group := &cloudsim.ManagementGroup{ID: "many"}
	for i := range 24 {
		id := fmt.Sprintf("00000000-0000-4000-8000-%012d", i)
		group.Subscriptions = append(group.Subscriptions, id)
		w.Azure.Subscriptions = append(w.Azure.Subscriptions, &cloudsim.Subscription{ID: id, Name: fmt.Sprint("sub", i),
			NSGs: []*cloudsim.NSG{{AzureResource: cloudsim.AzureResource{Name: "nsg", ResourceGroup: "rg", Location: "westeurope"}}}})
	}
	w.Azure.ManagementGroups = []*cloudsim.ManagementGroup{group}
	srv, o := simulated(t, w)
	o.graphBatch = 1
	inv := scanSim(t, o, []scanners.Target{{Cloud: inventory.Azure, Group: groupManagementGroup + "many"}}, inventory.Firewall)
	if len(inv.Errors) != 0 || len(inv.Resources) != 24 {
		t.Fatalf("%d NSGs, errors %+v; want 24 and none", len(inv.Resources), inv.Errors)
	}
	var queries []time.Time
	for _, r := range srv.Requests() {
		if r.Action() == "Microsoft.ResourceGraph/resources/read" {
			if r.Status != 200 {
				t.Errorf("a Resource Graph query was answered %d %s", r.Status, r.Code)
			}
			queries = append(queries, r.Time)
		}
	}
	if len(queries) != 24 {
		t.Errorf("%d queries, want 24 (one per subscription at batch size 1)", len(queries))
	}
	for i := range queries {
		n := 0
		for _, q := range queries[i:] {
			if q.Sub(queries[i]) < 5*time.Second {
				n++
			}
		}
		if n >= 15 {
			t.Errorf("%d queries within 5s of query %d, want fewer than 15", n, i)
		}
	}
}

// TestFirewalledVaultIsAnErrorNotAPermission: the vault's network rules
// refuse the data plane; the keys are still listed, their rotation is
// unknown, and the error names no permission, since no role would help.
func TestFirewalledVaultIsAnErrorNotAPermission(t *testing.T) {
	w := demoWorld(t)
	prod := w.Azure.Subscriptions[0]
	prod.Vaults = append(prod.Vaults, &cloudsim.Vault{AzureResource: cloudsim.AzureResource{Name: "kv-locked", ResourceGroup: "rg", Location: "westeurope"},
		Firewall: true, Keys: []*cloudsim.VaultKey{{Name: "k"}}})
	_, o := simulated(t, w)
	inv := scanSim(t, o, []scanners.Target{{Cloud: inventory.Azure, ID: prod.ID}}, inventory.Encryption)
	if len(inv.Errors) != 1 || inv.Errors[0].Permission != "" || !strings.Contains(inv.Errors[0].Message, "Client address is not authorized") {
		t.Fatalf("errors = %+v, want one for the firewall, naming no permission", inv.Errors)
	}
	for _, r := range inv.Resources {
		if r.Name == "k" && r.Key.RotationEnabled.IsKnown() {
			t.Error("the firewalled key's rotation is known")
		}
	}
}

// TestOnlyTheEndpointCertificateIsTrusted points the scanners at one
// simulator while trusting another's certificate: nothing is read, and
// nothing passes.
func TestOnlyTheEndpointCertificateIsTrusted(t *testing.T) {
	other, _ := simulated(t, demoWorld(t))
	srv, o := simulated(t, demoWorld(t))
	o.Endpoints[inventory.Azure] = scanners.Endpoint{URL: srv.AzureURL, Identity: demo.AzureToken, CACert: other.CACert}
	o.retry.MaxRetries = -1
	inv := scanSim(t, o, shopGroup, inventory.Firewall)
	if len(inv.Resources) != 0 || len(inv.Errors) == 0 || !strings.Contains(inv.Errors[0].Message, "certificate") {
		t.Fatalf("resources %d, errors %+v; want none read and a certificate error", len(inv.Resources), inv.Errors)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("the simulator answered %d requests over an untrusted connection", n)
	}
}
