package controls

import "github.com/ownaudit/ownaudit/inventory"

// fwDatabasePorts are the default ports of common databases and caches: SQL
// Server, Oracle, MySQL, PostgreSQL, Redis, Cassandra, Elasticsearch,
// Memcached and MongoDB.
var fwDatabasePorts = newFwPortGroup("database ports", map[string][]int{"tcp": {1433, 1521, 3306, 5432, 6379, 9042, 9200, 11211, 27017}})

// DatabasePortsOpenToInternet fails when the internet reaches a common
// database port, whether through a rule for that port or one that opens
// every port.
var DatabasePortsOpenToInternet = register(&Control{
	ID:       "firewall.database_ports_open_to_internet",
	Title:    "Firewall allows database ports from the internet",
	Domain:   inventory.Firewall,
	Severity: High,
	ResourceTypes: []string{
		inventory.AWSSecurityGroup, inventory.AzureNSG, inventory.GCPFirewall,
	},
	Rationale: "Databases and caches reachable from the whole internet are found by mass scanners and attacked for weak or " +
		"missing authentication; several (Redis, Memcached, Elasticsearch) ship with none by default.",
	Remediation: "Let only the application tier reach the database: reference its security group, subnet or service account instead of an internet range. " +
		"AWS: replace the 0.0.0.0/0 and ::/0 inbound entries for the database port with a rule whose source is the application's security group. " +
		"Azure: narrow the NSG inbound rule's source from Internet/Any/* to the application subnet or an application security group, or use a private endpoint. " +
		"GCP: set the firewall rule's sources to the application's service account or network tag, or use private IP for managed databases.",
	Notes: "Fails when the internet reaches TCP 1433, 1521, 3306, 5432, 6379, 9042, 9200, 11211 or 27017. A rule that opens every " +
		"port exposes them and fails this control too, naming that rule, besides firewall.all_ports_open_to_internet: an open port " +
		"never passes. " + fwExposureNotes,
	Check: func(env Env, r inventory.Resource) Result {
		return fwPortGroupCheck(env, r, fwDatabasePorts)
	},
})
