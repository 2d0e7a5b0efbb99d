package scanners

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

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
	sink  *Sink
	scope Scope
	sem   chan struct{}
	// shared is the sink's bound on fetch goroutines, for Fetches groups.
	shared  chan struct{}
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

// Fetches returns a group for per-item calls (one per key, per bucket),
// at most limit at a time in the group and, across the whole scan, at
// most a few times the scan's call slots (Registry.RunInto sets how many)
// in every Fetches group together. Its functions make calls and must not
// start a Fetches group of their own and wait for it: with every shared
// place held by a function waiting on one, nothing would run.
func (s *Sink) Fetches(scope Scope, limit int) *Group {
	g := s.Group(scope, limit)
	g.shared = s.fetches
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
	if g.shared != nil {
		g.shared <- struct{}{}
	}
	g.wg.Add(1)
	go func() {
		defer func() {
			if g.shared != nil {
				<-g.shared
			}
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
// read gets its error entry and a failed run instead. A domain scanner
// calls EachTarget or EachRegion once: each target counts as done with the
// domain (Sink.Progress) when its part returns.
func EachTarget[T Resolved](out *Sink, cloud inventory.Cloud, domain inventory.Domain, targets []T, fn func(T)) {
	eachTarget(out, cloud, domain, targets, fn, true)
}

// EachFedTarget is EachTarget for targets whose data another goroutine
// reads and hands over (Azure's Resource Graph rows, streamed by
// subscription): fn does not take one of the scan's part slots, since
// what it handles is already read, and a slot taken to wait for the data
// would keep out parts that are ready while the data piles up.
func EachFedTarget[T Resolved](out *Sink, cloud inventory.Cloud, domain inventory.Domain, targets []T, fn func(T)) {
	eachTarget(out, cloud, domain, targets, fn, false)
}

func eachTarget[T Resolved](out *Sink, cloud inventory.Cloud, domain inventory.Domain, targets []T, fn func(T), bounded bool) {
	eachReadable(out, cloud, domain, targets, func(g *Group, t T) {
		g.Go(func() {
			if bounded {
				defer out.part()()
			}
			defer out.progress.finished(cloud, t.TargetID(), domain)
			out.Time(cloud, t.TargetID(), "", domain, func() { fn(t) })
		})
	})
}

// EachRegion runs fn for every target and each of its regions in
// parallel, each (target, region) recorded as one scanner run. A target
// that cannot be read gets its error entry and a failed run instead; a
// target counts as done with the domain when its last region returns.
func EachRegion[T Resolved](out *Sink, cloud inventory.Cloud, domain inventory.Domain, targets []T, fn func(t T, region string)) {
	eachReadable(out, cloud, domain, targets, func(g *Group, t T) {
		regions := t.TargetRegions()
		if len(regions) == 0 {
			out.progress.finished(cloud, t.TargetID(), domain)
			return
		}
		var left atomic.Int32
		left.Store(int32(len(regions)))
		for _, r := range regions {
			g.Region(r).Go(func() {
				defer out.part()()
				defer func() {
					if left.Add(-1) == 0 {
						out.progress.finished(cloud, t.TargetID(), domain)
					}
				}()
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
			out.progress.finished(cloud, t.TargetID(), domain)
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

// DomainScan is one domain's scanner of a cloud: it reads t with what the
// cloud's scanners share (env) and records into out.
type DomainScan[E any] func(ctx context.Context, env E, t Target, out *Sink) error

// RegisterDomains registers a cloud's domain scanners, each sharing env,
// so that what one resolves about a target (its accounts or
// subscriptions, their credentials) serves the others.
func RegisterDomains[E any](g *Registry, cloud inventory.Cloud, env E, scans map[inventory.Domain]DomainScan[E]) {
	for _, d := range inventory.Domains {
		scan, ok := scans[d]
		if !ok {
			continue
		}
		g.Register(Registration{Cloud: cloud, Domain: d, New: func() Scanner { return domainScanner[E]{env: env, scan: scan} }})
	}
}

type domainScanner[E any] struct {
	env  E
	scan DomainScan[E]
}

func (s domainScanner[E]) Scan(ctx context.Context, t Target, out *Sink) error {
	return s.scan(ctx, s.env, t, out)
}

// Resolutions resolves each target into what it stands for (the accounts
// of an organization, the projects of a folder) once per run, however
// many domain scanners ask, and records each resolved one as a scanned
// target. The zero value is ready to use; it is safe for concurrent use.
type Resolutions[T Resolved] struct {
	mu   sync.Mutex
	byID map[string]*resolution[T]
}

type resolution[T Resolved] struct {
	done chan struct{}
	list []T
	err  error
}

// Get returns what key resolved into: the first caller runs resolve and
// records every target it returns in out (named by name), the others wait
// for it, or for ctx.
func (r *Resolutions[T]) Get(ctx context.Context, out *Sink, cloud inventory.Cloud, key string,
	resolve func() ([]T, error), name func(T) string) ([]T, error) {
	r.mu.Lock()
	res, ok := r.byID[key]
	if !ok {
		if r.byID == nil {
			r.byID = map[string]*resolution[T]{}
		}
		res = &resolution[T]{done: make(chan struct{})}
		r.byID[key] = res
	}
	r.mu.Unlock()
	if !ok {
		res.list, res.err = resolve()
		for _, t := range res.list {
			out.Target(inventory.Target{Cloud: cloud, ID: t.TargetID(), Name: name(t), Regions: t.TargetRegions()})
		}
		close(res.done)
	}
	select {
	case <-res.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return res.list, res.err
}
