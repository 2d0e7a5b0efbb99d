package controls

import (
	"bytes"
	"cmp"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// TestModelCoversCatalogue fails when a control checks a (resource type,
// domain) pair the responsibility model has no cell for.
func TestModelCoversCatalogue(t *testing.T) {
	if len(Controls()) == 0 {
		t.Fatal("Controls() is empty")
	}
	for _, c := range Controls() {
		for _, typ := range c.ResourceTypes {
			if _, ok := CellFor(typ, c.Domain); !ok {
				t.Errorf("CellFor(%q, %q) not found, want a cell for control %s", typ, c.Domain, c.ID)
			}
		}
	}
}

func TestModelCells(t *testing.T) {
	model := Model()
	if len(model) != len(cells) {
		t.Fatalf("len(Model()) = %d, want %d", len(model), len(cells))
	}
	for _, c := range model {
		name := c.Type + "/" + string(c.Domain)
		t.Run(name, func(t *testing.T) {
			if _, ok := inventory.Types[c.Type]; !ok {
				t.Errorf("cell type %q is not an inventory type", c.Type)
			}
			if len(c.Kind.ExpectedRoles()) == 0 {
				t.Errorf("cell kind %q has no expected roles", c.Kind)
			}
			if c.Note == "" || !strings.HasSuffix(c.Note, ".") || strings.Count(c.Note, ". ") > 0 {
				t.Errorf("cell note %q, want one sentence", c.Note)
			}
			if c.Source.Title == "" || !strings.HasPrefix(c.Source.URL, "https://") {
				t.Errorf("cell source = %+v, want a title and an https URL", c.Source)
			}
			cloud := inventory.Types[c.Type].Cloud
			if !strings.Contains(c.Source.URL, providerHost[cloud]) {
				t.Errorf("cell source %s, want a %s document (%s)", c.Source.URL, cloud, providerHost[cloud])
			}
			if got, ok := CellFor(c.Type, c.Domain); !ok || got != c {
				t.Errorf("CellFor(%q, %q) = %+v, %v, want %+v", c.Type, c.Domain, got, ok, c)
			}
		})
	}
	order := func(a, b Cell) int {
		return cmp.Or(
			cmp.Compare(slices.Index(inventory.Clouds, inventory.Types[a.Type].Cloud), slices.Index(inventory.Clouds, inventory.Types[b.Type].Cloud)),
			strings.Compare(a.Type, b.Type),
			cmp.Compare(slices.Index(inventory.Domains, a.Domain), slices.Index(inventory.Domains, b.Domain)))
	}
	if !slices.IsSortedFunc(model, order) {
		t.Error("Model() is not sorted by cloud, type and domain order")
	}
}

// providerHost is where each cloud's own documents live.
var providerHost = map[inventory.Cloud]string{
	inventory.AWS:   "amazon.com",
	inventory.Azure: "learn.microsoft.com",
	inventory.GCP:   "cloud.google.com",
}

func TestModelKinds(t *testing.T) {
	cases := []struct {
		typ    string
		domain inventory.Domain
		want   CellKind
	}{
		{inventory.AWSInstance, inventory.Patching, CustomerSide},
		{inventory.AzureVM, inventory.Patching, CustomerSide},
		{inventory.GCPInstance, inventory.Patching, CustomerSide},
		{inventory.AWSDBInstance, inventory.Patching, Shared},
		{inventory.AzureAKSCluster, inventory.Patching, Shared},
		{inventory.GCPNodePool, inventory.Patching, Shared},
		{inventory.GCPDisk, inventory.Encryption, ProviderOnly},
		{inventory.AWSVolume, inventory.Encryption, CustomerSide},
		{inventory.AWSEBSDefault, inventory.Encryption, CustomerSide},
		{inventory.AWSSecurityGroup, inventory.Firewall, CustomerSide},
		{inventory.AzureNSG, inventory.Firewall, CustomerSide},
		{inventory.GCPFirewall, inventory.Firewall, CustomerSide},
		{inventory.AWSRoot, inventory.IAM, CustomerSide},
		{inventory.AzureSubscription, inventory.IAM, CustomerSide},
		{inventory.GCPProject, inventory.IAM, CustomerSide},
	}
	for _, tc := range cases {
		t.Run(tc.typ+"/"+string(tc.domain), func(t *testing.T) {
			got, ok := CellFor(tc.typ, tc.domain)
			if !ok || got.Kind != tc.want {
				t.Errorf("CellFor(%q, %q) = %q, %v, want %q", tc.typ, tc.domain, got.Kind, ok, tc.want)
			}
		})
	}
	// Every IAM cell is customer-side: no provider patches a customer's
	// identities.
	for _, c := range Model() {
		if c.Domain == inventory.IAM && c.Kind != CustomerSide {
			t.Errorf("IAM cell %s = %q, want %q", c.Type, c.Kind, CustomerSide)
		}
	}
	if _, ok := CellFor(inventory.AWSInstance, inventory.Firewall); ok {
		t.Errorf("CellFor(%q, firewall) found, want none: instances have no firewall of their own", inventory.AWSInstance)
	}
	if _, ok := CellFor("aws.nope", inventory.IAM); ok {
		t.Error(`CellFor("aws.nope", iam) found, want none`)
	}
}

func TestModelExpectedRoles(t *testing.T) {
	cases := []struct {
		kind CellKind
		want []Role
	}{
		{CustomerSide, []Role{Customer, MSP}},
		{Shared, []Role{Customer, MSP, Provider}},
		{ProviderOnly, []Role{Provider}},
		{"bogus", nil},
	}
	for _, tc := range cases {
		t.Run(string(tc.kind), func(t *testing.T) {
			if got := tc.kind.ExpectedRoles(); !slices.Equal(got, tc.want) {
				t.Errorf("%q.ExpectedRoles() = %v, want %v", tc.kind, got, tc.want)
			}
		})
	}
}

// TestModelDoc fails when docs/responsibility-model.md is not what
// WriteModelMarkdown makes of Model(); -update rewrites it.
func TestModelDoc(t *testing.T) {
	const path = "../docs/responsibility-model.md"
	var buf bytes.Buffer
	if err := WriteModelMarkdown(&buf); err != nil {
		t.Fatalf("WriteModelMarkdown() = %v", err)
	}
	if *update {
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, buf.Bytes()) {
		t.Errorf("%s is out of date with controls.Model(); run go test ./controls -run TestModelDoc -update", path)
	}
	for _, c := range Model() {
		if !bytes.Contains(got, []byte("`"+c.Type+"` | "+string(c.Domain)+" | "+string(c.Kind)+" |")) {
			t.Errorf("%s has no row for %s/%s", path, c.Type, c.Domain)
		}
	}
}
