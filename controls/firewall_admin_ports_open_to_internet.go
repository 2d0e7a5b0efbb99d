package controls

import "github.com/ownaudit/ownaudit/inventory"

// fwAdminPorts are the remote administration ports: SSH (TCP 22) and RDP
// (TCP and UDP 3389). CIS AWS 6.2-6.4 name them with "TCP, UDP or ALL"
// protocols, and RDP 8.0 and later carries its session over UDP 3389 as
// well as TCP (MS-RDPEUDP), so UDP 3389 reaches the RDP service. SSH runs
// over TCP only (RFC 4253): nothing listens for SSH on UDP 22, so UDP 22 is
// not an admin port.
var fwAdminPorts = newFwPortGroup("admin ports", map[string][]int{"tcp": {22, 3389}, "udp": {3389}})

// AdminPortsOpenToInternet fails when the internet reaches TCP 22, TCP
// 3389 or UDP 3389, whether through a rule for those ports or one that
// opens every port.
var AdminPortsOpenToInternet = register(&Control{
	ID:       "firewall.admin_ports_open_to_internet",
	Title:    "Firewall allows SSH or RDP from the internet",
	Domain:   inventory.Firewall,
	Severity: High,
	ResourceTypes: []string{
		inventory.AWSSecurityGroup, inventory.AWSNetworkACL,
		inventory.AzureNSG, inventory.GCPFirewall,
	},
	Rationale: "SSH and RDP open to the whole internet are scanned and brute-forced within minutes of exposure, " +
		"and a vulnerability in either service hands over the machine.",
	Remediation: "Remove internet sources from rules reaching TCP 22 or TCP/UDP 3389 (including rules that open every port) and reach machines through a bastion or the provider's brokered access instead. " +
		"AWS: delete the 0.0.0.0/0 and ::/0 inbound entries for 22/3389 from the security group or network ACL and use Systems Manager Session Manager or EC2 Instance Connect Endpoint. " +
		"Azure: delete or narrow the NSG inbound rule with source Internet/Any/* for 22/3389 and use Azure Bastion or just-in-time VM access. " +
		"GCP: restrict the firewall rule's source ranges to 35.235.240.0/20 and use Identity-Aware Proxy TCP forwarding.",
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "6.2"},
		{Benchmark: "cis_7.0_aws", ID: "6.3"},
		{Benchmark: "cis_7.0_aws", ID: "6.4"},
		{Benchmark: "cis_5.0_azure", ID: "7.1"},
		{Benchmark: "cis_5.0_azure", ID: "7.2"},
		{Benchmark: "cis_5.0_gcp", ID: "3.6"},
		{Benchmark: "cis_5.0_gcp", ID: "3.7"},
	},
	Notes: "Fails when the internet reaches TCP 22, TCP 3389 or UDP 3389. CIS AWS 6.2-6.4 ask that no network ACL or security group " +
		"allow ingress from 0.0.0.0/0 or ::/0 to remote server administration ports with protocol TCP, UDP or ALL: RDP (8.0 and later) " +
		"carries its sessions over UDP 3389 as well as TCP 3389, so UDP 3389 fails. UDP 22 does not: SSH runs over TCP only, and nothing " +
		"listens for SSH on UDP 22. A rule that opens every port (protocol -1/all/*, 0-65535, or TCP/UDP without ports) exposes these " +
		"ports and fails this control too, naming that rule, besides firewall.all_ports_open_to_internet: an open port never passes. " +
		"The evidence lists such rules under allPortsRules with alsoReportedBy, so a report can group the findings of one rule. " +
		fwExposureNotes,
	Check: func(env Env, r inventory.Resource) Result {
		return fwPortGroupCheck(env, r, fwAdminPorts)
	},
})
