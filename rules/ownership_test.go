package rules

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/inventory"
)

// testFile is the declaration file the hand-built declarations pretend to
// come from.
const testFile = "testdata/declaration.yaml"

// testParties are the parties of the hand-built declarations.
var testParties = []declaration.Party{
	{ID: "acme", Role: controls.Customer, Name: "Acme GmbH", Contact: "secops@acme.example"},
	{ID: "claranet", Role: controls.MSP, Name: "Claranet", Contact: "soc@claranet.example"},
	{ID: "aws", Role: controls.Provider},
	{ID: "google", Role: controls.Provider},
}

// entry builds a responsibilities entry declared at line.
func entry(line int, m declaration.Match, assign map[inventory.Domain]string, overrides map[string]string) declaration.Responsibility {
	return declaration.Responsibility{Match: m, Assign: assign, Controls: overrides, Pos: declaration.Position{File: testFile, Line: line, Column: 5}}
}

// res builds a resource header.
func res(cloud inventory.Cloud, target, region, typ, id string, tags map[string]string) inventory.Resource {
	return inventory.Resource{Cloud: cloud, Target: target, Region: region, Type: typ, ID: id, Tags: tags}
}

func TestResolve(t *testing.T) {
	d := &declaration.Declaration{
		Version: 1,
		Parties: testParties,
		Responsibilities: []declaration.Responsibility{
			entry(10, declaration.Match{Cloud: inventory.AWS},
				map[inventory.Domain]string{inventory.Firewall: "claranet", inventory.Patching: "claranet", inventory.Encryption: "claranet", inventory.IAM: "acme"}, nil),
			entry(14, declaration.Match{Cloud: inventory.AWS, ResourceTypes: []string{inventory.AWSDBInstance}},
				map[inventory.Domain]string{inventory.Patching: "aws"}, nil),
			entry(17, declaration.Match{Tags: map[string]string{"managed-by": "customer"}},
				map[inventory.Domain]string{inventory.Firewall: "acme"}, map[string]string{"firewall.admin_ports_open_to_internet": "claranet"}),
			entry(21, declaration.Match{Cloud: inventory.AWS, Regions: []string{"eu-west-1"}},
				map[inventory.Domain]string{inventory.Firewall: "acme"}, nil),
			entry(24, declaration.Match{Cloud: inventory.GCP, ResourceTypes: []string{"gcp.compute.*"}},
				map[inventory.Domain]string{inventory.Patching: "claranet"}, map[string]string{"patching.vm_unmanaged": "acme"}),
			entry(28, declaration.Match{Cloud: inventory.AWS, ResourceTypes: []string{"aws.iam.*"}},
				map[inventory.Domain]string{inventory.IAM: "claranet"}, nil),
			entry(31, declaration.Match{Cloud: inventory.Azure}, map[inventory.Domain]string{inventory.Patching: "nobody"}, nil),
		},
	}
	const acct = "111111111111"
	customerTag := map[string]string{"managed-by": "customer"}
	ec2 := res(inventory.AWS, acct, "eu-central-1", inventory.AWSInstance, "i-1", nil)
	rds := res(inventory.AWS, acct, "eu-central-1", inventory.AWSDBInstance, "db-1", nil)
	sg := res(inventory.AWS, acct, "eu-central-1", inventory.AWSSecurityGroup, "sg-1", nil)
	sgTagged := res(inventory.AWS, acct, "eu-central-1", inventory.AWSSecurityGroup, "sg-2", customerTag)
	sgTaggedWest := res(inventory.AWS, acct, "eu-west-1", inventory.AWSSecurityGroup, "sg-3", customerTag)
	user := res(inventory.AWS, acct, "", inventory.AWSUser, "alice", customerTag)
	gce := res(inventory.GCP, "acme-prod", "europe-west1-b", inventory.GCPInstance, "vm-1", nil)
	nsg := res(inventory.Azure, "00000000-0000-0000-0000-000000000000", "westeurope", inventory.AzureNSG, "nsg-1", nil)
	vm := res(inventory.Azure, "00000000-0000-0000-0000-000000000000", "westeurope", inventory.AzureVM, "vm-1", nil)

	cases := []struct {
		name     string
		r        inventory.Resource
		domain   inventory.Domain
		control  string
		party    string // "" when nothing assigns
		role     controls.Role
		via      string
		line     int
		wantName string
	}{
		{"broad entry", ec2, inventory.Patching, "", "claranet", controls.MSP, ViaAssign, 10, "Claranet"},
		{"later entry overrides earlier", rds, inventory.Patching, "", "aws", controls.Provider, ViaAssign, 14, ""},
		{"later entry leaves other domains alone", rds, inventory.Encryption, "", "claranet", controls.MSP, ViaAssign, 10, "Claranet"},
		{"untagged resource", sg, inventory.Firewall, "", "claranet", controls.MSP, ViaAssign, 10, "Claranet"},
		{"tag match", sgTagged, inventory.Firewall, "", "acme", controls.Customer, ViaAssign, 17, "Acme GmbH"},
		{"control override beats the entry's assign", sgTagged, inventory.Firewall, "firewall.admin_ports_open_to_internet", "claranet", controls.MSP, ViaControls, 17, "Claranet"},
		{"other control keeps the entry's assign", sgTagged, inventory.Firewall, "firewall.all_ports_open_to_internet", "acme", controls.Customer, ViaAssign, 17, "Acme GmbH"},
		{"later entry beats an earlier control override", sgTaggedWest, inventory.Firewall, "firewall.admin_ports_open_to_internet", "acme", controls.Customer, ViaAssign, 21, "Acme GmbH"},
		{"region entry skips other regions", sg, inventory.Firewall, "", "claranet", controls.MSP, ViaAssign, 10, "Claranet"},
		{"region entry skips regionless resources", user, inventory.IAM, "", "claranet", controls.MSP, ViaAssign, 28, "Claranet"},
		{"glob type", gce, inventory.Patching, "", "claranet", controls.MSP, ViaAssign, 24, "Claranet"},
		{"glob type with control override", gce, inventory.Patching, "patching.vm_unmanaged", "acme", controls.Customer, ViaControls, 24, "Acme GmbH"},
		{"unmatched cloud", nsg, inventory.Firewall, "", "", "", "", 0, ""},
		{"matched entry without the domain", gce, inventory.Firewall, "", "", "", "", 0, ""},
		{"undeclared party keeps an empty role", vm, inventory.Patching, "", "nobody", "", ViaAssign, 31, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Resolve(d, tc.r, tc.domain, tc.control)
			if tc.party == "" {
				if ok || got != nil {
					t.Fatalf("Resolve(%s, %s, %q) = %+v, %v, want nil, false", tc.r.ID, tc.domain, tc.control, got, ok)
				}
				return
			}
			if !ok || got == nil {
				t.Fatalf("Resolve(%s, %s, %q) = nil, %v, want %s", tc.r.ID, tc.domain, tc.control, ok, tc.party)
			}
			want := Responsible{Party: tc.party, Role: tc.role, Name: tc.wantName,
				DecidedBy: Decision{Entry: slices.IndexFunc(d.Responsibilities, func(e declaration.Responsibility) bool { return e.Pos.Line == tc.line }),
					Via: tc.via, File: testFile, Line: tc.line, Column: 5}}
			got.Contact = ""
			if *got != want {
				t.Errorf("Resolve(%s, %s, %q) = %+v, want %+v", tc.r.ID, tc.domain, tc.control, *got, want)
			}
		})
	}

	t.Run("contact", func(t *testing.T) {
		got, _ := Resolve(d, ec2, inventory.IAM, "")
		if got == nil || got.Contact != "secops@acme.example" {
			t.Errorf("Resolve(i-1, iam) = %+v, want acme's contact", got)
		}
	})
	t.Run("nil declaration", func(t *testing.T) {
		var nd *declaration.Declaration
		if got, ok := Resolve(nd, ec2, inventory.Patching, ""); ok || got != nil {
			t.Errorf("Resolve(nil, i-1, patching) = %+v, %v, want nil, false", got, ok)
		}
	})
}

// findingFor returns the finding of control on the resource with id in
// domain, or nil.
func findingFor(fs []Finding, control, resourceID string, domain inventory.Domain) *Finding {
	for i, f := range fs {
		if f.Control == control && f.Resource.ID == resourceID && f.Domain == domain {
			return &fs[i]
		}
	}
	return nil
}

// ownershipOf runs the ownership checks of d over resources.
func ownershipOf(d *declaration.Declaration, resources ...inventory.Resource) []Finding {
	return ownershipFindings(d, resources, nil)
}

// ownershipFindings evaluates resources against d and keeps the ownership
// findings of the responsibility model and of unused entries.
func ownershipFindings(d *declaration.Declaration, resources []inventory.Resource, unread []inventory.ScanError) []Finding {
	e := NewEvaluator(d, time.Time{})
	var out []Finding
	keep := func(f *Finding) {
		if strings.HasPrefix(f.Control, "ownership.") && f.Control != OwnershipExpiredAcceptance {
			out = append(out, *f)
		}
	}
	for i := range resources {
		e.Resource(&resources[i], keep)
	}
	e.Finish(unread, keep)
	return out
}

func TestOwnershipUnassigned(t *testing.T) {
	d := &declaration.Declaration{Parties: testParties, Responsibilities: []declaration.Responsibility{
		entry(10, declaration.Match{Cloud: inventory.AWS}, map[inventory.Domain]string{inventory.Patching: "claranet"}, nil),
	}}
	ec2 := res(inventory.AWS, "111111111111", "eu-central-1", inventory.AWSInstance, "i-1", nil)
	sg := res(inventory.AWS, "111111111111", "eu-central-1", inventory.AWSSecurityGroup, "sg-1", nil)
	vm := res(inventory.Azure, "sub", "westeurope", inventory.AzureVM, "vm-1", nil)
	pool := res(inventory.GCP, "acme-prod", "europe-west1", inventory.GCPNodePool, "pool-1", nil)
	disk := res(inventory.GCP, "acme-prod", "europe-west1-b", inventory.GCPDisk, "disk-1", nil)
	fs := ownershipOf(d, ec2, sg, vm, pool, disk)

	cases := []struct {
		name   string
		r      inventory.Resource
		domain inventory.Domain
		want   bool
	}{
		{"assigned customer-side cell", ec2, inventory.Patching, false},
		{"unassigned customer-side cell", sg, inventory.Firewall, true},
		{"unassigned cell on another cloud", vm, inventory.Patching, true},
		{"unassigned shared cell", pool, inventory.Patching, true},
		{"provider cell needs no declaration", disk, inventory.Encryption, false},
		{"no cell, no finding", ec2, inventory.Firewall, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := findingFor(fs, OwnershipUnassigned, tc.r.ID, tc.domain)
			if got := f != nil; got != tc.want {
				t.Fatalf("unassigned finding for %s/%s present = %v, want %v", tc.r.ID, tc.domain, got, tc.want)
			}
			if f == nil {
				return
			}
			cell, _ := controls.CellFor(tc.r.Type, tc.domain)
			if f.Status != controls.Fail || f.Severity != controls.High || f.Responsible != nil || !slices.Equal(f.ExpectedRoles, cell.Kind.ExpectedRoles()) {
				t.Errorf("finding = status %q severity %q responsible %+v expected %v, want fail, high, nil, %v",
					f.Status, f.Severity, f.Responsible, f.ExpectedRoles, cell.Kind.ExpectedRoles())
			}
			if f.Message == "" || f.Title == "" || f.Remediation == "" {
				t.Errorf("finding = %+v, want a title, message and remediation", f)
			}
		})
	}
	if n := len(fs); n != 3 {
		t.Errorf("got %d ownership findings, want 3: %+v", n, fs)
	}
}

func TestOwnershipMisassigned(t *testing.T) {
	d := &declaration.Declaration{Parties: testParties, Responsibilities: []declaration.Responsibility{
		entry(10, declaration.Match{Cloud: inventory.AWS}, map[inventory.Domain]string{inventory.Patching: "aws", inventory.IAM: "acme"}, nil),
		entry(12, declaration.Match{Cloud: inventory.AWS, Tags: map[string]string{"team": "ops"}}, map[inventory.Domain]string{inventory.Patching: "claranet"}, nil),
		entry(14, declaration.Match{Cloud: inventory.AWS, Tags: map[string]string{"team": "ops", "root": "yes"}}, nil, map[string]string{"iam.root_mfa_disabled": "aws"}),
		entry(16, declaration.Match{Cloud: inventory.GCP}, map[inventory.Domain]string{inventory.Encryption: "claranet", inventory.Patching: "google"}, nil),
	}}
	ec2 := res(inventory.AWS, "111111111111", "eu-central-1", inventory.AWSInstance, "i-1", nil)
	ec2Ops := res(inventory.AWS, "111111111111", "eu-central-1", inventory.AWSInstance, "i-2", map[string]string{"team": "ops"})
	rds := res(inventory.AWS, "111111111111", "eu-central-1", inventory.AWSDBInstance, "db-1", nil)
	root := res(inventory.AWS, "111111111111", "", inventory.AWSRoot, "root", map[string]string{"team": "ops", "root": "yes"})
	disk := res(inventory.GCP, "acme-prod", "europe-west1-b", inventory.GCPDisk, "disk-1", nil)
	pool := res(inventory.GCP, "acme-prod", "europe-west1", inventory.GCPNodePool, "pool-1", nil)
	gce := res(inventory.GCP, "acme-prod", "europe-west1-b", inventory.GCPInstance, "vm-1", nil)
	fs := ownershipOf(d, ec2, ec2Ops, rds, root, disk, pool, gce)

	cases := []struct {
		name    string
		r       inventory.Resource
		domain  inventory.Domain
		party   string // "" when no finding is expected
		line    int
		control string
	}{
		{"EC2 patching declared to the provider", ec2, inventory.Patching, "aws", 10, ""},
		{"EC2 patching declared to the MSP", ec2Ops, inventory.Patching, "", 0, ""},
		{"RDS patching declared to the provider is shared", rds, inventory.Patching, "", 0, ""},
		{"control override to the provider", root, inventory.IAM, "aws", 14, "iam.root_mfa_disabled"},
		{"provider cell declared to the MSP", disk, inventory.Encryption, "claranet", 16, ""},
		{"GKE patching declared to the provider is shared", pool, inventory.Patching, "", 0, ""},
		{"GCE patching declared to the provider", gce, inventory.Patching, "google", 16, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := findingFor(fs, OwnershipMisassigned, tc.r.ID, tc.domain)
			if tc.party == "" {
				if f != nil {
					t.Fatalf("misassigned finding for %s/%s = %+v, want none", tc.r.ID, tc.domain, f)
				}
				return
			}
			if f == nil {
				t.Fatalf("misassigned finding for %s/%s missing", tc.r.ID, tc.domain)
			}
			if f.Responsible == nil || f.Responsible.Party != tc.party || f.Responsible.DecidedBy.Line != tc.line {
				t.Errorf("finding responsible = %+v, want %s decided at line %d", f.Responsible, tc.party, tc.line)
			}
			if f.Severity != controls.High || f.Status != controls.Fail {
				t.Errorf("finding = %q %q, want high fail", f.Severity, f.Status)
			}
			if got, _ := f.Evidence["control"].(string); got != tc.control {
				t.Errorf("finding evidence control = %q, want %q", got, tc.control)
			}
		})
	}
	// The root's domain owner (acme) is fine; only the override is wrong.
	n := 0
	for _, f := range fs {
		if f.Control == OwnershipMisassigned && f.Resource.ID == "root" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("got %d misassigned findings for the root, want 1", n)
	}
}

func TestOwnershipTagConflict(t *testing.T) {
	entries := []declaration.Responsibility{
		entry(10, declaration.Match{Cloud: inventory.AWS}, map[inventory.Domain]string{inventory.Firewall: "claranet", inventory.Patching: "claranet"}, nil),
		entry(12, declaration.Match{Cloud: inventory.AWS, ResourceTypes: []string{inventory.AWSDBInstance}}, map[inventory.Domain]string{inventory.Patching: "aws"}, nil),
	}
	tagged := func(id, typ, v string) inventory.Resource {
		return res(inventory.AWS, "111111111111", "eu-central-1", typ, id, map[string]string{"responsible-party": v})
	}
	sgOther := tagged("sg-1", inventory.AWSSecurityGroup, "acme")
	sgSame := tagged("sg-2", inventory.AWSSecurityGroup, "claranet")
	sgNone := res(inventory.AWS, "111111111111", "eu-central-1", inventory.AWSSecurityGroup, "sg-3", map[string]string{"owner": "acme"})
	rds := tagged("db-1", inventory.AWSDBInstance, "claranet")
	all := []inventory.Resource{sgOther, sgSame, sgNone, rds}

	t.Run("tag names another party", func(t *testing.T) {
		fs := ownershipOf(&declaration.Declaration{Parties: testParties, Responsibilities: entries, OwnershipTag: "responsible-party"}, all...)
		f := findingFor(fs, OwnershipTagConflict, "sg-1", inventory.Firewall)
		if f == nil {
			t.Fatal("tag_conflict finding for sg-1 missing")
		}
		if f.Severity != controls.Medium || f.Evidence["tagValue"] != "acme" || f.Evidence["declaredParty"] != "claranet" || f.Responsible.Party != "claranet" {
			t.Errorf("finding = severity %q evidence %v responsible %+v, want medium, acme vs claranet", f.Severity, f.Evidence, f.Responsible)
		}
		for _, c := range []struct {
			id     string
			domain inventory.Domain
		}{{"sg-2", inventory.Firewall}, {"sg-3", inventory.Firewall}, {"db-1", inventory.Patching}} {
			if f := findingFor(fs, OwnershipTagConflict, c.id, c.domain); f != nil {
				t.Errorf("tag_conflict finding for %s/%s = %+v, want none", c.id, c.domain, f)
			}
		}
	})
	t.Run("no ownership tag declared", func(t *testing.T) {
		fs := ownershipOf(&declaration.Declaration{Parties: testParties, Responsibilities: entries}, all...)
		if f := findingFor(fs, OwnershipTagConflict, "sg-1", inventory.Firewall); f != nil {
			t.Errorf("tag_conflict finding = %+v, want none without ownershipTag", f)
		}
	})
	t.Run("tags that could not be read", func(t *testing.T) {
		unread := func(id, typ string) inventory.Resource {
			r := res(inventory.AWS, "111111111111", "eu-central-1", typ, id, nil)
			r.TagsUnknown = true
			return r
		}
		decl := &declaration.Declaration{Parties: testParties, Responsibilities: entries, OwnershipTag: "responsible-party"}
		for _, tc := range []struct {
			name   string
			res    inventory.Resource
			domain inventory.Domain
			want   controls.Status // "" for no finding
		}{
			{"tag names another party", sgOther, inventory.Firewall, controls.Fail},
			{"tag agrees", sgSame, inventory.Firewall, ""},
			{"tags read, no ownership tag", sgNone, inventory.Firewall, ""},
			{"tags unread", unread("sg-9", inventory.AWSSecurityGroup), inventory.Firewall, controls.Error},
			{"tags unread, another domain", unread("sg-9", inventory.AWSSecurityGroup), inventory.Patching, ""},
			{"tags unread, a provider-owned domain", unread("db-9", inventory.AWSDBInstance), inventory.Patching, ""},
			{"tags unread, a customer-side domain of the same resource", unread("db-9", inventory.AWSDBInstance), inventory.Firewall, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				f := findingFor(ownershipOf(decl, tc.res), OwnershipTagConflict, tc.res.ID, tc.domain)
				var got controls.Status
				if f != nil {
					got = f.Status
				}
				if got != tc.want {
					t.Fatalf("tag_conflict on %s/%s = %q, want %q", tc.res.ID, tc.domain, got, tc.want)
				}
				if tc.want == controls.Error {
					want := `the tags of aws.ec2.security_group "sg-9" could not be read, so whether its responsible-party tag agrees with the declaration, which assigns firewall to "claranet", is unknown`
					if f.Message != want || f.Evidence["unknown"] != "tags" {
						t.Errorf("finding = %q %v, want %q with unknown tags in the evidence", f.Message, f.Evidence, want)
					}
				}
			})
		}
	})
}

func TestOwnershipUnusedScope(t *testing.T) {
	d := &declaration.Declaration{Parties: testParties, Responsibilities: []declaration.Responsibility{
		entry(10, declaration.Match{Cloud: inventory.AWS}, map[inventory.Domain]string{inventory.Firewall: "claranet"}, nil),
		entry(12, declaration.Match{Cloud: inventory.Azure}, map[inventory.Domain]string{inventory.IAM: "acme", inventory.Firewall: "claranet"}, nil),
		entry(15, declaration.Match{Cloud: inventory.AWS, Targets: []string{"999999999999"}}, nil, map[string]string{"iam.root_mfa_disabled": "acme"}),
	}}
	sg := res(inventory.AWS, "111111111111", "eu-central-1", inventory.AWSSecurityGroup, "sg-1", nil)
	fs := ownershipOf(d, sg)

	var unused []Finding
	for _, f := range fs {
		if f.Control == OwnershipUnusedScope {
			unused = append(unused, f)
		}
	}
	type key struct {
		id     string
		domain inventory.Domain
		party  string
		line   int
	}
	var got []key
	for _, f := range unused {
		k := key{f.Resource.ID, f.Domain, "", 0}
		if f.Responsible != nil {
			k.party, k.line = f.Responsible.Party, f.Responsible.DecidedBy.Line
		}
		if f.Resource.Type != DeclarationEntryType || f.Severity != controls.Low || f.Evidence["line"] != k.line || f.Evidence["file"] != testFile {
			t.Errorf("unused_scope finding = %+v, want type %s, low, file:line in evidence", f, DeclarationEntryType)
		}
		got = append(got, k)
	}
	want := []key{
		{"responsibilities[1]", inventory.Firewall, "claranet", 12},
		{"responsibilities[1]", inventory.IAM, "acme", 12},
		{"responsibilities[2]", inventory.IAM, "acme", 15},
	}
	if !slices.Equal(got, want) {
		t.Errorf("unused_scope findings = %v, want %v", got, want)
	}
	if len(unused) >= 2 && unused[0].ID == unused[1].ID {
		t.Errorf("two domains of one entry share the finding id %s", unused[0].ID)
	}
}

func TestOwnershipControls(t *testing.T) {
	got := OwnershipControls()
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ID)
		if c.Title == "" || c.Rationale == "" || c.Remediation == "" || c.Severity.Rank() == 0 || c.Domain != "" {
			t.Errorf("ownership control %+v, want title, rationale, remediation, severity and no domain", c)
		}
		if controls.Lookup(c.ID) != nil {
			t.Errorf("Lookup(%q) = non-nil, want nil: declarations may not override ownership findings", c.ID)
		}
		// A benchmark reference belongs to a cloud, and an ownership
		// finding checks no resource type of any.
		if len(c.References) > 0 {
			t.Errorf("ownership control %s has references %v, want none", c.ID, c.References)
		}
	}
	want := []string{OwnershipUnassigned, OwnershipMisassigned, OwnershipTagConflict, OwnershipUnusedScope, OwnershipExpiredAcceptance}
	if !slices.Equal(ids, want) {
		t.Errorf("OwnershipControls() ids = %v, want %v", ids, want)
	}
	got[0].Title = "changed"
	if OwnershipControls()[0].Title == "changed" {
		t.Error("OwnershipControls() returns the package's own metadata, want copies")
	}
}

func TestOwnershipUnusedScopeNotClaimedOverUnreadScope(t *testing.T) {
	d := &declaration.Declaration{Parties: testParties, Responsibilities: []declaration.Responsibility{
		entry(10, declaration.Match{Cloud: inventory.Azure}, map[inventory.Domain]string{inventory.Firewall: "claranet"}, nil),
		entry(12, declaration.Match{Cloud: inventory.AWS, Targets: []string{"222222222222"}}, map[inventory.Domain]string{inventory.Patching: "claranet"}, nil),
		entry(14, declaration.Match{Cloud: inventory.AWS, Regions: []string{"us-east-1"}}, map[inventory.Domain]string{inventory.Patching: "claranet"}, nil),
	}}
	// Azure's firewall could not be read, so entry 0 may match what was
	// missed. AWS failed only in account 1111.../eu-central-1: entry 1 is
	// about another account and entry 2 about another region, so both are
	// still known to be unused.
	unread := []inventory.ScanError{
		{Cloud: inventory.Azure, Target: "sub", Domain: inventory.Firewall, Message: "denied"},
		{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Domain: inventory.Patching, Message: "denied"},
	}
	fs := ownershipFindings(d, nil, unread)
	var got []string
	for _, f := range fs {
		if f.Control == OwnershipUnusedScope {
			got = append(got, f.Resource.ID)
		}
	}
	want := []string{"responsibilities[1]", "responsibilities[2]"}
	if !slices.Equal(got, want) {
		t.Errorf("unused_scope over partly unread scan = %v, want %v", got, want)
	}
}
