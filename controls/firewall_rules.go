package controls

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"go4.org/netipx"

	"github.com/ownaudit/ownaudit/inventory"
)

// This file holds the rule semantics the firewall controls share: which
// addresses a rule's sources stand for, which ports a rule opens, and which
// ports the internet reaches once every rule is evaluated the way the
// provider does. The three clouds are normalized into inventory.Rule, so
// one evaluator serves security groups, network ACLs, NSGs and GCP firewall
// rules alike, and the controls stay cloud-neutral.
//
// Exposure is decided by the union of sources: for each port, the
// addresses that the allow rules let in (unless the deny rules evaluated
// before them shut out the whole internet) together open the port to the
// internet when they cover every public IPv4 address or every public IPv6
// address. One 0.0.0.0/0 is
// the common case; 0.0.0.0/1 and 128.0.0.0/1 in two rules are the same
// exposure. Addresses that are not publicly routable need not be covered
// (fwPublic). Address families are tracked apart because a deny from
// 0.0.0.0/0 does nothing to IPv6 traffic that ::/0 lets in. Address sets
// are go4.org/netipx IPSets, not hand-written prefix arithmetic.

// fwExposureNotes is the exposure semantics the firewall controls share,
// for their documentation.
const fwExposureNotes = "A port is open to the internet when the sources of the rules that allow it together cover every public IPv4 address " +
	"or every public IPv6 address, whatever the cloud (security groups, network ACLs, NSGs and VPC firewall rules alike): one 0.0.0.0/0 " +
	"is the common case, and 0.0.0.0/1 and 128.0.0.0/1 in two rules, or a set of /2s and /3s, are the same exposure. Addresses that are " +
	"not publicly routable need not be covered: private (RFC 1918), shared address space (100.64.0.0/10), loopback, link-local, " +
	"documentation, benchmarking, multicast and reserved IPv4 ranges, and for IPv6 everything outside global unicast 2000::/3 and the " +
	"documentation ranges 2001:db8::/32 and 3fff::/20. The provider tags Internet, Any and * are the whole internet; other tags, " +
	"security groups, service accounts, network tags and prefix lists name specific peers and count as no public address. Rules are " +
	"evaluated as the provider does: by priority (NACL rule number, NSG priority, GCP priority), a deny before an allow of equal priority. " +
	"Denies are unions too: the denies before an allow shadow it when together they cover every public address of the family; a deny of " +
	"part of the internet (a blocklist) leaves the rest of it in and so does not close the port. The finding names the rules whose union " +
	"opens the port: one rule that alone opens it is named alone (each such rule, since removing one leaves the others), otherwise every " +
	"rule that lets public addresses in is named together, with `together` in the evidence."

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

// fwFlows are the four flows, in the order messages list them.
var fwFlows = []fwFlow{{false, "tcp"}, {true, "tcp"}, {false, "udp"}, {true, "udp"}}

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

// fwNonPublic are the address ranges that are not publicly routable, so a
// rule set need not cover them to be open to the internet: IANA's
// special-purpose ranges that are not globally reachable (RFC 6890 and its
// updates). IPv4: "this network", private (RFC 1918), shared address space
// (RFC 6598), loopback, link-local, IETF protocol assignments,
// documentation (TEST-NET-1 to 3), benchmarking, multicast and the
// reserved 240/4 (which holds the limited broadcast address). IPv6: every
// address outside global unicast 2000::/3 (loopback, unique local,
// link-local, multicast, IPv4-mapped and the unassigned rest), and the
// documentation ranges inside it.
var fwNonPublic = []string{
	"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
	"192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
	"224.0.0.0/4", "240.0.0.0/4",
	"2001:db8::/32", "3fff::/20",
}

// fwPublic4 and fwPublic6 are the public addresses of each family: what a
// rule set has to let in for a port to be open to the whole internet.
// fwNotPublic holds the rest of each family, by family index.
var fwPublic4, fwPublic6, fwNotPublic = fwPublicSets()

func fwPublicSets() (*netipx.IPSet, *netipx.IPSet, [2]*netipx.IPSet) {
	var v4, v6, not4, not6 netipx.IPSetBuilder
	v4.AddPrefix(netip.MustParsePrefix("0.0.0.0/0"))
	v6.AddPrefix(netip.MustParsePrefix("2000::/3"))
	not6.AddPrefix(netip.MustParsePrefix("::/0"))
	not6.RemovePrefix(netip.MustParsePrefix("2000::/3"))
	for _, s := range fwNonPublic {
		p := netip.MustParsePrefix(s)
		if p.Addr().Is4() {
			v4.RemovePrefix(p)
			not4.AddPrefix(p)
		} else {
			v6.RemovePrefix(p)
			not6.AddPrefix(p)
		}
	}
	return fwMustSet(&v4), fwMustSet(&v6), [2]*netipx.IPSet{fwMustSet(&not4), fwMustSet(&not6)}
}

// fwPublic is the public address set of a family.
func fwPublic(ipv6 bool) *netipx.IPSet {
	if ipv6 {
		return fwPublic6
	}
	return fwPublic4
}

// fwMustSet builds b. The builder only records errors for invalid
// addresses, which fwSourceSets never adds.
func fwMustSet(b *netipx.IPSetBuilder) *netipx.IPSet {
	s, err := b.IPSet()
	if err != nil {
		panic("controls: firewall address set: " + err.Error())
	}
	return s
}

// fwEmpty reports whether s holds no address.
func fwEmpty(s *netipx.IPSet) bool { return s == nil || len(s.Ranges()) == 0 }

// fwAll4 and fwAll6 are the whole of each family, what the provider tags
// Internet, Any and "*" stand for.
var (
	fwAll4 = netip.MustParsePrefix("0.0.0.0/0")
	fwAll6 = netip.MustParsePrefix("::/0")
)

// fwSourceSets returns the addresses a rule source stands for, per family.
// Security groups, service accounts, network tags and prefix lists name
// specific peers whose addresses the inventory does not hold: they stand
// for no public address, for allows and denies alike (so a deny from one
// never hides an exposure). The provider tags Internet, Any and "*" are
// every address of both families; other tags (VirtualNetwork,
// AzureLoadBalancer) are not the internet. A CIDR or a bare address is
// itself, host bits ignored as the providers do.
func fwSourceSets(src inventory.Source) (v4, v6 *netipx.IPSet) {
	if src.Kind == inventory.SourceSecurityGroup || src.Kind == inventory.SourcePrefixList {
		return nil, nil
	}
	v := strings.TrimSpace(src.Value)
	var b4, b6 netipx.IPSetBuilder
	switch strings.ToLower(v) {
	case "internet", "any", "*":
		b4.AddPrefix(fwAll4)
		b6.AddPrefix(fwAll6)
		return fwMustSet(&b4), fwMustSet(&b6)
	}
	p, err := netip.ParsePrefix(v)
	if err != nil {
		a, aerr := netip.ParseAddr(v)
		if aerr != nil {
			return nil, nil
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	p = p.Masked()
	if p.Addr().Is4() {
		b4.AddPrefix(p)
		return fwMustSet(&b4), nil
	}
	b6.AddPrefix(p)
	return nil, fwMustSet(&b6)
}

// fwSource is one source of a rule with its addresses.
type fwSource struct {
	value string
	set   [2]*netipx.IPSet // by family: [0] IPv4, [1] IPv6
	// public: the source holds public addresses of the family.
	public [2]bool
}

// fwRule is an enabled ingress rule that touches ports, ready to evaluate.
type fwRule struct {
	rule  inventory.Rule
	deny  bool
	ports fwPorts
	// protos are the port protocols the rule covers.
	protos []string
	// allPorts: the rule as written opens every port of its protocols.
	allPorts bool
	*fwSources
}

// fwSources are a rule's sources and their address sets; they are not
// changed once built, so rules with the same sources share them.
type fwSources struct {
	sources []fwSource
	// set is the union of the sources, by family; pub is its public part.
	set, pub [2]*netipx.IPSet
}

// fwSetCache holds the fwSources built, by the sources they were built
// from (fwSetCache.key); a nil cache holds nothing.
type fwSetCache map[string]*fwSources

// fwSetCacheMax bounds a cache: past it, the cache starts afresh.
const fwSetCacheMax = 4096

// of returns the sources' address sets, built once per cache.
func (c fwSetCache) of(srcs []inventory.Source) *fwSources {
	if c == nil {
		return fwBuildSources(srcs)
	}
	var buf [128]byte
	k := buf[:0]
	for _, src := range srcs {
		k = append(append(append(append(k, src.Kind...), 0), src.Value...), 0)
	}
	if s, ok := c[string(k)]; ok {
		return s
	}
	if len(c) >= fwSetCacheMax {
		clear(c)
	}
	s := fwBuildSources(srcs)
	c[string(k)] = s
	return s
}

// fwBuildSources builds the address sets of a rule's sources.
func fwBuildSources(srcs []inventory.Source) *fwSources {
	r := &fwSources{}
	var b [2]netipx.IPSetBuilder
	for _, src := range srcs {
		v4, v6 := fwSourceSets(src)
		if v4 == nil && v6 == nil {
			continue
		}
		source := fwSource{value: strings.TrimSpace(src.Value), set: [2]*netipx.IPSet{v4, v6}}
		for i, s := range source.set {
			if s != nil {
				b[i].AddSet(s)
				source.public[i] = s.Overlaps(fwPublic(i == 1))
			}
		}
		r.sources = append(r.sources, source)
	}
	r.set = [2]*netipx.IPSet{fwMustSet(&b[0]), fwMustSet(&b[1])}
	r.pub = [2]*netipx.IPSet{fwPublicPart(r.set[0], false), fwPublicPart(r.set[1], true)}
	return r
}

// fam indexes fwRule.set and fwSource.set.
func fam(ipv6 bool) int {
	if ipv6 {
		return 1
	}
	return 0
}

// covers reports whether the rule applies to flow at port p.
func (r *fwRule) covers(f fwFlow, p int) bool {
	return slices.Contains(r.protos, f.proto) && r.ports.has(p) && !fwEmpty(r.set[fam(f.ipv6)])
}

// fwIsDeny reports whether a rule denies. Security groups have no action
// field at the provider, so an empty action is an allow.
func fwIsDeny(rule inventory.Rule) bool {
	return strings.EqualFold(rule.Action, inventory.Deny)
}

// fwCompiled is fwCompile(rules), rules being fwRules(r), compiled once
// per resource when env has a Memo: compiled rules are not changed once
// built, so the firewall controls can share them.
func (env Env) fwCompiled(r inventory.Resource, rules []inventory.Rule) []*fwRule {
	m := env.Memo
	if m == nil {
		return fwCompile(rules, nil)
	}
	if m.fwOf == nil || m.fwOf != r.Firewall {
		if m.fwSets == nil {
			m.fwSets = fwSetCache{}
		}
		m.fwOf, m.fw = r.Firewall, fwCompile(rules, m.fwSets)
	}
	return m.fw
}

// fwCompile keeps the enabled ingress rules with at least one port
// protocol and one port, in the order the providers evaluate them:
// ascending priority, a deny before an allow of equal priority (NACL rule
// numbers and NSG priorities are unique; GCP lets a deny win a tie).
// Security group rules all have priority 0 and no denies.
//
// sets, which may be nil, keeps the address sets of the sources met, for
// the next rules and resources: most rules name the same few sources.
func fwCompile(rules []inventory.Rule, sets fwSetCache) []*fwRule {
	var out []*fwRule
	for _, rule := range rules {
		if !strings.EqualFold(rule.Direction, inventory.Ingress) || rule.Disabled {
			continue
		}
		protos := fwProtocols(rule.Protocol)
		ports := fwPortsOf(rule.Ports)
		if len(protos) == 0 || len(ports) == 0 {
			continue
		}
		r := &fwRule{rule: rule, deny: fwIsDeny(rule), ports: ports, protos: protos, allPorts: ports.covers(1, fwMaxPort)}
		r.fwSources = sets.of(rule.Sources)
		out = append(out, r)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].rule.Priority != out[j].rule.Priority {
			return out[i].rule.Priority < out[j].rule.Priority
		}
		return out[i].deny && !out[j].deny
	})
	return out
}

// fwContrib is an allow rule's share in opening a port: the rule and the
// sources through which public addresses still get in.
type fwContrib struct {
	rule    *fwRule
	sources []string
}

// fwCover is a set of allow rules whose sources together let in every
// public address of a family on a port.
type fwCover []fwContrib

// key identifies the cover by its rules.
func (c fwCover) key() string {
	ids := make([]string, len(c))
	for i, x := range c {
		ids[i] = fmt.Sprintf("%p", x.rule)
	}
	return strings.Join(ids, "|")
}

// fwOpenSpan is a run of ports that one flow reaches from the whole
// internet, with the covers that open it.
type fwOpenSpan struct {
	span   fwSpan
	covers []fwCover
}

// fwOpen evaluates rules for one flow, port by port, in the order the
// providers do (fwCompile's), and returns the ports that every public
// address of the flow's family reaches. Only the allow rules that counts
// accepts let traffic in; every deny applies.
//
// Denies are unions too: the denies before an allow rule shadow it when
// together they cover every public address of the family. A deny of part
// of the internet (a blocklist, one abusive range) does not make a port
// private, since the rest of the internet still reaches it, so it narrows
// nothing; this is also how Prowler and the CIS checks read network ACLs.
// When one allow rule alone lets in the whole public internet, each such
// rule is a cover of its own (removing one would leave the others open,
// so all are named); otherwise the port is open only through the union,
// and every allow rule that lets public addresses in is named together.
func fwOpen(rules []*fwRule, f fwFlow, counts func(*fwRule) bool, keep func(fwFlow, fwSpan) bool) []fwOpenSpan {
	fi := fam(f.ipv6)
	public := fwPublic(f.ipv6)
	var bounds []int
	allows := false
	for _, r := range rules {
		if !slices.Contains(r.protos, f.proto) || fwEmpty(r.set[fi]) || (!r.deny && !counts(r)) {
			continue
		}
		allows = allows || (!r.deny && !fwEmpty(r.pub[fi]))
		for _, s := range r.ports {
			bounds = append(bounds, s.lo, s.hi+1)
		}
	}
	if !allows {
		return nil // denies alone open nothing
	}
	slices.Sort(bounds)
	bounds = slices.Compact(bounds)
	var out []fwOpenSpan
	for i := 0; i+1 < len(bounds); i++ {
		lo, hi := bounds[i], bounds[i+1]-1
		if lo > fwMaxPort {
			break
		}
		if !keep(f, fwSpan{lo, min(hi, fwMaxPort)}) {
			continue
		}
		covers := fwPortCovers(rules, f, lo, public, counts)
		if len(covers) == 0 {
			continue
		}
		sp := fwOpenSpan{span: fwSpan{lo, min(hi, fwMaxPort)}, covers: covers}
		if n := len(out); n > 0 && out[n-1].span.hi+1 == lo && fwSameCovers(out[n-1].covers, covers) {
			out[n-1].span.hi = sp.span.hi
			continue
		}
		out = append(out, sp)
	}
	return out
}

// fwPortCovers returns the covers that open port p of flow f to every
// address of public, or none when the port is not open to the internet.
func fwPortCovers(rules []*fwRule, f fwFlow, p int, public *netipx.IPSet, counts func(*fwRule) bool) []fwCover {
	fi := fam(f.ipv6)
	var denied, allowed netipx.IPSetBuilder
	deniedNew := false
	var contribs []fwContrib
	var whole []fwCover
	for _, r := range rules {
		if !r.covers(f, p) {
			continue
		}
		if r.deny {
			denied.AddSet(r.pub[fi])
			deniedNew = true
			continue
		}
		if !counts(r) || fwEmpty(r.pub[fi]) {
			continue
		}
		// Whether the denies so far shut out the whole internet is asked
		// only when an allow follows them, so a run of denies costs one
		// set build rather than one each.
		if deniedNew {
			if fwMustSet(&denied).Equal(public) {
				break // this and every later rule is shadowed
			}
			deniedNew = false
		}
		share := r.pub[fi]
		c := fwContrib{rule: r}
		for _, s := range r.sources {
			if s.public[fi] {
				c.sources = append(c.sources, s.value)
			}
		}
		contribs = append(contribs, c)
		allowed.AddSet(share)
		if share.Equal(public) {
			whole = append(whole, fwCover{c})
		}
	}
	if len(whole) > 0 {
		return whole
	}
	if len(contribs) == 0 || !fwMustSet(&allowed).Equal(public) {
		return nil
	}
	return []fwCover{contribs}
}

// fwPublicPart is the public part of set, an address set of one family
// (removing the few non-public ranges costs far less than intersecting
// with the many public ones).
func fwPublicPart(set *netipx.IPSet, ipv6 bool) *netipx.IPSet {
	if fwEmpty(set) {
		return nil
	}
	var b netipx.IPSetBuilder
	b.AddSet(set)
	b.RemoveSet(fwNotPublic[fam(ipv6)])
	return fwMustSet(&b)
}

// fwSameCovers reports whether two ports are opened by the same rules
// through the same sources.
func fwSameCovers(a, b []fwCover) bool {
	return slices.EqualFunc(a, b, func(x, y fwCover) bool {
		return slices.EqualFunc(x, y, func(p, q fwContrib) bool {
			return p.rule == q.rule && slices.Equal(p.sources, q.sources)
		})
	})
}

// fwExposure is one cover's exposure as a finding reports it: the rules
// that open ports together, what they open per protocol, and the families
// they open it to.
type fwExposure struct {
	rules []*fwRule
	// sources are each rule's sources that let public addresses in, by
	// rule index in rules.
	sources [][]string
	ports   map[string]fwPorts // by protocol
	ipv4    bool
	ipv6    bool
}

// fwExposures groups what the internet reaches, as selected by want, by
// the covers that open it, ordered by the first rule of each.
func fwExposures(rules []*fwRule, counts func(*fwRule) bool, want func(f fwFlow, s fwSpan) fwPorts) []*fwExposure {
	byKey := map[string]*fwExposure{}
	var out []*fwExposure
	keep := func(f fwFlow, s fwSpan) bool { return len(want(f, s)) > 0 }
	for _, f := range fwFlows {
		for _, sp := range fwOpen(rules, f, counts, keep) {
			ports := want(f, sp.span)
			if len(ports) == 0 {
				continue
			}
			for _, c := range sp.covers {
				e, ok := byKey[c.key()]
				if !ok {
					e = &fwExposure{ports: map[string]fwPorts{}}
					for _, x := range c {
						e.rules = append(e.rules, x.rule)
						e.sources = append(e.sources, nil)
					}
					byKey[c.key()] = e
					out = append(out, e)
				}
				for i, x := range c {
					for _, s := range x.sources {
						if !slices.Contains(e.sources[i], s) {
							e.sources[i] = append(e.sources[i], s)
						}
					}
				}
				e.ports[f.proto] = e.ports[f.proto].union(ports)
				e.ipv4, e.ipv6 = e.ipv4 || !f.ipv6, e.ipv6 || f.ipv6
			}
		}
	}
	order := func(e *fwExposure) int { return slices.Index(rules, e.rules[0]) }
	sort.SliceStable(out, func(i, j int) bool { return order(out[i]) < order(out[j]) })
	return out
}

// fwEverything selects every open port.
func fwEverything(_ fwFlow, s fwSpan) fwPorts { return fwPorts{s} }

// fwCountAll lets every allow rule count.
func fwCountAll(*fwRule) bool { return true }

// fwProtoPorts renders ports per protocol: "tcp 22, 3389 and udp 3389".
func fwProtoPorts(ports map[string]fwPorts) string {
	var parts []string
	for _, p := range []string{"tcp", "udp"} {
		if len(ports[p]) > 0 {
			parts = append(parts, p+" "+ports[p].String())
		}
	}
	return strings.Join(parts, " and ")
}

// sentence says what the exposure opens: "ingress rule X allows WHAT from
// SOURCES" for one rule, and for a union "ingress rules X (SOURCES) and Y
// (SOURCES) together allow WHAT from every public IPv4 address".
func (e *fwExposure) sentence(what string) string {
	if len(e.rules) == 1 {
		return fmt.Sprintf("%s allows %s from %s", fwRuleName(e.rules[0].rule), what, strings.Join(e.sources[0], ", "))
	}
	names := make([]string, len(e.rules))
	for i, r := range e.rules {
		names[i] = fmt.Sprintf("%s (%s)", r.rule.ID, strings.Join(e.sources[i], ", "))
	}
	families := "IPv4"
	switch {
	case e.ipv4 && e.ipv6:
		families = "IPv4 and IPv6"
	case e.ipv6:
		families = "IPv6"
	}
	return fmt.Sprintf("ingress rules %s together allow %s from every public %s address",
		strings.Join(names[:len(names)-1], ", ")+" and "+names[len(names)-1], what, families)
}

// evidence lists the exposure's rules as a finding's evidence; rules that
// open the ports only together name each other in together.
func (e *fwExposure) evidence(ports string) []fwRuleEvidence {
	var together []string
	if len(e.rules) > 1 {
		for _, r := range e.rules {
			together = append(together, r.rule.ID)
		}
	}
	out := make([]fwRuleEvidence, len(e.rules))
	for i, r := range e.rules {
		out[i] = fwRuleEvidence{Rule: r.rule.ID, Priority: r.rule.Priority, Protocol: r.rule.Protocol, Ports: ports,
			Sources: e.sources[i], Together: together}
	}
	return out
}

// fwRuleEvidence is one offending rule as it appears in a finding's
// evidence.
type fwRuleEvidence struct {
	Rule     string   `json:"rule"`
	Priority int      `json:"priority,omitempty"`
	Protocol string   `json:"protocol"`
	Ports    string   `json:"ports"`
	Sources  []string `json:"sources"`
	// Together names every rule of a union that opens the ports only
	// with all of its rules (this one included); empty when the rule
	// alone opens them.
	Together []string `json:"together,omitempty"`
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

// fwPortGroup is a set of ports a control watches, e.g. the admin ports.
type fwPortGroup struct {
	// name is how messages call the group ("admin ports").
	name string
	// ports are the watched ports by protocol ("tcp", "udp").
	ports map[string][]int
	// none is the message of a pass, worked out once.
	none string
}

// newFwPortGroup returns the group of ports named name.
func newFwPortGroup(name string, ports map[string][]int) fwPortGroup {
	g := fwPortGroup{name: name, ports: ports}
	g.none = fmt.Sprintf("the internet reaches none of the %s", g)
	return g
}

// String renders the group as "admin ports (tcp 22, 3389; udp 3389)".
func (g fwPortGroup) String() string {
	var parts []string
	for _, proto := range []string{"tcp", "udp"} {
		if len(g.ports[proto]) == 0 {
			continue
		}
		ps := make([]string, len(g.ports[proto]))
		for i, p := range g.ports[proto] {
			ps[i] = strconv.Itoa(p)
		}
		parts = append(parts, proto+" "+strings.Join(ps, ", "))
	}
	return fmt.Sprintf("%s (%s)", g.name, strings.Join(parts, "; "))
}

// reached returns the group's ports of proto inside span s.
func (g fwPortGroup) reached(proto string, s fwSpan) fwPorts {
	var spans []fwSpan
	for _, p := range g.ports[proto] {
		if s.lo <= p && p <= s.hi {
			spans = append(spans, fwSpan{p, p})
		}
	}
	return fwNormalize(spans)
}

// fwPortGroupCheck fails when the internet reaches a port of the group,
// naming the rules whose union opens it. A rule that opens every port
// counts like any other: an open port never passes. Such a rule is also
// firewall.all_ports_open_to_internet's finding, which the evidence says,
// so a report can group the findings of one rule.
func fwPortGroupCheck(env Env, r inventory.Resource, g fwPortGroup) Result {
	rules, missing := fwRules(r)
	if missing != nil {
		return *missing
	}
	var offending []fwRuleEvidence
	var msgs, allPorts []string
	for _, e := range fwExposures(env.fwCompiled(r, rules), fwCountAll, func(f fwFlow, s fwSpan) fwPorts { return g.reached(f.proto, s) }) {
		what := fwProtoPorts(e.ports)
		offending = append(offending, e.evidence(what)...)
		msgs = append(msgs, e.sentence(what))
		for _, rule := range e.rules {
			if rule.allPorts && !slices.Contains(allPorts, rule.rule.ID) {
				allPorts = append(allPorts, rule.rule.ID)
			}
		}
	}
	if len(offending) == 0 {
		return Result{Status: Pass, Evidence: map[string]any{"openRules": []fwRuleEvidence{}},
			Message: g.none}
	}
	evidence := map[string]any{"openRules": offending}
	if len(allPorts) > 0 {
		evidence["allPortsRules"] = allPorts
		evidence["alsoReportedBy"] = AllPortsOpenToInternetID
	}
	return Result{Status: Fail, Message: strings.Join(msgs, "; "), Evidence: evidence}
}
