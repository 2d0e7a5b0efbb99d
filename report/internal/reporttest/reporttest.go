// Package reporttest holds what the tests of report and of its
// subpackages (the diff, the metrics collector) share: a declaration,
// findings and an inventory with fixed times, the demo estate evaluated,
// and golden file comparison. It builds no document itself, so that
// report's own tests can import it.
package reporttest

import (
	"bytes"
	_ "embed"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// Fixed times keep golden output stable.
var (
	Started  = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	Finished = time.Date(2026, 11, 1, 12, 4, 30, 0, time.UTC)
)

// Declaration has a customer and an MSP; only the parts the report reads
// are filled in.
func Declaration() *declaration.Declaration {
	return &declaration.Declaration{
		Version: declaration.Version,
		Parties: []declaration.Party{
			{ID: "acme", Role: controls.Customer, Name: "Acme GmbH", Contact: "secops@acme.example"},
			{ID: "claranet", Role: controls.MSP, Name: "Claranet"},
			{ID: "aws", Role: controls.Provider},
		},
		File:   "configs/declarations/managed-service.yaml",
		SHA256: "5f2b0c8c4a1e9d3b7f6a2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f",
	}
}

// Owner attributes a finding to a party of Declaration by entry.
func Owner(party string, role controls.Role, entry int) *rules.Responsible {
	return &rules.Responsible{Party: party, Role: role,
		DecidedBy: rules.Decision{Entry: entry, Via: rules.ViaAssign, File: "managed-service.yaml", Line: 10 + 3*entry, Column: 5}}
}

// Finding builds a finding with a stable id from its control and resource.
func Finding(control string, dom inventory.Domain, sev controls.Severity, st controls.Status, res rules.ResourceRef, who *rules.Responsible, msg string) rules.Finding {
	return rules.Finding{
		ID: rules.FindingID(control, res), Control: control, Title: "title of " + control,
		Domain: dom, Severity: sev, Status: st, Resource: res, Responsible: who,
		ExpectedRoles: []controls.Role{controls.Customer, controls.MSP}, Message: msg,
	}
}

// Findings cover every status, two parties, an unassigned finding and
// two resources with the same name in different accounts.
func Findings() []rules.Finding {
	acme := Owner("acme", controls.Customer, 2)
	claranet := Owner("claranet", controls.MSP, 0)
	root1 := rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSRoot, ID: "arn:aws:iam::111111111111:root", Name: "root"}
	root2 := rules.ResourceRef{Cloud: inventory.AWS, Target: "222222222222", Type: inventory.AWSRoot, ID: "arn:aws:iam::222222222222:root", Name: "root"}
	sg := rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Type: inventory.AWSSecurityGroup, ID: "sg-0a1b2c3d", Name: "web", Tags: map[string]string{"env": "prod"}}
	vm := rules.ResourceRef{Cloud: inventory.Azure, Target: "00000000-0000-0000-0000-000000000000", Region: "westeurope", Type: inventory.AzureVM, ID: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/app-1", Name: "app-1"}
	bucket := rules.ResourceRef{Cloud: inventory.GCP, Target: "acme-prod", Type: inventory.GCPBucket, ID: "acme-prod-logs"}

	unassigned := Finding(rules.OwnershipUnassigned, inventory.Patching, controls.High, controls.Fail, vm, nil,
		`no declaration entry assigns patching of azure.compute.vm "app-1" (a customer-side responsibility)`)
	unknown := Finding("patching.missing_security_updates", inventory.Patching, controls.High, controls.Error, sg, claranet, "patch state could not be read")
	unknown.Evidence = map[string]any{"unknown": "patch state"}
	fail := Finding("iam.root_mfa_disabled", inventory.IAM, controls.Critical, controls.Fail, root1, acme, "root user has no MFA device")
	fail.Evidence = map[string]any{"mfaEnabled": false}
	fail.References = []string{"cis_7.0_aws:2.5"}
	fail.Remediation = "Assign an MFA device to the root user."
	return []rules.Finding{
		fail,
		Finding("iam.root_mfa_disabled", inventory.IAM, controls.Critical, controls.Pass, root2, acme, "root user has MFA enabled"),
		Finding("firewall.admin_ports_open_to_internet", inventory.Firewall, controls.High, controls.Fail, sg, claranet,
			"ingress/0 allows tcp 22 from 0.0.0.0/0, which lets anyone on the internet try to log in to every instance in the group"),
		Finding("firewall.all_ports_open_to_internet", inventory.Firewall, controls.Critical, controls.Pass, sg, claranet, "no rule opens all ports"),
		unknown,
		unassigned,
		Finding("encryption.insecure_transport_allowed", inventory.Encryption, controls.Medium, controls.Fail, bucket, claranet, "bucket accepts plaintext HTTP"),
		Finding(rules.OwnershipTagConflict, inventory.IAM, controls.Medium, controls.Fail, root1, acme, `tag responsible-party="claranet" names another party`),
	}
}

// SuppressedFindings are Findings with one risk accepted: claranet's
// failing medium finding on the bucket (insecure transport), the only
// medium one, suppressed by acme.
func SuppressedFindings() []rules.Finding {
	findings := Findings()
	for i, f := range findings {
		if f.Control == "encryption.insecure_transport_allowed" {
			findings[i].Suppressed = &rules.Suppression{Reason: "public website bucket", AcceptedBy: "acme", Expires: "2026-12-31",
				Entry: 0, File: "declaration.yaml", Line: 30, Column: 5}
		}
	}
	return findings
}

// Inventory has three targets; one region of the first could not be read
// by the patching scanner.
func Inventory() *inventory.Inventory {
	return &inventory.Inventory{
		SchemaVersion: inventory.SchemaVersion,
		CollectedAt:   Started,
		Targets: []inventory.Target{
			{Cloud: inventory.AWS, ID: "111111111111", Name: "acme-prod", Regions: []string{"eu-central-1", "eu-west-1"}},
			{Cloud: inventory.AWS, ID: "222222222222", Name: "acme-dev"},
			{Cloud: inventory.Azure, ID: "00000000-0000-0000-0000-000000000000", Regions: []string{"westeurope"}},
			{Cloud: inventory.GCP, ID: "acme-prod"},
		},
		Errors: []inventory.ScanError{{
			Cloud: inventory.AWS, Target: "111111111111", Region: "eu-west-1", Domain: inventory.Patching,
			Operation: "ssm:DescribeInstancePatchStates", ResourceTypes: []string{inventory.AWSInstance},
			Message: "AccessDeniedException: not authorized", Permission: "ssm:DescribeInstancePatchStates",
		}},
	}
}

// demoInventory is the whole demo estate as scan --demo reads it (the
// report tests cannot scan); an integration test keeps it current.
//
//go:embed testdata/demo-inventory.json
var demoInventory []byte

// Demo is the demo estate as scan --demo reads it (from a snapshot, as
// report cannot start the simulator), its declaration, and the findings
// a scan evaluates from them, passed ones included.
func Demo(t testing.TB) (*inventory.Inventory, *declaration.Declaration, []rules.Finding) {
	t.Helper()
	decl, err := demo.Declaration()
	if err != nil {
		t.Fatal(err)
	}
	inv, err := inventory.Decode(bytes.NewReader(demoInventory))
	if err != nil {
		t.Fatal(err)
	}
	inv.CollectedAt = demo.Epoch
	return inv, decl, rules.Evaluate(inv, decl)
}

// Golden compares got with testdata/name, or rewrites the file when
// update (the package's -update flag) is set.
func Golden(t testing.TB, name string, got []byte, update bool) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (run go test -update in its package and review the diff)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}
