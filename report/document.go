// Package report holds the findings document of one scan: the document
// and its summary, its JSON Schema, the merge of shards, and its writers
// (JSON, NDJSON, OCSF, a text table, and the Markdown and HTML handover
// reports) with the format list they are chosen from. The scan-to-scan
// diff is in report/diff and the Prometheus collector in report/metrics.
// It reads the inventory and rules types; it never sees a cloud SDK.
package report

import (
	"cmp"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// SchemaVersion is the version of the findings document. A change that
// removes or retypes a field bumps the major number; new fields bump the
// minor one (1.1 added scan.resources, scan.scanners and
// scan.apiRequests; 1.2 added findings[].suppressed and the summary's
// suppressed counts).
const SchemaVersion = "1.2"

// ToolName is the tool named in every document.
const ToolName = "ownaudit"

// Sources of an inventory; a saved snapshot is SourceInventory + its path.
const (
	SourceScan      = "scan"
	SourceDemo      = "demo"
	SourceInventory = "inventory:"
)

// Target statuses.
const (
	TargetOK      = "ok"
	TargetPartial = "partial"
	TargetFailed  = "failed"
)

// Document is the findings of one scan: what was scanned, every finding,
// what could not be read, and the counts.
type Document struct {
	SchemaVersion string              `json:"schemaVersion"`
	Scan          Scan                `json:"scan"`
	Parties       []declaration.Party `json:"parties"`
	// Findings keep the order they were given to Build in.
	Findings []rules.Finding `json:"findings"`
	Errors   []Error         `json:"errors"`
	// Summary counts every finding of the scan, passed ones included, even
	// in a copy made by WithoutPassed.
	Summary Summary `json:"summary"`

	// tally counts every finding when they were streamed to the output
	// rather than kept (see Stream); nil when Findings holds them.
	tally Tally
}

// Scan describes the scan that produced a document.
type Scan struct {
	// ID is random per scan; diffs use finding ids, not this.
	ID          string         `json:"id"`
	Tool        Tool           `json:"tool"`
	Started     time.Time      `json:"started"`
	Finished    time.Time      `json:"finished"`
	Declaration DeclarationRef `json:"declaration"`
	// Source says where the inventory came from: "scan" (the live clouds),
	// "inventory:FILE" (a saved snapshot) or "demo".
	Source  string         `json:"source"`
	Targets []TargetStatus `json:"targets"`
	// Shard is set when the scan covered one shard of the declared
	// targets (scan --shard); a merge of the shards has none.
	Shard *Shard `json:"shard,omitempty"`
	// Resources counts the resources read, per target and type; types
	// with none are left out.
	Resources []ResourceCount `json:"resources"`
	// Scanners are the scanner runs, one per (cloud, target, region,
	// domain) scanned, as the scanners recorded them in the inventory.
	Scanners []ScannerRun `json:"scanners"`
	// APIRequests count the scan's API requests by outcome.
	APIRequests []APIRequestCount `json:"apiRequests"`
}

// ResourceCount is how many resources of one type a target holds.
type ResourceCount struct {
	Cloud  inventory.Cloud `json:"cloud"`
	Target string          `json:"target"`
	Type   string          `json:"type"`
	Count  int             `json:"count"`
}

// ScannerRun is one run of a domain scanner over a target and region.
type ScannerRun struct {
	Cloud  inventory.Cloud `json:"cloud"`
	Target string          `json:"target"`
	// Region is absent for a run over global resources or a whole target.
	Region  string           `json:"region,omitempty"`
	Scanner inventory.Domain `json:"scanner"`
	// Success is false when the run recorded an error or could not run.
	Success         bool    `json:"success"`
	DurationSeconds float64 `json:"durationSeconds"`
}

// APIRequestCount is how many requests to one API operation ended with
// one outcome. Each attempt counts: a call retried after throttling is
// counted once with the throttling code and once more with its final one.
type APIRequestCount struct {
	Cloud   inventory.Cloud `json:"cloud"`
	Service string          `json:"service"`
	// Operation is the API operation, e.g. DescribeSecurityGroups.
	Operation string `json:"operation"`
	// Code is OK, the provider's error code (ThrottlingException,
	// AccessDenied, ...) or NetworkError when no answer came back.
	Code  string `json:"code"`
	Count int    `json:"count"`
}

// Tool names the program and version that wrote the document.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// DeclarationRef identifies the declaration the findings were judged
// against, so that a signed report pins the exact file.
type DeclarationRef struct {
	Path   string `json:"path,omitempty"`
	SHA256 string `json:"sha256,omitempty"`
}

// TargetStatus is how completely one target was read.
type TargetStatus struct {
	Cloud   inventory.Cloud `json:"cloud"`
	ID      string          `json:"id"`
	Name    string          `json:"name,omitempty"`
	Regions []string        `json:"regions,omitempty"`
	// Status is TargetOK, TargetPartial (some domain failed) or
	// TargetFailed (every domain failed).
	Status string `json:"status"`
	// Errors counts the errors entries for the target.
	Errors int `json:"errors"`
}

// Error is something a scanner could not read, and the controls that leaves
// unevaluated.
type Error struct {
	Cloud         inventory.Cloud  `json:"cloud"`
	Target        string           `json:"target"`
	Region        string           `json:"region,omitempty"`
	Domain        inventory.Domain `json:"domain"`
	Operation     string           `json:"operation,omitempty"`
	ResourceTypes []string         `json:"resourceTypes,omitempty"`
	Message       string           `json:"message"`
	Permission    string           `json:"permission,omitempty"`
	// Controls are the catalogue controls in the domain over the affected
	// resource types.
	Controls []string `json:"controls"`
}

// Meta is what Build cannot learn from the inventory or the declaration.
type Meta struct {
	// ScanID is generated when empty.
	ScanID      string
	ToolVersion string
	Started     time.Time
	Finished    time.Time
	// Source is SourceScan (the default), "inventory:FILE" or SourceDemo.
	Source string
	// APIRequests are the scan's request counts (scanners.Scheduler's
	// Requests); none for a scan that made no request.
	APIRequests []APIRequestCount
	// Resources, when not nil, are the resource counts of a scan whose
	// resources streamed past rather than staying in the inventory;
	// otherwise Build counts the inventory's.
	Resources []ResourceCount
}

// Build assembles the document of one scan. inv and d may be nil (nothing
// scanned, no declaration). The findings are copied, not reordered.
func Build(inv *inventory.Inventory, d *declaration.Declaration, findings []rules.Finding, meta Meta) *Document {
	if inv == nil {
		inv = &inventory.Inventory{}
	}
	id := meta.ScanID
	if id == "" {
		id = newScanID()
	}
	source := meta.Source
	if source == "" {
		source = SourceScan
	}
	doc := &Document{
		SchemaVersion: SchemaVersion,
		Scan: Scan{
			ID:          id,
			Tool:        Tool{Name: ToolName, Version: meta.ToolVersion},
			Started:     meta.Started,
			Finished:    meta.Finished,
			Source:      source,
			Targets:     targetStatuses(inv),
			Resources:   resourceCounts(inv.Resources, meta.Resources),
			Scanners:    scannerRuns(inv.Scanners),
			APIRequests: apiRequests(meta.APIRequests),
		},
		Parties:  []declaration.Party{},
		Findings: make([]rules.Finding, len(findings)),
		Errors:   make([]Error, 0, len(inv.Errors)),
	}
	if d != nil {
		doc.Scan.Declaration = DeclarationRef{Path: d.File, SHA256: d.SHA256}
		doc.Parties = append(doc.Parties, d.Parties...)
	}
	copy(doc.Findings, findings)
	for i := range doc.Findings {
		// Readers of the JSON get an array, never null.
		if doc.Findings[i].ExpectedRoles == nil {
			doc.Findings[i].ExpectedRoles = []controls.Role{}
		}
	}
	controls := controls.Controls()
	for _, e := range inv.Errors {
		doc.Errors = append(doc.Errors, Error{
			Cloud:         e.Cloud,
			Target:        e.Target,
			Region:        e.Region,
			Domain:        e.Domain,
			Operation:     e.Operation,
			ResourceTypes: e.ResourceTypes,
			Message:       e.Message,
			Permission:    e.Permission,
			Controls:      unevaluated(controls, e),
		})
	}
	doc.Summary = Summarize(doc.Findings)
	// Every declared party appears in the summary, so a party with nothing
	// found is visibly zero rather than missing.
	for _, p := range doc.Parties {
		if _, ok := doc.Summary.ByParty[p.ID]; !ok {
			doc.Summary.ByParty[p.ID] = StatusCounts{}
		}
	}
	return doc
}

// resourceCounts counts resources per (cloud, target, type), sorted, plus
// the counts of resources no longer held.
func resourceCounts(rs []inventory.Resource, counted []ResourceCount) []ResourceCount {
	each := make([]ResourceCount, len(rs), len(rs)+len(counted))
	for i, r := range rs {
		each[i] = ResourceCount{Cloud: r.Cloud, Target: r.Target, Type: r.Type, Count: 1}
	}
	return sumResources(append(each, counted...))
}

// sumResources adds up the counts of each (cloud, target, type), sorted.
func sumResources(in []ResourceCount) []ResourceCount {
	return sumByKey(in, func(c *ResourceCount) *int { return &c.Count }, func(a, b ResourceCount) int {
		return cmp.Or(cmp.Compare(a.Cloud, b.Cloud), cmp.Compare(a.Target, b.Target), cmp.Compare(a.Type, b.Type))
	})
}

// sumByKey adds up the counts of entries alike in every other field and
// returns one entry per key, sorted by order.
func sumByKey[T comparable](in []T, count func(*T) *int, order func(a, b T) int) []T {
	index := map[T]int{}
	for _, c := range in {
		n := *count(&c)
		*count(&c) = 0
		index[c] += n
	}
	out := make([]T, 0, len(index))
	for k, n := range index {
		*count(&k) = n
		out = append(out, k)
	}
	slices.SortFunc(out, order)
	return out
}

// scannerRuns copies the inventory's scanner runs, sorted.
func scannerRuns(runs []inventory.ScannerRun) []ScannerRun {
	out := make([]ScannerRun, 0, len(runs))
	for _, r := range runs {
		out = append(out, ScannerRun{Cloud: r.Cloud, Target: r.Target, Region: r.Region, Scanner: r.Domain,
			Success: r.Success, DurationSeconds: r.DurationSeconds})
	}
	slices.SortStableFunc(out, func(a, b ScannerRun) int {
		return cmp.Or(cmp.Compare(a.Cloud, b.Cloud), cmp.Compare(a.Target, b.Target),
			cmp.Compare(a.Region, b.Region), cmp.Compare(a.Scanner, b.Scanner))
	})
	return out
}

// apiRequests copies the request counts, sorted, adding up repeated keys.
func apiRequests(in []APIRequestCount) []APIRequestCount {
	return sumByKey(in, func(c *APIRequestCount) *int { return &c.Count }, func(a, b APIRequestCount) int {
		return cmp.Or(cmp.Compare(a.Cloud, b.Cloud), cmp.Compare(a.Service, b.Service),
			cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Code, b.Code))
	})
}

// addScanCounts adds the counts of src (resources, scanner runs, API
// requests) to dst, as merging the documents of shards needs: resources
// and requests add up, runs are kept side by side (two runs under one key
// merge as the sink merges them: failed if either failed, the longer
// duration). dst's lists are left sorted and never nil.
func addScanCounts(dst *Scan, src Scan) {
	dst.Resources = sumResources(slices.Concat(dst.Resources, src.Resources))

	type runKey struct {
		cloud          inventory.Cloud
		target, region string
		scanner        inventory.Domain
	}
	runs := map[runKey]ScannerRun{}
	for _, r := range slices.Concat(dst.Scanners, src.Scanners) {
		k := runKey{r.Cloud, r.Target, r.Region, r.Scanner}
		if old, ok := runs[k]; ok {
			r.Success = r.Success && old.Success
			r.DurationSeconds = max(r.DurationSeconds, old.DurationSeconds)
		}
		runs[k] = r
	}
	merged := make([]inventory.ScannerRun, 0, len(runs))
	for _, r := range runs {
		merged = append(merged, inventory.ScannerRun{Cloud: r.Cloud, Target: r.Target, Region: r.Region, Domain: r.Scanner,
			Success: r.Success, DurationSeconds: r.DurationSeconds})
	}
	dst.Scanners = scannerRuns(merged)
	dst.APIRequests = apiRequests(slices.Concat(dst.APIRequests, src.APIRequests))
}

// unevaluated lists the controls of e's domain over the resource types e
// left unread; an error naming no types affects every type of its cloud.
func unevaluated(controls []*controls.Control, e inventory.ScanError) []string {
	types := e.ResourceTypes
	if len(types) == 0 {
		for _, name := range inventory.TypeNames() {
			if inventory.Types[name].Cloud == e.Cloud {
				types = append(types, name)
			}
		}
	}
	out := []string{}
	for _, c := range controls {
		if c.Domain != e.Domain {
			continue
		}
		if slices.ContainsFunc(types, c.Applies) {
			out = append(out, c.ID)
		}
	}
	return out
}

// targetKey identifies a target across clouds.
type targetKey struct {
	cloud inventory.Cloud
	id    string
}

// targetStatuses rates each target by the domains its errors cover. Targets
// that only errors name (one that could not even be listed) are added after
// the scanned ones, in the order of their first error.
func targetStatuses(inv *inventory.Inventory) []TargetStatus {
	out := make([]TargetStatus, 0, len(inv.Targets))
	index := map[targetKey]int{}
	for _, t := range inv.Targets {
		k := targetKey{t.Cloud, t.ID}
		if _, dup := index[k]; dup {
			continue
		}
		index[k] = len(out)
		out = append(out, TargetStatus{Cloud: t.Cloud, ID: t.ID, Name: t.Name, Regions: t.Regions})
	}
	failed := map[targetKey]map[inventory.Domain]bool{}
	for _, e := range inv.Errors {
		k := targetKey{e.Cloud, e.Target}
		i, ok := index[k]
		if !ok {
			i = len(out)
			index[k] = i
			out = append(out, TargetStatus{Cloud: e.Cloud, ID: e.Target})
		}
		// A target the inventory does not list gets its regions from the
		// errors, so the report still says where reading failed.
		if e.Region != "" && !known(inv.Targets, k) && !slices.Contains(out[i].Regions, e.Region) {
			out[i].Regions = append(out[i].Regions, e.Region)
		}
		out[i].Errors++
		if failed[k] == nil {
			failed[k] = map[inventory.Domain]bool{}
		}
		failed[k][e.Domain] = true
	}
	for i := range out {
		k := targetKey{out[i].Cloud, out[i].ID}
		n := 0
		for _, dom := range inventory.Domains {
			if failed[k][dom] {
				n++
			}
		}
		switch {
		case n == len(inventory.Domains):
			out[i].Status = TargetFailed
		case n > 0:
			out[i].Status = TargetPartial
		default:
			out[i].Status = TargetOK
		}
	}
	return out
}

// known reports whether the inventory lists the target itself.
func known(targets []inventory.Target, k targetKey) bool {
	return slices.ContainsFunc(targets, func(t inventory.Target) bool { return t.Cloud == k.cloud && t.ID == k.id })
}

// newScanID returns 16 random hex digits.
func newScanID() string {
	var b [8]byte
	// crypto/rand.Read never fails on supported platforms (Go 1.24+).
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
