package cloudsim

import (
	"os"
	"path/filepath"
)

// AzureLimits are token buckets like Azure's published limits, times
// pace, for a world GenerateAzure built:
//   - Resource Manager reads: a bucket of 250 refilled at 25 a second per
//     subscription and principal, shared by every read ("Understand how
//     Azure Resource Manager throttles requests", learn.microsoft.com,
//     azure-resource-manager/management/request-limits-and-throttling:
//     the token bucket subscriptions moved to in 2024). Tenant-level reads
//     (management group descendants) have the same bucket, under no
//     subscription.
//   - Key Vault: 4,000 transactions per 10 seconds per vault and region
//     for an RSA 2,048-bit software key or any secret or vault
//     transaction ("Azure Key Vault service limits",
//     learn.microsoft.com, key-vault/general/service-limits); the
//     simulator keeps one bucket per subscription, holding 4,000 and
//     refilled at 400 a second.
//   - Resource Graph's 15 queries per 5 seconds per caller is built into
//     the simulator, whatever the world says (see azure_graph.go).
//
// The patterns do not overlap, so every action has one bucket.
func AzureLimits(pace float64) map[string]TokenBucket {
	b := func(capacity, perSecond float64, shared string) TokenBucket {
		return TokenBucket{Capacity: max(1, capacity*pace), RefillPerSecond: perSecond * pace, Shared: shared}
	}
	arm := b(250, 25, "arm-reads")
	limits := map[string]TokenBucket{
		"Microsoft.KeyVault/vaults/keyrotationpolicies/read": b(4000, 400, "key-vault"),
		"Microsoft.KeyVault/vaults/keys/read":                arm, // the key list, through Resource Manager
	}
	for _, provider := range []string{"Resources", "Management", "Network", "Compute", "Storage", "Sql", "Authorization", "ContainerService"} {
		limits["Microsoft."+provider+"/*"] = arm
	}
	return limits
}

// AzureBenchDeclaration is the declaration a generated tenant is scanned
// with: its management group, and the parties of BenchDeclaration.
var AzureBenchDeclaration = benchDeclaration("azure", "{managementGroup: "+BenchAzureGroup+"}")

// AzureBenchEnv is the environment that points the binary's Azure SDK at
// the simulator srv and signs in through its managed identity endpoint;
// dir receives the certificate to trust.
func AzureBenchEnv(srv *Server, dir string) ([]string, error) {
	ca := filepath.Join(dir, "simulator.pem")
	if err := os.WriteFile(ca, srv.CACert, 0o644); err != nil {
		return nil, err
	}
	return []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + dir,
		"OWNAUDIT_AZURE_ENDPOINT=" + srv.AzureURL,
		"OWNAUDIT_AZURE_CA_FILE=" + ca,
		"IDENTITY_ENDPOINT=" + srv.ManagedIdentityURL,
		"IDENTITY_HEADER=" + BenchAzureIdentityHeader,
	}, nil
}

// MinimumAzureRequests is how many requests a scan of a tenant
// GenerateAzure built needs, at the page sizes the scanners use (Resource
// Graph 1,000 rows, Resource Manager lists the world's page size):
// the management group's descendants; per subscription one read and
// its role assignments and custom roles; per batch of up to 1,000
// subscriptions the four Resource Graph queries, paged; each SQL
// server's encryption protector and each user database's transparent
// data encryption; each vault's key list, the one challenge its data
// plane answers a client's first request with, and each key's rotation
// policy; and a token for each audience (Resource Manager, Key Vault)
// from the managed identity endpoint.
func MinimumAzureRequests(w *World) int {
	az := w.Azure
	size := az.PageSize
	if size <= 0 {
		size = 100
	}
	pages := func(n, size int) int { return max(1, (n+size-1)/size) }
	n := 1 // the Resource Manager token
	descendants := 0
	for _, g := range az.ManagementGroups {
		descendants += len(g.Subscriptions)
	}
	n += pages(descendants+len(az.ManagementGroups)-1, size)
	const batch, rows = 1000, 1000
	vaultToken := 0
	for lo := 0; lo < len(az.Subscriptions); lo += batch {
		var nsgs, vms, assessed, encryption int
		for _, s := range az.Subscriptions[lo:min(lo+batch, len(az.Subscriptions))] {
			nsgs += len(s.NSGs)
			vms += len(s.VMs) + len(s.AKSClusters)
			for _, vm := range s.VMs {
				assessed += boolInt(vm.Assessment != nil)
			}
			encryption += len(s.Disks) + len(s.StorageAccounts) + len(s.Vaults)
			for _, srv := range s.SQLServers {
				encryption += 2 + len(srv.Databases) // the server, master, its databases
			}
		}
		n += pages(nsgs, rows) + pages(vms, rows) + pages(assessed, rows) + pages(encryption, rows)
	}
	for _, s := range az.Subscriptions {
		n += 1 + pages(len(s.RoleAssignments), size) + pages(len(s.RoleDefinitions), size)
		for _, srv := range s.SQLServers {
			n += 1 + len(srv.Databases)
		}
		for _, v := range s.Vaults {
			n += pages(len(v.Keys), size)
			if len(v.Keys) > 0 {
				n += 1 + len(v.Keys)
				vaultToken = 1
			}
		}
	}
	return n + vaultToken
}
