package controls

import (
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// CellKind says who can act on one (resource type, domain) pair.
type CellKind string

// Cell kinds of the responsibility model.
const (
	// CustomerSide: nothing happens unless the customer or its MSP
	// configures it (guest OS patching, firewall rules, IAM, opting into
	// volume encryption).
	CustomerSide CellKind = "customer-side"
	// Shared: the provider does the work, by default or on a schedule, and
	// the customer side configures how (maintenance windows, upgrade
	// channels, keys, transport settings).
	Shared CellKind = "shared"
	// ProviderOnly: the provider does it and nothing the customer side
	// configures can undo it (always-on encryption of physical media).
	ProviderOnly CellKind = "provider"
)

// ExpectedRoles are the roles that can own a cell of this kind.
func (k CellKind) ExpectedRoles() []Role {
	switch k {
	case CustomerSide:
		return []Role{Customer, MSP}
	case Shared:
		return []Role{Customer, MSP, Provider}
	case ProviderOnly:
		return []Role{Provider}
	}
	return nil
}

// Citation is the provider's public document a cell comes from.
type Citation struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// Cell is one entry of the responsibility model.
type Cell struct {
	Type   string           `json:"type"`
	Domain inventory.Domain `json:"domain"`
	Kind   CellKind         `json:"kind"`
	// Note says in one sentence why the cell has its kind.
	Note   string   `json:"note"`
	Source Citation `json:"source"`
}

// The providers' documents the model cites.
var (
	srcAWS = Citation{"AWS Shared Responsibility Model",
		"https://aws.amazon.com/compliance/shared-responsibility-model/"}
	srcRDSMaintenance = Citation{"Amazon RDS User Guide: Maintaining a DB instance",
		"https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_UpgradeDBInstance.Maintenance.html"}
	srcRDSEncryption = Citation{"Amazon RDS User Guide: Encrypting Amazon RDS resources",
		"https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.Encryption.html"}
	srcEBS = Citation{"Amazon EBS User Guide: Amazon EBS encryption",
		"https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html"}
	srcS3 = Citation{"Amazon S3 User Guide: Default encryption FAQ",
		"https://docs.aws.amazon.com/AmazonS3/latest/userguide/default-encryption-faq.html"}
	srcKMS = Citation{"AWS KMS Developer Guide: Rotate AWS KMS keys",
		"https://docs.aws.amazon.com/kms/latest/developerguide/rotate-keys.html"}
	srcELB = Citation{"Elastic Load Balancing: Security policies for your Application Load Balancer",
		"https://docs.aws.amazon.com/elasticloadbalancing/latest/application/describe-ssl-policies.html"}

	srcAzure = Citation{"Microsoft Learn: Shared responsibility in the cloud",
		"https://learn.microsoft.com/en-us/azure/security/fundamentals/shared-responsibility"}
	srcAzureDisk = Citation{"Microsoft Learn: Server-side encryption of Azure Disk Storage",
		"https://learn.microsoft.com/en-us/azure/virtual-machines/disk-encryption"}
	srcAzureStorage = Citation{"Microsoft Learn: Azure Storage encryption for data at rest",
		"https://learn.microsoft.com/en-us/azure/storage/common/storage-service-encryption"}
	srcAzureSQL = Citation{"Microsoft Learn: Transparent data encryption for SQL Database",
		"https://learn.microsoft.com/en-us/azure/azure-sql/database/transparent-data-encryption-tde-overview"}
	srcKeyVault = Citation{"Microsoft Learn: Configure cryptographic key auto-rotation in Azure Key Vault",
		"https://learn.microsoft.com/en-us/azure/key-vault/keys/how-to-configure-key-rotation"}
	srcAKS = Citation{"Microsoft Learn: Automatically upgrade an AKS cluster",
		"https://learn.microsoft.com/en-us/azure/aks/auto-upgrade-cluster"}

	srcGCP = Citation{"Google Cloud: Shared responsibilities and shared fate on Google Cloud",
		"https://cloud.google.com/architecture/framework/security/shared-responsibility-shared-fate"}
	srcGCPEncryption = Citation{"Google Cloud: Default encryption at rest",
		"https://cloud.google.com/docs/security/encryption/default-encryption"}
	srcGCPKMS = Citation{"Cloud KMS: Key rotation",
		"https://cloud.google.com/kms/docs/key-rotation"}
	srcGKE = Citation{"GKE: Auto-upgrading nodes",
		"https://cloud.google.com/kubernetes-engine/docs/how-to/node-auto-upgrades"}
)

// cells is the model, keyed by type and domain. It is read-only.
var cells = indexCells([]Cell{
	// AWS
	{inventory.AWSSecurityGroup, inventory.Firewall, CustomerSide, "Security group rules are customer configuration; AWS only enforces what the account declares.", srcAWS},
	{inventory.AWSNetworkACL, inventory.Firewall, CustomerSide, "Network ACL rules are customer configuration of the VPC.", srcAWS},
	{inventory.AWSVPC, inventory.Firewall, CustomerSide, "Whether a default VPC exists and how it is reachable is the account's network configuration.", srcAWS},
	{inventory.AWSInstance, inventory.Patching, CustomerSide, "The customer is responsible for the guest operating system of EC2 instances, including updates and security patches.", srcAWS},
	{inventory.AWSDBInstance, inventory.Patching, Shared, "AWS applies engine patches and minor versions, but only in the maintenance window and with auto minor version upgrade the customer configures.", srcRDSMaintenance},
	{inventory.AWSVolume, inventory.Encryption, CustomerSide, "An EBS volume is encrypted only when the customer creates it encrypted or enables encryption by default.", srcEBS},
	{inventory.AWSEBSDefault, inventory.Encryption, CustomerSide, "EBS encryption by default is off until the customer turns it on per region.", srcEBS},
	{inventory.AWSBucket, inventory.Encryption, Shared, "S3 encrypts every new object with SSE-S3 since January 2023; the customer chooses KMS keys and whether plaintext transport is refused.", srcS3},
	{inventory.AWSDBInstance, inventory.Encryption, CustomerSide, "RDS storage encryption and its key are chosen by the customer when the instance is created.", srcRDSEncryption},
	{inventory.AWSKMSKey, inventory.Encryption, CustomerSide, "Automatic rotation of a customer-managed KMS key is off until the key's owner enables it.", srcKMS},
	{inventory.AWSListener, inventory.Encryption, CustomerSide, "The customer picks the TLS security policy of each load balancer listener.", srcELB},
	{inventory.AWSBucket, inventory.IAM, CustomerSide, "Bucket policies and who they grant access to are customer configuration.", srcAWS},
	{inventory.AWSRoot, inventory.IAM, CustomerSide, "Protecting the account root user's credentials is the customer's part of identity and access management.", srcAWS},
	{inventory.AWSUser, inventory.IAM, CustomerSide, "IAM users, their MFA and their access keys are managed by the customer.", srcAWS},
	{inventory.AWSPasswordPolicy, inventory.IAM, CustomerSide, "The account password policy is set by the customer.", srcAWS},
	{inventory.AWSPolicy, inventory.IAM, CustomerSide, "Customer-managed IAM policies are written and attached by the customer.", srcAWS},

	// Azure
	{inventory.AzureNSG, inventory.Firewall, CustomerSide, "Network controls of IaaS and PaaS deployments are the customer's; NSG rules are customer configuration.", srcAzure},
	{inventory.AzureVM, inventory.Patching, CustomerSide, "For IaaS virtual machines the customer owns the operating system and its updates.", srcAzure},
	{inventory.AzureAKSCluster, inventory.Patching, Shared, "AKS builds and ships Kubernetes and node image upgrades, and applies them when the customer sets an auto-upgrade channel.", srcAKS},
	{inventory.AzureDisk, inventory.Encryption, Shared, "Azure encrypts managed disks at rest with platform-managed keys; the customer chooses customer-managed keys and encryption at host.", srcAzureDisk},
	{inventory.AzureStorageAccount, inventory.Encryption, Shared, "Storage service encryption is always on; the customer sets the key, HTTPS-only access and the minimum TLS version.", srcAzureStorage},
	{inventory.AzureSQLServer, inventory.Encryption, Shared, "Transparent data encryption is on by default with a service-managed key, and the customer can change the key or turn it off.", srcAzureSQL},
	{inventory.AzureKeyVaultKey, inventory.Encryption, CustomerSide, "A Key Vault key rotates automatically only when its owner sets a rotation policy.", srcKeyVault},
	{inventory.AzureStorageAccount, inventory.IAM, CustomerSide, "Storage account keys and anonymous blob access are account and access management, which stays with the customer in every service model.", srcAzure},
	{inventory.AzureRoleDefinition, inventory.IAM, CustomerSide, "Custom role definitions are written by the customer.", srcAzure},
	{inventory.AzureSubscription, inventory.IAM, CustomerSide, "Role assignments on a subscription are the customer's identity and access management.", srcAzure},

	// GCP
	{inventory.GCPFirewall, inventory.Firewall, CustomerSide, "VPC firewall rules are customer configuration of the network.", srcGCP},
	{inventory.GCPNetwork, inventory.Firewall, CustomerSide, "Whether the default network and its permissive rules remain is the customer's choice.", srcGCP},
	{inventory.GCPInstance, inventory.Patching, CustomerSide, "For Compute Engine the customer is responsible for the guest operating system and its patches.", srcGCP},
	{inventory.GCPNodePool, inventory.Patching, Shared, "Google releases and rolls out node upgrades, and applies them automatically when node auto-upgrade is on for the pool.", srcGKE},
	{inventory.GCPDisk, inventory.Encryption, ProviderOnly, "Google encrypts every persistent disk at rest and it cannot be turned off; a customer-managed key is an optional addition.", srcGCPEncryption},
	{inventory.GCPBucket, inventory.Encryption, ProviderOnly, "Google encrypts all Cloud Storage data at rest and it cannot be turned off; a customer-managed key is an optional addition.", srcGCPEncryption},
	{inventory.GCPSQLInstance, inventory.Encryption, Shared, "Google encrypts Cloud SQL storage at rest; the customer chooses the key and whether the instance requires TLS.", srcGCPEncryption},
	{inventory.GCPCryptoKey, inventory.Encryption, CustomerSide, "A Cloud KMS key rotates automatically only when its owner sets a rotation period.", srcGCPKMS},
	{inventory.GCPSSLPolicy, inventory.Encryption, CustomerSide, "The customer chooses the minimum TLS version of its load balancers' SSL policies.", srcGCP},
	{inventory.GCPBucket, inventory.IAM, CustomerSide, "Bucket IAM bindings, including public ones, are the customer's access management.", srcGCP},
	{inventory.GCPServiceAccount, inventory.IAM, CustomerSide, "Service accounts and their user-managed keys are created and held by the customer.", srcGCP},
	{inventory.GCPProject, inventory.IAM, CustomerSide, "Project IAM bindings are the customer's access management.", srcGCP},
})

type cellKey struct {
	typ    string
	domain inventory.Domain
}

// indexCells keys the model and rejects duplicates and unknown types, which
// the model tests turn into a failure.
func indexCells(list []Cell) map[cellKey]Cell {
	m := make(map[cellKey]Cell, len(list))
	for _, c := range list {
		k := cellKey{c.Type, c.Domain}
		if _, dup := m[k]; dup {
			panic(fmt.Sprintf("controls: responsibility model has two cells for %s/%s", c.Type, c.Domain))
		}
		if _, ok := inventory.Types[c.Type]; !ok || !inventory.ValidDomain(c.Domain) {
			panic(fmt.Sprintf("controls: responsibility model cell %s/%s names an unknown type or domain", c.Type, c.Domain))
		}
		m[k] = c
	}
	return m
}

// CellFor returns the model's cell for a resource type and domain.
func CellFor(resourceType string, d inventory.Domain) (Cell, bool) {
	c, ok := cells[cellKey{resourceType, d}]
	return c, ok
}

// Model returns every cell sorted by cloud, resource type and domain order.
func Model() []Cell {
	out := make([]Cell, 0, len(cells))
	for _, c := range cells {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		ca, cb := slices.Index(inventory.Clouds, inventory.Types[a.Type].Cloud), slices.Index(inventory.Clouds, inventory.Types[b.Type].Cloud)
		if ca != cb {
			return ca < cb
		}
		if a.Type != b.Type {
			return a.Type < b.Type
		}
		return slices.Index(inventory.Domains, a.Domain) < slices.Index(inventory.Domains, b.Domain)
	})
	return out
}

// WriteModelMarkdown writes the responsibility model as the Markdown page
// docs/responsibility-model.md holds.
func WriteModelMarkdown(w io.Writer) error {
	var b strings.Builder
	b.WriteString("# Responsibility model\n\n")
	b.WriteString("<!-- Generated from controls.Model(); run `go test ./controls -run TestModelDoc -update` after changing the model. -->\n\n")
	b.WriteString("For each resource type and domain, who can act on it according to the providers' published shared-responsibility models:\n\n")
	fmt.Fprintf(&b, "- `%s`: nothing happens unless the customer or its MSP configures it; expected roles: %s.\n", CustomerSide, joinRoles(CustomerSide.ExpectedRoles()))
	fmt.Fprintf(&b, "- `%s`: the provider does the work, by default or on a schedule, and the customer side configures how; expected roles: %s.\n", Shared, joinRoles(Shared.ExpectedRoles()))
	fmt.Fprintf(&b, "- `%s`: the provider does it and nothing the customer side configures can undo it; expected roles: %s.\n\n", ProviderOnly, joinRoles(ProviderOnly.ExpectedRoles()))
	b.WriteString("A declaration must assign every customer-side and shared cell of every scanned resource (else `ownership.unassigned`), ")
	b.WriteString("and only to a party whose role the cell expects (else `ownership.misassigned`). ")
	b.WriteString("A provider cell needs no assignment; if a broader entry assigns its domain to a customer or MSP party, add an entry that assigns it to the provider party.\n\n")
	b.WriteString("| cloud | resource type | domain | kind | why | source |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for _, c := range Model() {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s | [%s](%s) |\n",
			inventory.Types[c.Type].Cloud, c.Type, c.Domain, c.Kind, strings.ReplaceAll(c.Note, "|", `\|`), c.Source.Title, c.Source.URL)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = "`" + string(r) + "`"
	}
	return strings.Join(s, ", ")
}
