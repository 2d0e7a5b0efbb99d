// Package benchdata builds large inventories in memory for the Go
// benchmarks of the evaluation, the sink and the writers: an organization
// of AWS accounts whose regions hold security groups, instances with patch
// states, volumes and keys, plus buckets and users, in the proportions of
// the simulated organization `make bench` scans.
package benchdata

import (
	"fmt"
	"time"

	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/inventory"
)

// CollectedAt is when the generated inventories were collected.
var CollectedAt = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

var regions = []string{"eu-central-1", "eu-west-1", "us-east-1", "us-west-2"}

// Resources returns n resources of accounts of about 2,500 resources each.
func Resources(n int) []inventory.Resource {
	out := make([]inventory.Resource, 0, n)
	for i := 0; len(out) < n; i++ {
		acct := fmt.Sprintf("%012d", 100000000000+i/2500)
		region := regions[(i/625)%len(regions)]
		base := inventory.Resource{Cloud: inventory.AWS, Target: acct, Region: region}
		tags := map[string]string{"Name": fmt.Sprintf("res-%d", i), "env": []string{"prod", "dev", "test"}[i%3]}
		r := base
		switch i % 10 {
		case 0, 1:
			r.Type, r.ID, r.Name = inventory.AWSSecurityGroup, fmt.Sprintf("sg-%017x", i), fmt.Sprintf("web-%d", i)
			rules := []inventory.Rule{
				{ID: "ingress/0", Direction: inventory.Ingress, Action: inventory.Allow, Protocol: "tcp",
					Ports: []inventory.PortRange{{From: 443, To: 443}}, Sources: []inventory.Source{{Kind: inventory.SourceCIDR, Value: "0.0.0.0/0"}}},
				{ID: "egress/0", Direction: inventory.Egress, Action: inventory.Allow, Protocol: "all",
					Sources: []inventory.Source{{Kind: inventory.SourceCIDR, Value: "0.0.0.0/0"}}},
			}
			if i%20 == 0 {
				rules[0].Ports = []inventory.PortRange{{From: 22, To: 22}}
			}
			r.Firewall = &inventory.FirewallRules{Rules: inventory.Known(rules), Default: inventory.False, AttachedTo: []string{fmt.Sprintf("i-%017x", i+2)}}
		case 2, 3, 4:
			r.Type, r.ID, r.Name = inventory.AWSInstance, fmt.Sprintf("i-%017x", i), tags["Name"]
			r.Tags = tags
			r.VM = &inventory.VM{State: "running", Running: inventory.True, OS: "Linux/UNIX", PatchManaged: inventory.Known(i%7 != 0),
				LastAssessed: inventory.Known(CollectedAt.Add(-time.Duration(i%240) * time.Hour)), MissingSecurity: inventory.Known(i % 3),
				MissingOther: inventory.Known(i % 5), Failed: inventory.Known(0), PendingReboot: inventory.Known(0), Compliance: inventory.Known("COMPLIANT")}
		case 5, 6, 7:
			r.Type, r.ID = inventory.AWSVolume, fmt.Sprintf("vol-%017x", i)
			r.Tags = tags
			r.Volume = &inventory.Volume{Encrypted: inventory.Known(i%4 != 0), KeyManager: inventory.Known(inventory.KeyProvider), AttachedTo: []string{fmt.Sprintf("i-%017x", i-3)}}
		case 8:
			r.Type, r.ID = inventory.AWSKMSKey, fmt.Sprintf("arn:aws:kms:%s:%s:key/%08x-0000-4000-8000-%012x", region, acct, i, i)
			r.Key = &inventory.Key{KeyManager: inventory.Known(inventory.KeyCustomer), State: "Enabled", RotationEnabled: inventory.Known(i%3 != 0), Symmetric: inventory.True}
		default:
			if i%20 == 9 {
				r.Type, r.ID, r.Region = inventory.AWSBucket, fmt.Sprintf("bucket-%d", i), region
				r.Storage = &inventory.Storage{Encrypted: inventory.True, KeyManager: inventory.Known(inventory.KeyProvider), PublicAccess: inventory.False, Policy: inventory.Known([]inventory.Statement{})}
			} else {
				r.Type, r.ID, r.Name, r.Region = inventory.AWSUser, fmt.Sprintf("arn:aws:iam::%s:user/user-%d", acct, i), fmt.Sprintf("user-%d", i), ""
				r.Identity = &inventory.Identity{Kind: inventory.IdentityUser, PasswordEnabled: inventory.True, MFAEnabled: inventory.Known(i%4 != 0),
					PasswordLastUsed: inventory.Known(CollectedAt.Add(-240 * time.Hour)), Keys: inventory.Known([]inventory.AccessKey{})}
			}
		}
		out = append(out, r)
	}
	return out
}

// Inventory returns an inventory of n resources.
func Inventory(n int) *inventory.Inventory {
	return &inventory.Inventory{SchemaVersion: inventory.SchemaVersion, CollectedAt: CollectedAt, Resources: Resources(n)}
}

// Declaration is a managed-service declaration over every account: the
// MSP owns the four domains, the customer IAM, and the provider patches
// nothing.
func Declaration() *declaration.Declaration {
	return &declaration.Declaration{
		File: "bench.yaml",
		Parties: []declaration.Party{
			{ID: "acme", Role: "customer", Name: "Acme"},
			{ID: "msp", Role: "msp", Name: "MSP"},
		},
		Responsibilities: []declaration.Responsibility{
			{Match: declaration.Match{Cloud: inventory.AWS}, Assign: map[inventory.Domain]string{
				inventory.Firewall: "msp", inventory.Patching: "msp", inventory.Encryption: "msp", inventory.IAM: "acme"}},
			{Match: declaration.Match{Cloud: inventory.AWS, Tags: map[string]string{"env": "dev"}}, Assign: map[inventory.Domain]string{inventory.Firewall: "acme"}},
		},
	}
}
