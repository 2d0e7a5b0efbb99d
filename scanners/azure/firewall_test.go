package azure

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

const (
	subA = "11111111-1111-4111-8111-111111111111"
	subB = "22222222-2222-4222-8222-222222222222"
	subC = "33333333-3333-4333-8333-333333333333"
)

// nsgRow is a network security group row with the given custom rules
// (JSON objects of rule properties, each with its name) and Azure's six
// default rules.
func nsgRow(t *testing.T, sub, name string, rules ...string) map[string]any {
	t.Helper()
	id := fmt.Sprintf("/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/%s", sub, name)
	var custom []string
	for _, r := range rules {
		n, props, _ := strings.Cut(r, "|")
		custom = append(custom, fmt.Sprintf(`{"id":"%s/securityRules/%s","name":"%s","properties":%s}`, id, n, n, props))
	}
	defaults := []string{
		`{"name":"AllowVnetInBound","properties":{"priority":65000,"direction":"Inbound","access":"Allow","protocol":"*","sourceAddressPrefix":"VirtualNetwork","destinationAddressPrefix":"VirtualNetwork","sourcePortRange":"*","destinationPortRange":"*"}}`,
		`{"name":"AllowAzureLoadBalancerInBound","properties":{"priority":65001,"direction":"Inbound","access":"Allow","protocol":"*","sourceAddressPrefix":"AzureLoadBalancer","destinationAddressPrefix":"*","sourcePortRange":"*","destinationPortRange":"*"}}`,
		`{"name":"DenyAllInBound","properties":{"priority":65500,"direction":"Inbound","access":"Deny","protocol":"*","sourceAddressPrefix":"*","destinationAddressPrefix":"*","sourcePortRange":"*","destinationPortRange":"*"}}`,
		`{"name":"AllowVnetOutBound","properties":{"priority":65000,"direction":"Outbound","access":"Allow","protocol":"*","sourceAddressPrefix":"VirtualNetwork","destinationAddressPrefix":"VirtualNetwork","sourcePortRange":"*","destinationPortRange":"*"}}`,
		`{"name":"AllowInternetOutBound","properties":{"priority":65001,"direction":"Outbound","access":"Allow","protocol":"*","sourceAddressPrefix":"*","destinationAddressPrefix":"Internet","sourcePortRange":"*","destinationPortRange":"*"}}`,
		`{"name":"DenyAllOutBound","properties":{"priority":65500,"direction":"Outbound","access":"Deny","protocol":"*","sourceAddressPrefix":"*","destinationAddressPrefix":"*","sourcePortRange":"*","destinationPortRange":"*"}}`,
	}
	body := fmt.Sprintf(`{"properties":{"securityRules":[%s],"defaultSecurityRules":[%s],
		"networkInterfaces":[{"id":"/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/networkInterfaces/nic-1"}],
		"subnets":[{"id":"/subscriptions/%s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/vnet/subnets/app"}]}}`,
		strings.Join(custom, ","), strings.Join(defaults, ","), sub, sub)
	return graphRow(t, sub, typeNSG, id, "westeurope", body)
}

func TestFirewallReadsNSGsFromResourceGraphInBatchesAndPages(t *testing.T) {
	f := &fakeAzure{pageSize: 1, groups: map[string][]string{"acme": {subA, subB, subC}}}
	f.rows = []map[string]any{
		nsgRow(t, subA, "nsg-web",
			`AllowRDP|{"priority":110,"direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"*","destinationPortRange":"3389"}`,
			`AllowHTTP|{"priority":100,"direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefixes":["203.0.113.7","2001:db8::/32"],"destinationPortRanges":["80","8000-8080"]}`),
		nsgRow(t, subA, "nsg-app"),
		nsgRow(t, subB, "nsg-dev", `AllowASG|{"priority":200,"direction":"Outbound","access":"Deny","protocol":"Udp","destinationAddressPrefix":"Internet","destinationPortRange":"*",
			"destinationApplicationSecurityGroups":[{"id":"asg-1"}]}`),
		nsgRow(t, subC, "nsg-ops"),
	}
	inv, counts := f.scan(t, inventory.Firewall, scanners.Target{Group: groupManagementGroup + "acme"}, 2)
	if len(inv.Errors) != 0 {
		t.Fatalf("errors: %+v", inv.Errors)
	}
	if len(inv.Resources) != 4 {
		t.Fatalf("got %d resources, want the 4 NSGs of the 3 subscriptions", len(inv.Resources))
	}
	web := byID(inv)["/subscriptions/"+subA+"/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-web"]
	got, _ := web.Firewall.Rules.Get()
	want := []inventory.Rule{
		{ID: "AllowHTTP", Direction: "ingress", Action: "allow", Priority: 100, Protocol: "tcp",
			Ports:   []inventory.PortRange{{From: 80, To: 80}, {From: 8000, To: 8080}},
			Sources: []inventory.Source{{Kind: "cidr", Value: "203.0.113.7/32"}, {Kind: "cidr", Value: "2001:db8::/32"}}},
		{ID: "AllowRDP", Direction: "ingress", Action: "allow", Priority: 110, Protocol: "tcp",
			Ports: []inventory.PortRange{{From: 3389, To: 3389}}, Sources: []inventory.Source{{Kind: "tag", Value: "*"}}},
		{ID: "AllowVnetInBound", Direction: "ingress", Action: "allow", Priority: 65000, Protocol: "all", Sources: []inventory.Source{{Kind: "tag", Value: "VirtualNetwork"}}},
		{ID: "AllowAzureLoadBalancerInBound", Direction: "ingress", Action: "allow", Priority: 65001, Protocol: "all", Sources: []inventory.Source{{Kind: "tag", Value: "AzureLoadBalancer"}}},
		{ID: "DenyAllInBound", Direction: "ingress", Action: "deny", Priority: 65500, Protocol: "all", Sources: []inventory.Source{{Kind: "tag", Value: "*"}}},
		{ID: "AllowVnetOutBound", Direction: "egress", Action: "allow", Priority: 65000, Protocol: "all", Sources: []inventory.Source{{Kind: "tag", Value: "VirtualNetwork"}}},
		{ID: "AllowInternetOutBound", Direction: "egress", Action: "allow", Priority: 65001, Protocol: "all", Sources: []inventory.Source{{Kind: "tag", Value: "Internet"}}},
		{ID: "DenyAllOutBound", Direction: "egress", Action: "deny", Priority: 65500, Protocol: "all", Sources: []inventory.Source{{Kind: "tag", Value: "*"}}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("nsg-web rules =\n%+v\nwant\n%+v", got, want)
	}
	if len(web.Firewall.AttachedTo) != 2 || !strings.HasSuffix(web.Firewall.AttachedTo[0], "/networkInterfaces/nic-1") || !strings.HasSuffix(web.Firewall.AttachedTo[1], "/subnets/app") {
		t.Errorf("nsg-web AttachedTo = %v, want its NIC and subnet", web.Firewall.AttachedTo)
	}
	dev := byID(inv)["/subscriptions/"+subB+"/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-dev"]
	devRules, _ := dev.Firewall.Rules.Get()
	if r := devRules[3]; r.ID != "AllowASG" || r.Direction != "egress" || r.Action != "deny" || r.Protocol != "udp" ||
		!reflect.DeepEqual(r.Sources, []inventory.Source{{Kind: "tag", Value: "Internet"}, {Kind: "security_group", Value: "asg-1"}}) {
		t.Errorf("outbound rule = %+v, want a udp deny to Internet read from its destinations", r)
	}
	// Two batches (2 + 1 subscriptions), paged one row at a time: 3 + 1
	// rows and one last page each.
	if len(f.queries) != 4 || len(f.queries[0].Subscriptions) != 2 || len(f.queries[3].Subscriptions) != 1 {
		t.Errorf("queries = %d, want 4 (batches of 2 and 1, paged by skip token)", len(f.queries))
	}
	if n := requests(counts, "Microsoft.ResourceGraph", "resources/read", "OK"); n != 4 {
		t.Errorf("counted %d Resource Graph requests, want 4; counts %+v", n, counts)
	}
	if n := requests(counts, "Microsoft.Resources", "subscriptions/read", "OK"); n != 3 {
		t.Errorf("counted %d subscription reads, want one per subscription of the group", n)
	}
}

// The graph's rows come ordered by id, so by subscription: the ones whose
// rows were all read before a page failed keep them; the one being read
// and those after fail.
func TestGraphPageFailingMidBatchFailsOnlyTheSubscriptionsNotYetRead(t *testing.T) {
	f := &fakeAzure{pageSize: 1, groups: map[string][]string{"acme": {subA, subB, subC}}, failPage: 4}
	f.rows = []map[string]any{nsgRow(t, subA, "nsg-a1"), nsgRow(t, subA, "nsg-a2"), nsgRow(t, subB, "nsg-b1"), nsgRow(t, subB, "nsg-b2"), nsgRow(t, subC, "nsg-c")}
	inv, _ := f.scan(t, inventory.Firewall, scanners.Target{Group: groupManagementGroup + "acme"}, 3)
	var got []string
	for _, r := range inv.Resources {
		got = append(got, r.Name)
	}
	if !reflect.DeepEqual(got, []string{"nsg-a1", "nsg-a2"}) {
		t.Errorf("resources %v, want subscription A's two, read before the fourth page failed", got)
	}
	failed := map[string]bool{}
	for _, e := range inv.Errors {
		failed[e.Target] = true
	}
	if len(inv.Errors) != 2 || !failed[subB] || !failed[subC] {
		t.Errorf("errors %+v, want one each for B (read in part) and C (not read)", inv.Errors)
	}
}

// Rows of a subscription that come after another's (ids that do not sort
// by subscription) cannot be added to what was handed out: the
// subscription gets an error entry instead of passing for complete.
func TestGraphRowsOutOfOrderAreAnError(t *testing.T) {
	f := &fakeAzure{pageSize: 10, groups: map[string][]string{"acme": {subA, subB}}}
	f.rows = []map[string]any{nsgRow(t, subA, "nsg-a1"), nsgRow(t, subB, "nsg-b1"), nsgRow(t, subA, "nsg-a2")}
	inv, _ := f.scan(t, inventory.Firewall, scanners.Target{Group: groupManagementGroup + "acme"}, 2)
	if len(inv.Errors) != 1 || inv.Errors[0].Target != subA || !strings.Contains(inv.Errors[0].Message, "after those of another") {
		t.Errorf("errors %+v, want one for subscription A, whose last row came late", inv.Errors)
	}
	if len(inv.Resources) != 2 {
		t.Errorf("%d resources, want the 2 read in order", len(inv.Resources))
	}
}

func TestFirewallUnreadableRuleLeavesRulesUnknown(t *testing.T) {
	f := &fakeAzure{pageSize: 10}
	f.rows = []map[string]any{nsgRow(t, subA, "nsg-odd",
		`Odd|{"priority":100,"direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"*","destinationPortRange":"ssh"}`)}
	inv, _ := f.scan(t, inventory.Firewall, scanners.Target{ID: subA}, 10)
	if len(inv.Resources) != 1 || inv.Resources[0].Firewall.Rules.IsKnown() {
		t.Fatalf("resources = %+v, want the NSG with its rules unknown", inv.Resources)
	}
	res := controls.AdminPortsOpenToInternet.Check(controls.Env{}, inv.Resources[0])
	if res.Status != controls.Error {
		t.Errorf("admin ports on unknown rules = %s, want error", res.Status)
	}
}

// TestNSGSemantics scans one NSG per case through the fake Resource Graph
// and judges it with the firewall controls, so a case holds for the
// scanner's reading and the control's evaluation together.
func TestNSGSemantics(t *testing.T) {
	rule := func(name, props string) string { return name + "|" + props }
	in := func(prio int, access, proto, source, ports string) string {
		return fmt.Sprintf(`{"priority":%d,"direction":"Inbound","access":"%s","protocol":"%s",%s,%s}`, prio, access, proto, source, ports)
	}
	for _, c := range []struct {
		name    string
		rules   []string
		control *controls.Control
		want    controls.Status
	}{
		{"a prefix list holding 0.0.0.0/0 opens every port", []string{rule("r", in(100, "Allow", "*", `"sourceAddressPrefixes":["10.0.0.0/8","0.0.0.0/0"]`, `"destinationPortRange":"*"`))},
			controls.AllPortsOpenToInternet, controls.Fail},
		{"::/0 in a prefix list reaches 22", []string{rule("r", in(100, "Allow", "Tcp", `"sourceAddressPrefixes":["::/0"]`, `"destinationPortRange":"22"`))},
			controls.AdminPortsOpenToInternet, controls.Fail},
		{"* port from Internet is every port", []string{rule("r", in(100, "Allow", "Tcp", `"sourceAddressPrefix":"Internet"`, `"destinationPortRange":"*"`))},
			controls.AllPortsOpenToInternet, controls.Fail},
		{"20-25 contains 22", []string{rule("r", in(100, "Allow", "Tcp", `"sourceAddressPrefix":"Internet"`, `"destinationPortRange":"20-25"`))},
			controls.AdminPortsOpenToInternet, controls.Fail},
		{"a list of ports holding 3389", []string{rule("r", in(100, "Allow", "Tcp", `"sourceAddressPrefix":"*"`, `"destinationPortRanges":["443","3380-3390"]`))},
			controls.AdminPortsOpenToInternet, controls.Fail},
		{"a deny at a lower priority number wins over a later allow", []string{
			rule("allow", in(200, "Allow", "Tcp", `"sourceAddressPrefix":"*"`, `"destinationPortRange":"22"`)),
			rule("deny", in(100, "Deny", "Tcp", `"sourceAddressPrefix":"Internet"`, `"destinationPortRange":"22"`))},
			controls.AdminPortsOpenToInternet, controls.Pass},
		{"an allow before the deny stays open", []string{
			rule("allow", in(100, "Allow", "Tcp", `"sourceAddressPrefix":"*"`, `"destinationPortRange":"22"`)),
			rule("deny", in(200, "Deny", "Tcp", `"sourceAddressPrefix":"Internet"`, `"destinationPortRange":"22"`))},
			controls.AdminPortsOpenToInternet, controls.Fail},
		{"the default rules alone expose nothing (all ports)", nil, controls.AllPortsOpenToInternet, controls.Pass},
		{"the default rules alone expose nothing (admin ports)", nil, controls.AdminPortsOpenToInternet, controls.Pass},
		{"Internet is the internet", []string{rule("r", in(100, "Allow", "Tcp", `"sourceAddressPrefix":"Internet"`, `"destinationPortRange":"3306"`))},
			controls.DatabasePortsOpenToInternet, controls.Fail},
		{"* is the internet", []string{rule("r", in(100, "Allow", "Tcp", `"sourceAddressPrefix":"*"`, `"destinationPortRange":"5432"`))},
			controls.DatabasePortsOpenToInternet, controls.Fail},
		{"Any is the internet", []string{rule("r", in(100, "Allow", "Tcp", `"sourceAddressPrefix":"Any"`, `"destinationPortRange":"22"`))},
			controls.AdminPortsOpenToInternet, controls.Fail},
		{"VirtualNetwork is not the internet", []string{rule("r", in(100, "Allow", "Tcp", `"sourceAddressPrefix":"VirtualNetwork"`, `"destinationPortRange":"22"`))},
			controls.AdminPortsOpenToInternet, controls.Pass},
		{"UDP 3389 is RDP's UDP transport", []string{rule("r", in(100, "Allow", "Udp", `"sourceAddressPrefix":"Internet"`, `"destinationPortRange":"3389"`))},
			controls.AdminPortsOpenToInternet, controls.Fail},
		{"UDP 22 is not SSH", []string{rule("r", in(100, "Allow", "Udp", `"sourceAddressPrefix":"Internet"`, `"destinationPortRange":"22"`))},
			controls.AdminPortsOpenToInternet, controls.Pass},
		{"an outbound allow to the internet is not exposure", []string{rule("r", `{"priority":100,"direction":"Outbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"*","destinationAddressPrefix":"Internet","destinationPortRange":"22"}`)},
			controls.AdminPortsOpenToInternet, controls.Pass},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := &fakeAzure{pageSize: 10, rows: []map[string]any{nsgRow(t, subA, "nsg", c.rules...)}}
			inv, _ := f.scan(t, inventory.Firewall, scanners.Target{ID: subA}, 10)
			if len(inv.Resources) != 1 || len(inv.Errors) > 0 {
				t.Fatalf("resources %+v, errors %+v; want the one NSG", inv.Resources, inv.Errors)
			}
			if got := c.control.Check(controls.Env{}, inv.Resources[0]); got.Status != c.want {
				rs, _ := inv.Resources[0].Firewall.Rules.Get()
				t.Errorf("%s = %s (%s), want %s; rules %+v", c.control.ID, got.Status, got.Message, c.want, rs)
			}
		})
	}
}

func TestRowSubscription(t *testing.T) {
	for _, c := range []struct {
		row  any
		want string
		bad  bool
	}{
		{map[string]any{"subscriptionId": subA}, subA, false},
		{map[string]any{"SubscriptionID": subB}, subB, false}, // as encoding/json matches a field
		{map[string]any{"id": "x"}, "", false},
		{nil, "", false},
		{map[string]any{"subscriptionId": 7.0}, "", true},
		{"a string", "", true},
	} {
		got, err := rowSubscription(c.row)
		if got != c.want || (err != nil) != c.bad {
			t.Errorf("rowSubscription(%v) = %q, %v; want %q, error %v", c.row, got, err, c.want, c.bad)
		}
	}
}
