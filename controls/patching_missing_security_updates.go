package controls

import (
	"fmt"
	"strings"

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
	Check: checkMissingSecurityUpdates,
})

// checkMissingSecurityUpdates judges the patch service's last word on the
// VM. How it treats VMs the other patching controls cover:
//   - a VM known not to report to a patch service has no patch data; that
//     gap is patching.vm_unmanaged's finding, so it is not applicable here
//     rather than an error on every unmanaged VM;
//   - a stopped VM is judged when its last assessment shows missing patches
//     (nothing can install them while it is off, so the hole is still
//     there when it starts), but a clean old assessment of a stopped VM
//     vouches for nothing, so it is not applicable rather than a pass;
//   - a running VM with patch data passes or fails on it; how old that data
//     is, is patching.assessment_stale's finding.
func checkMissingSecurityUpdates(_ Env, r inventory.Resource) Result {
	vm := r.VM
	if vm == nil {
		return unknown("vm")
	}
	if managed, ok := vm.PatchManaged.Get(); ok && !managed {
		return Result{Status: NotApplicable, Message: "the VM reports to no patch service; see patching.vm_unmanaged"}
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
	if failed, ok := vm.Failed.Get(); ok && failed > 0 {
		evidence["failed"] = failed
	}

	var problems []string
	if missingKnown && missing > 0 {
		problems = append(problems, fmt.Sprintf("%d security or critical %s missing", missing, patchPlural(missing, "patch", "patches")))
	}
	if complianceKnown && compliance == patchNonCompliant {
		problems = append(problems, "patch compliance is "+patchNonCompliant)
	}
	if len(problems) > 0 {
		return Result{Status: Fail, Message: strings.Join(problems, "; "), Evidence: evidence}
	}

	running, ok := vm.Running.Get()
	switch {
	case !ok:
		return unknown("VM power state")
	case !running:
		return Result{Status: NotApplicable, Message: "stopped VM with no known missing patches"}
	case !missingKnown && !complianceKnown:
		return unknown("missing security patch count")
	}
	return Result{Status: Pass, Message: "no security or critical patches missing", Evidence: evidence}
}

// patchPlural picks the word form for n.
func patchPlural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
