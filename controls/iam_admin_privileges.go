package controls

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// AdminPrivileges fails when a policy, custom role or service account
// binding grants full administrative access.
var AdminPrivileges = register(&Control{
	ID:            "iam.admin_privileges",
	Title:         "Principal holds full administrator privileges",
	Domain:        inventory.IAM,
	Severity:      High,
	ResourceTypes: []string{inventory.AWSPolicy, inventory.AzureRoleDefinition, inventory.GCPProject},
	Rationale: "Full administrator access turns any mistake or stolen credential of the holder into control of the whole account, " +
		"including deleting the logs that would show it; least privilege keeps the blast radius to what the job needs.",
	Remediation: "Replace the grant with one scoped to the work actually done (IAM Access Analyzer, Azure access reviews and the GCP IAM " +
		"recommender show what is used). " +
		"AWS: detach the policy from its users, groups and roles (aws iam list-entities-for-policy, then detach-*-policy) and attach " +
		"narrower ones; keep administrator access to a few break-glass roles. " +
		"Azure: remove \"*\" from the custom role's actions (az role definition update) and list the resource provider operations it needs; " +
		"use the built-in Owner or Contributor roles, time-bound through Privileged Identity Management, where full access is really needed. " +
		"GCP: remove roles/owner, roles/editor and *Admin roles from service accounts (gcloud projects remove-iam-policy-binding PROJECT " +
		"--member serviceAccount:SA --role ROLE) and grant predefined roles for the services the workload calls.",
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "2.14"},
		{Benchmark: "cis_5.0_azure", ID: "5.23"},
		{Benchmark: "cis_5.0_gcp", ID: "1.6"},
	},
	Check: checkAdminPrivileges,
})

func checkAdminPrivileges(_ Env, r inventory.Resource) Result {
	switch r.Type {
	case inventory.AWSPolicy:
		return checkAWSAdminPolicy(r.Policy)
	case inventory.AzureRoleDefinition:
		return checkAzureAdminRole(r.Policy)
	case inventory.GCPProject:
		if r.Access == nil {
			return unknown("project IAM policy")
		}
		return checkGCPAdminServiceAccounts(r.Access.Bindings)
	}
	return Result{Status: NotApplicable, Message: fmt.Sprintf("%s is not a type this control checks", r.Type)}
}

// checkAWSAdminPolicy fails an attached policy with an Allow of every
// action on every resource, as CIS 2.14 reads it. An unattached policy
// grants nothing, so it is not applicable, whatever it says.
func checkAWSAdminPolicy(p *inventory.Policy) Result {
	if p == nil {
		return unknown("policy")
	}
	attached, ok := p.Attached.Get()
	switch {
	case !ok:
		return unknown("policy attachments")
	case !attached:
		return Result{Status: NotApplicable, Message: "the policy is not attached to any user, group or role"}
	}
	stmts, ok := p.Statements.Get()
	if !ok {
		return unknown("policy document")
	}
	var admin, unmodeled []int
	for i, st := range stmts {
		if !strings.EqualFold(st.Effect, inventory.Allow) || !(slices.Contains(st.Actions, "*") || slices.Contains(st.Actions, "*:*")) {
			continue
		}
		switch {
		case slices.Contains(st.Resources, "*"):
			admin = append(admin, i)
		case len(st.NotResources) > 0:
			// Every action on everything but a few resources is nearly
			// full admin; how near, the evaluator does not model.
			unmodeled = append(unmodeled, i)
		}
	}
	evidence := map[string]any{"attached": true, "adminStatements": admin, "statements": len(stmts)}
	if len(admin) > 0 {
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf(
			"the attached policy's %s every action (\"*\") on every resource (\"*\")", polStatementsVerb(admin, "allows", "allow"))}
	}
	if len(unmodeled) > 0 {
		evidence["unmodeledStatements"] = unmodeled
		return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf(
			"the attached policy's %s every action (\"*\") on every resource outside a NotResource list, which the evaluator does not model, so whether it grants full administrator access is unknown",
			polStatementsVerb(unmodeled, "allows", "allow"))}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("no statement of the attached policy allows \"*\" on \"*\" (%d statements)", len(stmts))}
}

// checkAzureAdminRole fails a custom role whose actions include "*". CIS
// 5.23 asks that such roles do not exist at all, so whether the role is
// assigned does not matter. Role permissions carry no effect; an empty one
// means allow.
func checkAzureAdminRole(p *inventory.Policy) Result {
	if p == nil {
		return unknown("role definition")
	}
	stmts, ok := p.Statements.Get()
	if !ok {
		return unknown("role permissions")
	}
	var admin []int
	for i, st := range stmts {
		if (st.Effect == "" || strings.EqualFold(st.Effect, inventory.Allow)) && slices.Contains(st.Actions, "*") {
			admin = append(admin, i)
		}
	}
	evidence := map[string]any{"adminStatements": admin, "statements": len(stmts)}
	if a, ok := p.Attached.Get(); ok {
		evidence["assigned"] = a
	}
	if len(admin) > 0 {
		msg := fmt.Sprintf("%s of the custom role's permissions %s every action (\"*\")", polStatementList(admin), polVerb(len(admin), "grants", "grant"))
		if a, ok := p.Attached.Get(); ok && a {
			msg += ", and the role is assigned"
		}
		return Result{Status: Fail, Evidence: evidence, Message: msg}
	}
	return Result{Status: Pass, Evidence: evidence, Message: "the custom role's actions do not include \"*\""}
}

// checkGCPAdminServiceAccounts fails a project whose bindings give a
// service account roles/owner, roles/editor or an administrator role.
// Google's own service agents are left out: Google grants them these roles
// and removing the grant breaks the service.
func checkGCPAdminServiceAccounts(bindings inventory.Opt[[]inventory.Binding]) Result {
	bs, ok := bindings.Get()
	if !ok {
		return unknown("project IAM bindings")
	}
	var grants []map[string]any
	var text, agents []string
	for _, b := range bs {
		if !gcpAdminRole(b.Role) {
			continue
		}
		for _, m := range b.Members {
			email, isSA := strings.CutPrefix(m, "serviceAccount:")
			if !isSA {
				continue
			}
			if gcpServiceAgent(email) {
				agents = append(agents, m)
				continue
			}
			grants = append(grants, map[string]any{"member": m, "role": b.Role})
			text = append(text, fmt.Sprintf("%s has %s", m, b.Role))
		}
	}
	evidence := map[string]any{"adminGrants": grants}
	if len(agents) > 0 {
		evidence["serviceAgentsSkipped"] = agents
	}
	if len(grants) > 0 {
		return Result{Status: Fail, Evidence: evidence, Message: "service accounts hold administrator roles: " + strings.Join(text, "; ")}
	}
	return Result{Status: Pass, Evidence: evidence, Message: "no service account holds roles/owner, roles/editor or an administrator role"}
}

// gcpAdminRole reports whether a GCP role grants administration: the basic
// owner and editor roles, or any role whose name ends in admin
// (roles/compute.admin, roles/iam.securityAdmin, custom ...Admin roles).
func gcpAdminRole(role string) bool {
	return role == "roles/owner" || role == "roles/editor" || strings.HasSuffix(strings.ToLower(role), "admin")
}

// gcpServiceAgent reports whether a service account email belongs to a
// Google-managed service agent: the Google APIs service agent
// (PROJECT_NUMBER@cloudservices.gserviceaccount.com) or a per-service agent
// (service-PROJECT_NUMBER@....gserviceaccount.com).
func gcpServiceAgent(email string) bool {
	local, domain, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok {
		return false
	}
	if domain == "cloudservices.gserviceaccount.com" {
		return true
	}
	num, isAgent := strings.CutPrefix(local, "service-")
	return isAgent && num != "" && strings.Trim(num, "0123456789") == "" && strings.HasSuffix(domain, ".gserviceaccount.com")
}
