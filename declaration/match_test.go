package declaration

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

func TestMatchMatches(t *testing.T) {
	sg := inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Type: inventory.AWSSecurityGroup, ID: "sg-1",
		Tags: map[string]string{"env": "prod", "managed-by": "customer"}}
	user := inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSUser, ID: "alice"}
	disk := inventory.Resource{Cloud: inventory.GCP, Target: "acme-prod", Region: "europe-west1-b", Type: inventory.GCPDisk, ID: "disk-1"}
	cases := []struct {
		name string
		m    Match
		r    inventory.Resource
		want bool
	}{
		{"empty match selects everything", Match{}, sg, true},
		{"empty match selects global resources", Match{}, user, true},
		{"cloud equal", Match{Cloud: inventory.AWS}, sg, true},
		{"cloud differs", Match{Cloud: inventory.Azure}, sg, false},
		{"target listed", Match{Targets: []string{"222222222222", "111111111111"}}, sg, true},
		{"target not listed", Match{Targets: []string{"222222222222"}}, sg, false},
		{"region listed", Match{Regions: []string{"eu-central-1"}}, sg, true},
		{"region not listed", Match{Regions: []string{"eu-west-1"}}, sg, false},
		{"regionless resource and a region list", Match{Regions: []string{"eu-central-1"}}, user, false},
		{"regionless resource and no region list", Match{Cloud: inventory.AWS}, user, true},
		{"exact type", Match{ResourceTypes: []string{inventory.AWSSecurityGroup}}, sg, true},
		{"glob type", Match{ResourceTypes: []string{"aws.ec2.*"}}, sg, true},
		{"glob type over clouds", Match{ResourceTypes: []string{"*.compute.disk"}}, disk, true},
		{"glob type misses", Match{ResourceTypes: []string{"aws.iam.*"}}, sg, false},
		{"second type pattern", Match{ResourceTypes: []string{"aws.rds.instance", "aws.ec2.security_group"}}, sg, true},
		{"malformed pattern matches nothing", Match{ResourceTypes: []string{"aws.ec2.[", "aws.rds.*"}}, sg, false},
		{"tag equal", Match{Tags: map[string]string{"env": "prod"}}, sg, true},
		{"tag value differs", Match{Tags: map[string]string{"env": "dev"}}, sg, false},
		{"tag missing", Match{Tags: map[string]string{"team": "core"}}, sg, false},
		{"every tag must match", Match{Tags: map[string]string{"env": "prod", "managed-by": "msp"}}, sg, false},
		{"all tags match", Match{Tags: map[string]string{"env": "prod", "managed-by": "customer"}}, sg, true},
		{"wildcard tag value", Match{Tags: map[string]string{"managed-by": "*"}}, sg, true},
		{"wildcard tag needs the key", Match{Tags: map[string]string{"owner": "*"}}, sg, false},
		{"tags on an untagged resource", Match{Tags: map[string]string{"env": "prod"}}, user, false},
		{"all fields agree", Match{Cloud: inventory.AWS, Targets: []string{"111111111111"}, Regions: []string{"eu-central-1"},
			ResourceTypes: []string{"aws.ec2.*"}, Tags: map[string]string{"env": "prod"}}, sg, true},
		{"one field disagrees", Match{Cloud: inventory.AWS, Targets: []string{"111111111111"}, Regions: []string{"eu-central-1"},
			ResourceTypes: []string{"aws.ec2.*"}, Tags: map[string]string{"env": "dev"}}, sg, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.Matches(tc.r); got != tc.want {
				t.Errorf("%+v.Matches(%s) = %v, want %v", tc.m, tc.r.UID(), got, tc.want)
			}
		})
	}
}

func TestMatchMayCover(t *testing.T) {
	region := inventory.ScanError{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Domain: inventory.Patching}
	account := inventory.ScanError{Cloud: inventory.AWS, Target: "111111111111", Domain: inventory.IAM}
	cloud := inventory.ScanError{Cloud: inventory.Azure, Domain: inventory.Firewall}
	cases := []struct {
		name string
		m    Match
		e    inventory.ScanError
		want bool
	}{
		{"empty match", Match{}, region, true},
		{"cloud equal", Match{Cloud: inventory.AWS}, region, true},
		{"cloud differs", Match{Cloud: inventory.GCP}, region, false},
		{"target listed", Match{Targets: []string{"111111111111"}}, region, true},
		{"target not listed", Match{Targets: []string{"222222222222"}}, region, false},
		{"error without a target", Match{Targets: []string{"00000000-0000-0000-0000-000000000000"}}, cloud, true},
		{"region listed", Match{Regions: []string{"eu-central-1"}}, region, true},
		{"region not listed", Match{Regions: []string{"us-east-1"}}, region, false},
		{"error without a region", Match{Regions: []string{"us-east-1"}}, account, true},
		// Types and tags are not in a scan error: what was not read may
		// hold resources of any type with any tags.
		{"types and tags", Match{ResourceTypes: []string{inventory.AWSUser}, Tags: map[string]string{"env": "prod"}}, region, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.m.MayCover(tc.e); got != tc.want {
				t.Errorf("%+v.MayCover(%+v) = %v, want %v", tc.m, tc.e, got, tc.want)
			}
		})
	}
}
