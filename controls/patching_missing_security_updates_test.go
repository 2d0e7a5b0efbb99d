package controls

import (
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(MissingSecurityUpdates, func(t *testing.T) []checkCase {
	running := func(typ string, missing inventory.Int, compliance inventory.String) inventory.Resource {
		return patchVM(typ, inventory.VM{Running: inventory.True, PatchManaged: inventory.True, MissingSecurity: missing, Compliance: compliance})
	}
	none := inventory.String{}
	return []checkCase{
		{name: "aws nothing missing, compliant", res: running(inventory.AWSInstance, inventory.Known(0), inventory.Known("COMPLIANT")), want: Pass},
		{name: "no security or other patches missing and compliant passes", res: patchVM(inventory.AWSInstance, inventory.VM{State: "running", Running: inventory.True, PatchManaged: inventory.True,
			MissingSecurity: inventory.Known(0), MissingOther: inventory.Known(0), Compliance: inventory.Known("COMPLIANT")}), want: Pass},
		{name: "azure nothing missing", res: running(inventory.AzureVM, inventory.Known(0), none), want: Pass},
		{name: "aws compliance only, compliant", res: running(inventory.AWSInstance, inventory.Int{}, inventory.Known("COMPLIANT")), want: Pass},
		{name: "gcp security patches missing", res: running(inventory.GCPInstance, inventory.Known(3), none), want: Fail},
		{name: "aws non-compliant with zero security missing", res: running(inventory.AWSInstance, inventory.Known(0), inventory.Known("NON_COMPLIANT")), want: Fail},
		{name: "aws non-compliant, count unknown", res: running(inventory.AWSInstance, inventory.Int{}, inventory.Known("non_compliant")), want: Fail},
		{name: "managed flag unknown but patches missing", res: patchVM(inventory.AzureVM, inventory.VM{Running: inventory.True, MissingSecurity: inventory.Known(2)}), want: Fail},
		{name: "stopped with known missing patches", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.False, PatchManaged: inventory.True, MissingSecurity: inventory.Known(1)}), want: Fail},
		{name: "stopped with clean old assessment keeps its result", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.False, PatchManaged: inventory.True, MissingSecurity: inventory.Known(0)}), want: Pass},
		{name: "stopped, agent offline, patches missing at the last assessment", res: patchVM(inventory.AWSInstance, inventory.VM{State: "stopped", Running: inventory.False, PatchManaged: inventory.False,
			LastAssessed: inventory.Known(testNow.AddDate(0, 0, -40)), MissingSecurity: inventory.Known(2), Compliance: inventory.Known("NON_COMPLIANT")}), want: Fail},
		{name: "running, agent offline, patches missing at the last assessment", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.True, PatchManaged: inventory.False,
			LastAssessed: inventory.Known(testNow.AddDate(0, 0, -3)), MissingSecurity: inventory.Known(1)}), want: Fail},
		{name: "agent offline, clean last assessment", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.True, PatchManaged: inventory.False,
			LastAssessed: inventory.Known(testNow.AddDate(0, 0, -3)), MissingSecurity: inventory.Known(0), Compliance: inventory.Known("COMPLIANT")}), want: Pass},
		{name: "stopped without data", res: patchVM(inventory.AzureVM, inventory.VM{Running: inventory.False, PatchManaged: inventory.True}), want: Error},
		{name: "managed node never assessed", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.True, PatchManaged: inventory.True, LastAssessed: inventory.Known(time.Time{})}), want: Error},
		{name: "stopped node never assessed", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.False, PatchManaged: inventory.False, LastAssessed: inventory.Known(time.Time{})}), want: Error},
		{name: "unmanaged is vm_unmanaged's business", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.True, PatchManaged: inventory.False}), want: NotApplicable},
		{name: "counts unknown", res: running(inventory.AzureVM, inventory.Int{}, none), want: Error},
		{name: "unrecognised compliance only", res: running(inventory.AWSInstance, inventory.Int{}, inventory.Known("UNSPECIFIED_DATA")), want: Error},
		{name: "clean counts, power state unknown", res: patchVM(inventory.GCPInstance, inventory.VM{PatchManaged: inventory.True, MissingSecurity: inventory.Known(0)}), want: Pass},
		{name: "vm facet missing", res: inventory.Resource{Type: inventory.GCPInstance, ID: "vm-1"}, want: Error},
	}
})

func TestPatchingMissingSecurityUpdatesMessages(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	cases := []struct {
		name string
		vm   inventory.VM
		want string
	}{
		{"one patch", inventory.VM{Running: inventory.True, PatchManaged: inventory.True, MissingSecurity: inventory.Known(1)},
			"1 security or critical patch missing"},
		{"both reasons", inventory.VM{Running: inventory.True, PatchManaged: inventory.True, MissingSecurity: inventory.Known(4), Compliance: inventory.Known("NON_COMPLIANT")},
			"4 security or critical patches missing; patch compliance is NON_COMPLIANT"},
		{"stopped: the assessment time and why", inventory.VM{State: "stopped", Running: inventory.False, PatchManaged: inventory.False,
			LastAssessed: inventory.Known(time.Date(2026, 9, 20, 8, 30, 0, 0, time.UTC)), MissingSecurity: inventory.Known(3)},
			"3 security or critical patches missing (assessed 2026-09-20 08:30 UTC; the VM is stopped)"},
		{"agent offline", inventory.VM{Running: inventory.True, PatchManaged: inventory.False,
			LastAssessed: inventory.Known(time.Date(2026, 10, 28, 23, 5, 0, 0, time.UTC)), MissingSecurity: inventory.Known(1)},
			"1 security or critical patch missing (assessed 2026-10-28 23:05 UTC; its patch agent is not online)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := MissingSecurityUpdates.Check(env, patchVM(inventory.AWSInstance, tc.vm))
			if got.Message != tc.want {
				t.Errorf("Check() message = %q, want %q", got.Message, tc.want)
			}
			if n, _ := tc.vm.MissingSecurity.Get(); got.Evidence["missingSecurity"] != n {
				t.Errorf("Check() evidence missingSecurity = %v, want %d", got.Evidence["missingSecurity"], n)
			}
		})
	}
	got := MissingSecurityUpdates.Check(env, patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.True, PatchManaged: inventory.True, LastAssessed: inventory.Known(time.Time{})}))
	if want := "AWS Systems Manager has never assessed the VM, so which patches it misses is unknown (patching.assessment_stale reports the missing assessment)"; got.Message != want {
		t.Errorf("Check(never assessed) message = %q, want %q", got.Message, want)
	}
}
