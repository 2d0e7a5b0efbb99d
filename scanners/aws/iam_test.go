package aws

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// iamWorld has a root user with an active key and no MFA; users with and
// without a password, MFA, a second inactive key, a key never used and a
// password never used; a password policy; seven customer-managed policies,
// six of them attached, one granting "*" on "*"; and a credential report
// that takes two polls.
const iamWorld = `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      regions: {eu-central-1: {}}
      iam:
        reportDelay: 2
        root:
          created: 2019-03-04T05:06:07Z
          mfa: false
          passwordLastUsed: 2026-10-01T08:00:00Z
          accessKeys:
            - {id: AKIAROOT000000000001, active: true, lastRotated: 2020-02-03T04:05:06Z, lastUsed: 2026-09-30T12:00:00Z, lastService: s3, lastRegion: us-east-1}
        users:
          - name: alice
            created: 2024-01-01T00:00:00Z
            password: true
            passwordLastUsed: 2026-10-30T16:20:00Z
            passwordLastChanged: 2025-06-01T00:00:00Z
            mfa: false
            accessKeys:
              - {id: AKIAALICE00000000001, active: true, lastRotated: 2025-03-02T09:00:00Z, lastUsed: 2026-10-29T11:00:00Z, lastService: iam, lastRegion: us-east-1}
              - {id: AKIAALICE00000000002, active: false, lastRotated: 2024-02-01T00:00:00Z}
          - name: bob
            created: 2025-01-15T10:00:00Z
            password: true
            mfa: true
          - name: deploy-bot
            created: 2025-05-05T00:00:00Z
            accessKeys:
              - {id: AKIADEPLOY0000000001, active: true, lastRotated: 2026-10-02T09:00:00Z}
          - name: carol
            created: 2026-01-01T00:00:00Z
        passwordPolicy: {minimumLength: 14, maxAge: 90}
        policies:
          - {name: AdminAll, attachments: 1, document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'}
          - {name: Unused, attachments: 0, document: '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}'}
          - name: ReadBuckets
            path: /team/
            attachments: 2
            version: v3
            document: '{"Version":"2012-10-17","Statement":[{"Sid":"home","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::home/*","Condition":{"StringLike":{"s3:prefix":"home/a+b c/*"},"Bool":{"aws:SecureTransport":true}}}]}'
          - {name: Reader1, attachments: 1, document: '{"Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}'}
          - {name: Reader2, attachments: 1, document: '{"Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}'}
          - {name: Reader3, attachments: 1, document: '{"Statement":{"Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}}'}
          - {name: Reader4, attachments: 1, document: '{"Statement":{"Effect":"Deny","NotAction":["ec2:Describe*"],"Resource":"*"}}'}
`

// withIAMPageSize lowers the ListPolicies page size for one test.
func withIAMPageSize(t *testing.T, n int32) {
	t.Helper()
	old := iamPageSize
	iamPageSize = n
	t.Cleanup(func() { iamPageSize = old })
}

func iamAt(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func iamKnownAt(s string) inventory.Time { return inventory.Known(iamAt(s)) }

var iamNever = inventory.Known(time.Time{})

func TestScanIAM(t *testing.T) {
	withIAMPageSize(t, 2)
	srv, o := startSim(t, iamWorld)
	inv := scanDomain(t, o, inventory.IAM, scanners.Target{ID: "111111111111", Regions: []string{"eu-central-1"}})

	if len(inv.Errors) > 0 {
		t.Errorf("scan errors = %+v, want none", inv.Errors)
	}
	const acct = "111111111111"
	res := func(typ, id, name string) inventory.Resource {
		return inventory.Resource{Cloud: inventory.AWS, Target: acct, Type: typ, ID: id, Name: name}
	}
	root := res(inventory.AWSRoot, "arn:aws:iam::111111111111:root", "<root_account>")
	root.Identity = &inventory.Identity{Kind: inventory.IdentityRoot, MFAEnabled: inventory.False,
		PasswordEnabled: inventory.True, SigningCertificates: inventory.False,
		PasswordLastUsed: iamKnownAt("2026-10-01T08:00:00Z"),
		Keys: inventory.Known([]inventory.AccessKey{{ID: "access_key_1", Active: inventory.True,
			Created: iamKnownAt("2020-02-03T04:05:06Z"), LastUsed: iamKnownAt("2026-09-30T12:00:00Z")}})}
	user := func(name string, id inventory.Identity) inventory.Resource {
		r := res(inventory.AWSUser, "arn:aws:iam::111111111111:user/"+name, name)
		id.Kind = inventory.IdentityUser
		r.Identity = &id
		return r
	}
	policy := func(arn, name string, stmts ...inventory.Statement) inventory.Resource {
		r := res(inventory.AWSPolicy, arn, name)
		r.Policy = &inventory.Policy{Attached: inventory.True, Statements: inventory.Known(stmts)}
		return r
	}
	reader := inventory.Statement{Effect: "Allow", Actions: []string{"ec2:Describe*"}, Resources: []string{"*"}}
	pp := res(inventory.AWSPasswordPolicy, "arn:aws:iam::111111111111:account-password-policy", "password policy")
	pp.PasswordPolicy = &inventory.PasswordPolicy{Exists: inventory.True, MinLength: inventory.Known(14), ReusePrevention: inventory.Known(0)}

	want := map[string][]inventory.Resource{
		inventory.AWSRoot: {root},
		inventory.AWSUser: {
			user("alice", inventory.Identity{PasswordEnabled: inventory.True, MFAEnabled: inventory.False,
				PasswordLastUsed: iamKnownAt("2026-10-30T16:20:00Z"), PasswordLastChanged: iamKnownAt("2025-06-01T00:00:00Z"),
				Keys: inventory.Known([]inventory.AccessKey{
					{ID: "access_key_1", Active: inventory.True, Created: iamKnownAt("2025-03-02T09:00:00Z"), LastUsed: iamKnownAt("2026-10-29T11:00:00Z")},
					{ID: "access_key_2", Active: inventory.False, Created: iamKnownAt("2024-02-01T00:00:00Z"), LastUsed: iamNever},
				})}),
			// A password never used: no_information is a known "never",
			// dated by the last change (the creation here).
			user("bob", inventory.Identity{PasswordEnabled: inventory.True, MFAEnabled: inventory.True,
				PasswordLastUsed: iamNever, PasswordLastChanged: iamKnownAt("2025-01-15T10:00:00Z"),
				Keys: inventory.Known([]inventory.AccessKey{})}),
			user("carol", inventory.Identity{PasswordEnabled: inventory.False, MFAEnabled: inventory.False,
				Keys: inventory.Known([]inventory.AccessKey{})}),
			user("deploy-bot", inventory.Identity{PasswordEnabled: inventory.False, MFAEnabled: inventory.False,
				Keys: inventory.Known([]inventory.AccessKey{
					{ID: "access_key_1", Active: inventory.True, Created: iamKnownAt("2026-10-02T09:00:00Z"), LastUsed: iamNever},
				})}),
		},
		inventory.AWSPasswordPolicy: {pp},
		inventory.AWSPolicy: {
			policy("arn:aws:iam::111111111111:policy/AdminAll", "AdminAll",
				inventory.Statement{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}}),
			policy("arn:aws:iam::111111111111:policy/Reader1", "Reader1", reader),
			policy("arn:aws:iam::111111111111:policy/Reader2", "Reader2", reader),
			policy("arn:aws:iam::111111111111:policy/Reader3", "Reader3", reader),
			policy("arn:aws:iam::111111111111:policy/Reader4", "Reader4",
				inventory.Statement{Effect: "Deny", NotActions: []string{"ec2:Describe*"}, Resources: []string{"*"}}),
			// The document's + and space survive the URL decoding.
			policy("arn:aws:iam::111111111111:policy/team/ReadBuckets", "ReadBuckets", inventory.Statement{
				Effect: "Allow", Actions: []string{"s3:GetObject", "s3:ListBucket"}, Resources: []string{"arn:aws:s3:::home/*"},
				Conditions: []inventory.Condition{
					{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"true"}},
					{Operator: "StringLike", Key: "s3:prefix", Values: []string{"home/a+b c/*"}},
				}}),
		},
	}
	for typ, want := range want {
		got := byType(inv, typ)
		if len(got) != len(want) {
			t.Errorf("%s: got %d resources (%v), want %d", typ, len(got), iamKeys(got), len(want))
		}
		for _, w := range want {
			g, ok := got[w.ID]
			if !ok {
				t.Errorf("%s %s missing; got %v", typ, w.ID, iamKeys(got))
				continue
			}
			if gj, wj := iamJSON(t, g), iamJSON(t, w); gj != wj {
				t.Errorf("%s %s =\n%s\nwant\n%s", typ, w.ID, gj, wj)
			}
		}
	}
	if _, ok := byType(inv, inventory.AWSPolicy)["arn:aws:iam::111111111111:policy/Unused"]; ok {
		t.Errorf("the unattached policy Unused was recorded; ListPolicies asks OnlyAttached")
	}

	wantOps := []string{"iam:GenerateCredentialReport", "iam:GetAccountPasswordPolicy", "iam:GetAccountSummary",
		"iam:GetCredentialReport", "iam:GetPolicyVersion", "iam:ListPolicies", "sts:GetCallerIdentity"}
	wantOperations(t, srv, wantOps)
	counts := srv.Counts()
	for op, n := range map[string]int{
		// STARTED, INPROGRESS, then COMPLETE; the report is fetched once.
		"iam:GenerateCredentialReport": 3, "iam:GetCredentialReport": 1,
		// Six attached policies at two a page.
		"iam:ListPolicies": 3, "iam:GetPolicyVersion": 6,
		"iam:GetAccountSummary": 1, "iam:GetAccountPasswordPolicy": 1,
	} {
		if counts[op] != n {
			t.Errorf("%s called %d times, want %d", op, counts[op], n)
		}
	}

	// The controls read what the scanner filled.
	inv.CollectedAt = iamAt("2026-11-01T12:00:00Z")
	status := findings(t, inv, "iam.")
	for key, want := range map[string]controls.Status{
		"iam.root_mfa_disabled arn:aws:iam::111111111111:root":                       controls.Fail,
		"iam.root_access_keys arn:aws:iam::111111111111:root":                        controls.Fail,
		"iam.user_mfa_disabled arn:aws:iam::111111111111:user/alice":                 controls.Fail,
		"iam.user_mfa_disabled arn:aws:iam::111111111111:user/bob":                   controls.Pass,
		"iam.user_mfa_disabled arn:aws:iam::111111111111:user/deploy-bot":            controls.Pass,
		"iam.admin_privileges arn:aws:iam::111111111111:policy/AdminAll":             controls.Fail,
		"iam.admin_privileges arn:aws:iam::111111111111:policy/Reader1":              controls.Pass,
		"iam.weak_password_policy arn:aws:iam::111111111111:account-password-policy": controls.Fail,
	} {
		if got := status[key]; got != want {
			t.Errorf("finding %s = %q, want %q", key, got, want)
		}
	}
}

// iamFaultWorld has no password policy, a root with MFA and no iamKeys, a
// policy whose document the parser refuses (a condition value that is an
// object), and one with NotResource, which the parser keeps.
const iamFaultWorld = `
aws:
  accessKeys: {AKIASIMULATOR0000001: "222222222222"}
  accounts:
    - id: "222222222222"
      regions: {eu-central-1: {}}
      iam:
        root: {created: 2019-03-04T05:06:07Z, mfa: true}
        users:
          - {name: dave, created: 2025-01-01T00:00:00Z, password: true, mfa: false}
        policies:
          - {name: Broken, attachments: 1, document: '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"k":{"x":1}}}}]}'}
          - {name: Narrow, attachments: 1, document: '{"Statement":[{"Effect":"Allow","Action":"*","NotResource":"arn:aws:s3:::secret/*"}]}'}
`

func TestScanIAMFailures(t *testing.T) {
	const acct = "222222222222"
	rootID := "arn:aws:iam::222222222222:root"
	ppID := "arn:aws:iam::222222222222:account-password-policy"
	tests := []struct {
		name   string
		denied []string
		// wantRoot, wantPP are the facets recorded; wantUsers the user count.
		wantRoot  inventory.Identity
		wantPP    inventory.PasswordPolicy
		wantUsers int
		// wantErrors maps operation to the resource types it left unread.
		wantErrors map[string][]string
		// wantPolicy is whether the policy was recorded (its statements
		// are always unknown here).
		wantPolicy bool
	}{
		{
			name: "no faults: missing password policy, unparsable document",
			wantRoot: inventory.Identity{Kind: inventory.IdentityRoot, MFAEnabled: inventory.True, PasswordLastUsed: iamNever,
				PasswordEnabled: inventory.True, SigningCertificates: inventory.False, Keys: inventory.Known([]inventory.AccessKey{})},
			wantPP:     inventory.PasswordPolicy{Exists: inventory.False},
			wantUsers:  1,
			wantErrors: map[string][]string{"iam:GetPolicyVersion": {inventory.AWSPolicy}},
			wantPolicy: true,
		},
		{
			name:   "credential report denied: root from the summary",
			denied: []string{"iam:GetCredentialReport"},
			// The summary says MFA is on and root has no iamKeys at all.
			wantRoot: inventory.Identity{Kind: inventory.IdentityRoot, MFAEnabled: inventory.True, PasswordEnabled: inventory.True,
				SigningCertificates: inventory.False, Keys: inventory.Known([]inventory.AccessKey{})},
			wantPP:     inventory.PasswordPolicy{Exists: inventory.False},
			wantErrors: map[string][]string{"iam:GetCredentialReport": {inventory.AWSRoot, inventory.AWSUser}, "iam:GetPolicyVersion": {inventory.AWSPolicy}},
			wantPolicy: true,
		},
		{
			name:     "all of IAM denied: everything unknown",
			denied:   []string{"iam:*"},
			wantRoot: inventory.Identity{Kind: inventory.IdentityRoot},
			wantPP:   inventory.PasswordPolicy{},
			wantErrors: map[string][]string{
				"iam:GenerateCredentialReport": {inventory.AWSRoot, inventory.AWSUser},
				"iam:GetAccountSummary":        {inventory.AWSRoot},
				"iam:GetAccountPasswordPolicy": {inventory.AWSPasswordPolicy},
				"iam:ListPolicies":             {inventory.AWSPolicy},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			world := iamFaultWorld
			if len(tt.denied) > 0 {
				world += "faults:\n  accessDenied:\n"
				for _, d := range tt.denied {
					world += "    - {action: \"" + d + "\"}\n"
				}
			}
			srv, o := startSim(t, world)
			inv := scanDomain(t, o, inventory.IAM, scanners.Target{ID: acct, Regions: []string{"eu-central-1"}})

			root, ok := byType(inv, inventory.AWSRoot)[rootID]
			if !ok {
				t.Fatalf("root not recorded; resources %v", iamKeys(byType(inv, inventory.AWSRoot)))
			}
			if got, want := iamJSON(t, root.Identity), iamJSON(t, tt.wantRoot); got != want {
				t.Errorf("root identity = %s, want %s", got, want)
			}
			pp, ok := byType(inv, inventory.AWSPasswordPolicy)[ppID]
			if !ok {
				t.Fatalf("password policy not recorded")
			}
			if got, want := iamJSON(t, pp.PasswordPolicy), iamJSON(t, tt.wantPP); got != want {
				t.Errorf("password policy = %s, want %s", got, want)
			}
			if got := len(byType(inv, inventory.AWSUser)); got != tt.wantUsers {
				t.Errorf("users = %d, want %d", got, tt.wantUsers)
			}
			pol, ok := byType(inv, inventory.AWSPolicy)["arn:aws:iam::222222222222:policy/Broken"]
			if ok != tt.wantPolicy {
				t.Errorf("policy recorded = %v, want %v", ok, tt.wantPolicy)
			}
			if ok && (pol.Policy.Statements.IsKnown() || pol.Policy.Attached != inventory.True) {
				t.Errorf("policy = %s, want attached with unknown statements", iamJSON(t, pol.Policy))
			}
			// NotResource is read as written; the admin control says it
			// cannot judge it, instead of the whole document being lost.
			if narrow, ok := byType(inv, inventory.AWSPolicy)["arn:aws:iam::222222222222:policy/Narrow"]; ok != tt.wantPolicy {
				t.Errorf("policy Narrow recorded = %v, want %v", ok, tt.wantPolicy)
			} else if ok {
				want := []inventory.Statement{{Effect: "Allow", Actions: []string{"*"}, NotResources: []string{"arn:aws:s3:::secret/*"}}}
				if got, _ := narrow.Policy.Statements.Get(); !reflect.DeepEqual(got, want) {
					t.Errorf("policy Narrow statements = %+v, want %+v", got, want)
				}
				if got := controls.AdminPrivileges.Check(controls.Env{Settings: controls.DefaultSettings}, narrow); got.Status != controls.Error {
					t.Errorf("iam.admin_privileges on Narrow = %q %q, want %q", got.Status, got.Message, controls.Error)
				}
			}

			got := map[string][]string{}
			for _, e := range inv.Errors {
				if e.Target != acct || e.Domain != inventory.IAM || e.Region != "" {
					t.Errorf("error entry %+v: want target %s, domain iam, no region", e, acct)
				}
				got[e.Operation] = e.ResourceTypes
				if slices.Contains(tt.denied, e.Operation) || (slices.Contains(tt.denied, "iam:*") && e.Operation != "iam:GetPolicyVersion") {
					if e.Permission != e.Operation {
						t.Errorf("error entry for %s: permission = %q, want %q", e.Operation, e.Permission, e.Operation)
					}
				}
			}
			if !reflect.DeepEqual(got, tt.wantErrors) {
				t.Errorf("error entries (operation: types) = %v, want %v", got, tt.wantErrors)
			}
			if w := srv.Writes(); len(w) > 0 {
				t.Errorf("writes = %+v, want none", w)
			}
		})
	}
}

func TestParseCredentialReport(t *testing.T) {
	// Columns reordered and some dropped (cert_*): the parser goes by
	// header names. Each placeholder appears where AWS prints it, and
	// uppercase booleans as the docs show them.
	const report = "arn,user,mfa_active,password_enabled,password_last_used,password_last_changed,password_next_rotation," +
		"access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date," +
		"access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date\n" +
		"arn:aws:iam::1:root,<root_account>,true,not_supported,no_information,not_supported,not_supported,false,N/A,N/A,false,N/A,N/A\n" +
		"arn:aws:iam::1:user/never,never,false,true,no_information,2026-01-02T03:04:05+00:00,N/A,false,N/A,N/A,true,2026-01-02T03:04:05+00:00,N/A\n" +
		"arn:aws:iam::1:user/nopw,nopw,FALSE,FALSE,N/A,N/A,N/A,TRUE,2025-12-31T23:00:00+00:00,2026-02-01T00:00:00+00:00,false,N/A,N/A\n" +
		"arn:aws:iam::1:user/junk,junk,maybe,true,yesterday,N/A,N/A,false,N/A,N/A,false,N/A,N/A\n"
	root, users, err := parseCredentialReport([]byte(report), "1")
	if err != nil {
		t.Fatalf("parseCredentialReport: %v", err)
	}
	if root == nil {
		t.Fatal("no root row")
	}
	wantRoot := inventory.Identity{Kind: inventory.IdentityRoot, MFAEnabled: inventory.True, PasswordLastUsed: iamNever,
		Keys: inventory.Known([]inventory.AccessKey{})}
	if got, want := iamJSON(t, root.Identity), iamJSON(t, wantRoot); got != want {
		t.Errorf("root = %s, want %s", got, want)
	}
	if root.ID != "arn:aws:iam::1:root" || root.Type != inventory.AWSRoot {
		t.Errorf("root resource = %s %s, want %s arn:aws:iam::1:root", root.Type, root.ID, inventory.AWSRoot)
	}
	want := map[string]inventory.Identity{
		"never": {Kind: inventory.IdentityUser, PasswordEnabled: inventory.True, MFAEnabled: inventory.False,
			PasswordLastUsed: iamNever, PasswordLastChanged: iamKnownAt("2026-01-02T03:04:05Z"),
			Keys: inventory.Known([]inventory.AccessKey{{ID: "access_key_1", Active: inventory.True, Created: iamKnownAt("2026-01-02T03:04:05Z"), LastUsed: iamNever}})},
		// An inactive key still occupies its slot when it has a rotation date.
		"nopw": {Kind: inventory.IdentityUser, PasswordEnabled: inventory.False, MFAEnabled: inventory.False,
			Keys: inventory.Known([]inventory.AccessKey{{ID: "access_key_2", Active: inventory.True, Created: iamKnownAt("2025-12-31T23:00:00Z"), LastUsed: iamKnownAt("2026-02-01T00:00:00Z")}})},
		// Values the parser cannot read stay unknown rather than failing
		// the report.
		"junk": {Kind: inventory.IdentityUser, PasswordEnabled: inventory.True, Keys: inventory.Known([]inventory.AccessKey{})},
	}
	if len(users) != len(want) {
		t.Errorf("users = %d, want %d", len(users), len(want))
	}
	for _, u := range users {
		w, ok := want[u.Name]
		if !ok {
			t.Errorf("unexpected user %q", u.Name)
			continue
		}
		if got, want := iamJSON(t, u.Identity), iamJSON(t, w); got != want {
			t.Errorf("user %s = %s, want %s", u.Name, got, want)
		}
		if u.ID != "arn:aws:iam::1:user/"+u.Name || u.Type != inventory.AWSUser || u.Region != "" {
			t.Errorf("user %s resource = %s %s region %q", u.Name, u.Type, u.ID, u.Region)
		}
	}
}

func TestParseCredentialReportErrors(t *testing.T) {
	tests := []struct{ name, report, want string }{
		{"empty", "", "empty"},
		{"missing columns", "user,arn\n<root_account>,arn:aws:iam::1:root\n", "mfa_active"},
		{"ragged rows", "user,arn\na,b,c\n", "wrong number of fields"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := parseCredentialReport([]byte(tt.report), "1")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseCredentialReport error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestReportTimePlaceholders(t *testing.T) {
	tests := []struct {
		in    string
		never bool
		want  inventory.Time
	}{
		{"N/A", true, iamNever},
		{"no_information", true, iamNever},
		{"not_supported", true, inventory.Time{}},
		{"N/A", false, inventory.Time{}},
		{"no_information", false, inventory.Time{}},
		{"not_supported", false, inventory.Time{}},
		{"", true, inventory.Time{}},
		{"2026-01-02T03:04:05+00:00", false, iamKnownAt("2026-01-02T03:04:05Z")},
		{"2026-01-02T05:04:05+02:00", true, iamKnownAt("2026-01-02T03:04:05Z")},
		{"garbage", true, inventory.Time{}},
	}
	for _, tt := range tests {
		if got := reportTime(tt.in, tt.never); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("reportTime(%q, %v) = %v, want %v", tt.in, tt.never, got, tt.want)
		}
	}
}

func iamJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func iamKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// rootWorld is an organization that manages its members' root credentials
// centrally. Member 222222222222's root has none left; member
// 333333333333's root has a password and a signing certificate but no MFA,
// and its credential report predates MFA being removed; the management
// account's root keeps its password.
const rootWorld = `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  organization:
    management: "111111111111"
    rootCredentialsManagement: true
    members:
      - {id: "111111111111", name: management}
      - {id: "222222222222", name: prod}
      - {id: "333333333333", name: staging}
  accounts:
    - id: "111111111111"
      roles: [ownaudit-audit]
      regions: {eu-central-1: {}}
      iam:
        root: {created: 2018-01-01T00:00:00Z, mfa: false}
    - id: "222222222222"
      roles: [ownaudit-audit]
      regions: {eu-central-1: {}}
      iam:
        root: {created: 2019-01-01T00:00:00Z, mfa: false, noPassword: true}
    - id: "333333333333"
      roles: [ownaudit-audit]
      regions: {eu-central-1: {}}
      iam:
        root: {created: 2020-01-01T00:00:00Z, mfa: false, reportMfa: true, signingCertificate: true}
`

// TestScanIAMRootWithoutCredentials scans an organization through the
// SDK: a member root without password, keys or certificates passes
// iam.root_mfa_disabled and says why; the report and the summary
// disagreeing is said; the management account's root is not centrally
// managed whatever the organization's feature.
func TestScanIAMRootWithoutCredentials(t *testing.T) {
	srv, o := startSim(t, rootWorld)
	target := scanners.Target{Cloud: inventory.AWS, Group: groupOrganization, Regions: []string{"eu-central-1"},
		Params: map[string]string{paramAssumeRoleName: "ownaudit-audit"}}
	inv := scanDomain(t, o, inventory.IAM, target)
	for _, e := range inv.Errors {
		t.Errorf("scan error: %s %s: %s", e.Target, e.Operation, e.Message)
	}
	if n := srv.Counts()["iam:ListOrganizationsFeatures"]; n != 1 {
		t.Errorf("iam:ListOrganizationsFeatures called %d times, want once for the organization", n)
	}
	roots := byType(inv, inventory.AWSRoot)
	wantID := map[string]inventory.Identity{
		"111111111111": {Kind: inventory.IdentityRoot, MFAEnabled: inventory.False, PasswordEnabled: inventory.True, PasswordLastUsed: iamNever,
			SigningCertificates: inventory.False, Keys: inventory.Known([]inventory.AccessKey{})},
		"222222222222": {Kind: inventory.IdentityRoot, MFAEnabled: inventory.False, PasswordEnabled: inventory.False, PasswordLastUsed: iamNever,
			SigningCertificates: inventory.False, Keys: inventory.Known([]inventory.AccessKey{}), CentrallyManaged: inventory.True},
		"333333333333": {Kind: inventory.IdentityRoot, MFAEnabled: inventory.False, PasswordEnabled: inventory.True, PasswordLastUsed: iamNever,
			SigningCertificates: inventory.True, Keys: inventory.Known([]inventory.AccessKey{}), CentrallyManaged: inventory.True,
			SourceConflicts: []string{"the credential report says mfa_active=true but the live account summary says AccountMFAEnabled=0; the summary is used"}},
	}
	env := controls.Env{Settings: controls.DefaultSettings, Now: iamAt("2026-11-01T12:00:00Z")}
	wantMFA := map[string]struct {
		status  controls.Status
		message string
	}{
		"111111111111": {controls.Fail, "root user has no MFA device, and has a password"},
		"222222222222": {controls.Pass, "the root user has no password, access keys or signing certificates, so nobody can sign in as root or use its credentials, " +
			"and MFA has nothing to protect; the organization manages the account's root credentials centrally"},
		"333333333333": {controls.Fail, "root user has no MFA device, and has a password and an active signing certificate " +
			"(the credential report says mfa_active=true but the live account summary says AccountMFAEnabled=0; the summary is used)"},
	}
	for acct, want := range wantID {
		r, ok := roots["arn:aws:iam::"+acct+":root"]
		if !ok {
			t.Errorf("no root for %s", acct)
			continue
		}
		if got, w := iamJSON(t, r.Identity), iamJSON(t, want); got != w {
			t.Errorf("%s root identity = %s, want %s", acct, got, w)
		}
		got := controls.RootMFADisabled.Check(env, r)
		if w := wantMFA[acct]; got.Status != w.status || got.Message != w.message {
			t.Errorf("%s iam.root_mfa_disabled = %q %q, want %q %q", acct, got.Status, got.Message, w.status, w.message)
		}
	}
}

// TestScanIAMOrganizationFeaturesRefused leaves central management
// unknown, without a scan error, when IAM will not list the features.
func TestScanIAMOrganizationFeaturesRefused(t *testing.T) {
	_, o := startSim(t, rootWorld+"faults:\n  accessDenied:\n    - {action: iam:ListOrganizationsFeatures}\n")
	target := scanners.Target{Cloud: inventory.AWS, Group: groupOrganization, Regions: []string{"eu-central-1"},
		Params: map[string]string{paramAssumeRoleName: "ownaudit-audit"}}
	inv := scanDomain(t, o, inventory.IAM, target)
	for _, e := range inv.Errors {
		t.Errorf("scan error: %s %s: %s", e.Target, e.Operation, e.Message)
	}
	r := byType(inv, inventory.AWSRoot)["arn:aws:iam::222222222222:root"]
	if r.Identity == nil || r.Identity.CentrallyManaged.IsKnown() {
		t.Fatalf("222222222222 root = %+v, want central management unknown", r.Identity)
	}
	got := controls.RootMFADisabled.Check(controls.Env{Settings: controls.DefaultSettings}, r)
	if want := "the root user has no password, access keys or signing certificates, so nobody can sign in as root or use its credentials, and MFA has nothing to protect"; got.Status != controls.Pass || got.Message != want {
		t.Errorf("iam.root_mfa_disabled = %q %q, want %q %q", got.Status, got.Message, controls.Pass, want)
	}
}
