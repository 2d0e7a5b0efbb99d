// Package scanners is what every cloud's scanners share: the Scanner
// interface and the Registry they register into, one per (cloud, domain),
// switched on or off by name the way node_exporter registers collectors;
// the Options each cloud's Register receives; the Target a scan is asked
// for; the Sink that gathers what scanners read (resources, error entries,
// scanner runs); the Scheduler that bounds and paces every API call; the
// shards of a target list; and the kit a cloud's package is built from
// (Group, EachTarget, EachRegion, Failures, Tags; kit.go).
//
// A cloud is one package below this one (scanners/aws) that turns the
// provider's responses into the normalized inventory and nothing else:
// scanners never decide a verdict.
package scanners

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ownaudit/ownaudit/internal/redact"
	"github.com/ownaudit/ownaudit/inventory"
)

// Target is one thing to scan: an AWS account, an Azure subscription or a
// GCP project, or a group of them that the cloud's scanners expand when
// they run (an AWS organization). An empty ID and Group mean "what the
// ambient credentials reach".
type Target struct {
	Cloud inventory.Cloud
	ID    string
	// Regions (or locations) to read; none means every enabled one.
	Regions []string
	// Group names a set of targets that is expanded at scan time, such as
	// "organization" for an AWS organization; ID is then not used, as the
	// accounts are only known once the scan has started.
	Group string
	// Params is what the cloud's package needs beyond the id, under the
	// declaration's names (AWS: assumeRole, externalId, assumeRoleName).
	// The cloud's package documents and reads its own.
	Params map[string]string
}

// String names the target for logs and errors.
func (t Target) String() string {
	id := t.ID
	if t.Group != "" {
		id = t.Group
	}
	if id == "" {
		id = "ambient credentials"
	}
	return string(t.Cloud) + ":" + id
}

// Options are what the scanners of every cloud share; each cloud's
// Register receives them.
type Options struct {
	// Scheduler bounds and paces every call; the cloud makes one when nil.
	Scheduler *Scheduler
	// CallTimeout bounds one HTTP request, response included; the
	// cloud's retryer may try again within its budget.
	CallTimeout time.Duration
	// Logger receives the SDKs' own log lines; none when nil.
	Logger *slog.Logger
	// Endpoints point a cloud's clients at a fixed URL with fixed test
	// credentials, ignoring the machine's own configuration: for the
	// simulator the demo and the tests scan. A cloud not named here uses
	// its real endpoints and the ambient credentials.
	Endpoints map[inventory.Cloud]Endpoint
	// Hook is for tests only: it runs at the start of every goroutine a
	// Group starts, so that a test can make one panic and see the scan
	// survive it.
	Hook func(Scope)
}

// WithEndpoint returns a copy of endpoints with cloud's set to ep; the map
// the caller passed is left alone, as other clouds' Register share it.
func WithEndpoint(endpoints map[inventory.Cloud]Endpoint, cloud inventory.Cloud, ep Endpoint) map[inventory.Cloud]Endpoint {
	out := make(map[inventory.Cloud]Endpoint, len(endpoints)+1)
	for k, v := range endpoints {
		out[k] = v
	}
	out[cloud] = ep
	return out
}

// Endpoint is where a cloud's clients go instead of the provider, and who
// they say they are there.
type Endpoint struct {
	// URL is the base URL every client of the cloud uses.
	URL string
	// Region is the region (or location) calls that name none go to.
	Region string
	// Identity is who the endpoint sees calling; what it is depends on
	// the cloud (AWS: an access key id the simulator maps to an account;
	// Azure: a bearer token, or empty for the ambient credential chain;
	// GCP: a static bearer token, or Application Default Credentials when
	// empty).
	Identity string
	// CACert is PEM certificates to trust for the endpoint besides the
	// system's: a private cloud's own authority, or the certificate the
	// simulator made when it started. Nil trusts the system's only.
	CACert []byte
	// Audience is the token audience of the endpoint where the cloud asks
	// for one (Azure Resource Manager); empty means URL.
	Audience string
}

// Sink receives what a scanner reads. It is safe for concurrent use.
//
// By default it keeps every resource until Fill. A sink given a consumer
// with Stream keeps only the resources still waiting for a part another
// scanner reads, so that a scan of a million resources never holds them.
type Sink struct {
	mu        sync.Mutex
	resources []inventory.Resource
	byUID     map[string]int
	// uids are the resources' identities, in the order of resources.
	uids []string
	// streamed are the identities (hashed) of the resources handed to
	// consume, and consume is the consumer Stream set, called under
	// consumeMu one resource at a time.
	streamed  map[uidHash]struct{}
	consume   func(inventory.Resource)
	consumeMu sync.Mutex
	strings   map[string]string
	errors    []inventory.ScanError
	targets   map[string]inventory.Target
	runs      []inventory.ScannerRun
	byRun     map[runKey]int
	// hook is Options.Hook, run by every Group of this sink.
	hook func(Scope)
	// progress is what Progress reports beyond the above (progress.go).
	progress *progress
	// parts bounds the parts of a scan (a domain over one target and
	// region, EachRegion and EachTarget) that run at once: a part holds
	// what it has listed until it is done, and a thousand regions listed
	// side by side would hold the whole estate. nil: no bound.
	parts chan struct{}
	// fetches bounds the goroutines of every Fetches group at once: each
	// waits for a call slot inside the SDK with a deep stack, and a
	// thousand of them waiting cost tens of megabytes for nothing, as
	// only concurrency calls run at once. nil: no bound.
	fetches chan struct{}
}

// part waits for a free part slot and returns its release.
func (s *Sink) part() func() {
	if s.parts == nil {
		return func() {}
	}
	s.parts <- struct{}{}
	return func() { <-s.parts }
}

// clock times scanner runs; tests replace it to get exact durations.
var clock = time.Now

// runKey identifies a scanner run.
type runKey struct {
	cloud          inventory.Cloud
	target, region string
	domain         inventory.Domain
}

// NewSink returns an empty sink.
func NewSink() *Sink {
	return &Sink{targets: map[string]inventory.Target{}, byUID: map[string]int{}, byRun: map[runKey]int{}, progress: newProgress(), strings: map[string]string{}}
}

// Add records resources. Two scanners may each read part of one resource
// (the patching scanner an RDS instance's upgrade setting, the encryption
// scanner its storage encryption; the encryption scanner a GCS bucket's
// default key, the IAM scanner its bindings, both in its storage facet):
// a resource added again under the same identity is merged, each facet,
// and each field of a facet, kept from whichever scanner set it.
//
// A streaming sink hands a resource to its consumer as soon as it is
// complete (inventory.Resource.Complete); a repeat of a resource already
// handed on is dropped.
func (s *Sink) Add(rs ...inventory.Resource) {
	var ready []inventory.Resource
	s.mu.Lock()
	for _, r := range rs {
		s.internHeader(&r)
		var h uidHash
		if s.consume != nil {
			h = hashUID(&r)
			if _, done := s.streamed[h]; done {
				continue
			}
		}
		uid := r.UID()
		i, seen := s.byUID[uid]
		if seen {
			r = mergeResource(s.resources[i], r)
		}
		if s.consume != nil && r.Complete() {
			s.streamed[h] = struct{}{}
			if seen {
				s.drop(i)
			}
			ready = append(ready, r)
			continue
		}
		if seen {
			s.resources[i] = r
			continue
		}
		s.byUID[uid] = len(s.resources)
		s.resources = append(s.resources, r)
		s.uids = append(s.uids, uid)
	}
	s.mu.Unlock()
	if len(ready) > 0 {
		s.consumeMu.Lock()
		defer s.consumeMu.Unlock()
		for _, r := range ready {
			s.consume(r)
		}
	}
}

// drop forgets the held resource at i, moving the last one into its place.
func (s *Sink) drop(i int) {
	last := len(s.resources) - 1
	delete(s.byUID, s.uids[i])
	if i != last {
		s.resources[i], s.uids[i] = s.resources[last], s.uids[last]
		s.byUID[s.uids[i]] = i
	}
	s.resources[last] = inventory.Resource{}
	s.resources, s.uids = s.resources[:last], s.uids[:last]
}

// uidHash is a resource's Resource.UIDHash.
type uidHash = [16]byte

func hashUID(r *inventory.Resource) uidHash { return r.UIDHash() }

// internHeader makes the resource's repeated strings (cloud, target,
// region, type, tag keys and values) share one copy each across the
// resources the sink holds.
func (s *Sink) internHeader(r *inventory.Resource) {
	in := func(v string) string {
		if x, ok := s.strings[v]; ok {
			return x
		}
		if len(s.strings) < 1<<16 {
			s.strings[v] = v
		}
		return v
	}
	r.Cloud = inventory.Cloud(in(string(r.Cloud)))
	r.Target, r.Region, r.Type = in(r.Target), in(r.Region), in(r.Type)
	if len(r.Tags) > 0 {
		tags := make(map[string]string, len(r.Tags))
		for k, v := range r.Tags {
			tags[in(k)] = in(v)
		}
		r.Tags = tags
	}
}

// Stream makes the sink hand each resource to consume once it is
// complete (see Add) instead of keeping it; Flush hands on the resources
// still incomplete at the end of the scan. consume is called one resource
// at a time. Call Stream before anything is added.
func (s *Sink) Stream(consume func(inventory.Resource)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.consume = consume
	s.streamed = map[uidHash]struct{}{}
}

// Flush hands the resources a streaming sink still holds (parts of which
// were never read) to its consumer, in UID order.
func (s *Sink) Flush() {
	s.mu.Lock()
	held := s.sortedResources()
	s.resources, s.uids, s.byUID = nil, nil, map[string]int{}
	s.mu.Unlock()
	s.consumeMu.Lock()
	defer s.consumeMu.Unlock()
	for _, r := range held {
		s.streamed[hashUID(&r)] = struct{}{}
		s.consume(r)
	}
}

// sortedResources returns the resources held, sorted by UID, each UID
// worked out once.
func (s *Sink) sortedResources() []inventory.Resource {
	idx := make([]int, len(s.resources))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return strings.Compare(s.uids[a], s.uids[b]) })
	out := make([]inventory.Resource, len(idx))
	for i, j := range idx {
		out[i] = s.resources[j]
	}
	return out
}

// mergeResource fills what a is missing from b.
func mergeResource(a, b inventory.Resource) inventory.Resource {
	if a.Name == "" {
		a.Name = b.Name
	}
	if len(b.Tags) > 0 {
		tags := make(map[string]string, len(a.Tags)+len(b.Tags))
		for k, v := range b.Tags {
			tags[k] = v
		}
		for k, v := range a.Tags {
			tags[k] = v
		}
		a.Tags = tags
	}
	fill(&a.Firewall, b.Firewall)
	fill(&a.Network, b.Network)
	fill(&a.VM, b.VM)
	fill(&a.Upgrade, b.Upgrade)
	fill(&a.Volume, b.Volume)
	fill(&a.EncryptionDefault, b.EncryptionDefault)
	fill(&a.Storage, b.Storage)
	fill(&a.Database, b.Database)
	fill(&a.Key, b.Key)
	fill(&a.TLS, b.TLS)
	fill(&a.Identity, b.Identity)
	fill(&a.PasswordPolicy, b.PasswordPolicy)
	fill(&a.Policy, b.Policy)
	fill(&a.Access, b.Access)
	return a
}

// fill sets dst's facet from src when dst has none, and otherwise the
// fields dst left at their zero value (unknown, for tri-state values).
// The merged facet is a copy: the scanners' own values are not changed.
func fill[T any](dst **T, src *T) {
	switch {
	case src == nil:
	case *dst == nil:
		*dst = src
	default:
		merged := **dst
		m, from := reflect.ValueOf(&merged).Elem(), reflect.ValueOf(src).Elem()
		for i := range m.NumField() {
			if f := m.Field(i); f.CanSet() && f.IsZero() {
				f.Set(from.Field(i))
			}
		}
		*dst = &merged
	}
}

// Fail records something that could not be read. The user information
// of URLs in its message is redacted: an SDK's error can name the
// endpoint or proxy URL, credentials included, and error entries end up
// in every report and log.
func (s *Sink) Fail(e inventory.ScanError) {
	e.Message = redact.Text(e.Message)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errors = append(s.errors, e)
}

// Ran records one scanner run. A run recorded again under the same
// (cloud, target, region, domain) is merged: it succeeded only if every
// part did, and took as long as the longest part.
func (s *Sink) Ran(r inventory.ScannerRun) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ranLocked(r)
}

func (s *Sink) ranLocked(r inventory.ScannerRun) {
	k := runKey{r.Cloud, r.Target, r.Region, r.Domain}
	i, seen := s.byRun[k]
	if !seen {
		s.byRun[k] = len(s.runs)
		s.runs = append(s.runs, r)
		return
	}
	old := &s.runs[i]
	old.Success = old.Success && r.Success
	old.DurationSeconds = max(old.DurationSeconds, r.DurationSeconds)
}

// Time runs fn as one run of the domain scanner over target and region and
// records it: how long fn took, and whether it succeeded, which it did when
// fn recorded no error for the target and domain (in region; in any region
// when region is empty, a run over a whole target). fn must record its
// errors through Fail on this sink before it returns.
func (s *Sink) Time(cloud inventory.Cloud, target, region string, domain inventory.Domain, fn func()) {
	start := clock()
	mark := s.mark()
	if err := guard(func() error { fn(); return nil }); err != nil {
		s.Fail(inventory.ScanError{Cloud: cloud, Target: target, Region: region, Domain: domain, Message: err.Error()})
	}
	elapsed := clock().Sub(start).Seconds()
	s.mu.Lock()
	defer s.mu.Unlock()
	failed := slices.ContainsFunc(s.errors[mark.errors:], func(e inventory.ScanError) bool {
		return e.Cloud == cloud && e.Target == target && e.Domain == domain && (region == "" || e.Region == region)
	})
	s.ranLocked(inventory.ScannerRun{Cloud: cloud, Target: target, Region: region, Domain: domain,
		Success: !failed, DurationSeconds: elapsed})
}

// sinkMark is how much a sink held at one moment: what was recorded after
// it is at these indexes or later.
type sinkMark struct{ errors, runs int }

func (s *Sink) mark() sinkMark {
	s.mu.Lock()
	defer s.mu.Unlock()
	return sinkMark{len(s.errors), len(s.runs)}
}

// Target records a scanned target (an organization expands into several).
func (s *Sink) Target(t inventory.Target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := string(t.Cloud) + "|" + t.ID
	old, ok := s.targets[key]
	if ok {
		t.Regions = mergeSorted(old.Regions, t.Regions)
		if t.Name == "" {
			t.Name = old.Name
		}
	}
	s.targets[key] = t
}

// Fill copies everything recorded into inv in a deterministic order.
func (s *Sink) Fill(inv *inventory.Inventory) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.targets {
		inv.Targets = append(inv.Targets, t)
	}
	sort.Slice(inv.Targets, func(i, j int) bool {
		a, b := inv.Targets[i], inv.Targets[j]
		return string(a.Cloud)+"|"+a.ID < string(b.Cloud)+"|"+b.ID
	})
	if len(inv.Resources) == 0 {
		inv.Resources = s.sortedResources()
	} else {
		inv.Resources = append(inv.Resources, s.resources...)
		sort.SliceStable(inv.Resources, func(i, j int) bool { return inv.Resources[i].UID() < inv.Resources[j].UID() })
	}
	inv.Errors = append(inv.Errors, s.errors...)
	sort.SliceStable(inv.Errors, func(i, j int) bool {
		a, b := inv.Errors[i], inv.Errors[j]
		return fmt.Sprint(a.Cloud, a.Target, a.Region, a.Domain, a.Operation) < fmt.Sprint(b.Cloud, b.Target, b.Region, b.Domain, b.Operation)
	})
	inv.Scanners = append(inv.Scanners, s.runs...)
	sort.SliceStable(inv.Scanners, func(i, j int) bool {
		a, b := inv.Scanners[i], inv.Scanners[j]
		return string(a.Cloud)+"|"+a.Target+"|"+a.Region+"|"+string(a.Domain) < string(b.Cloud)+"|"+b.Target+"|"+b.Region+"|"+string(b.Domain)
	})
}

func mergeSorted(a, b []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range append(append([]string{}, a...), b...) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// Scanner reads one domain of one cloud for one target. It records what it
// read, and what it could not read, in the sink; the error it returns is for
// failures that stop the whole target (credentials, for instance).
type Scanner interface {
	Scan(ctx context.Context, t Target, out *Sink) error
}

// Registration is one registered scanner.
type Registration struct {
	Cloud  inventory.Cloud
	Domain inventory.Domain
	// New builds the scanner; the cloud package decides what it needs.
	New func() Scanner
}

// Name is the scanner's switch name, e.g. "aws.firewall".
func (r Registration) Name() string { return string(r.Cloud) + "." + string(r.Domain) }

// Registry holds the scanners a binary was built with. The binary builds
// one per run, so each cloud package can be given its options (endpoints,
// credentials, the shared scheduler) without global state.
type Registry struct {
	mu   sync.Mutex
	regs map[string]Registration
	hook func(Scope)
	errs []error
}

// Refuse records that a cloud's configuration is unusable (an endpoint
// override that is no URL, a certificate file that cannot be read): the
// binary reports it as a usage error before any scan starts.
func (g *Registry) Refuse(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.errs = append(g.errs, err)
}

// Err returns what the clouds refused while registering, nil when nothing.
func (g *Registry) Err() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return errors.Join(g.errs...)
}

// NewRegistry returns an empty registry for scanners registered with o;
// Run hands o.Hook to what they record into.
func NewRegistry(o Options) *Registry {
	return &Registry{regs: map[string]Registration{}, hook: o.Hook}
}

// Register adds a scanner. It panics on a duplicate, which is a
// programming error.
func (g *Registry) Register(r Registration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if _, dup := g.regs[r.Name()]; dup {
		panic("scanners: " + r.Name() + " registered twice")
	}
	g.regs[r.Name()] = r
}

// Registered returns every registered scanner sorted by name.
func (g *Registry) Registered() []Registration {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]Registration, 0, len(g.regs))
	for _, r := range g.regs {
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	return out
}

// Select returns the registered scanners to run: all of them, minus those
// disabled by name ("aws.patching") or by cloud ("azure"). An unknown name
// is an error that lists the valid ones.
func (g *Registry) Select(disabled []string) ([]Registration, error) {
	all := g.Registered()
	valid := map[string]bool{}
	for _, c := range inventory.Clouds {
		valid[string(c)] = true
		for _, d := range inventory.Domains {
			valid[string(c)+"."+string(d)] = true
		}
	}
	off := map[string]bool{}
	for _, n := range disabled {
		if !valid[n] {
			return nil, fmt.Errorf("unknown scanner %q: use a cloud (aws, azure, gcp) or cloud.domain such as aws.patching", n)
		}
		off[n] = true
	}
	var out []Registration
	for _, r := range all {
		if !off[r.Name()] && !off[string(r.Cloud)] {
			out = append(out, r)
		}
	}
	return out, nil
}

// Run scans every target with every selected scanner of its cloud, at most
// concurrency at a time, and returns what they recorded. A domain switched
// off on purpose is skipped; a domain this build has no scanner for gets an
// error entry, so a scan never passes silently over what it could not read.
//
// Every scanner invocation leaves scanner runs (Sink.Ran) for monitoring.
// A scanner may record its own, finer ones (per account and region, with
// Sink.Time); when it records none for its target, Run records one over the
// whole target, region "", that succeeded when the scanner returned no
// error and recorded none. A scanner that returns an error, could not
// start, or is missing from this build gets a failed run over the target.
func (g *Registry) Run(ctx context.Context, targets []Target, selected []Registration, concurrency int) *Sink {
	sink := NewSink()
	g.RunInto(ctx, sink, targets, selected, concurrency)
	return sink
}

// RunInto is Run recording into sink, which the caller may watch while the
// scan runs (Sink.Progress). When the sink streams (Sink.Stream), the
// resources still held at the end are handed on (Sink.Flush) before
// RunInto returns.
func (g *Registry) RunInto(ctx context.Context, sink *Sink, targets []Target, selected []Registration, concurrency int) {
	if concurrency < 1 {
		concurrency = 1
	}
	sink.hook = g.hook
	// Enough parts to keep every call slot busy (a part has a few lists
	// to read side by side), few enough that what they hold stays small.
	sink.parts = make(chan struct{}, max(4, concurrency))
	// Twice the call slots: enough fetches ready that a slot freed is
	// taken at once, even while some wait for a token of their API.
	sink.fetches = make(chan struct{}, max(8, 2*concurrency))
	sem := make(chan struct{}, concurrency)
	var wg sync.WaitGroup
	for _, t := range targets {
		if t.ID != "" && t.Group == "" {
			// A group, such as an organization, or the ambient credentials, name their
			// accounts only once the scanner has resolved them.
			sink.Target(inventory.Target{Cloud: t.Cloud, ID: t.ID, Regions: t.Regions})
		}
		domains := 0
		for _, d := range inventory.Domains {
			if _, ok := find(selected, t.Cloud, d); ok {
				domains++
			} else if _, built := find(g.Registered(), t.Cloud, d); !built {
				domains++
			}
		}
		sink.progress.expect(t, domains)
		for _, d := range inventory.Domains {
			reg, ok := find(selected, t.Cloud, d)
			if !ok {
				if _, built := find(g.Registered(), t.Cloud, d); built {
					continue
				}
				sink.Fail(inventory.ScanError{Cloud: t.Cloud, Target: t.ID, Domain: d,
					Message: fmt.Sprintf("no %s %s scanner is enabled in this build; the domain was not read", t.Cloud, d)})
				sink.Ran(inventory.ScannerRun{Cloud: t.Cloud, Target: t.ID, Domain: d})
				sink.progress.finishedWhole(t, d)
				continue
			}
			wg.Add(1)
			go func(t Target, reg Registration) {
				defer wg.Done()
				defer sink.progress.finishedWhole(t, reg.Domain)
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					sink.Fail(inventory.ScanError{Cloud: t.Cloud, Target: t.ID, Domain: reg.Domain, Message: context.Cause(ctx).Error()})
					sink.Ran(inventory.ScannerRun{Cloud: t.Cloud, Target: t.ID, Domain: reg.Domain})
					return
				}
				defer func() { <-sem }()
				start := clock()
				mark := sink.mark()
				err := guard(func() error { return reg.New().Scan(ctx, t, sink) })
				if err != nil {
					sink.Fail(inventory.ScanError{Cloud: t.Cloud, Target: t.ID, Domain: reg.Domain,
						Message: strings.TrimSpace(err.Error())})
				}
				sink.ranWhole(t, reg.Domain, mark, clock().Sub(start), err)
			}(t, reg)
		}
	}
	wg.Wait()
	if cause := context.Cause(ctx); ctx.Err() != nil && cause != ctx.Err() {
		sink.explain(ctx.Err(), cause)
	}
	if sink.consume != nil {
		sink.Flush()
	}
}

// explain adds why to the error entries that say no more than err: when
// the scan's context ended for a reason of its own (--scan-timeout), an
// entry should name it rather than a bare "context deadline exceeded".
func (s *Sink) explain(err, why error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, e := range s.errors {
		if strings.Contains(e.Message, err.Error()) && !strings.Contains(e.Message, why.Error()) {
			s.errors[i].Message = e.Message + " (" + why.Error() + ")"
		}
	}
}

// ranWhole records the run of the domain scanner over the whole of t, which
// ended after d, unless the scanner recorded runs of its own for t since
// mark. A scanner that returned err failed over the whole target, whatever
// it recorded.
func (s *Sink) ranWhole(t Target, domain inventory.Domain, mark sinkMark, d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// A group, such as an organization, or the ambient credentials, name
	// their accounts only in the scanner: any run of the cloud and domain
	// is its own.
	mine := func(target string) bool { return t.Group != "" || t.ID == "" || target == t.ID }
	run := inventory.ScannerRun{Cloud: t.Cloud, Target: t.ID, Domain: domain, DurationSeconds: d.Seconds()}
	if err == nil {
		if slices.ContainsFunc(s.runs[mark.runs:], func(r inventory.ScannerRun) bool {
			return r.Cloud == t.Cloud && r.Domain == domain && mine(r.Target)
		}) {
			return
		}
		run.Success = !slices.ContainsFunc(s.errors[mark.errors:], func(e inventory.ScanError) bool {
			return e.Cloud == t.Cloud && e.Domain == domain && mine(e.Target)
		})
	}
	s.ranLocked(run)
}

func find(regs []Registration, c inventory.Cloud, d inventory.Domain) (Registration, bool) {
	for _, r := range regs {
		if r.Cloud == c && r.Domain == d {
			return r, true
		}
	}
	return Registration{}, false
}

// guard runs fn and turns a panic into an error, so one scanner's bug is
// an error entry for what it was reading rather than the end of a scan, or
// of a serve process that scans every few hours.
func guard(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("scanner failed unexpectedly (a bug; please report it): %v", p)
		}
	}()
	return fn()
}
