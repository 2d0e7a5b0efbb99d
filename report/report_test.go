package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

var update = flag.Bool("update", false, "rewrite golden files")

// Fixed times keep golden output stable.
var (
	testStarted  = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	testFinished = time.Date(2026, 11, 1, 12, 4, 30, 0, time.UTC)
)

// testDeclaration has a customer and an MSP; only the parts the report
// reads are filled in.
func testDeclaration() *rules.Declaration {
	return &rules.Declaration{
		Version: rules.DeclarationVersion,
		Parties: []rules.Party{
			{ID: "acme", Role: rules.Customer, Name: "Acme GmbH", Contact: "secops@acme.example"},
			{ID: "claranet", Role: rules.MSP, Name: "Claranet"},
			{ID: "aws", Role: rules.Provider},
		},
		File:   "configs/declarations/managed-service.yaml",
		SHA256: "5f2b0c8c4a1e9d3b7f6a2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f",
	}
}

// owner attributes a finding to a party of testDeclaration by entry.
func owner(party string, role rules.Role, entry int) *rules.Responsible {
	return &rules.Responsible{Party: party, Role: role,
		DecidedBy: rules.Decision{Entry: entry, Via: rules.ViaAssign, File: "managed-service.yaml", Line: 10 + 3*entry, Column: 5}}
}

// finding builds a finding with a stable id from its control and resource.
func finding(control string, dom inventory.Domain, sev rules.Severity, st rules.Status, res rules.ResourceRef, who *rules.Responsible, msg string) rules.Finding {
	return rules.Finding{
		ID: rules.FindingID(control, res), Control: control, Title: "title of " + control,
		Domain: dom, Severity: sev, Status: st, Resource: res, Responsible: who,
		ExpectedRoles: []rules.Role{rules.Customer, rules.MSP}, Message: msg,
	}
}

// testFindings cover every status, two parties, an unassigned finding and
// two resources with the same name in different accounts.
func testFindings() []rules.Finding {
	acme := owner("acme", rules.Customer, 2)
	claranet := owner("claranet", rules.MSP, 0)
	root1 := rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSRoot, ID: "arn:aws:iam::111111111111:root", Name: "root"}
	root2 := rules.ResourceRef{Cloud: inventory.AWS, Target: "222222222222", Type: inventory.AWSRoot, ID: "arn:aws:iam::222222222222:root", Name: "root"}
	sg := rules.ResourceRef{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Type: inventory.AWSSecurityGroup, ID: "sg-0a1b2c3d", Name: "web", Tags: map[string]string{"env": "prod"}}
	vm := rules.ResourceRef{Cloud: inventory.Azure, Target: "00000000-0000-0000-0000-000000000000", Region: "westeurope", Type: inventory.AzureVM, ID: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/app/providers/Microsoft.Compute/virtualMachines/app-1", Name: "app-1"}
	bucket := rules.ResourceRef{Cloud: inventory.GCP, Target: "acme-prod", Type: inventory.GCPBucket, ID: "acme-prod-logs"}

	unassigned := finding(rules.OwnershipUnassigned, inventory.Patching, rules.High, rules.Fail, vm, nil,
		`no declaration entry assigns patching of azure.compute.vm "app-1" (a customer-side responsibility)`)
	unknown := finding("patching.missing_security_updates", inventory.Patching, rules.High, rules.Error, sg, claranet, "patch state could not be read")
	unknown.Evidence = map[string]any{"unknown": "patch state"}
	fail := finding("iam.root_mfa_disabled", inventory.IAM, rules.Critical, rules.Fail, root1, acme, "root user has no MFA device")
	fail.Evidence = map[string]any{"mfaEnabled": false}
	fail.References = []string{"cis_7.0_aws:2.5"}
	fail.Remediation = "Assign an MFA device to the root user."
	return []rules.Finding{
		fail,
		finding("iam.root_mfa_disabled", inventory.IAM, rules.Critical, rules.Pass, root2, acme, "root user has MFA enabled"),
		finding("firewall.admin_ports_open_to_internet", inventory.Firewall, rules.High, rules.Fail, sg, claranet,
			"ingress/0 allows tcp 22 from 0.0.0.0/0, which lets anyone on the internet try to log in to every instance in the group"),
		finding("firewall.all_ports_open_to_internet", inventory.Firewall, rules.Critical, rules.Pass, sg, claranet, "no rule opens all ports"),
		unknown,
		unassigned,
		finding("encryption.insecure_transport_allowed", inventory.Encryption, rules.Medium, rules.Fail, bucket, claranet, "bucket accepts plaintext HTTP"),
		finding(rules.OwnershipTagConflict, inventory.IAM, rules.Medium, rules.Fail, root1, acme, `tag responsible-party="claranet" names another party`),
	}
}

// testInventory has three targets; one region of the first could not be
// read by the patching scanner.
func testInventory() *inventory.Inventory {
	return &inventory.Inventory{
		SchemaVersion: inventory.SchemaVersion,
		CollectedAt:   testStarted,
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

// testDocument is the document the golden and schema tests use.
func testDocument() *Document {
	return Build(testInventory(), testDeclaration(), testFindings(), Meta{
		ScanID: "0123456789abcdef", ToolVersion: "v0.1.0-test", Started: testStarted, Finished: testFinished, Source: SourceScan,
	})
}

// golden compares got with testdata/name, or rewrites the file with
// -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
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
		t.Errorf("output differs from %s (run go test ./report -update and review the diff)\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// demoDocument is the demo estate's findings, evaluated the way a scan
// evaluates them, passed findings included, with fixed times so outputs
// can be compared with golden files. The inventory is a snapshot of scan
// --demo, whose AWS and GCP halves are scanned from the simulator; the
// integration tests keep it current.
func demoDocument(t *testing.T, scanID, toolVersion string) *Document {
	t.Helper()
	decl, err := demo.Declaration()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join("testdata", "demo-inventory.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inv, err := inventory.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	inv.CollectedAt = demo.Epoch
	return Build(inv, decl, rules.Evaluate(inv, decl), Meta{ScanID: scanID, ToolVersion: toolVersion,
		Started: testStarted, Finished: testFinished, Source: SourceDemo})
}
