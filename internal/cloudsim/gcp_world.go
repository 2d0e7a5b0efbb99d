package cloudsim

import (
	"fmt"
	"strings"
)

// GCPWorld is the Google Cloud part of a world: the resource hierarchy
// (organizations, folders, projects) and what each project holds. Field
// names follow the REST resources' JSON names where the world mirrors
// them, so a world reads like the API's answers.
type GCPWorld struct {
	Organizations []GCPNode     `yaml:"organizations"`
	Folders       []GCPNode     `yaml:"folders"`
	Projects      []*GCPProject `yaml:"projects"`
	PageSize      int           `yaml:"pageSize"` // caps every list's page (0: the API's own default)
	// MetadataProject is the project the simulated metadata server says
	// the workload runs in (GKE workload identity, Compute Engine).
	MetadataProject string `yaml:"metadataProject"`
}

// GCPNode is an organization or a folder.
type GCPNode struct {
	ID          string `yaml:"id"`
	Parent      string `yaml:"parent"` // folders: organizations/N or folders/N
	DisplayName string `yaml:"displayName"`
	State       string `yaml:"state"` // ACTIVE (default) or DELETE_REQUESTED
}

// GCPProject is one project and what it holds.
type GCPProject struct {
	ID     string            `yaml:"id"`
	Number string            `yaml:"number"`
	Parent string            `yaml:"parent"` // organizations/N or folders/N
	State  string            `yaml:"state"`  // ACTIVE (default) or DELETE_REQUESTED
	Name   string            `yaml:"displayName"`
	Labels map[string]string `yaml:"labels"`

	IAMPolicy        GCPPolicy             `yaml:"iamPolicy"`
	Networks         []*GCPNetwork         `yaml:"networks"`
	Firewalls        []*GCPFirewall        `yaml:"firewalls"`
	Instances        []*GCPInstance        `yaml:"instances"`
	Disks            []*GCPDisk            `yaml:"disks"`
	SSLPolicies      []*GCPSSLPolicy       `yaml:"sslPolicies"`
	PatchDeployments []*GCPPatchDeployment `yaml:"patchDeployments"`
	KeyRings         []*GCPKeyRing         `yaml:"keyRings"`
	SQLInstances     []*GCPSQLInstance     `yaml:"sqlInstances"`
	Clusters         []*GCPCluster         `yaml:"clusters"`
	Buckets          []*GCPBucket          `yaml:"buckets"`
	ServiceAccounts  []*GCPServiceAccount  `yaml:"serviceAccounts"`
	MissingZones     []string              `yaml:"missingZones"` // GKE zones that did not answer
	Unreachable      []string              `yaml:"unreachable"`  // Compute scopes that did not answer
}

// GCPPolicy is an IAM policy.
type GCPPolicy struct {
	Bindings []GCPBinding `yaml:"bindings"`
}

// GCPBinding grants a role to members, under an optional condition.
type GCPBinding struct {
	Role      string   `yaml:"role"`
	Members   []string `yaml:"members"`
	Condition string   `yaml:"condition"` // CEL expression
}

// GCPNetwork is a VPC network.
type GCPNetwork struct {
	Name                  string `yaml:"name"`
	AutoCreateSubnetworks bool   `yaml:"autoCreateSubnetworks"`
}

// GCPFirewall is a VPC firewall rule.
type GCPFirewall struct {
	Name                  string            `yaml:"name"`
	Network               string            `yaml:"network"`   // network name, default "default"
	Direction             string            `yaml:"direction"` // INGRESS (default) or EGRESS
	Priority              *int              `yaml:"priority"`  // default 1000
	Disabled              bool              `yaml:"disabled"`
	SourceRanges          []string          `yaml:"sourceRanges"`
	DestinationRanges     []string          `yaml:"destinationRanges"`
	SourceTags            []string          `yaml:"sourceTags"`
	SourceServiceAccounts []string          `yaml:"sourceServiceAccounts"`
	TargetTags            []string          `yaml:"targetTags"`
	TargetServiceAccounts []string          `yaml:"targetServiceAccounts"`
	Allowed               []GCPFirewallRule `yaml:"allowed"`
	Denied                []GCPFirewallRule `yaml:"denied"`
}

// GCPFirewallRule is one allowed or denied entry.
type GCPFirewallRule struct {
	Protocol string   `yaml:"IPProtocol"`
	Ports    []string `yaml:"ports"`
}

// GCPInstance is a Compute Engine instance with what OS Config knows of it.
type GCPInstance struct {
	Name   string            `yaml:"name"`
	ID     string            `yaml:"id"` // numeric id, which OS Config names instances by
	Zone   string            `yaml:"zone"`
	Status string            `yaml:"status"` // RUNNING (default), TERMINATED, ...
	Labels map[string]string `yaml:"labels"`
	// Inventory is what the OS Config agent reported; none means the
	// instance reports nothing (no agent, or VM Manager off).
	Inventory           *GCPInventory           `yaml:"inventory"`
	VulnerabilityReport *GCPVulnerabilityReport `yaml:"vulnerabilityReport"`
}

// GCPInventory is an OS Config inventory.
type GCPInventory struct {
	UpdateTime string `yaml:"updateTime"`
	LongName   string `yaml:"longName"`
	ShortName  string `yaml:"shortName"`
	Version    string `yaml:"version"`
	// Available are the updates the agent found available.
	Available []GCPPackage `yaml:"available"`
}

// GCPPackage is one available package or patch. Kind is apt, yum,
// zypperPatch, wua or googet.
type GCPPackage struct {
	ID   string `yaml:"id"`
	Kind string `yaml:"kind"`
	Name string `yaml:"name"`
	// Category is a zypper patch's category ("security") or a Windows
	// update's category ("Security Updates", "Critical Updates").
	Category string `yaml:"category"`
	Severity string `yaml:"severity"`
}

// GCPVulnerabilityReport is an OS Config vulnerability report.
type GCPVulnerabilityReport struct {
	UpdateTime      string             `yaml:"updateTime"`
	Vulnerabilities []GCPVulnerability `yaml:"vulnerabilities"`
}

// GCPVulnerability is one CVE on an instance.
type GCPVulnerability struct {
	CVE       string   `yaml:"cve"`
	Severity  string   `yaml:"severity"` // distro text
	CVSSv3    float64  `yaml:"cvssV3"`
	Available []string `yaml:"available"` // inventory item ids that fix it
}

// GCPDisk is a persistent disk, zonal or regional.
type GCPDisk struct {
	Name       string            `yaml:"name"`
	Zone       string            `yaml:"zone"`
	Region     string            `yaml:"region"`
	KMSKeyName string            `yaml:"kmsKeyName"`
	CSEK       bool              `yaml:"csek"` // customer-supplied key
	Users      []string          `yaml:"users"`
	Labels     map[string]string `yaml:"labels"`
}

// GCPSSLPolicy is an SSL policy, global or regional.
type GCPSSLPolicy struct {
	Name          string `yaml:"name"`
	Region        string `yaml:"region"`
	Profile       string `yaml:"profile"`
	MinTLSVersion string `yaml:"minTlsVersion"`
}

// GCPPatchDeployment is an OS Config patch deployment.
type GCPPatchDeployment struct {
	Name         string              `yaml:"name"`
	State        string              `yaml:"state"` // ACTIVE (default) or PAUSED
	All          bool                `yaml:"all"`
	Zones        []string            `yaml:"zones"`
	Instances    []string            `yaml:"instances"`
	NamePrefixes []string            `yaml:"instanceNamePrefixes"`
	GroupLabels  []map[string]string `yaml:"groupLabels"`
}

// GCPKeyRing is a Cloud KMS key ring and its keys.
type GCPKeyRing struct {
	Name       string          `yaml:"name"`
	Location   string          `yaml:"location"`
	CryptoKeys []*GCPCryptoKey `yaml:"cryptoKeys"`
}

// GCPCryptoKey is a Cloud KMS key.
type GCPCryptoKey struct {
	Name           string            `yaml:"name"`
	Purpose        string            `yaml:"purpose"`        // ENCRYPT_DECRYPT (default), ASYMMETRIC_SIGN, ...
	RotationPeriod string            `yaml:"rotationPeriod"` // e.g. 7776000s; none: no automatic rotation
	State          string            `yaml:"state"`          // the primary version's, ENABLED by default
	Labels         map[string]string `yaml:"labels"`
}

// GCPSQLInstance is a Cloud SQL instance.
type GCPSQLInstance struct {
	Name            string            `yaml:"name"`
	Region          string            `yaml:"region"`
	DatabaseVersion string            `yaml:"databaseVersion"`
	SSLMode         string            `yaml:"sslMode"`
	RequireSSL      bool              `yaml:"requireSsl"`
	KMSKeyName      string            `yaml:"kmsKeyName"`
	Labels          map[string]string `yaml:"labels"`
}

// GCPCluster is a GKE cluster.
type GCPCluster struct {
	Name      string            `yaml:"name"`
	Location  string            `yaml:"location"`
	Labels    map[string]string `yaml:"labels"`
	NodePools []*GCPNodePool    `yaml:"nodePools"`
}

// GCPNodePool is a GKE node pool.
type GCPNodePool struct {
	Name        string `yaml:"name"`
	Version     string `yaml:"version"`
	AutoUpgrade bool   `yaml:"autoUpgrade"`
}

// GCPBucket is a Cloud Storage bucket.
type GCPBucket struct {
	Name              string            `yaml:"name"`
	Location          string            `yaml:"location"`
	DefaultKMSKeyName string            `yaml:"defaultKmsKeyName"`
	Labels            map[string]string `yaml:"labels"`
	IAMPolicy         GCPPolicy         `yaml:"iamPolicy"`
}

// GCPServiceAccount is a service account and its keys.
type GCPServiceAccount struct {
	Email    string      `yaml:"email"`
	Disabled bool        `yaml:"disabled"`
	Keys     []*GCPSAKey `yaml:"keys"`
}

// GCPSAKey is a service account key.
type GCPSAKey struct {
	ID              string `yaml:"id"`
	Type            string `yaml:"type"` // USER_MANAGED (default) or SYSTEM_MANAGED
	ValidAfterTime  string `yaml:"validAfterTime"`
	ValidBeforeTime string `yaml:"validBeforeTime"`
	Disabled        bool   `yaml:"disabled"`
	// LastAuthenticated is what Policy Analyzer reports as the key's last
	// authentication; none means it has no activity on record.
	LastAuthenticated string `yaml:"lastAuthenticated"`
}

// Project returns the project with id, or nil.
func (w *GCPWorld) Project(id string) *GCPProject {
	for _, p := range w.Projects {
		if p.ID == id || (p.Number != "" && p.Number == id) {
			return p
		}
	}
	return nil
}

func (w *GCPWorld) validate() error {
	seen := map[string]bool{}
	for _, p := range w.Projects {
		if p.ID == "" || strings.ContainsAny(p.ID, "/: ") {
			return fmt.Errorf("gcp project %q: want a project id", p.ID)
		}
		if seen[p.ID] {
			return fmt.Errorf("gcp project %s listed twice", p.ID)
		}
		seen[p.ID] = true
		for _, i := range p.Instances {
			if i.ID == "" || i.Zone == "" {
				return fmt.Errorf("gcp project %s: instance %q needs an id and a zone", p.ID, i.Name)
			}
		}
	}
	return nil
}
