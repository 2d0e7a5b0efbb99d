package azure

import (
	"context"
	"path"
	"sort"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

const (
	opRoleAssignments = "Microsoft.Authorization/roleAssignments/read"
	opRoleDefinitions = "Microsoft.Authorization/roleDefinitions/read"
	// customRoles is the filter that lists the custom role definitions.
	customRoles = "type eq 'CustomRole'"
)

// scanIAM reads, per subscription, from Resource Manager: every role
// assignment that applies to it, and the custom role definitions
// assignable in it. Resource Graph's authorizationresources table holds
// assignments per scope only, not the ones a subscription inherits from
// its management groups, and an Owner inherited from above is an owner
// all the same.
//
// The subscription becomes one resource whose bindings are the
// assignments made at its scope or above (who holds Owner of it), one
// binding per role and condition; each custom role becomes a resource
// whose statements are its permissions, assigned when any assignment in
// the subscription, at any scope, uses it.
func scanIAM(ctx context.Context, e *env, t scanners.Target, out *scanners.Sink) error {
	_, err := e.eachSubscription(ctx, t, out, inventory.IAM, func(s *subscription) {
		cc := s.cloud
		assignments, aerr := armauthorization.NewRoleAssignmentsClient(s.ID, cc.cred, cc.arm)
		definitions, derr := armauthorization.NewRoleDefinitionsClient(cc.cred, cc.arm)
		if err := firstErr(aerr, derr); err != nil {
			out.Fail(scanError(s.ID, "", inventory.IAM, opRoleAssignments, []string{inventory.AzureSubscription}, err))
			return
		}
		scope := "/subscriptions/" + s.ID
		var list []*armauthorization.RoleAssignment
		var listErr error
		p := assignments.NewListForSubscriptionPager(nil)
		for p.More() {
			page, err := p.NextPage(ctx)
			if err != nil {
				list, listErr = nil, err
				break
			}
			list = append(list, page.Value...)
		}
		sub := inventory.Resource{Cloud: inventory.Azure, Target: s.ID, Type: inventory.AzureSubscription, ID: scope, Name: s.Name,
			Access: &inventory.AccessBindings{}}
		used := map[string]bool{}
		if listErr != nil {
			out.Fail(scanError(s.ID, "", inventory.IAM, opRoleAssignments,
				[]string{inventory.AzureSubscription, inventory.AzureRoleDefinition}, listErr))
		} else {
			sub.Access.Bindings = inventory.Known(bindings(scope, list))
			for _, a := range list {
				if a.Properties != nil && a.Properties.RoleDefinitionID != nil {
					used[strings.ToLower(path.Base(*a.Properties.RoleDefinitionID))] = true
				}
			}
		}
		out.Add(sub)

		filter := customRoles
		d := definitions.NewListPager(scope, &armauthorization.RoleDefinitionsClientListOptions{Filter: &filter})
		var roles []inventory.Resource
		for d.More() {
			page, err := d.NextPage(ctx)
			if err != nil {
				out.Fail(scanError(s.ID, "", inventory.IAM, opRoleDefinitions, []string{inventory.AzureRoleDefinition}, err))
				return
			}
			for _, rd := range page.Value {
				if rd == nil || rd.ID == nil || rd.Properties == nil {
					continue
				}
				roles = append(roles, roleResource(s.ID, rd, used, listErr == nil))
			}
		}
		out.Add(roles...)
	})
	return err
}

// bindings groups the assignments made at scope or above it (a
// management group, the root) by role and condition; members are
// "<principalType>:<objectId>", as Resource Manager names no principal.
func bindings(scope string, list []*armauthorization.RoleAssignment) []inventory.Binding {
	type key struct{ role, condition string }
	members := map[key][]string{}
	var order []key
	for _, a := range list {
		p := a.Properties
		if p == nil || p.RoleDefinitionID == nil || p.PrincipalID == nil || !atOrAbove(deref(p.Scope), scope) {
			continue
		}
		k := key{*p.RoleDefinitionID, deref(p.Condition)}
		if _, ok := members[k]; !ok {
			order = append(order, k)
		}
		kind := "principal"
		if p.PrincipalType != nil {
			kind = strings.ToLower(string(*p.PrincipalType))
		}
		members[k] = append(members[k], kind+":"+*p.PrincipalID)
	}
	sort.Slice(order, func(i, j int) bool {
		if order[i].role != order[j].role {
			return order[i].role < order[j].role
		}
		return order[i].condition < order[j].condition
	})
	out := make([]inventory.Binding, 0, len(order))
	for _, k := range order {
		m := members[k]
		sort.Strings(m)
		out = append(out, inventory.Binding{Role: k.role, Members: m, Condition: k.condition})
	}
	return out
}

// atOrAbove reports whether an assignment's scope is the subscription's
// scope or one that contains it (a management group, "/").
func atOrAbove(assigned, scope string) bool {
	a := strings.ToLower(strings.TrimSuffix(assigned, "/"))
	s := strings.ToLower(scope)
	return a == s || a == "" || strings.HasPrefix(a, "/providers/microsoft.management/managementgroups/") ||
		strings.HasPrefix(s, a+"/")
}

// roleResource is a custom role definition: its permissions as
// statements (a role's permissions have no effect; they allow), assigned
// when an assignment of the subscription names it.
func roleResource(sub string, rd *armauthorization.RoleDefinition, used map[string]bool, usedKnown bool) inventory.Resource {
	res := inventory.Resource{Cloud: inventory.Azure, Target: sub, Type: inventory.AzureRoleDefinition, ID: *rd.ID,
		Name: deref(rd.Properties.RoleName), Policy: &inventory.Policy{}}
	var scopes []string
	for _, s := range rd.Properties.AssignableScopes {
		scopes = append(scopes, deref(s))
	}
	stmts := []inventory.Statement{}
	for _, p := range rd.Properties.Permissions {
		if p == nil {
			continue
		}
		stmts = append(stmts, inventory.Statement{Actions: strs(p.Actions), NotActions: strs(p.NotActions), Resources: scopes})
	}
	res.Policy.Statements = inventory.Known(stmts)
	if usedKnown {
		res.Policy.Attached = inventory.Known(used[strings.ToLower(path.Base(*rd.ID))])
	}
	return res
}

func strs(ps []*string) []string {
	var out []string
	for _, p := range ps {
		if p != nil {
			out = append(out, *p)
		}
	}
	return out
}
