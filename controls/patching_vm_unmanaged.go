package controls

import (
	"fmt"

	"github.com/ownaudit/ownaudit/inventory"
)

// VMUnmanaged fails when a running VM reports to no patch service.
var VMUnmanaged = register(&Control{
	ID:            "patching.vm_unmanaged",
	Title:         "Running VM reports to no patch service",
	Domain:        inventory.Patching,
	Severity:      High,
	ResourceTypes: []string{inventory.AWSInstance, inventory.AzureVM, inventory.GCPInstance},
	Rationale: "A VM the provider's patch service cannot see is patched by hand or not at all, nobody can show its patch level, " +
		"and the other patching controls have nothing to judge it by.",
	Remediation: "AWS: run the SSM Agent, give the instance a profile with AmazonSSMManagedInstanceCore (or turn on Default Host Management Configuration) " +
		"and let it reach the Systems Manager endpoints, until it shows as an online managed node. " +
		"Azure: turn on periodic assessment in Azure Update Manager for the VM (assessmentMode AutomaticByPlatform), or assign the built-in policy that does so, with the VM agent running. " +
		"GCP: enable VM Manager (OS Config API) for the project, set the metadata enable-osconfig=TRUE and make sure the OS Config agent runs, so the instance reports an inventory.",
	Check: checkVMUnmanaged,
})

// patchService names the patch service of a resource type's cloud, for
// messages.
func patchService(resourceType string) string {
	switch inventory.Types[resourceType].Cloud {
	case inventory.AWS:
		return "AWS Systems Manager"
	case inventory.Azure:
		return "Azure Update Manager"
	case inventory.GCP:
		return "VM Manager (OS Config)"
	}
	return "the patch service"
}

// checkVMUnmanaged judges running VMs only: a stopped VM cannot check in
// with any patch service, so its silence says nothing about whether it is
// managed, and it cannot be attacked over the network while stopped.
func checkVMUnmanaged(_ Env, r inventory.Resource) Result {
	if r.VM == nil {
		return unknown("vm")
	}
	running, ok := r.VM.Running.Get()
	switch {
	case !ok:
		return unknown("VM power state")
	case !running:
		return Result{Status: NotApplicable, Message: "stopped instances are not unmanaged"}
	}
	managed, ok := r.VM.PatchManaged.Get()
	service := patchService(r.Type)
	evidence := map[string]any{"running": true, "patchService": service}
	if r.VM.State != "" {
		evidence["state"] = r.VM.State
	}
	switch {
	case !ok:
		return unknown("patch service registration")
	case !managed:
		evidence["patchManaged"] = false
		return Result{Status: Fail, Message: fmt.Sprintf("running VM does not report to %s", service), Evidence: evidence}
	default:
		evidence["patchManaged"] = true
		return Result{Status: Pass, Message: fmt.Sprintf("VM reports to %s", service), Evidence: evidence}
	}
}
