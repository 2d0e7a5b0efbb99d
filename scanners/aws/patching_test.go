package aws

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// patchWorldNamed is the hand-made part of the patching test worlds, in
// account 111111111111, region eu-west-1. What each instance is for:
//
//	i-web         running, online, missing patches (2 critical, 3 security, 1 other), 250 not applicable
//	i-clean       running Windows, online, nothing missing, 900 + 12 not applicable
//	i-reboot      running, online, 1 failed, 2 pending reboot, 1 security non-compliant
//	i-legacy      running, online, a state without the per-classification counts
//	i-noother     running, online, a state without OtherNonCompliantCount
//	i-lost        running, ConnectionLost, with a state showing 3 missing
//	i-never       running, online, never assessed (no state)
//	i-unmanaged   running, not a managed node
//	i-stopped     stopped, not a managed node
//	i-asleep      stopped, ConnectionLost, no state
//	i-pending     pending, online, no state
//	i-gone        terminated, Inactive (left out of the inventory)
//	mi-hybrid     an online hybrid node with a state (not an EC2 instance)
const patchWorldNamed = `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-west-1:
          instances:
            - {id: i-web, state: running, platformDetails: Linux/UNIX, tags: {Name: web, team: blue}}
            - {id: i-clean, state: running, platform: windows, platformDetails: Windows}
            - {id: i-reboot, state: running}
            - {id: i-legacy, state: running, platformDetails: Red Hat Enterprise Linux}
            - {id: i-noother, state: running}
            - {id: i-lost, state: running}
            - {id: i-never, state: running}
            - {id: i-unmanaged, state: running, tags: {Name: batch}}
            - {id: i-stopped, state: stopped, platform: windows}
            - {id: i-asleep, state: stopped}
            - {id: i-pending, state: pending}
            - {id: i-gone, state: terminated}
%s
          managedInstances:
            - {instanceId: i-web, pingStatus: Online}
            - {instanceId: i-clean, pingStatus: Online, platformType: Windows}
            - {instanceId: i-reboot, pingStatus: Online}
            - {instanceId: i-legacy, pingStatus: Online}
            - {instanceId: i-noother, pingStatus: Online}
            - {instanceId: i-lost, pingStatus: ConnectionLost, lastPing: 2025-11-01T00:00:00Z}
            - {instanceId: i-never, pingStatus: Online}
            - {instanceId: i-asleep, pingStatus: ConnectionLost}
            - {instanceId: i-pending, pingStatus: Online}
            - {instanceId: i-gone, pingStatus: Inactive}
            - {instanceId: mi-hybrid, pingStatus: Online}
%s
          patchStates:
            - {instanceId: i-web, missing: 5, criticalNonCompliant: 2, securityNonCompliant: 3, otherNonCompliant: 1, notApplicable: 250, installed: 30, operationEnd: 2026-01-04T03:00:00Z}
            - {instanceId: i-clean, installed: 40, notApplicable: 900, unreportedNotApplicable: 12, operationEnd: 2026-01-05T03:00:00Z}
            - {instanceId: i-reboot, failed: 1, installedPendingReboot: 2, securityNonCompliant: 1, operation: Install, operationEnd: 2026-01-05T04:00:00Z}
            - {instanceId: i-legacy, notApplicable: 80, operationEnd: 2025-10-01T00:00:00Z, unreported: [criticalNonCompliant, securityNonCompliant, otherNonCompliant, installedPendingReboot]}
            - {instanceId: i-noother, missing: 6, criticalNonCompliant: 1, securityNonCompliant: 2, operationEnd: 2026-01-05T03:00:00Z, unreported: [otherNonCompliant]}
            - {instanceId: i-lost, missing: 3, securityNonCompliant: 3, operationEnd: 2025-11-01T00:00:00Z}
            - {instanceId: mi-hybrid, missing: 9, securityNonCompliant: 9}
%s
          dbInstances:
            - {id: orders, engine: postgres, engineVersion: "16.4", storageEncrypted: true, autoMinorVersionUpgrade: false, tags: {team: payments}}
            - {id: reports, engine: mysql, engineVersion: "8.0.39", autoMinorVersionUpgrade: true}
%s
`

// patchWorld fills patchWorldNamed with managed running instances
// i-m00.. (online, assessed, nothing missing), unmanaged running instances
// i-u0000.. and DB instances db-000.., so that every listing needs several
// pages.
func patchWorld(managed, unmanaged, dbs int) string {
	var inst, nodes, states, dbList strings.Builder
	for i := 0; i < managed; i++ {
		fmt.Fprintf(&inst, "            - {id: i-m%02d, state: running}\n", i)
		fmt.Fprintf(&nodes, "            - {instanceId: i-m%02d, pingStatus: Online}\n", i)
		fmt.Fprintf(&states, "            - {instanceId: i-m%02d, installed: 12, notApplicable: 7, operationEnd: 2026-01-05T03:00:00Z}\n", i)
	}
	for i := 0; i < unmanaged; i++ {
		fmt.Fprintf(&inst, "            - {id: i-u%04d, state: running}\n", i)
	}
	for i := 0; i < dbs; i++ {
		fmt.Fprintf(&dbList, "            - {id: db-%03d, engine: postgres, engineVersion: '16.4', autoMinorVersionUpgrade: true}\n", i)
	}
	return fmt.Sprintf(patchWorldNamed, inst.String(), nodes.String(), states.String(), dbList.String())
}

var patchTarget = scanners.Target{ID: "111111111111", Regions: []string{"eu-west-1"}}

// patchVMOf returns the VM facet of instance id, failing the test when the
// instance or its facet is missing.
func patchVMOf(t *testing.T, instances map[string]inventory.Resource, id string) inventory.VM {
	t.Helper()
	r, ok := instances[id]
	if !ok || r.VM == nil {
		t.Fatalf("instance %s missing from the inventory or without a VM facet", id)
	}
	return *r.VM
}

func patchTime(s string) inventory.Time {
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return inventory.Known(ts)
}

func patchCount(v int) inventory.Int { return inventory.Known(v) }

func TestScanPatchingReadsEveryPage(t *testing.T) {
	// 60 managed instances besides the named ones make 69 EC2 nodes: two
	// pages of DescribeInstanceInformation at 50 and two batches of
	// DescribeInstancePatchStates; 1000 unmanaged ones push
	// DescribeInstances past its 1000-instance page; 105 DB instances
	// push DescribeDBInstances past its default page of 100.
	srv, o := startSim(t, patchWorld(60, 1000, 105))
	inv := scanDomain(t, o, inventory.Patching, patchTarget)

	if len(inv.Errors) != 0 {
		t.Fatalf("scan errors = %+v, want none", inv.Errors)
	}
	instances := byType(inv, inventory.AWSInstance)
	if got, want := len(instances), 11+60+1000; got != want {
		t.Errorf("read %d instances, want %d (every page, terminated i-gone left out)", got, want)
	}
	if _, ok := instances["i-gone"]; ok {
		t.Error("terminated i-gone is in the inventory")
	}
	if _, ok := instances["mi-hybrid"]; ok {
		t.Error("hybrid node mi-hybrid is in the inventory as an EC2 instance")
	}

	never := inventory.Known(time.Time{})
	tests := []struct {
		id   string
		want inventory.VM
	}{
		{"i-web", inventory.VM{State: "running", Running: inventory.True, OS: "Linux/UNIX", PatchManaged: inventory.True,
			LastAssessed: patchTime("2026-01-04T03:00:00Z"), MissingSecurity: patchCount(3), MissingOther: patchCount(1), Failed: patchCount(0), PendingReboot: patchCount(0),
			Compliance: inventory.Known("NON_COMPLIANT")}},
		// 912 patches do not apply: none of them is missing.
		{"i-clean", inventory.VM{State: "running", Running: inventory.True, OS: "Windows", PatchManaged: inventory.True,
			LastAssessed: patchTime("2026-01-05T03:00:00Z"), MissingSecurity: patchCount(0), MissingOther: patchCount(0), Failed: patchCount(0), PendingReboot: patchCount(0),
			Compliance: inventory.Known("COMPLIANT")}},
		{"i-reboot", inventory.VM{State: "running", Running: inventory.True, OS: "Linux/UNIX", PatchManaged: inventory.True,
			LastAssessed: patchTime("2026-01-05T04:00:00Z"), MissingSecurity: patchCount(1), MissingOther: patchCount(0), Failed: patchCount(1), PendingReboot: patchCount(2),
			Compliance: inventory.Known("NON_COMPLIANT")}},
		{"i-legacy", inventory.VM{State: "running", Running: inventory.True, OS: "Red Hat Enterprise Linux", PatchManaged: inventory.True,
			LastAssessed: patchTime("2025-10-01T00:00:00Z"), Failed: patchCount(0), Compliance: inventory.Known("COMPLIANT")}},
		{"i-noother", inventory.VM{State: "running", Running: inventory.True, OS: "Linux/UNIX", PatchManaged: inventory.True,
			LastAssessed: patchTime("2026-01-05T03:00:00Z"), MissingSecurity: patchCount(2), MissingOther: patchCount(4), Failed: patchCount(0), PendingReboot: patchCount(0),
			Compliance: inventory.Known("NON_COMPLIANT")}},
		{"i-lost", inventory.VM{State: "running", Running: inventory.True, OS: "Linux/UNIX", PatchManaged: inventory.False,
			LastAssessed: patchTime("2025-11-01T00:00:00Z"), MissingSecurity: patchCount(3), MissingOther: patchCount(0), Failed: patchCount(0), PendingReboot: patchCount(0),
			Compliance: inventory.Known("NON_COMPLIANT")}},
		{"i-never", inventory.VM{State: "running", Running: inventory.True, OS: "Linux/UNIX", PatchManaged: inventory.True, LastAssessed: never}},
		{"i-unmanaged", inventory.VM{State: "running", Running: inventory.True, OS: "Linux/UNIX", PatchManaged: inventory.False}},
		{"i-stopped", inventory.VM{State: "stopped", Running: inventory.False, OS: "Windows", PatchManaged: inventory.False}},
		{"i-asleep", inventory.VM{State: "stopped", Running: inventory.False, OS: "Linux/UNIX", PatchManaged: inventory.False, LastAssessed: never}},
		{"i-pending", inventory.VM{State: "pending", Running: inventory.False, OS: "Linux/UNIX", PatchManaged: inventory.True, LastAssessed: never}},
		{"i-m59", inventory.VM{State: "running", Running: inventory.True, OS: "Linux/UNIX", PatchManaged: inventory.True,
			LastAssessed: patchTime("2026-01-05T03:00:00Z"), MissingSecurity: patchCount(0), MissingOther: patchCount(0), Failed: patchCount(0), PendingReboot: patchCount(0),
			Compliance: inventory.Known("COMPLIANT")}},
		{"i-u0999", inventory.VM{State: "running", Running: inventory.True, OS: "Linux/UNIX", PatchManaged: inventory.False}},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if got := patchVMOf(t, instances, tc.id); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("VM of %s =\n%+v\nwant\n%+v", tc.id, got, tc.want)
			}
		})
	}
	web := instances["i-web"]
	if web.Name != "web" || !reflect.DeepEqual(web.Tags, map[string]string{"Name": "web", "team": "blue"}) ||
		web.Target != "111111111111" || web.Region != "eu-west-1" || web.Cloud != inventory.AWS {
		t.Errorf("i-web = %s %q tags %v in %s/%s, want aws web {Name:web team:blue} in 111111111111/eu-west-1", web.Cloud, web.Name, web.Tags, web.Target, web.Region)
	}

	dbs := byType(inv, inventory.AWSDBInstance)
	if len(dbs) != 107 {
		t.Errorf("read %d DB instances, want 107 (every page)", len(dbs))
	}
	orders, ok := dbs["arn:aws:rds:eu-west-1:111111111111:db:orders"]
	wantUp := inventory.ManagedUpgrade{AutoUpgrade: inventory.False, Engine: "postgres", Version: "16.4"}
	switch {
	case !ok:
		t.Errorf("orders missing from the DB instances")
	case orders.Upgrade == nil || !reflect.DeepEqual(*orders.Upgrade, wantUp):
		t.Errorf("orders upgrade = %+v, want %+v", orders.Upgrade, wantUp)
	case orders.Name != "orders" || orders.Tags["team"] != "payments":
		t.Errorf("orders name %q tags %v, want orders with team=payments", orders.Name, orders.Tags)
	case orders.Database != nil:
		t.Errorf("orders database facet = %+v, want it left to the encryption scanner", orders.Database)
	}
	if r := dbs["arn:aws:rds:eu-west-1:111111111111:db:reports"]; r.Upgrade == nil || r.Upgrade.AutoUpgrade != inventory.True {
		t.Errorf("reports upgrade = %+v, want auto upgrade on", r.Upgrade)
	}

	wantCounts := map[string]int{
		"sts:GetCallerIdentity":           1, // account resolution, not the scanner
		"ec2:DescribeInstances":           2,
		"ssm:DescribeInstanceInformation": 2,
		"ssm:DescribeInstancePatchStates": 2,
		"rds:DescribeDBInstances":         2,
	}
	if got := srv.Counts(); !reflect.DeepEqual(got, wantCounts) {
		t.Errorf("requests per operation = %v, want %v; requests: %+v", got, wantCounts, srv.Requests())
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %+v, want none", w)
	}
}

// smallPatchWorld is patchWorldNamed with no filler, plus faults.
func smallPatchWorld(faults string) string {
	return patchWorld(0, 0, 0) + faults
}

func TestScanPatchingFailedReadsLeaveFieldsUnknown(t *testing.T) {
	tests := []struct {
		deny string
		// wantTypes are the resource types the error entry names.
		wantTypes []string
		// instances is false when no instance can be read.
		instances, dbs bool
		// managedKnown, patchKnown: which SSM-derived fields are read.
		managedKnown, patchKnown bool
		wantOps                  []string
	}{
		{"ssm:DescribeInstancePatchStates", []string{inventory.AWSInstance}, true, true, true, false,
			[]string{"ec2:DescribeInstances", "rds:DescribeDBInstances", "ssm:DescribeInstanceInformation", "ssm:DescribeInstancePatchStates", "sts:GetCallerIdentity"}},
		// Without the node list the scanner cannot know whom to ask for
		// patch states, so it does not.
		{"ssm:DescribeInstanceInformation", []string{inventory.AWSInstance}, true, true, false, false,
			[]string{"ec2:DescribeInstances", "rds:DescribeDBInstances", "ssm:DescribeInstanceInformation", "sts:GetCallerIdentity"}},
		{"ec2:DescribeInstances", []string{inventory.AWSInstance}, false, true, false, false,
			[]string{"ec2:DescribeInstances", "rds:DescribeDBInstances", "ssm:DescribeInstanceInformation", "ssm:DescribeInstancePatchStates", "sts:GetCallerIdentity"}},
		{"rds:DescribeDBInstances", []string{inventory.AWSDBInstance}, true, false, true, true,
			[]string{"ec2:DescribeInstances", "rds:DescribeDBInstances", "ssm:DescribeInstanceInformation", "ssm:DescribeInstancePatchStates", "sts:GetCallerIdentity"}},
	}
	for _, tc := range tests {
		t.Run(tc.deny, func(t *testing.T) {
			srv, o := startSim(t, smallPatchWorld("faults:\n  accessDenied:\n    - {action: \""+tc.deny+"\"}\n"))
			inv := scanDomain(t, o, inventory.Patching, patchTarget)

			if len(inv.Errors) != 1 {
				t.Fatalf("scan errors = %+v, want one for %s", inv.Errors, tc.deny)
			}
			e := inv.Errors[0]
			if e.Operation != tc.deny || e.Permission != tc.deny || e.Target != "111111111111" || e.Region != "eu-west-1" ||
				e.Domain != inventory.Patching || e.Cloud != inventory.AWS || !reflect.DeepEqual(e.ResourceTypes, tc.wantTypes) {
				t.Errorf("scan error = %+v, want %s denied in 111111111111/eu-west-1 leaving %v unread", e, tc.deny, tc.wantTypes)
			}
			if !strings.Contains(e.Message, tc.deny) {
				t.Errorf("scan error message %q does not name %s", e.Message, tc.deny)
			}

			instances := byType(inv, inventory.AWSInstance)
			if got := len(instances) > 0; got != tc.instances {
				t.Fatalf("instances read = %d, want some: %v", len(instances), tc.instances)
			}
			if got := len(byType(inv, inventory.AWSDBInstance)) == 2; got != tc.dbs {
				t.Errorf("both DB instances read = %v, want %v", got, tc.dbs)
			}
			for id, r := range instances {
				vm := r.VM
				if !vm.Running.IsKnown() || vm.State == "" {
					t.Errorf("%s: power state unknown, want it read from EC2", id)
				}
				if vm.PatchManaged.IsKnown() != tc.managedKnown {
					t.Errorf("%s: PatchManaged known = %v, want %v", id, vm.PatchManaged.IsKnown(), tc.managedKnown)
				}
				if tc.patchKnown {
					continue
				}
				for name, known := range map[string]bool{"LastAssessed": vm.LastAssessed.IsKnown(), "MissingSecurity": vm.MissingSecurity.IsKnown(),
					"MissingOther": vm.MissingOther.IsKnown(), "Failed": vm.Failed.IsKnown(), "PendingReboot": vm.PendingReboot.IsKnown(),
					"Compliance": vm.Compliance.IsKnown()} {
					if known {
						t.Errorf("%s: %s is known after %s was denied, want unknown", id, name, tc.deny)
					}
				}
			}
			wantOperations(t, srv, tc.wantOps)
		})
	}
}

// patchFindings evaluates inv, collected at a fixed instant so that the
// assessments' ages do not depend on the day the test runs, and returns
// the patching findings as findings does.
func patchFindings(t *testing.T, inv *inventory.Inventory) map[string]controls.Status {
	t.Helper()
	inv.CollectedAt = time.Date(2026, 1, 6, 12, 0, 0, 0, time.UTC)
	return findings(t, inv, "patching.")
}

func TestScanPatchingDeniedPatchStatesNeverPass(t *testing.T) {
	_, o := startSim(t, smallPatchWorld("faults:\n  accessDenied:\n    - {action: ssm:DescribeInstancePatchStates}\n"))
	inv := scanDomain(t, o, inventory.Patching, patchTarget)
	got := patchFindings(t, inv)

	// Every running managed instance: patch data unreadable, so error,
	// whatever the world holds (i-clean would pass, i-web would fail).
	for _, id := range []string{"i-web", "i-clean", "i-reboot", "i-legacy", "i-noother", "i-never"} {
		for _, control := range []string{"patching.missing_security_updates", "patching.assessment_stale"} {
			if s := got[control+" "+id]; s != controls.Error {
				t.Errorf("%s on %s = %q, want %q", control, id, s, controls.Error)
			}
		}
		if s := got["patching.vm_unmanaged "+id]; s != controls.Pass {
			t.Errorf("patching.vm_unmanaged on %s = %q, want %q (registration was read)", id, s, controls.Pass)
		}
	}
	if s := got["patching.vm_unmanaged i-unmanaged"]; s != controls.Fail {
		t.Errorf("patching.vm_unmanaged on i-unmanaged = %q, want %q", s, controls.Fail)
	}
	for key, s := range got {
		if s == controls.Pass && !strings.HasPrefix(key, "patching.vm_unmanaged ") && !strings.HasPrefix(key, "patching.managed_auto_upgrade_disabled ") {
			t.Errorf("%s = pass although the patch states could not be read", key)
		}
	}
}

func TestScanPatchingFindings(t *testing.T) {
	_, o := startSim(t, smallPatchWorld(""))
	inv := scanDomain(t, o, inventory.Patching, patchTarget)
	got := patchFindings(t, inv)

	const orders = "arn:aws:rds:eu-west-1:111111111111:db:orders"
	tests := []struct {
		key  string
		want controls.Status // "" means no finding (not applicable)
	}{
		{"patching.missing_security_updates i-web", controls.Fail},
		{"patching.missing_security_updates i-clean", controls.Pass},
		{"patching.missing_security_updates i-reboot", controls.Fail},
		{"patching.assessment_stale i-clean", controls.Pass},
		{"patching.assessment_stale i-legacy", controls.Fail},
		{"patching.assessment_stale i-never", controls.Fail},
		{"patching.vm_unmanaged i-web", controls.Pass},
		{"patching.vm_unmanaged i-unmanaged", controls.Fail},
		{"patching.vm_unmanaged i-lost", controls.Fail},
		// i-lost's agent is not online, but its last assessment still
		// counts: 3 patches were missing on 2025-11-01, 66 days before.
		{"patching.missing_security_updates i-lost", controls.Fail},
		{"patching.assessment_stale i-lost", controls.Fail},
		// Stopped instances, managed or not, are not unmanaged.
		{"patching.vm_unmanaged i-stopped", ""},
		{"patching.vm_unmanaged i-asleep", ""},
		// i-stopped is no managed node: nothing to judge.
		{"patching.missing_security_updates i-stopped", ""},
		{"patching.assessment_stale i-stopped", ""},
		// i-asleep is a managed node that was never assessed.
		{"patching.missing_security_updates i-asleep", controls.Error},
		{"patching.assessment_stale i-asleep", controls.Fail},
		{"patching.missing_security_updates i-never", controls.Error},
		{"patching.managed_auto_upgrade_disabled " + orders, controls.Fail},
		{"patching.managed_auto_upgrade_disabled arn:aws:rds:eu-west-1:111111111111:db:reports", controls.Pass},
	}
	for _, tc := range tests {
		if s := got[tc.key]; s != tc.want {
			t.Errorf("%s = %q, want %q", tc.key, s, tc.want)
		}
	}
}

// TestScanPatchingStoppedKeepsPatchDebt stops an instance whose last
// assessment found missing patches: SSM still answers its patch state,
// and the findings keep failing on it, with the assessment time.
func TestScanPatchingStoppedKeepsPatchDebt(t *testing.T) {
	srv, o := startSim(t, smallPatchWorld(""))
	reg := srv.World().AWS.Accounts[0].Regions["eu-west-1"]
	assessed := time.Date(2025, 12, 20, 2, 15, 0, 0, time.UTC)
	reg.Instances = append(reg.Instances,
		&cloudsim.Instance{ID: "i-dozing", State: "stopped"},
		&cloudsim.Instance{ID: "i-napping", State: "stopped"})
	reg.ManagedInstances = append(reg.ManagedInstances,
		&cloudsim.ManagedNode{InstanceID: "i-dozing", PingStatus: "ConnectionLost", LastPing: assessed},
		&cloudsim.ManagedNode{InstanceID: "i-napping", PingStatus: "ConnectionLost", LastPing: assessed})
	reg.PatchStates = append(reg.PatchStates,
		&cloudsim.PatchState{InstanceID: "i-dozing", Missing: 4, SecurityNonCompliant: 4, OperationEnd: assessed},
		&cloudsim.PatchState{InstanceID: "i-napping", Installed: 20, OperationEnd: time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)})
	inv := scanDomain(t, o, inventory.Patching, patchTarget)
	inv.CollectedAt = time.Date(2026, 1, 6, 12, 0, 0, 0, time.UTC)
	env := controls.Env{Settings: controls.DefaultSettings, Now: inv.CollectedAt}
	byID := map[string]inventory.Resource{}
	for _, r := range inv.Resources {
		byID[r.ID] = r
	}
	for _, tc := range []struct {
		control *controls.Control
		id      string
		want    controls.Status
		message string
	}{
		{controls.MissingSecurityUpdates, "i-dozing", controls.Fail,
			"4 security or critical patches missing; patch compliance is NON_COMPLIANT (assessed 2025-12-20 02:15 UTC; the VM is stopped)"},
		{controls.PatchAssessmentStale, "i-dozing", controls.Fail,
			"AWS Systems Manager last assessed the VM 17 days ago (2025-12-20), more than the 7 days allowed; the VM is stopped"},
		{controls.MissingSecurityUpdates, "i-napping", controls.Pass,
			"no security or critical patches missing (assessed 2026-01-05 00:00 UTC; the VM is stopped)"},
		{controls.PatchAssessmentStale, "i-napping", controls.Pass,
			"AWS Systems Manager assessed the VM 1 days ago (2026-01-05), within 7 days; the VM is stopped"},
	} {
		r, ok := byID[tc.id]
		if !ok {
			t.Fatalf("%s not in the inventory", tc.id)
		}
		got := tc.control.Check(env, r)
		if got.Status != tc.want || got.Message != tc.message {
			t.Errorf("%s on %s = %q %q, want %q %q", tc.control.ID, tc.id, got.Status, got.Message, tc.want, tc.message)
		}
	}
}
