package controls

import (
	"slices"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// Builders shared by the firewall control tests.

// fwRes wraps rules into a resource of type typ with known rules.
func fwRes(typ string, rules ...inventory.Rule) inventory.Resource {
	if rules == nil {
		rules = []inventory.Rule{}
	}
	return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t1", Region: "r1", Type: typ, ID: "fw-1",
		Firewall: &inventory.FirewallRules{Rules: inventory.Known(rules)}}
}

// fwAllow is an ingress allow rule with priority 0 (a security group rule).
func fwAllow(id, proto string, ports []inventory.PortRange, srcs ...inventory.Source) inventory.Rule {
	return inventory.Rule{ID: id, Direction: inventory.Ingress, Action: inventory.Allow, Protocol: proto, Ports: ports, Sources: srcs}
}

// fwDeny is an ingress deny rule.
func fwDeny(id, proto string, ports []inventory.PortRange, srcs ...inventory.Source) inventory.Rule {
	return inventory.Rule{ID: id, Direction: inventory.Ingress, Action: inventory.Deny, Protocol: proto, Ports: ports, Sources: srcs}
}

// fwAt sets a rule's priority.
func fwAt(priority int, rule inventory.Rule) inventory.Rule {
	rule.Priority = priority
	return rule
}

// fwPR is a port range.
func fwPR(from, to int) []inventory.PortRange {
	return []inventory.PortRange{{From: from, To: to}}
}

// fwCIDR is an address-range source.
func fwCIDR(v string) inventory.Source { return inventory.Source{Kind: inventory.SourceCIDR, Value: v} }

// fwTag is a provider-tag source.
func fwTag(v string) inventory.Source { return inventory.Source{Kind: inventory.SourceTag, Value: v} }

func TestFirewallPortSets(t *testing.T) {
	cases := []struct {
		name string
		got  fwPorts
		want string
	}{
		{"no ranges is every port", fwPortsOf(nil), "0-65535"},
		{"aws -1 is every port", fwPortsOf(fwPR(-1, -1)), "0-65535"},
		{"upper bound clamped", fwPortsOf(fwPR(1000, 70000)), "1000-65535"},
		{"inverted range dropped", fwPortsOf(fwPR(30, 20)), ""},
		{"overlapping and adjacent merged", fwPortsOf([]inventory.PortRange{{From: 30, To: 40}, {From: 20, To: 29}, {From: 35, To: 50}, {From: 80, To: 80}}), "20-50, 80"},
		{"minus inner hole", fwPortsOf(nil).minus(fwPortsOf(fwPR(22, 22))), "0-21, 23-65535"},
		{"minus several", fwPortsOf(fwPR(0, 100)).minus(fwPorts{{0, 10}, {50, 60}, {100, 200}}), "11-49, 61-99"},
		{"minus everything", fwPortsOf(fwPR(22, 22)).minus(fwAllPorts), ""},
		{"minus disjoint", fwPortsOf(fwPR(22, 22)).minus(fwPorts{{80, 90}}), "22"},
		{"union", fwPorts{{1, 5}}.union(fwPorts{{6, 9}, {20, 20}}), "1-9, 20"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.got.String(); got != tc.want {
				t.Errorf("ports = %q, want %q", got, tc.want)
			}
		})
	}
	if !fwAllPorts.covers(1, fwMaxPort) || fwPortsOf(fwPR(2, fwMaxPort)).covers(1, fwMaxPort) {
		t.Errorf("covers(1, %d) is wrong on full or partial sets", fwMaxPort)
	}
	if !fwPortsOf(fwPR(1, fwMaxPort)).covers(1, fwMaxPort) {
		t.Errorf("1-65535 does not cover every real port")
	}
}

func TestFirewallInternetSource(t *testing.T) {
	cases := []struct {
		src        inventory.Source
		ok         bool
		ipv4, ipv6 bool
	}{
		{fwCIDR("0.0.0.0/0"), true, true, false},
		{fwCIDR("::/0"), true, false, true},
		{fwCIDR("::0/0"), true, false, true},
		{fwCIDR("10.0.0.0/0"), true, true, false},
		{fwCIDR(" 0.0.0.0/0 "), true, true, false},
		{fwCIDR("0.0.0.0/1"), false, false, false},
		{fwCIDR("10.0.0.0/8"), false, false, false},
		{fwCIDR("0.0.0.0"), false, false, false},
		{fwTag("Internet"), true, true, true},
		{fwTag("INTERNET"), true, true, true},
		{fwTag("Any"), true, true, true},
		{fwTag("*"), true, true, true},
		{fwTag("VirtualNetwork"), false, false, false},
		{fwTag("AzureLoadBalancer"), false, false, false},
		{inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-0123"}, false, false, false},
		{inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "*"}, false, false, false},
		{inventory.Source{Kind: inventory.SourcePrefixList, Value: "pl-0123"}, false, false, false},
		{inventory.Source{Kind: inventory.SourcePrefixList, Value: "0.0.0.0/0"}, false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.src.Kind+" "+tc.src.Value, func(t *testing.T) {
			got, ok := fwInternetSource(tc.src)
			if ok != tc.ok || got.ipv4 != tc.ipv4 || got.ipv6 != tc.ipv6 {
				t.Errorf("fwInternetSource(%v) = %+v, %v, want ipv4=%v ipv6=%v, %v", tc.src, got, ok, tc.ipv4, tc.ipv6, tc.ok)
			}
		})
	}
}

func TestFirewallAWSAllProtocolsAllPorts(t *testing.T) {
	v4 := fwCIDR("0.0.0.0/0")
	in := []inventory.Rule{fwAllow("ingress/0", "all", fwPR(22, 22), v4), fwAllow("ingress/1", "tcp", fwPR(22, 22), v4)}
	rules, missing := fwRules(fwRes(inventory.AWSSecurityGroup, in...))
	if missing != nil {
		t.Fatalf("fwRules() = %v, want the rules", missing)
	}
	if rules[0].Ports != nil || !slices.Equal(rules[1].Ports, fwPR(22, 22)) {
		t.Errorf("fwRules(aws) ports = %v, %v, want none on protocol all and 22 on tcp", rules[0].Ports, rules[1].Ports)
	}
	if !slices.Equal(in[0].Ports, fwPR(22, 22)) {
		t.Errorf("fwRules(aws) changed the inventory's rule: ports = %v", in[0].Ports)
	}
	rules, _ = fwRules(fwRes(inventory.AzureNSG, fwAllow("ssh", "*", fwPR(22, 22), v4)))
	if !slices.Equal(rules[0].Ports, fwPR(22, 22)) {
		t.Errorf("fwRules(nsg) ports = %v, want 22 kept on protocol *", rules[0].Ports)
	}
}

func TestFirewallProtocols(t *testing.T) {
	cases := map[string][]string{
		"all": {"tcp", "udp"}, "-1": {"tcp", "udp"}, "*": {"tcp", "udp"}, "Any": {"tcp", "udp"},
		"tcp": {"tcp"}, "TCP": {"tcp"}, "6": {"tcp"}, "udp": {"udp"}, "17": {"udp"},
		"icmp": nil, "icmpv6": nil, "1": nil, "58": nil, "47": nil, "esp": nil,
	}
	for proto, want := range cases {
		t.Run(proto, func(t *testing.T) {
			if got := fwProtocols(proto); !slices.Equal(got, want) {
				t.Errorf("fwProtocols(%q) = %v, want %v", proto, got, want)
			}
		})
	}
}

func TestFirewallInternetExposures(t *testing.T) {
	any4 := fwCIDR("0.0.0.0/0")
	any6 := fwCIDR("::/0")
	type open struct {
		rule string
		tcp  string
	}
	cases := []struct {
		name  string
		rules []inventory.Rule
		want  []open
	}{
		{"security group rules all count", []inventory.Rule{
			fwAllow("ingress/0", "tcp", fwPR(22, 22), any4),
			fwAllow("ingress/1", "tcp", fwPR(443, 443), any4, any6),
		}, []open{{"ingress/0", "22"}, {"ingress/1", "443"}}},
		{"nacl deny before allow by rule number", []inventory.Rule{
			fwAt(100, fwAllow("100", "-1", nil, any4)),
			fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), any4)),
		}, []open{{"100", "0-21, 23-65535"}}},
		{"nacl allow before deny", []inventory.Rule{
			fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), any4)),
			fwAt(200, fwDeny("200", "-1", nil, any4)),
		}, []open{{"100", "22"}}},
		{"deny wins a priority tie", []inventory.Rule{
			fwAt(1000, fwAllow("allow", "tcp", fwPR(22, 22), any4)),
			fwAt(1000, fwDeny("deny", "tcp", fwPR(22, 22), any4)),
		}, nil},
		{"ipv4 deny leaves ipv6 open", []inventory.Rule{
			fwAt(100, fwDeny("100", "-1", nil, any4)),
			fwAt(200, fwAllow("200", "tcp", fwPR(22, 22), any4, any6)),
		}, []open{{"200", "22"}}},
		{"tag deny covers both families", []inventory.Rule{
			fwAt(100, fwDeny("deny-internet", "*", nil, fwTag("Internet"))),
			fwAt(200, fwAllow("allow-any", "*", nil, fwTag("*"))),
		}, nil},
		{"partial-source deny does not shadow", []inventory.Rule{
			fwAt(100, fwDeny("100", "-1", nil, fwCIDR("52.0.0.0/8"))),
			fwAt(200, fwAllow("200", "tcp", fwPR(22, 22), any4)),
		}, []open{{"200", "22"}}},
		{"earlier allow does not hide a later one", []inventory.Rule{
			fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), any4)),
			fwAt(200, fwAllow("200", "tcp", fwPR(22, 22), any4)),
		}, []open{{"100", "22"}, {"200", "22"}}},
		{"disabled, egress, icmp and peer rules ignored", []inventory.Rule{
			{ID: "disabled", Direction: inventory.Ingress, Action: inventory.Allow, Protocol: "tcp", Sources: []inventory.Source{any4}, Disabled: true},
			{ID: "egress", Direction: inventory.Egress, Action: inventory.Allow, Protocol: "-1", Sources: []inventory.Source{any4}},
			fwAllow("icmp", "icmp", nil, any4),
			fwAllow("peer", "-1", nil, inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-1"}),
		}, nil},
		{"disabled deny does not shadow", []inventory.Rule{
			{ID: "deny", Direction: inventory.Ingress, Action: inventory.Deny, Priority: 100, Protocol: "tcp", Sources: []inventory.Source{any4}, Disabled: true},
			fwAt(200, fwAllow("allow", "tcp", fwPR(22, 22), any4)),
		}, []open{{"allow", "22"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []open
			for _, e := range fwInternetExposures(tc.rules) {
				got = append(got, open{e.rule.ID, e.openPorts("tcp").String()})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("fwInternetExposures() = %v, want %v", got, tc.want)
			}
		})
	}
}
