// Package diff compares two findings documents of the same estate (the
// evidence taken at a handover and a later scan, say): which findings are
// new, resolved or changed, and whose they are, and what changed in the
// declaration. It writes the result as a table, JSON or Markdown.
package diff

import (
	"bufio"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/spill"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/rules"
)

// SchemaVersion is the version of the diff document WriteJSON writes; it
// follows the rules of report.SchemaVersion.
const SchemaVersion = "1.0"

// How a finding stood on a side of a diff where it is not open. Open
// findings carry their own status (fail or error).
const (
	// WasPass: the side lists the finding as passing.
	WasPass = "pass"
	// WasAbsent: the side lists passed findings but not this one, so the
	// control no longer (or not yet) applies: the resource is gone, new,
	// or outside the scanned targets.
	WasAbsent = "absent"
	// WasUnlisted: the side left passed findings out (scan without
	// --include-passed) and does not list this one: it passed or was
	// absent, which that side cannot tell apart. Either way it was not
	// failing.
	WasUnlisted = "unlisted"
)

// Diff is what changed between two findings documents of the same
// estate. Findings are matched by their stable id; only open findings
// (status fail or error) are compared, so the result does not depend on
// whether either scan listed its passed findings:
//
//   - new: open in the new document, not open in the old one (passed,
//     absent or unlisted);
//   - resolved: open in the old document, not open in the new one;
//   - changed: open in both, with a different status (fail, error),
//     severity, responsible party, role or acceptance (suppressed);
//   - unchanged: open in both, none of those different.
//
// An open finding missing from the other document where that document's
// errors[] cover it (same cloud and target, the error's region or none,
// its resource types, and a control it lists) was not read there: it
// counts as status error on that side, never as resolved or new.
type Diff struct {
	SchemaVersion string      `json:"schemaVersion"`
	Old           Scan        `json:"old"`
	New           Scan        `json:"new"`
	Declaration   Declaration `json:"declaration"`
	Counts        Counts      `json:"counts"`
	Findings      Findings    `json:"findings"`
}

// Scan identifies one of the two documents compared.
type Scan struct {
	ScanID            string    `json:"scanId"`
	Finished          time.Time `json:"finished"`
	DeclarationPath   string    `json:"declarationPath,omitempty"`
	DeclarationSHA256 string    `json:"declarationSha256"`
	// PassesListed is false when the document left passed findings out:
	// its summary counts more passes than its findings[] lists.
	PassesListed bool `json:"passesListed"`
}

// Declaration is what changed in the declaration the findings were
// judged against.
type Declaration struct {
	// Changed is true when the declarations' SHA-256 differ.
	Changed        bool                `json:"changed"`
	PartiesAdded   []declaration.Party `json:"partiesAdded"`
	PartiesRemoved []declaration.Party `json:"partiesRemoved"`
	// PartiesChanged are parties in both whose role, name or contact
	// differ.
	PartiesChanged []PartyChange `json:"partiesChanged"`
}

// PartyChange is a declared party present in both declarations whose
// details changed.
type PartyChange struct {
	ID      string        `json:"id"`
	Changes []FieldChange `json:"changes"`
}

// FieldChange is one field's value in the old and the new document.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Fields a ChangedFinding can list.
const (
	FieldStatus   = "status"
	FieldSeverity = "severity"
	FieldParty    = "party"
	FieldRole     = "role"
	// FieldAccepted is "true" when a suppression accepts the finding's
	// risk, "false" otherwise.
	FieldAccepted = "accepted"
)

// Counts counts each category.
type Counts struct {
	New       int `json:"new"`
	Resolved  int `json:"resolved"`
	Changed   int `json:"changed"`
	Unchanged int `json:"unchanged"`
}

// Findings are the listed categories; unchanged findings are only
// counted.
type Findings struct {
	New      []NewFinding      `json:"new"`
	Resolved []ResolvedFinding `json:"resolved"`
	Changed  []ChangedFinding  `json:"changed"`
}

// NewFinding is a finding of the new document that was not open in the
// old one.
type NewFinding struct {
	rules.Finding
	// OldStatus is WasPass, WasAbsent or WasUnlisted.
	OldStatus string `json:"oldStatus"`
}

// ResolvedFinding is a finding of the old document that is no longer
// open in the new one.
type ResolvedFinding struct {
	rules.Finding
	// NewStatus is WasPass, WasAbsent or WasUnlisted.
	NewStatus string `json:"newStatus"`
}

// ChangedFinding is a finding open in both documents with different
// details; Severity, Status and Responsible are the new document's.
type ChangedFinding struct {
	ID          string             `json:"id"`
	Control     string             `json:"control"`
	Title       string             `json:"title"`
	Severity    controls.Severity  `json:"severity"`
	Status      controls.Status    `json:"status"`
	Resource    rules.ResourceRef  `json:"resource"`
	Responsible *rules.Responsible `json:"responsible"`
	// Suppressed is the new document's acceptance of the finding's risk.
	Suppressed *rules.Suppression `json:"suppressed,omitempty"`
	Changes    []FieldChange      `json:"changes"`
}

// open reports whether a finding still needs attention: it failed or
// could not be evaluated.
func open(s controls.Status) bool { return s == controls.Fail || s == controls.Error }

func scanOf(doc *report.Document, passes int) Scan {
	return Scan{
		ScanID: doc.Scan.ID, Finished: doc.Scan.Finished,
		DeclarationPath: doc.Scan.Declaration.Path, DeclarationSHA256: doc.Scan.Declaration.SHA256,
		// The document lists every passed finding its summary counts.
		PassesListed: passes >= doc.Summary.ByStatus[controls.Pass],
	}
}

// side is one document of a diff, without its findings.
type side struct {
	doc *report.Document
	// passes counts the passed findings it lists.
	passes int
}

// missing says how a finding the side does not list as open stood there:
// pass when the side lists it passing (passed).
func (s side) missing(passed bool) string {
	if passed {
		return WasPass
	}
	if s.passes >= s.doc.Summary.ByStatus[controls.Pass] {
		return WasAbsent
	}
	return WasUnlisted
}

// unread reports whether the side's errors cover f: the scan could not
// read what f's control needs on f's resource.
func (s side) unread(f rules.Finding) bool {
	r := f.Resource
	return slices.ContainsFunc(s.doc.Errors, func(e report.Error) bool {
		return e.Cloud == r.Cloud && e.Target == r.Target &&
			(e.Region == "" || e.Region == r.Region) &&
			(len(e.ResourceTypes) == 0 || slices.Contains(e.ResourceTypes, r.Type)) &&
			slices.Contains(e.Controls, f.Control)
	})
}

// Comparer diffs two findings documents without holding their findings:
// ReadOld and ReadNew take the findings, by id, into a sorter that spills
// to disk past its memory budget, and keep the rest of each document;
// Diff walks the findings of both in id order. Findings need not be
// sorted in the documents. Only the findings the diff lists are held. A
// Comparer is used once; Close releases what it holds on disk.
type Comparer struct {
	byID     *spill.Sorter
	old, new side
	value    []byte
}

// Values in the sorter start with the side, then, for an open finding,
// the finding; a finding that is not open is only marked.
const (
	oldOpen = 'o'
	oldShut = 'p'
	newOpen = 'n'
	newShut = 'q'
)

// NewComparer returns a comparer that spills into dir (the system's
// temporary folder when empty).
func NewComparer(dir string) *Comparer { return &Comparer{byID: spill.New(dir, 0)} }

// ReadOld reads the old document, strictly as report.ReadStream does;
// call it before ReadNew.
func (c *Comparer) ReadOld(r io.Reader, max int64) error {
	return c.read(&c.old, oldOpen, oldShut, func(fn func(*rules.Finding) error) (*report.Document, error) {
		return report.ReadStream(r, max, fn)
	})
}

// ReadNew reads the new document, strictly as report.ReadStream does.
func (c *Comparer) ReadNew(r io.Reader, max int64) error {
	return c.read(&c.new, newOpen, newShut, func(fn func(*rules.Finding) error) (*report.Document, error) {
		return report.ReadStream(r, max, fn)
	})
}

func (c *Comparer) read(s *side, openMark, shutMark byte, findings func(fn func(*rules.Finding) error) (*report.Document, error)) error {
	doc, err := findings(func(f *rules.Finding) error {
		if f.Status == controls.Pass {
			s.passes++
		}
		if !open(f.Status) {
			// Only whether it passed matters.
			mark := []byte{shutMark, 0}
			if f.Status == controls.Pass {
				mark[1] = 1
			}
			return c.byID.Add([]byte(f.ID), mark)
		}
		b, err := json.Marshal(f)
		if err != nil {
			return fmt.Errorf("encode finding %s: %w", f.ID, err)
		}
		c.value = append(append(c.value[:0], openMark), b...)
		return c.byID.Add([]byte(f.ID), c.value)
	})
	if err != nil {
		return err
	}
	s.doc = doc
	return nil
}

// Close releases what the comparer holds on disk; Diff does it too.
func (c *Comparer) Close() error { return c.byID.Close() }

// occurrence is one listing of a finding id on one side.
type occurrence struct {
	open   bool
	passed bool
	f      rules.Finding
}

// Compare diffs two findings documents of the same estate; see Diff for
// the categories.
func Compare(oldDoc, newDoc *report.Document) *Diff {
	c := &Comparer{byID: spill.New("", math.MaxInt)} // in memory
	each := func(doc *report.Document) func(fn func(*rules.Finding) error) (*report.Document, error) {
		return func(fn func(*rules.Finding) error) (*report.Document, error) {
			for i := range doc.Findings {
				f := doc.Findings[i]
				if err := fn(&f); err != nil {
					return nil, err
				}
			}
			return doc, nil
		}
	}
	// Nothing is written to disk, so nothing can fail.
	_ = c.read(&c.old, oldOpen, oldShut, each(oldDoc))
	_ = c.read(&c.new, newOpen, newShut, each(newDoc))
	d, _ := c.Diff()
	return d
}

// Diff compares the documents read; see Diff for the categories.
func (c *Comparer) Diff() (*Diff, error) {
	defer c.Close()
	d := &Diff{
		SchemaVersion: SchemaVersion,
		Old:           scanOf(c.old.doc, c.old.passes),
		New:           scanOf(c.new.doc, c.new.passes),
		Declaration:   compareDeclarations(c.old.doc, c.new.doc),
		Findings:      Findings{New: []NewFinding{}, Resolved: []ResolvedFinding{}, Changed: []ChangedFinding{}},
	}
	// The listings of one id: the old document's, then the new one's, each
	// in the order listed.
	var id []byte
	var olds, news []occurrence
	flush := func() {
		if len(olds)+len(news) > 0 {
			d.compare(c.old, c.new, olds, news)
		}
		olds, news = olds[:0], news[:0]
	}
	err := c.byID.Each(func(key, val []byte) error {
		if string(key) != string(id) {
			flush()
			id = append(id[:0], key...)
		}
		o := occurrence{}
		switch val[0] {
		case oldOpen, newOpen:
			o.open = true
			if err := json.Unmarshal(val[1:], &o.f); err != nil {
				return fmt.Errorf("read findings back: %w", err)
			}
		default:
			o.passed = val[1] == 1
		}
		if val[0] == oldOpen || val[0] == oldShut {
			olds = append(olds, o)
		} else {
			news = append(news, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	flush()
	// A status that is the same on both sides (error: not read, and
	// error listed) is no change.
	d.Findings.Changed = slices.DeleteFunc(d.Findings.Changed, func(c ChangedFinding) bool {
		if len(c.Changes) == 0 {
			d.Counts.Unchanged++
			return true
		}
		return false
	})
	slices.SortStableFunc(d.Findings.New, func(a, b NewFinding) int { return compareFindings(a.Finding, b.Finding) })
	slices.SortStableFunc(d.Findings.Resolved, func(a, b ResolvedFinding) int { return compareFindings(a.Finding, b.Finding) })
	slices.SortStableFunc(d.Findings.Changed, func(a, b ChangedFinding) int {
		return compareFindings(
			rules.Finding{ID: a.ID, Control: a.Control, Severity: a.Severity, Resource: a.Resource},
			rules.Finding{ID: b.ID, Control: b.Control, Severity: b.Severity, Resource: b.Resource})
	})
	d.Counts.New = len(d.Findings.New)
	d.Counts.Resolved = len(d.Findings.Resolved)
	d.Counts.Changed = len(d.Findings.Changed)
	return d, nil
}

// compare adds to d the listings of one finding id in the old and the
// new document. A side that lists an id more than once is judged by its
// last listing, each listing of the other side against it.
func (d *Diff) compare(o, n side, olds, news []occurrence) {
	for _, nf := range news {
		if !nf.open {
			continue
		}
		switch {
		case len(olds) > 0 && olds[len(olds)-1].open:
			if ch := findingChanges(olds[len(olds)-1].f, nf.f); len(ch) > 0 {
				d.Findings.Changed = append(d.Findings.Changed, changed(nf.f, ch))
			} else {
				d.Counts.Unchanged++
			}
		case len(olds) == 0 && o.unread(nf.f):
			d.Findings.Changed = append(d.Findings.Changed, changed(nf.f, statusChange(controls.Error, nf.f.Status)))
		default:
			d.Findings.New = append(d.Findings.New, NewFinding{Finding: nf.f, OldStatus: o.missing(len(olds) > 0 && olds[len(olds)-1].passed)})
		}
	}
	for _, of := range olds {
		if !of.open {
			continue
		}
		switch {
		case len(news) > 0 && news[len(news)-1].open:
			// Compared above.
		case len(news) == 0 && n.unread(of.f):
			// Not read in the new scan: its details are the old ones.
			c := changed(of.f, statusChange(of.f.Status, controls.Error))
			c.Status = controls.Error
			d.Findings.Changed = append(d.Findings.Changed, c)
		default:
			d.Findings.Resolved = append(d.Findings.Resolved, ResolvedFinding{Finding: of.f, NewStatus: n.missing(len(news) > 0 && news[len(news)-1].passed)})
		}
	}
}

// compareFindings orders the most severe first, then by control,
// resource and place, then id, so that a diff always reads the same.
func compareFindings(a, b rules.Finding) int {
	return cmp.Or(
		cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
		cmp.Compare(a.Control, b.Control),
		cmp.Compare(report.ResourceLabel(a.Resource), report.ResourceLabel(b.Resource)),
		cmp.Compare(report.Location(a.Resource), report.Location(b.Resource)),
		cmp.Compare(a.ID, b.ID))
}

func changed(f rules.Finding, ch []FieldChange) ChangedFinding {
	return ChangedFinding{ID: f.ID, Control: f.Control, Title: f.Title, Severity: f.Severity, Status: f.Status,
		Resource: f.Resource, Responsible: f.Responsible, Suppressed: f.Suppressed, Changes: ch}
}

func statusChange(o, n controls.Status) []FieldChange {
	if o == n {
		return nil
	}
	return []FieldChange{{Field: FieldStatus, Old: string(o), New: string(n)}}
}

// findingChanges lists the fields of one finding that differ between the
// documents, in a fixed order.
func findingChanges(o, n rules.Finding) []FieldChange {
	var out []FieldChange
	add := func(field, a, b string) {
		if a != b {
			out = append(out, FieldChange{Field: field, Old: a, New: b})
		}
	}
	add(FieldStatus, string(o.Status), string(n.Status))
	add(FieldSeverity, string(o.Severity), string(n.Severity))
	add(FieldParty, report.PartyKey(o), report.PartyKey(n))
	add(FieldRole, roleOf(o), roleOf(n))
	add(FieldAccepted, fmt.Sprint(o.Suppressed != nil), fmt.Sprint(n.Suppressed != nil))
	return out
}

// roleOf is the responsible party's role, or "" when nobody is.
func roleOf(f rules.Finding) string {
	if f.Responsible == nil {
		return ""
	}
	return string(f.Responsible.Role)
}

// compareDeclarations compares the declarations' hashes and parties.
func compareDeclarations(oldDoc, newDoc *report.Document) Declaration {
	d := Declaration{
		Changed:        oldDoc.Scan.Declaration.SHA256 != newDoc.Scan.Declaration.SHA256,
		PartiesAdded:   []declaration.Party{},
		PartiesRemoved: []declaration.Party{},
		PartiesChanged: []PartyChange{},
	}
	index := func(ps []declaration.Party) map[string]declaration.Party {
		m := make(map[string]declaration.Party, len(ps))
		for _, p := range ps {
			m[p.ID] = p
		}
		return m
	}
	olds, news := index(oldDoc.Parties), index(newDoc.Parties)
	for _, p := range oldDoc.Parties {
		if _, ok := news[p.ID]; !ok {
			d.PartiesRemoved = append(d.PartiesRemoved, p)
		}
	}
	for _, p := range newDoc.Parties {
		o, ok := olds[p.ID]
		if !ok {
			d.PartiesAdded = append(d.PartiesAdded, p)
			continue
		}
		var ch []FieldChange
		for _, f := range []FieldChange{
			{Field: "role", Old: string(o.Role), New: string(p.Role)},
			{Field: "name", Old: o.Name, New: p.Name},
			{Field: "contact", Old: o.Contact, New: p.Contact},
		} {
			if f.Old != f.New {
				ch = append(ch, f)
			}
		}
		if len(ch) > 0 {
			d.PartiesChanged = append(d.PartiesChanged, PartyChange{ID: p.ID, Changes: ch})
		}
	}
	return d
}

// NewFailures counts the findings that fail in the new document at
// severity min or above and did not fail in the old one: new findings
// with status fail, and changed findings whose status became fail (from
// error: the old scan could not evaluate them). A finding whose risk a
// suppression accepts is not counted, as --fail-on does not count it.
// It is what diff --fail-on-new compares against.
func (d *Diff) NewFailures(min controls.Severity) int {
	n := 0
	for _, f := range d.Findings.New {
		if f.Status == controls.Fail && f.Suppressed == nil && f.Severity.Rank() >= min.Rank() {
			n++
		}
	}
	for _, c := range d.Findings.Changed {
		if c.Status != controls.Fail || c.Severity.Rank() < min.Rank() || c.Suppressed != nil {
			continue
		}
		if slices.ContainsFunc(c.Changes, func(ch FieldChange) bool { return ch.Field == FieldStatus }) {
			n++
		}
	}
	return n
}

// Diff formats, named as the document's.
const (
	FormatTable    = report.FormatTable
	FormatJSON     = report.FormatJSON
	FormatMarkdown = report.FormatMarkdown
)

// formats are the diff's formats.
var formats = report.FormatList[*Diff]{
	{Name: FormatTable, Write: WriteTable},
	{Name: FormatJSON, Write: WriteJSON},
	{Name: FormatMarkdown, Write: WriteMarkdown},
}

// Formats lists the formats Write accepts.
func Formats() []string { return formats.Names() }

// Write writes d in the named format.
func Write(w io.Writer, format string, d *Diff) error { return formats.Write(w, format, d) }

// WriteJSON writes d as one indented JSON document.
func WriteJSON(w io.Writer, d *Diff) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(d); err != nil {
		return fmt.Errorf("write diff json: %w", err)
	}
	return nil
}

// countsLine is the diff's last line: "2 new (1 failing), 1 changed, 1
// resolved, 12 unchanged".
func (d *Diff) countsLine() string {
	failing := 0
	for _, f := range d.Findings.New {
		if f.Status == controls.Fail {
			failing++
		}
	}
	return fmt.Sprintf("%d new (%d failing), %d changed, %d resolved, %d unchanged",
		d.Counts.New, failing, d.Counts.Changed, d.Counts.Resolved, d.Counts.Unchanged)
}

// orNone is s, or "none" when it is empty.
func orNone(s string) string { return cmp.Or(s, "none") }

// scanLine describes one side of the diff.
func scanLine(s Scan) string {
	line := "scan " + orNone(s.ScanID)
	if !s.Finished.IsZero() {
		line += ", finished " + s.Finished.UTC().Format(time.DateTime) + " UTC"
	}
	line += ", declaration"
	if s.DeclarationPath != "" {
		line += " " + s.DeclarationPath
	}
	line += " (sha256 " + orNone(s.DeclarationSHA256) + ")"
	if !s.PassesListed {
		line += ", passed findings not listed"
	}
	return line
}

// changesText renders field changes as "status error → fail; party a → b".
func changesText(ch []FieldChange) string {
	parts := make([]string, len(ch))
	for i, c := range ch {
		parts[i] = fmt.Sprintf("%s %s → %s", c.Field, orNone(c.Old), orNone(c.New))
	}
	return strings.Join(parts, "; ")
}

// declarationLines describe the declaration changes, one per line.
func (d *Diff) declarationLines() []string {
	dd := d.Declaration
	var out []string
	if dd.Changed {
		out = append(out, fmt.Sprintf("changed (sha256 %s → %s)", orNone(d.Old.DeclarationSHA256), orNone(d.New.DeclarationSHA256)))
	} else {
		out = append(out, "unchanged")
	}
	for _, p := range dd.PartiesAdded {
		out = append(out, "party added: "+report.PartyLabel(p))
	}
	for _, p := range dd.PartiesRemoved {
		out = append(out, "party removed: "+report.PartyLabel(p))
	}
	for _, p := range dd.PartiesChanged {
		out = append(out, "party changed: "+p.ID+": "+changesText(p.Changes))
	}
	return out
}

// WriteTable writes d for people: both scans, the declaration
// changes, then the new, changed and resolved findings, most severe
// first, and a counts line.
func WriteTable(w io.Writer, d *Diff) error {
	bw := bufio.NewWriter(w)
	// Every value from the documents goes through report.Printable: none
	// can add a row or drive the terminal.
	fmt.Fprintf(bw, "old: %s\nnew: %s\n", report.Printable(scanLine(d.Old)), report.Printable(scanLine(d.New)))
	decl := d.declarationLines()
	fmt.Fprintf(bw, "declaration: %s\n", report.Printable(decl[0]))
	for _, l := range decl[1:] {
		fmt.Fprintf(bw, "  %s\n", report.Printable(l))
	}

	rows := func(title string, head []string, cells [][]string) error {
		fmt.Fprintf(bw, "\n%s (%d):\n", title, len(cells))
		if len(cells) == 0 {
			fmt.Fprintln(bw, "  none")
			return nil
		}
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintf(tw, "  %s\n", strings.Join(head, "\t"))
		for _, c := range cells {
			for i := range c {
				c[i] = report.Printable(c[i])
			}
			fmt.Fprintf(tw, "  %s\n", strings.Join(c, "\t"))
		}
		return tw.Flush()
	}
	var cells [][]string
	for _, f := range d.Findings.New {
		cells = append(cells, []string{string(f.Severity), string(f.Status) + acceptedMark(f.Suppressed), f.Control,
			report.ResourceLabel(f.Resource), report.Location(f.Resource), report.PartyKey(f.Finding), f.OldStatus, report.FirstLine(f.Message)})
	}
	if err := rows("new", []string{"SEVERITY", "STATUS", "CONTROL", "RESOURCE", "WHERE", "PARTY", "WAS", "MESSAGE"}, cells); err != nil {
		return err
	}
	cells = nil
	for _, c := range d.Findings.Changed {
		cells = append(cells, []string{string(c.Severity), string(c.Status) + acceptedMark(c.Suppressed), c.Control,
			report.ResourceLabel(c.Resource), report.Location(c.Resource), changesText(c.Changes)})
	}
	if err := rows("changed", []string{"SEVERITY", "STATUS", "CONTROL", "RESOURCE", "WHERE", "CHANGES"}, cells); err != nil {
		return err
	}
	cells = nil
	for _, f := range d.Findings.Resolved {
		cells = append(cells, []string{string(f.Severity), string(f.Status), f.Control,
			report.ResourceLabel(f.Resource), report.Location(f.Resource), report.PartyKey(f.Finding), f.NewStatus})
	}
	if err := rows("resolved", []string{"SEVERITY", "WAS", "CONTROL", "RESOURCE", "WHERE", "PARTY", "NOW"}, cells); err != nil {
		return err
	}
	fmt.Fprintf(bw, "\n%s\n", d.countsLine())
	return bw.Flush()
}

// acceptedMark notes a finding whose risk a suppression accepts.
func acceptedMark(s *rules.Suppression) string {
	if s == nil {
		return ""
	}
	return " (accepted)"
}

// cell escapes a value for a Markdown table cell; control characters and
// escape sequences are written out (report.Printable).
func cell(s string) string {
	s = report.Printable(strings.ReplaceAll(report.FirstLine(s), `\`, `\\`))
	s = strings.ReplaceAll(s, "|", `\|`)
	if s == "" {
		return "-"
	}
	return s
}

// code renders a value as inline code in a table cell.
func code(s string) string {
	if s == "" {
		return "-"
	}
	return "`" + report.Printable(strings.ReplaceAll(s, "`", "'")) + "`"
}

// WriteMarkdown writes d as a Markdown document with the same
// sections as the table.
func WriteMarkdown(w io.Writer, d *Diff) error {
	bw := bufio.NewWriter(w)
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	finished := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format(time.DateTime) + " UTC"
	}
	fmt.Fprintf(bw, "# Findings diff\n\n")
	fmt.Fprintf(bw, "**%s.**\n\n", d.countsLine())
	fmt.Fprintf(bw, "| | old | new |\n| --- | --- | --- |\n")
	fmt.Fprintf(bw, "| scan | %s | %s |\n", code(d.Old.ScanID), code(d.New.ScanID))
	fmt.Fprintf(bw, "| finished | %s | %s |\n", finished(d.Old.Finished), finished(d.New.Finished))
	fmt.Fprintf(bw, "| declaration | %s | %s |\n", cell(d.Old.DeclarationPath), cell(d.New.DeclarationPath))
	fmt.Fprintf(bw, "| declaration sha256 | %s | %s |\n", code(d.Old.DeclarationSHA256), code(d.New.DeclarationSHA256))
	fmt.Fprintf(bw, "| passed findings listed | %s | %s |\n", yesNo(d.Old.PassesListed), yesNo(d.New.PassesListed))

	fmt.Fprintf(bw, "\n## Declaration\n\n")
	for i, l := range d.declarationLines() {
		if i == 0 {
			fmt.Fprintf(bw, "The declaration is %s.\n", report.Printable(l))
			if len(d.declarationLines()) > 1 {
				fmt.Fprintln(bw)
			}
			continue
		}
		fmt.Fprintf(bw, "- %s\n", report.Printable(strings.ReplaceAll(l, "|", `\|`)))
	}

	table := func(title string, head []string, cells [][]string) {
		fmt.Fprintf(bw, "\n## %s (%d)\n\n", title, len(cells))
		if len(cells) == 0 {
			fmt.Fprintln(bw, "None.")
			return
		}
		sep := make([]string, len(head))
		for i := range sep {
			sep[i] = "---"
		}
		fmt.Fprintf(bw, "| %s |\n| %s |\n", strings.Join(head, " | "), strings.Join(sep, " | "))
		for _, c := range cells {
			for i := range c {
				c[i] = report.Printable(c[i])
			}
			fmt.Fprintf(bw, "| %s |\n", strings.Join(c, " | "))
		}
	}
	var cells [][]string
	for _, f := range d.Findings.New {
		cells = append(cells, []string{string(f.Severity), string(f.Status) + acceptedMark(f.Suppressed), code(f.Control),
			cell(report.ResourceLabel(f.Resource)), cell(report.Location(f.Resource)), cell(report.PartyKey(f.Finding)), f.OldStatus, cell(f.Message)})
	}
	table("New", []string{"Severity", "Status", "Control", "Resource", "Where", "Party", "Was", "Message"}, cells)
	cells = nil
	for _, c := range d.Findings.Changed {
		cells = append(cells, []string{string(c.Severity), string(c.Status) + acceptedMark(c.Suppressed), code(c.Control),
			cell(report.ResourceLabel(c.Resource)), cell(report.Location(c.Resource)), cell(changesText(c.Changes))})
	}
	table("Changed", []string{"Severity", "Status", "Control", "Resource", "Where", "Changes"}, cells)
	cells = nil
	for _, f := range d.Findings.Resolved {
		cells = append(cells, []string{string(f.Severity), string(f.Status), code(f.Control),
			cell(report.ResourceLabel(f.Resource)), cell(report.Location(f.Resource)), cell(report.PartyKey(f.Finding)), f.NewStatus})
	}
	table("Resolved", []string{"Severity", "Was", "Control", "Resource", "Where", "Party", "Now"}, cells)
	return bw.Flush()
}
