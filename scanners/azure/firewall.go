package azure

import (
	"context"
	"encoding/json"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/network/armnetwork/v7"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

const typeNSG = "microsoft.network/networksecuritygroups"

// scanFirewall reads every network security group of the target's
// subscriptions from Resource Graph, one query per batch of
// subscriptions: the custom rules and the default ones, in priority
// order, and the interfaces and subnets the group applies to.
func scanFirewall(ctx context.Context, e *env, t scanners.Target, out *scanners.Sink) error {
	subs, err := e.subscriptions(ctx, t, out)
	if err != nil {
		return err
	}
	rows := e.graph(ctx, out, scanners.Scope{Cloud: inventory.Azure, Target: t.String(), Domain: inventory.Firewall}, subs, graphType("resources", typeNSG))
	defer rows.failLate(out, inventory.Firewall, []string{inventory.AzureNSG})
	scanners.EachFedTarget(out, inventory.Azure, inventory.Firewall, subs, func(s *subscription) {
		raws, err := rows.of(s.ID)
		if err != nil {
			out.Fail(scanError(s.ID, "", inventory.Firewall, graphRead, []string{inventory.AzureNSG}, err))
			return
		}
		byType, err := splitRows(s, raws)
		if err != nil {
			out.Fail(scanError(s.ID, "", inventory.Firewall, graphRead, []string{inventory.AzureNSG}, err))
			return
		}
		for _, r := range byType[typeNSG] {
			out.Add(nsgResource(s.ID, r))
		}
	})
	return nil
}

// nsgResource turns a network security group into a resource. A rule
// that cannot be understood leaves the rules unknown rather than
// narrowed: controls then say error, not pass.
func nsgResource(sub string, r typedRow) inventory.Resource {
	res := inventory.Resource{Cloud: inventory.Azure, Target: sub, Region: r.Location, Type: inventory.AzureNSG,
		ID: r.ID, Name: r.Name, Tags: r.Tags, Firewall: &inventory.FirewallRules{}}
	var g armnetwork.SecurityGroup
	if err := json.Unmarshal(r.raw, &g); err != nil || g.Properties == nil {
		return res
	}
	var rules []inventory.Rule
	for _, list := range [][]*armnetwork.SecurityRule{g.Properties.SecurityRules, g.Properties.DefaultSecurityRules} {
		for _, sr := range list {
			rule, ok := nsgRule(sr)
			if !ok {
				return res
			}
			rules = append(rules, rule)
		}
	}
	sort.SliceStable(rules, func(i, j int) bool {
		if rules[i].Direction != rules[j].Direction {
			return rules[i].Direction == inventory.Ingress
		}
		return rules[i].Priority < rules[j].Priority
	})
	if rules == nil {
		rules = []inventory.Rule{}
	}
	res.Firewall.Rules = inventory.Known(rules)
	for _, ni := range g.Properties.NetworkInterfaces {
		if ni != nil && ni.ID != nil {
			res.Firewall.AttachedTo = append(res.Firewall.AttachedTo, *ni.ID)
		}
	}
	for _, sn := range g.Properties.Subnets {
		if sn != nil && sn.ID != nil {
			res.Firewall.AttachedTo = append(res.Firewall.AttachedTo, *sn.ID)
		}
	}
	sort.Strings(res.Firewall.AttachedTo)
	return res
}

// nsgRule is one security rule as a normalized rule; ok is false when a
// field cannot be read.
func nsgRule(sr *armnetwork.SecurityRule) (inventory.Rule, bool) {
	if sr == nil || sr.Properties == nil {
		return inventory.Rule{}, false
	}
	p := sr.Properties
	if p.Direction == nil || p.Access == nil || p.Priority == nil || p.Protocol == nil {
		return inventory.Rule{}, false
	}
	rule := inventory.Rule{
		ID:        deref(sr.Name),
		Direction: inventory.Ingress,
		Action:    strings.ToLower(string(*p.Access)),
		Priority:  int(*p.Priority),
		Protocol:  nsgProtocol(string(*p.Protocol)),
		Sources:   []inventory.Source{},
	}
	if strings.EqualFold(string(*p.Direction), string(armnetwork.SecurityRuleDirectionOutbound)) {
		rule.Direction = inventory.Egress
	}
	// Outbound rules are read from their destinations, as the shared rule
	// shape reads a security group's egress permissions.
	prefix, prefixes, groups := p.SourceAddressPrefix, p.SourceAddressPrefixes, p.SourceApplicationSecurityGroups
	if rule.Direction == inventory.Egress {
		prefix, prefixes, groups = p.DestinationAddressPrefix, p.DestinationAddressPrefixes, p.DestinationApplicationSecurityGroups
	}
	for _, v := range append([]*string{prefix}, prefixes...) {
		if v != nil && *v != "" {
			rule.Sources = append(rule.Sources, nsgSource(*v))
		}
	}
	for _, asg := range groups {
		if asg != nil && asg.ID != nil {
			rule.Sources = append(rule.Sources, inventory.Source{Kind: inventory.SourceSecurityGroup, Value: *asg.ID})
		}
	}
	ranges := p.DestinationPortRanges
	if p.DestinationPortRange != nil && *p.DestinationPortRange != "" {
		ranges = append([]*string{p.DestinationPortRange}, ranges...)
	}
	if rule.Protocol == "tcp" || rule.Protocol == "udp" || rule.Protocol == "all" {
		ports, ok := nsgPorts(ranges)
		if !ok {
			return inventory.Rule{}, false
		}
		rule.Ports = ports
	}
	return rule, true
}

// nsgProtocol normalizes an NSG protocol: "*" is every protocol, ESP and
// AH are IP protocols 50 and 51.
func nsgProtocol(p string) string {
	switch strings.ToLower(p) {
	case "*":
		return "all"
	case "tcp":
		return "tcp"
	case "udp":
		return "udp"
	case "icmp":
		return "icmp"
	case "esp":
		return "50"
	case "ah":
		return "51"
	}
	return strings.ToLower(p)
}

// nsgSource is an address prefix: a CIDR or address (a bare address is
// one host), or a service tag such as Internet, VirtualNetwork or "*".
func nsgSource(v string) inventory.Source {
	v = strings.TrimSpace(v)
	if p, err := netip.ParsePrefix(v); err == nil {
		return inventory.Source{Kind: inventory.SourceCIDR, Value: p.String()}
	}
	if a, err := netip.ParseAddr(v); err == nil {
		return inventory.Source{Kind: inventory.SourceCIDR, Value: netip.PrefixFrom(a, a.BitLen()).String()}
	}
	return inventory.Source{Kind: inventory.SourceTag, Value: v}
}

// nsgPorts reads destination port ranges: "*" (every port, nil), a port
// ("22"), or a range ("20-25"); none at all is every port too.
func nsgPorts(ranges []*string) ([]inventory.PortRange, bool) {
	var out []inventory.PortRange
	for _, r := range ranges {
		if r == nil {
			continue
		}
		v := strings.TrimSpace(*r)
		if v == "*" {
			return nil, true
		}
		lo, hi, isRange := strings.Cut(v, "-")
		from, err := strconv.Atoi(strings.TrimSpace(lo))
		if err != nil {
			return nil, false
		}
		to := from
		if isRange {
			if to, err = strconv.Atoi(strings.TrimSpace(hi)); err != nil {
				return nil, false
			}
		}
		if from < 0 || to > 65535 || from > to {
			return nil, false
		}
		out = append(out, inventory.PortRange{From: from, To: to})
	}
	return out, true
}
