package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(PublicPrincipal, func(t *testing.T) []checkCase {
	everyone := []string{"*"}
	read := []string{"s3:GetObject"}
	orgOnly := inventory.Condition{Operator: "StringEquals", Key: "aws:PrincipalOrgID", Values: []string{"o-abc123"}}
	account := func(public inventory.Bool) inventory.Resource {
		return inventory.Resource{Cloud: inventory.Azure, Target: "sub", Type: inventory.AzureStorageAccount, ID: "acmedata", Storage: &inventory.Storage{PublicAccess: public}}
	}
	bucket, proj := inventory.GCPBucket, inventory.GCPProject
	return []checkCase{
		// S3 bucket policies.
		{name: "s3 no policy", res: s3Bucket([]inventory.Statement{}...), want: Pass},
		{name: "s3 grant to one account", res: s3Bucket(s3Stmt("Allow", []string{"arn:aws:iam::222222222222:root"}, read)), want: Pass},
		{name: "s3 public read", res: s3Bucket(s3Stmt("Allow", everyone, read)), want: Fail},
		{name: "s3 public among other principals", res: s3Bucket(s3Stmt("Allow", []string{"arn:aws:iam::222222222222:root", "*"}, []string{"s3:PutObject"})), want: Fail},
		{name: "s3 everyone with org condition", res: s3Bucket(s3Stmt("Allow", everyone, read, orgOnly)), want: Pass},
		{name: "s3 deny to everyone", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"}, secureTransport("false"))), want: Pass},
		{name: "s3 NotPrincipal allow is public", res: s3Bucket(inventory.Statement{Effect: "Allow", NotPrincipals: []string{"arn:aws:iam::111111111111:role/admin"},
			Actions: read, Resources: []string{"arn:aws:s3:::acme-data/*"}}), want: Fail},
		{name: "s3 NotPrincipal allow with a condition", res: s3Bucket(inventory.Statement{Effect: "Allow", NotPrincipals: []string{"arn:aws:iam::111111111111:role/admin"},
			Actions: read, Resources: []string{"arn:aws:s3:::acme-data/*"}, Conditions: []inventory.Condition{orgOnly}}), want: Pass},
		{name: "s3 NotPrincipal deny is no grant", res: s3Bucket(inventory.Statement{Effect: "Deny", NotPrincipals: []string{"arn:aws:iam::111111111111:role/admin"},
			Actions: []string{"s3:*"}, Resources: []string{"*"}}), want: Pass},
		{name: "s3 public allow over NotResource is not modelled", res: s3Bucket(inventory.Statement{Effect: "Allow", Principals: everyone,
			Actions: read, NotResources: []string{"arn:aws:s3:::acme-data/private/*"}}), want: Error},
		{name: "s3 public read beside an unmodelled NotResource allow", res: s3Bucket(s3Stmt("Allow", everyone, read), inventory.Statement{Effect: "Allow", Principals: everyone,
			Actions: read, NotResources: []string{"arn:aws:s3:::acme-data/private/*"}}), want: Fail},
		{name: "s3 public with an unknown condition operator is narrowed", res: s3Bucket(s3Stmt("Allow", everyone, read,
			inventory.Condition{Operator: "IpAddressFuture", Key: "aws:SourceIp", Values: []string{"203.0.113.0/24"}})), want: Pass},
		{name: "s3 policy unknown", res: s3Bucket(), want: Error},
		{name: "s3 storage facet missing", res: inventory.Resource{Type: inventory.AWSBucket, ID: "b"}, want: Error},
		// Azure storage accounts.
		{name: "azure public access off", res: account(inventory.False), want: Pass},
		{name: "azure public access on", res: account(inventory.True), want: Fail},
		{name: "azure public access unknown", res: account(inventory.Bool{}), want: Error},
		// GCP buckets and projects.
		{name: "gcs private", res: iamBindings(bucket, inventory.Binding{Role: "roles/storage.objectViewer", Members: []string{"group:data@acme.example"}}), want: Pass},
		{name: "gcs allUsers", res: iamBindings(bucket, inventory.Binding{Role: "roles/storage.objectViewer", Members: []string{"allUsers"}}), want: Fail},
		{name: "gcs allAuthenticatedUsers", res: iamBindings(bucket, inventory.Binding{Role: "roles/storage.objectViewer", Members: []string{"allAuthenticatedUsers"}}), want: Fail},
		{name: "gcs allUsers with condition", res: iamBindings(bucket, inventory.Binding{Role: "roles/storage.objectViewer", Members: []string{"allUsers"},
			Condition: `resource.name.startsWith("projects/_/buckets/acme-prod-assets/objects/public/")`}), want: Pass},
		{name: "gcs bindings unknown", res: iamBindings(bucket), want: Error},
		{name: "project allAuthenticatedUsers viewer", res: iamBindings(proj, inventory.Binding{Role: "roles/viewer", Members: []string{"user:ana@acme.example", "allAuthenticatedUsers"}}), want: Fail},
		{name: "project private", res: iamBindings(proj, inventory.Binding{Role: "roles/viewer", Members: []string{"user:ana@acme.example"}}), want: Pass},
		{name: "project bindings unknown", res: iamBindings(proj), want: Error},
	}
})

func TestIAMPublicPrincipalMessages(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	got := PublicPrincipal.Check(env, s3Bucket(
		s3Stmt("Deny", []string{"*"}, []string{"s3:*"}, secureTransport("false")),
		s3Stmt("Allow", []string{"*"}, []string{"s3:GetObject"})))
	if want := `bucket policy statement 1 allows s3:GetObject to everyone (Principal "*") without a condition`; got.Message != want {
		t.Errorf("Check(s3 public).Message = %q, want %q", got.Message, want)
	}
	if idx, _ := got.Evidence["publicStatements"].([]int); len(idx) != 1 || idx[0] != 1 {
		t.Errorf("Check(s3 public).Evidence[publicStatements] = %v, want [1]", got.Evidence["publicStatements"])
	}

	got = PublicPrincipal.Check(env, iamBindings(inventory.GCPBucket, inventory.Binding{Role: "roles/storage.objectViewer", Members: []string{"user:ana@acme.example", "allUsers"}}))
	if want := "the bucket grants roles to everyone without a condition: allUsers has roles/storage.objectViewer"; got.Message != want {
		t.Errorf("Check(gcs public).Message = %q, want %q", got.Message, want)
	}
	if grants, _ := got.Evidence["publicGrants"].([]map[string]any); len(grants) != 1 || grants[0]["member"] != "allUsers" {
		t.Errorf("Check(gcs public).Evidence[publicGrants] = %v, want allUsers", got.Evidence["publicGrants"])
	}
}

func TestPublicPrincipalNotPrincipalMessage(t *testing.T) {
	got := PublicPrincipal.Check(Env{Settings: DefaultSettings, Now: testNow}, s3Bucket(inventory.Statement{Effect: "Allow",
		NotPrincipals: []string{"arn:aws:iam::111111111111:role/admin"}, Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::acme-data/*"}}))
	want := "bucket policy statement 0 allows s3:GetObject to everyone without a condition (statement 0 uses NotPrincipal with Allow, which grants every principal not listed, anonymous users included)"
	if got.Status != Fail || got.Message != want {
		t.Errorf("Check() = %q %q, want %q %q", got.Status, got.Message, Fail, want)
	}
}
