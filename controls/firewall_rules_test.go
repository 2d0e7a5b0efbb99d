package controls

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"go4.org/netipx"

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

func TestFirewallSourceSets(t *testing.T) {
	cases := []struct {
		src        inventory.Source
		ipv4, ipv6 string // the prefixes, "" for none
	}{
		{fwCIDR("0.0.0.0/0"), "0.0.0.0/0", ""},
		{fwCIDR("::/0"), "", "::/0"},
		{fwCIDR("::0/0"), "", "::/0"},
		{fwCIDR("10.0.0.0/0"), "0.0.0.0/0", ""},
		{fwCIDR(" 0.0.0.0/0 "), "0.0.0.0/0", ""},
		{fwCIDR("0.0.0.0/1"), "0.0.0.0/1", ""},
		{fwCIDR("10.1.2.3/8"), "10.0.0.0/8", ""},
		{fwCIDR("198.51.100.7"), "198.51.100.7/32", ""},
		{fwCIDR("2001:db8::/32"), "", "2001:db8::/32"},
		{fwCIDR("not-an-address"), "", ""},
		{fwTag("Internet"), "0.0.0.0/0", "::/0"},
		{fwTag("INTERNET"), "0.0.0.0/0", "::/0"},
		{fwTag("Any"), "0.0.0.0/0", "::/0"},
		{fwTag("*"), "0.0.0.0/0", "::/0"},
		{fwTag("VirtualNetwork"), "", ""},
		{fwTag("AzureLoadBalancer"), "", ""},
		{inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-0123"}, "", ""},
		{inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "*"}, "", ""},
		{inventory.Source{Kind: inventory.SourcePrefixList, Value: "pl-0123"}, "", ""},
		{inventory.Source{Kind: inventory.SourcePrefixList, Value: "0.0.0.0/0"}, "", ""},
	}
	str := func(s *netipx.IPSet) string {
		if s == nil {
			return ""
		}
		var out []string
		for _, p := range s.Prefixes() {
			out = append(out, p.String())
		}
		return strings.Join(out, " ")
	}
	for _, tc := range cases {
		t.Run(tc.src.Kind+" "+tc.src.Value, func(t *testing.T) {
			v4, v6 := fwSourceSets(tc.src)
			if str(v4) != tc.ipv4 || str(v6) != tc.ipv6 {
				t.Errorf("fwSourceSets(%v) = %q, %q, want %q, %q", tc.src, str(v4), str(v6), tc.ipv4, tc.ipv6)
			}
		})
	}
}

func TestFirewallPublicAddresses(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		public bool
	}{
		{"8.8.8.8", true}, {"1.0.0.1", true}, {"100.63.255.255", true}, {"100.128.0.0", true}, {"223.255.255.255", true},
		{"10.1.2.3", false}, {"172.16.0.1", false}, {"192.168.1.1", false}, {"100.64.0.1", false}, {"127.0.0.1", false},
		{"169.254.169.254", false}, {"192.0.2.1", false}, {"198.51.100.1", false}, {"203.0.113.1", false},
		{"0.1.2.3", false}, {"224.0.0.1", false}, {"255.255.255.255", false},
		{"2600:1f18::1", true}, {"2a00:1450::1", true},
		{"::1", false}, {"fd00::1", false}, {"fe80::1", false}, {"ff02::1", false}, {"2001:db8::1", false}, {"3fff::1", false},
	} {
		a := netip.MustParseAddr(tc.addr)
		if got := fwPublic(a.Is6()).Contains(a); got != tc.public {
			t.Errorf("public(%s) = %v, want %v", tc.addr, got, tc.public)
		}
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

func TestFirewallOpen(t *testing.T) {
	any4, any6 := fwCIDR("0.0.0.0/0"), fwCIDR("::/0")
	half1, half2 := fwCIDR("0.0.0.0/1"), fwCIDR("128.0.0.0/1")
	// quarters is the IPv4 internet as a /2 and a set of /3s: no rule's
	// source names 0.0.0.0/0, yet together they cover every address.
	quarters := []inventory.Source{fwCIDR("0.0.0.0/2"), fwCIDR("64.0.0.0/3"), fwCIDR("96.0.0.0/3"), fwCIDR("128.0.0.0/2"), fwCIDR("192.0.0.0/3"), fwCIDR("224.0.0.0/3")}
	// public4 covers the public IPv4 addresses and none of the others.
	public4 := []inventory.Source{fwCIDR("1.0.0.0/8"), fwCIDR("2.0.0.0/7"), fwCIDR("4.0.0.0/6"), fwCIDR("8.0.0.0/7"),
		fwCIDR("11.0.0.0/8"), fwCIDR("12.0.0.0/6"), fwCIDR("16.0.0.0/4"), fwCIDR("32.0.0.0/3"), fwCIDR("64.0.0.0/3"),
		fwCIDR("96.0.0.0/6"), fwCIDR("100.0.0.0/10"), fwCIDR("100.128.0.0/9"), fwCIDR("101.0.0.0/8"), fwCIDR("102.0.0.0/7"),
		fwCIDR("104.0.0.0/5"), fwCIDR("112.0.0.0/5"), fwCIDR("120.0.0.0/6"), fwCIDR("124.0.0.0/7"), fwCIDR("126.0.0.0/8"),
		fwCIDR("128.0.0.0/3"), fwCIDR("160.0.0.0/5"), fwCIDR("168.0.0.0/8"), fwCIDR("169.0.0.0/9"), fwCIDR("169.128.0.0/10"),
		fwCIDR("169.192.0.0/11"), fwCIDR("169.224.0.0/12"), fwCIDR("169.240.0.0/13"), fwCIDR("169.248.0.0/14"),
		fwCIDR("169.252.0.0/15"), fwCIDR("169.255.0.0/16"), fwCIDR("170.0.0.0/7"), fwCIDR("172.0.0.0/12"),
		fwCIDR("172.32.0.0/11"), fwCIDR("172.64.0.0/10"), fwCIDR("172.128.0.0/9"), fwCIDR("173.0.0.0/8"), fwCIDR("174.0.0.0/7"),
		fwCIDR("176.0.0.0/4"), fwCIDR("192.0.1.0/24"), fwCIDR("192.0.3.0/24"), fwCIDR("192.0.4.0/22"), fwCIDR("192.0.8.0/21"),
		fwCIDR("192.0.16.0/20"), fwCIDR("192.0.32.0/19"), fwCIDR("192.0.64.0/18"), fwCIDR("192.0.128.0/17"),
		fwCIDR("192.1.0.0/16"), fwCIDR("192.2.0.0/15"), fwCIDR("192.4.0.0/14"), fwCIDR("192.8.0.0/13"), fwCIDR("192.16.0.0/12"),
		fwCIDR("192.32.0.0/11"), fwCIDR("192.64.0.0/10"), fwCIDR("192.128.0.0/11"), fwCIDR("192.160.0.0/13"),
		fwCIDR("192.169.0.0/16"), fwCIDR("192.170.0.0/15"), fwCIDR("192.172.0.0/14"), fwCIDR("192.176.0.0/12"),
		fwCIDR("192.192.0.0/10"), fwCIDR("193.0.0.0/8"), fwCIDR("194.0.0.0/7"), fwCIDR("196.0.0.0/7"), fwCIDR("198.0.0.0/12"),
		fwCIDR("198.16.0.0/15"), fwCIDR("198.20.0.0/14"), fwCIDR("198.24.0.0/13"), fwCIDR("198.32.0.0/11"),
		fwCIDR("198.64.0.0/11"), fwCIDR("198.96.0.0/12"), fwCIDR("198.112.0.0/13"), fwCIDR("198.120.0.0/14"),
		fwCIDR("198.124.0.0/15"), fwCIDR("198.126.0.0/16"), fwCIDR("198.127.0.0/16"), fwCIDR("198.128.0.0/9"),
		fwCIDR("199.0.0.0/8"), fwCIDR("200.0.0.0/7"), fwCIDR("202.0.0.0/8"), fwCIDR("203.0.0.0/18"), fwCIDR("203.0.64.0/19"),
		fwCIDR("203.0.96.0/20"), fwCIDR("203.0.112.0/24"), fwCIDR("203.0.114.0/23"), fwCIDR("203.0.116.0/22"),
		fwCIDR("203.0.120.0/21"), fwCIDR("203.0.128.0/17"), fwCIDR("203.1.0.0/16"), fwCIDR("203.2.0.0/15"),
		fwCIDR("203.4.0.0/14"), fwCIDR("203.8.0.0/13"), fwCIDR("203.16.0.0/12"), fwCIDR("203.32.0.0/11"),
		fwCIDR("203.64.0.0/10"), fwCIDR("203.128.0.0/9"), fwCIDR("204.0.0.0/6"), fwCIDR("208.0.0.0/4"),
		fwCIDR("198.51.0.0/18"), fwCIDR("198.51.64.0/19"), fwCIDR("198.51.96.0/22"), fwCIDR("198.51.101.0/24"),
		fwCIDR("198.51.102.0/23"), fwCIDR("198.51.104.0/21"), fwCIDR("198.51.112.0/20"), fwCIDR("198.51.128.0/17"),
		fwCIDR("198.52.0.0/14"), fwCIDR("198.56.0.0/13"), fwCIDR("198.48.0.0/15"), fwCIDR("198.50.0.0/16")}
	type open struct {
		ports  string
		covers string // each cover's rules joined by "+", covers by " | "
	}
	cases := []struct {
		name  string
		flow  fwFlow
		rules []inventory.Rule
		want  []open
	}{
		{"one rule from 0.0.0.0/0", fwFlow{false, "tcp"}, []inventory.Rule{fwAllow("a", "tcp", fwPR(22, 22), any4)},
			[]open{{"22", "a"}}},
		{"two /1 halves in two rules", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAllow("a", "tcp", fwPR(22, 22), half1), fwAllow("b", "tcp", fwPR(0, 1024), half2)},
			[]open{{"22", "a+b"}}},
		{"two /1 halves in one rule", fwFlow{false, "tcp"}, []inventory.Rule{fwAllow("a", "tcp", fwPR(22, 22), half1, half2)},
			[]open{{"22", "a"}}},
		{"a /2 and /3s over three rules", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAllow("a", "tcp", fwPR(3389, 3389), quarters[:2]...), fwAllow("b", "tcp", fwPR(3389, 3389), quarters[2:4]...),
			fwAllow("c", "-1", nil, quarters[4:]...)},
			[]open{{"3389", "a+b+c"}}},
		{"one half only is not the internet", fwFlow{false, "tcp"}, []inventory.Rule{fwAllow("a", "tcp", fwPR(22, 22), half1)}, nil},
		{"every public address, no private one", fwFlow{false, "udp"}, []inventory.Rule{fwAllow("a", "udp", fwPR(3389, 3389), public4...)},
			[]open{{"3389", "a"}}},
		{"the public internet less one /24", fwFlow{false, "udp"}, []inventory.Rule{fwAllow("a", "udp", fwPR(3389, 3389), public4[1:]...)}, nil},
		{"ipv6 global unicast is the ipv6 internet", fwFlow{true, "tcp"}, []inventory.Rule{fwAllow("a", "tcp", fwPR(22, 22), fwCIDR("2000::/3"))},
			[]open{{"22", "a"}}},
		{"ipv6 halves of 2000::/3", fwFlow{true, "tcp"}, []inventory.Rule{
			fwAllow("a", "tcp", fwPR(22, 22), fwCIDR("2000::/4")), fwAllow("b", "tcp", fwPR(22, 22), fwCIDR("3000::/4"))},
			[]open{{"22", "a+b"}}},
		{"a redundant partial rule is not named", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAllow("a", "tcp", fwPR(22, 22), fwCIDR("52.0.0.0/8")), fwAllow("b", "tcp", fwPR(22, 22), any4)},
			[]open{{"22", "b"}}},
		{"security group rules all count", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAllow("ingress/0", "tcp", fwPR(22, 22), any4), fwAllow("ingress/1", "tcp", fwPR(443, 443), any4, any6)},
			[]open{{"22", "ingress/0"}, {"443", "ingress/1"}}},
		{"nacl deny before allow by rule number", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAt(100, fwAllow("100", "-1", nil, any4)), fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), any4))},
			[]open{{"0-21", "100"}, {"23-65535", "100"}}},
		{"nacl allow before deny", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), any4)), fwAt(200, fwDeny("200", "-1", nil, any4))},
			[]open{{"22", "100"}}},
		{"deny wins a priority tie", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAt(1000, fwAllow("allow", "tcp", fwPR(22, 22), any4)), fwAt(1000, fwDeny("deny", "tcp", fwPR(22, 22), any4))}, nil},
		{"ipv4 deny leaves ipv6 open", fwFlow{true, "tcp"}, []inventory.Rule{
			fwAt(100, fwDeny("100", "-1", nil, any4)), fwAt(200, fwAllow("200", "tcp", fwPR(22, 22), any4, any6))},
			[]open{{"22", "200"}}},
		{"tag deny covers both families", fwFlow{true, "udp"}, []inventory.Rule{
			fwAt(100, fwDeny("deny-internet", "*", nil, fwTag("Internet"))), fwAt(200, fwAllow("allow-any", "*", nil, fwTag("*")))}, nil},
		{"partial-source deny leaves the port open", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAt(100, fwDeny("100", "-1", nil, fwCIDR("52.0.0.0/8"))), fwAt(200, fwAllow("200", "tcp", fwPR(22, 22), any4))},
			[]open{{"22", "200"}}},
		{"a deny of one half leaves the union open: the other half still gets in", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAt(100, fwDeny("100", "tcp", fwPR(22, 22), half2)), fwAt(200, fwAllow("200", "tcp", fwPR(22, 22), half1)),
			fwAt(300, fwAllow("300", "tcp", fwPR(0, 1024), half2))},
			[]open{{"22", "200+300"}}},
		{"denies of both halves together shadow the allow", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAt(90, fwDeny("90", "tcp", fwPR(0, 100), half1)), fwAt(95, fwDeny("95", "-1", nil, half2)),
			fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), any4))},
			nil},
		{"a deny of a half after the union does not", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), half1)), fwAt(200, fwAllow("200", "tcp", fwPR(22, 22), half2)),
			fwAt(300, fwDeny("300", "tcp", fwPR(22, 22), half2))},
			[]open{{"22", "100+200"}}},
		{"a deny of private ranges changes nothing", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAt(100, fwDeny("100", "tcp", fwPR(22, 22), fwCIDR("10.0.0.0/8"))), fwAt(200, fwAllow("200", "tcp", fwPR(22, 22), any4))},
			[]open{{"22", "200"}}},
		{"earlier allow does not hide a later one", fwFlow{false, "tcp"}, []inventory.Rule{
			fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), any4)), fwAt(200, fwAllow("200", "tcp", fwPR(22, 22), any4))},
			[]open{{"22", "100 | 200"}}},
		{"disabled, egress, icmp and peer rules ignored", fwFlow{false, "tcp"}, []inventory.Rule{
			{ID: "disabled", Direction: inventory.Ingress, Action: inventory.Allow, Protocol: "tcp", Sources: []inventory.Source{any4}, Disabled: true},
			{ID: "egress", Direction: inventory.Egress, Action: inventory.Allow, Protocol: "-1", Sources: []inventory.Source{any4}},
			fwAllow("icmp", "icmp", nil, any4),
			fwAllow("peer", "-1", nil, inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-1"})}, nil},
		{"disabled deny does not shadow", fwFlow{false, "tcp"}, []inventory.Rule{
			{ID: "deny", Direction: inventory.Ingress, Action: inventory.Deny, Priority: 100, Protocol: "tcp", Sources: []inventory.Source{any4}, Disabled: true},
			fwAt(200, fwAllow("allow", "tcp", fwPR(22, 22), any4))},
			[]open{{"22", "allow"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []open
			for _, sp := range fwOpen(fwCompile(tc.rules, nil), tc.flow, fwCountAll, func(fwFlow, fwSpan) bool { return true }) {
				var covers []string
				for _, c := range sp.covers {
					var ids []string
					for _, x := range c {
						ids = append(ids, x.rule.rule.ID)
					}
					covers = append(covers, strings.Join(ids, "+"))
				}
				got = append(got, open{fwPorts{sp.span}.String(), strings.Join(covers, " | ")})
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("fwOpen() = %v, want %v", got, tc.want)
			}
		})
	}
}
