package controls

import (
	"fmt"

	"github.com/ownaudit/ownaudit/inventory"
)

// ManagedAutoUpgradeDisabled fails when a managed service the provider
// patches has its automatic minor-version or node upgrades turned off.
var ManagedAutoUpgradeDisabled = register(&Control{
	ID:            "patching.managed_auto_upgrade_disabled",
	Title:         "Managed service has automatic upgrades off",
	Domain:        inventory.Patching,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSDBInstance, inventory.AzureAKSCluster, inventory.GCPNodePool},
	Rationale: "For managed databases and Kubernetes nodes the provider ships the patches, but only applies them when automatic " +
		"upgrades are on; with them off, patching silently becomes the customer's manual job, which the shared " +
		"responsibility split usually did not plan for.",
	Remediation: "AWS: turn on Auto minor version upgrade for the RDS instance (aws rds modify-db-instance --auto-minor-version-upgrade) and set a preferred maintenance window. " +
		"Azure: set the AKS cluster's auto-upgrade channel to patch, stable or rapid (az aks update --auto-upgrade-channel patch) and its node OS upgrade channel to NodeImage or SecurityPatch, with a planned maintenance window. " +
		"GCP: enable node auto-upgrade on the node pool (gcloud container node-pools update POOL --cluster CLUSTER --enable-autoupgrade), or enroll the cluster in a release channel.",
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "3.2.2"},
	},
	Check: checkManagedAutoUpgrade,
})

// managedUpgradeName says what the automatic upgrade is called on each
// managed service, for messages.
func managedUpgradeName(resourceType string) string {
	switch resourceType {
	case inventory.AWSDBInstance:
		return "automatic minor version upgrade"
	case inventory.AzureAKSCluster:
		return "cluster auto-upgrade"
	case inventory.GCPNodePool:
		return "node auto-upgrade"
	}
	return "automatic upgrade"
}

// checkManagedAutoUpgrade reads the normalized switch only; the scanners
// map each provider's setting onto it (AKS channel "none" is off).
func checkManagedAutoUpgrade(_ Env, r inventory.Resource) Result {
	u := r.Upgrade
	if u == nil {
		return unknown("upgrade settings")
	}
	auto, ok := u.AutoUpgrade.Get()
	if !ok {
		return unknown("automatic upgrade setting")
	}
	evidence := map[string]any{"autoUpgrade": auto}
	for k, v := range map[string]string{"engine": u.Engine, "version": u.Version, "channel": u.Channel} {
		if v != "" {
			evidence[k] = v
		}
	}
	name := managedUpgradeName(r.Type)
	if auto {
		return Result{Status: Pass, Message: name + " is on", Evidence: evidence}
	}
	msg := name + " is off"
	switch {
	case u.Channel != "":
		msg += fmt.Sprintf(" (upgrade channel %q)", u.Channel)
	case u.Engine != "" && u.Version != "":
		msg += fmt.Sprintf(" (%s %s)", u.Engine, u.Version)
	case u.Version != "":
		msg += fmt.Sprintf(" (version %s)", u.Version)
	}
	return Result{Status: Fail, Message: msg, Evidence: evidence}
}
