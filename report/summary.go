package report

import (
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// Unassigned is the ByParty key of findings no party is responsible for.
const Unassigned = "unassigned"

// Summary counts the findings of a scan, passed ones included.
type Summary struct {
	Total      int                               `json:"total"`
	ByStatus   map[rules.Status]int              `json:"byStatus"`
	BySeverity map[rules.Severity]StatusCounts   `json:"bySeverity"`
	ByDomain   map[inventory.Domain]StatusCounts `json:"byDomain"`
	// ByParty is keyed by party id; Unassigned holds findings without a
	// responsible party.
	ByParty map[string]StatusCounts `json:"byParty"`
}

// StatusCounts are finding counts per status.
type StatusCounts struct {
	Pass  int `json:"pass"`
	Fail  int `json:"fail"`
	Error int `json:"error"`
}

// add counts one finding of status s; statuses outside the closed set are
// not counted here (Total still counts them).
func (c *StatusCounts) add(s rules.Status) {
	switch s {
	case rules.Pass:
		c.Pass++
	case rules.Fail:
		c.Fail++
	case rules.Error:
		c.Error++
	}
}

// Total is the number of findings counted.
func (c StatusCounts) Total() int { return c.Pass + c.Fail + c.Error }

// Summarize counts findings by status, severity, domain and party. Every
// status, severity and domain has an entry, zero or not, so that readers
// can index without checking; parties appear only when they have findings.
func Summarize(findings []rules.Finding) Summary {
	s := Summary{
		ByStatus:   map[rules.Status]int{},
		BySeverity: map[rules.Severity]StatusCounts{},
		ByDomain:   map[inventory.Domain]StatusCounts{},
		ByParty:    map[string]StatusCounts{},
	}
	for _, st := range rules.Statuses {
		s.ByStatus[st] = 0
	}
	for _, sev := range rules.Severities {
		s.BySeverity[sev] = StatusCounts{}
	}
	for _, dom := range inventory.Domains {
		s.ByDomain[dom] = StatusCounts{}
	}
	for _, f := range findings {
		s.Total++
		s.ByStatus[f.Status]++
		bump(s.BySeverity, f.Severity, f.Status)
		bump(s.ByDomain, f.Domain, f.Status)
		bump(s.ByParty, partyKey(f), f.Status)
	}
	return s
}

// bump counts one finding of status st under key k.
func bump[K comparable](m map[K]StatusCounts, k K, st rules.Status) {
	c := m[k]
	c.add(st)
	m[k] = c
}

// partyKey is the ByParty key of a finding.
func partyKey(f rules.Finding) string {
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
		if f.Status != rules.Pass {
			out.Findings = append(out.Findings, f)
		}
	}
	return &out
}

// Failing counts the failed findings at severity min or above; it is what
// --fail-on compares against.
func (d *Document) Failing(min rules.Severity) int {
	n := 0
	for _, f := range d.Findings {
		if f.Status == rules.Fail && f.Severity.Rank() >= min.Rank() {
			n++
		}
	}
	return n
}
