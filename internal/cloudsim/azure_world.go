package cloudsim

import (
	"fmt"
	"strings"
	"time"
)

// AzureWorld is the Azure part of a world: a tenant's subscriptions, its
// management groups, and who may call.
type AzureWorld struct {
	Tenant string `yaml:"tenant"`
	// Tokens maps the bearer tokens callers present to the principal
	// (object id) each stands for.
	Tokens map[string]string `yaml:"tokens"`
	// ManagedIdentity serves tokens the way App Service's managed
	// identity endpoint does (IDENTITY_ENDPOINT and IDENTITY_HEADER), at
	// /msi/token on the plain HTTP address.
	ManagedIdentity *ManagedIdentity `yaml:"managedIdentity"`
	// Hidden are subscriptions that exist (a management group holds them)
	// but that the callers may not read: listing leaves them out, reading
	// them is AuthorizationFailed.
	Hidden           []string           `yaml:"hidden"`
	ManagementGroups []*ManagementGroup `yaml:"managementGroups"`
	Subscriptions    []*Subscription    `yaml:"subscriptions"`
	// PageSize is how many items a Resource Manager list page holds
	// before a nextLink (default 100).
	PageSize int `yaml:"pageSize"`
}

// ManagedIdentity is the simulated managed identity endpoint.
type ManagedIdentity struct {
	// Header is the secret the caller must send as X-IDENTITY-HEADER.
	Header string `yaml:"header"`
	// Token is the bearer token it hands out: one of Tokens.
	Token string `yaml:"token"`
}

// ManagementGroup is a management group: the subscriptions it holds
// directly and its child groups.
type ManagementGroup struct {
	ID            string   `yaml:"id"`
	Name          string   `yaml:"name"`
	Parent        string   `yaml:"parent"`
	Subscriptions []string `yaml:"subscriptions"`
}

// Subscription is one Azure subscription and what it holds.
type Subscription struct {
	ID    string `yaml:"id"`
	Name  string `yaml:"name"`
	State string `yaml:"state"` // Enabled (default), Disabled, Warned, PastDue

	NSGs            []*NSG            `yaml:"nsgs"`
	VMs             []*AzureVM        `yaml:"vms"`
	Disks           []*Disk           `yaml:"disks"`
	StorageAccounts []*StorageAccount `yaml:"storageAccounts"`
	SQLServers      []*SQLServer      `yaml:"sqlServers"`
	Vaults          []*Vault          `yaml:"vaults"`
	AKSClusters     []*AKSCluster     `yaml:"aksClusters"`
	RoleAssignments []*RoleAssignment `yaml:"roleAssignments"`
	RoleDefinitions []*RoleDefinition `yaml:"roleDefinitions"`
}

// AzureResource is what every Azure resource has.
type AzureResource struct {
	Name          string `yaml:"name"`
	ResourceGroup string `yaml:"resourceGroup"`
	Location      string `yaml:"location"`
	Tags          Tags   `yaml:"tags"`
}

// NSG is a network security group; the six default rules are added.
type NSG struct {
	AzureResource `yaml:",inline"`
	Rules         []NSGRule `yaml:"rules"`
	// Interfaces and Subnets name (in the same resource group) the
	// network interfaces and subnets ("vnet/subnet") the group applies to.
	Interfaces []string `yaml:"interfaces"`
	Subnets    []string `yaml:"subnets"`
}

// NSGRule is a custom security rule; the plural fields are the lists
// Azure sends beside the single ones.
type NSGRule struct {
	Name      string `yaml:"name"`
	Priority  int    `yaml:"priority"`
	Direction string `yaml:"direction"` // Inbound (default), Outbound
	Access    string `yaml:"access"`    // Allow (default), Deny
	Protocol  string `yaml:"protocol"`  // *, Tcp, Udp, Icmp, Esp, Ah
	// Source and Sources are sourceAddressPrefix(es); "*" when both are
	// empty.
	Source  string   `yaml:"source"`
	Sources []string `yaml:"sources"`
	// Port and Ports are destinationPortRange(s); "*" when both are empty.
	Port  string   `yaml:"port"`
	Ports []string `yaml:"ports"`
	// SourceGroups name application security groups.
	SourceGroups []string `yaml:"sourceGroups"`
}

// AzureVM is a virtual machine, with Update Manager's latest assessment.
type AzureVM struct {
	AzureResource `yaml:",inline"`
	OS            string `yaml:"os"`     // Windows or Linux (default)
	OSName        string `yaml:"osName"` // the instance view's osName
	PowerState    string `yaml:"powerState"`
	PatchMode     string `yaml:"patchMode"`
	// AssessmentMode is ImageDefault or AutomaticByPlatform.
	AssessmentMode         string      `yaml:"assessmentMode"`
	EnableAutomaticUpdates *bool       `yaml:"enableAutomaticUpdates"`
	Assessment             *Assessment `yaml:"assessment"`
}

// Assessment is a patchassessmentresources summary.
type Assessment struct {
	Status       string    `yaml:"status"` // Succeeded (default), Failed, InProgress, ...
	LastModified time.Time `yaml:"lastModified"`
	Critical     int       `yaml:"critical"`
	Security     int       `yaml:"security"`
	Other        int       `yaml:"other"`
	RebootNeeded bool      `yaml:"rebootPending"`
}

// Disk is a managed disk.
type Disk struct {
	AzureResource `yaml:",inline"`
	SizeGB        int `yaml:"sizeGb"`
	// Encryption is the encryption type, EncryptionAtRestWithPlatformKey
	// when empty; "absent" leaves the property out.
	Encryption    string `yaml:"encryption"`
	EncryptionSet string `yaml:"encryptionSet"`
	// ManagedBy is the VM (in the same resource group) it is attached to.
	ManagedBy string `yaml:"managedBy"`
}

// StorageAccount is a storage account; nil switches are left out of its
// properties, as old accounts leave them out.
type StorageAccount struct {
	AzureResource         `yaml:",inline"`
	HTTPSOnly             *bool      `yaml:"httpsOnly"`
	MinimumTLSVersion     string     `yaml:"minimumTlsVersion"`
	AllowBlobPublicAccess *bool      `yaml:"allowBlobPublicAccess"`
	AllowSharedKeyAccess  *bool      `yaml:"allowSharedKeyAccess"`
	KeySource             string     `yaml:"keySource"` // Microsoft.Storage (default), Microsoft.Keyvault
	Key1Created           *time.Time `yaml:"key1Created"`
	Key2Created           *time.Time `yaml:"key2Created"`
}

// SQLServer is a logical SQL server and its databases (master is added).
type SQLServer struct {
	AzureResource `yaml:",inline"`
	MinimalTLS    string         `yaml:"minimalTlsVersion"`
	KeyType       string         `yaml:"keyType"` // ServiceManaged (default), AzureKeyVault
	Databases     []*SQLDatabase `yaml:"databases"`
}

// SQLDatabase is a database with its transparent data encryption.
type SQLDatabase struct {
	Name string `yaml:"name"`
	TDE  string `yaml:"tde"` // Enabled (default), Disabled
}

// Vault is a key vault.
type Vault struct {
	AzureResource `yaml:",inline"`
	// Firewall refuses every data-plane request, as a vault whose network
	// rules leave the caller out does.
	Firewall bool        `yaml:"firewall"`
	Keys     []*VaultKey `yaml:"keys"`
}

// VaultKey is a key; with no Rotation its policy only notifies.
type VaultKey struct {
	Name     string       `yaml:"name"`
	Kty      string       `yaml:"kty"` // RSA (default), EC, oct-HSM, ...
	Disabled bool         `yaml:"disabled"`
	Rotation *KeyRotation `yaml:"rotation"`
}

// KeyRotation is a rotation policy's Rotate action and expiry.
type KeyRotation struct {
	TimeAfterCreate  string `yaml:"timeAfterCreate"`
	TimeBeforeExpiry string `yaml:"timeBeforeExpiry"`
	ExpiryTime       string `yaml:"expiryTime"`
}

// AKSCluster is a managed Kubernetes cluster.
type AKSCluster struct {
	AzureResource        `yaml:",inline"`
	Version              string `yaml:"version"`
	UpgradeChannel       string `yaml:"upgradeChannel"`
	NodeOSUpgradeChannel string `yaml:"nodeOSUpgradeChannel"`
}

// RoleAssignment assigns a role to a principal at a scope.
type RoleAssignment struct {
	Principal     string `yaml:"principal"`     // object id
	PrincipalType string `yaml:"principalType"` // User (default), Group, ServicePrincipal
	// Role is a built-in role name (Owner, Contributor, Reader) or the
	// name (GUID) of one of the subscription's role definitions.
	Role string `yaml:"role"`
	// Scope is "" for the subscription, "resourceGroups/<rg>" below it,
	// or a management group's id ("/providers/Microsoft.Management/...").
	Scope     string `yaml:"scope"`
	Condition string `yaml:"condition"`
}

// RoleDefinition is a custom role.
type RoleDefinition struct {
	Name        string   `yaml:"name"` // a GUID
	RoleName    string   `yaml:"roleName"`
	Actions     []string `yaml:"actions"`
	NotActions  []string `yaml:"notActions"`
	DataActions []string `yaml:"dataActions"`
}

// builtinRoles are the built-in roles' definition GUIDs.
var builtinRoles = map[string]string{
	"Owner":       "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
	"Contributor": "b24988ac-6180-42a0-ab88-20f7382dd24c",
	"Reader":      "acdd72a7-3385-48ef-bd42-f606fba81ae7",
}

// Subscription returns the subscription with id, or nil.
func (w *AzureWorld) Subscription(id string) *Subscription {
	for _, s := range w.Subscriptions {
		if strings.EqualFold(s.ID, id) {
			return s
		}
	}
	return nil
}

// hidden reports whether the callers may not read subscription id.
func (w *AzureWorld) hidden(id string) bool {
	for _, h := range w.Hidden {
		if strings.EqualFold(h, id) {
			return true
		}
	}
	return false
}

func (w *AzureWorld) validate() error {
	seen := map[string]bool{}
	for _, s := range w.Subscriptions {
		if len(s.ID) != 36 {
			return fmt.Errorf("azure subscription %q: want a GUID", s.ID)
		}
		if seen[strings.ToLower(s.ID)] {
			return fmt.Errorf("azure subscription %s listed twice", s.ID)
		}
		seen[strings.ToLower(s.ID)] = true
	}
	if mi := w.ManagedIdentity; mi != nil && w.Tokens[mi.Token] == "" {
		return fmt.Errorf("azure managedIdentity hands out token %q, which tokens does not list", mi.Token)
	}
	return nil
}
