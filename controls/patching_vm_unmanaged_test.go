package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// patchVM is a VM resource of type typ with the given patch facet.
func patchVM(typ string, vm inventory.VM) inventory.Resource {
	return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t1", Region: "r1", Type: typ, ID: "vm-1", VM: &vm}
}

var _ = table(VMUnmanaged, func(t *testing.T) []checkCase {
	return []checkCase{
		{name: "aws running managed", res: patchVM(inventory.AWSInstance, inventory.VM{State: "running", Running: inventory.True, PatchManaged: inventory.True}), want: Pass},
		{name: "aws running unmanaged", res: patchVM(inventory.AWSInstance, inventory.VM{State: "running", Running: inventory.True, PatchManaged: inventory.False}), want: Fail},
		{name: "azure running unmanaged", res: patchVM(inventory.AzureVM, inventory.VM{Running: inventory.True, PatchManaged: inventory.False}), want: Fail},
		{name: "gcp running unmanaged", res: patchVM(inventory.GCPInstance, inventory.VM{Running: inventory.True, PatchManaged: inventory.False}), want: Fail},
		{name: "stopped instance is not unmanaged", res: patchVM(inventory.AWSInstance, inventory.VM{State: "stopped", Running: inventory.False, PatchManaged: inventory.False}), want: NotApplicable},
		{name: "terminated with unknown registration", res: patchVM(inventory.GCPInstance, inventory.VM{State: "TERMINATED", Running: inventory.False}), want: NotApplicable},
		{name: "power state unknown", res: patchVM(inventory.AWSInstance, inventory.VM{PatchManaged: inventory.False}), want: Error},
		{name: "registration unknown", res: patchVM(inventory.AzureVM, inventory.VM{Running: inventory.True}), want: Error},
		{name: "vm facet missing", res: inventory.Resource{Type: inventory.AWSInstance, ID: "i-1"}, want: Error},
	}
})

func TestPatchingVMUnmanagedMessages(t *testing.T) {
	cases := map[string]string{
		inventory.AWSInstance: "running VM does not report to AWS Systems Manager",
		inventory.AzureVM:     "running VM does not report to Azure Update Manager",
		inventory.GCPInstance: "running VM does not report to VM Manager (OS Config)",
	}
	for typ, want := range cases {
		t.Run(typ, func(t *testing.T) {
			got := VMUnmanaged.Check(Env{Settings: DefaultSettings, Now: testNow}, patchVM(typ, inventory.VM{Running: inventory.True, PatchManaged: inventory.False}))
			if got.Message != want {
				t.Errorf("Check() message = %q, want %q", got.Message, want)
			}
		})
	}
}
