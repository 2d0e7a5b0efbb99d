package azure

import (
	"fmt"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

func vmID(sub, name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/%s", sub, name)
}

// vmRowJSON is a VM row with a power state and an OS profile.
func vmRowJSON(t *testing.T, sub, name, power, osProfile string) map[string]any {
	t.Helper()
	return graphRow(t, sub, typeVM, vmID(sub, name), "westeurope", fmt.Sprintf(
		`{"properties":{"osProfile":%s,"storageProfile":{"osDisk":{"osType":"Linux"}},"extended":{"instanceView":{"powerState":{"code":"PowerState/%s"}}}}}`,
		osProfile, power))
}

func assessmentRow(t *testing.T, sub, vm, status, when string, critical, security, other int) map[string]any {
	t.Helper()
	return graphRow(t, sub, typeAssessment, vmID(sub, vm)+"/patchAssessmentResults/latest", "westeurope", fmt.Sprintf(
		`{"properties":{"status":%q,"lastModifiedDateTime":%q,"osType":"Linux","availablePatchCountByClassification":{"critical":%d,"security":%d,"other":%d}}}`,
		status, when, critical, security, other))
}

func TestPatchingReadsVMsAssessmentsAndClusters(t *testing.T) {
	linuxAuto := `{"linuxConfiguration":{"patchSettings":{"patchMode":"AutomaticByPlatform","assessmentMode":"AutomaticByPlatform"}}}`
	linuxImage := `{"linuxConfiguration":{"patchSettings":{"patchMode":"ImageDefault"}}}`
	winManual := `{"windowsConfiguration":{"patchSettings":{"patchMode":"Manual"}}}`
	winDefault := `{"windowsConfiguration":{}}`
	f := &fakeAzure{pageSize: 2}
	f.rows = []map[string]any{
		vmRowJSON(t, subA, "vm-assessed", "running", linuxAuto),
		assessmentRow(t, subA, "vm-assessed", "Succeeded", "2026-10-30T10:00:00Z", 2, 1, 5),
		vmRowJSON(t, subA, "vm-unmanaged", "running", linuxImage),
		vmRowJSON(t, subA, "vm-deallocated", "deallocated", winManual),
		vmRowJSON(t, subA, "vm-failed", "running", winDefault),
		assessmentRow(t, subA, "vm-failed", "Failed", "2026-10-31T10:00:00Z", 0, 0, 0),
		graphRow(t, subA, typeAKS, "/subscriptions/"+subA+"/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-off", "westeurope",
			`{"properties":{"kubernetesVersion":"1.30.4","autoUpgradeProfile":{"upgradeChannel":"none"}}}`),
		graphRow(t, subA, typeAKS, "/subscriptions/"+subA+"/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-on", "westeurope",
			`{"properties":{"kubernetesVersion":"1.31.1","autoUpgradeProfile":{"upgradeChannel":"patch"}}}`),
		graphRow(t, subA, typeAKS, "/subscriptions/"+subA+"/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-nodes-unmanaged", "westeurope",
			`{"properties":{"kubernetesVersion":"1.31.1","autoUpgradeProfile":{"upgradeChannel":"stable","nodeOSUpgradeChannel":"Unmanaged"}}}`),
	}
	inv, counts := f.scan(t, inventory.Patching, scanners.Target{ID: subA}, 10)
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	res := byID(inv)
	assessed := res[vmID(subA, "vm-assessed")].VM
	if r, _ := assessed.Running.Get(); !r || assessed.State != "running" ||
		!assessed.PatchManaged.IsKnown() || !eqInt(assessed.MissingSecurity, 3) || !eqInt(assessed.MissingOther, 5) ||
		!assessed.AutomaticUpdates.IsKnown() {
		t.Errorf("vm-assessed = %+v, want running, managed, 3 security and critical, 5 other, automatic updates", assessed)
	}
	if last, _ := assessed.LastAssessed.Get(); !last.Equal(time.Date(2026, 10, 30, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("vm-assessed last assessed %v", last)
	}
	if m, ok := res[vmID(subA, "vm-unmanaged")].VM.PatchManaged.Get(); !ok || m {
		t.Errorf("vm-unmanaged PatchManaged = %v (known %v), want known false", m, ok)
	}
	if a, ok := res[vmID(subA, "vm-unmanaged")].VM.AutomaticUpdates.Get(); !ok || a {
		t.Error("a Linux VM in ImageDefault patch mode installs updates automatically, want not")
	}
	for vm, want := range map[string]bool{"vm-assessed": true, "vm-unmanaged": false, "vm-deallocated": false, "vm-failed": false} {
		if got, ok := res[vmID(subA, vm)].VM.PeriodicAssessment.Get(); !ok || got != want {
			t.Errorf("%s PeriodicAssessment = %v (known %v), want %v from its assessmentMode", vm, got, ok, want)
		}
	}
	failed := res[vmID(subA, "vm-failed")].VM
	if failed.MissingSecurity.IsKnown() || failed.LastAssessed.IsKnown() {
		t.Errorf("a failed assessment vouches for counts or a date: %+v", failed)
	}
	if a, ok := failed.AutomaticUpdates.Get(); !ok || !a {
		t.Error("a Windows VM without a patch mode has automatic updates on by default")
	}
	env := controls.Env{Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	for _, c := range []struct {
		vm      string
		control *controls.Control
		want    controls.Status
	}{
		{"vm-unmanaged", controls.VMUnmanaged, controls.Fail},
		{"vm-deallocated", controls.VMUnmanaged, controls.NotApplicable},
		{"vm-deallocated", controls.AutomaticUpdatesDisabled, controls.Fail},
		{"vm-assessed", controls.VMUnmanaged, controls.Pass},
		{"vm-assessed", controls.MissingSecurityUpdates, controls.Fail},
		{"vm-assessed", controls.PatchAssessmentStale, controls.Pass},
		{"vm-failed", controls.MissingSecurityUpdates, controls.Error},
		{"vm-failed", controls.PatchAssessmentStale, controls.Error},
	} {
		if got := c.control.Check(env, res[vmID(subA, c.vm)]); got.Status != c.want {
			t.Errorf("%s on %s = %s (%s), want %s", c.control.ID, c.vm, got.Status, got.Message, c.want)
		}
	}
	for name, want := range map[string]bool{"aks-off": false, "aks-on": true, "aks-nodes-unmanaged": false} {
		u := res["/subscriptions/"+subA+"/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/"+name].Upgrade
		if got, ok := u.AutoUpgrade.Get(); !ok || got != want {
			t.Errorf("%s auto-upgrade = %v (known %v), want %v; channel %q", name, got, ok, want, u.Channel)
		}
	}
	// Two queries, VMs and clusters paged 2 at a time (7 rows: 4 pages),
	// assessments (2 rows: 1 page).
	if n := requests(counts, "Microsoft.ResourceGraph", "resources/read", "OK"); n != 5 {
		t.Errorf("counted %d Resource Graph requests, want 5", n)
	}
}

func TestPatchingWithoutAssessmentsLeavesManagementUnknown(t *testing.T) {
	f := &fakeAzure{pageSize: 10, rows: []map[string]any{vmRowJSON(t, subA, "vm-1", "running", `{"linuxConfiguration":{}}`)}}
	f.failTable = "patchassessmentresources"
	inv, _ := f.scan(t, inventory.Patching, scanners.Target{ID: subA}, 10)
	if len(inv.Errors) != 1 || inv.Errors[0].Operation != graphRead {
		t.Fatalf("errors = %+v, want one for the assessments' query", inv.Errors)
	}
	vm := inv.Resources[0].VM
	if vm.PatchManaged.IsKnown() {
		t.Error("a VM whose assessments could not be read is reported unmanaged, want unknown")
	}
	if got := controls.VMUnmanaged.Check(controls.Env{}, inv.Resources[0]); got.Status != controls.Error {
		t.Errorf("vm_unmanaged = %s, want error", got.Status)
	}
}

func eqInt(v inventory.Int, want int) bool {
	got, ok := v.Get()
	return ok && got == want
}
