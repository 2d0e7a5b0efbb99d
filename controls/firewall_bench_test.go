package controls

import (
	"fmt"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// BenchmarkFirewallLargeNSG evaluates the three exposure controls over an
// NSG at Azure's limit of 1,000 rules: allows and denies at distinct
// priorities, over single ports, ranges and every port, from public /24s,
// private ranges and the Internet tag. It bounds what union-of-sources
// evaluation costs on the largest rule sets a cloud allows.
func BenchmarkFirewallLargeNSG(b *testing.B) {
	var rules []inventory.Rule
	for i := range 1000 {
		src := fwCIDR(fmt.Sprintf("%d.%d.%d.0/24", 1+i%200, i%256, (i*7)%256))
		switch i % 10 {
		case 0:
			src = fwCIDR("10.0.0.0/8")
		case 5:
			src = fwTag("Internet")
		}
		port := 1000 + (i*37)%60000
		r := fwAt(100+i, fwAllow(fmt.Sprintf("r%d", i), "tcp", fwPR(port, port+i%50), src))
		switch {
		case i%3 == 0:
			r = fwAt(100+i, fwDeny(fmt.Sprintf("r%d", i), "*", fwPR(port, port+100), src))
		case i%97 == 1:
			r = fwAt(100+i, fwAllow(fmt.Sprintf("r%d", i), "*", nil, src))
		}
		rules = append(rules, r)
	}
	res := fwRes(inventory.AzureNSG, rules...)
	env := Env{Settings: DefaultSettings, Now: testNow}
	b.ReportAllocs()
	for b.Loop() {
		for _, c := range []*Control{AllPortsOpenToInternet, AdminPortsOpenToInternet, DatabasePortsOpenToInternet} {
			if got := c.Check(env, res); got.Status == Error {
				b.Fatalf("%s: %s", c.ID, got.Message)
			}
		}
	}
}
