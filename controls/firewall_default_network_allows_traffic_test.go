package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(DefaultNetworkAllowsTraffic, func(t *testing.T) []checkCase {
	sg := func(name string, isDefault inventory.Bool, rules ...inventory.Rule) inventory.Resource {
		r := fwRes(inventory.AWSSecurityGroup, rules...)
		r.Name = name
		r.Firewall.Default = isDefault
		return r
	}
	network := func(name string, isDefault inventory.Bool) inventory.Resource {
		return inventory.Resource{Cloud: inventory.GCP, Target: "acme-prod", Type: inventory.GCPNetwork, ID: "projects/acme-prod/global/networks/" + name, Name: name,
			Network: &inventory.Network{Default: isDefault}}
	}
	selfRef := fwAllow("ingress/0", "-1", nil, inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-default"})
	egress := inventory.Rule{ID: "egress/0", Direction: inventory.Egress, Action: inventory.Allow, Protocol: "-1", Sources: []inventory.Source{fwCIDR("0.0.0.0/0")}}
	unreadRules := sg("default", inventory.True)
	unreadRules.Firewall.Rules = inventory.Opt[[]inventory.Rule]{}

	return []checkCase{
		{name: "default sg without rules", res: sg("default", inventory.True), want: Pass},
		{name: "default sg with aws's initial rules", res: sg("default", inventory.True, selfRef, egress), want: Fail},
		{name: "default sg with only egress", res: sg("default", inventory.True, egress), want: Fail},
		{name: "default flag unread, reserved name", res: sg("default", inventory.Bool{}, egress), want: Fail},
		{name: "other sg with rules", res: sg("web", inventory.False, selfRef, egress), want: NotApplicable},
		{name: "default flag unread, other name", res: sg("web", inventory.Bool{}, egress), want: Error},
		{name: "default sg rules unread", res: unreadRules, want: Error},
		{name: "sg facet missing", res: inventory.Resource{Type: inventory.AWSSecurityGroup, ID: "sg-1", Name: "default"}, want: Error},
		{name: "gcp default network", res: network("default", inventory.True), want: Fail},
		{name: "gcp default flag unread, named default", res: network("default", inventory.Bool{}), want: Fail},
		{name: "gcp custom network", res: network("prod-vpc", inventory.False), want: NotApplicable},
		{name: "gcp default flag unread, other name", res: network("prod-vpc", inventory.Bool{}), want: Error},
		{name: "gcp network facet missing", res: inventory.Resource{Type: inventory.GCPNetwork, ID: "n-1"}, want: Error},
	}
})

func TestFirewallDefaultNetworkMessages(t *testing.T) {
	r := fwRes(inventory.AWSSecurityGroup, fwAllow("ingress/0", "-1", nil, inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "sg-default"}))
	r.Firewall.Default = inventory.True
	got := DefaultNetworkAllowsTraffic.Check(Env{Settings: DefaultSettings, Now: testNow}, r)
	if want := "the default security group has 1 rule: ingress rule ingress/0"; got.Message != want {
		t.Errorf("Check() message = %q, want %q", got.Message, want)
	}
}
