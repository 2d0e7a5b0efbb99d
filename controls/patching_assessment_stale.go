package controls

import (
	"fmt"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// PatchAssessmentStale fails when a VM's last patch assessment is older
// than the declaration's patchAssessmentMaxAgeDays, or never happened,
// whether the VM runs or not.
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
	Notes: "Judges the age of the last assessment against patchAssessmentMaxAgeDays (7) at the scan's collection time, for every VM " +
		"the patch service has assessed or registered, running or not: a VM that is stopped, or whose agent is not online, keeps its " +
		"last assessment and is judged on it (the message says why the assessment is not newer). A managed node never assessed fails " +
		"with \"has never assessed the VM\". VMs that report to no patch service and have no assessment are left to patching.vm_unmanaged.",
	Check: checkPatchAssessmentStale,
})

// checkPatchAssessmentStale measures the assessment's age against env.Now,
// the inventory's collection time, so a saved snapshot judges the same way
// later. A VM that is stopped, or whose agent is not online, is judged on
// its last assessment like any other: its patch debt survives the stop,
// and an old assessment is exactly what this control reports. VMs that
// report to no patch service and have no assessment (patching.vm_unmanaged
// reports them) are not applicable.
func checkPatchAssessmentStale(env Env, r inventory.Resource) Result {
	vm := r.VM
	if vm == nil {
		return unknown("vm")
	}
	last, ok := vm.LastAssessed.Get()
	if !ok {
		if managed, known := vm.PatchManaged.Get(); known && !managed {
			return Result{Status: NotApplicable, Message: "the VM reports to no patch service; see patching.vm_unmanaged"}
		}
		return unknown("last patch assessment time")
	}
	if env.Now.IsZero() {
		return unknown("scan time")
	}
	maxDays := env.Settings.WithDefaults().PatchAssessmentMaxAgeDays
	service := patchService(r.Type)
	evidence := map[string]any{"maxAgeDays": maxDays}
	note := ""
	if why := patchOffline(vm); why != "" {
		note = "; " + why
		evidence["offline"] = why
	}
	if last.IsZero() {
		evidence["lastAssessed"] = nil
		return Result{Status: Fail, Message: fmt.Sprintf("%s has never assessed the VM%s", service, note), Evidence: evidence}
	}
	age := env.Now.Sub(last)
	days := int(age / (24 * time.Hour))
	evidence["lastAssessed"] = last.UTC().Format(time.RFC3339)
	evidence["ageDays"] = days
	if age > time.Duration(maxDays)*24*time.Hour {
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf(
			"%s last assessed the VM %d days ago (%s), more than the %d days allowed%s",
			service, days, last.UTC().Format(time.DateOnly), maxDays, note)}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf(
		"%s assessed the VM %d days ago (%s), within %d days%s", service, days, last.UTC().Format(time.DateOnly), maxDays, note)}
}
