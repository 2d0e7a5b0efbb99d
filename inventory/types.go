package inventory

import "sort"

// TypeInfo describes one normalized resource type.
type TypeInfo struct {
	Cloud Cloud
	// Title is what the provider calls it.
	Title string
	// Facets names the facets of Resource a scanner fills for the type.
	Facets []string
}

// Resource types. The names are cloud.service.kind.
const (
	AWSSecurityGroup    = "aws.ec2.security_group"
	AWSNetworkACL       = "aws.ec2.network_acl"
	AWSVPC              = "aws.ec2.vpc"
	AWSInstance         = "aws.ec2.instance"
	AWSVolume           = "aws.ec2.volume"
	AWSEBSDefault       = "aws.ec2.ebs_encryption_default"
	AWSBucket           = "aws.s3.bucket"
	AWSDBInstance       = "aws.rds.instance"
	AWSKMSKey           = "aws.kms.key"
	AWSListener         = "aws.elbv2.listener"
	AWSRoot             = "aws.iam.root"
	AWSUser             = "aws.iam.user"
	AWSPasswordPolicy   = "aws.iam.password_policy"
	AWSPolicy           = "aws.iam.policy"
	AzureNSG            = "azure.network.nsg"
	AzureVM             = "azure.compute.vm"
	AzureDisk           = "azure.compute.disk"
	AzureStorageAccount = "azure.storage.account"
	AzureSQLServer      = "azure.sql.server"
	AzureKeyVaultKey    = "azure.keyvault.key"
	AzureAKSCluster     = "azure.aks.cluster"
	AzureRoleDefinition = "azure.authorization.role_definition"
	AzureSubscription   = "azure.subscription"
	GCPFirewall         = "gcp.compute.firewall"
	GCPNetwork          = "gcp.compute.network"
	GCPInstance         = "gcp.compute.instance"
	GCPDisk             = "gcp.compute.disk"
	GCPSSLPolicy        = "gcp.compute.ssl_policy"
	GCPBucket           = "gcp.storage.bucket"
	GCPSQLInstance      = "gcp.sql.instance"
	GCPCryptoKey        = "gcp.kms.crypto_key"
	GCPNodePool         = "gcp.gke.node_pool"
	GCPServiceAccount   = "gcp.iam.service_account"
	GCPProject          = "gcp.project"
)

// Types is every resource type the scanners produce and the control
// catalogue names.
var Types = map[string]TypeInfo{
	AWSSecurityGroup:    {AWS, "EC2 security group", []string{"firewall"}},
	AWSNetworkACL:       {AWS, "VPC network ACL", []string{"firewall"}},
	AWSVPC:              {AWS, "VPC", []string{"network"}},
	AWSInstance:         {AWS, "EC2 instance", []string{"vm"}},
	AWSVolume:           {AWS, "EBS volume", []string{"volume"}},
	AWSEBSDefault:       {AWS, "EBS encryption by default (per region)", []string{"encryptionDefault"}},
	AWSBucket:           {AWS, "S3 bucket", []string{"storage"}},
	AWSDBInstance:       {AWS, "RDS DB instance", []string{"database", "upgrade"}},
	AWSKMSKey:           {AWS, "KMS customer-managed key", []string{"key"}},
	AWSListener:         {AWS, "ELBv2 listener", []string{"tls"}},
	AWSRoot:             {AWS, "account root user", []string{"identity"}},
	AWSUser:             {AWS, "IAM user", []string{"identity"}},
	AWSPasswordPolicy:   {AWS, "IAM account password policy", []string{"passwordPolicy"}},
	AWSPolicy:           {AWS, "IAM customer-managed policy", []string{"policy"}},
	AzureNSG:            {Azure, "network security group", []string{"firewall"}},
	AzureVM:             {Azure, "virtual machine", []string{"vm"}},
	AzureDisk:           {Azure, "managed disk", []string{"volume"}},
	AzureStorageAccount: {Azure, "storage account", []string{"storage", "identity"}},
	AzureSQLServer:      {Azure, "SQL server / database", []string{"database"}},
	AzureKeyVaultKey:    {Azure, "Key Vault key", []string{"key"}},
	AzureAKSCluster:     {Azure, "AKS managed cluster", []string{"upgrade"}},
	AzureRoleDefinition: {Azure, "custom role definition", []string{"policy"}},
	AzureSubscription:   {Azure, "subscription (role assignments)", []string{"access"}},
	GCPFirewall:         {GCP, "VPC firewall rule", []string{"firewall"}},
	GCPNetwork:          {GCP, "VPC network", []string{"network"}},
	GCPInstance:         {GCP, "Compute Engine instance", []string{"vm"}},
	GCPDisk:             {GCP, "persistent disk", []string{"volume"}},
	GCPSSLPolicy:        {GCP, "SSL policy", []string{"tls"}},
	GCPBucket:           {GCP, "Cloud Storage bucket", []string{"storage"}},
	GCPSQLInstance:      {GCP, "Cloud SQL instance", []string{"database"}},
	GCPCryptoKey:        {GCP, "Cloud KMS crypto key", []string{"key"}},
	GCPNodePool:         {GCP, "GKE node pool", []string{"upgrade"}},
	GCPServiceAccount:   {GCP, "service account", []string{"identity"}},
	GCPProject:          {GCP, "project (IAM policy)", []string{"access"}},
}

// readInParts holds, for the types whose facet several scanners fill a
// part of each, whether a resource carries every part: a GCS bucket's
// storage facet gets its default key from the encryption scanner and its
// IAM bindings from the IAM scanner.
var readInParts = map[string]func(*Resource) bool{
	GCPBucket: func(r *Resource) bool {
		_, key := r.Storage.KeyManager.Get()
		_, bindings := r.Storage.Bindings.Get()
		return key && bindings
	},
}

// Complete reports whether r carries every facet its type has and, where
// scanners read a facet in parts, every part: a streaming scan evaluates a
// resource once it is complete.
func (r *Resource) Complete() bool {
	t, ok := Types[r.Type]
	if !ok || len(r.Facets()) != len(t.Facets) {
		return false
	}
	if parts := readInParts[r.Type]; parts != nil {
		return parts(r)
	}
	return true
}

// TypeNames returns every resource type, sorted.
func TypeNames() []string {
	names := make([]string, 0, len(Types))
	for n := range Types {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
