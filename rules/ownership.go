package rules

import (
	"fmt"
	"slices"
	"sort"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/inventory"
)

// Ids of the ownership findings: problems of the declaration rather than
// of a resource's configuration.
const (
	OwnershipUnassigned  = "ownership.unassigned"
	OwnershipMisassigned = "ownership.misassigned"
	OwnershipTagConflict = "ownership.tag_conflict"
	OwnershipUnusedScope = "ownership.unused_scope"
	// OwnershipExpiredAcceptance is a failing finding whose suppression
	// expired: the accepted risk needs a new decision.
	OwnershipExpiredAcceptance = "ownership.expired_acceptance"
)

// Ways a declaration entry can decide ownership (Decision.Via).
const (
	ViaAssign   = "assign"
	ViaControls = "controls"
)

// DeclarationEntryType is the ResourceRef type of an unused_scope finding,
// which is about a declaration entry rather than a cloud resource.
const DeclarationEntryType = "declaration.responsibility"

// ownershipControls hold the metadata of the ownership findings. They are
// not registered: they have no Check, span every domain, and Lookup must
// not return them so that a declaration cannot reassign them.
var ownershipControls = []*controls.Control{
	{
		ID:          OwnershipUnassigned,
		Title:       "Nobody is declared responsible",
		Severity:    controls.High,
		Rationale:   "A customer-side or shared responsibility that no declaration entry assigns is work every party can assume another one does; findings in it reach nobody.",
		Remediation: "Add or widen a responsibilities entry whose match selects the resource and whose assign names a party for the domain.",
	},
	{
		ID:          OwnershipMisassigned,
		Title:       "Declared party cannot own this responsibility",
		Severity:    controls.High,
		Rationale:   "The providers' shared-responsibility models say which side can act on each resource type and domain; a party of the wrong role will never do the work it is declared to own.",
		Remediation: "Assign the domain (or control) for these resources to a party whose role the responsibility model expects.",
	},
	{
		ID:          OwnershipTagConflict,
		Title:       "Ownership tag disagrees with the declaration",
		Severity:    controls.Medium,
		Rationale:   "When the resource's ownership tag and the declaration name different parties, people reading either one act on the wrong owner.",
		Remediation: "Correct the resource's ownership tag, or the declaration entry that decided ownership, so that both name the same party.",
		Notes: "Compared per domain the declaration assigns to a customer or MSP party, when the declaration sets ownershipTag. " +
			"A resource whose tags could not be read (a tag call refused or failed, such as kms:ListResourceTags, s3:GetBucketTagging " +
			"or elasticloadbalancing:DescribeTags) gets this finding with status error, saying so, rather than none: an unread tag " +
			"is no agreement. It counts in ownaudit_ownership_findings like a conflict until the tags can be read again.",
	},
	{
		ID:          OwnershipUnusedScope,
		Title:       "Declaration entry matches no resource",
		Severity:    controls.Low,
		Rationale:   "An entry that selects nothing is usually a typo in a target, region, type or tag, and the resources it was meant for fall to another entry or to nobody.",
		Remediation: "Fix the entry's match so that it selects the intended resources, or remove the entry.",
	},
	{
		ID:          OwnershipExpiredAcceptance,
		Title:       "Accepted risk has expired",
		Severity:    controls.Medium,
		Rationale:   "A suppression records that a party accepted a failing finding until a date; once that date has passed and the finding still fails, nobody has decided to keep the risk, and the finding is counted again.",
		Remediation: "The accepting party fixes the finding, or decides again and moves the suppression's expires date forward (with a current reason), or removes the suppression.",
	},
}

// OwnershipControls returns the metadata of the ownership findings for
// listing. They have no Check and no Domain; Lookup does not return them.
func OwnershipControls() []*controls.Control {
	out := make([]*controls.Control, len(ownershipControls))
	for i, c := range ownershipControls {
		cp := *c
		out[i] = &cp
	}
	return out
}

func ownershipControl(id string) *controls.Control {
	for _, c := range ownershipControls {
		if c.ID == id {
			return c
		}
	}
	panic("rules: unknown ownership control " + id)
}

// Resolve returns the party d makes responsible for control on r in
// domain, and the entry that decided it. Entries are walked in order and
// every matching one that names an owner replaces the previous owner, so
// later entries win; within one entry a controls[control] override beats
// assign[domain]. Pass an empty control to resolve the domain alone. It
// returns nil, false when no entry assigns anything (or d is nil).
func Resolve(d *declaration.Declaration, r inventory.Resource, domain inventory.Domain, control string) (*Responsible, bool) {
	if d == nil {
		return nil, false
	}
	var entries []int
	for i, e := range d.Responsibilities {
		if e.Match.Matches(r) {
			entries = append(entries, i)
		}
	}
	return resolveAmong(d, entries, domain, control, func(i int, party, via string) *Responsible {
		return responsible(d, party, i, via)
	})
}

// resolveAmong is Resolve over the entries (indexes in d's
// responsibilities, in order) that match the resource; attribution builds
// the party entry i gives by way of via.
func resolveAmong(d *declaration.Declaration, entries []int, domain inventory.Domain, control string,
	attribution func(i int, party, via string) *Responsible) (*Responsible, bool) {
	var out *Responsible
	for _, i := range entries {
		e := &d.Responsibilities[i]
		party, via := "", ""
		if p, ok := e.Controls[control]; ok && control != "" {
			party, via = p, ViaControls
		} else if p, ok := e.Assign[domain]; ok {
			party, via = p, ViaAssign
		} else {
			continue
		}
		out = attribution(i, party, via)
	}
	return out, out != nil
}

// responsible builds the attribution to party by entry i. A party the
// declaration does not list (the parser rejects those) keeps an empty role,
// which no cell expects.
func responsible(d *declaration.Declaration, party string, entry int, via string) *Responsible {
	pos := d.Responsibilities[entry].Pos
	out := &Responsible{
		Party:     party,
		DecidedBy: Decision{Entry: entry, Via: via, File: pos.File, Line: pos.Line, Column: pos.Column},
	}
	for _, p := range d.Parties {
		if p.ID == party {
			out.Role, out.Name, out.Contact = p.Role, p.Name, p.Contact
			break
		}
	}
	return out
}

// cellsOf returns the cells of one resource type in domain order.
func cellsOf(resourceType string) []controls.Cell {
	var out []controls.Cell
	for _, d := range inventory.Domains {
		if c, ok := controls.CellFor(resourceType, d); ok {
			out = append(out, c)
		}
	}
	return out
}

// cellFindings are the unassigned, misassigned and tag_conflict findings of
// one resource in one cell of the model.
func (e *worker) cellFindings(r *inventory.Resource, ref ResourceRef, cell controls.Cell, ti *typeInfo) []Finding {
	var out []Finding
	d := e.d
	expected := ti.expected[cell.Domain]
	owner, assigned := e.resolve(cell.Domain, "")
	if !assigned && cell.Kind != controls.ProviderOnly {
		c := ownershipControl(OwnershipUnassigned)
		out = append(out, ownershipFinding(c, cell.Domain, "", ref, nil, expected,
			fmt.Sprintf("no declaration entry assigns %s of %s %q (a %s responsibility)", cell.Domain, r.Type, r.ID, cell.Kind),
			map[string]any{"cell": cell.Kind, "source": cell.Source.URL}))
	}

	// The domain owner and every per-control override on this resource
	// must have a role the cell expects.
	type claim struct {
		owner   *Responsible
		control string
	}
	var claims []claim
	if assigned {
		claims = append(claims, claim{owner, ""})
	}
	for _, c := range ti.controls {
		if c.Domain != cell.Domain {
			continue
		}
		if o, ok := e.resolve(cell.Domain, c.ID); ok && o.DecidedBy.Via == ViaControls {
			claims = append(claims, claim{o, c.ID})
		}
	}
	for _, cl := range claims {
		if slices.Contains(expected, cl.owner.Role) {
			continue
		}
		what := string(cell.Domain)
		ev := map[string]any{"party": cl.owner.Party, "role": cl.owner.Role, "cell": cell.Kind, "source": cell.Source.URL}
		if cl.control != "" {
			what = "control " + cl.control
			ev["control"] = cl.control
		}
		role := string(cl.owner.Role)
		if role == "" {
			role = "undeclared"
		}
		c := ownershipControl(OwnershipMisassigned)
		out = append(out, ownershipFinding(c, cell.Domain, cl.control, ref, cl.owner, expected,
			fmt.Sprintf("%s of %s %q is declared to %q (role %s), but this %s responsibility can only be owned by %s",
				what, r.Type, r.ID, cl.owner.Party, role, cell.Kind, roleList(expected)), ev))
	}

	// The ownership tag names who on the customer side answers for the
	// resource; a domain the provider is declared to own is not compared,
	// since nobody tags a resource with its cloud provider.
	if d.OwnershipTag != "" && assigned && owner.Role != controls.Provider {
		if r.TagsUnknown {
			// A failed tag read is no agreement: the verdict stays open.
			c := ownershipControl(OwnershipTagConflict)
			f := ownershipFinding(c, cell.Domain, "", ref, owner, expected,
				fmt.Sprintf("the tags of %s %q could not be read, so whether its %s tag agrees with the declaration, which assigns %s to %q, is unknown",
					r.Type, r.ID, d.OwnershipTag, cell.Domain, owner.Party),
				map[string]any{"tag": d.OwnershipTag, "unknown": "tags", "declaredParty": owner.Party})
			f.Status = controls.Error
			out = append(out, f)
		} else if v, ok := r.Tags[d.OwnershipTag]; ok && v != owner.Party {
			c := ownershipControl(OwnershipTagConflict)
			out = append(out, ownershipFinding(c, cell.Domain, "", ref, owner, expected,
				fmt.Sprintf("tag %s=%q on %s %q names another party than the declaration, which assigns %s to %q",
					d.OwnershipTag, v, r.Type, r.ID, cell.Domain, owner.Party),
				map[string]any{"tag": d.OwnershipTag, "tagValue": v, "declaredParty": owner.Party}))
		}
	}
	return out
}

// unusedScopes reports every entry that matched no resource (matched[i]
// is false) and whose scope was read completely (an entry over a target or region a
// scanner failed on may match what could not be read, so it is not called
// unused),
// once per domain the entry assigns.
func unusedScopes(d *declaration.Declaration, matched []bool, unread []inventory.ScanError) []Finding {
	var out []Finding
	c := ownershipControl(OwnershipUnusedScope)
	for i, e := range d.Responsibilities {
		if matched[i] || slices.ContainsFunc(unread, e.Match.MayCover) {
			continue
		}
		ref := ResourceRef{Type: DeclarationEntryType, ID: fmt.Sprintf("responsibilities[%d]", i)}
		at := fmt.Sprintf("%s:%d:%d", e.Pos.File, e.Pos.Line, e.Pos.Column)
		for _, domain := range entryDomains(e) {
			owner := entryOwner(d, i, domain)
			out = append(out, ownershipFinding(c, domain, "", ref, owner, []controls.Role{},
				fmt.Sprintf("responsibilities[%d] at %s matches no scanned resource, so its %s assignment decides nothing", i, at, domain),
				map[string]any{"file": e.Pos.File, "line": e.Pos.Line, "column": e.Pos.Column, "match": e.Match}))
		}
	}
	return out
}

// entryDomains are the domains an entry assigns: its assign keys and the
// domains of the controls it overrides, in domain order.
func entryDomains(e declaration.Responsibility) []inventory.Domain {
	set := map[inventory.Domain]bool{}
	for dom := range e.Assign {
		set[dom] = true
	}
	for id := range e.Controls {
		if c := controls.Lookup(id); c != nil {
			set[c.Domain] = true
		}
	}
	var out []inventory.Domain
	for _, dom := range inventory.Domains {
		if set[dom] {
			out = append(out, dom)
		}
	}
	return out
}

// entryOwner is the party entry i gives domain: its assignment, else the
// override of the first of its controls in the domain.
func entryOwner(d *declaration.Declaration, i int, domain inventory.Domain) *Responsible {
	e := d.Responsibilities[i]
	if p, ok := e.Assign[domain]; ok {
		return responsible(d, p, i, ViaAssign)
	}
	ids := make([]string, 0, len(e.Controls))
	for id := range e.Controls {
		if c := controls.Lookup(id); c != nil && c.Domain == domain {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	sort.Strings(ids)
	return responsible(d, e.Controls[ids[0]], i, ViaControls)
}

// ownershipFinding builds one failing ownership finding (the caller makes
// it an error where its input could not be read). Several ownership
// findings of one kind can concern the same resource (one per domain, one
// per overridden control), so the domain and control are part of the id.
func ownershipFinding(c *controls.Control, domain inventory.Domain, control string, ref ResourceRef, owner *Responsible, expected []controls.Role, msg string, ev map[string]any) Finding {
	key := c.ID + "/" + string(domain)
	if control != "" {
		key += "/" + control
	}
	return Finding{
		ID:            FindingID(key, ref),
		Control:       c.ID,
		Title:         c.Title,
		Domain:        domain,
		Severity:      c.Severity,
		Status:        controls.Fail,
		Resource:      ref,
		Responsible:   owner,
		ExpectedRoles: expected,
		Evidence:      ev,
		Message:       msg,
		Remediation:   c.Remediation,
	}
}

func roleList(rs []controls.Role) string {
	s := ""
	for i, r := range rs {
		switch {
		case i == 0:
		case i == len(rs)-1:
			s += " or "
		default:
			s += ", "
		}
		s += string(r)
	}
	return s
}
