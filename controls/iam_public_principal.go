package controls

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// PublicPrincipal fails when a policy grants access to everyone without a
// condition that narrows it.
var PublicPrincipal = register(&Control{
	ID:            "iam.public_principal",
	Title:         "Policy grants access to everyone",
	Domain:        inventory.IAM,
	Severity:      High,
	ResourceTypes: []string{inventory.AWSBucket, inventory.AzureStorageAccount, inventory.GCPBucket, inventory.GCPProject},
	Rationale: "A grant to everyone (Principal \"*\", allUsers, allAuthenticatedUsers, anonymous blob access) lets anyone on the internet use it; " +
		"allAuthenticatedUsers means any Google account at all, not the organization's. Public data leaks are found by scanners within hours.",
	Remediation: "Remove the public grant, and serve deliberately public content through a CDN or signed URLs instead. " +
		"AWS: delete or condition the statement with Principal \"*\" (aws s3api put-bucket-policy / delete-bucket-policy), and turn on " +
		"S3 Block Public Access for the account and the bucket. " +
		"Azure: az storage account update --name ACCOUNT --allow-blob-public-access false. " +
		"GCP: gcloud storage buckets remove-iam-policy-binding gs://BUCKET --member allUsers --role ROLE (and allAuthenticatedUsers), " +
		"enforce public access prevention on the bucket, and remove public members from the project (gcloud projects remove-iam-policy-binding); " +
		"the organization policy iam.allowedPolicyMemberDomains stops new ones.",
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "2.21"},
		{Benchmark: "cis_5.0_azure", ID: "9.3.2.2"},
	},
	Notes: "S3: fails an unconditioned Allow to everyone: Principal \"*\", and also NotPrincipal with Allow, which grants every " +
		"principal it does not list, anonymous users included, so it is possible public access and fails (the message says " +
		"NotPrincipal). Any condition is taken as narrowing the grant, whatever its operator; whether it narrows enough is left to " +
		"IAM Access Analyzer. An unconditioned Allow to everyone over NotResource is not modelled: it makes the verdict error only " +
		"when no other statement fails it. Deny statements, modelled or not, are not judged, so they never make it error.",
	Check: checkPublicPrincipal,
})

// gcpPublicMembers are the IAM members that stand for everyone.
var gcpPublicMembers = []string{"allUsers", "allAuthenticatedUsers"}

func checkPublicPrincipal(_ Env, r inventory.Resource) Result {
	switch r.Type {
	case inventory.AWSBucket:
		if r.Storage == nil {
			return unknown("storage")
		}
		return checkS3PublicPolicy(r.Storage.Policy)
	case inventory.AzureStorageAccount:
		if r.Storage == nil {
			return unknown("storage")
		}
		public, ok := r.Storage.PublicAccess.Get()
		switch {
		case !ok:
			return unknown("blob public access setting (allowBlobPublicAccess)")
		case public:
			return Result{Status: Fail, Evidence: map[string]any{"publicAccess": true},
				Message: "the storage account allows anonymous blob access (allowBlobPublicAccess is on): any container can be made public"}
		}
		return Result{Status: Pass, Evidence: map[string]any{"publicAccess": false}, Message: "the storage account forbids anonymous blob access"}
	case inventory.GCPBucket:
		if r.Storage == nil {
			return unknown("storage")
		}
		return checkGCPPublicBindings(r.Storage.Bindings, "bucket")
	case inventory.GCPProject:
		if r.Access == nil {
			return unknown("project IAM policy")
		}
		return checkGCPPublicBindings(r.Access.Bindings, "project")
	}
	return Result{Status: NotApplicable, Message: fmt.Sprintf("%s is not a type this control checks", r.Type)}
}

// checkS3PublicPolicy fails a bucket policy with an unconditioned Allow to
// everyone: Principal "*", or a NotPrincipal, which grants every principal
// it does not list, anonymous users included (AWS advises against
// NotPrincipal with Allow for that reason). Any condition (a source VPC,
// an organization id) is taken as narrowing the grant; judging whether it
// narrows enough is left to IAM Access Analyzer, so a condition operator
// the evaluator does not know changes nothing either. An unconditioned
// Allow to everyone over NotResource grants on whatever the list leaves
// out, which the evaluator does not model: it makes the verdict error
// when no other statement fails it.
func checkS3PublicPolicy(policy inventory.Opt[[]inventory.Statement]) Result {
	stmts, ok := policy.Get()
	if !ok {
		return unknown("bucket policy")
	}
	var public, notPrincipal, unmodeled []int
	var actions []string
	for i, st := range stmts {
		if !strings.EqualFold(st.Effect, inventory.Allow) || len(st.Conditions) > 0 ||
			!(polEveryone(st.Principals, false) || len(st.NotPrincipals) > 0) {
			continue
		}
		if len(st.NotResources) > 0 {
			unmodeled = append(unmodeled, i)
			continue
		}
		public = append(public, i)
		actions = append(actions, st.Actions...)
		if len(st.NotPrincipals) > 0 {
			notPrincipal = append(notPrincipal, i)
		}
	}
	evidence := map[string]any{"publicStatements": public, "statements": len(stmts)}
	if len(public) > 0 {
		evidence["actions"] = actions
		granted := strings.Join(actions, ", ")
		if granted == "" {
			granted = "actions outside its NotAction list"
		}
		msg := fmt.Sprintf("bucket policy %s %s to everyone (Principal \"*\") without a condition", polStatementsVerb(public, "allows", "allow"), granted)
		if len(notPrincipal) > 0 {
			evidence["notPrincipalStatements"] = notPrincipal
			msg = fmt.Sprintf("bucket policy %s %s to everyone without a condition", polStatementsVerb(public, "allows", "allow"), granted)
			msg += fmt.Sprintf(" (%s NotPrincipal with Allow, which grants every principal not listed, anonymous users included)",
				polStatementsVerb(notPrincipal, "uses", "use"))
		}
		return Result{Status: Fail, Evidence: evidence, Message: msg}
	}
	if len(unmodeled) > 0 {
		evidence["unmodeledStatements"] = unmodeled
		return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf(
			"bucket policy %s everyone on every resource outside a NotResource list, which the evaluator does not model, so whether the bucket is public is unknown",
			polStatementsVerb(unmodeled, "allows", "allow"))}
	}
	if len(stmts) == 0 {
		return Result{Status: Pass, Evidence: evidence, Message: "the bucket has no policy"}
	}
	return Result{Status: Pass, Evidence: evidence, Message: "no bucket policy statement allows everyone without a condition"}
}

// checkGCPPublicBindings fails bindings that grant a role to allUsers or
// allAuthenticatedUsers with no IAM condition.
func checkGCPPublicBindings(bindings inventory.Opt[[]inventory.Binding], what string) Result {
	bs, ok := bindings.Get()
	if !ok {
		return unknown(what + " IAM bindings")
	}
	var grants []map[string]any
	var text []string
	for _, b := range bs {
		if b.Condition != "" {
			continue
		}
		for _, m := range b.Members {
			if slices.Contains(gcpPublicMembers, m) {
				grants = append(grants, map[string]any{"member": m, "role": b.Role})
				text = append(text, fmt.Sprintf("%s has %s", m, b.Role))
			}
		}
	}
	evidence := map[string]any{"publicGrants": grants}
	if len(grants) > 0 {
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("the %s grants roles to everyone without a condition: %s", what, strings.Join(text, "; "))}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("no %s binding grants allUsers or allAuthenticatedUsers without a condition", what)}
}
