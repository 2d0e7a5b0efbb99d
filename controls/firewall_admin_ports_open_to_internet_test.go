package controls

import (
	"reflect"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(AdminPortsOpenToInternet, func(t *testing.T) []checkCase {
	v4, v6 := fwCIDR("0.0.0.0/0"), fwCIDR("::/0")
	sg, nacl, nsg, gcp := inventory.AWSSecurityGroup, inventory.AWSNetworkACL, inventory.AzureNSG, inventory.GCPFirewall
	return []checkCase{
		{name: "sg https only", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(443, 443), v4, v6)), want: Pass},
		{name: "sg ssh from 0.0.0.0/0", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), v4)), want: Fail},
		{name: "sg rdp from ::/0", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(3389, 3389), v6)), want: Fail},
		{name: "sg range containing 22", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(20, 30), v4)), want: Fail},
		{name: "sg range containing 3389", res: fwRes(sg, fwAllow("ingress/0", "6", fwPR(3000, 4000), v4)), want: Fail},
		{name: "sg range next to 22", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(23, 3388), v4)), want: Pass},
		{name: "sg tcp 0-1024 contains 22", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(0, 1024), v4)), want: Fail},
		{name: "sg tcp 3000-4000 contains 3389", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(3000, 4000), v4)), want: Fail},
		{name: "sg tcp 1024-2000 contains neither 22 nor 3389", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(1024, 2000), v4)), want: Pass},
		{name: "sg tcp 0-1024 from ::/0 counts as the internet", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(0, 1024), v6)), want: Fail},
		{name: "sg udp 22: ssh runs over tcp only", res: fwRes(sg, fwAllow("ingress/0", "udp", fwPR(22, 22), v4)), want: Pass},
		{name: "sg udp 3389: rdp's udp transport", res: fwRes(sg, fwAllow("ingress/0", "udp", fwPR(3389, 3389), v4)), want: Fail},
		{name: "sg udp 3000-4000 from ::/0 contains 3389", res: fwRes(sg, fwAllow("ingress/0", "17", fwPR(3000, 4000), v6)), want: Fail},
		{name: "sg udp 0-1024 contains no udp admin port", res: fwRes(sg, fwAllow("ingress/0", "udp", fwPR(0, 1024), v4, v6)), want: Pass},
		{name: "nsg udp 3389 from Internet", res: fwRes(nsg, fwAt(300, fwAllow("rdp-udp", "udp", fwPR(3389, 3389), fwTag("Internet")))), want: Fail},
		{name: "gcp udp 3389 denied before allowed", res: fwRes(gcp, fwAt(900, fwDeny("deny-rdp", "udp", fwPR(3389, 3389), v4)), fwAt(1000, fwAllow("rdp", "udp", fwPR(3389, 3389), v4))), want: Pass},
		{name: "sg ssh from two /1 halves in two rules", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), fwCIDR("0.0.0.0/1")), fwAllow("ingress/1", "tcp", fwPR(0, 1024), fwCIDR("128.0.0.0/1"))), want: Fail},
		{name: "sg ssh from one /1 half only", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), fwCIDR("128.0.0.0/1"))), want: Pass},
		{name: "sg ssh from /1 halves that leave out 64.0.0.0/2", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), fwCIDR("0.0.0.0/2")), fwAllow("ingress/1", "tcp", fwPR(22, 22), fwCIDR("128.0.0.0/1"))), want: Pass},
		{name: "nsg rdp from a /2 and /3s over two rules", res: fwRes(nsg, fwAt(300, fwAllow("a", "tcp", fwPR(3389, 3389), fwCIDR("0.0.0.0/2"), fwCIDR("64.0.0.0/3"), fwCIDR("96.0.0.0/3"))), fwAt(310, fwAllow("b", "*", fwPR(3389, 3389), fwCIDR("128.0.0.0/2"), fwCIDR("192.0.0.0/3"), fwCIDR("224.0.0.0/3")))), want: Fail},
		{name: "gcp ssh from 2000::/3, all of public ipv6", res: fwRes(gcp, fwAt(1000, fwAllow("v6", "tcp", fwPR(22, 22), fwCIDR("2000::/3")))), want: Fail},
		{name: "gcp ssh from 2000::/4 only", res: fwRes(gcp, fwAt(1000, fwAllow("v6", "tcp", fwPR(22, 22), fwCIDR("2000::/4")))), want: Pass},
		{name: "nacl union of halves shadowed by an earlier deny of everything", res: fwRes(nacl, fwAt(90, fwDeny("90", "all", nil, v4)), fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), fwCIDR("0.0.0.0/1"))), fwAt(110, fwAllow("110", "tcp", fwPR(22, 22), fwCIDR("128.0.0.0/1")))), want: Pass},
		{name: "sg ssh from another sg", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-bastion"})), want: Pass},
		{name: "sg ssh from a prefix list", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), inventory.Source{Kind: inventory.SourcePrefixList, Value: "pl-0abc"})), want: Pass},
		{name: "sg ssh from office range", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), fwCIDR("203.0.113.0/24"))), want: Pass},
		{name: "sg protocol -1 exposes 22 and fails here too", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, v4)), want: Fail},
		{name: "sg all-ports rule and ssh rule", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, v4), fwAllow("ingress/1", "tcp", fwPR(22, 22), v4)), want: Fail},
		{name: "sg protocol all fails here too", res: fwRes(sg, fwAllow("ingress/0", "all", nil, v4, v6)), want: Fail},
		{name: "sg protocol all with a port range opens every port as aws does", res: fwRes(sg, fwAllow("ingress/0", "all", fwPR(443, 443), v4)), want: Fail},
		{name: "sg tcp 0-65535 fails here too", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(0, 65535), v6)), want: Fail},
		{name: "gcp tcp without ports fails here too", res: fwRes(gcp, fwAt(1000, fwAllow("allow-tcp", "tcp", nil, v4))), want: Fail},
		{name: "nsg star protocol and port fails here too", res: fwRes(nsg, fwAt(100, fwAllow("any", "*", nil, fwTag("*")))), want: Fail},
		{name: "sg protocol all rule beside a tcp/22 rule reports the tcp/22 rule", res: fwRes(sg, fwAllow("ingress/0", "all", nil, v4), fwAllow("ingress/1", "tcp", fwPR(22, 22), v6)), want: Fail},
		{name: "nacl allow ssh", res: fwRes(nacl, fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), v4))), want: Fail},
		{name: "nacl deny 22 before allowing 0-1024", res: fwRes(nacl, fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "tcp", fwPR(0, 1024), v4))), want: Pass},
		{name: "nacl allow before deny", res: fwRes(nacl, fwAt(100, fwAllow("100", "tcp", fwPR(0, 1024), v4)), fwAt(200, fwDeny("200", "tcp", fwPR(22, 22), v4))), want: Fail},
		{name: "nacl deny 22 at 90 then allow all at 100 still opens 3389", res: fwRes(nacl, fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "all", nil, v4))), want: Fail},
		{name: "nacl denies of the admin ports, 3389 by two halves, before allow all", res: fwRes(nacl, fwAt(80, fwDeny("80", "tcp", fwPR(22, 22), v4)), fwAt(85, fwDeny("85", "tcp", fwPR(3389, 3389), fwCIDR("0.0.0.0/1"))), fwAt(86, fwDeny("86", "tcp", fwPR(3000, 4000), fwCIDR("128.0.0.0/1"))), fwAt(87, fwDeny("87", "udp", fwPR(3389, 3389), v4)), fwAt(100, fwAllow("100", "all", nil, v4))), want: Pass},
		{name: "nacl deny 22 from 0.0.0.0/0 leaves 22 open from ::/0", res: fwRes(nacl, fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "tcp", fwPR(0, 1024), v4)), fwAt(101, fwAllow("101", "tcp", fwPR(0, 1024), v6))), want: Fail},
		{name: "nacl deny of a partial range does not shadow", res: fwRes(nacl, fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), fwCIDR("198.51.100.0/24"))), fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), v4))), want: Fail},
		{name: "nsg any protocol to 22 from Internet", res: fwRes(nsg, fwAt(300, fwAllow("ssh", "*", fwPR(22, 22), fwTag("Internet")))), want: Fail},
		{name: "nsg rdp from star", res: fwRes(nsg, fwAt(300, fwAllow("rdp", "tcp", fwPR(3389, 3389), fwTag("*")))), want: Fail},
		{name: "nsg priority deny shadows rdp", res: fwRes(nsg, fwAt(300, fwAllow("rdp", "tcp", fwPR(3389, 3389), fwTag("*"))), fwAt(200, fwDeny("deny-rdp", "tcp", fwPR(3389, 3389), fwTag("Internet")))), want: Pass},
		{name: "nsg udp 3389 is RDP's UDP transport", res: fwRes(nsg, fwAt(100, fwAllow("rdp-udp", "udp", fwPR(3389, 3389), fwTag("Internet")))), want: Fail},
		{name: "nsg udp 22 is not ssh", res: fwRes(nsg, fwAt(100, fwAllow("udp-22", "udp", fwPR(22, 22), fwTag("Internet")))), want: Pass},
		{name: "sg udp range holding 3389", res: fwRes(sg, fwAllow("ingress/0", "udp", fwPR(3000, 4000), v4)), want: Fail},
		{name: "nsg ssh from VirtualNetwork", res: fwRes(nsg, fwAt(300, fwAllow("ssh", "tcp", fwPR(22, 22), fwTag("VirtualNetwork")))), want: Pass},
		{name: "gcp ssh from 0.0.0.0/0", res: fwRes(gcp, fwAt(1000, fwAllow("default-allow-ssh", "tcp", fwPR(22, 22), v4))), want: Fail},
		{name: "gcp disabled ssh rule", res: fwRes(gcp, inventory.Rule{ID: "default-allow-ssh", Direction: inventory.Ingress, Action: inventory.Allow, Priority: 1000, Protocol: "tcp", Ports: fwPR(22, 22), Sources: []inventory.Source{v4}, Disabled: true}), want: Pass},
		{name: "gcp iap range", res: fwRes(gcp, fwAt(1000, fwAllow("allow-iap", "tcp", fwPR(22, 22), fwCIDR("35.235.240.0/20")))), want: Pass},
		{name: "firewall missing", res: inventory.Resource{Type: sg, ID: "sg-1"}, want: Error},
		{name: "rules unknown", res: inventory.Resource{Type: gcp, ID: "fw-1", Firewall: &inventory.FirewallRules{}}, want: Error},
	}
})

func TestFirewallAdminPortsMessages(t *testing.T) {
	v4, v6 := fwCIDR("0.0.0.0/0"), fwCIDR("::/0")
	env := Env{Settings: DefaultSettings, Now: testNow}

	t.Run("names rule, port and source", func(t *testing.T) {
		got := AdminPortsOpenToInternet.Check(env, fwRes(inventory.AWSSecurityGroup,
			fwAllow("ingress/0", "tcp", fwPR(22, 22), v4),
			fwAllow("ingress/1", "tcp", fwPR(3000, 4000), v4, v6)))
		want := "ingress rule ingress/0 allows tcp 22 from 0.0.0.0/0; ingress rule ingress/1 allows tcp 3389 from 0.0.0.0/0, ::/0"
		if got.Message != want {
			t.Errorf("Check() message = %q, want %q", got.Message, want)
		}
		wantEv := []fwRuleEvidence{
			{Rule: "ingress/0", Protocol: "tcp", Ports: "tcp 22", Sources: []string{"0.0.0.0/0"}},
			{Rule: "ingress/1", Protocol: "tcp", Ports: "tcp 3389", Sources: []string{"0.0.0.0/0", "::/0"}},
		}
		if ev := got.Evidence["openRules"]; !reflect.DeepEqual(ev, wantEv) {
			t.Errorf("Check() evidence openRules = %#v, want %#v", ev, wantEv)
		}
		if _, ok := got.Evidence["alsoReportedBy"]; ok {
			t.Errorf("Check() evidence alsoReportedBy = %v, want none without an all-ports rule", got.Evidence["alsoReportedBy"])
		}
	})

	t.Run("an all-ports rule fails, naming the rule", func(t *testing.T) {
		got := AdminPortsOpenToInternet.Check(env, fwRes(inventory.AWSSecurityGroup, fwAllow("ingress/0", "-1", nil, v4)))
		if want := "ingress rule ingress/0 allows tcp 22, 3389 and udp 3389 from 0.0.0.0/0"; got.Status != Fail || got.Message != want {
			t.Fatalf("Check() = %q %q, want %q %q", got.Status, got.Message, Fail, want)
		}
		if got.Evidence["alsoReportedBy"] != AllPortsOpenToInternetID || !reflect.DeepEqual(got.Evidence["allPortsRules"], []string{"ingress/0"}) {
			t.Errorf("Check() evidence = %v, want allPortsRules [ingress/0] also reported by %s", got.Evidence, AllPortsOpenToInternetID)
		}
	})

	t.Run("mixed: both rules are reported", func(t *testing.T) {
		got := AdminPortsOpenToInternet.Check(env, fwRes(inventory.AWSSecurityGroup,
			fwAllow("ingress/0", "-1", nil, v4), fwAllow("ingress/1", "tcp", fwPR(22, 22), v4)))
		if want := "ingress rule ingress/0 allows tcp 22, 3389 and udp 3389 from 0.0.0.0/0; ingress rule ingress/1 allows tcp 22 from 0.0.0.0/0"; got.Message != want {
			t.Errorf("Check() message = %q, want %q", got.Message, want)
		}
	})

	t.Run("a union names its rules together", func(t *testing.T) {
		got := AdminPortsOpenToInternet.Check(env, fwRes(inventory.AWSNetworkACL,
			fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), fwCIDR("0.0.0.0/1"))),
			fwAt(110, fwAllow("110", "-1", nil, fwCIDR("128.0.0.0/1"), fwCIDR("10.0.0.0/8")))))
		want := "ingress rules 100 (0.0.0.0/1) and 110 (128.0.0.0/1) together allow tcp 22 from every public IPv4 address"
		if got.Status != Fail || got.Message != want {
			t.Errorf("Check() = %q %q, want %q %q", got.Status, got.Message, Fail, want)
		}
		wantEv := []fwRuleEvidence{
			{Rule: "100", Priority: 100, Protocol: "tcp", Ports: "tcp 22", Sources: []string{"0.0.0.0/1"}, Together: []string{"100", "110"}},
			{Rule: "110", Priority: 110, Protocol: "-1", Ports: "tcp 22", Sources: []string{"128.0.0.0/1"}, Together: []string{"100", "110"}},
		}
		if ev := got.Evidence["openRules"]; !reflect.DeepEqual(ev, wantEv) {
			t.Errorf("Check() evidence openRules = %#v, want %#v", ev, wantEv)
		}
	})

	t.Run("rdp over udp", func(t *testing.T) {
		got := AdminPortsOpenToInternet.Check(env, fwRes(inventory.AzureNSG, fwAt(200, fwAllow("rdp-udp", "udp", fwPR(3389, 3389), fwTag("Internet")))))
		if want := "ingress rule rdp-udp allows udp 3389 from Internet"; got.Message != want {
			t.Errorf("Check() message = %q, want %q", got.Message, want)
		}
	})

	t.Run("pass names the ports", func(t *testing.T) {
		got := AdminPortsOpenToInternet.Check(env, fwRes(inventory.AWSSecurityGroup, fwAllow("ingress/0", "udp", fwPR(22, 22), v4)))
		if want := "the internet reaches none of the admin ports (tcp 22, 3389; udp 3389)"; got.Status != Pass || got.Message != want {
			t.Errorf("Check() = %q %q, want %q %q", got.Status, got.Message, Pass, want)
		}
	})

	t.Run("ipv4 denied, ipv6 still reaches", func(t *testing.T) {
		got := AdminPortsOpenToInternet.Check(env, fwRes(inventory.AWSNetworkACL,
			fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), v4, v6))))
		if want := "ingress rule 100 allows tcp 22 from ::/0"; got.Message != want {
			t.Errorf("Check() message = %q, want %q", got.Message, want)
		}
	})
}
