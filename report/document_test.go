package report

import (
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report/internal/reporttest"
)

func TestBuild(t *testing.T) {
	findings := reporttest.Findings()
	doc := testDocument()

	if doc.SchemaVersion != SchemaVersion {
		t.Errorf("SchemaVersion = %q, want %q", doc.SchemaVersion, SchemaVersion)
	}
	wantScan := Scan{
		ID: "0123456789abcdef", Tool: Tool{Name: ToolName, Version: "v0.1.0-test"},
		Started: reporttest.Started, Finished: reporttest.Finished,
		Declaration: DeclarationRef{Path: reporttest.Declaration().File, SHA256: reporttest.Declaration().SHA256},
		Source:      SourceScan,
		Resources:   []ResourceCount{}, Scanners: []ScannerRun{}, APIRequests: []APIRequestCount{},
	}
	gotScan := doc.Scan
	gotScan.Targets = nil
	if !reflect.DeepEqual(gotScan, wantScan) {
		t.Errorf("Scan = %+v, want %+v", gotScan, wantScan)
	}
	if !reflect.DeepEqual(doc.Parties, reporttest.Declaration().Parties) {
		t.Errorf("Parties = %v, want the declaration's %v", doc.Parties, reporttest.Declaration().Parties)
	}
	if !reflect.DeepEqual(doc.Findings, findings) {
		t.Errorf("Findings are not the given ones in the given order")
	}
	// Declared parties without findings are still in the summary.
	if c, ok := doc.Summary.ByParty["aws"]; !ok || c.Total() != 0 {
		t.Errorf("Summary.ByParty[aws] = %+v, %v; want a zero entry", c, ok)
	}
	if len(doc.Errors) != 1 || doc.Errors[0].Operation != "ssm:DescribeInstancePatchStates" || doc.Errors[0].Permission == "" {
		t.Errorf("Errors = %+v, want the inventory's one error with operation and permission", doc.Errors)
	}
}

func TestBuildEmpty(t *testing.T) {
	doc := Build(nil, nil, nil, Meta{})
	if !regexp.MustCompile(`^[0-9a-f]{16}$`).MatchString(doc.Scan.ID) {
		t.Errorf("generated scan id = %q, want 16 hex digits", doc.Scan.ID)
	}
	if other := Build(nil, nil, nil, Meta{}); other.Scan.ID == doc.Scan.ID {
		t.Errorf("two scans got the same generated id %q", doc.Scan.ID)
	}
	if doc.Scan.Source != SourceScan {
		t.Errorf("default source = %q, want %q", doc.Scan.Source, SourceScan)
	}
	// Empty lists stay lists, so the JSON has [] rather than null.
	if doc.Parties == nil || doc.Findings == nil || doc.Errors == nil || doc.Scan.Targets == nil {
		t.Errorf("Build(nil...) left a nil slice: parties %v, findings %v, errors %v, targets %v",
			doc.Parties == nil, doc.Findings == nil, doc.Errors == nil, doc.Scan.Targets == nil)
	}
}

func TestBuildDoesNotAliasFindings(t *testing.T) {
	in := reporttest.Findings()
	in[0].ExpectedRoles = nil
	doc := Build(nil, nil, in, Meta{})
	if in[0].ExpectedRoles != nil {
		t.Errorf("Build changed the caller's finding")
	}
	if doc.Findings[0].ExpectedRoles == nil {
		t.Errorf("Build kept a nil expectedRoles, which encodes as null")
	}
}

func TestBuildTargetStatus(t *testing.T) {
	const a, b, c = "111111111111", "222222222222", "333333333333"
	scanErr := func(target, region string, dom inventory.Domain) inventory.ScanError {
		return inventory.ScanError{Cloud: inventory.AWS, Target: target, Region: region, Domain: dom, Message: "denied"}
	}
	inv := &inventory.Inventory{
		Targets: []inventory.Target{
			{Cloud: inventory.AWS, ID: a, Regions: []string{"eu-west-1"}},
			{Cloud: inventory.AWS, ID: b},
			{Cloud: inventory.AWS, ID: c},
		},
		Errors: []inventory.ScanError{
			scanErr(b, "eu-west-1", inventory.Patching),
			scanErr(b, "eu-central-1", inventory.Patching),
			scanErr(b, "", inventory.IAM),
			scanErr(c, "", inventory.Firewall),
			scanErr(c, "", inventory.Patching),
			scanErr(c, "", inventory.Encryption),
			scanErr(c, "", inventory.IAM),
			// A member account the organization listed but nothing could
			// be read from.
			scanErr("444444444444", "us-east-1", inventory.Firewall),
			scanErr("444444444444", "us-east-1", inventory.Encryption),
			// The same account id on another cloud is another target.
			{Cloud: inventory.GCP, Target: a, Domain: inventory.IAM, Message: "denied"},
		},
	}
	got := Build(inv, nil, nil, Meta{}).Scan.Targets
	want := []TargetStatus{
		{Cloud: inventory.AWS, ID: a, Regions: []string{"eu-west-1"}, Status: TargetOK},
		{Cloud: inventory.AWS, ID: b, Status: TargetPartial, Errors: 3},
		{Cloud: inventory.AWS, ID: c, Status: TargetFailed, Errors: 4},
		{Cloud: inventory.AWS, ID: "444444444444", Regions: []string{"us-east-1"}, Status: TargetPartial, Errors: 2},
		{Cloud: inventory.GCP, ID: a, Status: TargetPartial, Errors: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Scan.Targets =\n%+v\nwant\n%+v", got, want)
	}
}

// TestBuildErrorControls checks the error -> unevaluated controls mapping
// by its properties, since the catalogue grows as controls are added.
func TestBuildErrorControls(t *testing.T) {
	if controls.Lookup("iam.root_mfa_disabled") == nil {
		t.Fatal("iam.root_mfa_disabled is not registered")
	}
	tests := []struct {
		name    string
		err     inventory.ScanError
		want    []string // must be listed
		notWant []string // must not be listed
	}{
		{
			name:    "iam error on the root user",
			err:     inventory.ScanError{Cloud: inventory.AWS, Target: "111111111111", Domain: inventory.IAM, ResourceTypes: []string{inventory.AWSRoot}, Message: "credential report not ready"},
			want:    []string{"iam.root_mfa_disabled"},
			notWant: []string{"firewall.all_ports_open_to_internet"},
		},
		{
			name:    "aws iam error without types covers every aws type",
			err:     inventory.ScanError{Cloud: inventory.AWS, Target: "111111111111", Domain: inventory.IAM, Message: "throttled"},
			want:    []string{"iam.root_mfa_disabled"},
			notWant: []string{"firewall.all_ports_open_to_internet"},
		},
		{
			name:    "azure iam error without types leaves aws controls alone",
			err:     inventory.ScanError{Cloud: inventory.Azure, Target: "00000000-0000-0000-0000-000000000000", Domain: inventory.IAM, Message: "forbidden"},
			notWant: []string{"iam.root_mfa_disabled"},
		},
		{
			name:    "iam error on other types",
			err:     inventory.ScanError{Cloud: inventory.AWS, Target: "111111111111", Domain: inventory.IAM, ResourceTypes: []string{inventory.AWSVolume}, Message: "denied"},
			notWant: []string{"iam.root_mfa_disabled"},
		},
		{
			name:    "firewall error on security groups",
			err:     inventory.ScanError{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-west-1", Domain: inventory.Firewall, ResourceTypes: []string{inventory.AWSSecurityGroup}, Message: "denied"},
			notWant: []string{"iam.root_mfa_disabled"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := Build(&inventory.Inventory{Errors: []inventory.ScanError{tc.err}}, nil, nil, Meta{})
			got := doc.Errors[0].Controls
			if got == nil {
				t.Fatalf("Controls = nil, want a list")
			}
			for _, id := range tc.want {
				if !slices.Contains(got, id) {
					t.Errorf("Controls = %v, want it to contain %s", got, id)
				}
			}
			for _, id := range tc.notWant {
				if slices.Contains(got, id) {
					t.Errorf("Controls = %v, want it without %s", got, id)
				}
			}
			types := tc.err.ResourceTypes
			if len(types) == 0 {
				for _, n := range inventory.TypeNames() {
					if inventory.Types[n].Cloud == tc.err.Cloud {
						types = append(types, n)
					}
				}
			}
			// Every registered control of the domain over an affected type
			// is listed, and nothing else.
			for _, c := range controls.Controls() {
				affected := c.Domain == tc.err.Domain && slices.ContainsFunc(types, c.Applies)
				if listed := slices.Contains(got, c.ID); listed != affected {
					t.Errorf("control %s listed = %v, want %v (domain %s, types %v)", c.ID, listed, affected, c.Domain, c.ResourceTypes)
				}
			}
		})
	}
}

func TestBuildFirewallErrorListsFirewallControls(t *testing.T) {
	var fw []string
	for _, c := range controls.Controls() {
		if c.Domain == inventory.Firewall && c.Applies(inventory.AWSSecurityGroup) {
			fw = append(fw, c.ID)
		}
	}
	if len(fw) == 0 {
		t.Fatal("no registered firewall control applies to security groups")
	}
	err := inventory.ScanError{Cloud: inventory.AWS, Target: "111111111111", Domain: inventory.Firewall, ResourceTypes: []string{inventory.AWSSecurityGroup}, Message: "denied"}
	got := Build(&inventory.Inventory{Errors: []inventory.ScanError{err}}, nil, nil, Meta{}).Errors[0].Controls
	if !reflect.DeepEqual(got, fw) {
		t.Errorf("Controls = %v, want %v", got, fw)
	}
}
