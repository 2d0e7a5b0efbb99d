package aws

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

const orgWorld = `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  optInRegions: [me-south-1]
  organization:
    management: "111111111111"
    pageSize: 2
    members:
      - {id: "111111111111", name: management}
      - {id: "222222222222", name: prod}
      - {id: "333333333333", name: closed, status: SUSPENDED}
      - {id: "444444444444", name: forgotten}
      - {id: "555555555555", name: partner}
  accounts:
    - id: "111111111111"
      roles: [ownaudit-audit]
      regions: {eu-central-1: {}, us-east-1: {}}
    - id: "222222222222"
      roles: [ownaudit-audit]
      regions: {eu-west-1: {}}
    - id: "333333333333"
      roles: [ownaudit-audit]
    - id: "444444444444"
      roles: [some-other-role]
    - id: "555555555555"
      roles: [ownaudit-audit]
      externalIds: {ownaudit-audit: acme-7f3a}
      regions: {eu-west-1: {}}
`

func TestOrganizationFansOutIntoActiveAccounts(t *testing.T) {
	srv, o := startSim(t, orgWorld)
	e := newEnv(o)
	out := scanners.NewSink()
	target := scanners.Target{Cloud: inventory.AWS, Group: groupOrganization, Params: map[string]string{paramAssumeRoleName: "ownaudit-audit"}}
	accts, err := e.accounts(context.Background(), target, out)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*account{}
	for _, a := range accts {
		got[a.ID] = a
	}
	if len(got) != 4 || got["333333333333"] != nil {
		t.Fatalf("accounts = %v, want the 4 active members (333333333333 is suspended)", keys(got))
	}
	for _, id := range []string{"111111111111", "222222222222"} {
		if a := got[id]; a.err != nil {
			t.Errorf("account %s: %v, want the role assumed", id, a.err)
		}
	}
	if r := strings.Join(got["111111111111"].Regions, ","); r != "eu-central-1,us-east-1" {
		t.Errorf("regions of 111111111111 = %s, want the enabled ones from DescribeRegions", r)
	}
	if a := got["444444444444"]; a.err == nil || a.operation != "sts:AssumeRole" {
		t.Errorf("account 444444444444 (no such role) = %v / %q, want an sts:AssumeRole error", a.err, a.operation)
	}
	// 555555555555 demands an external id the target does not give.
	if a := got["555555555555"]; a.err == nil {
		t.Error("account 555555555555 assumed without its external id")
	}
	counts := srv.Counts()
	if counts["organizations:ListAccounts"] != 1 {
		t.Errorf("ListAccounts requests = %d, want 1: the 5 members fit in one page of the 20 asked for (the default page holds 2 here)", counts["organizations:ListAccounts"])
	}
	if counts["sts:AssumeRole"] != 4 {
		t.Errorf("AssumeRole requests = %d, want one per active member (4)", counts["sts:AssumeRole"])
	}
	if counts["ec2:DescribeRegions"] != 2 {
		t.Errorf("DescribeRegions requests = %d, want one per assumed account (2)", counts["ec2:DescribeRegions"])
	}
	// A second scanner of the same run reuses the resolution.
	if _, err := e.accounts(context.Background(), target, out); err != nil {
		t.Fatal(err)
	}
	if again := srv.Counts(); again["sts:AssumeRole"] != 4 || again["organizations:ListAccounts"] != 1 {
		t.Errorf("second resolution made calls: %v", again)
	}
	var inv inventory.Inventory
	out.Fill(&inv)
	names := map[string]string{}
	for _, tg := range inv.Targets {
		names[tg.ID] = tg.Name
	}
	if names["222222222222"] != "prod" || len(names) != 4 {
		t.Errorf("targets = %v, want the 4 members with their names", names)
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %v", w)
	}
}

func TestOrganizationMemberThatCannotBeAssumedIsAnErrorEntry(t *testing.T) {
	_, o := startSim(t, orgWorld)
	e := newEnv(o)
	out := scanners.NewSink()
	target := scanners.Target{Cloud: inventory.AWS, Group: groupOrganization, Params: map[string]string{paramAssumeRoleName: "ownaudit-audit", paramExternalID: "acme-7f3a"}}
	var mu sync.Mutex
	visited := map[string]bool{}
	err := e.eachAccount(context.Background(), target, out, inventory.IAM, func(a *account) {
		mu.Lock()
		defer mu.Unlock()
		visited[a.ID] = true
	})
	if err != nil {
		t.Fatal(err)
	}
	// With the external id, 555555555555 works; 111 and 222 do not demand
	// one, and a trust policy without one accepts it.
	for _, id := range []string{"111111111111", "222222222222", "555555555555"} {
		if !visited[id] {
			t.Errorf("account %s was not scanned", id)
		}
	}
	var inv inventory.Inventory
	out.Fill(&inv)
	if len(inv.Errors) != 1 {
		t.Fatalf("errors = %+v, want one for 444444444444", inv.Errors)
	}
	got := inv.Errors[0]
	if got.Target != "444444444444" || got.Domain != inventory.IAM || got.Operation != "sts:AssumeRole" ||
		!strings.Contains(got.Message, "ownaudit-audit") {
		t.Errorf("error entry = %+v, want account 444444444444, domain iam, operation sts:AssumeRole, naming the role", got)
	}
	if got.Permission != "sts:AssumeRole" {
		t.Errorf("permission = %q, want sts:AssumeRole", got.Permission)
	}
}

func TestTargetsWithoutOrganization(t *testing.T) {
	for _, tc := range []struct {
		name    string
		target  scanners.Target
		wantID  string
		wantErr string // in the account's error, "" for none
		regions string
	}{
		{"ambient credentials", scanners.Target{}, "111111111111", "", "eu-central-1,us-east-1"},
		{"declared account matches the credentials", scanners.Target{ID: "111111111111", Regions: []string{"eu-central-1"}}, "111111111111", "", "eu-central-1"},
		{"declared account is another one", scanners.Target{ID: "222222222222"}, "222222222222", "belong to account 111111111111", ""},
		{"assumed role", scanners.Target{ID: "222222222222", Params: map[string]string{paramAssumeRole: "arn:aws:iam::222222222222:role/ownaudit-audit"}}, "222222222222", "", "eu-west-1"},
		{"account taken from the role", scanners.Target{Params: map[string]string{paramAssumeRole: "arn:aws:iam::222222222222:role/ownaudit-audit"}}, "222222222222", "", "eu-west-1"},
		{"external id demanded", scanners.Target{ID: "555555555555", Params: map[string]string{paramAssumeRole: "arn:aws:iam::555555555555:role/ownaudit-audit"}}, "555555555555", "AccessDenied", ""},
		{"external id given", scanners.Target{ID: "555555555555", Params: map[string]string{paramAssumeRole: "arn:aws:iam::555555555555:role/ownaudit-audit", paramExternalID: "acme-7f3a"}}, "555555555555", "", "eu-west-1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, o := startSim(t, orgWorld)
			tc.target.Cloud = inventory.AWS
			accts, err := newEnv(o).accounts(context.Background(), tc.target, scanners.NewSink())
			if err != nil {
				t.Fatal(err)
			}
			if len(accts) != 1 || accts[0].ID != tc.wantID {
				t.Fatalf("accounts = %+v, want %s", accts, tc.wantID)
			}
			a := accts[0]
			switch {
			case tc.wantErr == "" && a.err != nil:
				t.Errorf("error = %v, want none", a.err)
			case tc.wantErr != "" && (a.err == nil || !strings.Contains(a.err.Error(), tc.wantErr)):
				t.Errorf("error = %v, want one containing %q", a.err, tc.wantErr)
			}
			if got := strings.Join(a.Regions, ","); got != tc.regions {
				t.Errorf("regions = %q, want %q", got, tc.regions)
			}
		})
	}
}

func TestThrottlingIsRetriedBySDK(t *testing.T) {
	srv, o := startSim(t, orgWorld)
	// The first attempt of every call is throttled and the second answered
	// with a 500; the standard retryer's third attempt gets through, and
	// nothing is lost.
	srv.SetFaults(cloudsim.Faults{FailFirstAttempts: 2})
	accts, err := newEnv(o).accounts(context.Background(),
		scanners.Target{Cloud: inventory.AWS, Group: groupOrganization, Params: map[string]string{paramAssumeRoleName: "ownaudit-audit"}}, scanners.NewSink())
	if err != nil {
		t.Fatal(err)
	}
	if len(accts) != 4 {
		t.Fatalf("accounts = %d, want 4 despite throttling", len(accts))
	}
	throttled := 0
	for _, r := range srv.Requests() {
		if r.Code == "ThrottlingException" || r.Code == "Throttling" || r.Code == "RequestLimitExceeded" {
			throttled++
		}
	}
	if throttled == 0 {
		t.Error("no request was throttled; the fault knob did nothing")
	}
	calls := 0
	for _, n := range srv.Counts() {
		calls += n
	}
	if got := len(srv.Requests()); got != 3*calls {
		t.Errorf("requests = %d for %d calls, want 3 attempts each", got, calls)
	}
}

func keys(m map[string]*account) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestRDSIsReadOnceForPatchingAndEncryption(t *testing.T) {
	srv, o := startSim(t, `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-west-1:
          dbInstances:
            - {id: orders, engine: postgres, engineVersion: "16.4", storageEncrypted: false, autoMinorVersionUpgrade: true}
`)
	g := scanners.NewRegistry(o.Options)
	register(g, o)
	var sel []scanners.Registration
	for _, r := range g.Registered() {
		if r.Domain == inventory.Patching || r.Domain == inventory.Encryption {
			sel = append(sel, r)
		}
	}
	inv := &inventory.Inventory{}
	g.Run(context.Background(), []scanners.Target{{Cloud: inventory.AWS, ID: "111111111111", Regions: []string{"eu-west-1"}}}, sel, 4).Fill(inv)
	if n := srv.Counts()["rds:DescribeDBInstances"]; n != 1 {
		t.Errorf("DescribeDBInstances calls = %d, want 1 for both scanners", n)
	}
	dbs := byType(inv, inventory.AWSDBInstance)
	if len(dbs) != 1 {
		t.Fatalf("RDS resources = %d, want 1", len(dbs))
	}
	for _, db := range dbs {
		if db.Upgrade == nil || db.Database == nil || db.Upgrade.AutoUpgrade != inventory.True || db.Database.StorageEncrypted != inventory.False {
			t.Errorf("orders = upgrade %+v database %+v, want both facets from the one read", db.Upgrade, db.Database)
		}
	}
}
