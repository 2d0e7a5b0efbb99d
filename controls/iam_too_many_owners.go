package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// TooManyOwners fails when more principals hold the owner role of a
// subscription or project than the declaration's maxOwners.
var TooManyOwners = register(&Control{
	ID:            "iam.too_many_owners",
	Title:         "Too many principals hold the owner role",
	Domain:        inventory.IAM,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AzureSubscription, inventory.GCPProject},
	Rationale: "An owner can do everything, including granting access to others and removing the evidence; every extra owner is one more " +
		"account whose compromise or mistake takes the whole subscription or project. A few named owners are enough for continuity.",
	Remediation: "Keep two or three owners and give everyone else a role for their job. " +
		"Azure: az role assignment delete --assignee PRINCIPAL --role Owner --scope /subscriptions/SUB; make the remaining owners eligible " +
		"through Privileged Identity Management rather than permanent. " +
		"GCP: gcloud projects remove-iam-policy-binding PROJECT --member MEMBER --role roles/owner, and grant owner to a group with few members " +
		"rather than to individuals.",
	References: []Reference{{Benchmark: "cis_5.0_azure", ID: "5.27"}},
	Check:      checkTooManyOwners,
})

// azureOwnerRoleID is the id of Azure's built-in Owner role definition; a
// scanner may name the role by it instead of by name.
const azureOwnerRoleID = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"

// iamOwnerRole reports whether a binding's role is the owner role of the
// resource type's cloud.
func iamOwnerRole(resourceType, role string) bool {
	if resourceType == inventory.GCPProject {
		return role == "roles/owner"
	}
	return strings.EqualFold(role, "Owner") || strings.HasSuffix(strings.ToLower(role), azureOwnerRoleID)
}

// checkTooManyOwners counts distinct members across every owner binding
// (GCP may split them over conditional bindings, Azure over scopes).
// Conditional grants count: the member is an owner whenever the condition
// holds. Members are compared without case, as the providers do for emails.
func checkTooManyOwners(env Env, r inventory.Resource) Result {
	if r.Access == nil {
		return unknown("role assignments")
	}
	bs, ok := r.Access.Bindings.Get()
	if !ok {
		return unknown("role assignments")
	}
	maxOwners := env.Settings.WithDefaults().MaxOwners
	seen := map[string]bool{}
	var owners []string
	for _, b := range bs {
		if !iamOwnerRole(r.Type, b.Role) {
			continue
		}
		for _, m := range b.Members {
			if key := strings.ToLower(m); !seen[key] {
				seen[key] = true
				owners = append(owners, m)
			}
		}
	}
	what := "subscription"
	if r.Type == inventory.GCPProject {
		what = "project"
	}
	evidence := map[string]any{"owners": owners, "ownerCount": len(owners), "maxOwners": maxOwners}
	if len(owners) > maxOwners {
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("the %s has %d owners, more than the %d allowed: %s",
			what, len(owners), maxOwners, strings.Join(owners, ", "))}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("the %s has %d %s, within the %d allowed", what, len(owners), credPlural(len(owners), "owner"), maxOwners)}
}
