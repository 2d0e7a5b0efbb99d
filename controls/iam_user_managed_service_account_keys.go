package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// UserManagedServiceAccountKeys fails when a GCP service account has a
// key that the customer created and holds.
var UserManagedServiceAccountKeys = register(&Control{
	ID:            "iam.user_managed_service_account_keys",
	Title:         "Service account has user-managed keys",
	Domain:        inventory.IAM,
	Severity:      Medium,
	ResourceTypes: []string{inventory.GCPServiceAccount},
	Rationale: "A user-managed key is a downloadable credential that never expires by default and works from anywhere; Google cannot see where " +
		"copies went. Google-managed keys never leave Google and are rotated by it.",
	Remediation: "Replace the key with a keyless alternative: attach the service account to the workload (VM, Cloud Run, GKE workload identity), " +
		"or use workload identity federation from outside Google Cloud, or short-lived tokens through service account impersonation. Then " +
		"delete the key: gcloud iam service-accounts keys delete KEY_ID --iam-account SA. The organization policy " +
		"iam.disableServiceAccountKeyCreation stops new ones.",
	References: []Reference{{Benchmark: "cis_5.0_gcp", ID: "1.5"}},
	Check:      checkUserManagedSAKeys,
})

// checkUserManagedSAKeys counts disabled user-managed keys too: they exist
// and can be enabled again.
func checkUserManagedSAKeys(_ Env, r inventory.Resource) Result {
	if r.Identity == nil {
		return unknown("identity")
	}
	keys, ok := r.Identity.Keys.Get()
	if !ok {
		return unknown("service account keys")
	}
	var userManaged, unread []string
	for _, k := range keys {
		um, ok := k.UserManaged.Get()
		switch {
		case !ok:
			unread = append(unread, k.ID)
		case um:
			userManaged = append(userManaged, k.ID)
		}
	}
	evidence := map[string]any{"userManagedKeys": userManaged, "keys": len(keys)}
	if len(unread) > 0 {
		evidence["unreadKeys"] = unread
	}
	switch {
	case len(userManaged) > 0:
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("the service account has %d %s: %s",
			len(userManaged), credPlural(len(userManaged), "user-managed key"), strings.Join(userManaged, ", "))}
	case len(unread) > 0:
		return Result{Status: Error, Evidence: evidence, Message: "could not read whether these keys are user-managed: " + strings.Join(unread, ", ")}
	}
	return Result{Status: Pass, Evidence: evidence, Message: "the service account has only Google-managed keys"}
}
