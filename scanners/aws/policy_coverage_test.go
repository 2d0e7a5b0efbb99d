package aws

import (
	"context"
	"encoding/json"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// iamPolicyFile is the least-privilege policy the documentation tells
// users to give ownaudit's role.
const iamPolicyFile = "../../configs/aws/iam-policy.json"

// s3Permissions maps the S3 operations whose IAM action has another name.
var s3Permissions = map[string]string{
	"s3:ListBuckets":          "s3:ListAllMyBuckets",
	"s3:GetBucketEncryption":  "s3:GetEncryptionConfiguration",
	"s3:GetBucketPolicy":      "s3:GetBucketPolicy",
	"s3:GetBucketLocation":    "s3:GetBucketLocation",
	"s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
}

// permissionFor is the IAM action that allows an operation the simulator
// recorded ("service:Operation", service being the signing name).
func permissionFor(op string) string {
	if p, ok := s3Permissions[op]; ok {
		return p
	}
	return op
}

// readOnlyExceptions are the granted actions that do not read by their
// name: the report is generated before it is read, and the member
// accounts are entered with AssumeRole.
var readOnlyExceptions = []string{"iam:GenerateCredentialReport", "sts:AssumeRole"}

// TestIAMPolicyCoversEveryCall scans an organization whose member accounts
// hold every resource kind, and its management account, with all four AWS
// scanners, and checks that the shipped policy allows each call made and
// grants nothing else: no write, no wildcard, no action the scanners do
// not call. On the way it checks that every resource carries exactly the
// facets inventory.Types gives its type.
func TestIAMPolicyCoversEveryCall(t *testing.T) {
	world, err := os.ReadFile("testdata/world-full.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(iamPolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	granted := grantedActions(t, string(doc))

	srv, o := startSim(t, string(world))
	g := scanners.NewRegistry(o.Options)
	register(g, o)
	if n := len(g.Registered()); n != len(inventory.Domains) {
		t.Errorf("registered AWS scanners = %d, want one per domain (%d)", n, len(inventory.Domains))
	}
	// The organization's members are entered with AssumeRole; the
	// management account is read with the ambient credentials, which is
	// the path that calls sts:GetCallerIdentity.
	targets := []scanners.Target{
		{Cloud: inventory.AWS, Group: groupOrganization, Params: map[string]string{paramAssumeRoleName: "ownaudit-audit"}},
		{Cloud: inventory.AWS},
	}
	inv := &inventory.Inventory{SchemaVersion: inventory.SchemaVersion}
	g.Run(context.Background(), targets, g.Registered(), 4).Fill(inv)

	// A clean scan of a world with every kind reaches every call a scan
	// can make; an error entry would hide the calls after it.
	for _, e := range inv.Errors {
		t.Errorf("scan error: %s %s %s %s: %s", e.Target, e.Region, e.Domain, e.Operation, e.Message)
	}
	seen := map[string]bool{}
	for _, r := range inv.Resources {
		seen[r.Type] = true
		// What the scanners set agrees with the type's facets: an RDS
		// instance, read in part by the patching and in part by the
		// encryption scanner, comes out of the merge with both.
		got, want := slices.Sorted(slices.Values(r.Facets())), slices.Sorted(slices.Values(inventory.Types[r.Type].Facets))
		if !slices.Equal(got, want) {
			t.Errorf("%s %s has facets %v, want %v as inventory.Types says", r.Type, r.ID, got, want)
		}
	}
	for _, typ := range inventory.TypeNames() {
		if inventory.Types[typ].Cloud == inventory.AWS && !seen[typ] {
			t.Errorf("no %s in the inventory; the world or a scanner misses it, so its calls went unchecked", typ)
		}
	}
	for _, id := range []string{"111111111111", "222222222222", "333333333333"} {
		if !slices.ContainsFunc(inv.Resources, func(r inventory.Resource) bool { return r.Target == id }) {
			t.Errorf("nothing read from account %s", id)
		}
	}

	called := map[string]bool{}
	for _, op := range srv.Operations() {
		p := permissionFor(op)
		called[p] = true
		if !granted[p] {
			t.Errorf("the scanners call %s, which needs %s; %s does not grant it", op, p, iamPolicyFile)
		}
	}
	for a := range granted {
		if !called[a] {
			t.Errorf("%s grants %s, which no scanner called: least privilege wants it gone", iamPolicyFile, a)
		}
	}
	// AssumeRole is the one grant that reaches beyond the account: it is
	// scoped to the audit roles' names, which every role the scan assumed
	// has, and no administrator role has.
	roles := grantedResources(t, string(doc), "sts:AssumeRole")
	if len(roles) == 0 || slices.Contains(roles, "*") {
		t.Errorf("%s grants sts:AssumeRole on %q, want the audit roles' ARN pattern only", iamPolicyFile, roles)
	}
	assumed := 0
	for _, r := range srv.Requests() {
		if r.Action() == "sts:AssumeRole" {
			assumed++
			if !slices.ContainsFunc(roles, func(p string) bool { return arnMatch(p, r.Resource) }) {
				t.Errorf("the scan assumed %s, which %s does not allow (it allows %q)", r.Resource, iamPolicyFile, roles)
			}
		}
	}
	if assumed == 0 {
		t.Error("the scan assumed no role; the AssumeRole grant went unchecked")
	}
	for _, arn := range []string{"arn:aws:iam::222222222222:role/OrganizationAccountAccessRole", "arn:aws:iam::222222222222:role/Admin",
		"arn:aws:iam::222222222222:role/x-ownaudit-audit", "arn:aws:iam::222222222222:user/ownaudit-audit"} {
		if slices.ContainsFunc(roles, func(p string) bool { return arnMatch(p, arn) }) {
			t.Errorf("%s lets ownaudit assume %s", iamPolicyFile, arn)
		}
	}
	if w := srv.Writes(); len(w) > 0 {
		t.Errorf("writes = %+v, want none", w)
	}
}

// grantedResources returns the resources of the statements that allow
// action.
func grantedResources(t *testing.T, doc, action string) []string {
	t.Helper()
	stmts, err := parsePolicy(doc)
	if err != nil {
		t.Fatalf("%s: %v", iamPolicyFile, err)
	}
	var out []string
	for _, st := range stmts {
		if slices.Contains(st.Actions, action) {
			out = append(out, st.Resources...)
		}
	}
	return out
}

// arnMatch matches an ARN against a policy's resource pattern, where *
// stands for any characters and ? for one, as IAM reads them.
func arnMatch(pattern, arn string) bool {
	re := strings.NewReplacer(`\*`, ".*", `\?`, ".").Replace(regexp.QuoteMeta(pattern))
	return regexp.MustCompile("^" + re + "$").MatchString(arn)
}

// grantedActions checks the policy's shape and returns the actions it
// allows.
func grantedActions(t *testing.T, doc string) map[string]bool {
	t.Helper()
	var raw struct {
		Version   string
		Statement []struct{ Sid string }
	}
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatalf("%s: %v", iamPolicyFile, err)
	}
	if raw.Version != "2012-10-17" {
		t.Errorf("policy Version = %q, want 2012-10-17", raw.Version)
	}
	for i, st := range raw.Statement {
		if st.Sid == "" {
			t.Errorf("policy statement %d has no Sid", i)
		}
	}
	stmts, err := parsePolicy(doc)
	if err != nil {
		t.Fatalf("%s: %v", iamPolicyFile, err)
	}
	granted := map[string]bool{}
	for i, st := range stmts {
		if st.Effect != "Allow" {
			t.Errorf("policy statement %d: Effect %q, want Allow only", i, st.Effect)
		}
		if len(st.NotActions) > 0 || len(st.Principals) > 0 || len(st.Conditions) > 0 {
			t.Errorf("policy statement %d: want Action and Resource only, got %+v", i, st)
		}
		for _, a := range st.Actions {
			if granted[a] {
				t.Errorf("policy grants %s twice", a)
			}
			granted[a] = true
			service, op, ok := strings.Cut(a, ":")
			switch {
			case !ok || service == "" || op == "":
				t.Errorf("policy action %q is not service:Operation", a)
			case strings.ContainsAny(a, "*?"):
				t.Errorf("policy action %q is a wildcard; list each action", a)
			case !slices.Contains(readOnlyExceptions, a) &&
				!strings.HasPrefix(op, "Describe") && !strings.HasPrefix(op, "List") && !strings.HasPrefix(op, "Get"):
				t.Errorf("policy action %q does not read (Describe*, List*, Get*)", a)
			}
		}
	}
	return granted
}
