package scanners

import (
	"fmt"
	"sync"

	"github.com/ownaudit/ownaudit/inventory"
)

// This file is the kit every cloud's scanners are built from: goroutines
// that cannot take the process down (Group), the walk over a target's
// accounts and regions (EachTarget, EachRegion), failures of per-item
// calls gathered into one error entry each (Failures), and tags (Tags).

// Scope names what one part of a scan reads: a cloud's domain scanner over
// one target and, where the cloud has them, one region. Error entries and
// scanner runs are recorded against it.
type Scope struct {
	Cloud  inventory.Cloud
	Target string
	Region string
	Domain inventory.Domain
}

// Scanner is the scope's scanner switch name, e.g. "aws.encryption".
func (s Scope) Scanner() string { return string(s.Cloud) + "." + string(s.Domain) }

// String names the scope for error messages.
func (s Scope) String() string {
	out := s.Scanner() + " scanner in " + s.Target
	if s.Region != "" {
		out += "/" + s.Region
	}
	return out
}

// Group runs functions on goroutines of their own, at most a limit at a
// time, and waits for them. A panic in any of them is recovered and
// recorded as an error entry and a failed scanner run for the group's
// scope, so that one scanner's
// bug costs what it was reading, never the scan, nor a serve process that
// scans every few hours. Every goroutine a scanner starts goes through a
// Group.
type Group struct {
	sink    *Sink
	scope   Scope
	sem     chan struct{}
	wg      *sync.WaitGroup
	onPanic func(error)
}

// Group returns a group whose panics become error entries for scope in s.
// It runs at most limit functions at once, or any number when limit < 1.
func (s *Sink) Group(scope Scope, limit int) *Group {
	g := &Group{sink: s, scope: scope, wg: &sync.WaitGroup{}}
	if limit > 0 {
		g.sem = make(chan struct{}, limit)
	}
	return g
}

// Region returns a view of g whose functions read region: their panics
// name it. The view shares g's limit, and g.Wait waits for them too.
func (g *Group) Region(region string) *Group {
	v := *g
	v.scope.Region = region
	return &v
}

// OnPanic makes g hand a recovered panic to fn instead of recording an
// error entry: for goroutines whose failure belongs to something other
// than a domain's read (resolving an account is one: its error reaches
// every domain). It returns g.
func (g *Group) OnPanic(fn func(error)) *Group {
	g.onPanic = fn
	return g
}

// Go runs fn on a new goroutine once the limit allows; it blocks while
// the limit's worth of functions are running, so a long list never turns
// into as many goroutines at once.
func (g *Group) Go(fn func()) {
	if g.sem != nil {
		g.sem <- struct{}{}
	}
	g.wg.Add(1)
	go func() {
		defer func() {
			if g.sem != nil {
				<-g.sem
			}
			g.wg.Done()
		}()
		if err := guard(func() error {
			if h := g.sink.hook; h != nil {
				h(g.scope)
			}
			fn()
			return nil
		}); err != nil {
			if g.onPanic != nil {
				g.onPanic(err)
				return
			}
			// The scope's scanner run failed, whether or not the panic
			// came before the run was timed.
			g.sink.Fail(inventory.ScanError{Cloud: g.scope.Cloud, Target: g.scope.Target, Region: g.scope.Region,
				Domain: g.scope.Domain, Message: fmt.Sprintf("%s: %v", g.scope, err)})
			g.sink.Ran(inventory.ScannerRun{Cloud: g.scope.Cloud, Target: g.scope.Target, Region: g.scope.Region, Domain: g.scope.Domain})
		}
	}()
}

// Wait waits until every function started with Go has returned.
func (g *Group) Wait() { g.wg.Wait() }

// Resolved is one target as a cloud's package resolved it: an account (an
// organization resolves into many), a subscription, a project.
type Resolved interface {
	// TargetID is the account, subscription or project id.
	TargetID() string
	// TargetRegions are the regions (or locations) to read in it.
	TargetRegions() []string
	// Unreadable says why the target cannot be read at all (its role
	// could not be assumed, its regions not listed), as the error entry
	// for domain; ok is false when it can be read.
	Unreadable(domain inventory.Domain) (e inventory.ScanError, ok bool)
}

// EachTarget runs fn for every target in parallel, each recorded as one
// scanner run over the whole target (region ""). A target that cannot be
// read gets its error entry and a failed run instead.
func EachTarget[T Resolved](out *Sink, cloud inventory.Cloud, domain inventory.Domain, targets []T, fn func(T)) {
	eachReadable(out, cloud, domain, targets, func(g *Group, t T) {
		g.Go(func() {
			defer out.part()()
			out.Time(cloud, t.TargetID(), "", domain, func() { fn(t) })
		})
	})
}

// EachRegion runs fn for every target and each of its regions in
// parallel, each (target, region) recorded as one scanner run. A target
// that cannot be read gets its error entry and a failed run instead.
func EachRegion[T Resolved](out *Sink, cloud inventory.Cloud, domain inventory.Domain, targets []T, fn func(t T, region string)) {
	eachReadable(out, cloud, domain, targets, func(g *Group, t T) {
		for _, r := range t.TargetRegions() {
			g.Region(r).Go(func() {
				defer out.part()()
				out.Time(cloud, t.TargetID(), r, domain, func() { fn(t, r) })
			})
		}
	})
}

// eachReadable records the unreadable targets and hands each readable one
// to start, with a group scoped to it, then waits for every group.
func eachReadable[T Resolved](out *Sink, cloud inventory.Cloud, domain inventory.Domain, targets []T, start func(*Group, T)) {
	groups := make([]*Group, 0, len(targets))
	for _, t := range targets {
		if e, bad := t.Unreadable(domain); bad {
			out.Fail(e)
			out.Ran(inventory.ScannerRun{Cloud: cloud, Target: t.TargetID(), Domain: domain})
			continue
		}
		g := out.Group(Scope{Cloud: cloud, Target: t.TargetID(), Domain: domain}, 0)
		groups = append(groups, g)
		start(g, t)
	}
	for _, g := range groups {
		g.Wait()
	}
}

// Failures gathers the failed calls of one scan part and records them as
// one error entry per (target, region, operation). Per-item calls (one
// per key, one per bucket) that are refused are refused alike, and one
// entry with a count says so better than thousands. It is safe for
// concurrent use; Flush records what was gathered.
type Failures struct {
	mu    sync.Mutex
	order []string
	byKey map[string]*failure
}

type failure struct {
	first inventory.ScanError
	n     int
}

// Add notes one failed call, described by e.
func (f *Failures) Add(e inventory.ScanError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	key := e.Target + "|" + e.Region + "|" + e.Operation
	x, ok := f.byKey[key]
	if !ok {
		if f.byKey == nil {
			f.byKey = map[string]*failure{}
		}
		x = &failure{first: e}
		f.byKey[key] = x
		f.order = append(f.order, key)
	}
	x.n++
}

// Flush records one error entry per operation that failed, in the order
// they first failed: the first failure's, with how many calls failed when
// more than one did.
func (f *Failures) Flush(out *Sink) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, key := range f.order {
		x := f.byKey[key]
		e := x.first
		if x.n > 1 {
			e.Message += fmt.Sprintf(" (%d calls failed; this is the first)", x.n)
		}
		out.Fail(e)
	}
	f.order, f.byKey = nil, nil
}

// Tags turns a provider's tag (or label) pairs into a map, nil when there
// are none.
func Tags[T any](list []T, kv func(T) (key, value string)) map[string]string {
	if len(list) == 0 {
		return nil
	}
	out := make(map[string]string, len(list))
	for _, t := range list {
		k, v := kv(t)
		out[k] = v
	}
	return out
}

// Each runs fn over items in g, within g's limit, and waits for g.
func Each[T any](g *Group, items []T, fn func(T)) {
	for _, it := range items {
		g.Go(func() { fn(it) })
	}
	g.Wait()
}
