package aws

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// firewallWorld has one account in two regions. eu-central-1 holds the
// groups the controls care about (SSH from anywhere and from one address,
// every protocol from ::/0, a port range, group and prefix-list sources, a
// default group referencing itself, numeric protocols), instances and
// interfaces using them, and a network ACL that denies 22 before allowing
// everything; firewallScanWorld adds enough generated groups, instances,
// VPCs and ACLs to need several pages. eu-west-1 holds a default VPC.
const firewallWorld = `
aws:
  accessKeys: {AKIASIMULATOR0000001: "111111111111"}
  accounts:
    - id: "111111111111"
      regions:
        eu-central-1:
          vpcs:
            - {id: vpc-a, cidr: 10.0.0.0/16, tags: {Name: main}}
          securityGroups:
            - id: sg-ssh-world
              name: ssh-world
              vpc: vpc-a
              ingress: [{protocol: tcp, fromPort: 22, toPort: 22, cidrs: [0.0.0.0/0]}]
              egress: [{protocol: "-1", cidrs: [0.0.0.0/0]}]
              tags: {owner: web-team}
            - id: sg-ssh-office
              name: ssh-office
              vpc: vpc-a
              ingress: [{protocol: tcp, fromPort: 22, toPort: 22, cidrs: [203.0.113.10/32]}]
            - id: sg-all-v6
              name: all-v6
              vpc: vpc-a
              ingress: [{protocol: "-1", ipv6Cidrs: ["::/0"]}]
            - id: sg-range
              name: low-ports
              vpc: vpc-a
              ingress: [{protocol: tcp, fromPort: 0, toPort: 1024, cidrs: [198.51.100.0/24]}]
            - id: sg-app
              name: app
              vpc: vpc-a
              ingress:
                - {protocol: tcp, fromPort: 8080, toPort: 8080, groups: [sg-ssh-world]}
                - {protocol: tcp, fromPort: 443, toPort: 443, prefixLists: [pl-0corp]}
            - id: sg-default-a
              name: default
              vpc: vpc-a
              ingress: [{protocol: "-1", groups: [sg-default-a]}]
              egress: [{protocol: "-1", cidrs: [0.0.0.0/0]}]
            - id: sg-numeric
              name: numeric
              vpc: vpc-a
              ingress:
                - {protocol: "6", fromPort: 80, toPort: 80, cidrs: [10.0.0.0/8]}
                - {protocol: "17", fromPort: 53, toPort: 53, cidrs: [10.0.0.0/8]}
                - {protocol: "1", fromPort: 8, toPort: -1, cidrs: [10.0.0.0/8]}
                - {protocol: "47", cidrs: [10.0.0.0/8]}
                - {protocol: "58", fromPort: -1, toPort: -1, ipv6Cidrs: ["::/0"]}
          networkAcls:
            - id: acl-a
              vpc: vpc-a
              subnets: [subnet-a]
              tags: {Name: public}
              entries:
                - {ruleNumber: 90, protocol: "6", action: deny, cidr: 0.0.0.0/0, fromPort: 22, toPort: 22}
                - {ruleNumber: 100, protocol: "-1", action: allow, cidr: 0.0.0.0/0}
                - {ruleNumber: 110, protocol: "6", action: allow, ipv6Cidr: "::/0", fromPort: 443, toPort: 443}
                - {ruleNumber: 100, protocol: "-1", action: allow, egress: true, cidr: 0.0.0.0/0}
          instances:
            - {id: i-web, state: running, vpc: vpc-a, groups: [sg-ssh-world, sg-app]}
            - {id: i-db, state: stopped, vpc: vpc-a, groups: [sg-app]}
            - {id: i-gone, state: terminated, vpc: vpc-a, groups: [sg-ssh-office]}
          networkInterfaces:
            - {id: eni-second, vpc: vpc-a, groups: [sg-range], instance: i-web}
            - {id: eni-lb01, type: network_load_balancer, vpc: vpc-a, groups: [sg-app]}
        eu-west-1:
          vpcs:
            - {id: vpc-b, cidr: 172.31.0.0/16, default: true}
          securityGroups:
            - id: sg-default-b
              name: default
              vpc: vpc-b
            - id: sg-b-web
              name: web
              vpc: vpc-b
              ingress: [{protocol: tcp, fromPort: 443, toPort: 443, cidrs: [0.0.0.0/0]}]
          networkAcls:
            - id: acl-b
              vpc: vpc-b
              default: true
              entries:
                - {ruleNumber: 100, protocol: "-1", action: allow, cidr: 0.0.0.0/0}
                - {ruleNumber: 100, protocol: "-1", action: allow, egress: true, cidr: 0.0.0.0/0}
`

// The generated part of firewallWorld in eu-central-1, and the requests a
// scan then needs at the test page size of 5.
const (
	fwGenGroups = 30 // each used by one instance: 7+30 groups, 4+30 interfaces
	fwGenVPCs   = 6  // each with one network ACL: 7 VPCs, 7 ACLs
	fwPageSize  = 5
)

// firewallPages is how many requests each read takes: eu-central-1's
// pages plus eu-west-1's one.
var firewallPages = map[string]int{
	"ec2:DescribeSecurityGroups":    fwPages(7+fwGenGroups) + 1,
	"ec2:DescribeNetworkInterfaces": fwPages(4+fwGenGroups) + 1,
	"ec2:DescribeNetworkAcls":       fwPages(1+fwGenVPCs) + 1,
	"ec2:DescribeVpcs":              fwPages(1+fwGenVPCs) + 1,
}

func fwPages(n int) int { return (n + fwPageSize - 1) / fwPageSize }

// firewallOps are the operations a firewall scan with declared regions
// calls: the four reads and the identity check of the ambient credentials.
var firewallOps = []string{
	"ec2:DescribeNetworkAcls", "ec2:DescribeNetworkInterfaces", "ec2:DescribeSecurityGroups", "ec2:DescribeVpcs",
	"sts:GetCallerIdentity",
}

// firewallSim serves firewallWorld with its generated part and makes the
// scanner ask for pages of fwPageSize.
func firewallSim(t *testing.T) (*cloudsim.Server, settings) {
	t.Helper()
	srv, o := startSim(t, firewallWorld)
	reg := srv.World().AWS.Accounts[0].Regions["eu-central-1"]
	for i := range fwGenGroups {
		id := fmt.Sprintf("sg-gen%02d", i)
		reg.SecurityGroups = append(reg.SecurityGroups, &cloudsim.SecurityGroup{ID: id, Name: fmt.Sprintf("gen%02d", i), VPC: "vpc-a",
			Ingress: []cloudsim.Permission{{Protocol: "tcp", FromPort: fwInt(8000 + i), ToPort: fwInt(8000 + i), CIDRs: []string{"10.0.0.0/8"}}}})
		reg.Instances = append(reg.Instances, &cloudsim.Instance{ID: fmt.Sprintf("i-gen%02d", i), State: "running", VPC: "vpc-a", Groups: []string{id}})
	}
	for i := range fwGenVPCs {
		vpc := fmt.Sprintf("vpc-gen%d", i)
		reg.VPCs = append(reg.VPCs, &cloudsim.VPC{ID: vpc, CIDR: fmt.Sprintf("10.%d.0.0/16", 10+i)})
		reg.NetworkACLs = append(reg.NetworkACLs, &cloudsim.NetworkACL{ID: fmt.Sprintf("acl-gen%d", i), VPC: vpc, Default: true,
			Entries: []cloudsim.ACLEntry{{RuleNumber: 100, Protocol: "-1", Action: "allow", CIDR: "10.0.0.0/8"}}})
	}
	old := firewallPageSize
	firewallPageSize = fwPageSize
	t.Cleanup(func() { firewallPageSize = old })
	return srv, o
}

func fwInt(v int) *int { return &v }

var fwRegions = []string{"eu-central-1", "eu-west-1"}

// fwCIDR, fwPrefixList and fwGroup build rule sources.
func fwCIDR(v string) inventory.Source { return inventory.Source{Kind: inventory.SourceCIDR, Value: v} }
func fwPrefixList(v string) inventory.Source {
	return inventory.Source{Kind: inventory.SourcePrefixList, Value: v}
}
func fwGroup(v string) inventory.Source {
	return inventory.Source{Kind: inventory.SourceSecurityGroup, Value: v}
}

func TestFirewallScan(t *testing.T) {
	srv, o := firewallSim(t)
	inv := scanDomain(t, o, inventory.Firewall, scanners.Target{ID: "111111111111", Regions: fwRegions})

	if len(inv.Errors) != 0 {
		t.Fatalf("errors = %+v, want none", inv.Errors)
	}
	wantOperations(t, srv, firewallOps)
	counts := srv.Counts()
	for op, want := range firewallPages {
		if counts[op] != want {
			t.Errorf("%s requests = %d, want %d (every page, no more)", op, counts[op], want)
		}
	}

	sgs, acls, vpcs := byType(inv, inventory.AWSSecurityGroup), byType(inv, inventory.AWSNetworkACL), byType(inv, inventory.AWSVPC)
	if len(sgs) != 7+fwGenGroups+2 || len(acls) != 1+fwGenVPCs+1 || len(vpcs) != 1+fwGenVPCs+1 {
		t.Errorf("read %d security groups, %d network ACLs, %d VPCs; want %d, %d, %d",
			len(sgs), len(acls), len(vpcs), 7+fwGenGroups+2, 1+fwGenVPCs+1, 1+fwGenVPCs+1)
	}

	allOpen := []inventory.Source{fwCIDR("0.0.0.0/0")}
	for _, tc := range []struct {
		id, name string
		want     inventory.FirewallRules
	}{
		{"sg-ssh-world", "ssh-world", inventory.FirewallRules{Default: inventory.Known(false), AttachedTo: []string{"i-web"},
			Rules: inventory.Known([]inventory.Rule{
				{ID: "ingress/0", Direction: "ingress", Action: "allow", Protocol: "tcp", Ports: []inventory.PortRange{{From: 22, To: 22}}, Sources: allOpen},
				{ID: "egress/0", Direction: "egress", Action: "allow", Protocol: "all", Sources: allOpen},
			})}},
		// Only a terminated instance used it: nothing does now.
		{"sg-ssh-office", "ssh-office", inventory.FirewallRules{Default: inventory.Known(false),
			Rules: inventory.Known([]inventory.Rule{
				{ID: "ingress/0", Direction: "ingress", Action: "allow", Protocol: "tcp", Ports: []inventory.PortRange{{From: 22, To: 22}}, Sources: []inventory.Source{fwCIDR("203.0.113.10/32")}},
			})}},
		{"sg-all-v6", "all-v6", inventory.FirewallRules{Default: inventory.Known(false),
			Rules: inventory.Known([]inventory.Rule{
				{ID: "ingress/0", Direction: "ingress", Action: "allow", Protocol: "all", Sources: []inventory.Source{fwCIDR("::/0")}},
			})}},
		// Used through a secondary interface of i-web.
		{"sg-range", "low-ports", inventory.FirewallRules{Default: inventory.Known(false), AttachedTo: []string{"i-web"},
			Rules: inventory.Known([]inventory.Rule{
				{ID: "ingress/0", Direction: "ingress", Action: "allow", Protocol: "tcp", Ports: []inventory.PortRange{{From: 0, To: 1024}}, Sources: []inventory.Source{fwCIDR("198.51.100.0/24")}},
			})}},
		// A load balancer's interface has no instance: the interface is listed.
		{"sg-app", "app", inventory.FirewallRules{Default: inventory.Known(false), AttachedTo: []string{"eni-lb01", "i-db", "i-web"},
			Rules: inventory.Known([]inventory.Rule{
				{ID: "ingress/0", Direction: "ingress", Action: "allow", Protocol: "tcp", Ports: []inventory.PortRange{{From: 8080, To: 8080}}, Sources: []inventory.Source{fwGroup("sg-ssh-world")}},
				{ID: "ingress/1", Direction: "ingress", Action: "allow", Protocol: "tcp", Ports: []inventory.PortRange{{From: 443, To: 443}}, Sources: []inventory.Source{fwPrefixList("pl-0corp")}},
			})}},
		{"sg-default-a", "default", inventory.FirewallRules{Default: inventory.Known(true),
			Rules: inventory.Known([]inventory.Rule{
				{ID: "ingress/0", Direction: "ingress", Action: "allow", Protocol: "all", Sources: []inventory.Source{fwGroup("sg-default-a")}},
				{ID: "egress/0", Direction: "egress", Action: "allow", Protocol: "all", Sources: allOpen},
			})}},
		// Numbers become names; ICMP types and protocols without ports carry
		// no port range.
		{"sg-numeric", "numeric", inventory.FirewallRules{Default: inventory.Known(false),
			Rules: inventory.Known([]inventory.Rule{
				{ID: "ingress/0", Direction: "ingress", Action: "allow", Protocol: "tcp", Ports: []inventory.PortRange{{From: 80, To: 80}}, Sources: []inventory.Source{fwCIDR("10.0.0.0/8")}},
				{ID: "ingress/1", Direction: "ingress", Action: "allow", Protocol: "udp", Ports: []inventory.PortRange{{From: 53, To: 53}}, Sources: []inventory.Source{fwCIDR("10.0.0.0/8")}},
				{ID: "ingress/2", Direction: "ingress", Action: "allow", Protocol: "icmp", Sources: []inventory.Source{fwCIDR("10.0.0.0/8")}},
				{ID: "ingress/3", Direction: "ingress", Action: "allow", Protocol: "47", Sources: []inventory.Source{fwCIDR("10.0.0.0/8")}},
				{ID: "ingress/4", Direction: "ingress", Action: "allow", Protocol: "icmpv6", Sources: []inventory.Source{fwCIDR("::/0")}},
			})}},
		{"sg-gen29", "gen29", inventory.FirewallRules{Default: inventory.Known(false), AttachedTo: []string{"i-gen29"},
			Rules: inventory.Known([]inventory.Rule{
				{ID: "ingress/0", Direction: "ingress", Action: "allow", Protocol: "tcp", Ports: []inventory.PortRange{{From: 8029, To: 8029}}, Sources: []inventory.Source{fwCIDR("10.0.0.0/8")}},
			})}},
		{"sg-default-b", "default", inventory.FirewallRules{Default: inventory.Known(true), Rules: inventory.Known([]inventory.Rule{})}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			r, ok := sgs[tc.id]
			if !ok {
				t.Fatalf("security group %s not read", tc.id)
			}
			if r.Name != tc.name || r.Target != "111111111111" || r.Cloud != inventory.AWS {
				t.Errorf("name, target, cloud = %q, %q, %q; want %q, 111111111111, aws", r.Name, r.Target, r.Cloud, tc.name)
			}
			if r.Firewall == nil {
				t.Fatal("firewall facet = nil")
			}
			if !reflect.DeepEqual(*r.Firewall, tc.want) {
				t.Errorf("firewall =\n%+v\nwant\n%+v", *r.Firewall, tc.want)
			}
		})
	}
	if got := sgs["sg-ssh-world"].Tags; !reflect.DeepEqual(got, map[string]string{"owner": "web-team"}) {
		t.Errorf("sg-ssh-world tags = %v, want owner=web-team", got)
	}
	if got := sgs["sg-default-b"].Region; got != "eu-west-1" {
		t.Errorf("sg-default-b region = %q, want eu-west-1", got)
	}

	acl := acls["acl-a"]
	wantACL := inventory.FirewallRules{Rules: inventory.Known([]inventory.Rule{
		{ID: "90", Direction: "ingress", Action: "deny", Priority: 90, Protocol: "tcp", Ports: []inventory.PortRange{{From: 22, To: 22}}, Sources: allOpen},
		{ID: "100", Direction: "ingress", Action: "allow", Priority: 100, Protocol: "all", Sources: allOpen},
		{ID: "110", Direction: "ingress", Action: "allow", Priority: 110, Protocol: "tcp", Ports: []inventory.PortRange{{From: 443, To: 443}}, Sources: []inventory.Source{fwCIDR("::/0")}},
		{ID: "32767", Direction: "ingress", Action: "deny", Priority: 32767, Protocol: "all", Sources: allOpen},
		{ID: "100", Direction: "egress", Action: "allow", Priority: 100, Protocol: "all", Sources: allOpen},
		{ID: "32767", Direction: "egress", Action: "deny", Priority: 32767, Protocol: "all", Sources: allOpen},
	})}
	if acl.Firewall == nil || !reflect.DeepEqual(*acl.Firewall, wantACL) {
		t.Errorf("acl-a firewall =\n%+v\nwant\n%+v", acl.Firewall, wantACL)
	}
	if acl.Name != "public" || acl.Region != "eu-central-1" {
		t.Errorf("acl-a name, region = %q, %q; want public, eu-central-1", acl.Name, acl.Region)
	}

	for id, want := range map[string]bool{"vpc-a": false, "vpc-b": true, "vpc-gen5": false} {
		v, ok := vpcs[id]
		if !ok || v.Network == nil {
			t.Errorf("VPC %s not read", id)
			continue
		}
		if got, known := v.Network.Default.Get(); !known || got != want {
			t.Errorf("VPC %s default = %v (known %v), want %v", id, got, known, want)
		}
	}
	if got := vpcs["vpc-a"].Name; got != "main" {
		t.Errorf("vpc-a name = %q, want main", got)
	}
}

// TestFirewallScanControls runs the firewall controls over what the
// scanner read, so the normalized rules are checked against the semantics
// the controls give them.
func TestFirewallScanControls(t *testing.T) {
	srv, o := firewallSim(t)
	// Exposures no single rule shows: SSH from the two halves of the IPv4
	// internet in two rules (as the EC2 API returns them), RDP over UDP,
	// and SSH over UDP, which is no SSH at all.
	reg := srv.World().AWS.Accounts[0].Regions["eu-central-1"]
	reg.SecurityGroups = append(reg.SecurityGroups,
		&cloudsim.SecurityGroup{ID: "sg-halves", Name: "halves", VPC: "vpc-a", Ingress: []cloudsim.Permission{
			{Protocol: "tcp", FromPort: fwInt(22), ToPort: fwInt(22), CIDRs: []string{"0.0.0.0/1", "10.0.0.0/8"}},
			{Protocol: "tcp", FromPort: fwInt(0), ToPort: fwInt(1024), CIDRs: []string{"128.0.0.0/1"}}}},
		&cloudsim.SecurityGroup{ID: "sg-half", Name: "half", VPC: "vpc-a", Ingress: []cloudsim.Permission{
			{Protocol: "tcp", FromPort: fwInt(22), ToPort: fwInt(22), CIDRs: []string{"128.0.0.0/1"}}}},
		&cloudsim.SecurityGroup{ID: "sg-rdp-udp", Name: "rdp-udp", VPC: "vpc-a", Ingress: []cloudsim.Permission{
			{Protocol: "udp", FromPort: fwInt(3389), ToPort: fwInt(3389), IPv6CIDRs: []string{"::/0"}}}},
		&cloudsim.SecurityGroup{ID: "sg-ssh-udp", Name: "ssh-udp", VPC: "vpc-a", Ingress: []cloudsim.Permission{
			{Protocol: "udp", FromPort: fwInt(22), ToPort: fwInt(22), CIDRs: []string{"0.0.0.0/0"}}}})
	inv := scanDomain(t, o, inventory.Firewall, scanners.Target{ID: "111111111111", Regions: fwRegions})
	status := findings(t, inv, "")
	const (
		admin    = "firewall.admin_ports_open_to_internet"
		allPorts = "firewall.all_ports_open_to_internet"
		defNet   = "firewall.default_network_allows_traffic"
	)
	for _, tc := range []struct {
		control, resource string
		want              controls.Status
	}{
		{admin, "sg-ssh-world", controls.Fail},
		{admin, "sg-ssh-office", controls.Pass},
		{allPorts, "sg-all-v6", controls.Fail},
		// An open port never passes: the all-ports rule exposes 22 and
		// 3389, so the admin-ports control fails it too.
		{admin, "sg-all-v6", controls.Fail},
		{allPorts, "sg-ssh-world", controls.Pass},
		{admin, "sg-range", controls.Pass},
		// The ACL denies 22 at rule 90 before allowing everything at 100,
		// and the catch-all deny at 32767 does not hide rule 100; TCP and
		// UDP 3389 stay open.
		{allPorts, "acl-a", controls.Fail},
		{admin, "acl-a", controls.Fail},
		{admin, "sg-halves", controls.Fail},
		{admin, "sg-half", controls.Pass},
		{admin, "sg-rdp-udp", controls.Fail},
		{admin, "sg-ssh-udp", controls.Pass},
		{defNet, "sg-default-a", controls.Fail},
		{defNet, "sg-default-b", controls.Pass},
	} {
		if got := status[tc.control+" "+tc.resource]; got != tc.want {
			t.Errorf("%s on %s = %q, want %q", tc.control, tc.resource, got, tc.want)
		}
	}
	for _, r := range inv.Resources {
		if r.ID != "sg-halves" {
			continue
		}
		got := controls.AdminPortsOpenToInternet.Check(controls.Env{Settings: controls.DefaultSettings}, r).Message
		if want := "ingress rules ingress/0 (0.0.0.0/1) and ingress/1 (128.0.0.0/1) together allow tcp 22 from every public IPv4 address"; got != want {
			t.Errorf("admin ports on sg-halves: message = %q, want %q", got, want)
		}
	}
}

// TestFirewallScanListsRegions scans without declared regions: the
// account's enabled regions are listed first.
func TestFirewallScanListsRegions(t *testing.T) {
	srv, o := firewallSim(t)
	inv := scanDomain(t, o, inventory.Firewall, scanners.Target{ID: "111111111111"})
	if len(inv.Errors) != 0 {
		t.Fatalf("errors = %+v, want none", inv.Errors)
	}
	want := append([]string{"ec2:DescribeRegions"}, firewallOps...)
	slices.Sort(want)
	wantOperations(t, srv, want)
	regions := map[string]int{}
	for _, r := range byType(inv, inventory.AWSSecurityGroup) {
		regions[r.Region]++
	}
	if want := map[string]int{"eu-central-1": 7 + fwGenGroups, "eu-west-1": 2}; !reflect.DeepEqual(regions, want) {
		t.Errorf("security groups per region = %v, want %v", regions, want)
	}
}

// TestFirewallScanReadFailures denies one read at a time: it leaves an
// error entry per region naming the operation, the permission and the
// resource types it leaves unread, and every other read goes on.
func TestFirewallScanReadFailures(t *testing.T) {
	for _, tc := range []struct {
		action string
		types  []string
		// counts of resources still read, per type
		want map[string]int
		// attachments of sg-ssh-world; nil when they could not be read
		attached []string
	}{
		{"ec2:DescribeNetworkAcls", []string{inventory.AWSNetworkACL},
			map[string]int{inventory.AWSSecurityGroup: 7 + fwGenGroups + 2, inventory.AWSNetworkACL: 0, inventory.AWSVPC: 1 + fwGenVPCs + 1}, []string{"i-web"}},
		{"ec2:DescribeSecurityGroups", []string{inventory.AWSSecurityGroup},
			map[string]int{inventory.AWSSecurityGroup: 0, inventory.AWSNetworkACL: 1 + fwGenVPCs + 1, inventory.AWSVPC: 1 + fwGenVPCs + 1}, nil},
		{"ec2:DescribeNetworkInterfaces", []string{inventory.AWSSecurityGroup},
			map[string]int{inventory.AWSSecurityGroup: 7 + fwGenGroups + 2, inventory.AWSNetworkACL: 1 + fwGenVPCs + 1, inventory.AWSVPC: 1 + fwGenVPCs + 1}, nil},
		{"ec2:DescribeVpcs", []string{inventory.AWSVPC},
			map[string]int{inventory.AWSSecurityGroup: 7 + fwGenGroups + 2, inventory.AWSNetworkACL: 1 + fwGenVPCs + 1, inventory.AWSVPC: 0}, []string{"i-web"}},
	} {
		t.Run(tc.action, func(t *testing.T) {
			srv, o := firewallSim(t)
			srv.SetFaults(cloudsim.Faults{AccessDenied: []cloudsim.Denial{{Action: tc.action}}})
			inv := scanDomain(t, o, inventory.Firewall, scanners.Target{ID: "111111111111", Regions: fwRegions})

			var regions []string
			for _, e := range inv.Errors {
				if e.Operation != tc.action || e.Permission != tc.action || !slices.Equal(e.ResourceTypes, tc.types) ||
					e.Target != "111111111111" || e.Domain != inventory.Firewall || e.Cloud != inventory.AWS {
					t.Errorf("error entry = %+v, want operation and permission %s, resource types %v, target 111111111111", e, tc.action, tc.types)
				}
				regions = append(regions, e.Region)
			}
			slices.Sort(regions)
			if !slices.Equal(regions, fwRegions) {
				t.Errorf("error entries in regions %v, want one in each of %v", regions, fwRegions)
			}
			for typ, want := range tc.want {
				if got := len(byType(inv, typ)); got != want {
					t.Errorf("%s resources = %d, want %d", typ, got, want)
				}
			}
			if sg, ok := byType(inv, inventory.AWSSecurityGroup)["sg-ssh-world"]; ok {
				if !slices.Equal(sg.Firewall.AttachedTo, tc.attached) || !sg.Firewall.Rules.IsKnown() {
					t.Errorf("sg-ssh-world attached to %v (rules known %v), want %v and known rules", sg.Firewall.AttachedTo, sg.Firewall.Rules.IsKnown(), tc.attached)
				}
			}
			if w := srv.Writes(); len(w) != 0 {
				t.Errorf("writes = %+v, want none", w)
			}
		})
	}
}
