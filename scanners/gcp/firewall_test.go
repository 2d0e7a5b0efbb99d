package gcp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// TestFirewallSemantics scans one project per row through the real
// Compute client, the firewalls paged two at a time, and evaluates the
// rule named "x" of each with the firewall controls: the scanner's
// normalization and the evaluator together must read GCP's rules the way
// GCP applies them.
func TestFirewallSemantics(t *testing.T) {
	cases := []struct {
		name      string
		firewalls string // YAML list items; the rule under test is "x"
		admin     controls.Status
		allPorts  controls.Status
	}{
		{"ports 80 and 22 expose 22", `{name: x, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["80", "22"]}]}`, controls.Fail, controls.Pass},
		{"a range 20-443 exposes 22", `{name: x, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["20-443"]}]}`, controls.Fail, controls.Pass},
		{"tcp without ports is every port", `{name: x, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp}]}`, controls.Fail, controls.Fail},
		{"protocol all", `{name: x, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: all}]}`, controls.Fail, controls.Fail},
		{"protocol number 6 is tcp", `{name: x, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: "6", ports: ["3389"]}]}`, controls.Fail, controls.Pass},
		{"egress is ignored", `{name: x, direction: EGRESS, destinationRanges: [0.0.0.0/0], allowed: [{IPProtocol: all}]}`, controls.Pass, controls.Pass},
		{"a disabled rule is ignored", `{name: x, disabled: true, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["22"]}]}`, controls.Pass, controls.Pass},
		{"udp 22 is not SSH", `{name: x, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: udp, ports: ["22"]}]}`, controls.Pass, controls.Pass},
		{"loopback is not the internet", `{name: x, sourceRanges: [127.0.0.1/32], allowed: [{IPProtocol: tcp, ports: ["22"]}]}`, controls.Pass, controls.Pass},
		{"IAP's range is not the internet", `{name: x, sourceRanges: [35.235.240.0/20], allowed: [{IPProtocol: tcp, ports: ["22"]}]}`, controls.Pass, controls.Pass},
		{"source tags are not the internet", `{name: x, sourceTags: [bastion], allowed: [{IPProtocol: tcp, ports: ["22"]}]}`, controls.Pass, controls.Pass},
		{"IPv6 ::/0 is the internet", `{name: x, sourceRanges: ["::/0"], allowed: [{IPProtocol: tcp, ports: ["22"]}]}`, controls.Fail, controls.Pass},
		{"no source at all is every IPv4 source", `{name: x, allowed: [{IPProtocol: tcp, ports: ["22"]}]}`, controls.Fail, controls.Pass},
		{"a higher-priority deny shadows the allow", `{name: x, priority: 1000, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["22"]}]}
        - {name: deny-ssh, priority: 900, sourceRanges: [0.0.0.0/0], denied: [{IPProtocol: tcp, ports: ["22"]}]}`, controls.Pass, controls.Pass},
		{"a deny of equal priority wins", `{name: x, priority: 1000, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["22"]}]}
        - {name: deny-ssh, priority: 1000, sourceRanges: [0.0.0.0/0], denied: [{IPProtocol: all}]}`, controls.Pass, controls.Pass},
		{"a lower-priority deny does not", `{name: x, priority: 1000, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["22"]}]}
        - {name: deny-ssh, priority: 2000, sourceRanges: [0.0.0.0/0], denied: [{IPProtocol: tcp, ports: ["22"]}]}`, controls.Fail, controls.Pass},
		{"a deny on other targets does not", `{name: x, targetTags: [web], sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["22"]}]}
        - {name: deny-ssh, priority: 10, targetTags: [db], sourceRanges: [0.0.0.0/0], denied: [{IPProtocol: tcp}]}`, controls.Fail, controls.Pass},
		{"a deny on the same targets does", `{name: x, targetTags: [web], sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["22"]}]}
        - {name: deny-ssh, priority: 10, targetTags: [web, db], sourceRanges: [0.0.0.0/0], denied: [{IPProtocol: tcp}]}`, controls.Pass, controls.Pass},
		{"a deny in another network does not", `{name: x, network: a, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["22"]}]}
        - {name: deny-ssh, network: b, priority: 10, sourceRanges: [0.0.0.0/0], denied: [{IPProtocol: all}]}`, controls.Fail, controls.Pass},
		{"a disabled deny does not", `{name: x, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["22"]}]}
        - {name: deny-ssh, disabled: true, priority: 10, sourceRanges: [0.0.0.0/0], denied: [{IPProtocol: all}]}`, controls.Fail, controls.Pass},
	}
	var world strings.Builder
	world.WriteString("gcp:\n  pageSize: 2\n  projects:\n")
	var targets []scanners.Target
	for i, tc := range cases {
		id := fmt.Sprintf("row-%02d", i)
		fmt.Fprintf(&world, "    - id: %s\n      firewalls:\n        - %s\n        - {name: filler, sourceRanges: [10.0.0.0/8], allowed: [{IPProtocol: icmp}]}\n", id, tc.firewalls)
		targets = append(targets, scanners.Target{ID: id})
	}
	srv, o := startSim(t, world.String())
	inv := scan(t, o, targets, inventory.Firewall)
	noErrors(t, inv)
	noWrites(t, srv)
	got := findings(t, inv, "firewall.")
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id := fmt.Sprintf("projects/row-%02d/global/firewalls/x", i)
			if s := got["firewall.admin_ports_open_to_internet "+id]; s != tc.admin {
				t.Errorf("admin ports: %s, want %s", s, tc.admin)
			}
			if s := got["firewall.all_ports_open_to_internet "+id]; s != tc.allPorts {
				t.Errorf("all ports: %s, want %s", s, tc.allPorts)
			}
		})
	}
	// Two rules a page: a project with three took two pages.
	pages := 0
	for _, tc := range cases {
		rules := 1 + strings.Count(tc.firewalls, "{name:")
		pages += (rules + 1) / 2
	}
	if n := srv.Counts()["compute.firewalls.list"]; n != pages || pages <= len(cases) {
		t.Errorf("firewalls.list requests = %d, want %d (one per page of two rules)", n, pages)
	}
}

// TestFirewallNormalization checks what the scanner records for a rule
// and for networks, beyond what the controls judge.
func TestFirewallNormalization(t *testing.T) {
	srv, o := startSim(t, fullWorld(t))
	inv := scan(t, o, listed("acme-web"), inventory.Firewall)
	noErrors(t, inv)
	noWrites(t, srv)
	fw := byType(inv, inventory.GCPFirewall)
	if len(fw) != 4 {
		t.Fatalf("firewalls = %d, want 4 read over two pages", len(fw))
	}
	web := fw["projects/acme-web/global/firewalls/web"]
	rs, _ := web.Firewall.Rules.Get()
	if len(rs) != 1 {
		t.Fatalf("web rules = %+v, want one allowed entry", rs)
	}
	r := rs[0]
	want := inventory.Rule{ID: "allowed/0", Direction: inventory.Ingress, Action: inventory.Allow, Priority: 1000, Protocol: "tcp",
		Ports:   []inventory.PortRange{{From: 80, To: 80}, {From: 443, To: 443}},
		Sources: []inventory.Source{{Kind: inventory.SourceCIDR, Value: "0.0.0.0/0"}, {Kind: inventory.SourceCIDR, Value: "::/0"}}}
	if fmt.Sprint(r) != fmt.Sprint(want) {
		t.Errorf("web rule = %+v, want %+v", r, want)
	}
	nets := byType(inv, inventory.GCPNetwork)
	if d, _ := nets["projects/acme-web/global/networks/default"].Network.Default.Get(); !d {
		t.Error("the network named default is not marked default")
	}
	if d, ok := nets["projects/acme-web/global/networks/prod"].Network.Default.Get(); !ok || d {
		t.Error("network prod is not known to be a custom network")
	}
	if got := findings(t, inv, "firewall.default_network")["firewall.default_network_allows_traffic projects/acme-web/global/networks/default"]; got != controls.Fail {
		t.Errorf("default network: %s, want fail", got)
	}
}
