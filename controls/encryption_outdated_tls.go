package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// OutdatedTLS fails when an endpoint still accepts TLS 1.0 or 1.1.
var OutdatedTLS = register(&Control{
	ID:            "encryption.outdated_tls",
	Title:         "Minimum TLS version is below 1.2",
	Domain:        inventory.Encryption,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSListener, inventory.AzureStorageAccount, inventory.AzureSQLServer, inventory.GCPSSLPolicy},
	Rationale: "TLS 1.0 and 1.1 are deprecated (RFC 8996): they depend on SHA-1 and older cipher constructions, and a server that still offers " +
		"them lets a client, or an attacker in the middle, settle on the weakest version both sides accept.",
	Remediation: "Check first that no client still needs TLS 1.0/1.1 (the load balancer and storage logs show the negotiated version). " +
		"AWS: move the listener to a security policy with TLS 1.2 as the minimum: aws elbv2 modify-listener --listener-arn ARN " +
		"--ssl-policy ELBSecurityPolicy-TLS13-1-2-2021-06. " +
		"Azure: az storage account update --name ACCOUNT --min-tls-version TLS1_2; for SQL, az sql server update --name SERVER --resource-group RG --minimal-tls-version 1.2. " +
		"GCP: gcloud compute ssl-policies update POLICY --min-tls-version 1.2 (with the MODERN or RESTRICTED profile), " +
		"and attach the policy to every HTTPS and SSL proxy that uses the default.",
	References: []Reference{{Benchmark: "cis_5.0_azure", ID: "9.3.6"}},
	Check:      checkOutdatedTLS,
})

// tlsOrder ranks the normalized TLS versions.
var tlsOrder = map[string]int{"1.0": 0, "1.1": 1, "1.2": 2, "1.3": 3}

// tlsMinimum is the oldest version that passes.
const tlsMinimum = "1.2"

// tlsPlainProtocols are ELBv2 listener protocols without TLS: there is
// no version to judge (plaintext listeners are another question).
var tlsPlainProtocols = []string{"HTTP", "TCP", "UDP", "TCP_UDP", "GENEVE"}

func checkOutdatedTLS(_ Env, r inventory.Resource) Result {
	var (
		version inventory.String
		subject string
		policy  string
	)
	switch r.Type {
	case inventory.AWSListener, inventory.GCPSSLPolicy:
		if r.TLS == nil {
			return unknown("TLS settings")
		}
		version, policy = r.TLS.MinTLSVersion, r.TLS.Policy
		subject = "the SSL policy"
		if policy != "" {
			subject += " " + policy
		}
		if r.Type == inventory.AWSListener {
			for _, p := range tlsPlainProtocols {
				if strings.EqualFold(r.TLS.Protocol, p) {
					return Result{Status: NotApplicable, Message: fmt.Sprintf("the listener speaks %s, without TLS", r.TLS.Protocol)}
				}
			}
			subject = "the listener"
			if policy != "" {
				subject = fmt.Sprintf("the listener's security policy %s", policy)
			}
		}
	case inventory.AzureStorageAccount:
		if r.Storage == nil {
			return unknown("storage")
		}
		version = r.Storage.MinTLSVersion
		subject = "the storage account"
	case inventory.AzureSQLServer:
		if r.Database == nil {
			return unknown("database")
		}
		version = r.Database.MinTLSVersion
		subject = "the SQL server"
	default:
		return Result{Status: NotApplicable, Message: fmt.Sprintf("%s is not a type this control checks", r.Type)}
	}
	v, ok := version.Get()
	if !ok {
		return unknown("minimum TLS version")
	}
	evidence := map[string]any{"minTlsVersion": v}
	if policy != "" {
		evidence["policy"] = policy
	}
	if r.TLS != nil && r.TLS.Protocol != "" {
		evidence["protocol"] = r.TLS.Protocol
	}
	rank, known := tlsOrder[v]
	switch {
	case !known:
		return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf("minimum TLS version %q is not one of 1.0, 1.1, 1.2, 1.3", v)}
	case rank < tlsOrder[tlsMinimum]:
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("%s accepts TLS %s, below %s", subject, v, tlsMinimum)}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("%s requires TLS %s or later", subject, v)}
}
