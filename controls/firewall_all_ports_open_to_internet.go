package controls

import (
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// AllPortsOpenToInternetID is the id of AllPortsOpenToInternet; the
// admin-port and database-port controls name it in the evidence when an
// all-ports rule exposes their ports, so reports can group the findings of
// one rule.
const AllPortsOpenToInternetID = "firewall.all_ports_open_to_internet"

// AllPortsOpenToInternet fails when ingress allow rules that open every
// port or every protocol let the whole internet in, alone or together.
var AllPortsOpenToInternet = register(&Control{
	ID:       AllPortsOpenToInternetID,
	Title:    "Firewall allows all ports from the internet",
	Domain:   inventory.Firewall,
	Severity: Critical,
	ResourceTypes: []string{
		inventory.AWSSecurityGroup, inventory.AWSNetworkACL,
		inventory.AzureNSG, inventory.GCPFirewall,
	},
	Rationale: "A rule that lets the whole internet reach every port exposes every service on the attached machines, " +
		"including the ones nobody meant to publish (admin consoles, databases, debug ports), and is usually " +
		"a temporary troubleshooting rule that stayed.",
	Remediation: "Replace the rule with rules for the specific ports the workload serves, from the narrowest sources that need them. " +
		"AWS: edit the security group's inbound rules (or the network ACL's inbound entries) and remove the 0.0.0.0/0 and ::/0 " +
		"entries with protocol All or port range 0-65535. " +
		"Azure: in the NSG's inbound security rules, delete or narrow the rule with source Internet/Any/* and destination port *. " +
		"GCP: edit the VPC firewall rule so it allows named ports only, or restrict its source ranges away from 0.0.0.0/0.",
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "6.2"},
		{Benchmark: "cis_7.0_aws", ID: "6.3"},
		{Benchmark: "cis_7.0_aws", ID: "6.4"},
		{Benchmark: "cis_5.0_azure", ID: "7.1"},
		{Benchmark: "cis_5.0_azure", ID: "7.2"},
		{Benchmark: "cis_5.0_azure", ID: "7.3"},
		{Benchmark: "cis_5.0_azure", ID: "7.4"},
		{Benchmark: "cis_5.0_gcp", ID: "3.6"},
		{Benchmark: "cis_5.0_gcp", ID: "3.7"},
	},
	Notes: "Fails when rules that each open every port of their protocols (protocol -1/all/*, 0-65535, or TCP/UDP without ports) " +
		"let the whole internet in, alone or together, on any port the deny rules before them leave open; the message says which ports " +
		"stay open. The ports such a rule exposes also fail firewall.admin_ports_open_to_internet and " +
		"firewall.database_ports_open_to_internet. " + fwExposureNotes,
	Check: checkAllPortsOpen,
})

// checkAllPortsOpen reports the all-ports allow rules (a rule that as
// written opens every port of its protocols) through which the internet
// still reaches ports after earlier deny rules, alone or as a union: two
// all-ports rules from 0.0.0.0/1 and 128.0.0.0/1 are the same exposure as
// one from 0.0.0.0/0. A rule partly shadowed by a deny is still reported,
// with the ports it actually leaves open: a network ACL that denies 22 at
// rule 90 and allows everything at rule 100 still lets the internet reach
// 65,534 other TCP ports and all UDP ones, which is the exposure this
// control is about (Prowler's ec2_networkacl_allow_ingress_any_port fails
// it too, since only a deny on every protocol stops its check). Port 22
// itself is then closed, so the admin-ports control passes it.
func checkAllPortsOpen(env Env, r inventory.Resource) Result {
	rules, missing := fwRules(r)
	if missing != nil {
		return *missing
	}
	var offending []fwRuleEvidence
	var msgs []string
	allPorts := func(rule *fwRule) bool { return rule.allPorts }
	for _, e := range fwExposures(env.fwCompiled(r, rules), allPorts, fwEverything) {
		reach := e.describeOpen()
		offending = append(offending, e.evidence(reach)...)
		msgs = append(msgs, e.sentence(reach))
	}
	if len(offending) > 0 {
		return Result{Status: Fail, Message: strings.Join(msgs, "; "), Evidence: map[string]any{"openRules": offending}}
	}
	return Result{Status: Pass, Message: "no ingress rule allows all ports from the internet", Evidence: map[string]any{"openRules": []fwRuleEvidence{}}}
}

// describeOpen says what an all-ports exposure still opens, e.g. "all
// protocols and ports" or "tcp 0-21, 23-65535 and all udp ports".
func (e *fwExposure) describeOpen() string {
	tcp, udp := e.ports["tcp"], e.ports["udp"]
	full := func(s fwPorts) bool { return s.covers(1, fwMaxPort) }
	allProtocols := true
	for _, r := range e.rules {
		allProtocols = allProtocols && fwAllProtocols(r.rule.Protocol)
	}
	if allProtocols && full(tcp) && full(udp) {
		return "all protocols and ports"
	}
	var parts []string
	for _, p := range []struct {
		proto string
		ports fwPorts
	}{{"tcp", tcp}, {"udp", udp}} {
		switch {
		case len(p.ports) == 0:
		case full(p.ports):
			parts = append(parts, "all "+p.proto+" ports")
		default:
			parts = append(parts, p.proto+" "+p.ports.String())
		}
	}
	return strings.Join(parts, " and ")
}
