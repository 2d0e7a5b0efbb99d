package azure

import (
	"reflect"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

func TestIAMReadsOwnersAndCustomRoles(t *testing.T) {
	const owner = "/subscriptions/" + subA + "/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	const custom = "/subscriptions/" + subA + "/providers/Microsoft.Authorization/roleDefinitions/5a1c9e2b-0000-4000-8000-00000000beef"
	const unused = "/subscriptions/" + subA + "/providers/Microsoft.Authorization/roleDefinitions/5a1c9e2b-0000-4000-8000-00000000cafe"
	assign := func(principal, kind, role, scope string) *armauthorization.RoleAssignment {
		return &armauthorization.RoleAssignment{Properties: &armauthorization.RoleAssignmentProperties{PrincipalID: to.Ptr(principal),
			PrincipalType: to.Ptr(armauthorization.PrincipalType(kind)), RoleDefinitionID: to.Ptr(role), Scope: to.Ptr(scope)}}
	}
	sub := "/subscriptions/" + subA
	f := &fakeAzure{pageSize: 2, rows: []map[string]any{nsgRow(t, subA, "x")},
		assignments: map[string][]*armauthorization.RoleAssignment{subA: {
			assign("u1", "User", owner, sub),
			assign("u2", "User", owner, sub),
			assign("g1", "Group", owner, "/providers/Microsoft.Management/managementGroups/acme"),
			assign("u3", "User", owner, "/"),
			// An owner of one resource group is not an owner of the
			// subscription; it does make the custom role assigned.
			assign("u4", "User", owner, sub+"/resourceGroups/rg"),
			assign("sp1", "ServicePrincipal", custom, sub+"/resourceGroups/rg"),
		}},
		roles: map[string][]*armauthorization.RoleDefinition{subA: {
			{ID: to.Ptr(custom), Properties: &armauthorization.RoleDefinitionProperties{RoleName: to.Ptr("Operator"),
				AssignableScopes: []*string{to.Ptr(sub)}, Permissions: []*armauthorization.Permission{{Actions: []*string{to.Ptr("*")}}}}},
			{ID: to.Ptr(unused), Properties: &armauthorization.RoleDefinitionProperties{RoleName: to.Ptr("Restarter"),
				Permissions: []*armauthorization.Permission{{Actions: []*string{to.Ptr("Microsoft.Compute/virtualMachines/restart/action")}}}}},
		}},
	}
	inv, counts := f.scan(t, inventory.IAM, scanners.Target{ID: subA}, 10)
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	res := byID(inv)
	bindings, _ := res[sub].Access.Bindings.Get()
	want := []inventory.Binding{{Role: owner, Members: []string{"group:g1", "user:u1", "user:u2", "user:u3"}}}
	if !reflect.DeepEqual(bindings, want) {
		t.Errorf("subscription bindings = %+v, want %+v", bindings, want)
	}
	if got := controls.TooManyOwners.Check(controls.Env{}, res[sub]); got.Status != controls.Fail {
		t.Errorf("too_many_owners = %s, want fail for 4 owners at or above the subscription", got.Status)
	}
	if got := controls.AdminPrivileges.Check(controls.Env{}, res[custom]); got.Status != controls.Fail || got.Evidence["assigned"] != true {
		t.Errorf("admin_privileges on the * role = %s %v, want fail and assigned", got.Status, got.Evidence)
	}
	if got := controls.AdminPrivileges.Check(controls.Env{}, res[unused]); got.Status != controls.Pass || got.Evidence["assigned"] != false {
		t.Errorf("admin_privileges on the restart role = %s %v, want pass and unassigned", got.Status, got.Evidence)
	}
	// Six assignments two a page, two roles on one page.
	if n := requests(counts, "Microsoft.Authorization", "roleAssignments/read", "OK"); n != 3 {
		t.Errorf("counted %d role assignment pages, want 3", n)
	}
	if n := requests(counts, "Microsoft.Authorization", "roleDefinitions/read", "OK"); n != 1 {
		t.Errorf("counted %d role definition pages, want 1", n)
	}
}

func TestDeniedSubscriptionIsOneErrorPerDomain(t *testing.T) {
	f := &fakeAzure{pageSize: 5, denied: map[string]bool{subB: true}, groups: map[string][]string{"acme": {subA, subB}},
		rows: []map[string]any{nsgRow(t, subA, "a"), nsgRow(t, subB, "b")}}
	for _, d := range inventory.Domains {
		inv, _ := f.scan(t, d, scanners.Target{Group: groupManagementGroup + "acme"}, 10)
		var denied int
		for _, e := range inv.Errors {
			if e.Target == subB {
				denied++
				if e.Permission != readSubscription {
					t.Errorf("%s: error %+v, want the missing permission %s", d, e, readSubscription)
				}
			} else if d != inventory.IAM && d != inventory.Encryption {
				t.Errorf("%s: error for another subscription: %+v", d, e)
			}
		}
		if denied != 1 {
			t.Errorf("%s: %d error entries for the denied subscription, want 1", d, denied)
		}
		if d == inventory.Firewall && len(inv.Resources) != 1 {
			t.Errorf("firewall read %d NSGs, want the readable subscription's one", len(inv.Resources))
		}
	}
}
