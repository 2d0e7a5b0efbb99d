package controls

import (
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// iamPolicy is a policy resource of typ.
func iamPolicy(typ string, attached inventory.Bool, stmts ...inventory.Statement) inventory.Resource {
	p := &inventory.Policy{Attached: attached, Statements: inventory.Known(stmts)}
	if stmts == nil {
		p.Statements = inventory.Opt[[]inventory.Statement]{}
	}
	return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t", Type: typ, ID: "policy-1", Policy: p}
}

// iamBindings is a resource of typ with the given role bindings; nil
// leaves them unknown.
func iamBindings(typ string, bs ...inventory.Binding) inventory.Resource {
	b := inventory.Known(bs)
	if bs == nil {
		b = inventory.Opt[[]inventory.Binding]{}
	}
	r := inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "acme-prod", Type: typ, ID: "projects/acme-prod"}
	if typ == inventory.GCPBucket {
		r.ID = "acme-prod-assets"
		r.Storage = &inventory.Storage{Bindings: b}
	} else {
		r.Access = &inventory.AccessBindings{Bindings: b}
	}
	return r
}

var _ = table(AdminPrivileges, func(t *testing.T) []checkCase {
	on, off := inventory.True, inventory.False
	allow := func(actions, resources []string) inventory.Statement {
		return inventory.Statement{Effect: "Allow", Actions: actions, Resources: resources}
	}
	star := []string{"*"}
	readOnly := allow([]string{"s3:GetObject", "s3:ListBucket"}, star)
	role := func(stmts ...inventory.Statement) inventory.Resource {
		return iamPolicy(inventory.AzureRoleDefinition, inventory.Bool{}, stmts...)
	}
	proj := func(bs ...inventory.Binding) inventory.Resource { return iamBindings(inventory.GCPProject, bs...) }
	sa := "serviceAccount:etl@acme-prod.iam.gserviceaccount.com"
	return []checkCase{
		// AWS customer-managed policies.
		{name: "aws read-only policy", res: iamPolicy(inventory.AWSPolicy, on, readOnly), want: Pass},
		{name: "aws * on *", res: iamPolicy(inventory.AWSPolicy, on, readOnly, allow(star, star)), want: Fail},
		{name: "aws *:* on *", res: iamPolicy(inventory.AWSPolicy, on, allow([]string{"*:*"}, star)), want: Fail},
		{name: "aws * on one bucket", res: iamPolicy(inventory.AWSPolicy, on, allow(star, []string{"arn:aws:s3:::acme-data/*"})), want: Pass},
		{name: "aws s3:* on *", res: iamPolicy(inventory.AWSPolicy, on, allow([]string{"s3:*"}, star)), want: Pass},
		{name: "aws deny * on *", res: iamPolicy(inventory.AWSPolicy, on, inventory.Statement{Effect: "Deny", Actions: star, Resources: star}), want: Pass},
		{name: "aws admin policy not attached", res: iamPolicy(inventory.AWSPolicy, off, allow(star, star)), want: NotApplicable},
		{name: "aws attachment unknown", res: iamPolicy(inventory.AWSPolicy, inventory.Bool{}, allow(star, star)), want: Error},
		{name: "aws document unknown", res: iamPolicy(inventory.AWSPolicy, on), want: Error},
		{name: "aws * on everything but one bucket is not modelled", res: iamPolicy(inventory.AWSPolicy, on, inventory.Statement{Effect: "Allow", Actions: star, NotResources: []string{"arn:aws:s3:::secret/*"}}), want: Error},
		{name: "aws * on * beside a NotResource statement", res: iamPolicy(inventory.AWSPolicy, on, allow(star, star), inventory.Statement{Effect: "Allow", Actions: star, NotResources: []string{"arn:aws:s3:::secret/*"}}), want: Fail},
		{name: "aws s3:* over NotResource is no admin", res: iamPolicy(inventory.AWSPolicy, on, inventory.Statement{Effect: "Allow", Actions: []string{"s3:*"}, NotResources: []string{"arn:aws:s3:::secret/*"}}), want: Pass},
		{name: "aws policy facet missing", res: inventory.Resource{Type: inventory.AWSPolicy, ID: "p"}, want: Error},
		// Azure custom roles.
		{name: "azure role with * action", res: role(inventory.Statement{Actions: star}), want: Fail},
		{name: "azure unassigned role with * action", res: iamPolicy(inventory.AzureRoleDefinition, off, inventory.Statement{Actions: star}), want: Fail},
		{name: "azure role with scoped actions", res: role(inventory.Statement{Actions: []string{"Microsoft.Compute/virtualMachines/*"}}), want: Pass},
		{name: "azure role with * only in notActions", res: role(inventory.Statement{Actions: []string{"Microsoft.Storage/*/read"}, NotActions: star}), want: Pass},
		{name: "azure permissions unknown", res: role(), want: Error},
		// GCP project bindings.
		{name: "gcp sa with viewer", res: proj(inventory.Binding{Role: "roles/viewer", Members: []string{sa}}), want: Pass},
		{name: "gcp user owner", res: proj(inventory.Binding{Role: "roles/owner", Members: []string{"user:ana@acme.example"}}), want: Pass},
		{name: "gcp sa owner", res: proj(inventory.Binding{Role: "roles/owner", Members: []string{"user:ana@acme.example", sa}}), want: Fail},
		{name: "gcp sa editor", res: proj(inventory.Binding{Role: "roles/editor", Members: []string{sa}}), want: Fail},
		{name: "gcp sa compute.admin", res: proj(inventory.Binding{Role: "roles/compute.admin", Members: []string{sa}}), want: Fail},
		{name: "gcp sa securityAdmin", res: proj(inventory.Binding{Role: "roles/iam.securityAdmin", Members: []string{sa}}), want: Fail},
		{name: "gcp default compute sa editor", res: proj(inventory.Binding{Role: "roles/editor", Members: []string{"serviceAccount:123456789012-compute@developer.gserviceaccount.com"}}), want: Fail},
		{name: "gcp google apis service agent editor", res: proj(inventory.Binding{Role: "roles/editor", Members: []string{"serviceAccount:123456789012@cloudservices.gserviceaccount.com"}}), want: Pass},
		{name: "gcp service agent admin", res: proj(inventory.Binding{Role: "roles/container.admin", Members: []string{"serviceAccount:service-123456789012@container-engine-robot.iam.gserviceaccount.com"}}), want: Pass},
		{name: "gcp bindings unknown", res: proj(), want: Error},
		{name: "gcp access facet missing", res: inventory.Resource{Type: inventory.GCPProject, ID: "projects/p"}, want: Error},
	}
})

func TestIAMAdminPrivilegesMessages(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	star := []string{"*"}
	got := AdminPrivileges.Check(env, iamPolicy(inventory.AWSPolicy, inventory.True,
		inventory.Statement{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: star},
		inventory.Statement{Effect: "Allow", Actions: star, Resources: star}))
	if want := `the attached policy's statement 1 allows every action ("*") on every resource ("*")`; got.Message != want {
		t.Errorf("Check(aws admin).Message = %q, want %q", got.Message, want)
	}
	if idx, _ := got.Evidence["adminStatements"].([]int); len(idx) != 1 || idx[0] != 1 {
		t.Errorf("Check(aws admin).Evidence[adminStatements] = %v, want [1]", got.Evidence["adminStatements"])
	}

	got = AdminPrivileges.Check(env, iamBindings(inventory.GCPProject,
		inventory.Binding{Role: "roles/editor", Members: []string{"serviceAccount:etl@acme-prod.iam.gserviceaccount.com", "serviceAccount:123@cloudservices.gserviceaccount.com"}},
		inventory.Binding{Role: "roles/storage.admin", Members: []string{"group:ops@acme.example", "serviceAccount:backup@acme-prod.iam.gserviceaccount.com"}}))
	want := "service accounts hold administrator roles: serviceAccount:etl@acme-prod.iam.gserviceaccount.com has roles/editor; " +
		"serviceAccount:backup@acme-prod.iam.gserviceaccount.com has roles/storage.admin"
	if got.Message != want {
		t.Errorf("Check(gcp).Message = %q, want %q", got.Message, want)
	}
	if grants, _ := got.Evidence["adminGrants"].([]map[string]any); len(grants) != 2 || grants[1]["role"] != "roles/storage.admin" {
		t.Errorf("Check(gcp).Evidence[adminGrants] = %v, want the two service account grants", got.Evidence["adminGrants"])
	}
	if skipped, _ := got.Evidence["serviceAgentsSkipped"].([]string); len(skipped) != 1 || !strings.Contains(skipped[0], "cloudservices") {
		t.Errorf("Check(gcp).Evidence[serviceAgentsSkipped] = %v, want the Google APIs service agent", got.Evidence["serviceAgentsSkipped"])
	}
}

func TestIAMAdminPrivilegesAzureMessage(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	got := AdminPrivileges.Check(env, iamPolicy(inventory.AzureRoleDefinition, inventory.True,
		inventory.Statement{Actions: []string{"Microsoft.Compute/*/read"}}, inventory.Statement{Actions: []string{"*"}}))
	if want := `statement 1 of the custom role's permissions grants every action ("*"), and the role is assigned`; got.Message != want {
		t.Errorf("Check(azure admin role).Message = %q, want %q", got.Message, want)
	}
	if got.Evidence["assigned"] != true {
		t.Errorf("Check(azure admin role).Evidence[assigned] = %v, want true", got.Evidence["assigned"])
	}
}
