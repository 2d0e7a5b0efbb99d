// Package controls holds the control catalogue: each control's metadata
// and its check over one normalized resource, the responsibility model
// (which roles can own a resource type's domain, and the roles
// themselves), and the CIS benchmark references the controls cite. It
// reads the inventory model only; it never sees a cloud SDK, a
// declaration or a finding.
package controls

import (
	"fmt"
	"sort"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// Severity of a control or finding.
type Severity string

// Severities, most severe first.
const (
	Critical Severity = "critical"
	High     Severity = "high"
	Medium   Severity = "medium"
	Low      Severity = "low"
	Info     Severity = "info"
)

// Severities lists every severity, most severe first.
var Severities = []Severity{Critical, High, Medium, Low, Info}

// Rank orders severities: critical is 5, info 1, anything else 0.
func (s Severity) Rank() int {
	for i, x := range Severities {
		if x == s {
			return len(Severities) - i
		}
	}
	return 0
}

// Status of a finding: a closed set.
type Status string

// Finding statuses. NotApplicable is never reported: a check returns it for
// a resource the control does not concern (an asymmetric key for rotation,
// for instance).
const (
	Pass          Status = "pass"
	Fail          Status = "fail"
	Error         Status = "error"
	NotApplicable Status = ""
)

// Statuses lists the reported statuses.
var Statuses = []Status{Fail, Error, Pass}

// Reference points at a benchmark recommendation.
type Reference struct {
	// Benchmark is the benchmark's id as in cis-controls.csv, e.g.
	// "cis_7.0_aws".
	Benchmark string `json:"benchmark"`
	ID        string `json:"id"`
	Title     string `json:"title,omitempty"`
}

// String renders the reference as "cis_7.0_aws:2.4".
func (r Reference) String() string { return r.Benchmark + ":" + r.ID }

// Settings are the declaration's thresholds, with defaults applied.
type Settings struct {
	AccessKeyMaxAgeDays        int  `yaml:"accessKeyMaxAgeDays,omitempty" json:"accessKeyMaxAgeDays,omitempty" jsonschema:"minimum=1,default=90"`
	PatchAssessmentMaxAgeDays  int  `yaml:"patchAssessmentMaxAgeDays,omitempty" json:"patchAssessmentMaxAgeDays,omitempty" jsonschema:"minimum=1,default=7"`
	RequireCustomerManagedKeys bool `yaml:"requireCustomerManagedKeys,omitempty" json:"requireCustomerManagedKeys,omitempty"`
	KeyRotationMaxDays         int  `yaml:"keyRotationMaxDays,omitempty" json:"keyRotationMaxDays,omitempty" jsonschema:"minimum=1,default=365"`
	UnusedCredentialsDays      int  `yaml:"unusedCredentialsDays,omitempty" json:"unusedCredentialsDays,omitempty" jsonschema:"minimum=1,default=45"`
	MaxOwners                  int  `yaml:"maxOwners,omitempty" json:"maxOwners,omitempty" jsonschema:"minimum=1,default=3"`
}

// DefaultSettings are the thresholds used where a declaration is silent.
var DefaultSettings = Settings{
	AccessKeyMaxAgeDays:       90,
	PatchAssessmentMaxAgeDays: 7,
	KeyRotationMaxDays:        365,
	UnusedCredentialsDays:     45,
	MaxOwners:                 3,
}

// WithDefaults fills every unset threshold from DefaultSettings.
func (s Settings) WithDefaults() Settings {
	d := DefaultSettings
	if s.AccessKeyMaxAgeDays == 0 {
		s.AccessKeyMaxAgeDays = d.AccessKeyMaxAgeDays
	}
	if s.PatchAssessmentMaxAgeDays == 0 {
		s.PatchAssessmentMaxAgeDays = d.PatchAssessmentMaxAgeDays
	}
	if s.KeyRotationMaxDays == 0 {
		s.KeyRotationMaxDays = d.KeyRotationMaxDays
	}
	if s.UnusedCredentialsDays == 0 {
		s.UnusedCredentialsDays = d.UnusedCredentialsDays
	}
	if s.MaxOwners == 0 {
		s.MaxOwners = d.MaxOwners
	}
	return s
}

// Env is what a check may read besides the resource.
type Env struct {
	Settings Settings
	// Now is the time ages are measured against: the inventory's collection
	// time.
	Now time.Time
	// Memo, when set, lets the checks of one resource share work they
	// would each repeat (its firewall rules, compiled once for the four
	// firewall controls). A nil Memo computes everything afresh.
	Memo *Memo
}

// Memo is what the checks of one resource share, and what is worth
// keeping from one resource to the next (the address sets of the firewall
// sources met). It belongs to one goroutine, and Reset must be called
// before the next resource's checks, which may not change the resource in
// between.
type Memo struct {
	fwOf   *inventory.FirewallRules
	fw     []*fwRule
	fwSets fwSetCache
}

// Reset forgets the previous resource.
func (m *Memo) Reset() { m.fwOf, m.fw = nil, nil }

// Result is a check's verdict on one resource.
type Result struct {
	Status  Status
	Message string
	// Evidence holds the fields that decided the verdict.
	Evidence map[string]any
}

// Control is one check of the catalogue: metadata plus a pure function.
type Control struct {
	ID            string           `json:"id"`
	Title         string           `json:"title"`
	Domain        inventory.Domain `json:"domain"`
	Severity      Severity         `json:"severity"`
	ResourceTypes []string         `json:"resourceTypes"`
	Rationale     string           `json:"rationale"`
	Remediation   string           `json:"remediation"`
	References    []Reference      `json:"references,omitempty"`
	// Notes say how the check reaches its verdict where the title does not
	// (which inputs decide, which resources it leaves out and why), as
	// Markdown for docs/controls.md.
	Notes string `json:"notes,omitempty"`
	// Check evaluates one resource of one of ResourceTypes. A value the
	// scanner could not read yields Error, never Pass.
	Check func(env Env, r inventory.Resource) Result `json:"-"`
}

// Applies reports whether the control checks resources of type t.
func (c *Control) Applies(t string) bool {
	for _, x := range c.ResourceTypes {
		if x == t {
			return true
		}
	}
	return false
}

// catalogue is filled by register calls from the control files' var
// initialisers; it is read-only after package initialisation.
var catalogue = map[string]*Control{}

// register adds a control to the catalogue. It panics on a duplicate id or
// missing metadata, which the catalogue tests turn into a failure.
func register(c *Control) *Control {
	if _, dup := catalogue[c.ID]; dup {
		panic(fmt.Sprintf("controls: control %q registered twice", c.ID))
	}
	if c.Check == nil || c.Title == "" || c.Severity.Rank() == 0 || !inventory.ValidDomain(c.Domain) || len(c.ResourceTypes) == 0 {
		panic(fmt.Sprintf("controls: control %q has incomplete metadata", c.ID))
	}
	catalogue[c.ID] = c
	return c
}

// Controls returns the catalogue sorted by domain order, then id.
func Controls() []*Control {
	out := make([]*Control, 0, len(catalogue))
	for _, c := range catalogue {
		out = append(out, c)
	}
	order := map[inventory.Domain]int{}
	for i, d := range inventory.Domains {
		order[d] = i
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Domain != out[j].Domain {
			return order[out[i].Domain] < order[out[j].Domain]
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Lookup returns the catalogue control with the given id, or nil. The
// ownership findings are not in the catalogue (see OwnershipControls), so
// a declaration cannot reassign them.
func Lookup(id string) *Control {
	if c, ok := catalogue[id]; ok {
		return c
	}
	return nil
}

// unknown is the Result for a control whose input the scanner did not read.
func unknown(field string) Result {
	return Result{Status: Error, Message: fmt.Sprintf("%s could not be read", field), Evidence: map[string]any{"unknown": field}}
}
