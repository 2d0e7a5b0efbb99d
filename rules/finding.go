package rules

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
)

// Finding is one result: a control on a resource, or an ownership problem.
type Finding struct {
	// ID is stable across scans: the same control on the same resource
	// always has the same id (see FindingID).
	ID       string            `json:"id"`
	Control  string            `json:"control"`
	Title    string            `json:"title"`
	Domain   inventory.Domain  `json:"domain"`
	Severity controls.Severity `json:"severity"`
	Status   controls.Status   `json:"status"`
	Resource ResourceRef       `json:"resource"`
	// Responsible is the declared party; null when no declaration entry
	// assigns the resource's domain (an ownership.unassigned finding).
	Responsible *Responsible `json:"responsible"`
	// ExpectedRoles are the roles the responsibility model allows to own
	// the (resource type, domain) cell.
	ExpectedRoles []controls.Role `json:"expectedRoles"`
	Evidence      map[string]any  `json:"evidence,omitempty"`
	Message       string          `json:"message"`
	Remediation   string          `json:"remediation,omitempty"`
	References    []string        `json:"references,omitempty"`
	// Suppressed is set on a failing finding an unexpired declaration
	// suppression accepts; the finding keeps its status.
	Suppressed *Suppression `json:"suppressed,omitempty"`
}

// Suppression says which declaration suppression accepted a finding's
// risk, who accepted it and until when.
type Suppression struct {
	Reason string `json:"reason"`
	// AcceptedBy is the id of the declared party that accepted the risk.
	AcceptedBy string `json:"acceptedBy"`
	// Expires is the last day the acceptance holds (YYYY-MM-DD).
	Expires string `json:"expires"`
	// Entry is the index in the declaration's suppressions (0-based).
	Entry  int    `json:"entry"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// ResourceRef identifies the resource a finding is about.
type ResourceRef struct {
	Cloud  inventory.Cloud   `json:"cloud,omitempty"`
	Target string            `json:"target,omitempty"`
	Region string            `json:"region,omitempty"`
	Type   string            `json:"type"`
	ID     string            `json:"id"`
	Name   string            `json:"name,omitempty"`
	Tags   map[string]string `json:"tags,omitempty"`
}

// Ref returns the finding's reference to r.
func Ref(r inventory.Resource) ResourceRef {
	return ResourceRef{Cloud: r.Cloud, Target: r.Target, Region: r.Region, Type: r.Type, ID: r.ID, Name: r.Name, Tags: r.Tags}
}

// Responsible is the party a finding is attributed to, and why.
type Responsible struct {
	Party   string        `json:"party"`
	Role    controls.Role `json:"role"`
	Name    string        `json:"name,omitempty"`
	Contact string        `json:"contact,omitempty"`
	// DecidedBy is the declaration entry that assigned the party.
	DecidedBy Decision `json:"decidedBy"`
}

// Decision points at the declaration entry that decided ownership.
type Decision struct {
	// Entry is the index in responsibilities (0-based), or in
	// suppressions when Via is "suppression".
	Entry int `json:"entry"`
	// Via is "assign" (a domain assignment), "controls" (a per-control
	// override) or "suppression" (the acceptor of an expired suppression,
	// on an ownership.expired_acceptance finding).
	Via    string `json:"via"`
	File   string `json:"file"`
	Line   int    `json:"line"`
	Column int    `json:"column"`
}

// FindingID is the stable id of a finding: a hash of the control id and
// the resource's full identity (cloud, target, region, type, provider id).
func FindingID(control string, ref ResourceRef) string {
	var buf [256]byte
	b := buf[:0]
	for _, s := range [...]string{control, string(ref.Cloud), ref.Target, ref.Region, ref.Type, ref.ID} {
		b = append(append(b, s...), 0)
	}
	sum := sha256.Sum256(b)
	var id [32]byte
	hex.Encode(id[:], sum[:16])
	return string(id[:])
}
