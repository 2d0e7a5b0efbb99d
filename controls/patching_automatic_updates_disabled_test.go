package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(AutomaticUpdatesDisabled, func(t *testing.T) []checkCase {
	vm := func(typ string, auto inventory.Bool) inventory.Resource {
		return patchVM(typ, inventory.VM{Running: inventory.True, PatchManaged: inventory.True, AutomaticUpdates: auto})
	}
	return []checkCase{
		{name: "azure automatic by platform", res: vm(inventory.AzureVM, inventory.True), want: Pass},
		{name: "gcp covered by a patch deployment", res: vm(inventory.GCPInstance, inventory.True), want: Pass},
		{name: "azure manual patch mode", res: vm(inventory.AzureVM, inventory.False), want: Fail},
		{name: "gcp no patch deployment", res: vm(inventory.GCPInstance, inventory.False), want: Fail},
		{name: "stopped azure vm in manual mode", res: patchVM(inventory.AzureVM, inventory.VM{Running: inventory.False, AutomaticUpdates: inventory.False}), want: Fail},
		{name: "setting unknown", res: vm(inventory.AzureVM, inventory.Bool{}), want: Error},
		{name: "vm facet missing", res: inventory.Resource{Type: inventory.GCPInstance, ID: "vm-1"}, want: Error},
	}
})

func TestPatchingAutomaticUpdatesDisabledMessages(t *testing.T) {
	cases := map[string]string{
		inventory.AzureVM:     "updates are not installed automatically: no automatic patch mode",
		inventory.GCPInstance: "updates are not installed automatically: no patch deployment covers it",
	}
	for typ, want := range cases {
		t.Run(typ, func(t *testing.T) {
			got := AutomaticUpdatesDisabled.Check(Env{Settings: DefaultSettings, Now: testNow}, patchVM(typ, inventory.VM{AutomaticUpdates: inventory.False}))
			if got.Message != want {
				t.Errorf("Check() message = %q, want %q", got.Message, want)
			}
		})
	}
}
