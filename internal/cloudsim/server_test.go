package cloudsim

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const coreWorld = `
aws:
  accessKeys: {AKIACORE000000000001: "111111111111", AKIAMEMBER0000000002: "222222222222"}
  organization:
    management: "111111111111"
    members:
      - {id: "111111111111", name: one}
      - {id: "222222222222", name: two}
      - {id: "333333333333", name: three}
  accounts:
    - {id: "111111111111", roles: [audit]}
    - {id: "222222222222", roles: [audit], regions: {eu-west-1: {}}}
`

func TestCallerIdentityAndAssumeRoleThroughTheSDK(t *testing.T) {
	srv := startWorld(t, coreWorld)
	ctx := context.Background()
	client := sts.NewFromConfig(sdkConfig(srv, "AKIACORE000000000001", "eu-west-1"))
	who, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Account) != "111111111111" {
		t.Errorf("account = %s, want 111111111111", aws.ToString(who.Account))
	}
	out, err := client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/audit"), RoleSessionName: aws.String("t")})
	if err != nil {
		t.Fatal(err)
	}
	// The session key acts in the role's account.
	sess := sdkConfig(srv, aws.ToString(out.Credentials.AccessKeyId), "eu-west-1")
	sess.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId),
		aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	who, err = sts.NewFromConfig(sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(who.Account) != "222222222222" || !strings.Contains(aws.ToString(who.Arn), "assumed-role/audit") {
		t.Errorf("session identity = %s %s, want the audit role in 222222222222", aws.ToString(who.Account), aws.ToString(who.Arn))
	}
	_, err = client.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::222222222222:role/admin"), RoleSessionName: aws.String("t")})
	if errCode(err) != "AccessDenied" {
		t.Errorf("AssumeRole into a role not in the world: %v, want AccessDenied", err)
	}
}

func TestUnknownAccessKeyIsRefused(t *testing.T) {
	srv := startWorld(t, coreWorld)
	_, err := sts.NewFromConfig(sdkConfig(srv, "AKIANOBODY0000000000", "eu-west-1")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if errCode(err) != "InvalidClientTokenId" {
		t.Errorf("error = %v, want InvalidClientTokenId", err)
	}
}

func TestListAccountsPagesAndIsManagementOnly(t *testing.T) {
	srv := startWorld(t, coreWorld)
	ctx := context.Background()
	client := organizations.NewFromConfig(sdkConfig(srv, "AKIACORE000000000001", "eu-west-1"))
	p := organizations.NewListAccountsPaginator(client, &organizations.ListAccountsInput{MaxResults: aws.Int32(2)})
	var ids []string
	for _, page := range allPages(t, p) {
		for _, a := range page.Accounts {
			ids = append(ids, aws.ToString(a.Id))
		}
	}
	if strings.Join(ids, ",") != "111111111111,222222222222,333333333333" {
		t.Errorf("accounts = %v, want all three in order", ids)
	}
	wantRequests(t, srv, "organizations:ListAccounts", 2) // pages of 2
	_, err := client.ListAccounts(ctx, &organizations.ListAccountsInput{NextToken: aws.String("forged")})
	if errCode(err) != "InvalidNextToken" {
		t.Errorf("forged token: %v, want InvalidNextToken", err)
	}
	_, err = client.ListAccounts(ctx, &organizations.ListAccountsInput{MaxResults: aws.Int32(21)})
	if errCode(err) != "ValidationException" {
		t.Errorf("MaxResults 21: %v, want ValidationException", err)
	}
	member := organizations.NewFromConfig(sdkConfig(srv, "AKIAMEMBER0000000002", "eu-west-1"))
	if _, err := member.ListAccounts(ctx, &organizations.ListAccountsInput{}); errCode(err) != "AccessDeniedException" {
		t.Errorf("member account listing: %v, want AccessDeniedException", err)
	}
}

func TestWritesAreRefusedAndRecorded(t *testing.T) {
	srv := startWorld(t, coreWorld)
	client := organizations.NewFromConfig(sdkConfig(srv, "AKIACORE000000000001", "eu-west-1"))
	_, err := client.CreateAccount(context.Background(), &organizations.CreateAccountInput{AccountName: aws.String("x"), Email: aws.String("x@example.com")})
	if err == nil {
		t.Fatal("CreateAccount succeeded against a read-only simulator")
	}
	w := srv.Writes()
	if len(w) != 1 || w[0].Action() != "organizations:CreateAccount" || w[0].Status != http.StatusForbidden {
		t.Errorf("writes = %+v, want the refused CreateAccount", w)
	}
}

func TestFaults(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		faults Faults
		key    string
		want   string // error code, "" for success
	}{
		{"access denied for all accounts", Faults{AccessDenied: []Denial{{Action: "sts:GetCallerIdentity"}}}, "AKIACORE000000000001", "AccessDenied"},
		{"access denied by pattern", Faults{AccessDenied: []Denial{{Action: "sts:*"}}}, "AKIACORE000000000001", "AccessDenied"},
		{"access denied for another account only", Faults{AccessDenied: []Denial{{Account: "222222222222", Action: "sts:*"}}}, "AKIACORE000000000001", ""},
		{"region down", Faults{RegionsDown: []string{"eu-west-1"}}, "AKIACORE000000000001", "ServiceUnavailable"},
		{"another region down", Faults{RegionsDown: []string{"us-east-1"}}, "AKIACORE000000000001", ""},
		{"always throttled", Faults{ThrottleRate: 1}, "AKIACORE000000000001", "Throttling"},
		{"always failing", Faults{ServerErrorRate: 1}, "AKIACORE000000000001", "InternalFailure"},
		{"first attempt throttled", Faults{FailFirstAttempts: 1}, "AKIACORE000000000001", "Throttling"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startWorld(t, coreWorld)
			srv.SetFaults(tc.faults)
			_, err := sts.NewFromConfig(sdkConfig(srv, tc.key, "eu-west-1")).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
			if got := errCode(err); got != tc.want || (tc.want == "" && err != nil) {
				t.Errorf("error = %v (code %q), want code %q", err, got, tc.want)
			}
			if tc.want == "AccessDenied" && !strings.Contains(err.Error(), "not authorized to perform: sts:GetCallerIdentity") {
				t.Errorf("access denied message %q does not name the action", err)
			}
		})
	}
}

func TestTokenBucketThrottlesPerAccountRegionAndAction(t *testing.T) {
	srv := startWorld(t, coreWorld)
	srv.SetFaults(Faults{RateLimits: map[string]TokenBucket{"sts:Get*": {Capacity: 3, RefillPerSecond: 0.001}}})
	ctx := context.Background()
	client := sts.NewFromConfig(sdkConfig(srv, "AKIACORE000000000001", "eu-west-1"))
	var codes []string
	for i := 0; i < 5; i++ {
		_, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		codes = append(codes, errCode(err))
	}
	if strings.Join(codes, ",") != ",,,Throttling,Throttling" {
		t.Errorf("codes = %q, want 3 answered then throttled", codes)
	}
	// Another account has a bucket of its own.
	other := sts.NewFromConfig(sdkConfig(srv, "AKIAMEMBER0000000002", "eu-west-1"))
	if _, err := other.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("other account: %v, want its own full bucket", err)
	}
}

func TestWorldIsReadStrictly(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown field", "aws:\n  acounts: []\n", "acounts"},
		{"short account id", "aws:\n  accounts: [{id: \"1234\"}]\n", "12-digit"},
		{"key of an unknown account", "aws:\n  accessKeys: {AKIAX: \"999999999999\"}\n", "999999999999"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Parse error = %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

func TestCredentialScope(t *testing.T) {
	got := credentialScope("AWS4-HMAC-SHA256 Credential=AKIAX/20261129/eu-west-1/ec2/aws4_request, SignedHeaders=host, Signature=abc")
	if got != (scope{accessKey: "AKIAX", region: "eu-west-1", service: "ec2"}) {
		t.Errorf("credentialScope = %+v", got)
	}
	if got := credentialScope("Bearer x"); got != (scope{}) {
		t.Errorf("credentialScope(Bearer) = %+v, want empty", got)
	}
}
