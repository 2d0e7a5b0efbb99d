package controls

import (
	"fmt"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// PatchAssessmentStale fails when a running VM's last patch assessment is
// older than the declaration's patchAssessmentMaxAgeDays, or never
// happened.
var PatchAssessmentStale = register(&Control{
	ID:            "patching.assessment_stale",
	Title:         "VM patch assessment is stale",
	Domain:        inventory.Patching,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSInstance, inventory.AzureVM, inventory.GCPInstance},
	Rationale: "Patch counts are only as good as the last scan: an assessment weeks old misses every fix published since, " +
		"so a VM can look compliant while missing them. A stale assessment usually means a broken agent or a lost schedule.",
	Remediation: "Make the patch service assess the VM on a schedule shorter than patchAssessmentMaxAgeDays, and fix what stops it. " +
		"AWS: associate AWS-RunPatchBaseline with Operation=Scan on a daily State Manager schedule (or a patch policy), and check the SSM Agent is online. " +
		"Azure: set the VM's assessmentMode to AutomaticByPlatform so Update Manager assesses it every 24 hours, and check the VM agent. " +
		"GCP: check the OS Config agent is running and reporting (the inventory refreshes about every 10 minutes while it runs) and that VM Manager is enabled.",
	Check: checkPatchAssessmentStale,
})

// checkPatchAssessmentStale measures the assessment's age against env.Now,
// the inventory's collection time, so a saved snapshot judges the same way
// later. VMs that report to no patch service have no assessment to be stale
// (patching.vm_unmanaged reports them), and stopped VMs cannot be assessed
// until they start, so both are not applicable.
func checkPatchAssessmentStale(env Env, r inventory.Resource) Result {
	vm := r.VM
	if vm == nil {
		return unknown("vm")
	}
	if managed, ok := vm.PatchManaged.Get(); ok && !managed {
		return Result{Status: NotApplicable, Message: "the VM reports to no patch service; see patching.vm_unmanaged"}
	}
	running, ok := vm.Running.Get()
	switch {
	case !ok:
		return unknown("VM power state")
	case !running:
		return Result{Status: NotApplicable, Message: "stopped VMs cannot be assessed"}
	}
	if env.Now.IsZero() {
		return unknown("scan time")
	}
	last, ok := vm.LastAssessed.Get()
	if !ok {
		return unknown("last patch assessment time")
	}
	maxDays := env.Settings.WithDefaults().PatchAssessmentMaxAgeDays
	service := patchService(r.Type)
	evidence := map[string]any{"maxAgeDays": maxDays}
	if last.IsZero() {
		evidence["lastAssessed"] = nil
		return Result{Status: Fail, Message: fmt.Sprintf("%s has never assessed the VM", service), Evidence: evidence}
	}
	age := env.Now.Sub(last)
	days := int(age / (24 * time.Hour))
	evidence["lastAssessed"] = last.UTC().Format(time.RFC3339)
	evidence["ageDays"] = days
	if age > time.Duration(maxDays)*24*time.Hour {
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf(
			"%s last assessed the VM %d days ago (%s), more than the %d days allowed",
			service, days, last.UTC().Format(time.DateOnly), maxDays)}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf(
		"%s assessed the VM %d days ago (%s), within %d days", service, days, last.UTC().Format(time.DateOnly), maxDays)}
}
