// Package rules evaluates an inventory into findings: it runs the
// catalogue's controls over every resource, attributes each finding to the
// party the declaration makes responsible, checks the declaration itself
// against the responsibility model (the ownership findings) and applies its
// suppressions. It reads the inventory model only; it never sees a cloud
// SDK.
package rules

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/inventory"
)

// Evaluate runs every registered control over the inventory, attributes
// each finding to the party the declaration makes responsible, and appends
// the ownership findings. Failing findings that a suppression accepts on
// the inventory's collection day are marked Suppressed; an expired
// suppression that still matches a failing finding becomes an
// ownership.expired_acceptance finding. The result is sorted by domain order, control id
// and resource identity, so two evaluations of the same input are equal.
//
// d should not be nil; a nil d is treated as an empty declaration (every
// customer-side and shared cell unassigned) so that a wiring mistake shows
// up as findings rather than a crash. Resources of a type the inventory
// model does not know, or of the wrong cloud for their type, are skipped,
// as are repeats of a resource already seen (same UID).
func Evaluate(inv *inventory.Inventory, d *declaration.Declaration) []Finding {
	if d == nil {
		d = &declaration.Declaration{}
	}
	if inv == nil {
		return nil
	}
	env := controls.Env{Settings: d.Settings.WithDefaults(), Now: inv.CollectedAt}
	catalogue := controls.Controls()
	resources := evaluable(inv.Resources)

	var out []Finding
	for _, r := range resources {
		for _, c := range catalogue {
			if !c.Applies(r.Type) {
				continue
			}
			res := runCheck(c, env, r)
			if res.Status == controls.NotApplicable {
				continue
			}
			out = append(out, controlFinding(d, c, r, res))
		}
	}
	out = append(out, applySuppressions(d, out, ScanDay(inv.CollectedAt))...)
	out = append(out, ownershipFindings(d, resources, catalogue, inv.Errors)...)
	sortFindings(out)
	return out
}

// evaluable drops resources that cannot be attributed to a model type and
// repeats of the same resource (a shard merged twice, say), which would
// otherwise produce findings with equal ids.
func evaluable(in []inventory.Resource) []inventory.Resource {
	seen := make(map[string]bool, len(in))
	out := make([]inventory.Resource, 0, len(in))
	for _, r := range in {
		t, ok := inventory.Types[r.Type]
		if !ok || t.Cloud != r.Cloud || seen[r.UID()] {
			continue
		}
		seen[r.UID()] = true
		out = append(out, r)
	}
	return out
}

// runCheck runs one check and turns a panic into an error result: a bug in
// one control must not lose the findings of every other one.
func runCheck(c *controls.Control, env controls.Env, r inventory.Resource) (res controls.Result) {
	defer func() {
		if p := recover(); p != nil {
			res = controls.Result{Status: controls.Error, Message: fmt.Sprintf("internal error evaluating %s: %v", c.ID, p)}
		}
	}()
	return c.Check(env, r)
}

// controlFinding turns a check's result on r into a finding.
func controlFinding(d *declaration.Declaration, c *controls.Control, r inventory.Resource, res controls.Result) Finding {
	ref := Ref(r)
	expected := []controls.Role{}
	if cell, ok := controls.CellFor(r.Type, c.Domain); ok {
		expected = cell.Kind.ExpectedRoles()
	}
	owner, _ := Resolve(d, r, c.Domain, c.ID)
	return Finding{
		ID:            FindingID(c.ID, ref),
		Control:       c.ID,
		Title:         c.Title,
		Domain:        c.Domain,
		Severity:      c.Severity,
		Status:        res.Status,
		Resource:      ref,
		Responsible:   owner,
		ExpectedRoles: expected,
		Evidence:      res.Evidence,
		Message:       res.Message,
		Remediation:   c.Remediation,
		References:    cloudReferences(c.References, r.Cloud),
	}
}

// cloudReferences renders the references whose benchmark is about cloud;
// benchmark ids name their cloud as one "_"-separated part ("cis_7.0_aws").
func cloudReferences(refs []controls.Reference, cloud inventory.Cloud) []string {
	var out []string
	for _, ref := range refs {
		if slices.Contains(strings.Split(ref.Benchmark, "_"), string(cloud)) {
			out = append(out, ref.String())
		}
	}
	return out
}

// sortFindings orders findings by domain order, control id, resource
// identity and finally id (several ownership findings of one kind can
// concern one resource).
func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if da, db := slices.Index(inventory.Domains, a.Domain), slices.Index(inventory.Domains, b.Domain); da != db {
			return da < db
		}
		if a.Control != b.Control {
			return a.Control < b.Control
		}
		if ua, ub := refUID(a.Resource), refUID(b.Resource); ua != ub {
			return ua < ub
		}
		return a.ID < b.ID
	})
}

// refUID is the resource identity of a reference, in the form of
// inventory.Resource.UID.
func refUID(r ResourceRef) string {
	return inventory.UID(r.Cloud, r.Target, r.Region, r.Type, r.ID)
}
