package report

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/rules"
)

// TableOptions shape the text report.
type TableOptions struct {
	// Color adds ANSI colours. Callers set it only for a terminal, and not
	// when NO_COLOR is set.
	Color bool
	// Width is the line width messages are cut to fit; 0 or less means no
	// limit (a file or a pipe).
	Width int
}

// Colour codes. Every code is exactly seven bytes long: tabwriter counts
// bytes, so cells of one column stay aligned only when each carries escape
// sequences of the same length.
const (
	ansiReset    = "\x1b[0m"
	ansiHeader   = "\x1b[1;39m"
	ansiCritical = "\x1b[1;31m"
	ansiHigh     = "\x1b[0;31m"
	ansiMedium   = "\x1b[0;33m"
	ansiLow      = "\x1b[0;36m"
	ansiInfo     = "\x1b[0;34m"
	ansiPlain    = "\x1b[0;39m"
)

// minMessage is the fewest message characters a row keeps, however narrow
// the terminal.
const minMessage = 24

// painter colours text when enabled.
type painter bool

func (p painter) paint(code, s string) string {
	if !p {
		return s
	}
	return code + s + ansiReset
}

// severity colours text, a severity's name, in that severity's colour.
func (p painter) severity(s controls.Severity, text string) string {
	code := map[controls.Severity]string{
		controls.Critical: ansiCritical, controls.High: ansiHigh, controls.Medium: ansiMedium,
		controls.Low: ansiLow, controls.Info: ansiInfo,
	}[s]
	if code == "" {
		code = ansiPlain
	}
	return p.paint(code, text)
}

// group is the findings of one responsible party (or of nobody).
type group struct {
	key     string
	role    controls.Role
	header  string
	failing []rules.Finding
	// suppressed are failed findings a suppression accepts; they are
	// not in failing.
	suppressed []rules.Finding
	// unevaluated are the findings whose input could not be read (status
	// error).
	unevaluated []rules.Finding
	// passed are the passed findings the document lists: none unless the
	// scan kept them (--include-passed).
	passed []rules.Finding
}

// groups splits doc's findings by responsible party: the unassigned group
// first (only when it holds anything), then the declared parties in
// declaration order, then any party the findings name that the document
// does not list.
func groups(doc *Document) []*group {
	byKey := map[string]*group{}
	var extra []*group
	unassigned := &group{key: Unassigned, header: Unassigned + ": no declared party"}
	byKey[Unassigned] = unassigned
	out := []*group{unassigned}
	for _, p := range doc.Parties {
		if _, dup := byKey[p.ID]; dup {
			continue
		}
		g := &group{key: p.ID, role: p.Role, header: PartyLabel(p)}
		byKey[p.ID] = g
		out = append(out, g)
	}
	for _, f := range doc.Findings {
		k := PartyKey(f)
		g, ok := byKey[k]
		if !ok {
			r := f.Responsible
			g = &group{key: k, role: r.Role, header: PartyLabel(declaration.Party{ID: r.Party, Role: r.Role, Name: r.Name, Contact: r.Contact})}
			byKey[k] = g
			extra = append(extra, g)
		}
		switch {
		case f.Status == controls.Fail && f.Suppressed != nil:
			g.suppressed = append(g.suppressed, f)
		case f.Status == controls.Fail:
			g.failing = append(g.failing, f)
		case f.Status == controls.Error:
			g.unevaluated = append(g.unevaluated, f)
		case f.Status == controls.Pass:
			g.passed = append(g.passed, f)
		}
	}
	if len(unassigned.failing) == 0 && len(unassigned.suppressed) == 0 && len(unassigned.unevaluated) == 0 && len(unassigned.passed) == 0 {
		out = out[1:]
	}
	out = append(out, extra...)
	for _, g := range out {
		for _, fs := range [][]rules.Finding{g.failing, g.suppressed, g.unevaluated, g.passed} {
			sortFindings(fs)
		}
	}
	return out
}

// PartyLabel describes a party as "id (role): name, contact", leaving
// out what the declaration does not say.
func PartyLabel(p declaration.Party) string {
	h := p.ID
	if p.Role != "" {
		h += " (" + string(p.Role) + ")"
	}
	var who []string
	for _, s := range []string{p.Name, p.Contact} {
		if s != "" {
			who = append(who, s)
		}
	}
	if len(who) > 0 {
		h += ": " + strings.Join(who, ", ")
	}
	return h
}

// sortFindings orders the most severe first, then by control and resource,
// so that two reports of the same scan read the same.
func sortFindings(fs []rules.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
			return ra > rb
		}
		if a.Control != b.Control {
			return a.Control < b.Control
		}
		if ra, rb := ResourceLabel(a.Resource), ResourceLabel(b.Resource); ra != rb {
			return ra < rb
		}
		return Location(a.Resource) < Location(b.Resource)
	})
}

// ResourceLabel is a resource's name, or its id when it has none.
func ResourceLabel(r rules.ResourceRef) string {
	if r.Name != "" {
		return r.Name
	}
	return r.ID
}

// Location names the cloud, target and region of a resource; declaration
// entries, which live in no cloud, have none.
func Location(r rules.ResourceRef) string {
	var b strings.Builder
	b.WriteString(string(r.Cloud))
	if r.Target != "" {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(r.Target)
	}
	if r.Region != "" {
		b.WriteString("/" + r.Region)
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// severityCounts renders the failing findings' count by severity, most
// severe first: "3 failing: 1 critical, 2 high".
func severityCounts(fs []rules.Finding) string {
	n := map[controls.Severity]int{}
	for _, f := range fs {
		n[f.Severity]++
	}
	var parts []string
	rest := len(fs)
	for _, s := range controls.Severities {
		if n[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[s], s))
			rest -= n[s]
		}
	}
	if rest > 0 {
		parts = append(parts, fmt.Sprintf("%d of unknown severity", rest))
	}
	return fmt.Sprintf("%d failing: %s", len(fs), strings.Join(parts, ", "))
}

// WriteTable writes a text report for people: the findings grouped by
// responsible party (failing ones, accepted risks, and the passed ones
// when the document lists them), what could not be read and evaluated,
// and the totals. Every value from a cloud or the declaration goes
// through Printable.
func WriteTable(w io.Writer, doc *Document, opts TableOptions) error {
	bw := bufio.NewWriter(w)
	p := painter(opts.Color)
	writeScanHeader(bw, doc)

	gs := groups(doc)
	for _, g := range gs {
		fmt.Fprintf(bw, "\n%s\n", p.paint(ansiHeader, Printable(g.header)))
		line := "  nothing failing"
		if len(g.failing) > 0 {
			line = "  " + severityCounts(g.failing)
		}
		if n := len(g.unevaluated); n > 0 {
			line += fmt.Sprintf("; %d not evaluated", n)
		}
		fmt.Fprintln(bw, line)
		if len(g.failing) > 0 {
			writeFindings(bw, p, g.failing, "  ", opts.Width)
		}
		writeSuppressed(bw, g.suppressed)
		if len(g.passed) > 0 {
			// Uncoloured: a passed critical control is no alarm.
			fmt.Fprintf(bw, "  %d passed:\n", len(g.passed))
			writeFindings(bw, painter(false), g.passed, "    ", opts.Width)
		}
	}

	if len(doc.Errors) > 0 {
		fmt.Fprintf(bw, "\n%s\n", p.paint(ansiMedium, "could not read:"))
		for _, e := range doc.Errors {
			op := cmpOr(e.Operation, "-")
			msg := FirstLine(e.Message)
			if e.Permission != "" {
				msg += " (needs " + e.Permission + ")"
			}
			fmt.Fprintf(bw, "  %s  %s  %s  %s\n", Printable(e.where()), Printable(string(e.Domain)), Printable(op), Printable(msg))
			controls := "none"
			if len(e.Controls) > 0 {
				controls = strings.Join(e.Controls, ", ")
			}
			fmt.Fprintf(bw, "    left unevaluated: %s\n", Printable(controls))
		}
	}
	writeUnevaluated(bw, p, doc, gs, opts.Width)

	fmt.Fprintf(bw, "\n%s\n", totals(doc))
	return bw.Flush()
}

// writeUnevaluated lists the findings whose input could not be read, party
// by party, with why.
func writeUnevaluated(w io.Writer, p painter, doc *Document, gs []*group, width int) {
	var rows [][]string
	for _, g := range gs {
		for _, f := range g.unevaluated {
			why := FirstLine(f.Message)
			if e := readFailure(doc.Errors, f); e != nil {
				why += "; read failed: " + e.failedRead()
			}
			rows = append(rows, []string{g.key, string(f.Severity), f.Control, ResourceLabel(f.Resource), Location(f.Resource), why})
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", p.paint(ansiMedium, fmt.Sprintf("not evaluated (%d):", len(rows))))
	writeRows(w, "  ", []string{"PARTY", "SEVERITY", "CONTROL", "RESOURCE", "WHERE", "WHY"}, rows,
		func(_ int, cell string) string { return p.paint(ansiHeader, cell) }, width)
}

// writeSuppressed lists a party's accepted risks, one line each, after its
// failing findings.
func writeSuppressed(w io.Writer, fs []rules.Finding) {
	if len(fs) == 0 {
		return
	}
	fmt.Fprintf(w, "  %d suppressed (accepted risk):\n", len(fs))
	for _, f := range fs {
		s := f.Suppressed
		fmt.Fprintf(w, "    %s\n", Printable(fmt.Sprintf("%s %s %s (%s): accepted by %s until %s, %s",
			f.Severity, f.Control, ResourceLabel(f.Resource), Location(f.Resource), s.AcceptedBy, s.Expires, FirstLine(s.Reason))))
	}
}

func writeScanHeader(w io.Writer, doc *Document) {
	s := doc.Scan
	line := "scan " + s.ID
	if !s.Finished.IsZero() {
		line += ", finished " + s.Finished.UTC().Format(time.DateTime) + " UTC"
	}
	if s.Source != "" {
		line += ", source " + s.Source
	}
	fmt.Fprintln(w, Printable(line))
	if d := s.Declaration; d.Path != "" || d.SHA256 != "" {
		line = "declaration"
		if d.Path != "" {
			line += " " + d.Path
		}
		if d.SHA256 != "" {
			line += " (sha256 " + d.SHA256 + ")"
		}
		fmt.Fprintln(w, Printable(line))
	}
	if len(s.Targets) > 0 {
		n := map[string]int{}
		for _, t := range s.Targets {
			n[t.Status]++
		}
		var parts []string
		for _, st := range []string{TargetOK, TargetPartial, TargetFailed} {
			if n[st] > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n[st], st))
			}
		}
		fmt.Fprintf(w, "targets: %d (%s)\n", len(s.Targets), strings.Join(parts, ", "))
	}
}

// writeFindings writes findings as aligned columns, after indent, cutting
// messages so that rows fit width.
func writeFindings(w io.Writer, p painter, fs []rules.Finding, indent string, width int) {
	rows := make([][]string, len(fs))
	for i, f := range fs {
		rows[i] = []string{string(f.Severity), f.Control, ResourceLabel(f.Resource), Location(f.Resource), FirstLine(f.Message)}
	}
	writeRows(w, indent, []string{"SEVERITY", "CONTROL", "RESOURCE", "WHERE", "MESSAGE"}, rows, func(i int, cell string) string {
		if i < 0 {
			return p.paint(ansiHeader, cell)
		}
		return p.severity(fs[i].Severity, cell)
	}, width)
}

// writeRows writes rows under head as aligned columns, after indent. Every
// cell goes through Printable, so that no value can add a row, a column or
// an escape sequence; first paints the first cell of each row (row -1 is
// the header); the last column is cut so that rows fit width.
func writeRows(w io.Writer, indent string, head []string, rows [][]string, first func(row int, cell string) string, width int) {
	const pad = 2
	last := len(head) - 1
	cols := make([]int, last)
	for c := range cols {
		cols[c] = len(head[c])
	}
	clean := make([][]string, len(rows))
	for i, r := range rows {
		clean[i] = make([]string, len(r))
		for c, cell := range r {
			clean[i][c] = Printable(cell)
			if c < last {
				cols[c] = max(cols[c], utf8.RuneCountInString(clean[i][c]))
			}
		}
	}
	budget := 0
	if width > 0 {
		used := len(indent)
		for _, c := range cols {
			used += c + pad
		}
		budget = max(width-used, minMessage)
	}

	tw := tabwriter.NewWriter(w, 0, 0, pad, ' ', 0)
	line := func(row int, cells []string) {
		cells = slices.Clone(cells)
		cells[0] = first(row, cells[0])
		cells[last] = truncate(cells[last], budget)
		fmt.Fprintf(tw, "%s%s\n", indent, strings.Join(cells, "\t"))
	}
	line(-1, head)
	for i, r := range clean {
		line(i, r)
	}
	tw.Flush()
}

// totals is the last line: every finding of the scan, passed ones
// included, from the summary.
func totals(doc *Document) string {
	s := doc.Summary
	var sev []string
	for _, x := range controls.Severities {
		if n := s.BySeverity[x].Fail; n > 0 {
			sev = append(sev, fmt.Sprintf("%d %s", n, x))
		}
	}
	line := fmt.Sprintf("total: %d findings, %d failing", s.Total, s.ByStatus[controls.Fail]-s.Suppressed)
	if len(sev) > 0 {
		line += " (" + strings.Join(sev, ", ") + ")"
	}
	if s.Suppressed > 0 {
		line += fmt.Sprintf(", %d suppressed", s.Suppressed)
	}
	line += fmt.Sprintf(", %d not evaluated, %d passed", s.ByStatus[controls.Error], s.ByStatus[controls.Pass])
	if n := len(doc.Errors); n == 1 {
		line += "; 1 read failed"
	} else if n > 1 {
		line += fmt.Sprintf("; %d reads failed", n)
	}
	return line
}

// WriteSummary writes only the per-party counts and the totals: what a
// terminal shows when the findings themselves go to a file.
func WriteSummary(w io.Writer, doc *Document, opts TableOptions) error {
	bw := bufio.NewWriter(w)
	p := painter(opts.Color)
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	head := []string{"PARTY", "ROLE", "FAILING"}
	for _, s := range controls.Severities {
		head = append(head, strings.ToUpper(string(s)))
	}
	// The SUPPRESSED column appears only when a suppression accepted
	// something, so that declarations without any read as before.
	withSuppressed := doc.Summary.Suppressed > 0
	if withSuppressed {
		head = append(head, "SUPPRESSED")
	}
	head = append(head, "NOT EVALUATED", "PASSED")
	// Only the first cell is painted, so that the escape sequences do not
	// skew the column widths.
	head[0] = p.paint(ansiHeader, head[0])
	fmt.Fprintln(tw, strings.Join(head, "\t"))
	failing := map[string]map[controls.Severity]int{}
	for k, c := range doc.Tally() {
		if failing[k.Party] == nil {
			failing[k.Party] = map[controls.Severity]int{}
		}
		failing[k.Party][controls.Severity(k.Severity)] += c.Fail
	}
	for _, g := range summaryGroups(doc) {
		role := cmpOr(string(g.role), "-")
		counts := doc.Summary.ByParty[g.key]
		n := failing[g.key]
		cells := []string{p.paint(ansiHeader, Printable(g.key)), Printable(role), fmt.Sprint(counts.Fail)}
		for _, s := range controls.Severities {
			cells = append(cells, fmt.Sprint(n[s]))
		}
		if withSuppressed {
			cells = append(cells, fmt.Sprint(counts.Suppressed))
		}
		cells = append(cells, fmt.Sprint(counts.Error), fmt.Sprint(counts.Pass))
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(bw, "\n%s\n", totals(doc))
	return bw.Flush()
}

// summaryGroups are the groups of the summary table: those of groups, or,
// for a document whose findings streamed to its output and were only
// counted, the same groups worked out from the counts.
func summaryGroups(doc *Document) []*group {
	if doc.tally == nil {
		return groups(doc)
	}
	byKey := map[string]*group{}
	var out []*group
	add := func(key string, role controls.Role) {
		if _, dup := byKey[key]; !dup {
			g := &group{key: key, role: role}
			byKey[key] = g
			out = append(out, g)
		}
	}
	if c := doc.Summary.ByParty[Unassigned]; c.Fail+c.Suppressed+c.Error > 0 {
		add(Unassigned, "")
	}
	for _, p := range doc.Parties {
		add(p.ID, p.Role)
	}
	keys := slices.SortedFunc(maps.Keys(doc.tally), func(a, b TallyKey) int { return cmp.Compare(a.Party, b.Party) })
	for _, k := range keys {
		if k.Party != Unassigned {
			add(k.Party, controls.Role(k.Role))
		}
	}
	return out
}

// FirstLine keeps a message to one line for a table cell.
func FirstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return strings.TrimSpace(s[:i]) + " ..."
	}
	return s
}

// truncate cuts s to n runes, marking the cut; n <= 0 keeps s whole.
func truncate(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}
