package controls

import (
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// s3Bucket is an S3 bucket with the given policy statements; nil
// statements leave the policy unknown.
func s3Bucket(stmts ...inventory.Statement) inventory.Resource {
	s := &inventory.Storage{Policy: inventory.Known(stmts)}
	if stmts == nil {
		s.Policy = inventory.Opt[[]inventory.Statement]{}
	}
	return inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Type: inventory.AWSBucket, ID: "acme-data", Name: "acme-data", Storage: s}
}

// s3Stmt builds a statement on the acme-data bucket.
func s3Stmt(effect string, principals, actions []string, conds ...inventory.Condition) inventory.Statement {
	return inventory.Statement{Effect: effect, Principals: principals, Actions: actions,
		Resources: []string{"arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"}, Conditions: conds}
}

// secureTransport is the condition Bool aws:SecureTransport = v.
func secureTransport(v string) inventory.Condition {
	return inventory.Condition{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{v}}
}

var _ = table(InsecureTransportAllowed, func(t *testing.T) []checkCase {
	everyone := []string{"*"}
	denyHTTP := func(actions ...string) inventory.Statement {
		return s3Stmt("Deny", everyone, actions, secureTransport("false"))
	}
	publicRead := s3Stmt("Allow", everyone, []string{"s3:GetObject"})
	// notPrincipalDeny keeps everyone but the admin role out of deletes,
	// over TLS or not: nothing to do with transport.
	notPrincipalDeny := inventory.Statement{Effect: "Deny", NotPrincipals: []string{"arn:aws:iam::111111111111:role/admin"},
		Actions: []string{"s3:DeleteObject", "s3:DeleteBucket"}, Resources: []string{"arn:aws:s3:::acme-data", "arn:aws:s3:::acme-data/*"}}
	storage := func(typ string, s inventory.Storage) inventory.Resource {
		return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t", Type: typ, ID: "acct", Storage: &s}
	}
	sql := func(d *inventory.Database) inventory.Resource {
		return inventory.Resource{Cloud: inventory.GCP, Target: "acme-prod", Type: inventory.GCPSQLInstance, ID: "orders", Database: d}
	}
	return []checkCase{
		// S3 bucket policies.
		{name: "deny s3:* over http", res: s3Bucket(publicRead, denyHTTP("s3:*")), want: Pass},
		{name: "deny * over http", res: s3Bucket(denyHTTP("*")), want: Pass},
		{name: "deny GetObject and PutObject", res: s3Bucket(denyHTTP("s3:GetObject", "s3:PutObject")), want: Pass},
		{name: "deny s3:Get* and s3:Put*", res: s3Bucket(denyHTTP("s3:Get*", "s3:Put*")), want: Pass},
		{name: "reads and writes denied in separate statements", res: s3Bucket(denyHTTP("s3:GetObject"), denyHTTP("s3:PutObject")), want: Pass},
		{name: "action case differs", res: s3Bucket(denyHTTP("S3:*")), want: Pass},
		{name: "condition key case differs", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"},
			inventory.Condition{Operator: "Bool", Key: "AWS:securetransport", Values: []string{"FALSE"}})), want: Pass},
		{name: "BoolIfExists", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"},
			inventory.Condition{Operator: "BoolIfExists", Key: "aws:SecureTransport", Values: []string{"false"}})), want: Pass},
		{name: "condition value False is compared case-insensitively", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"}, secureTransport("False"))), want: Pass},
		{name: "deny on the wrong condition key fails", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"},
			inventory.Condition{Operator: "Bool", Key: "aws:ViaAWSService", Values: []string{"false"}})), want: Fail},
		{name: "deny on s3:SecureTransport instead of aws:SecureTransport fails", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"},
			inventory.Condition{Operator: "Bool", Key: "s3:SecureTransport", Values: []string{"false"}})), want: Fail},
		{name: "deny with no principal", res: s3Bucket(s3Stmt("Deny", nil, []string{"s3:*"}, secureTransport("false"))), want: Pass},
		{name: "deny NotAction ListBucket", res: s3Bucket(inventory.Statement{Effect: "Deny", Principals: everyone, NotActions: []string{"s3:ListBucket"},
			Resources: []string{"arn:aws:s3:::acme-data/*"}, Conditions: []inventory.Condition{secureTransport("false")}}), want: Pass},
		{name: "deny on resource star", res: s3Bucket(inventory.Statement{Effect: "Deny", Principals: everyone, Actions: []string{"s3:*"},
			Resources: []string{"*"}, Conditions: []inventory.Condition{secureTransport("false")}}), want: Pass},
		{name: "deny only GetObject", res: s3Bucket(denyHTTP("s3:GetObject")), want: Fail},
		{name: "deny only s3:Put*", res: s3Bucket(denyHTTP("s3:Put*")), want: Fail},
		{name: "deny only s3:List*", res: s3Bucket(denyHTTP("s3:List*")), want: Fail},
		{name: "allow with SecureTransport true only", res: s3Bucket(s3Stmt("Allow", everyone, []string{"s3:GetObject", "s3:PutObject"}, secureTransport("true"))), want: Fail},
		{name: "deny when SecureTransport is true", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"}, secureTransport("true"))), want: Fail},
		{name: "deny to one account only", res: s3Bucket(s3Stmt("Deny", []string{"arn:aws:iam::222222222222:root"}, []string{"s3:*"}, secureTransport("false"))), want: Fail},
		{name: "deny narrowed by a source ip", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"}, secureTransport("false"),
			inventory.Condition{Operator: "IpAddress", Key: "aws:SourceIp", Values: []string{"203.0.113.0/24"}})), want: Fail},
		{name: "deny without condition is not a transport rule", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:DeleteBucket"})), want: Fail},
		{name: "deny on one prefix only", res: s3Bucket(inventory.Statement{Effect: "Deny", Principals: everyone, Actions: []string{"s3:*"},
			Resources: []string{"arn:aws:s3:::acme-data/private/*"}, Conditions: []inventory.Condition{secureTransport("false")}}), want: Fail},
		{name: "no policy", res: s3Bucket([]inventory.Statement{}...), want: Fail},
		// Statements the evaluator does not model spoil only the verdicts
		// they could change.
		{name: "tls deny beside an unrelated NotPrincipal statement", res: s3Bucket(denyHTTP("s3:*"), notPrincipalDeny), want: Pass},
		{name: "tls deny beside an allow with NotResource and an unknown operator", res: s3Bucket(denyHTTP("s3:*"), inventory.Statement{Effect: "Allow", Principals: everyone,
			Actions: []string{"s3:GetObject"}, NotResources: []string{"arn:aws:s3:::acme-data/private/*"}, Conditions: []inventory.Condition{{Operator: "StringFutureMatch", Key: "aws:SourceIp", Values: []string{"x"}}}}), want: Pass},
		{name: "no tls deny, an unrelated NotPrincipal deny", res: s3Bucket(publicRead, notPrincipalDeny), want: Fail},
		{name: "no tls deny, only an allow with NotResource", res: s3Bucket(inventory.Statement{Effect: "Allow", Principals: everyone, Actions: []string{"s3:GetObject"}, NotResources: []string{"arn:aws:s3:::other/*"}}), want: Fail},
		{name: "tls deny with NotPrincipal spares its principals", res: s3Bucket(inventory.Statement{Effect: "Deny", NotPrincipals: []string{"arn:aws:iam::111111111111:role/legacy"},
			Actions: []string{"s3:*"}, Resources: []string{"arn:aws:s3:::acme-data/*"}, Conditions: []inventory.Condition{secureTransport("false")}}), want: Fail},
		{name: "tls deny over NotResource is not modelled", res: s3Bucket(inventory.Statement{Effect: "Deny", Principals: everyone, Actions: []string{"s3:*"},
			NotResources: []string{"arn:aws:s3:::other-bucket/*"}, Conditions: []inventory.Condition{secureTransport("false")}}), want: Error},
		{name: "deny with an unknown condition operator is not modelled", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"},
			inventory.Condition{Operator: "BoolEqualsFuture", Key: "aws:SecureTransport", Values: []string{"false"}})), want: Error},
		{name: "deny testing aws:SecureTransport with StringEquals is not modelled", res: s3Bucket(s3Stmt("Deny", everyone, []string{"s3:*"},
			inventory.Condition{Operator: "StringEquals", Key: "aws:SecureTransport", Values: []string{"false"}})), want: Error},
		{name: "reads denied, writes only by an unmodelled deny", res: s3Bucket(denyHTTP("s3:GetObject"), inventory.Statement{Effect: "Deny", Principals: everyone,
			Actions: []string{"s3:PutObject"}, NotResources: []string{"arn:aws:s3:::x"}, Conditions: []inventory.Condition{secureTransport("false")}}), want: Error},
		{name: "policy unknown", res: s3Bucket(), want: Error},
		{name: "bucket storage facet missing", res: inventory.Resource{Type: inventory.AWSBucket, ID: "b"}, want: Error},
		// Azure storage accounts.
		{name: "storage account https only", res: storage(inventory.AzureStorageAccount, inventory.Storage{HTTPSOnly: inventory.True}), want: Pass},
		{name: "storage account allows http", res: storage(inventory.AzureStorageAccount, inventory.Storage{HTTPSOnly: inventory.False}), want: Fail},
		{name: "storage account https unknown", res: storage(inventory.AzureStorageAccount, inventory.Storage{}), want: Error},
		// Cloud SQL.
		{name: "cloud sql requires ssl", res: sql(&inventory.Database{RequireTLS: inventory.True}), want: Pass},
		{name: "cloud sql allows plaintext", res: sql(&inventory.Database{RequireTLS: inventory.False}), want: Fail},
		{name: "cloud sql ssl unknown", res: sql(&inventory.Database{}), want: Error},
		{name: "cloud sql facet missing", res: sql(nil), want: Error},
	}
})

func TestEncryptionInsecureTransportMessages(t *testing.T) {
	everyone := []string{"*"}
	env := Env{Settings: DefaultSettings, Now: testNow}
	tests := []struct {
		name     string
		res      inventory.Resource
		want     string
		evidence map[string]any
	}{
		{
			name: "pass names the statement",
			res:  s3Bucket(s3Stmt("Allow", everyone, []string{"s3:GetObject"}), s3Stmt("Deny", everyone, []string{"s3:*"}, secureTransport("false"))),
			want: "bucket policy statement 1 denies reads and writes to everyone when aws:SecureTransport is false",
		},
		{
			name:     "partial deny names what is missing",
			res:      s3Bucket(s3Stmt("Deny", everyone, []string{"s3:GetObject"}, secureTransport("false"))),
			want:     "bucket policy statement 0 denies only reads (s3:GetObject) when aws:SecureTransport is false; writes (s3:PutObject) over plain HTTP are not refused",
			evidence: map[string]any{"readsDenied": true, "writesDenied": false},
		},
		{
			name: "tls-only allow is explained",
			res:  s3Bucket(s3Stmt("Allow", everyone, []string{"s3:GetObject"}, secureTransport("true"))),
			want: "no Deny statement in the bucket policy refuses plain HTTP (aws:SecureTransport=false) to everyone; statement 0 allows access only over TLS, which does not stop other grants from being used over HTTP",
		},
		{
			name: "two statements",
			res:  s3Bucket(s3Stmt("Deny", everyone, []string{"s3:Get*"}, secureTransport("false")), s3Stmt("Deny", everyone, []string{"s3:Put*"}, secureTransport("false"))),
			want: "bucket policy statements 0 and 1 deny reads and writes to everyone when aws:SecureTransport is false",
		},
		{
			name:     "no policy",
			res:      s3Bucket([]inventory.Statement{}...),
			want:     "the bucket has no policy, so nothing refuses plain HTTP requests (no Deny on aws:SecureTransport=false)",
			evidence: map[string]any{"statements": 0},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := InsecureTransportAllowed.Check(env, tc.res)
			if got.Message != tc.want {
				t.Errorf("Check().Message = %q, want %q", got.Message, tc.want)
			}
			for k, v := range tc.evidence {
				if got.Evidence[k] != v {
					t.Errorf("Check().Evidence[%q] = %v, want %v", k, got.Evidence[k], v)
				}
			}
		})
	}
}

func TestIAMPolicyGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "s3:GetObject", true},
		{"s3:*", "s3:GetObject", true},
		{"s3:Get*", "s3:getobject", true},
		{"s3:*Object", "s3:PutObject", true},
		{"s3:?etObject", "s3:GetObject", true},
		{"s3:Get*", "s3:PutObject", false},
		{"s3:GetObject", "s3:GetObjectAcl", false},
		{"s3:*Acl", "s3:GetObject", false},
		{"ec2:*", "s3:GetObject", false},
		{"", "s3:GetObject", false},
		{"**", "", true},
	}
	for _, tc := range tests {
		if got := polGlob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("polGlob(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
	if got := polStatementList([]int{0, 2, 5}); !strings.HasPrefix(got, "statements 0, 2 and 5") {
		t.Errorf("polStatementList(0, 2, 5) = %q, want %q", got, "statements 0, 2 and 5")
	}
}

func TestInsecureTransportUnmodeledMessage(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	got := InsecureTransportAllowed.Check(env, s3Bucket(
		inventory.Statement{Effect: "Deny", Principals: []string{"*"}, Actions: []string{"s3:*"}, NotResources: []string{"arn:aws:s3:::x"},
			Conditions: []inventory.Condition{secureTransport("false")}},
		s3Stmt("Deny", []string{"*"}, []string{"s3:*"}, inventory.Condition{Operator: "BoolEqualsFuture", Key: "aws:SecureTransport", Values: []string{"false"}})))
	want := "bucket policy statements 0 (NotResource) and 1 (condition operator BoolEqualsFuture) could refuse plain HTTP in a way the evaluator does not model, so whether plaintext access is refused is unknown"
	if got.Status != Error || got.Message != want {
		t.Errorf("Check() = %q %q, want %q %q", got.Status, got.Message, Error, want)
	}
}
