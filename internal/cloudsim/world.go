package cloudsim

import (
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/goccy/go-yaml"
)

// World is everything the simulator serves: per cloud, the targets and
// their resources, plus the faults it injects. It is read from YAML.
type World struct {
	AWS    AWSWorld   `yaml:"aws"`
	Azure  AzureWorld `yaml:"azure"`
	GCP    GCPWorld   `yaml:"gcp"`
	Faults Faults     `yaml:"faults"`
}

// AWSWorld is the AWS part of a world.
type AWSWorld struct {
	// AccessKeys maps the long-lived access key ids callers sign with to
	// the account they belong to. Keys AssumeRole issues are tracked by the
	// server.
	AccessKeys map[string]string `yaml:"accessKeys"`
	// Organization is set when the accounts form an AWS Organization.
	Organization *Organization `yaml:"organization"`
	Accounts     []*Account    `yaml:"accounts"`
	// OptInRegions are regions that exist but no account has enabled; they
	// are listed by DescribeRegions with AllRegions=true only.
	OptInRegions []string `yaml:"optInRegions"`
}

// Organization is an AWS Organization: its management account and members.
type Organization struct {
	Management string       `yaml:"management"`
	Members    []OrgAccount `yaml:"members"`
	PageSize   int          `yaml:"pageSize"` // default page size of ListAccounts
	// RootCredentialsManagement and RootSessions are the centralized root
	// access features IAM lists for the organization
	// (iam:ListOrganizationsFeatures).
	RootCredentialsManagement bool `yaml:"rootCredentialsManagement"`
	RootSessions              bool `yaml:"rootSessions"`
}

// OrgAccount is one account as Organizations lists it.
type OrgAccount struct {
	ID     string `yaml:"id"`
	Name   string `yaml:"name"`
	Email  string `yaml:"email"`
	Status string `yaml:"status"` // ACTIVE, SUSPENDED, PENDING_CLOSURE
}

// Account is one AWS account.
type Account struct {
	ID   string `yaml:"id"`
	Name string `yaml:"name"`
	// Roles are the role names sts:AssumeRole may enter in this account.
	Roles []string `yaml:"roles"`
	// ExternalIDs maps a role name to the external id its trust policy
	// demands; AssumeRole without it is denied.
	ExternalIDs map[string]string `yaml:"externalIds"`
	IAM         IAM               `yaml:"iam"`
	Buckets     []*Bucket         `yaml:"buckets"`
	// Regions are the enabled regions and what each holds.
	Regions map[string]*Region `yaml:"regions"`
}

// RegionNames returns the account's enabled regions, sorted.
func (a *Account) RegionNames() []string {
	out := make([]string, 0, len(a.Regions))
	for r := range a.Regions {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// Region is what one account holds in one region.
type Region struct {
	EBSEncryptionByDefault bool             `yaml:"ebsEncryptionByDefault"`
	EBSDefaultKMSKeyID     string           `yaml:"ebsDefaultKmsKeyId"`
	VPCs                   []*VPC           `yaml:"vpcs"`
	SecurityGroups         []*SecurityGroup `yaml:"securityGroups"`
	NetworkACLs            []*NetworkACL    `yaml:"networkAcls"`
	Instances              []*Instance      `yaml:"instances"`
	Volumes                []*Volume        `yaml:"volumes"`
	ManagedInstances       []*ManagedNode   `yaml:"managedInstances"`
	PatchStates            []*PatchState    `yaml:"patchStates"`
	DBInstances            []*DBInstance    `yaml:"dbInstances"`
	Keys                   []*KMSKey        `yaml:"keys"`
	LoadBalancers          []*LoadBalancer  `yaml:"loadBalancers"`

	// NetworkInterfaces are the interfaces besides the instances' primary
	// ones, which DescribeNetworkInterfaces derives from Instances.
	NetworkInterfaces []*NetworkInterface `yaml:"networkInterfaces"`
}

// Tags are AWS resource tags.
type Tags map[string]string

// VPC is a virtual private cloud.
type VPC struct {
	ID      string `yaml:"id"`
	CIDR    string `yaml:"cidr"`
	Default bool   `yaml:"default"`
	Tags    Tags   `yaml:"tags"`
}

// SecurityGroup is an EC2 security group.
type SecurityGroup struct {
	ID          string       `yaml:"id"`
	Name        string       `yaml:"name"`
	Description string       `yaml:"description"`
	VPC         string       `yaml:"vpc"`
	Ingress     []Permission `yaml:"ingress"`
	Egress      []Permission `yaml:"egress"`
	Tags        Tags         `yaml:"tags"`
}

// Permission is one IpPermission of a security group.
type Permission struct {
	Protocol    string   `yaml:"protocol"` // tcp, udp, icmp, icmpv6, -1 or a number
	FromPort    *int     `yaml:"fromPort"`
	ToPort      *int     `yaml:"toPort"`
	CIDRs       []string `yaml:"cidrs"`
	IPv6CIDRs   []string `yaml:"ipv6Cidrs"`
	PrefixLists []string `yaml:"prefixLists"`
	Groups      []string `yaml:"groups"` // referenced security group ids
}

// NetworkACL is a VPC network ACL.
type NetworkACL struct {
	ID      string     `yaml:"id"`
	VPC     string     `yaml:"vpc"`
	Default bool       `yaml:"default"`
	Subnets []string   `yaml:"subnets"`
	Entries []ACLEntry `yaml:"entries"`
	Tags    Tags       `yaml:"tags"`
}

// ACLEntry is one network ACL rule.
type ACLEntry struct {
	RuleNumber int    `yaml:"ruleNumber"`
	Protocol   string `yaml:"protocol"` // protocol number as a string, -1 for all
	Action     string `yaml:"action"`   // allow, deny
	Egress     bool   `yaml:"egress"`
	CIDR       string `yaml:"cidr"`
	IPv6CIDR   string `yaml:"ipv6Cidr"`
	FromPort   *int   `yaml:"fromPort"`
	ToPort     *int   `yaml:"toPort"`
}

// NetworkInterface is an elastic network interface that is not an
// instance's primary one: a secondary interface of an instance, or one a
// service owns (load balancer, NAT gateway, Lambda, VPC endpoint). Its
// Groups count as using those security groups.
type NetworkInterface struct {
	ID string `yaml:"id"`
	// Type is the interfaceType: interface (default), network_load_balancer,
	// lambda, nat_gateway, vpc_endpoint, ...
	Type        string `yaml:"type"`
	Description string `yaml:"description"`
	// Status is in-use (default) or available.
	Status string   `yaml:"status"`
	VPC    string   `yaml:"vpc"`
	Subnet string   `yaml:"subnet"`
	Groups []string `yaml:"groups"`
	// Instance is the instance the interface is attached to; empty for a
	// detached or service-owned interface.
	Instance string `yaml:"instance"`
	Tags     Tags   `yaml:"tags"`
}

// Instance is an EC2 instance. Its network interface carries Groups.
type Instance struct {
	ID              string   `yaml:"id"`
	State           string   `yaml:"state"`    // pending, running, stopping, stopped, ...
	Platform        string   `yaml:"platform"` // "windows" or empty
	PlatformDetails string   `yaml:"platformDetails"`
	ImageID         string   `yaml:"imageId"`
	InstanceType    string   `yaml:"instanceType"`
	VPC             string   `yaml:"vpc"`
	Subnet          string   `yaml:"subnet"`
	Groups          []string `yaml:"groups"`
	// Interface is the primary network interface id; generated when empty.
	Interface string `yaml:"interface"`
	Tags      Tags   `yaml:"tags"`
	// LaunchTime is when the instance started; a fixed date when unset.
	LaunchTime time.Time `yaml:"launchTime"`
}

// Volume is an EBS volume.
type Volume struct {
	ID        string `yaml:"id"`
	Size      int    `yaml:"size"`
	Type      string `yaml:"type"`
	Encrypted bool   `yaml:"encrypted"`
	// KMSKeyID may be a key id, key ARN or alias ("alias/aws/ebs"); EC2
	// answers with the key's ARN whichever is given. Empty on an encrypted
	// volume means the region's default EBS key.
	KMSKeyID   string `yaml:"kmsKeyId"`
	AttachedTo string `yaml:"attachedTo"`
	Tags       Tags   `yaml:"tags"`
}

// ManagedNode is an SSM managed instance (DescribeInstanceInformation).
type ManagedNode struct {
	InstanceID      string    `yaml:"instanceId"`
	PingStatus      string    `yaml:"pingStatus"` // Online, ConnectionLost, Inactive
	LastPing        time.Time `yaml:"lastPing"`
	PlatformType    string    `yaml:"platformType"`
	PlatformName    string    `yaml:"platformName"`
	PlatformVersion string    `yaml:"platformVersion"`
	AgentVersion    string    `yaml:"agentVersion"`
}

// PatchState is an instance's SSM patch state (DescribeInstancePatchStates).
type PatchState struct {
	InstanceID               string    `yaml:"instanceId"`
	BaselineID               string    `yaml:"baselineId"`
	PatchGroup               string    `yaml:"patchGroup"`
	Installed                int       `yaml:"installed"`
	InstalledOther           int       `yaml:"installedOther"`
	InstalledPendingReboot   int       `yaml:"installedPendingReboot"`
	InstalledRejected        int       `yaml:"installedRejected"`
	Missing                  int       `yaml:"missing"`
	Failed                   int       `yaml:"failed"`
	NotApplicable            int       `yaml:"notApplicable"`
	UnreportedNotApplicable  int       `yaml:"unreportedNotApplicable"`
	CriticalNonCompliant     int       `yaml:"criticalNonCompliant"`
	SecurityNonCompliant     int       `yaml:"securityNonCompliant"`
	OtherNonCompliant        int       `yaml:"otherNonCompliant"`
	AvailableSecurityUpdates int       `yaml:"availableSecurityUpdates"`
	Operation                string    `yaml:"operation"` // Scan, Install
	OperationStart           time.Time `yaml:"operationStart"`
	OperationEnd             time.Time `yaml:"operationEnd"`
	// RebootOption is RebootIfNeeded (default) or NoReboot.
	RebootOption string `yaml:"rebootOption"`
	// Unreported lists optional counts the state leaves out, as states
	// recorded before SSM reported them do (criticalNonCompliant,
	// securityNonCompliant, otherNonCompliant, installedPendingReboot,
	// installedRejected, unreportedNotApplicable, availableSecurityUpdates).
	Unreported []string `yaml:"unreported"`
}

// DBInstance is an RDS DB instance.
type DBInstance struct {
	ID                      string `yaml:"id"`
	Engine                  string `yaml:"engine"`
	EngineVersion           string `yaml:"engineVersion"`
	Status                  string `yaml:"status"`
	StorageEncrypted        bool   `yaml:"storageEncrypted"`
	KMSKeyID                string `yaml:"kmsKeyId"`
	AutoMinorVersionUpgrade bool   `yaml:"autoMinorVersionUpgrade"`
	PubliclyAccessible      bool   `yaml:"publiclyAccessible"`
	Tags                    Tags   `yaml:"tags"`
	// Class is the instance class (db.t3.micro when unset).
	Class string `yaml:"class"`
	// Groups are the VPC security groups of the instance.
	Groups []string `yaml:"groups"`
}

// KMSKey is a KMS key. AWS-managed keys (KeyManager AWS) are listed too,
// as ListKeys does.
type KMSKey struct {
	ID                 string `yaml:"id"`
	Description        string `yaml:"description"`
	KeyManager         string `yaml:"keyManager"` // CUSTOMER (default) or AWS
	KeySpec            string `yaml:"keySpec"`    // SYMMETRIC_DEFAULT (default), RSA_2048, ...
	KeyState           string `yaml:"keyState"`   // Enabled (default), Disabled, PendingDeletion
	Origin             string `yaml:"origin"`     // AWS_KMS (default), EXTERNAL, ...
	Rotation           bool   `yaml:"rotation"`
	RotationPeriodDays int    `yaml:"rotationPeriodDays"`
	// OmitRotationPeriod answers GetKeyRotationStatus without
	// RotationPeriodInDays, as KMS did before custom rotation periods.
	OmitRotationPeriod bool `yaml:"omitRotationPeriod"`
	// CustomKeyStore is the id of the custom key store holding the key
	// (DescribeKey's CustomKeyStoreId); set it with origin AWS_CLOUDHSM or
	// EXTERNAL_KEY_STORE.
	CustomKeyStore string    `yaml:"customKeyStore"`
	Created        time.Time `yaml:"created"`
	// DeletionDate is when a PendingDeletion key goes; 30 days after
	// Created when unset.
	DeletionDate time.Time `yaml:"deletionDate"`
	// KeyUsage defaults from KeySpec (ENCRYPT_DECRYPT for symmetric and RSA
	// keys, SIGN_VERIFY for ECC, GENERATE_VERIFY_MAC for HMAC).
	KeyUsage    string `yaml:"keyUsage"`
	MultiRegion bool   `yaml:"multiRegion"`
	// Aliases are alias names, with or without the "alias/" prefix.
	Aliases []string `yaml:"aliases"`
	Tags    Tags     `yaml:"tags"`
}

// LoadBalancer is an ELBv2 load balancer and its listeners.
type LoadBalancer struct {
	Name string `yaml:"name"`
	// ID is the 16-hex-digit id ending the ARN; derived from the name when
	// empty.
	ID        string      `yaml:"id"`
	Type      string      `yaml:"type"`   // application (default), network, gateway
	Scheme    string      `yaml:"scheme"` // internet-facing (default), internal
	VPC       string      `yaml:"vpc"`
	Groups    []string    `yaml:"groups"`
	Listeners []*Listener `yaml:"listeners"`
	// Tags are the load balancer's own; DescribeTags answers them.
	Tags Tags `yaml:"tags"`
}

// Listener is an ELBv2 listener.
type Listener struct {
	Port      int    `yaml:"port"`
	Protocol  string `yaml:"protocol"`  // HTTP, HTTPS, TCP, TLS, ...
	SSLPolicy string `yaml:"sslPolicy"` // for HTTPS and TLS
	// RedirectToHTTPS makes the default action an HTTP-to-HTTPS redirect.
	RedirectToHTTPS bool `yaml:"redirectToHttps"`
	// ID is the 16-hex-digit id ending the listener ARN; derived from the
	// load balancer and port when empty.
	ID string `yaml:"id"`
	// Certificates are the ACM certificate ARNs, the first the default; an
	// HTTPS or TLS listener without any gets one generated.
	Certificates []string `yaml:"certificates"`
}

// Bucket is an S3 bucket.
type Bucket struct {
	Name    string    `yaml:"name"`
	Region  string    `yaml:"region"`
	Created time.Time `yaml:"created"`
	// Encryption is the default encryption algorithm (AES256, aws:kms,
	// aws:kms:dsse); empty means no configuration.
	Encryption string `yaml:"encryption"`
	KMSKeyID   string `yaml:"kmsKeyId"`
	// BucketKey is the rule's BucketKeyEnabled.
	BucketKey bool `yaml:"bucketKey"`
	// Policy is the bucket policy JSON; empty means none.
	Policy            string             `yaml:"policy"`
	PublicAccessBlock *PublicAccessBlock `yaml:"publicAccessBlock"`
	Tags              Tags               `yaml:"tags"`
	// OmitRegion leaves BucketRegion out of this bucket's ListBuckets
	// entry, as S3-compatible endpoints and S3 before 2024 do, so that a
	// client has to ask GetBucketLocation.
	OmitRegion bool `yaml:"omitRegion"`
}

// PublicAccessBlock is a bucket's public access block configuration.
type PublicAccessBlock struct {
	BlockPublicAcls       bool `yaml:"blockPublicAcls"`
	IgnorePublicAcls      bool `yaml:"ignorePublicAcls"`
	BlockPublicPolicy     bool `yaml:"blockPublicPolicy"`
	RestrictPublicBuckets bool `yaml:"restrictPublicBuckets"`
}

// IAM is an account's identities and policies.
type IAM struct {
	Root  Root    `yaml:"root"`
	Users []*User `yaml:"users"`
	// PasswordPolicy is nil when the account has none.
	PasswordPolicy *PasswordPolicy `yaml:"passwordPolicy"`
	Policies       []*IAMPolicy    `yaml:"policies"`
	Roles          int             `yaml:"roleCount"`
	// ReportDelay is how many GenerateCredentialReport calls answer
	// STARTED/INPROGRESS before the report is COMPLETE.
	ReportDelay int `yaml:"reportDelay"`
}

// Root is the account root user.
type Root struct {
	Created          time.Time   `yaml:"created"`
	MFA              bool        `yaml:"mfa"`
	PasswordLastUsed *time.Time  `yaml:"passwordLastUsed"`
	AccessKeys       []AccessKey `yaml:"accessKeys"`
	// NoPassword: root has no password, as after Organizations' central
	// root credential management deleted it (AccountPasswordPresent 0).
	NoPassword bool `yaml:"noPassword"`
	// SigningCertificate: root has an active X.509 signing certificate.
	SigningCertificate bool `yaml:"signingCertificate"`
	// ReportMFA is what a credential report generated before a change says
	// of root's MFA (mfa_active), when it lags the live account summary.
	ReportMFA *bool `yaml:"reportMfa"`
}

// User is an IAM user.
type User struct {
	Name                string      `yaml:"name"`
	Created             time.Time   `yaml:"created"`
	Password            bool        `yaml:"password"`
	PasswordLastUsed    *time.Time  `yaml:"passwordLastUsed"`
	PasswordLastChanged *time.Time  `yaml:"passwordLastChanged"`
	MFA                 bool        `yaml:"mfa"`
	AccessKeys          []AccessKey `yaml:"accessKeys"`
}

// AccessKey is an IAM access key (the credential report has two slots).
type AccessKey struct {
	ID          string     `yaml:"id"`
	Active      bool       `yaml:"active"`
	LastRotated time.Time  `yaml:"lastRotated"`
	LastUsed    *time.Time `yaml:"lastUsed"`
	LastService string     `yaml:"lastService"`
	LastRegion  string     `yaml:"lastRegion"`
}

// PasswordPolicy is the account password policy.
type PasswordPolicy struct {
	MinimumLength   int  `yaml:"minimumLength"`
	RequireSymbols  bool `yaml:"requireSymbols"`
	RequireNumbers  bool `yaml:"requireNumbers"`
	RequireUpper    bool `yaml:"requireUppercase"`
	RequireLower    bool `yaml:"requireLowercase"`
	MaxAge          int  `yaml:"maxAge"`
	ReusePrevention int  `yaml:"reusePrevention"`
}

// IAMPolicy is a customer-managed policy with its default version.
type IAMPolicy struct {
	Name        string `yaml:"name"`
	Path        string `yaml:"path"`
	Attachments int    `yaml:"attachments"`
	// Document is the default version's JSON.
	Document string `yaml:"document"`
	Version  string `yaml:"version"` // default version id, v1 when empty
}

// Load reads a world from a YAML file.
func Load(path string) (*World, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data)
}

// Parse reads a world from YAML; unknown fields are an error so a typo in a
// test world does not silently change what is served.
func Parse(data []byte) (*World, error) {
	var w World
	if err := yaml.UnmarshalWithOptions(data, &w, yaml.Strict()); err != nil {
		return nil, fmt.Errorf("cloudsim world: %w", err)
	}
	if err := w.validate(); err != nil {
		return nil, fmt.Errorf("cloudsim world: %w", err)
	}
	return &w, nil
}

func (w *World) validate() error {
	seen := map[string]bool{}
	for _, a := range w.AWS.Accounts {
		if len(a.ID) != 12 {
			return fmt.Errorf("aws account %q: want a 12-digit id", a.ID)
		}
		if seen[a.ID] {
			return fmt.Errorf("aws account %s listed twice", a.ID)
		}
		seen[a.ID] = true
	}
	for key, acct := range w.AWS.AccessKeys {
		if !seen[acct] {
			return fmt.Errorf("access key %s belongs to account %s, which the world does not list", key, acct)
		}
	}
	if err := w.Azure.validate(); err != nil {
		return err
	}
	return w.GCP.validate()
}

// Account returns the AWS account with id, or nil.
func (w *AWSWorld) Account(id string) *Account {
	for _, a := range w.Accounts {
		if a.ID == id {
			return a
		}
	}
	return nil
}
