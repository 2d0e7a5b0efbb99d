package rules

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/inventory"
)

// evalDeclaration spans the three clouds: AWS firewall/patching/encryption
// to the MSP and IAM to the customer, RDS patching to AWS, Azure patching
// to the MSP (its firewall left unassigned), GCP patching to the MSP.
func evalDeclaration() *declaration.Declaration {
	return &declaration.Declaration{
		Version: 1,
		Parties: testParties,
		Responsibilities: []declaration.Responsibility{
			entry(10, declaration.Match{Cloud: inventory.AWS}, map[inventory.Domain]string{
				inventory.Firewall: "claranet", inventory.Patching: "claranet", inventory.Encryption: "claranet", inventory.IAM: "acme"}, nil),
			entry(14, declaration.Match{Cloud: inventory.AWS, ResourceTypes: []string{inventory.AWSDBInstance}}, map[inventory.Domain]string{inventory.Patching: "aws"}, nil),
			entry(17, declaration.Match{Cloud: inventory.Azure}, map[inventory.Domain]string{inventory.Patching: "claranet"}, nil),
			entry(20, declaration.Match{Cloud: inventory.GCP}, map[inventory.Domain]string{inventory.Patching: "claranet"}, nil),
		},
	}
}

var (
	evalCollected = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	openToAll     = &inventory.FirewallRules{Rules: inventory.Known([]inventory.Rule{{
		ID: "ingress/0", Direction: inventory.Ingress, Action: inventory.Allow, Protocol: "-1",
		Sources: []inventory.Source{{Kind: inventory.SourceCIDR, Value: "0.0.0.0/0"}},
	}})}
)

func sgIn(account string) inventory.Resource {
	r := res(inventory.AWS, account, "eu-central-1", inventory.AWSSecurityGroup, "sg-1", nil)
	r.Name = "web"
	r.Firewall = openToAll
	return r
}

func evalInventory() *inventory.Inventory {
	root := res(inventory.AWS, "111111111111", "", inventory.AWSRoot, "arn:aws:iam::111111111111:root", nil)
	root.Identity = &inventory.Identity{Kind: inventory.IdentityRoot, MFAEnabled: inventory.False, PasswordEnabled: inventory.True}
	rds := res(inventory.AWS, "111111111111", "eu-central-1", inventory.AWSDBInstance, "db-1", nil)
	rds.Upgrade = &inventory.ManagedUpgrade{AutoUpgrade: inventory.False, Engine: "postgres"}
	rds.Database = &inventory.Database{Engine: "postgres"}
	vm := res(inventory.Azure, "00000000-0000-0000-0000-000000000000", "westeurope", inventory.AzureVM, "vm-1", nil)
	vm.VM = &inventory.VM{State: "running", Running: inventory.True, PatchManaged: inventory.False}
	nsg := res(inventory.Azure, "00000000-0000-0000-0000-000000000000", "westeurope", inventory.AzureNSG, "nsg-1", nil)
	nsg.Firewall = openToAll
	pool := res(inventory.GCP, "acme-prod", "europe-west1", inventory.GCPNodePool, "pool-1", nil)
	pool.Upgrade = &inventory.ManagedUpgrade{AutoUpgrade: inventory.False}
	gce := res(inventory.GCP, "acme-prod", "europe-west1-b", inventory.GCPInstance, "gce-1", nil)
	gce.VM = &inventory.VM{State: "RUNNING", Running: inventory.True, PatchManaged: inventory.True,
		LastAssessed: inventory.Known(evalCollected.Add(-10 * 24 * time.Hour))}
	disk := res(inventory.GCP, "acme-prod", "europe-west1-b", inventory.GCPDisk, "disk-1", nil)
	disk.Volume = &inventory.Volume{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider)}
	return &inventory.Inventory{
		SchemaVersion: inventory.SchemaVersion,
		CollectedAt:   evalCollected,
		Resources: []inventory.Resource{
			root, sgIn("111111111111"), sgIn("222222222222"), rds, vm, nsg, pool, gce, disk,
			root, // a repeat, e.g. from merging a shard twice
			{Cloud: inventory.AWS, Target: "111111111111", Type: "aws.nope.thing", ID: "x-1"},
		},
	}
}

// findingOn returns the finding of control on the resource in target with
// id, or nil.
func findingOn(fs []Finding, control, target, id string) *Finding {
	for i, f := range fs {
		if f.Control == control && f.Resource.Target == target && f.Resource.ID == id {
			return &fs[i]
		}
	}
	return nil
}

func TestEvaluateAttributesFindings(t *testing.T) {
	fs := Evaluate(evalInventory(), evalDeclaration())
	cases := []struct {
		name       string
		control    string
		target, id string
		status     controls.Status
		party      string // "" for unattributed
		line       int
		expected   []controls.Role
		references []string // must be among the finding's references
	}{
		{"root MFA to the customer", "iam.root_mfa_disabled", "111111111111", "arn:aws:iam::111111111111:root", controls.Fail, "acme", 10,
			[]controls.Role{controls.Customer, controls.MSP}, []string{"cis_7.0_aws:2.5"}},
		{"security group to the MSP", "firewall.all_ports_open_to_internet", "111111111111", "sg-1", controls.Fail, "claranet", 10,
			[]controls.Role{controls.Customer, controls.MSP}, nil},
		{"RDS upgrades to the provider", "patching.managed_auto_upgrade_disabled", "111111111111", "db-1", controls.Fail, "aws", 14,
			[]controls.Role{controls.Customer, controls.MSP, controls.Provider}, []string{"cis_7.0_aws:3.2.2"}},
		{"Azure VM to the MSP", "patching.vm_unmanaged", "00000000-0000-0000-0000-000000000000", "vm-1", controls.Fail, "claranet", 17,
			[]controls.Role{controls.Customer, controls.MSP}, nil},
		{"Azure NSG unattributed", "firewall.all_ports_open_to_internet", "00000000-0000-0000-0000-000000000000", "nsg-1", controls.Fail, "", 0,
			[]controls.Role{controls.Customer, controls.MSP}, nil},
		{"GKE pool without AWS references", "patching.managed_auto_upgrade_disabled", "acme-prod", "pool-1", controls.Fail, "claranet", 20,
			[]controls.Role{controls.Customer, controls.MSP, controls.Provider}, nil},
		{"stale assessment measured from the collection time", "patching.assessment_stale", "acme-prod", "gce-1", controls.Fail, "claranet", 20,
			[]controls.Role{controls.Customer, controls.MSP}, nil},
		{"Azure firewall unassigned", OwnershipUnassigned, "00000000-0000-0000-0000-000000000000", "nsg-1", controls.Fail, "", 0,
			[]controls.Role{controls.Customer, controls.MSP}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := findingOn(fs, tc.control, tc.target, tc.id)
			if f == nil {
				t.Fatalf("Evaluate() has no %s finding on %s/%s", tc.control, tc.target, tc.id)
			}
			if f.Status != tc.status {
				t.Errorf("%s status = %q (%s), want %q", tc.control, f.Status, f.Message, tc.status)
			}
			switch {
			case tc.party == "" && f.Responsible != nil:
				t.Errorf("%s responsible = %+v, want nil", tc.control, f.Responsible)
			case tc.party != "" && (f.Responsible == nil || f.Responsible.Party != tc.party || f.Responsible.DecidedBy.Line != tc.line ||
				f.Responsible.DecidedBy.File != testFile):
				t.Errorf("%s responsible = %+v, want %s decided at %s:%d", tc.control, f.Responsible, tc.party, testFile, tc.line)
			}
			if !slices.Equal(f.ExpectedRoles, tc.expected) {
				t.Errorf("%s expectedRoles = %v, want %v", tc.control, f.ExpectedRoles, tc.expected)
			}
			for _, want := range tc.references {
				if !slices.Contains(f.References, want) {
					t.Errorf("%s references = %v, want %s among them", tc.control, f.References, want)
				}
			}
			for _, ref := range f.References {
				if !strings.Contains(ref, "_"+string(f.Resource.Cloud)+":") {
					t.Errorf("%s on a %s resource has reference %s of another cloud", tc.control, f.Resource.Cloud, ref)
				}
			}
			if f.Title == "" || f.Message == "" || f.Severity.Rank() == 0 || f.Domain == "" {
				t.Errorf("%s = %+v, want title, message, severity and domain", tc.control, f)
			}
		})
	}

	t.Run("provider cell needs no declaration", func(t *testing.T) {
		if f := findingOn(fs, OwnershipUnassigned, "acme-prod", "disk-1"); f != nil {
			t.Errorf("Evaluate() = %+v, want no unassigned finding on a GCP disk", f)
		}
	})
	t.Run("nothing reported for unknown types", func(t *testing.T) {
		for _, f := range fs {
			if f.Resource.ID == "x-1" {
				t.Errorf("Evaluate() reported %s on a resource of unknown type", f.Control)
			}
		}
	})
	t.Run("no not-applicable results", func(t *testing.T) {
		for _, f := range fs {
			if !slices.Contains(controls.Statuses, f.Status) {
				t.Errorf("Evaluate() reported %s on %s with status %q", f.Control, f.Resource.ID, f.Status)
			}
		}
	})
	t.Run("sorted", func(t *testing.T) {
		order := func(a, b Finding) int {
			if c := slices.Index(inventory.Domains, a.Domain) - slices.Index(inventory.Domains, b.Domain); c != 0 {
				return c
			}
			if c := strings.Compare(a.Control, b.Control); c != 0 {
				return c
			}
			return strings.Compare(refUID(a.Resource), refUID(b.Resource))
		}
		if !slices.IsSortedFunc(fs, order) {
			t.Error("Evaluate() findings are not sorted by domain, control and resource")
		}
	})
}

func TestEvaluateSettings(t *testing.T) {
	d := evalDeclaration()
	d.Settings = controls.Settings{PatchAssessmentMaxAgeDays: 30}
	fs := Evaluate(evalInventory(), d)
	f := findingOn(fs, "patching.assessment_stale", "acme-prod", "gce-1")
	if f == nil || f.Status != controls.Pass {
		t.Errorf("assessment_stale with 30 days allowed = %+v, want pass", f)
	}
}

func TestEvaluateStableIDs(t *testing.T) {
	first := Evaluate(evalInventory(), evalDeclaration())
	second := Evaluate(evalInventory(), evalDeclaration())
	if !reflect.DeepEqual(first, second) {
		t.Fatal("two evaluations of the same input differ")
	}
	seen := map[string]Finding{}
	for _, f := range first {
		if prev, dup := seen[f.ID]; dup {
			t.Errorf("finding id %s is shared by %s on %s and %s on %s", f.ID, prev.Control, refUID(prev.Resource), f.Control, refUID(f.Resource))
		}
		seen[f.ID] = f
	}

	const control = "firewall.all_ports_open_to_internet"
	a := findingOn(first, control, "111111111111", "sg-1")
	b := findingOn(first, control, "222222222222", "sg-1")
	if a == nil || b == nil {
		t.Fatalf("Evaluate() is missing %s on sg-1 in one of the accounts", control)
	}
	if a.ID == b.ID {
		t.Errorf("sg-1 in two accounts share finding id %s", a.ID)
	}
	if want := FindingID(control, Ref(sgIn("111111111111"))); a.ID != want {
		t.Errorf("finding id = %s, want FindingID() = %s", a.ID, want)
	}
	west := sgIn("111111111111")
	west.Region = "eu-west-1"
	if FindingID(control, Ref(west)) == a.ID {
		t.Error("sg-1 in two regions of one account share a finding id")
	}

	// A resource renamed or retagged between scans keeps its ids.
	inv := evalInventory()
	inv.Resources[1].Name = "renamed"
	inv.Resources[1].Tags = map[string]string{"env": "prod"}
	if c := findingOn(Evaluate(inv, evalDeclaration()), control, "111111111111", "sg-1"); c == nil || c.ID != a.ID {
		t.Errorf("finding id after a rename = %v, want %s", c, a.ID)
	}

	n := 0
	for _, f := range first {
		if f.Control == "iam.root_mfa_disabled" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("got %d root MFA findings from a repeated resource, want 1", n)
	}
}

func TestEvaluateNilDeclaration(t *testing.T) {
	fs := Evaluate(evalInventory(), nil)
	if len(fs) == 0 {
		t.Fatal("Evaluate(inv, nil) = no findings, want control and unassigned findings")
	}
	for _, f := range fs {
		if f.Responsible != nil {
			t.Errorf("Evaluate(inv, nil) attributed %s on %s to %+v, want nobody", f.Control, f.Resource.ID, f.Responsible)
		}
	}
	if f := findingOn(fs, OwnershipUnassigned, "111111111111", "sg-1"); f == nil {
		t.Error("Evaluate(inv, nil) has no unassigned finding on sg-1")
	}
	if got := Evaluate(nil, evalDeclaration()); got != nil {
		t.Errorf("Evaluate(nil, d) = %v, want nil", got)
	}
}

func TestEvaluateRecoversFromPanickingCheck(t *testing.T) {
	c := &controls.Control{ID: "test.panics", Check: func(controls.Env, inventory.Resource) controls.Result { panic("boom") }}
	got := runCheck(c, controls.Env{}, inventory.Resource{})
	if got.Status != controls.Error || !strings.Contains(got.Message, "boom") {
		t.Errorf("runCheck(panicking) = %q %q, want error naming the panic", got.Status, got.Message)
	}
}

func TestEvaluateCloudReferences(t *testing.T) {
	refs := []controls.Reference{{Benchmark: "cis_7.0_aws", ID: "2.12"}, {Benchmark: "cis_5.0_azure", ID: "9.3.1.2"}, {Benchmark: "cis_5.0_gcp", ID: "1.8"}}
	cases := []struct {
		cloud inventory.Cloud
		want  []string
	}{
		{inventory.AWS, []string{"cis_7.0_aws:2.12"}},
		{inventory.Azure, []string{"cis_5.0_azure:9.3.1.2"}},
		{inventory.GCP, []string{"cis_5.0_gcp:1.8"}},
	}
	for _, tc := range cases {
		t.Run(string(tc.cloud), func(t *testing.T) {
			if got := cloudReferences(refs, tc.cloud); !slices.Equal(got, tc.want) {
				t.Errorf("cloudReferences(%s) = %v, want %v", tc.cloud, got, tc.want)
			}
		})
	}
}

// refUID is the resource identity of a reference, as Resource.UID.
func refUID(r ResourceRef) string { return inventory.UID(r.Cloud, r.Target, r.Region, r.Type, r.ID) }
