// Package rules evaluates an inventory into findings: it runs the
// catalogue's controls over every resource, attributes each finding to the
// party the declaration makes responsible, checks the declaration itself
// against the responsibility model (the ownership findings) and applies its
// suppressions. It reads the inventory model only; it never sees a cloud
// SDK.
package rules

import (
	"bytes"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

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
//
// Evaluate holds every finding; an Evaluator hands them out one resource
// at a time, for scans too large to hold.
func Evaluate(inv *inventory.Inventory, d *declaration.Declaration) []Finding {
	if inv == nil {
		return nil
	}
	e := NewEvaluator(d, inv.CollectedAt)
	e.SetWorkers(runtime.GOMAXPROCS(0))
	return e.all(inv)
}

// all evaluates inv's resources and returns every finding, sorted.
func (e *Evaluator) all(inv *inventory.Inventory) []Finding {
	var out []Finding
	emit := func(f *Finding) { out = append(out, *f) }
	for i := range inv.Resources {
		e.Resource(&inv.Resources[i], emit)
	}
	e.Finish(inv.Errors, emit)
	SortFindings(out)
	return out
}

// Evaluator evaluates resources one at a time, as a scan reads them or a
// saved inventory is decoded, so that neither the resources nor the
// findings need to be held: each finding is handed out as it is decided,
// and Finish adds the findings that need every resource seen (the
// declaration entries that matched none). It is not safe for concurrent
// use; SetWorkers spreads the checks over several goroutines of its own.
type Evaluator struct {
	worker
	seen map[uidKey]struct{}
	// pool, when set, evaluates on several goroutines (SetWorkers).
	pool *pool
}

// worker is what evaluating a resource needs and changes: the
// declaration, the catalogue and caches of what is worked out once. Each
// goroutine that evaluates has its own.
type worker struct {
	d         *declaration.Declaration
	env       controls.Env
	memo      controls.Memo
	day       string
	catalogue []*controls.Control
	// byType are the catalogue's controls that apply to each type, and
	// cells its cells of the responsibility model, worked out once.
	byType map[string]*typeInfo
	// matched marks the responsibility entries some resource matched.
	matched []bool
	// owners and refs are shared by the findings that have the same
	// responsible party or references; findings are not changed once
	// handed out.
	owners map[ownerKey]*Responsible
	refs   map[refKey][]string
	// entries is scratch: the entries the current resource matches.
	entries []int
	// finding and expired are scratch too: the finding being handed out
	// and the expired suppression's, reused for every control (emit takes
	// a finding only for the call), so that none is made on the heap.
	finding, expired Finding
}

type typeInfo struct {
	controls []*controls.Control
	cells    []controls.Cell
	expected map[inventory.Domain][]controls.Role
}

type ownerKey struct {
	entry      int
	party, via string
}

type refKey struct {
	control string
	cloud   inventory.Cloud
}

// uidKey is a resource identity hashed to 128 bits: enough to tell a
// million resources apart, in a fraction of the memory of the UIDs.
type uidKey [16]byte

// NewEvaluator returns an evaluator of resources collected at collectedAt
// (ages are measured against it) against d.
func NewEvaluator(d *declaration.Declaration, collectedAt time.Time) *Evaluator {
	if d == nil {
		d = &declaration.Declaration{}
	}
	e := &Evaluator{worker: newWorker(d, collectedAt), seen: map[uidKey]struct{}{}}
	e.env.Memo = &e.memo
	return e
}

func newWorker(d *declaration.Declaration, collectedAt time.Time) worker {
	return worker{
		d:         d,
		env:       controls.Env{Settings: d.Settings.WithDefaults(), Now: collectedAt},
		day:       ScanDay(collectedAt),
		catalogue: controls.Controls(),
		byType:    map[string]*typeInfo{},
		matched:   make([]bool, len(d.Responsibilities)),
		owners:    map[ownerKey]*Responsible{},
		refs:      map[refKey][]string{},
	}
}

func (e *worker) typeInfo(t string) *typeInfo {
	ti, ok := e.byType[t]
	if ok {
		return ti
	}
	ti = &typeInfo{expected: map[inventory.Domain][]controls.Role{}}
	for _, c := range e.catalogue {
		if c.Applies(t) {
			ti.controls = append(ti.controls, c)
		}
	}
	ti.cells = cellsOf(t)
	for _, cell := range ti.cells {
		ti.expected[cell.Domain] = cell.Kind.ExpectedRoles()
	}
	e.byType[t] = ti
	return ti
}

// Resource evaluates one resource and hands each of its findings to emit
// (the finding is only valid during the call). It reports false, and
// emits nothing, for a resource that cannot be attributed to a model type
// or that repeats one already evaluated (same UID): a shard merged twice,
// say, whose findings would otherwise have equal ids.
//
// With workers (SetWorkers) the findings of r may be handed to emit by a
// later call, Resource's or Finish's, always on the caller's goroutine;
// r, and what it points to, must then not change after the call.
func (e *Evaluator) Resource(r *inventory.Resource, emit func(*Finding)) bool {
	t, ok := inventory.Types[r.Type]
	if !ok || t.Cloud != r.Cloud {
		return false
	}
	if e.seen != nil {
		k := uidKey(r.UIDHash())
		if _, dup := e.seen[k]; dup {
			return false
		}
		e.seen[k] = struct{}{}
	}
	if e.pool != nil {
		e.pool.add(r, emit)
		return true
	}
	e.evaluate(r, emit)
	return true
}

// Unique tells the evaluator that each resource is handed to it once (a
// streaming scanners.Sink hands on each identity once): it then keeps no
// set of the resources it has seen to drop repeats, a set of 34 MB at a
// million resources. Call it before the first Resource.
func (e *Evaluator) Unique() { e.seen = nil }

// evaluate runs the catalogue's controls and the ownership checks on r.
func (e *worker) evaluate(r *inventory.Resource, emit func(*Finding)) {
	e.memo.Reset()
	e.entries = e.entries[:0]
	for i, entry := range e.d.Responsibilities {
		if entry.Match.Matches(*r) {
			e.entries = append(e.entries, i)
			e.matched[i] = true
		}
	}
	ti := e.typeInfo(r.Type)
	ref := Ref(*r)
	for _, c := range ti.controls {
		res := runCheck(c, e.env, *r)
		if res.Status == controls.NotApplicable {
			continue
		}
		e.finding = e.controlFinding(c, r, ref, ti, res)
		var ok bool
		if e.expired, ok = e.suppress(&e.finding); ok {
			emit(&e.finding)
			emit(&e.expired)
			continue
		}
		emit(&e.finding)
	}
	for _, cell := range ti.cells {
		for _, f := range e.cellFindings(r, ref, cell, ti) {
			emit(&f)
		}
	}
}

// Finish hands out the ownership.unused_scope findings: the entries no
// evaluated resource matched and whose scope was read completely (unread
// are the scan's error entries).
func (e *Evaluator) Finish(unread []inventory.ScanError, emit func(*Finding)) {
	if e.pool != nil {
		for _, w := range e.pool.finish(emit) {
			for i, m := range w.matched {
				e.matched[i] = e.matched[i] || m
			}
		}
		e.pool = nil
	}
	for _, f := range unusedScopes(e.d, e.matched, unread) {
		emit(&f)
	}
}

// resolve is Resolve over the entries the current resource matches, each
// attribution built once per evaluator.
func (e *worker) resolve(domain inventory.Domain, control string) (*Responsible, bool) {
	return resolveAmong(e.d, e.entries, domain, control, func(i int, party, via string) *Responsible {
		k := ownerKey{i, party, via}
		o, ok := e.owners[k]
		if !ok {
			o = responsible(e.d, party, i, via)
			e.owners[k] = o
		}
		return o
	})
}

// references are the control's references about cloud, worked out once.
func (e *worker) references(c *controls.Control, cloud inventory.Cloud) []string {
	k := refKey{c.ID, cloud}
	refs, ok := e.refs[k]
	if !ok {
		refs = cloudReferences(c.References, cloud)
		e.refs[k] = refs
	}
	return refs
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
func (e *worker) controlFinding(c *controls.Control, r *inventory.Resource, ref ResourceRef, ti *typeInfo, res controls.Result) Finding {
	expected := ti.expected[c.Domain]
	if expected == nil {
		expected = []controls.Role{}
	}
	owner, _ := e.resolve(c.Domain, c.ID)
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
		References:    e.references(c, r.Cloud),
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

// SortFindings orders findings as Evaluate returns them: by domain order,
// control id, resource identity and finally id (several ownership
// findings of one kind can concern one resource). The keys are built
// once, not on every comparison.
func SortFindings(fs []Finding) {
	type keyed struct {
		key []byte
		i   int
	}
	keys := make([]keyed, len(fs))
	var arena []byte
	for i := range fs {
		start := len(arena)
		arena = AppendOrderKey(arena, &fs[i])
		keys[i] = keyed{arena[start:len(arena):len(arena)], i}
	}
	slices.SortStableFunc(keys, func(a, b keyed) int { return bytes.Compare(a.key, b.key) })
	sorted := make([]Finding, len(fs))
	for i, k := range keys {
		sorted[i] = fs[k.i]
	}
	copy(fs, sorted)
}

// AppendOrderKey appends to dst a key whose byte order is the order of
// SortFindings: the domain's position, the control id, the resource
// identity (Resource.UID) and the finding id, each ended by a zero byte
// (none of them holds one), so that a shorter value sorts before a longer
// one it starts.
func AppendOrderKey(dst []byte, f *Finding) []byte {
	// An unknown domain (-1) sorts first, as slices.Index orders it.
	dom := slices.Index(inventory.Domains, f.Domain) + 1
	r := &f.Resource
	dst = append(dst, byte(dom))
	dst = append(append(dst, f.Control...), 0)
	dst = append(append(dst, r.Cloud...), '|')
	dst = append(append(dst, r.Target...), '|')
	dst = append(append(dst, r.Region...), '|')
	dst = append(append(dst, r.Type...), '|')
	dst = append(append(dst, r.ID...), 0)
	return append(dst, f.ID...)
}
