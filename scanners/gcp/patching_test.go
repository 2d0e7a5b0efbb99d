package gcp

import (
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
)

// TestPatchingReadsOSConfig scans the project whose instances report to
// OS Config in every way: a Debian VM with fixable high and critical
// CVEs, a SUSE VM with a security patch and a stale report, a VM with no
// inventory, a Windows VM, and GKE node pools; every list pages.
func TestPatchingReadsOSConfig(t *testing.T) {
	srv, o := startSim(t, fullWorld(t))
	inv := scan(t, o, listed("acme-data"), inventory.Patching)
	// The aggregated instance list answers warning-only scopes for the
	// zones without instances: not an error.
	noErrors(t, inv)
	noWrites(t, srv)
	vms := byType(inv, inventory.GCPInstance)
	at := func(s string) time.Time { tm, _ := time.Parse(time.RFC3339, s); return tm }
	cases := []struct {
		id              string
		managed         bool
		security, other int
		assessed        time.Time
		auto            bool
	}{
		// openssl fixes a HIGH CVE, curl one whose CVSS v3 score is 7.5;
		// the CRITICAL one has no fix yet; vim is another update. The
		// inventory (22:00) is older than the vulnerability report.
		{"projects/acme-data/zones/europe-west3-a/instances/etl-1", true, 2, 1, at("2026-10-31T22:00:00Z"), true},
		{"projects/acme-data/zones/europe-west3-a/instances/etl-2", true, 1, 1, at("2026-09-01T00:00:00Z"), false},
		{"projects/acme-data/zones/europe-west1-b/instances/win-1", true, 1, 1, at("2026-10-31T20:00:00Z"), true},
	}
	for _, tc := range cases {
		vm := vms[tc.id].VM
		if vm == nil {
			t.Errorf("%s: not read", tc.id)
			continue
		}
		managed, _ := vm.PatchManaged.Get()
		sec, _ := vm.MissingSecurity.Get()
		other, _ := vm.MissingOther.Get()
		last, _ := vm.LastAssessed.Get()
		auto, _ := vm.AutomaticUpdates.Get()
		if managed != tc.managed || sec != tc.security || other != tc.other || !last.Equal(tc.assessed) || auto != tc.auto {
			t.Errorf("%s = managed %v, security %d, other %d, assessed %v, automatic %v; want %v %d %d %v %v",
				tc.id, managed, sec, other, last, auto, tc.managed, tc.security, tc.other, tc.assessed, tc.auto)
		}
	}
	unmanaged := vms["projects/acme-data/zones/europe-west3-a/instances/etl-3"].VM
	if m, ok := unmanaged.PatchManaged.Get(); !ok || m {
		t.Errorf("etl-3 (no inventory) managed = %v (known %v), want known false", m, ok)
	}
	if unmanaged.MissingSecurity.IsKnown() {
		t.Error("etl-3 has missing patch counts without an inventory")
	}

	got := findings(t, inv, "patching.")
	for key, want := range map[string]controls.Status{
		"patching.vm_unmanaged projects/acme-data/zones/europe-west3-a/instances/etl-3":                                        controls.Fail,
		"patching.vm_unmanaged projects/acme-data/zones/europe-west3-a/instances/etl-1":                                        controls.Pass,
		"patching.missing_security_updates projects/acme-data/zones/europe-west3-a/instances/etl-1":                            controls.Fail,
		"patching.assessment_stale projects/acme-data/zones/europe-west3-a/instances/etl-2":                                    controls.Fail,
		"patching.assessment_stale projects/acme-data/zones/europe-west3-a/instances/etl-1":                                    controls.Pass,
		"patching.automatic_updates_disabled projects/acme-data/zones/europe-west3-a/instances/etl-2":                          controls.Fail,
		"patching.automatic_updates_disabled projects/acme-data/zones/europe-west1-b/instances/win-1":                          controls.Pass,
		"patching.managed_auto_upgrade_disabled projects/acme-data/locations/europe-west3/clusters/etl/nodePools/pinned":       controls.Fail,
		"patching.managed_auto_upgrade_disabled projects/acme-data/locations/europe-west3/clusters/etl/nodePools/default-pool": controls.Pass,
	} {
		if got[key] != want {
			t.Errorf("%s = %q, want %s", key, got[key], want)
		}
	}
	// One inventories and one vulnerability reports list per zone with
	// instances, whatever the number of instances in it.
	counts := srv.Counts()
	if counts["osconfig.inventories.list"] != 2 || counts["osconfig.vulnerabilityReports.list"] != 2 {
		t.Errorf("OS Config requests = %v, want 2 of each (2 zones)", counts)
	}
	if counts["osconfig.patchDeployments.list"] != 2 || counts["compute.instances.aggregatedList"] != 2 {
		t.Errorf("requests = %v, want the 3 deployments and the 4 instances in two pages each", counts)
	}
}

// TestStoppedInstanceIsNotUnmanaged checks the stopped instance without
// an inventory: known unmanaged, but not a finding.
func TestStoppedInstanceIsNotUnmanaged(t *testing.T) {
	_, o := startSim(t, fullWorld(t))
	inv := scan(t, o, listed("acme-web"), inventory.Patching)
	noErrors(t, inv)
	got := findings(t, inv, "patching.vm_unmanaged")
	if s := got["patching.vm_unmanaged projects/acme-web/zones/europe-west3-b/instances/web-2"]; s != "" {
		t.Errorf("stopped web-2: %s, want no finding (not applicable)", s)
	}
	if s := got["patching.vm_unmanaged projects/acme-web/zones/europe-west3-a/instances/web-1"]; s != controls.Fail {
		t.Errorf("running web-1 without inventory: %s, want fail", s)
	}
}

// TestStalenessLimitComesFromTheDeclaration checks that an OS Config
// report older than patchAssessmentMaxAgeDays fails and a fresher one
// passes, at two limits.
func TestStalenessLimitComesFromTheDeclaration(t *testing.T) {
	_, o := startSim(t, fullWorld(t))
	inv := scan(t, o, listed("acme-data"), inventory.Patching)
	const etl2 = "patching.assessment_stale projects/acme-data/zones/europe-west3-a/instances/etl-2"
	// etl-2 was last assessed on 2026-09-01, 61 days before the scan.
	if s := findings(t, inv, "patching.", "{patchAssessmentMaxAgeDays: 60}")[etl2]; s != controls.Fail {
		t.Errorf("61 days old, limit 60: %s, want fail", s)
	}
	if s := findings(t, inv, "patching.", "{patchAssessmentMaxAgeDays: 62}")[etl2]; s != controls.Pass {
		t.Errorf("61 days old, limit 62: %s, want pass", s)
	}
}

// TestOSConfigDeniedLeavesPatchDataUnknown checks that a project whose OS
// Config reads are refused is an error entry naming the permission, and
// its instances' patch controls say error, never pass.
func TestOSConfigDeniedLeavesPatchDataUnknown(t *testing.T) {
	_, o := startSim(t, fullWorld(t)+`
faults:
  accessDenied: [{account: acme-data, action: "osconfig.inventories.list"}]
`)
	inv := scan(t, o, listed("acme-data"), inventory.Patching)
	if len(inv.Errors) != 1 {
		t.Fatalf("errors = %+v, want one for the refused inventories (two zones, one entry)", inv.Errors)
	}
	e := inv.Errors[0]
	if e.Permission != "osconfig.inventories.list" || e.Operation != "osconfig.inventories.list" || e.Target != "acme-data" {
		t.Errorf("error = %+v, want the refused permission named", e)
	}
	for key, s := range findings(t, inv, "patching.") {
		if s == controls.Pass && !strings.Contains(key, "managed_auto_upgrade") && !strings.Contains(key, "automatic_updates") {
			t.Errorf("%s passed without OS Config's inventory", key)
		}
	}
}
