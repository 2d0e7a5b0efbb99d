package inventory

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func sample() *Inventory {
	t0 := time.Date(2026, 10, 1, 8, 30, 0, 0, time.UTC)
	return &Inventory{
		SchemaVersion: SchemaVersion,
		CollectedAt:   t0,
		Targets:       []Target{{Cloud: AWS, ID: "111111111111", Regions: []string{"eu-west-1"}}},
		Resources: []Resource{
			{Cloud: AWS, Target: "111111111111", Region: "eu-west-1", Type: AWSSecurityGroup, ID: "sg-1", Name: "web",
				Tags: map[string]string{"env": "prod"},
				Firewall: &FirewallRules{Default: False, Rules: Known([]Rule{{ID: "ingress/0", Direction: Ingress, Action: Allow,
					Protocol: "tcp", Ports: []PortRange{{22, 22}}, Sources: []Source{{Kind: SourceCIDR, Value: "0.0.0.0/0"}}}})}},
			{Cloud: AWS, Target: "111111111111", Region: "eu-west-1", Type: AWSInstance, ID: "i-1",
				VM: &VM{State: "running", Running: True, PatchManaged: True, MissingSecurity: Known(0), LastAssessed: Known(t0)}},
			{Cloud: AWS, Target: "111111111111", Type: AWSUser, ID: "arn:aws:iam::111111111111:user/alice",
				Identity: &Identity{Kind: IdentityUser, PasswordEnabled: True, MFAEnabled: False,
					PasswordLastUsed: Known(time.Time{}),
					Keys:             Known([]AccessKey{{ID: "AKIA1", Active: True, Created: Known(t0)}})}},
			{Cloud: GCP, Target: "proj-a", Type: GCPProject, ID: "projects/proj-a",
				Access: &AccessBindings{Bindings: Known([]Binding{{Role: "roles/owner", Members: []string{"user:a@example.com"}}})}},
		},
		Errors: []ScanError{{Cloud: AWS, Target: "111111111111", Region: "eu-west-1", Domain: Patching,
			Operation: "ssm:DescribeInstancePatchStates", Message: "AccessDeniedException", Permission: "ssm:DescribeInstancePatchStates"}},
		Scanners: []ScannerRun{
			{Cloud: AWS, Target: "111111111111", Region: "eu-west-1", Domain: Patching, Success: false, DurationSeconds: 1.5},
			{Cloud: AWS, Target: "111111111111", Domain: IAM, Success: true, DurationSeconds: 0.25},
		},
	}
}

// Snapshots saved before scanner runs were recorded have no scanners key;
// they still decode, and an inventory without runs writes none.
func TestInventoryWithoutScannerRuns(t *testing.T) {
	in := sample()
	in.Scanners = nil
	var buf bytes.Buffer
	if err := in.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), `"scanners"`) {
		t.Errorf("Encode without runs wrote a scanners key:\n%s", buf.String())
	}
	out, err := Decode(&buf)
	if err != nil {
		t.Fatalf("Decode of an inventory without scanners: %v", err)
	}
	if out.Scanners != nil {
		t.Errorf("Scanners = %+v, want none", out.Scanners)
	}
}

func TestInventoryRoundTrip(t *testing.T) {
	in := sample()
	var buf bytes.Buffer
	if err := in.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	out, err := Decode(&buf)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if !reflect.DeepEqual(in, out) {
		a, _ := json.Marshal(in)
		b, _ := json.Marshal(out)
		t.Errorf("round trip changed the inventory:\n got %s\nwant %s", b, a)
	}
}

func TestTriStateEncoding(t *testing.T) {
	vm := VM{Running: True, PatchManaged: False}
	b, err := json.Marshal(vm)
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	if !strings.Contains(got, `"running":true`) || !strings.Contains(got, `"patchManaged":false`) {
		t.Errorf("Marshal(VM) = %s, want known values kept, false included", got)
	}
	if strings.Contains(got, "missingSecurity") {
		t.Errorf("Marshal(VM) = %s, want unknown missingSecurity left out", got)
	}
	var back VM
	if err := json.Unmarshal([]byte(`{"running":null,"patchManaged":false}`), &back); err != nil {
		t.Fatal(err)
	}
	if back.Running.IsKnown() {
		t.Errorf("null decoded as known %v, want unknown", back.Running)
	}
	if v, ok := back.PatchManaged.Get(); !ok || v {
		t.Errorf("PatchManaged = (%v, %v), want known false", v, ok)
	}
	if _, ok := back.MissingSecurity.Get(); ok {
		t.Errorf("absent MissingSecurity decoded as known")
	}
}

func TestDecodeRejects(t *testing.T) {
	for _, tc := range []struct{ name, doc, want string }{
		{"version", `{"schemaVersion":9,"collectedAt":"2026-01-01T00:00:00Z","targets":[],"resources":[]}`, "schemaVersion 9"},
		{"unknown field", `{"schemaVersion":1,"bogus":1}`, "bogus"},
		{"unknown type", `{"schemaVersion":1,"collectedAt":"2026-01-01T00:00:00Z","targets":[],"resources":[{"cloud":"aws","target":"1","type":"aws.nope","id":"x"}]}`, `unknown resource type "aws.nope"`},
		{"cloud mismatch", `{"schemaVersion":1,"collectedAt":"2026-01-01T00:00:00Z","targets":[],"resources":[{"cloud":"gcp","target":"1","type":"aws.s3.bucket","id":"x"}]}`, `belongs to cloud "aws"`},
		{"no id", `{"schemaVersion":1,"collectedAt":"2026-01-01T00:00:00Z","targets":[],"resources":[{"cloud":"aws","target":"1","type":"aws.s3.bucket"}]}`, "has no id"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.doc))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Decode(%s) error = %v, want it to contain %q", tc.name, err, tc.want)
			}
		})
	}
}

func TestUIDSeparatesAccountsAndRegions(t *testing.T) {
	a := Resource{Cloud: AWS, Target: "111111111111", Region: "eu-west-1", Type: AWSSecurityGroup, ID: "sg-1"}
	b := a
	b.Target = "222222222222"
	c := a
	c.Region = "us-east-1"
	if a.UID() == b.UID() || a.UID() == c.UID() {
		t.Errorf("UIDs collide: %q %q %q", a.UID(), b.UID(), c.UID())
	}
}

func TestTypesBelongToKnownClouds(t *testing.T) {
	for _, name := range TypeNames() {
		info := Types[name]
		if !strings.HasPrefix(name, string(info.Cloud)+".") {
			t.Errorf("type %q is filed under cloud %q", name, info.Cloud)
		}
		if len(info.Facets) == 0 || info.Title == "" {
			t.Errorf("type %q lacks a title or facets", name)
		}
	}
}
