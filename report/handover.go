package report

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// Handover is the content of a handover report, which the Markdown and the
// HTML writers both render, so that the two read the same: the parties
// with what each has to act on, what could not be read or evaluated, how
// the scan was made, and the domain × party matrix.
//
// Every string in it has been through PrintableLines, and it shares no
// slice with the document it was built from.
type Handover struct {
	Scan    HandoverScan
	Totals  HandoverTotals
	Matrix  Matrix
	Parties []HandoverParty
	Errors  []HandoverError
	// NotEvaluated are the findings whose input could not be read, in
	// the order of the parties.
	NotEvaluated []UnevaluatedItem
	// PassedOmitted is set when the scan passed controls but the document
	// does not list them (a scan without --include-passed): the report
	// counts them and says they are not listed.
	PassedOmitted bool
	Targets       []TargetStatus
}

// HandoverScan is the scan metadata a report shows.
type HandoverScan struct {
	ID          string
	Tool        string
	Version     string
	Started     string // UTC, "2006-01-02 15:04:05 UTC"; "" when unknown
	Finished    string
	Source      string
	Declaration string // path; "" when unknown
	SHA256      string // of the declaration's bytes; "" when unknown
	Shard       string // "2/4" for one shard of a scan, else ""
}

// HandoverTotals are the counts of the whole scan, from its summary.
type HandoverTotals struct {
	Findings     int
	Failing      int
	NotEvaluated int
	Passed       int
	Accepted     int
	ReadsFailed  int
	// BySeverity are the failing counts, most severe first, zero ones
	// left out.
	BySeverity []SeverityCount
}

// SeverityCount is a count of findings of one severity.
type SeverityCount struct {
	Severity controls.Severity
	Count    int
}

// HandoverParty is one responsible party (or Unassigned) and its findings.
type HandoverParty struct {
	// Key is the party id, or Unassigned.
	Key     string
	Name    string
	Role    string
	Contact string
	// Declared is false for the unassigned group and for a party the
	// findings name that the declaration does not list.
	Declared bool
	// Gaps are the failing ownership.* findings: problems of the
	// declaration, listed first because they decide who acts on the rest.
	Gaps []HandoverItem
	// Failing are the other failing findings grouped by severity, most
	// severe first; severities without findings are left out.
	Failing []SeverityGroup
	// Accepted are failing findings a suppression accepts as a risk.
	Accepted []HandoverItem
	// PassedItems are the passed findings the document lists, most
	// severe first; none unless the scan kept them.
	PassedItems []HandoverItem
	// FailCount counts Gaps and Failing; NotEvaluated the findings whose
	// input could not be read; Passed the passed ones (from the summary).
	FailCount    int
	NotEvaluated int
	Passed       int
}

// SeverityGroup is a party's failing findings of one severity.
type SeverityGroup struct {
	Severity controls.Severity
	Items    []HandoverItem
}

// HandoverItem is one finding as a report lists it.
type HandoverItem struct {
	ID          string
	Control     string
	Title       string
	Severity    controls.Severity
	Domain      inventory.Domain
	Resource    string // name, or id when the resource has no name
	ResourceID  string
	Type        string
	Where       string // cloud target/region
	Message     string
	Remediation string
	// DecidedBy points at the declaration entry that assigned the party,
	// "file:line:col (entry N)"; "" when nobody is assigned.
	DecidedBy string
	// Acceptance says who accepted the risk and until when; "" when the
	// finding is not suppressed.
	Acceptance string
}

// HandoverError is one read that failed, with the controls it left
// unevaluated.
type HandoverError struct {
	Where         string
	Domain        inventory.Domain
	Operation     string
	Permission    string
	ResourceTypes []string
	Message       string
	Controls      []string
}

// UnevaluatedItem is a finding that could not be evaluated (status error):
// whose it is, and why.
type UnevaluatedItem struct {
	// Party is the party id, or Unassigned.
	Party string
	HandoverItem
	// ReadFailure names the failed read that left the input unread
	// ("ssm:DescribeInstancePatchStates in aws 111111111111/eu-west-1");
	// "" when no errors entry names one (the resource was read without the
	// values the control needs). The item's Message says what is missing.
	ReadFailure string
}

// Matrix counts the failing findings per party (rows) and domain
// (columns); accepted risks do not count.
type Matrix struct {
	Domains []inventory.Domain
	Rows    []MatrixRow
}

// MatrixRow is one party's row of the matrix.
type MatrixRow struct {
	Party string // party id or Unassigned
	Label string // party name, or the id when it has none
	Role  string
	Cells []MatrixCell
	Total int
}

// MatrixCell is the failing count of one party in one domain and the worst
// severity among them ("" when the count is zero).
type MatrixCell struct {
	Party  string
	Domain inventory.Domain
	Count  int
	Worst  controls.Severity
}

// timeLayout is how reports show times; always UTC.
const timeLayout = "2006-01-02 15:04:05 UTC"

// BuildHandover assembles the handover report of doc. Parties come in the
// order of the table report: unassigned first (when it holds anything),
// then the declared parties in declaration order, then parties only the
// findings name.
func BuildHandover(doc *Document) *Handover {
	h := &Handover{Scan: handoverScan(doc.Scan), Targets: slices.Clone(doc.Scan.Targets)}
	for i := range h.Targets {
		h.Targets[i].Regions = slices.Clone(h.Targets[i].Regions)
	}
	s := doc.Summary
	h.Totals = HandoverTotals{
		Findings:     s.Total,
		Failing:      s.ByStatus[controls.Fail] - s.Suppressed,
		NotEvaluated: s.ByStatus[controls.Error],
		Passed:       s.ByStatus[controls.Pass],
		Accepted:     s.Suppressed,
		ReadsFailed:  len(doc.Errors),
	}
	for _, sev := range controls.Severities {
		if n := s.BySeverity[sev].Fail; n > 0 {
			h.Totals.BySeverity = append(h.Totals.BySeverity, SeverityCount{sev, n})
		}
	}

	declared := map[string]bool{}
	for _, p := range doc.Parties {
		declared[p.ID] = true
	}
	h.Matrix.Domains = slices.Clone(inventory.Domains)
	for _, g := range groups(doc) {
		p := HandoverParty{Key: g.key, Role: string(g.role), Declared: declared[g.key]}
		p.Name, p.Contact = partyWho(doc, g.key)
		counts := s.ByParty[g.key]
		p.NotEvaluated, p.Passed = counts.Error, counts.Pass
		cells := map[inventory.Domain]*MatrixCell{}
		row := MatrixRow{Party: g.key, Label: cmpOr(p.Name, g.key), Role: p.Role}
		for _, dom := range h.Matrix.Domains {
			row.Cells = append(row.Cells, MatrixCell{Party: g.key, Domain: dom})
		}
		for i := range row.Cells {
			cells[row.Cells[i].Domain] = &row.Cells[i]
		}
		for _, f := range g.suppressed {
			p.Accepted = append(p.Accepted, handoverItem(f))
		}
		for _, f := range g.passed {
			p.PassedItems = append(p.PassedItems, handoverItem(f))
		}
		for _, f := range g.unevaluated {
			it := UnevaluatedItem{Party: g.key, HandoverItem: handoverItem(f)}
			if e := readFailure(doc.Errors, f); e != nil {
				it.ReadFailure = e.failedRead()
			}
			h.NotEvaluated = append(h.NotEvaluated, it)
		}
		bySev := map[controls.Severity][]HandoverItem{}
		for _, f := range g.failing {
			it := handoverItem(f)
			p.FailCount++
			if c := cells[f.Domain]; c != nil {
				c.Count++
				if f.Severity.Rank() > c.Worst.Rank() {
					c.Worst = f.Severity
				}
				row.Total++
			}
			if strings.HasPrefix(f.Control, "ownership.") {
				p.Gaps = append(p.Gaps, it)
				continue
			}
			bySev[f.Severity] = append(bySev[f.Severity], it)
		}
		for _, sev := range controls.Severities {
			if items := bySev[sev]; len(items) > 0 {
				p.Failing = append(p.Failing, SeverityGroup{sev, items})
				delete(bySev, sev)
			}
		}
		// A severity outside the catalogue's set still gets listed, last.
		for _, f := range g.failing {
			if items, ok := bySev[f.Severity]; ok {
				p.Failing = append(p.Failing, SeverityGroup{f.Severity, items})
				delete(bySev, f.Severity)
			}
		}
		h.Parties = append(h.Parties, p)
		h.Matrix.Rows = append(h.Matrix.Rows, row)
	}

	for _, e := range doc.Errors {
		h.Errors = append(h.Errors, HandoverError{
			Where: e.where(), Domain: e.Domain, Operation: e.Operation, Permission: e.Permission,
			ResourceTypes: slices.Clone(e.ResourceTypes), Message: e.Message, Controls: slices.Clone(e.Controls),
		})
	}
	if s.ByStatus[controls.Pass] > 0 {
		h.PassedOmitted = !slices.ContainsFunc(doc.Findings, func(f rules.Finding) bool { return f.Status == controls.Pass })
	}
	printableStrings(reflect.ValueOf(h))
	return h
}

func handoverScan(s Scan) HandoverScan {
	out := HandoverScan{
		ID: s.ID, Tool: s.Tool.Name, Version: s.Tool.Version, Source: s.Source,
		Started: reportTime(s.Started), Finished: reportTime(s.Finished),
		Declaration: s.Declaration.Path, SHA256: s.Declaration.SHA256,
	}
	if s.Shard != nil {
		out.Shard = fmt.Sprintf("%d/%d", s.Shard.Index, s.Shard.Count)
	}
	return out
}

func reportTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// partyWho finds a party's name and contact: from the declaration's list,
// else from a finding that names it.
func partyWho(doc *Document, key string) (name, contact string) {
	for _, p := range doc.Parties {
		if p.ID == key {
			return p.Name, p.Contact
		}
	}
	for _, f := range doc.Findings {
		if r := f.Responsible; r != nil && r.Party == key {
			return r.Name, r.Contact
		}
	}
	return "", ""
}

func handoverItem(f rules.Finding) HandoverItem {
	it := HandoverItem{
		ID: f.ID, Control: f.Control, Title: f.Title, Severity: f.Severity, Domain: f.Domain,
		Resource: ResourceLabel(f.Resource), ResourceID: f.Resource.ID, Type: f.Resource.Type,
		Where: Location(f.Resource), Message: f.Message, Remediation: f.Remediation,
	}
	if r := f.Responsible; r != nil && r.DecidedBy.File != "" {
		d := r.DecidedBy
		it.DecidedBy = fmt.Sprintf("%s:%d:%d (entry %d, %s)", d.File, d.Line, d.Column, d.Entry, d.Via)
	}
	it.Acceptance = acceptance(f)
	return it
}

// cmpOr returns the first non-empty string.
func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// acceptance says who accepted f as a risk, until when, why, and which
// suppression entry says so; "" when no suppression accepts it.
func acceptance(f rules.Finding) string {
	sp := f.Suppressed
	if sp == nil {
		return ""
	}
	out := fmt.Sprintf("by %s until %s", sp.AcceptedBy, sp.Expires)
	if sp.Reason != "" {
		out += ": " + sp.Reason
	}
	if sp.File != "" {
		out += fmt.Sprintf(" (%s:%d:%d, suppression %d)", sp.File, sp.Line, sp.Column, sp.Entry)
	}
	return out
}

// printableStrings rewrites every string v holds with PrintableLines: the
// Markdown and HTML reports then show control characters, escape
// sequences and bidirectional controls from the clouds as text, whoever
// reads the file and with what.
func printableStrings(v reflect.Value) {
	eachString(v, func(s reflect.Value) { s.SetString(PrintableLines(s.String())) })
}

// eachString calls f with every settable string v holds, through
// pointers, exported struct fields and slices (not maps).
func eachString(v reflect.Value, f func(reflect.Value)) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			eachString(v.Elem(), f)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				eachString(v.Field(i), f)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			eachString(v.Index(i), f)
		}
	case reflect.String:
		if v.CanSet() {
			f(v)
		}
	}
}
