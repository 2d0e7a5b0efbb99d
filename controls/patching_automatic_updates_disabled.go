package controls

import (
	"fmt"

	"github.com/ownaudit/ownaudit/inventory"
)

// AutomaticUpdatesDisabled fails when nothing installs a VM's updates on
// its own: an Azure VM in manual patch mode, or a GCP instance no patch
// deployment covers.
var AutomaticUpdatesDisabled = register(&Control{
	ID:            "patching.automatic_updates_disabled",
	Title:         "VM updates are not installed automatically",
	Domain:        inventory.Patching,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AzureVM, inventory.GCPInstance},
	Rationale: "Without an automatic patch mode or a scheduled deployment, every update waits for someone to remember it; " +
		"the gap between a fix's release and its installation is the window attackers use.",
	Remediation: "Azure: set the VM's patch mode to AutomaticByPlatform (osProfile windowsConfiguration or linuxConfiguration patchSettings.patchMode) " +
		"and attach it to an Azure Update Manager maintenance configuration, or use AutomaticByOS on Windows. " +
		"GCP: create a recurring OS Config patch deployment whose instance filter covers the instance (by zone, label or name).",
	// The patch mode is configuration, not state: it is judged on stopped
	// VMs too, because it is what applies the moment they start.
	Check: func(_ Env, r inventory.Resource) Result {
		if r.VM == nil {
			return unknown("vm")
		}
		auto, ok := r.VM.AutomaticUpdates.Get()
		how := "no automatic patch mode"
		if r.Type == inventory.GCPInstance {
			how = "no patch deployment covers it"
		}
		switch {
		case !ok:
			return unknown("automatic update setting")
		case !auto:
			return Result{Status: Fail, Message: fmt.Sprintf("updates are not installed automatically: %s", how),
				Evidence: map[string]any{"automaticUpdates": false}}
		default:
			return Result{Status: Pass, Message: "updates are installed automatically",
				Evidence: map[string]any{"automaticUpdates": true}}
		}
	},
})
