package controls

import (
	"fmt"
	"strings"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// Patch compliance verdicts as the patch services report them.
const (
	patchCompliant    = "COMPLIANT"
	patchNonCompliant = "NON_COMPLIANT"
)

// MissingSecurityUpdates fails when a VM misses security or critical
// patches, or its patch service calls it non-compliant.
var MissingSecurityUpdates = register(&Control{
	ID:            "patching.missing_security_updates",
	Title:         "VM is missing security updates",
	Domain:        inventory.Patching,
	Severity:      High,
	ResourceTypes: []string{inventory.AWSInstance, inventory.AzureVM, inventory.GCPInstance},
	Rationale: "Published security fixes are what attackers build exploits from; a VM that misses them is open to attacks " +
		"that are known, documented and often automated.",
	Remediation: "Install the missing security and critical updates and reboot where they need it, then make patching routine. " +
		"AWS: run AWS-RunPatchBaseline with Operation=Install (or a Patch Manager patch policy) against the instance. " +
		"Azure: start a one-time update from Azure Update Manager with the Critical and Security classifications, and attach the VM to a maintenance configuration. " +
		"GCP: run an OS Config patch job for the instance and add it to a recurring patch deployment.",
	References: []Reference{
		{Benchmark: "cis_5.0_azure", ID: "8.1.10"},
		{Benchmark: "cis_5.0_gcp", ID: "4.12"},
	},
	Notes: "Fails on missing security or critical patches, or a NON_COMPLIANT patch state, from the patch service's last assessment. " +
		"A VM that is stopped, or whose agent is not online, keeps the result of its last assessment: missing patches still fail, and " +
		"the message gives the assessment time and why it is not newer (patching.assessment_stale judges its age). A managed node that " +
		"was never assessed is an error that says \"has never assessed the VM\", not a read failure. VMs that report to no patch service " +
		"and have no patch data are left to patching.vm_unmanaged.",
	Check: checkMissingSecurityUpdates,
})

// checkMissingSecurityUpdates judges the patch service's last word on the
// VM. How it treats VMs the other patching controls cover:
//   - a VM known not to report to a patch service, with no patch data at
//     all, is patching.vm_unmanaged's finding, so it is not applicable
//     here rather than an error on every unmanaged VM;
//   - a VM that is stopped, or whose agent is not online, keeps the result
//     of its last assessment: nothing installs patches while it is off or
//     unreachable, so missing ones are still missing when it comes back.
//     The message gives the assessment time, and how old that is, is
//     patching.assessment_stale's finding;
//   - a managed node the patch service never assessed has no patch data:
//     that is said as such (an error, since nothing can be judged), not as
//     a read failure.
func checkMissingSecurityUpdates(_ Env, r inventory.Resource) Result {
	vm := r.VM
	if vm == nil {
		return unknown("vm")
	}
	evidence := map[string]any{}
	missing, missingKnown := vm.MissingSecurity.Get()
	if missingKnown {
		evidence["missingSecurity"] = missing
	}
	compliance, complianceKnown := vm.Compliance.Get()
	compliance = strings.ToUpper(strings.TrimSpace(compliance))
	complianceKnown = complianceKnown && (compliance == patchCompliant || compliance == patchNonCompliant)
	if complianceKnown {
		evidence["compliance"] = compliance
	}
	last, lastKnown := vm.LastAssessed.Get()
	if managed, ok := vm.PatchManaged.Get(); ok && !managed && !missingKnown && !complianceKnown && !lastKnown {
		return Result{Status: NotApplicable, Message: "the VM reports to no patch service; see patching.vm_unmanaged"}
	}
	if failed, ok := vm.Failed.Get(); ok && failed > 0 {
		evidence["failed"] = failed
	}
	asOf := patchAsOf(vm, evidence)

	var problems []string
	if missingKnown && missing > 0 {
		problems = append(problems, fmt.Sprintf("%d security or critical %s missing", missing, patchPlural(missing, "patch", "patches")))
	}
	if complianceKnown && compliance == patchNonCompliant {
		problems = append(problems, "patch compliance is "+patchNonCompliant)
	}
	if len(problems) > 0 {
		return Result{Status: Fail, Message: strings.Join(problems, "; ") + asOf, Evidence: evidence}
	}
	if !missingKnown && !complianceKnown {
		if lastKnown && last.IsZero() {
			return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf(
				"%s has never assessed the VM, so which patches it misses is unknown (patching.assessment_stale reports the missing assessment)", patchService(r.Type))}
		}
		return unknown("missing security patch count")
	}
	return Result{Status: Pass, Message: "no security or critical patches missing" + asOf, Evidence: evidence}
}

// patchAsOf says when the verdict's patch data is from and, for a VM the
// patch service cannot reach now, why it is not newer: " (assessed
// 2026-10-30 08:00 UTC; the VM is stopped)". It records the same in
// evidence.
func patchAsOf(vm *inventory.VM, evidence map[string]any) string {
	var parts []string
	if last, ok := vm.LastAssessed.Get(); ok && !last.IsZero() {
		evidence["lastAssessed"] = last.UTC().Format(time.RFC3339)
		parts = append(parts, "assessed "+last.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if why := patchOffline(vm); why != "" {
		parts = append(parts, why)
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, "; ") + ")"
}

// patchOffline says why the patch service cannot assess the VM now: it is
// stopped, or its agent is not online. Empty for a running, reachable VM.
func patchOffline(vm *inventory.VM) string {
	if running, ok := vm.Running.Get(); ok && !running {
		state := vm.State
		if state == "" {
			state = "stopped"
		}
		return "the VM is " + state
	}
	if managed, ok := vm.PatchManaged.Get(); ok && !managed {
		return "its patch agent is not online"
	}
	return ""
}

// patchPlural picks the word form for n.
func patchPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
