package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// DefaultNetworkAllowsTraffic fails when an AWS VPC's default security
// group has any rule, or when a GCP project still has its default network.
var DefaultNetworkAllowsTraffic = register(&Control{
	ID:            "firewall.default_network_allows_traffic",
	Title:         "Default security group or default network allows traffic",
	Domain:        inventory.Firewall,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSSecurityGroup, inventory.GCPNetwork},
	Rationale: "Resources land in the default security group or default network whenever nobody chooses one, and both come " +
		"with permissive rules: the AWS default group lets every member talk to every other and out anywhere, and the GCP " +
		"default network allows SSH, RDP and ICMP from the internet. Traffic should only flow through groups and networks someone designed.",
	Remediation: "AWS: move instances and interfaces to purpose-built security groups, then remove every inbound and outbound rule from each VPC's default security group (it cannot be deleted). " +
		"GCP: create a custom-mode VPC network with its own firewall rules, move the workloads to it and delete the network named default; " +
		"set the constraint compute.skipDefaultNetworkCreation on the organization so new projects do not get one.",
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "6.5"},
		{Benchmark: "cis_5.0_gcp", ID: "3.1"},
	},
	Check: checkDefaultNetwork,
})

// fwIsDefault reads a default flag. AWS reserves the security group name
// "default" and GCP calls its auto-created network "default", so the name
// decides when the flag itself was not read.
func fwIsDefault(flag inventory.Bool, name string) (isDefault, known bool) {
	if v, ok := flag.Get(); ok {
		return v, true
	}
	if name == "default" {
		return true, true
	}
	return false, false
}

// checkDefaultNetwork evaluates a security group or a GCP network; any
// other security group or network is not the control's business.
func checkDefaultNetwork(_ Env, r inventory.Resource) Result {
	switch r.Type {
	case inventory.GCPNetwork:
		if r.Network == nil {
			return unknown("network")
		}
		isDefault, ok := fwIsDefault(r.Network.Default, r.Name)
		switch {
		case !ok:
			return unknown("network default flag")
		case !isDefault:
			return Result{Status: NotApplicable}
		}
		return Result{Status: Fail, Message: "the project still has its default network",
			Evidence: map[string]any{"default": true, "network": r.Name}}
	default:
		if r.Firewall == nil {
			return unknown("security group")
		}
		isDefault, ok := fwIsDefault(r.Firewall.Default, r.Name)
		switch {
		case !ok:
			return unknown("security group default flag")
		case !isDefault:
			return Result{Status: NotApplicable}
		}
		rules, missing := fwRules(r)
		if missing != nil {
			return *missing
		}
		if len(rules) == 0 {
			return Result{Status: Pass, Message: "the default security group has no rules",
				Evidence: map[string]any{"default": true, "rules": []string{}}}
		}
		ids := make([]string, len(rules))
		for i, rule := range rules {
			ids[i] = rule.Direction + " rule " + rule.ID
		}
		noun := "rules"
		if len(rules) == 1 {
			noun = "rule"
		}
		return Result{Status: Fail,
			Message:  fmt.Sprintf("the default security group has %d %s: %s", len(rules), noun, strings.Join(ids, ", ")),
			Evidence: map[string]any{"default": true, "rules": fwRuleIDs(rules)}}
	}
}

// fwRuleIDs lists the ids of rules.
func fwRuleIDs(rules []inventory.Rule) []string {
	out := make([]string, len(rules))
	for i, rule := range rules {
		out[i] = rule.ID
	}
	return out
}
