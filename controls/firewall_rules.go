package controls

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// This file holds the rule semantics the firewall controls share: which
// sources are the whole internet, which ports a rule opens, and which allow
// rules survive the deny rules evaluated before them. The three clouds are
// normalized into inventory.Rule, so one evaluator serves security groups,
// network ACLs, NSGs and GCP firewall rules alike.
//
// Only sources that stand for the whole internet matter, for allows and for
// denies: an allow from 52.0.0.0/8 is not "open to the internet", and a deny
// from 52.0.0.0/8 before an allow from 0.0.0.0/0 leaves the rest of the
// internet in. Address families are tracked apart because a deny from
// 0.0.0.0/0 does nothing to IPv6 traffic that ::/0 lets in.

// fwMaxPort is the highest TCP/UDP port.
const fwMaxPort = 65535

// fwSpan is an inclusive range of ports.
type fwSpan struct{ lo, hi int }

// fwPorts is a set of ports: sorted, disjoint, non-adjacent spans.
type fwPorts []fwSpan

// fwAllPorts is every port of a protocol.
var fwAllPorts = fwPorts{{0, fwMaxPort}}

// fwPortsOf turns a rule's port ranges into a set. No ranges means every
// port (inventory.Rule's convention), and a negative bound means every port
// too, because AWS writes -1/-1 for "all" on protocol -1.
func fwPortsOf(ranges []inventory.PortRange) fwPorts {
	if len(ranges) == 0 {
		return fwAllPorts
	}
	spans := make([]fwSpan, 0, len(ranges))
	for _, pr := range ranges {
		lo, hi := pr.From, pr.To
		if lo < 0 || hi < 0 {
			lo, hi = 0, fwMaxPort
		}
		hi = min(hi, fwMaxPort)
		if lo > hi {
			continue
		}
		spans = append(spans, fwSpan{lo, hi})
	}
	return fwNormalize(spans)
}

// fwNormalize sorts spans and merges overlapping or adjacent ones.
func fwNormalize(spans []fwSpan) fwPorts {
	if len(spans) == 0 {
		return nil
	}
	sorted := append([]fwSpan(nil), spans...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].lo < sorted[j].lo })
	out := fwPorts{sorted[0]}
	for _, s := range sorted[1:] {
		last := &out[len(out)-1]
		if s.lo <= last.hi+1 {
			last.hi = max(last.hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	return out
}

// union returns the ports in s or t.
func (s fwPorts) union(t fwPorts) fwPorts {
	return fwNormalize(append(append([]fwSpan(nil), s...), t...))
}

// minus returns the ports in s that are not in t.
func (s fwPorts) minus(t fwPorts) fwPorts {
	var out fwPorts
	for _, a := range s {
		lo := a.lo
		for _, b := range t {
			if b.hi < lo || b.lo > a.hi {
				continue
			}
			if b.lo > lo {
				out = append(out, fwSpan{lo, b.lo - 1})
			}
			lo = b.hi + 1
			if lo > a.hi {
				break
			}
		}
		if lo <= a.hi {
			out = append(out, fwSpan{lo, a.hi})
		}
	}
	return out
}

// has reports whether port p is in the set.
func (s fwPorts) has(p int) bool {
	for _, sp := range s {
		if sp.lo <= p && p <= sp.hi {
			return true
		}
	}
	return false
}

// covers reports whether every port from lo to hi is in the set.
func (s fwPorts) covers(lo, hi int) bool {
	return len(fwPorts{{lo, hi}}.minus(s)) == 0
}

// String renders the set as "22, 8000-8080".
func (s fwPorts) String() string {
	parts := make([]string, len(s))
	for i, sp := range s {
		if sp.lo == sp.hi {
			parts[i] = strconv.Itoa(sp.lo)
		} else {
			parts[i] = fmt.Sprintf("%d-%d", sp.lo, sp.hi)
		}
	}
	return strings.Join(parts, ", ")
}

// fwFlow is one address family and one port protocol.
type fwFlow struct {
	ipv6  bool
	proto string // "tcp" or "udp"
}

// fwProtocols returns the port protocols a rule's protocol covers. ICMP and
// other protocols without ports are left out: they open no port.
func fwProtocols(protocol string) []string {
	switch strings.ToLower(strings.TrimSpace(protocol)) {
	case "all", "-1", "*", "any":
		return []string{"tcp", "udp"}
	case "tcp", "6":
		return []string{"tcp"}
	case "udp", "17":
		return []string{"udp"}
	}
	return nil
}

// fwAllProtocols reports whether a rule's protocol is every protocol.
func fwAllProtocols(protocol string) bool {
	return len(fwProtocols(protocol)) == 2
}

// fwSource is a rule source that stands for the whole internet in at least
// one address family.
type fwSource struct {
	value      string
	ipv4, ipv6 bool
}

// fwInternetSource reports whether src is the whole internet, and for which
// address families. Security groups, service accounts, network tags and
// prefix lists name specific peers and never are; a CIDR with prefix length
// 0 is one whole family; the provider tags Internet, Any and "*" are both.
func fwInternetSource(src inventory.Source) (fwSource, bool) {
	if src.Kind == inventory.SourceSecurityGroup || src.Kind == inventory.SourcePrefixList {
		return fwSource{}, false
	}
	v := strings.TrimSpace(src.Value)
	switch strings.ToLower(v) {
	case "internet", "any", "*":
		return fwSource{value: v, ipv4: true, ipv6: true}, true
	}
	p, err := netip.ParsePrefix(v)
	if err != nil || p.Bits() != 0 {
		return fwSource{}, false
	}
	if p.Addr().Is4() {
		return fwSource{value: v, ipv4: true}, true
	}
	return fwSource{value: v, ipv6: true}, true
}

// fwExposure is an ingress allow rule from the internet together with what
// it still opens after the deny rules evaluated before it.
type fwExposure struct {
	rule    inventory.Rule
	sources []fwSource
	// allPorts: the rule as written opens every port of its protocols.
	allPorts bool
	// open is, per flow, the ports the rule lets in that no earlier deny
	// from the internet blocks.
	open map[fwFlow]fwPorts
}

// fwCandidate is an enabled ingress rule from the internet that touches
// ports.
type fwCandidate struct {
	rule    inventory.Rule
	sources []fwSource
	cover   map[fwFlow]fwPorts
}

// fwCandidates keeps the enabled ingress rules with an internet source and
// at least one port protocol, with the flows each one covers.
func fwCandidates(rules []inventory.Rule) []fwCandidate {
	var out []fwCandidate
	for _, rule := range rules {
		if !strings.EqualFold(rule.Direction, inventory.Ingress) || rule.Disabled {
			continue
		}
		protos := fwProtocols(rule.Protocol)
		if len(protos) == 0 {
			continue
		}
		var sources []fwSource
		var v4, v6 bool
		for _, src := range rule.Sources {
			if s, ok := fwInternetSource(src); ok {
				sources = append(sources, s)
				v4, v6 = v4 || s.ipv4, v6 || s.ipv6
			}
		}
		if len(sources) == 0 {
			continue
		}
		ports := fwPortsOf(rule.Ports)
		if len(ports) == 0 {
			continue
		}
		cover := map[fwFlow]fwPorts{}
		for _, proto := range protos {
			if v4 {
				cover[fwFlow{false, proto}] = ports
			}
			if v6 {
				cover[fwFlow{true, proto}] = ports
			}
		}
		out = append(out, fwCandidate{rule: rule, sources: sources, cover: cover})
	}
	return out
}

// fwIsDeny reports whether a rule denies. Security groups have no action
// field at the provider, so an empty action is an allow.
func fwIsDeny(rule inventory.Rule) bool {
	return strings.EqualFold(rule.Action, inventory.Deny)
}

// fwInternetExposures evaluates rules the way the providers do per
// (protocol, port): in ascending priority, a deny before an allow of equal
// priority (NACL rule numbers and NSG priorities are unique; GCP lets a deny
// win a tie), first match wins. An allow is thus exposed on the ports that
// no deny from the internet at the same or a lower priority number blocks.
// Security group rules all have priority 0 and no denies, so every one of
// them counts. An earlier allow does not hide a later one: removing the
// first would still leave the second open, so both are reported.
func fwInternetExposures(rules []inventory.Rule) []fwExposure {
	cands := fwCandidates(rules)
	var out []fwExposure
	for _, c := range cands {
		if fwIsDeny(c.rule) {
			continue
		}
		open := map[fwFlow]fwPorts{}
		for flow, ports := range c.cover {
			for _, d := range cands {
				if fwIsDeny(d.rule) && d.rule.Priority <= c.rule.Priority {
					ports = ports.minus(d.cover[flow])
				}
			}
			if len(ports) > 0 {
				open[flow] = ports
			}
		}
		if len(open) == 0 {
			continue
		}
		out = append(out, fwExposure{
			rule:     c.rule,
			sources:  c.sources,
			allPorts: fwPortsOf(c.rule.Ports).covers(1, fwMaxPort),
			open:     open,
		})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].rule.Priority < out[j].rule.Priority })
	return out
}

// openPorts returns the ports of proto the exposure opens in either family.
func (e fwExposure) openPorts(proto string) fwPorts {
	return e.open[fwFlow{false, proto}].union(e.open[fwFlow{true, proto}])
}

// sourcesReaching lists the internet sources whose family still reaches
// some port of proto that match accepts.
func (e fwExposure) sourcesReaching(proto string, match func(fwPorts) bool) []string {
	var out []string
	for _, s := range e.sources {
		if (s.ipv4 && match(e.open[fwFlow{false, proto}])) || (s.ipv6 && match(e.open[fwFlow{true, proto}])) {
			out = append(out, s.value)
		}
	}
	return out
}

// fwAny accepts any non-empty port set.
func fwAny(s fwPorts) bool { return len(s) > 0 }

// fwRuleEvidence is one offending rule as it appears in a finding's
// evidence.
type fwRuleEvidence struct {
	Rule     string   `json:"rule"`
	Priority int      `json:"priority,omitempty"`
	Protocol string   `json:"protocol"`
	Ports    string   `json:"ports"`
	Sources  []string `json:"sources"`
}

// fwRules reads a resource's firewall rules, or says which input is
// missing.
func fwRules(r inventory.Resource) ([]inventory.Rule, *Result) {
	if r.Firewall == nil {
		res := unknown("firewall rules")
		return nil, &res
	}
	rules, ok := r.Firewall.Rules.Get()
	if !ok {
		res := unknown("firewall rules")
		return nil, &res
	}
	if inventory.Types[r.Type].Cloud == inventory.AWS {
		rules = fwAWSAllProtocolsAllPorts(rules)
	}
	return rules, nil
}

// fwAWSAllProtocolsAllPorts drops the port ranges of AWS rules on every
// protocol. Security groups and network ACLs both ignore any port range
// given with protocol -1 (normalized to "all") and open or block every
// port, so a range the scanner carried over must not narrow the rule. Azure
// and GCP differ: an NSG rule on protocol * with port 22 opens port 22 only.
func fwAWSAllProtocolsAllPorts(rules []inventory.Rule) []inventory.Rule {
	var out []inventory.Rule
	for i, rule := range rules {
		if !fwAllProtocols(rule.Protocol) || len(rule.Ports) == 0 {
			continue
		}
		if out == nil {
			out = slices.Clone(rules)
		}
		out[i].Ports = nil
	}
	if out == nil {
		return rules
	}
	return out
}

// fwRuleName is how messages name a rule.
func fwRuleName(rule inventory.Rule) string {
	return fmt.Sprintf("ingress rule %s", rule.ID)
}

// fwPortGroup is a set of ports a control watches, e.g. the admin ports:
// TCP ports, and the UDP ports that carry the same service (RDP's UDP
// transport on 3389; SSH has none, so UDP 22 is not SSH).
type fwPortGroup struct {
	// name is how messages call the group ("admin ports").
	name  string
	ports []int
	udp   []int
}

// String renders the group as "admin ports (tcp 22, 3389; udp 3389)".
func (g fwPortGroup) String() string {
	list := func(ports []int) string {
		ps := make([]string, len(ports))
		for i, p := range ports {
			ps[i] = strconv.Itoa(p)
		}
		return strings.Join(ps, ", ")
	}
	out := fmt.Sprintf("%s (tcp %s", g.name, list(g.ports))
	if len(g.udp) > 0 {
		out += "; udp " + list(g.udp)
	}
	return out + ")"
}

// watched returns the group's ports of proto.
func (g fwPortGroup) watched(proto string) []int {
	if proto == "udp" {
		return g.udp
	}
	return g.ports
}

// reached returns the group's ports of proto that set s contains.
func (g fwPortGroup) reached(proto string, s fwPorts) []int {
	var out []int
	for _, p := range g.watched(proto) {
		if s.has(p) {
			out = append(out, p)
		}
	}
	return out
}

// fwPortGroupCheck fails when an ingress rule from the internet opens a
// port of the group. Rules that open every port are left to
// firewall.all_ports_open_to_internet, so one rule is never reported by two
// controls; the evidence still lists them so the reader sees why the port
// is reachable.
func fwPortGroupCheck(r inventory.Resource, g fwPortGroup) Result {
	rules, missing := fwRules(r)
	if missing != nil {
		return *missing
	}
	var offending, covered []fwRuleEvidence
	var msgs, coveredIDs []string
	for _, e := range fwInternetExposures(rules) {
		for _, proto := range []string{"tcp", "udp"} {
			ports := g.reached(proto, e.openPorts(proto))
			if len(ports) == 0 {
				continue
			}
			sources := e.sourcesReaching(proto, func(s fwPorts) bool { return len(g.reached(proto, s)) > 0 })
			var spans []fwSpan
			for _, p := range ports {
				spans = append(spans, fwSpan{p, p})
			}
			portText := fwPorts(spans).String()
			if proto == "udp" {
				portText = "udp " + portText
			}
			ev := fwRuleEvidence{Rule: e.rule.ID, Priority: e.rule.Priority, Protocol: e.rule.Protocol, Ports: portText, Sources: sources}
			if e.allPorts {
				if !slices.Contains(coveredIDs, e.rule.ID) {
					covered = append(covered, ev)
					coveredIDs = append(coveredIDs, e.rule.ID)
				}
				continue
			}
			offending = append(offending, ev)
			msgs = append(msgs, fmt.Sprintf("%s allows %s %s from %s", fwRuleName(e.rule), proto, strings.TrimPrefix(portText, "udp "), strings.Join(sources, ", ")))
		}
	}
	evidence := map[string]any{}
	if len(covered) > 0 {
		evidence["coveredByAllPortsRules"] = covered
		evidence["coveredBy"] = AllPortsOpenToInternetID
	}
	switch {
	case len(offending) > 0:
		evidence["openRules"] = offending
		return Result{Status: Fail, Message: strings.Join(msgs, "; "), Evidence: evidence}
	case len(covered) > 0:
		return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf(
			"%s are reachable from the internet only through all-ports rules (%s), reported by %s",
			g, strings.Join(coveredIDs, ", "), AllPortsOpenToInternetID)}
	default:
		evidence["openRules"] = []fwRuleEvidence{}
		return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("no ingress rule allows %s from the internet", g)}
	}
}
