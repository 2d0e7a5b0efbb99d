package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(DatabasePortsOpenToInternet, func(t *testing.T) []checkCase {
	v4, v6 := fwCIDR("0.0.0.0/0"), fwCIDR("::/0")
	sg, nsg, gcp := inventory.AWSSecurityGroup, inventory.AzureNSG, inventory.GCPFirewall
	return []checkCase{
		{name: "sg https only", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(443, 443), v4)), want: Pass},
		{name: "sg postgres from 0.0.0.0/0", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(5432, 5432), v4)), want: Fail},
		{name: "sg mongodb from ::/0", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(27017, 27017), v6)), want: Fail},
		{name: "sg range containing redis", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(6000, 7000), v4)), want: Fail},
		{name: "sg postgres from the app sg", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(5432, 5432), inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-app"})), want: Pass},
		{name: "sg postgres from a prefix list", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(5432, 5432), inventory.Source{Kind: inventory.SourcePrefixList, Value: "pl-0abc"})), want: Pass},
		{name: "sg protocol -1 exposes the database ports and fails here too", res: fwRes(sg, fwAllow("ingress/0", "-1", nil, v4)), want: Fail},
		{name: "sg protocol all fails here too", res: fwRes(sg, fwAllow("ingress/0", "all", nil, v4, v6)), want: Fail},
		{name: "sg tcp 0-65535 fails here too", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(0, 65535), v4)), want: Fail},
		{name: "sg udp all ports opens no tcp database port", res: fwRes(sg, fwAllow("ingress/0", "udp", nil, v4)), want: Pass},
		{name: "sg postgres from two /1 halves", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(5432, 5432), fwCIDR("0.0.0.0/1")), fwAllow("ingress/1", "-1", nil, fwCIDR("128.0.0.0/1"))), want: Fail},
		{name: "sg postgres from public halves of 2000::/3", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(5432, 5432), fwCIDR("2000::/4"), fwCIDR("3000::/4"))), want: Fail},
		{name: "sg postgres from private ranges only", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(5432, 5432), fwCIDR("10.0.0.0/8"), fwCIDR("172.16.0.0/12"), fwCIDR("192.168.0.0/16"))), want: Pass},
		{name: "sg protocol all rule beside a postgres rule reports the postgres rule", res: fwRes(sg, fwAllow("ingress/0", "all", nil, v4), fwAllow("ingress/1", "tcp", fwPR(5432, 5432), v4)), want: Fail},
		{name: "sg postgres from ::/0 counts as the internet", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(5432, 5432), v6)), want: Fail},
		{name: "sg ssh is not a database port", res: fwRes(sg, fwAllow("ingress/0", "tcp", fwPR(22, 22), v4)), want: Pass},
		{name: "nsg sql server from Internet", res: fwRes(nsg, fwAt(100, fwAllow("sql", "tcp", fwPR(1433, 1433), fwTag("Internet")))), want: Fail},
		{name: "nsg deny shadows mysql", res: fwRes(nsg, fwAt(100, fwDeny("deny", "*", nil, fwTag("Internet"))), fwAt(200, fwAllow("mysql", "tcp", fwPR(3306, 3306), fwTag("Any")))), want: Pass},
		{name: "gcp elasticsearch", res: fwRes(gcp, fwAt(1000, fwAllow("es", "tcp", fwPR(9200, 9200), v4))), want: Fail},
		{name: "gcp disabled memcached rule", res: fwRes(gcp, inventory.Rule{ID: "mc", Direction: inventory.Ingress, Action: inventory.Allow, Priority: 1000, Protocol: "tcp", Ports: fwPR(11211, 11211), Sources: []inventory.Source{v4}, Disabled: true}), want: Pass},
		{name: "firewall missing", res: inventory.Resource{Type: sg, ID: "sg-1"}, want: Error},
		{name: "rules unknown", res: inventory.Resource{Type: sg, ID: "sg-1", Firewall: &inventory.FirewallRules{}}, want: Error},
	}
})

func TestFirewallDatabasePortsMessages(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	got := DatabasePortsOpenToInternet.Check(env, fwRes(inventory.AWSSecurityGroup, fwAllow("ingress/3", "tcp", fwPR(1000, 10000), fwCIDR("0.0.0.0/0"))))
	want := "ingress rule ingress/3 allows tcp 1433, 1521, 3306, 5432, 6379, 9042, 9200 from 0.0.0.0/0"
	if got.Status != Fail || got.Message != want {
		t.Errorf("Check() = %q %q, want %q %q", got.Status, got.Message, Fail, want)
	}
	got = DatabasePortsOpenToInternet.Check(env, fwRes(inventory.AWSSecurityGroup, fwAllow("ingress/0", "tcp", nil, fwCIDR("0.0.0.0/0"))))
	want = "ingress rule ingress/0 allows tcp 1433, 1521, 3306, 5432, 6379, 9042, 9200, 11211, 27017 from 0.0.0.0/0"
	if got.Status != Fail || got.Message != want || got.Evidence["alsoReportedBy"] != AllPortsOpenToInternetID {
		t.Errorf("Check() = %q %q %v, want %q %q also reported by %s", got.Status, got.Message, got.Evidence, Fail, want, AllPortsOpenToInternetID)
	}
}
