package cloudsim

import (
	"fmt"
	"math/rand"
)

// EstateSpec sizes a generated Azure or Google Cloud estate: the worlds
// `make bench` scans beside the AWS organization.
type EstateSpec struct {
	// Resources is about how many resources the estate holds.
	Resources int
	// PerTarget is about how many resources one subscription or project
	// holds (2,500 when 0); the number of targets follows.
	PerTarget int
	// Seed varies the settings the controls judge (which groups open
	// admin ports, which disks use a customer key, ...); the counts of
	// resources and the requests a scan needs depend only on Resources
	// and PerTarget.
	Seed int64
}

// targets splits spec.Resources over its targets: how many, and the share
// of target t.
func (spec EstateSpec) targets() (int, func(t int) int) {
	if spec.PerTarget <= 0 {
		spec.PerTarget = 2500
	}
	n := max(1, (spec.Resources+spec.PerTarget/2)/spec.PerTarget)
	return n, func(t int) int { return spec.Resources/n + boolInt(t < spec.Resources%n) }
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// The generated Azure tenant: a management group holding every
// subscription, and the token and managed identity a scan signs in with.
const (
	BenchAzureGroup  = "bench"
	BenchAzureTenant = "6a1e4c0f-0000-4000-8000-00000000b0b0"
	BenchAzureToken  = "bench-azure-token-not-a-credential"
	// BenchAzureIdentityHeader is the secret of the managed identity
	// endpoint (IDENTITY_HEADER).
	BenchAzureIdentityHeader = "bench-identity-header"
	benchAzurePrincipal      = "0b5e2f8a-0000-4000-8000-00000000be0c"
)

var benchAzureLocations = []string{"westeurope", "northeurope", "eastus"}

// GenerateAzure builds a tenant of about spec.Resources resources: one
// management group holding subscriptions of about spec.PerTarget
// resources each. A subscription is one resource, plus two custom role
// definitions; the rest is 25 % network security groups, 30 % VMs (nine
// in ten assessed by Update Manager), 30 % managed disks, 6 % storage
// accounts, 3 % SQL servers (two databases each) and 6 % Key Vault keys
// (25 a vault). Every subscription has five role assignments, one of them
// inherited from the management group.
func GenerateAzure(spec EstateSpec) *World {
	subs, share := spec.targets()
	rng := rand.New(rand.NewSource(spec.Seed))
	w := &World{}
	az := &w.Azure
	az.Tenant = BenchAzureTenant
	az.Tokens = map[string]string{BenchAzureToken: benchAzurePrincipal}
	az.ManagedIdentity = &ManagedIdentity{Header: BenchAzureIdentityHeader, Token: BenchAzureToken}
	group := &ManagementGroup{ID: BenchAzureGroup, Name: "Bench"}
	az.ManagementGroups = []*ManagementGroup{group}
	for s := range subs {
		sub := generateSubscription(s, share(s), rng)
		group.Subscriptions = append(group.Subscriptions, sub.ID)
		az.Subscriptions = append(az.Subscriptions, sub)
	}
	return w
}

// azureShares are the shares (in hundredths) of a subscription's
// resources besides the subscription and its role definitions.
type azureShares struct{ nsgs, vms, disks, storage, sql, keys int }

func azureSplit(n int) azureShares {
	var s azureShares
	s.nsgs, s.vms, s.disks, s.storage, s.sql = n*25/100, n*30/100, n*30/100, n*6/100, n*3/100
	s.keys = n - s.nsgs - s.vms - s.disks - s.storage - s.sql
	return s
}

const (
	azureRoleDefinitions = 2  // custom roles a generated subscription defines
	azureKeysPerVault    = 25 // keys in a generated vault
	azureDatabases       = 2  // user databases of a generated SQL server
)

func generateSubscription(s, n int, rng *rand.Rand) *Subscription {
	sub := &Subscription{ID: fmt.Sprintf("%08x-0000-4000-8000-00000000b0b0", s), Name: fmt.Sprintf("bench-%d", s)}
	rest := max(0, n-1-azureRoleDefinitions)
	sh := azureSplit(rest)
	res := func(kind string, i int) AzureResource {
		return AzureResource{Name: fmt.Sprintf("%s-%d", kind, i), ResourceGroup: fmt.Sprintf("rg-%d", i/100),
			Location: benchAzureLocations[i%len(benchAzureLocations)], Tags: Tags{"env": []string{"prod", "dev", "test"}[i%3]}}
	}
	for i := range sh.nsgs {
		nsg := &NSG{AzureResource: res("nsg", i), Rules: []NSGRule{{Name: "AllowHTTPS", Priority: 100, Protocol: "Tcp", Source: "Internet", Port: "443"}}}
		if rng.Intn(50) == 0 {
			nsg.Rules = append(nsg.Rules, NSGRule{Name: "AllowSSH", Priority: 110, Protocol: "Tcp", Source: "*", Port: "22"})
		}
		sub.NSGs = append(sub.NSGs, nsg)
	}
	for i := range sh.vms {
		vm := &AzureVM{AzureResource: res("vm", i), OSName: "Ubuntu 24.04", PatchMode: "AutomaticByPlatform", AssessmentMode: "AutomaticByPlatform"}
		if i%10 != 9 {
			vm.Assessment = &Assessment{LastModified: benchEpoch.AddDate(0, 0, -rng.Intn(10)), Critical: rng.Intn(2), Security: rng.Intn(4), Other: rng.Intn(5)}
		}
		sub.VMs = append(sub.VMs, vm)
	}
	for i := range sh.disks {
		d := &Disk{AzureResource: res("disk", i), SizeGB: 128}
		if sh.vms > 0 {
			d.ManagedBy = sub.VMs[i%sh.vms].Name
			d.ResourceGroup = sub.VMs[i%sh.vms].ResourceGroup
		}
		if rng.Intn(4) == 0 {
			d.Encryption, d.EncryptionSet = "EncryptionAtRestWithCustomerKey", "des-bench"
		}
		sub.Disks = append(sub.Disks, d)
	}
	yes, no := true, false
	for i := range sh.storage {
		created := benchEpoch.AddDate(0, 0, -rng.Intn(180))
		sub.StorageAccounts = append(sub.StorageAccounts, &StorageAccount{AzureResource: res(fmt.Sprintf("st%dx", s), i),
			HTTPSOnly: &yes, MinimumTLSVersion: "TLS1_2", AllowBlobPublicAccess: &no, Key1Created: &created, Key2Created: &created})
	}
	for i := range sh.sql {
		srv := &SQLServer{AzureResource: res("sql", i), MinimalTLS: "1.2"}
		for d := range azureDatabases {
			db := &SQLDatabase{Name: fmt.Sprintf("db-%d", d)}
			if rng.Intn(20) == 0 {
				db.TDE = "Disabled"
			}
			srv.Databases = append(srv.Databases, db)
		}
		sub.SQLServers = append(sub.SQLServers, srv)
	}
	for k := range sh.keys {
		if k%azureKeysPerVault == 0 {
			v := k / azureKeysPerVault
			sub.Vaults = append(sub.Vaults, &Vault{AzureResource: res(fmt.Sprintf("kv%dx", s), v)})
		}
		key := &VaultKey{Name: fmt.Sprintf("key-%d", k)}
		if rng.Intn(3) != 0 {
			key.Rotation = &KeyRotation{TimeAfterCreate: "P90D"}
		}
		v := sub.Vaults[len(sub.Vaults)-1]
		v.Keys = append(v.Keys, key)
	}
	custom := make([]string, azureRoleDefinitions)
	for r := range custom {
		custom[r] = fmt.Sprintf("5a1c9e2b-%04x-4000-8000-%012x", r, s)
		sub.RoleDefinitions = append(sub.RoleDefinitions, &RoleDefinition{Name: custom[r], RoleName: fmt.Sprintf("Bench operator %d", r),
			Actions: []string{"Microsoft.Compute/virtualMachines/read"}})
	}
	principal := func(p int) string { return fmt.Sprintf("11111111-0000-4000-8000-%012x", p) }
	sub.RoleAssignments = []*RoleAssignment{
		{Principal: principal(1), Role: "Owner"},
		{Principal: principal(2 + rng.Intn(3)), Role: "Owner"},
		{Principal: principal(10), Role: "Owner", Scope: "/providers/Microsoft.Management/managementGroups/" + BenchAzureGroup},
		{Principal: principal(20), PrincipalType: "Group", Role: "Reader"},
		{Principal: principal(30), PrincipalType: "ServicePrincipal", Role: custom[0], Scope: "resourceGroups/rg-0"},
	}
	return sub
}
