package cloudsim

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// iamTestWorld: account 111111111111 has a root with MFA off and two keys,
// users covering each credential report placeholder, a password policy
// without reuse prevention, and five policies (one unattached, one under a
// path); account 222222222222 has nothing but a root with MFA.
const iamTestWorld = `
aws:
  accessKeys: {AKIAIAMTEST000000001: "111111111111", AKIAIAMTEST000000002: "222222222222"}
  accounts:
    - id: "111111111111"
      regions: {us-east-1: {}}
      iam:
        reportDelay: 2
        roleCount: 7
        root:
          created: 2019-03-04T05:06:07Z
          accessKeys:
            - {id: AKIAROOT1, active: true, lastRotated: 2020-02-03T04:05:06Z, lastUsed: 2026-01-02T03:04:05Z, lastService: s3, lastRegion: us-east-1}
            - {id: AKIAROOT2, active: false, lastRotated: 2021-02-03T04:05:06Z}
        users:
          - {name: alice, created: 2024-01-01T00:00:00Z, password: true, passwordLastUsed: 2026-10-30T16:20:00Z, passwordLastChanged: 2025-06-01T00:00:00Z, mfa: true,
             accessKeys: [{id: AKIAALICE1, active: true, lastRotated: 2025-03-02T09:00:00Z}]}
          - {name: bob, created: 2025-01-15T10:00:00Z, password: true}
          - {name: bot, created: 2025-05-05T00:00:00Z}
        passwordPolicy: {minimumLength: 14, requireSymbols: true}
        policies:
          - {name: P1, attachments: 1, document: '{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}'}
          - {name: P2, attachments: 0, document: '{}'}
          - {name: P3, attachments: 3, path: /team/, version: v4, document: '{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a+b c/~*"}}}]}'}
          - {name: P4, attachments: 1, document: '{}'}
          - {name: P5, attachments: 1, document: '{}'}
    - id: "222222222222"
      iam:
        root: {created: 2020-01-01T00:00:00Z, mfa: true}
`

// iamClient returns an IAM client for the account the key belongs to,
// with one attempt per call so the test sees the first answer.
func iamClient(t *testing.T, key string) (*Server, *iam.Client) {
	t.Helper()
	srv, cfg := startSDK(t, iamTestWorld, key, "us-east-1")
	return srv, iam.NewFromConfig(cfg)
}

func TestIAMCredentialReport(t *testing.T) {
	ctx := context.Background()
	_, c := iamClient(t, "AKIAIAMTEST000000001")

	_, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if code, status := errStatus(err); code != "ReportNotPresent" || status != 410 {
		t.Errorf("GetCredentialReport before generating: %s %d (%v), want ReportNotPresent 410", code, status, err)
	}
	for i, want := range []iamtypes.ReportStateType{"STARTED", "INPROGRESS"} {
		g, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			t.Fatalf("GenerateCredentialReport call %d: %v", i+1, err)
		}
		if g.State != want {
			t.Errorf("GenerateCredentialReport call %d: state %s, want %s", i+1, g.State, want)
		}
		_, err = c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		if code, status := errStatus(err); code != "ReportInProgress" || status != 404 {
			t.Errorf("GetCredentialReport after %d calls: %s %d (%v), want ReportInProgress 404", i+1, code, status, err)
		}
	}
	g, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	if err != nil || g.State != iamtypes.ReportStateTypeComplete {
		t.Fatalf("GenerateCredentialReport call 3: %v, %v, want COMPLETE", g, err)
	}
	r, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatalf("GetCredentialReport: %v", err)
	}
	if r.ReportFormat != iamtypes.ReportFormatTypeTextCsv || r.GeneratedTime == nil {
		t.Errorf("report format %q, generated %v; want text/csv and a time", r.ReportFormat, r.GeneratedTime)
	}
	want := strings.Join([]string{
		"user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active," +
			"access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
			"access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service," +
			"cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated",
		"<root_account>,arn:aws:iam::111111111111:root,2019-03-04T05:06:07+00:00,not_supported,N/A,not_supported,not_supported,false," +
			"true,2020-02-03T04:05:06+00:00,2026-01-02T03:04:05+00:00,us-east-1,s3," +
			"false,2021-02-03T04:05:06+00:00,N/A,N/A,N/A,false,N/A,false,N/A",
		"alice,arn:aws:iam::111111111111:user/alice,2024-01-01T00:00:00+00:00,true,2026-10-30T16:20:00+00:00,2025-06-01T00:00:00+00:00,N/A,true," +
			"true,2025-03-02T09:00:00+00:00,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
		"bob,arn:aws:iam::111111111111:user/bob,2025-01-15T10:00:00+00:00,true,no_information,2025-01-15T10:00:00+00:00,N/A,false," +
			"false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
		"bot,arn:aws:iam::111111111111:user/bot,2025-05-05T00:00:00+00:00,false,N/A,N/A,N/A,false," +
			"false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A",
		"",
	}, "\n")
	if got := string(r.Content); got != want {
		t.Errorf("report =\n%s\nwant\n%s", got, want)
	}
}

func TestIAMPasswordPolicy(t *testing.T) {
	ctx := context.Background()
	_, c := iamClient(t, "AKIAIAMTEST000000001")
	p, err := c.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if err != nil {
		t.Fatalf("GetAccountPasswordPolicy: %v", err)
	}
	pp := p.PasswordPolicy
	got := fmt.Sprintf("min=%d symbols=%v expire=%v maxAge=%v reuse=%v", sdk.ToInt32(pp.MinimumPasswordLength), pp.RequireSymbols,
		pp.ExpirePasswords, pp.MaxPasswordAge, pp.PasswordReusePrevention)
	// Unset age and reuse are left out, as IAM does.
	if want := "min=14 symbols=true expire=false maxAge=<nil> reuse=<nil>"; got != want {
		t.Errorf("password policy = %s, want %s", got, want)
	}

	_, c2 := iamClient(t, "AKIAIAMTEST000000002")
	_, err = c2.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	var nse *iamtypes.NoSuchEntityException
	if code, status := errStatus(err); code != "NoSuchEntity" || status != 404 || !errors.As(err, &nse) {
		t.Errorf("GetAccountPasswordPolicy without a policy: %s %d (%v), want NoSuchEntity 404", code, status, err)
	}
}

func TestIAMAccountSummary(t *testing.T) {
	tests := []struct {
		key  string
		want map[string]int32
	}{
		{"AKIAIAMTEST000000001", map[string]int32{"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1, "Users": 3, "Policies": 5, "Roles": 7, "MFADevicesInUse": 1}},
		{"AKIAIAMTEST000000002", map[string]int32{"AccountMFAEnabled": 1, "AccountAccessKeysPresent": 0, "Users": 0, "Policies": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			_, c := iamClient(t, tt.key)
			s, err := c.GetAccountSummary(context.Background(), &iam.GetAccountSummaryInput{})
			if err != nil {
				t.Fatalf("GetAccountSummary: %v", err)
			}
			for k, want := range tt.want {
				if got, ok := s.SummaryMap[k]; !ok || got != want {
					t.Errorf("SummaryMap[%s] = %d (present %v), want %d", k, got, ok, want)
				}
			}
		})
	}
}

func TestIAMListPolicies(t *testing.T) {
	ctx := context.Background()
	srv, c := iamClient(t, "AKIAIAMTEST000000001")
	tests := []struct {
		name  string
		in    iam.ListPoliciesInput
		want  string
		pages int
	}{
		{"attached, two a page", iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal, OnlyAttached: true, MaxItems: sdk.Int32(2)}, "P1 P3 P4 P5", 2},
		{"all local, default size", iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeLocal}, "P1 P2 P3 P4 P5", 1},
		{"one a page", iam.ListPoliciesInput{MaxItems: sdk.Int32(1)}, "P1 P2 P3 P4 P5", 5},
		{"path prefix", iam.ListPoliciesInput{PathPrefix: sdk.String("/team/")}, "P3", 1},
		{"AWS managed: none in the world", iam.ListPoliciesInput{Scope: iamtypes.PolicyScopeTypeAws}, "", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.ResetLog()
			var names []string
			p := iam.NewListPoliciesPaginator(c, &tt.in)
			for _, page := range allPages(t, p) {
				for _, pol := range page.Policies {
					names = append(names, sdk.ToString(pol.PolicyName))
				}
			}
			if got := strings.Join(names, " "); got != tt.want {
				t.Errorf("policies = %q, want %q", got, tt.want)
			}
			wantRequests(t, srv, "iam:ListPolicies", tt.pages)
		})
	}

	out, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{PathPrefix: sdk.String("/team/")})
	if err != nil || len(out.Policies) != 1 {
		t.Fatalf("ListPolicies /team/: %v, %v", out, err)
	}
	p := out.Policies[0]
	got := fmt.Sprintf("%s %s %s %d", sdk.ToString(p.Arn), sdk.ToString(p.Path), sdk.ToString(p.DefaultVersionId), sdk.ToInt32(p.AttachmentCount))
	if want := "arn:aws:iam::111111111111:policy/team/P3 /team/ v4 3"; got != want {
		t.Errorf("policy = %s, want %s", got, want)
	}

	for _, n := range []int32{0, 1001} {
		_, err := c.ListPolicies(ctx, &iam.ListPoliciesInput{MaxItems: sdk.Int32(n)})
		if code, status := errStatus(err); code != "ValidationError" || status != 400 {
			t.Errorf("ListPolicies MaxItems %d: %s %d (%v), want ValidationError 400", n, code, status, err)
		}
	}
}

func TestIAMGetPolicyVersion(t *testing.T) {
	ctx := context.Background()
	_, c := iamClient(t, "AKIAIAMTEST000000001")
	v, err := c.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{
		PolicyArn: sdk.String("arn:aws:iam::111111111111:policy/team/P3"), VersionId: sdk.String("v4")})
	if err != nil {
		t.Fatalf("GetPolicyVersion: %v", err)
	}
	doc := sdk.ToString(v.PolicyVersion.Document)
	// RFC 3986: only unreserved characters stay; a space is %20 and a
	// plus %2B, so a decoder cannot mistake one for the other.
	if strings.ContainsAny(doc, `{}":, +*/`) {
		t.Errorf("document %q has characters IAM would have encoded", doc)
	}
	if !strings.Contains(doc, "a%2Bb%20c%2F~%2A") {
		t.Errorf("document %q: want a+b c/~* encoded as a%%2Bb%%20c%%2F~%%2A", doc)
	}
	decoded, err := url.PathUnescape(doc)
	want := `{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"StringLike":{"s3:prefix":"a+b c/~*"}}}]}`
	if err != nil || decoded != want {
		t.Errorf("decoded document = %q (%v), want %q", decoded, err, want)
	}
	if !v.PolicyVersion.IsDefaultVersion || sdk.ToString(v.PolicyVersion.VersionId) != "v4" {
		t.Errorf("version = %s default %v, want v4 default", sdk.ToString(v.PolicyVersion.VersionId), v.PolicyVersion.IsDefaultVersion)
	}

	for _, in := range []iam.GetPolicyVersionInput{
		{PolicyArn: sdk.String("arn:aws:iam::111111111111:policy/team/P3"), VersionId: sdk.String("v1")},
		{PolicyArn: sdk.String("arn:aws:iam::111111111111:policy/Nope"), VersionId: sdk.String("v1")},
		{PolicyArn: sdk.String("arn:aws:iam::222222222222:policy/P1"), VersionId: sdk.String("v1")},
	} {
		_, err := c.GetPolicyVersion(ctx, &in)
		if code, status := errStatus(err); code != "NoSuchEntity" || status != 404 {
			t.Errorf("GetPolicyVersion %s %s: %s %d (%v), want NoSuchEntity 404", sdk.ToString(in.PolicyArn), sdk.ToString(in.VersionId), code, status, err)
		}
	}
}
