package controls

import (
	"reflect"
	"strings"
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
		{name: "sg udp 22", res: fwRes(sg, fwAllow("ingress/0", "udp", fwPR(22, 22), v4)), want: Pass},
		{name: "sg ssh from another sg", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-bastion"})), want: Pass},
		{name: "sg ssh from a prefix list", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), inventory.Source{Kind: inventory.SourcePrefixList, Value: "pl-0abc"})), want: Pass},
		{name: "sg ssh from office range", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), fwCIDR("203.0.113.0/24"))), want: Pass},
		{name: "sg protocol -1 left to all-ports", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, v4)), want: Pass},
		{name: "sg all-ports rule and ssh rule", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, v4), fwAllow("ingress/1", "tcp", fwPR(22, 22), v4)), want: Fail},
		{name: "sg protocol all is left to all-ports", res: fwRes(sg, fwAllow("ingress/0", "all", nil, v4, v6)), want: Pass},
		{name: "sg protocol all with a port range is still left to all-ports", res: fwRes(sg, fwAllow("ingress/0", "all", fwPR(22, 22), v4)), want: Pass},
		{name: "sg tcp 0-65535 is left to all-ports", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(0, 65535), v6)), want: Pass},
		{name: "sg protocol all rule beside a tcp/22 rule reports the tcp/22 rule", res: fwRes(sg, fwAllow("ingress/0", "all", nil, v4), fwAllow("ingress/1", "tcp", fwPR(22, 22), v6)), want: Fail},
		{name: "nacl allow ssh", res: fwRes(nacl, fwAt(100, fwAllow("100", "tcp", fwPR(22, 22), v4))), want: Fail},
		{name: "nacl deny 22 before allowing 0-1024", res: fwRes(nacl, fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "tcp", fwPR(0, 1024), v4))), want: Pass},
		{name: "nacl allow before deny", res: fwRes(nacl, fwAt(100, fwAllow("100", "tcp", fwPR(0, 1024), v4)), fwAt(200, fwDeny("200", "tcp", fwPR(22, 22), v4))), want: Fail},
		{name: "nacl deny 22 at 90 then allow all at 100 closes 22", res: fwRes(nacl, fwAt(90, fwDeny("90", "tcp", fwPR(22, 22), v4)), fwAt(100, fwAllow("100", "all", nil, v4))), want: Pass},
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
			{Rule: "ingress/0", Protocol: "tcp", Ports: "22", Sources: []string{"0.0.0.0/0"}},
			{Rule: "ingress/1", Protocol: "tcp", Ports: "3389", Sources: []string{"0.0.0.0/0", "::/0"}},
		}
		if ev := got.Evidence["openRules"]; !reflect.DeepEqual(ev, wantEv) {
			t.Errorf("Check() evidence openRules = %#v, want %#v", ev, wantEv)
		}
	})

	t.Run("all-ports rule not reported twice", func(t *testing.T) {
		got := AdminPortsOpenToInternet.Check(env, fwRes(inventory.AWSSecurityGroup, fwAllow("ingress/0", "-1", nil, v4)))
		if got.Status != Pass {
			t.Fatalf("Check() = %q, want %q", got.Status, Pass)
		}
		if !strings.Contains(got.Message, AllPortsOpenToInternetID) || !strings.Contains(got.Message, "ingress/0") {
			t.Errorf("Check() message = %q, want it to name ingress/0 and %s", got.Message, AllPortsOpenToInternetID)
		}
		if got.Evidence["coveredBy"] != AllPortsOpenToInternetID {
			t.Errorf("Check() evidence coveredBy = %v, want %s", got.Evidence["coveredBy"], AllPortsOpenToInternetID)
		}
		covered, _ := got.Evidence["coveredByAllPortsRules"].([]fwRuleEvidence)
		if len(covered) != 1 || covered[0].Rule != "ingress/0" || covered[0].Ports != "22, 3389" {
			t.Errorf("Check() evidence coveredByAllPortsRules = %#v, want ingress/0 reaching 22, 3389", covered)
		}
	})

	t.Run("mixed: only the specific rule is reported", func(t *testing.T) {
		got := AdminPortsOpenToInternet.Check(env, fwRes(inventory.AWSSecurityGroup,
			fwAllow("ingress/0", "-1", nil, v4), fwAllow("ingress/1", "tcp", fwPR(22, 22), v4)))
		if want := "ingress rule ingress/1 allows tcp 22 from 0.0.0.0/0"; got.Message != want {
			t.Errorf("Check() message = %q, want %q", got.Message, want)
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
