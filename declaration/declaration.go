// Package declaration reads the YAML file that says which party owns which
// domain (or control) for which targets and resources: its Go types, Load
// and Parse (three passes, every problem reported at file:line:col), the
// JSON Schema generated from the types, and how an entry's match selects
// resources. It looks controls up in the catalogue to check the ids a
// declaration names; it never sees a cloud SDK or a finding.
package declaration

import (
	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
)

// Version is the only declaration format version this ownaudit reads.
const Version = 1

// Declaration says which party owns which domain (or control) for which
// targets and resources.
type Declaration struct {
	Version          int              `yaml:"version" json:"version" jsonschema:"enum=1"`
	Parties          []Party          `yaml:"parties" json:"parties" jsonschema:"minItems=1"`
	Targets          Targets          `yaml:"targets,omitempty" json:"targets,omitempty"`
	Responsibilities []Responsibility `yaml:"responsibilities" json:"responsibilities"`
	// OwnershipTag names a resource tag whose value must be the id of the
	// party responsible for the resource.
	OwnershipTag string            `yaml:"ownershipTag,omitempty" json:"ownershipTag,omitempty"`
	Settings     controls.Settings `yaml:"settings,omitempty" json:"settings,omitempty"`
	// Suppressions accept the risk of failing findings until a date.
	Suppressions []SuppressionEntry `yaml:"suppressions,omitempty" json:"suppressions,omitempty"`
	// RateLimits hold APIs of one target below ownaudit's own pace, for
	// an account, subscription or project whose quotas are smaller than
	// the provider's defaults.
	RateLimits []RateLimit `yaml:"rateLimits,omitempty" json:"rateLimits,omitempty"`

	// File is the path the declaration was read from; SHA256 the hex digest
	// of its bytes.
	File   string `yaml:"-" json:"-"`
	SHA256 string `yaml:"-" json:"-"`
}

// Party returns the declared party with the given id.
func (d *Declaration) Party(id string) (Party, bool) {
	for _, p := range d.Parties {
		if p.ID == id {
			return p, true
		}
	}
	return Party{}, false
}

// Party is someone who can be responsible.
type Party struct {
	ID      string        `yaml:"id" json:"id" jsonschema:"pattern=^[a-z0-9][a-z0-9_.-]*$"`
	Role    controls.Role `yaml:"role" json:"role" jsonschema:"enum=customer,enum=msp,enum=provider"`
	Name    string        `yaml:"name,omitempty" json:"name,omitempty"`
	Contact string        `yaml:"contact,omitempty" json:"contact,omitempty"`
}

// Targets are what is scanned, per cloud.
type Targets struct {
	AWS   []AWSTarget   `yaml:"aws,omitempty" json:"aws,omitempty"`
	Azure []AzureTarget `yaml:"azure,omitempty" json:"azure,omitempty"`
	GCP   []GCPTarget   `yaml:"gcp,omitempty" json:"gcp,omitempty"`
}

// AWSTarget is one account, or every account of an organization.
type AWSTarget struct {
	Account    string `yaml:"account,omitempty" json:"account,omitempty" jsonschema:"pattern=^[0-9]{12}$"`
	AssumeRole string `yaml:"assumeRole,omitempty" json:"assumeRole,omitempty"`
	ExternalID string `yaml:"externalId,omitempty" json:"externalId,omitempty"`
	// Organization: list the organization's accounts and assume
	// AssumeRoleName in each ACTIVE one.
	Organization   bool     `yaml:"organization,omitempty" json:"organization,omitempty"`
	AssumeRoleName string   `yaml:"assumeRoleName,omitempty" json:"assumeRoleName,omitempty"`
	Regions        []string `yaml:"regions,omitempty" json:"regions,omitempty"`
}

// AzureTarget is one subscription, every subscription below a
// management group, or every subscription the credentials can see.
type AzureTarget struct {
	Subscription string `yaml:"subscription,omitempty" json:"subscription,omitempty"`
	// ManagementGroup: scan every subscription below it, at any depth.
	ManagementGroup string `yaml:"managementGroup,omitempty" json:"managementGroup,omitempty"`
	// AllSubscriptions: scan every subscription the credentials can see.
	AllSubscriptions bool `yaml:"allSubscriptions,omitempty" json:"allSubscriptions,omitempty"`
	// Cloud is the sovereign cloud: AzurePublic (the default), AzureChina
	// or AzureUSGovernment.
	Cloud   string   `yaml:"cloud,omitempty" json:"cloud,omitempty" jsonschema:"enum=AzurePublic,enum=AzureChina,enum=AzureUSGovernment"`
	Regions []string `yaml:"regions,omitempty" json:"regions,omitempty"`
}

// AzureClouds are the sovereign clouds an Azure target may name.
var AzureClouds = []string{"AzureChina", "AzurePublic", "AzureUSGovernment"}

// GCPTarget is one project, or every active project under an
// organization or a folder.
type GCPTarget struct {
	Project string `yaml:"project,omitempty" json:"project,omitempty"`
	// Organization and Folder are numeric ids: every ACTIVE project under
	// it, at any depth, is scanned.
	Organization string   `yaml:"organization,omitempty" json:"organization,omitempty"`
	Folder       string   `yaml:"folder,omitempty" json:"folder,omitempty"`
	Regions      []string `yaml:"regions,omitempty" json:"regions,omitempty"`
}

// Responsibility is one entry of the declaration: what it matches and whom
// it assigns. Later entries override earlier ones.
type Responsibility struct {
	Match Match `yaml:"match" json:"match"`
	// Assign maps a domain to a party id.
	Assign map[inventory.Domain]string `yaml:"assign,omitempty" json:"assign,omitempty"`
	// Controls maps a control id to a party id (a per-control override).
	Controls map[string]string `yaml:"controls,omitempty" json:"controls,omitempty"`

	// Pos is where the entry starts in the file.
	Pos Position `yaml:"-" json:"-"`
}

// Match selects resources. Every field set must match; an empty match
// selects everything.
type Match struct {
	Cloud         inventory.Cloud   `yaml:"cloud,omitempty" json:"cloud,omitempty" jsonschema:"enum=aws,enum=azure,enum=gcp"`
	Targets       []string          `yaml:"targets,omitempty" json:"targets,omitempty"`
	Regions       []string          `yaml:"regions,omitempty" json:"regions,omitempty"`
	ResourceTypes []string          `yaml:"resourceTypes,omitempty" json:"resourceTypes,omitempty"`
	Tags          map[string]string `yaml:"tags,omitempty" json:"tags,omitempty"`
}

// SuppressionEntry is one accepted risk: the failing findings of Control
// on the resources Resource matches are marked suppressed until Expires
// (inclusive), on the word of the party AcceptedBy.
type SuppressionEntry struct {
	// Control is a catalogue control id; ownership findings cannot be
	// suppressed.
	Control string `yaml:"control" json:"control"`
	// Resource is a resource id (the finding's resource.id), or a glob
	// over it with * (any run of characters, "/" included) and ? (one
	// character).
	Resource   string `yaml:"resource" json:"resource"`
	Reason     string `yaml:"reason" json:"reason"`
	AcceptedBy string `yaml:"acceptedBy" json:"acceptedBy"`
	// Expires is the last day (YYYY-MM-DD) the acceptance holds, compared
	// with the day the inventory was collected.
	Expires string `yaml:"expires" json:"expires"`

	// Pos is where the entry starts in the file.
	Pos Position `yaml:"-" json:"-"`
}

// RateLimit holds the APIs that API matches, in one target, to PerSecond
// calls a second with bursts of Burst: per region and per API, as
// ownaudit paces each API of a target on its own. It can only lower
// ownaudit's own pace, which stays below the provider's published limits.
type RateLimit struct {
	// Target is an AWS account id, an Azure subscription id or a GCP
	// project id; its shape says which cloud it is.
	Target string `yaml:"target" json:"target"`
	// API is a pattern over the API names of the target's cloud, * for
	// any run of characters, case ignored: ec2:Describe*,
	// Microsoft.Compute/*, compute.*.list.
	API       string  `yaml:"api" json:"api"`
	PerSecond float64 `yaml:"perSecond" json:"perSecond" jsonschema:"exclusiveMinimum=0"`
	// Burst is how many calls may start at once; one second's worth of
	// PerSecond (at least 1) when left out.
	Burst int `yaml:"burst,omitempty" json:"burst,omitempty" jsonschema:"minimum=1"`

	// Pos is where the entry starts in the file.
	Pos Position `yaml:"-" json:"-"`
}

// Cloud is the cloud whose target id Target is shaped like; "" when it is
// none.
func (r RateLimit) Cloud() inventory.Cloud {
	for _, c := range inventory.Clouds {
		if ok, _ := targetOK(c, r.Target); ok {
			return c
		}
	}
	return ""
}

// Pace is how fast ownaudit calls one API of a target on its own: what a
// declared rate limit may lower and never raise.
type Pace struct {
	// API is the API's name in its cloud's words (ec2:DescribeInstances).
	API       string
	PerSecond float64
	Burst     int
}

// Position is a place in the declaration file.
type Position struct {
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}
