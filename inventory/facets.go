package inventory

// The facets below are the normalized shapes the four domains need. One
// facet serves the same concept on every cloud (an AWS security group, an
// Azure NSG and a GCP firewall are all FirewallRules); a field a scanner
// could not read stays unknown.

// FirewallRules is a security group, network ACL, NSG or GCP firewall.
type FirewallRules struct {
	// Rules is unknown when the rules could not be read.
	Rules Opt[[]Rule] `json:"rules,omitzero"`
	// Default marks the VPC's default security group.
	Default Bool `json:"default,omitzero"`
	// AttachedTo lists instances and interfaces that use the group.
	AttachedTo []string `json:"attachedTo,omitempty"`
}

// Direction of traffic a rule applies to.
const (
	Ingress = "ingress"
	Egress  = "egress"
)

// Action of a rule.
const (
	Allow = "allow"
	Deny  = "deny"
)

// Rule is one firewall rule.
type Rule struct {
	// ID names the rule within its resource (NACL rule number, NSG rule
	// name, "ingress/0" for a security group permission).
	ID        string `json:"id"`
	Direction string `json:"direction"`
	Action    string `json:"action"`
	// Priority orders evaluation where the provider does (NACL rule number,
	// NSG priority, GCP priority): lower first. Zero for security groups,
	// which have no order and no deny.
	Priority int `json:"priority,omitempty"`
	// Protocol is "all", "tcp", "udp", "icmp", "icmpv6" or an IP protocol
	// number as a string.
	Protocol string `json:"protocol"`
	// Ports is empty when the rule covers every port.
	Ports   []PortRange `json:"ports,omitempty"`
	Sources []Source    `json:"sources"`
	// Disabled rules (GCP) are kept but do not apply.
	Disabled bool `json:"disabled,omitempty"`
}

// PortRange is an inclusive range of ports.
type PortRange struct {
	From int `json:"from"`
	To   int `json:"to"`
}

// Kinds of rule source.
const (
	SourceCIDR          = "cidr"           // an address range, IPv4 or IPv6
	SourceTag           = "tag"            // a provider tag: Internet, Any, VirtualNetwork, "*"
	SourcePrefixList    = "prefix_list"    // an AWS managed prefix list
	SourceSecurityGroup = "security_group" // another security group / service account / network tag
)

// Source is where allowed or denied traffic comes from.
type Source struct {
	Kind  string `json:"kind"`
	Value string `json:"value"`
}

// Network is a VPC or virtual network.
type Network struct {
	Default Bool `json:"default,omitzero"`
}

// VM is a virtual machine and what the patch services know of it.
type VM struct {
	// State is the provider's state ("running", "stopped", ...).
	State   string `json:"state,omitempty"`
	Running Bool   `json:"running,omitzero"`
	OS      string `json:"os,omitempty"`
	// PatchManaged: the VM reports to the provider's patch service (SSM
	// managed instance online, an Update Manager assessment, an OS Config
	// inventory).
	PatchManaged Bool `json:"patchManaged,omitzero"`
	// LastAssessed is when the patch service last assessed the VM.
	LastAssessed Time `json:"lastAssessed,omitzero"`
	// MissingSecurity counts missing critical and security patches.
	MissingSecurity Int `json:"missingSecurity,omitzero"`
	// MissingOther counts other missing patches.
	MissingOther Int `json:"missingOther,omitzero"`
	// Failed counts patches whose installation failed.
	Failed Int `json:"failed,omitzero"`
	// PendingReboot counts installed patches waiting for a reboot.
	PendingReboot Int `json:"pendingReboot,omitzero"`
	// Compliance is the patch service's verdict where it gives one
	// ("COMPLIANT", "NON_COMPLIANT").
	Compliance String `json:"compliance,omitzero"`
	// AutomaticUpdates: the VM's patch mode installs updates by itself, or a
	// patch deployment covers it.
	AutomaticUpdates Bool `json:"automaticUpdates,omitzero"`
	// PeriodicAssessment: the provider assesses the VM's missing patches
	// on a schedule of its own (Azure's assessmentMode
	// AutomaticByPlatform), rather than only when someone asks.
	PeriodicAssessment Bool `json:"periodicAssessment,omitzero"`
}

// ManagedUpgrade is a managed service the provider patches (RDS, AKS, GKE
// node pools) and whether its automatic upgrades are on.
type ManagedUpgrade struct {
	AutoUpgrade Bool   `json:"autoUpgrade,omitzero"`
	Engine      string `json:"engine,omitempty"`
	Version     string `json:"version,omitempty"`
	// Channel is the upgrade channel where the service has one (AKS).
	Channel string `json:"channel,omitempty"`
}

// Who manages an encryption key.
const (
	KeyProvider = "provider" // AWS-managed, platform-managed, Google-managed
	KeyCustomer = "customer" // customer-managed
)

// Volume is a block volume or managed disk.
type Volume struct {
	Encrypted Bool `json:"encrypted,omitzero"`
	// KeyManager is KeyProvider or KeyCustomer.
	KeyManager String   `json:"keyManager,omitzero"`
	KeyID      string   `json:"keyId,omitempty"`
	AttachedTo []string `json:"attachedTo,omitempty"`
}

// EncryptionDefault is an account- or region-wide encryption default (EBS
// encryption by default).
type EncryptionDefault struct {
	Enabled Bool `json:"enabled,omitzero"`
}

// Storage is an object store: an S3 bucket, an Azure storage account, a GCS
// bucket.
type Storage struct {
	Encrypted  Bool   `json:"encrypted,omitzero"`
	KeyManager String `json:"keyManager,omitzero"`
	// HTTPSOnly is the account's own switch (Azure supportsHttpsTrafficOnly);
	// for S3 it is derived from the bucket policy by the rules instead.
	HTTPSOnly Bool `json:"httpsOnly,omitzero"`
	// MinTLSVersion is "1.0", "1.1", "1.2" or "1.3".
	MinTLSVersion String `json:"minTlsVersion,omitzero"`
	// PublicAccess is the account-level switch that lets anonymous reads
	// happen (Azure allowBlobPublicAccess).
	PublicAccess Bool `json:"publicAccess,omitzero"`
	// Policy is the bucket policy; known and empty when there is none.
	Policy Opt[[]Statement] `json:"policy,omitzero"`
	// Bindings are IAM bindings on the bucket (GCS).
	Bindings Opt[[]Binding] `json:"bindings,omitzero"`
}

// Database is a managed database instance or server.
type Database struct {
	Engine           string `json:"engine,omitempty"`
	StorageEncrypted Bool   `json:"storageEncrypted,omitzero"`
	KeyManager       String `json:"keyManager,omitzero"`
	// RequireTLS: the server refuses plaintext connections.
	RequireTLS Bool `json:"requireTls,omitzero"`
	// MinTLSVersion is the lowest TLS version the server accepts ("1.0",
	// "1.1", "1.2" or "1.3"), where it has the setting (Azure SQL).
	MinTLSVersion String `json:"minTlsVersion,omitzero"`
}

// Key is a customer-managed encryption key.
type Key struct {
	KeyManager String `json:"keyManager,omitzero"`
	// State is the provider's key state ("Enabled", "PendingDeletion", ...).
	State           string `json:"state,omitempty"`
	RotationEnabled Bool   `json:"rotationEnabled,omitzero"`
	// RotationPeriodDays is the automatic rotation period, when set.
	RotationPeriodDays Int `json:"rotationPeriodDays,omitzero"`
	// Symmetric keys are the ones automatic rotation applies to.
	Symmetric Bool `json:"symmetric,omitzero"`
	// AutoRotatable is false for keys the provider cannot rotate by
	// itself however it is configured: imported key material, keys in a
	// custom or external key store.
	AutoRotatable Bool `json:"autoRotatable,omitzero"`
	// Origin is where the key material comes from, in the provider's
	// words (AWS: AWS_KMS, EXTERNAL, AWS_CLOUDHSM, EXTERNAL_KEY_STORE).
	Origin string `json:"origin,omitempty"`
}

// TLSEndpoint is something that terminates TLS for clients: a load
// balancer listener, an SSL policy.
type TLSEndpoint struct {
	Protocol string `json:"protocol,omitempty"`
	Policy   string `json:"policy,omitempty"`
	// MinTLSVersion is "1.0", "1.1", "1.2" or "1.3".
	MinTLSVersion String `json:"minTlsVersion,omitzero"`
}

// Kinds of identity.
const (
	IdentityRoot           = "root"
	IdentityUser           = "user"
	IdentityServiceAccount = "service_account"
	IdentityStorageAccount = "storage_account"
)

// Identity is a principal that holds credentials: the AWS root user, an IAM
// user, a GCP service account, the keys of an Azure storage account.
type Identity struct {
	Kind             string `json:"kind"`
	PasswordEnabled  Bool   `json:"passwordEnabled,omitzero"`
	MFAEnabled       Bool   `json:"mfaEnabled,omitzero"`
	PasswordLastUsed Time   `json:"passwordLastUsed,omitzero"`
	// PasswordLastChanged is when the password was last set (the
	// credential report's password_last_changed). It dates a password
	// that was never used, which PasswordLastUsed cannot.
	PasswordLastChanged Time `json:"passwordLastChanged,omitzero"`
	// Keys is unknown when the key list could not be read.
	Keys Opt[[]AccessKey] `json:"keys,omitzero"`
	// SigningCertificates: the identity has an active X.509 signing
	// certificate (AWS root and IAM users).
	SigningCertificates Bool `json:"signingCertificates,omitzero"`
	// CentrallyManaged: the organization manages this account's root
	// credentials centrally (AWS Organizations' RootCredentialsManagement
	// feature), so it can remove them and nobody needs to hold them.
	CentrallyManaged Bool `json:"centrallyManaged,omitzero"`
	// SourceConflicts says where the sources the scanner read disagree
	// (a credential report older than the live account summary), and
	// which one the fields follow.
	SourceConflicts []string `json:"sourceConflicts,omitempty"`
}

// AccessKey is a long-lived credential of an identity.
type AccessKey struct {
	ID      string `json:"id"`
	Active  Bool   `json:"active,omitzero"`
	Created Time   `json:"created,omitzero"`
	// LastUsed is a known zero time when the key was never used.
	LastUsed Time `json:"lastUsed,omitzero"`
	// UserManaged distinguishes user-managed from provider-managed keys
	// (GCP service accounts).
	UserManaged Bool `json:"userManaged,omitzero"`
}

// PasswordPolicy is an account's password policy.
type PasswordPolicy struct {
	Exists    Bool `json:"exists,omitzero"`
	MinLength Int  `json:"minLength,omitzero"`
	// ReusePrevention is how many previous passwords cannot be reused.
	ReusePrevention Int `json:"reusePrevention,omitzero"`
}

// Policy is a permission policy or custom role definition.
type Policy struct {
	// Attached: the policy is attached to at least one principal or the
	// role is assigned.
	Attached   Bool             `json:"attached,omitzero"`
	Statements Opt[[]Statement] `json:"statements,omitzero"`
}

// Statement is one statement of an IAM-style policy.
type Statement struct {
	Effect string `json:"effect"`
	// Principals is nil for identity policies; "*" means everyone.
	Principals []string `json:"principals,omitempty"`
	// NotPrincipals are the principals a statement excepts: it applies to
	// every other principal, anonymous ones included.
	NotPrincipals []string `json:"notPrincipals,omitempty"`
	Actions       []string `json:"actions,omitempty"`
	NotActions    []string `json:"notActions,omitempty"`
	Resources     []string `json:"resources,omitempty"`
	// NotResources are the resources a statement excepts: it applies to
	// every other resource.
	NotResources []string    `json:"notResources,omitempty"`
	Conditions   []Condition `json:"conditions,omitempty"`
}

// Condition is one condition of a statement, e.g. Bool
// aws:SecureTransport = ["false"].
type Condition struct {
	Operator string   `json:"operator"`
	Key      string   `json:"key"`
	Values   []string `json:"values"`
}

// AccessBindings are the role bindings of a project or subscription.
type AccessBindings struct {
	Bindings Opt[[]Binding] `json:"bindings,omitzero"`
}

// Binding grants a role to members (GCP IAM binding, Azure role
// assignments of one role).
type Binding struct {
	Role    string   `json:"role"`
	Members []string `json:"members"`
	// Condition is the binding's condition expression, empty when none.
	Condition string `json:"condition,omitempty"`
}
