package inventory

import (
	"bytes"
	"reflect"
	"testing"
	"time"
)

// FuzzDecode feeds the inventory decoder arbitrary bytes. It must never
// panic; an inventory it accepts must encode and decode back to itself,
// and must be accepted whole by the streaming decoder too.
func FuzzDecode(f *testing.F) {
	inv := &Inventory{SchemaVersion: SchemaVersion, CollectedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Targets: []Target{{Cloud: AWS, ID: "111111111111", Regions: []string{"eu-west-1"}}},
		Resources: []Resource{
			{Cloud: AWS, Target: "111111111111", Region: "eu-west-1", Type: AWSSecurityGroup, ID: "sg-1", Tags: map[string]string{"a": "b"},
				Firewall: &FirewallRules{Rules: Known([]Rule{{ID: "ingress/0", Direction: Ingress, Action: Allow, Protocol: "tcp",
					Ports: []PortRange{{From: 22, To: 22}}, Sources: []Source{{Kind: SourceCIDR, Value: "0.0.0.0/0"}}}})}},
			{Cloud: AWS, Target: "111111111111", Region: "eu-west-1", Type: AWSInstance, ID: "i-1", VM: &VM{Running: True}},
		},
		Errors: []ScanError{{Cloud: AWS, Target: "111111111111", Domain: IAM, Message: "denied"}},
	}
	var seed bytes.Buffer
	if err := inv.Encode(&seed); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add([]byte(`{"schemaVersion":1,"resources":[{"cloud":"aws","target":"1","type":"aws.ec2.vpc","id":"v"}],"collectedAt":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"schemaVersion":1,"schemaVersion":1}`))
	f.Add([]byte(`{"schemaVersion":1} {}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		var out bytes.Buffer
		if err := got.Encode(&out); err != nil {
			t.Fatalf("an accepted inventory does not encode: %v", err)
		}
		again, err := Decode(&out)
		if err != nil {
			t.Fatalf("an accepted inventory, encoded, is refused: %v\n%s", err, out.Bytes())
		}
		if !reflect.DeepEqual(normalize(got), normalize(again)) {
			t.Fatalf("decode, encode, decode changed the inventory:\n%+v\n%+v", got, again)
		}
	})
}

// normalize makes empty and missing lists alike, as JSON does not keep
// the difference for omitempty fields.
func normalize(inv *Inventory) *Inventory {
	out := *inv
	if len(out.Errors) == 0 {
		out.Errors = nil
	}
	if len(out.Scanners) == 0 {
		out.Scanners = nil
	}
	out.CollectedAt = out.CollectedAt.UTC()
	return &out
}
