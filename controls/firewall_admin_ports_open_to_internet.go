package controls

import "github.com/ownaudit/ownaudit/inventory"

// fwAdminPorts are the remote administration ports: SSH and RDP, whose
// UDP transport listens on 3389 too. UDP 22 is not SSH.
var fwAdminPorts = fwPortGroup{name: "admin ports", ports: []int{22, 3389}, udp: []int{3389}}

// AdminPortsOpenToInternet fails when an ingress allow rule from the whole
// internet reaches TCP 22, TCP 3389 or UDP 3389. Rules that open every
// port are left to AllPortsOpenToInternet.
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
	Remediation: "Remove internet sources from rules reaching TCP 22, TCP 3389 or UDP 3389 and reach machines through a bastion or the provider's brokered access instead. " +
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
	Check: func(_ Env, r inventory.Resource) Result {
		return fwPortGroupCheck(r, fwAdminPorts)
	},
})
