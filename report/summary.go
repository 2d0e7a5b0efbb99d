package report

import (
	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// Unassigned is the ByParty key of findings no party is responsible for.
const Unassigned = "unassigned"

// Summary counts the findings of a scan, passed ones included.
type Summary struct {
	Total int `json:"total"`
	// ByStatus counts each finding by its status; a suppressed finding
	// keeps its status and so counts as failed here.
	ByStatus map[controls.Status]int `json:"byStatus"`
	// Suppressed counts the failed findings a declaration suppression
	// accepts; the StatusCounts below count them here and not as Fail.
	Suppressed int                                `json:"suppressed"`
	BySeverity map[controls.Severity]StatusCounts `json:"bySeverity"`
	ByDomain   map[inventory.Domain]StatusCounts  `json:"byDomain"`
	// ByParty is keyed by party id; Unassigned holds findings without a
	// responsible party.
	ByParty map[string]StatusCounts `json:"byParty"`
}

// StatusCounts are finding counts per status. Fail counts the failed
// findings that are not suppressed, Suppressed the failed ones a
// declaration suppression accepts.
type StatusCounts struct {
	Pass       int `json:"pass"`
	Fail       int `json:"fail"`
	Error      int `json:"error"`
	Suppressed int `json:"suppressed"`
}

// add counts one finding of status s; statuses outside the closed set are
// not counted here (Total still counts them).
func (c *StatusCounts) add(s controls.Status) {
	switch s {
	case controls.Pass:
		c.Pass++
	case controls.Fail:
		c.Fail++
	case controls.Error:
		c.Error++
	}
}

// AddFinding counts f: as suppressed when a suppression accepts it, else
// by its status.
func (c *StatusCounts) AddFinding(f rules.Finding) {
	if f.Suppressed != nil {
		c.Suppressed++
		return
	}
	c.add(f.Status)
}

// Total is the number of findings counted.
func (c StatusCounts) Total() int { return c.Pass + c.Fail + c.Error + c.Suppressed }

// Summarize counts findings by status, severity, domain and party, and
// the suppressed ones. Every
// status, severity and domain has an entry, zero or not, so that readers
// can index without checking; parties appear only when they have findings.
func Summarize(findings []rules.Finding) Summary {
	s := NewSummary()
	for i := range findings {
		s.Count(&findings[i])
	}
	return s
}

// NewSummary returns a summary of no findings, with an entry for every
// status, severity and domain.
func NewSummary() Summary {
	s := Summary{
		ByStatus:   map[controls.Status]int{},
		BySeverity: map[controls.Severity]StatusCounts{},
		ByDomain:   map[inventory.Domain]StatusCounts{},
		ByParty:    map[string]StatusCounts{},
	}
	for _, st := range controls.Statuses {
		s.ByStatus[st] = 0
	}
	for _, sev := range controls.Severities {
		s.BySeverity[sev] = StatusCounts{}
	}
	for _, dom := range inventory.Domains {
		s.ByDomain[dom] = StatusCounts{}
	}
	return s
}

// Count adds one finding to the summary, so that a summary can be kept
// while findings stream past.
func (s *Summary) Count(f *rules.Finding) {
	s.Total++
	s.ByStatus[f.Status]++
	if f.Suppressed != nil {
		s.Suppressed++
	}
	bump(s.BySeverity, f.Severity, *f)
	bump(s.ByDomain, f.Domain, *f)
	bump(s.ByParty, PartyKey(*f), *f)
}

// bump counts finding f under key k.
func bump[K comparable](m map[K]StatusCounts, k K, f rules.Finding) {
	c := m[k]
	c.AddFinding(f)
	m[k] = c
}

// PartyKey is the ByParty key of a finding: its responsible party's id,
// or Unassigned.
func PartyKey(f rules.Finding) string {
	if f.Responsible == nil || f.Responsible.Party == "" {
		return Unassigned
	}
	return f.Responsible.Party
}

// WithoutPassed returns a copy of d without its passed findings. The
// summary is kept as it is, so the passes are still counted.
func (d *Document) WithoutPassed() *Document {
	out := *d
	out.Findings = make([]rules.Finding, 0, len(d.Findings))
	for _, f := range d.Findings {
		if f.Status != controls.Pass {
			out.Findings = append(out.Findings, f)
		}
	}
	return &out
}

// Failing counts the failed findings at severity min or above that no
// suppression accepts; it is what --fail-on compares against. A document
// whose findings were streamed to its output counts them from its tally.
func (d *Document) Failing(min controls.Severity) int {
	n := 0
	for k, c := range d.Tally() {
		if controls.Severity(k.Severity).Rank() >= min.Rank() {
			n += c.Fail
		}
	}
	return n
}

// TallyKey is what a Tally counts findings by: the labels of the
// ownaudit_findings metric.
type TallyKey struct {
	Cloud, Target, Domain, Control, Severity, Party, Role string
}

// Tally counts findings by TallyKey, each by status (suppressed ones
// apart): what the metrics, the summary table and --fail-on need of the
// findings, in far less memory than the findings.
type Tally map[TallyKey]*StatusCounts

// Count adds one finding.
func (t Tally) Count(f *rules.Finding) {
	k := TallyKey{Cloud: string(f.Resource.Cloud), Target: f.Resource.Target, Domain: string(f.Domain),
		Control: f.Control, Severity: string(f.Severity), Party: Unassigned}
	if f.Responsible != nil && f.Responsible.Party != "" {
		k.Party, k.Role = f.Responsible.Party, string(f.Responsible.Role)
	}
	c, ok := t[k]
	if !ok {
		c = &StatusCounts{}
		t[k] = c
	}
	c.AddFinding(*f)
}

// Tally returns the counts of the document's findings: the ones kept
// while they streamed to the output, or else counted from Findings (which
// then must hold every finding, passed ones included, for pass counts).
func (d *Document) Tally() Tally {
	if d.tally != nil {
		return d.tally
	}
	t := Tally{}
	for i := range d.Findings {
		t.Count(&d.Findings[i])
	}
	return t
}
