package scanners

import (
	"sync"

	"github.com/ownaudit/ownaudit/inventory"
)

// Progress is how far the scan of one cloud has come at one moment, for a
// progress display: it is cheap to take while the scan runs, and knows no
// provider.
type Progress struct {
	Cloud inventory.Cloud
	// Targets are the targets known so far: an organization counts as one
	// until its accounts are listed, then as its accounts.
	Targets int
	// TargetsDone are the targets every domain scanner has finished with.
	TargetsDone int
	// Requests are the API requests answered or failed so far (each
	// attempt of a retried call counts); Throttled are those the provider
	// throttled (Scheduler.Throttling names its codes).
	Requests  int
	Throttled int
	// Errors are the error entries recorded so far.
	Errors int
}

// progress is what a sink keeps for Progress beyond what it records for
// the inventory: which domains each target is done with.
type progress struct {
	mu sync.Mutex
	// done holds, per target key (cloud|id), the domains finished.
	done map[string]map[inventory.Domain]bool
	// domains is how many domains each target of a cloud is read in.
	domains map[inventory.Cloud]int
	// declared are the targets the scan was asked for by id; groups count,
	// per cloud, the targets resolved only at scan time (an organization,
	// the ambient credentials), and groupDone how many of those each
	// domain's scanner has returned for.
	declared  map[string]bool
	groups    map[inventory.Cloud]int
	groupDone map[inventory.Cloud]map[inventory.Domain]int
}

func newProgress() *progress {
	return &progress{done: map[string]map[inventory.Domain]bool{}, domains: map[inventory.Cloud]int{},
		declared: map[string]bool{}, groups: map[inventory.Cloud]int{}, groupDone: map[inventory.Cloud]map[inventory.Domain]int{}}
}

func targetKey(cloud inventory.Cloud, id string) string { return string(cloud) + "|" + id }

// expect notes a target Run is about to scan in domains domains.
func (p *progress) expect(t Target, domains int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.domains[t.Cloud] = domains
	if isGroup(t) {
		p.groups[t.Cloud]++
	} else {
		p.declared[targetKey(t.Cloud, t.ID)] = true
	}
}

// isGroup reports whether t names its targets only once scanned.
func isGroup(t Target) bool { return t.ID == "" || t.Group != "" }

// finished notes that domain is done with target id of cloud.
func (p *progress) finished(cloud inventory.Cloud, id string, domain inventory.Domain) {
	p.mu.Lock()
	defer p.mu.Unlock()
	k := targetKey(cloud, id)
	if p.done[k] == nil {
		p.done[k] = map[inventory.Domain]bool{}
	}
	p.done[k][domain] = true
}

// finishedWhole notes that the scanner of domain returned for t, so it is
// done with every target t stands for: t itself, or, for a group, every
// target of the cloud that was not asked for by id.
func (p *progress) finishedWhole(t Target, domain inventory.Domain) {
	if !isGroup(t) {
		p.finished(t.Cloud, t.ID, domain)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.groupDone[t.Cloud] == nil {
		p.groupDone[t.Cloud] = map[inventory.Domain]int{}
	}
	p.groupDone[t.Cloud][domain]++
}

// doneWith counts the domains finished for the target at key of cloud;
// group says it came from a group.
func (p *progress) doneWith(cloud inventory.Cloud, key string, group bool) int {
	n := len(p.done[key])
	if !group {
		return n
	}
	for d, returned := range p.groupDone[cloud] {
		if returned >= p.groups[cloud] && !p.done[key][d] {
			n++
		}
	}
	return n
}

// Progress returns how far the scan of each cloud has come, in the order
// of inventory.Clouds, counting requests from sched (none when nil). It is
// safe to call while the scan runs.
func (s *Sink) Progress(sched *Scheduler) []Progress {
	s.mu.Lock()
	known := map[string]inventory.Cloud{}
	for k, t := range s.targets {
		known[k] = t.Cloud
	}
	errs := map[inventory.Cloud]int{}
	for _, e := range s.errors {
		errs[e.Cloud]++
	}
	s.mu.Unlock()

	p := s.progress
	p.mu.Lock()
	byCloud := map[inventory.Cloud]*Progress{}
	get := func(c inventory.Cloud) *Progress {
		if byCloud[c] == nil {
			byCloud[c] = &Progress{Cloud: c}
		}
		return byCloud[c]
	}
	resolved := map[inventory.Cloud]bool{}
	for k, c := range known {
		pr := get(c)
		pr.Targets++
		group := !p.declared[k]
		if group {
			resolved[c] = true
		}
		if p.doneWith(c, k, group) >= max(p.domains[c], 1) {
			pr.TargetsDone++
		}
	}
	for c, n := range p.groups {
		// A group that has not named its targets yet counts as one.
		if resolved[c] {
			continue
		}
		pr := get(c)
		pr.Targets += n
		if p.doneWith(c, "", true) >= max(p.domains[c], 1) {
			pr.TargetsDone += n
		}
	}
	p.mu.Unlock()

	var out []Progress
	for _, c := range inventory.Clouds {
		if byCloud[c] == nil && errs[c] == 0 {
			continue
		}
		pr := get(c)
		pr.Errors = errs[c]
		if sched != nil {
			pr.Requests, pr.Throttled = sched.Totals(string(c))
		}
		out = append(out, *pr)
	}
	return out
}
