package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(AllPortsOpenToInternet, func(t *testing.T) []checkCase {
	v4, v6 := fwCIDR("0.0.0.0/0"), fwCIDR("::/0")
	sg, nacl, nsg, gcp := inventory.AWSSecurityGroup, inventory.AWSNetworkACL, inventory.AzureNSG, inventory.GCPFirewall
	return []checkCase{
		{name: "sg https only", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(443, 443), v4, v6)), want: Pass},
		{name: "sg no rules", res: fwRes(sg), want: Pass},
		{name: "sg protocol -1", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, v4)), want: Fail},
		{name: "sg protocol -1 with -1 ports", res: fwRes(sg, fwAllow("ingress/0", "-1", fwPR(-1, -1), v4)), want: Fail},
		{name: "sg protocol all is all ports", res: fwRes(sg, fwAllow("ingress/0", "all", nil, v4)), want: Fail},
		{name: "sg protocol all with -1 ports is all ports", res: fwRes(sg, fwAllow("ingress/0", "all", fwPR(-1, -1), v4)), want: Fail},
		{name: "sg protocol all ignores a port range as aws does", res: fwRes(sg, fwAllow("ingress/0", "all", fwPR(22, 22), v4)), want: Fail},
		{name: "sg protocol all from ::/0 counts as the internet", res: fwRes(sg, fwAllow("ingress/0", "all", nil, v6)), want: Fail},
		{name: "sg all-ports rule beside a tcp/22 rule fails", res: fwRes(sg, fwAllow("ingress/0", "all", nil, v4), fwAllow("ingress/1", "tcp", fwPR(22, 22), v4)), want: Fail},
		{name: "sg tcp 0-65535 from ::/0", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(0, 65535), v6)), want: Fail},
		{name: "sg tcp 1-65535", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(1, 65535), v4)), want: Fail},
		{name: "sg udp without ports", res: fwRes(sg, fwAllow("ingress/0", "udp", nil, v4)), want: Fail},
		{name: "sg /0 with host bits", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, fwCIDR("10.1.2.3/0"))), want: Fail},
		{name: "sg tcp 1024-65535 is not all ports", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(1024, 65535), v4)), want: Pass},
		{name: "sg source is another sg", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-0abc"})), want: Pass},
		{name: "sg source is a prefix list", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, inventory.Source{Kind: inventory.SourcePrefixList, Value: "pl-0abc"})), want: Pass},
		{name: "sg source is a private range", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, fwCIDR("10.0.0.0/8"))), want: Pass},
		{name: "sg icmp only", res: fwRes(sg, fwAllow("ingress/0", "icmp", nil, v4)), want: Pass},
		{name: "sg egress to everywhere", res: fwRes(sg, inventory.Rule{ID: "egress/0", Direction: inventory.Egress, Action: inventory.Allow, Protocol: "-1", Sources: []inventory.Source{v4}}), want: Pass},
		{name: "nacl allow all", res: fwRes(nacl, fwAt(100, fwAllow("100", "-1", nil, v4)), fwAt(32767, fwDeny("*", "-1", nil, v4))), want: Fail},
		{name: "nacl deny before allow", res: fwRes(nacl, fwAt(90, fwDeny("90", "-1", nil, v4)), fwAt(100, fwAllow("100", "-1", nil, v4))), want: Pass},
		{name: "nacl deny of 22 leaves the rest open", res: fwRes(nacl, fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "-1", nil, v4))), want: Fail},
		{name: "nacl deny 22 at 90 then allow all at 100 leaves other ports open", res: fwRes(nacl, fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "all", nil, v4))), want: Fail},
		{name: "nacl deny all at 90 then allow all at 100 is closed", res: fwRes(nacl, fwAt(90, fwDeny("90", "all", nil, v4)), fwAt(100, fwAllow("100", "all", nil, v4))), want: Pass},
		{name: "nacl deny on protocol all ignores a port range as aws does", res: fwRes(nacl, fwAt(90, fwDeny("90", "all", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "all", nil, v4))), want: Pass},
		{name: "nacl allow all from ::/0 counts as the internet", res: fwRes(nacl, fwAt(100, fwAllow("100", "all", nil, v6))), want: Fail},
		{name: "nacl ipv4 deny, ipv6 allow", res: fwRes(nacl, fwAt(90, fwDeny("90", "-1", nil, v4)), fwAt(100, fwAllow("100", "-1", nil, v4)), fwAt(101, fwAllow("101", "-1", nil, v6))), want: Fail},
		{name: "nsg any from Internet", res: fwRes(nsg, fwAt(100, fwAllow("allow-all", "*", nil, fwTag("Internet")))), want: Fail},
		{name: "nsg any from lower-case any", res: fwRes(nsg, fwAt(100, fwAllow("allow-all", "*", nil, fwTag("any")))), want: Fail},
		{name: "nsg any from star", res: fwRes(nsg, fwAt(100, fwAllow("allow-all", "*", nil, fwTag("*")))), want: Fail},
		{name: "nsg from VirtualNetwork", res: fwRes(nsg, fwAt(100, fwAllow("vnet", "*", nil, fwTag("VirtualNetwork")))), want: Pass},
		{name: "nsg any protocol on port 22 only is not all ports", res: fwRes(nsg, fwAt(100, fwAllow("ssh", "*", fwPR(22, 22), fwTag("Internet")))), want: Pass},
		{name: "nsg deny shadows later allow", res: fwRes(nsg, fwAt(200, fwAllow("allow-all", "*", nil, fwTag("*"))), fwAt(100, fwDeny("deny-internet", "*", nil, fwTag("Internet")))), want: Pass},
		{name: "nsg allow before deny", res: fwRes(nsg, fwAt(100, fwAllow("allow-all", "*", nil, fwTag("*"))), fwAt(200, fwDeny("deny-internet", "*", nil, fwTag("Internet")))), want: Fail},
		{name: "gcp allow all", res: fwRes(gcp, fwAt(1000, fwAllow("allow-all", "all", nil, v4))), want: Fail},
		{name: "gcp disabled rule", res: fwRes(gcp, inventory.Rule{ID: "allow-all", Direction: inventory.Ingress, Action: inventory.Allow, Priority: 1000, Protocol: "all", Sources: []inventory.Source{v4}, Disabled: true}), want: Pass},
		{name: "gcp deny wins a tie", res: fwRes(gcp, fwAt(1000, fwAllow("allow-all", "all", nil, v4)), fwAt(1000, fwDeny("deny-all", "all", nil, v4))), want: Pass},
		{name: "sg all ports from two /1 halves", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, fwCIDR("0.0.0.0/1")), fwAllow("ingress/1", "-1", nil, fwCIDR("128.0.0.0/1"))), want: Fail},
		{name: "sg all ports from one half, the other half on 22 only", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, fwCIDR("0.0.0.0/1")), fwAllow("ingress/1", "tcp", fwPR(22, 22), fwCIDR("128.0.0.0/1"))), want: Pass},
		{name: "nsg all ports from the public ipv6 internet in two rules", res: fwRes(nsg, fwAt(100, fwAllow("a", "*", nil, fwCIDR("2000::/4"))), fwAt(110, fwAllow("b", "*", nil, fwCIDR("3000::/4")))), want: Fail},
		{name: "gcp all ports from private ranges", res: fwRes(gcp, fwAt(1000, fwAllow("internal", "all", nil, fwCIDR("10.0.0.0/8"), fwCIDR("100.64.0.0/10")))), want: Pass},
		{name: "firewall missing", res: inventory.Resource{Type: sg, ID: "sg-1"}, want: Error},
		{name: "rules unknown", res: inventory.Resource{Type: nsg, ID: "nsg-1", Firewall: &inventory.FirewallRules{}}, want: Error},
	}
})

func TestFirewallAllPortsOpenToInternetMessages(t *testing.T) {
	v4, v6 := fwCIDR("0.0.0.0/0"), fwCIDR("::/0")
	cases := []struct {
		name string
		res  inventory.Resource
		want string
	}{
		{"all protocols", fwRes(inventory.AWSSecurityGroup, fwAllow("ingress/0", "-1", nil, v4, v6)),
			"ingress rule ingress/0 allows all protocols and ports from 0.0.0.0/0, ::/0"},
		{"tcp only", fwRes(inventory.AWSSecurityGroup, fwAllow("ingress/1", "tcp", fwPR(0, 65535), v6)),
			"ingress rule ingress/1 allows all tcp ports from ::/0"},
		{"partly denied", fwRes(inventory.AWSNetworkACL, fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "-1", nil, v4))),
			"ingress rule 100 allows tcp 0-21, 23-65535 and all udp ports from 0.0.0.0/0"},
		{"ipv4 denied, only ipv6 source named", fwRes(inventory.AWSNetworkACL, fwAt(90, fwDeny("90", "-1", nil, v4)), fwAt(100, fwAllow("100", "-1", nil, v4, v6))),
			"ingress rule 100 allows all protocols and ports from ::/0"},
		{"two halves", fwRes(inventory.AWSSecurityGroup, fwAllow("ingress/0", "-1", nil, fwCIDR("0.0.0.0/1")), fwAllow("ingress/1", "-1", nil, fwCIDR("128.0.0.0/1"))),
			"ingress rules ingress/0 (0.0.0.0/1) and ingress/1 (128.0.0.0/1) together allow all protocols and ports from every public IPv4 address"},
		{"two rules", fwRes(inventory.AzureNSG, fwAt(100, fwAllow("a", "*", nil, fwTag("Internet"))), fwAt(110, fwAllow("b", "udp", nil, fwTag("*")))),
			"ingress rule a allows all protocols and ports from Internet; ingress rule b allows all udp ports from *"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := AllPortsOpenToInternet.Check(Env{Settings: DefaultSettings, Now: testNow}, tc.res)
			if got.Status != Fail || got.Message != tc.want {
				t.Errorf("Check() = %q %q, want %q %q", got.Status, got.Message, Fail, tc.want)
			}
			rules, ok := got.Evidence["openRules"].([]fwRuleEvidence)
			if !ok || len(rules) == 0 {
				t.Errorf("Check() evidence openRules = %#v, want the offending rules", got.Evidence["openRules"])
			}
		})
	}
}
