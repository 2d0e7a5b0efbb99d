package gcp

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"cloud.google.com/go/compute/apiv1/computepb"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// scanFirewall reads a project's VPC networks and firewall rules.
func scanFirewall(ctx context.Context, e *env, p *project, out *scanners.Sink) {
	cl, _ := e.clients(ctx)
	var networks []*computepb.Network
	err := each(cl.networks.List(ctx, &computepb.ListNetworksRequest{Project: p.ID}, e.retry()).Next,
		func(n *computepb.Network) { networks = append(networks, n) })
	if err != nil {
		out.Fail(scanError(p.ID, inventory.Firewall, opNetworks.String(), []string{inventory.GCPNetwork}, err))
	}
	for _, n := range networks {
		out.Add(inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Type: inventory.GCPNetwork,
			ID: "projects/" + p.ID + "/global/networks/" + n.GetName(), Name: n.GetName(),
			// GCP names the network it creates in every new project
			// "default"; that name is what CIS 3.1 looks for.
			Network: &inventory.Network{Default: inventory.Known(n.GetName() == "default")}})
	}

	var firewalls []*computepb.Firewall
	err = each(cl.firewalls.List(ctx, &computepb.ListFirewallsRequest{Project: p.ID}, e.retry()).Next,
		func(f *computepb.Firewall) { firewalls = append(firewalls, f) })
	if err != nil {
		out.Fail(scanError(p.ID, inventory.Firewall, opFirewalls.String(), []string{inventory.GCPFirewall}, err))
		return
	}
	for _, f := range firewalls {
		out.Add(inventory.Resource{Cloud: inventory.GCP, Target: p.ID, Type: inventory.GCPFirewall,
			ID: "projects/" + p.ID + "/global/firewalls/" + f.GetName(), Name: f.GetName(),
			Firewall: &inventory.FirewallRules{Rules: inventory.Known(firewallRules(f, firewalls))}})
	}
}

// firewallRules normalizes one firewall rule: an inventory.Rule per
// allowed or denied entry. GCP evaluates all of a network's rules
// together, the lowest priority number first and a deny before an allow
// of the same priority, so the rules of an ingress allow are followed by
// every other enabled ingress deny of its network that could stop the
// same traffic first: one at the same or a lower priority number that
// applies to every instance the allow applies to. The evaluator then
// sees what of the allow survives, as it does for a network ACL.
func firewallRules(f *computepb.Firewall, all []*computepb.Firewall) []inventory.Rule {
	rules := ownRules(f, "")
	if !ingress(f) || len(f.GetAllowed()) == 0 {
		return rules
	}
	for _, d := range all {
		if d == f || !ingress(d) || d.GetDisabled() || len(d.GetDenied()) == 0 ||
			d.GetNetwork() != f.GetNetwork() || priority(d) > priority(f) || !targetsCover(d, f) {
			continue
		}
		rules = append(rules, ownRules(d, d.GetName()+"/")...)
	}
	return rules
}

// ownRules are a firewall's own entries, their ids prefixed by prefix.
func ownRules(f *computepb.Firewall, prefix string) []inventory.Rule {
	direction := inventory.Ingress
	if !ingress(f) {
		direction = inventory.Egress
	}
	sources := ruleSources(f)
	var out []inventory.Rule
	add := func(kind, action string, protocol string, ports []string, i int) {
		out = append(out, inventory.Rule{
			ID: fmt.Sprintf("%s%s/%d", prefix, kind, i), Direction: direction, Action: action, Priority: priority(f),
			Protocol: strings.ToLower(protocol), Ports: portRanges(ports), Sources: sources, Disabled: f.GetDisabled(),
		})
	}
	for i, a := range f.GetAllowed() {
		add("allowed", inventory.Allow, a.GetIPProtocol(), a.GetPorts(), i)
	}
	for i, d := range f.GetDenied() {
		add("denied", inventory.Deny, d.GetIPProtocol(), d.GetPorts(), i)
	}
	return out
}

// ingress reports whether a rule is an ingress rule (the default).
func ingress(f *computepb.Firewall) bool {
	return !strings.EqualFold(f.GetDirection(), "EGRESS")
}

// priority is the rule's priority; 1000 when it is not set.
func priority(f *computepb.Firewall) int {
	if f.Priority == nil {
		return 1000
	}
	return int(f.GetPriority())
}

// ruleSources are where an ingress rule's traffic comes from (or an
// egress rule's goes to). Source tags and service accounts name
// instances, not addresses. An ingress rule that names no source at all
// applies to every IPv4 source, as GCP documents for rules created
// without one.
func ruleSources(f *computepb.Firewall) []inventory.Source {
	var out []inventory.Source
	ranges := f.GetSourceRanges()
	if !ingress(f) {
		ranges = f.GetDestinationRanges()
	}
	for _, r := range ranges {
		out = append(out, inventory.Source{Kind: inventory.SourceCIDR, Value: r})
	}
	if !ingress(f) {
		return out
	}
	for _, t := range f.GetSourceTags() {
		out = append(out, inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "tag:" + t})
	}
	for _, sa := range f.GetSourceServiceAccounts() {
		out = append(out, inventory.Source{Kind: inventory.SourceSecurityGroup, Value: "serviceAccount:" + sa})
	}
	if len(out) == 0 {
		out = append(out, inventory.Source{Kind: inventory.SourceCIDR, Value: "0.0.0.0/0"})
	}
	return out
}

// portRanges parses a rule's ports ("22", "8000-8100"); none means every
// port. A port the parser cannot read is taken as every port, so that a
// rule is never reported narrower than it is.
func portRanges(ports []string) []inventory.PortRange {
	var out []inventory.PortRange
	for _, s := range ports {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(s), "-")
		from, err1 := strconv.Atoi(lo)
		to, err2 := from, error(nil)
		if isRange {
			to, err2 = strconv.Atoi(hi)
		}
		if err1 != nil || err2 != nil {
			return nil
		}
		out = append(out, inventory.PortRange{From: from, To: to})
	}
	return out
}

// targetsCover reports whether deny d applies to every instance allow a
// applies to: d applies to all instances, or names every target tag (or
// target service account) a names.
func targetsCover(d, a *computepb.Firewall) bool {
	dTags, dSAs := d.GetTargetTags(), d.GetTargetServiceAccounts()
	if len(dTags) == 0 && len(dSAs) == 0 {
		return true
	}
	subset := func(small, big []string) bool {
		return len(small) > 0 && !slices.ContainsFunc(small, func(s string) bool { return !slices.Contains(big, s) })
	}
	return subset(a.GetTargetTags(), dTags) || subset(a.GetTargetServiceAccounts(), dSAs)
}

// regionOf is the region of a zone ("europe-west3-a" is in
// "europe-west3"), or the region itself; URLs are reduced to their last
// segment first.
func regionOf(zoneOrRegion string) string {
	s := lastSegment(zoneOrRegion)
	if i := strings.LastIndex(s, "-"); i > 0 && len(s)-i == 2 {
		return s[:i]
	}
	return s
}

// lastSegment is what follows a URL's or name's last "/".
func lastSegment(s string) string {
	return s[strings.LastIndex(s, "/")+1:]
}
