package scanners

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limit is a provider's published request rate for one API: a token bucket
// of Burst tokens refilled at PerSecond.
type Limit struct {
	Burst     int
	PerSecond float64
}

// Call names one API call for pacing: the provider paces per account (or
// subscription, project), per region and per API.
type Call struct {
	Cloud     string
	Target    string
	Region    string
	Service   string
	Operation string
	// API is the call's name in its cloud's own words, which declared
	// rate limits (RateLimit.API) match: ec2:DescribeInstances,
	// Microsoft.Network/networkSecurityGroups/read,
	// compute.firewalls.list. Empty: no declared limit reaches the call.
	API string
	// Bucket names the token bucket the provider paces the call in when
	// it is not the API's own, and Target and Region: Azure Resource
	// Manager paces every read of a subscription in one bucket. Empty:
	// the API's own bucket in its target and region.
	Bucket string
}

func (c Call) key() string {
	return c.Cloud + "|" + c.Target + "|" + c.Region + "|" + c.Service + "|" + c.Operation
}

// bucketKey is the key of the shared bucket a Call names in Bucket.
func (c Call) bucketKey() string {
	return c.Cloud + "|" + c.Target + "|" + c.Region + "|" + c.Bucket
}

// RateLimit lowers the pace of the APIs of one target whose names match
// API, a pattern where * stands for any run of characters, compared
// without regard to case: a declaration's rateLimits entry, for an
// account, subscription or project whose quotas are smaller than the
// provider's defaults. It applies to each (target, region, API) it
// matches, as the scanners' own paces do, and never raises one.
type RateLimit struct {
	Cloud  string
	Target string
	API    string
	Limit
}

// matches reports whether l applies to call.
func (l RateLimit) matches(call Call) bool {
	return call.API != "" && l.Cloud == call.Cloud && strings.EqualFold(l.Target, call.Target) && MatchAPI(l.API, call.API)
}

// MatchAPI reports whether the API name matches pattern, where * stands
// for any run of characters and case does not matter.
func MatchAPI(pattern, name string) bool {
	pattern, name = strings.ToLower(pattern), strings.ToLower(name)
	first, rest, star := strings.Cut(pattern, "*")
	if !star {
		return pattern == name
	}
	if !strings.HasPrefix(name, first) {
		return false
	}
	name = name[len(first):]
	parts := strings.Split(rest, "*")
	last := parts[len(parts)-1]
	for _, part := range parts[:len(parts)-1] {
		i := strings.Index(name, part)
		if i < 0 {
			return false
		}
		name = name[i+len(part):]
	}
	return len(name) >= len(last) && strings.HasSuffix(name, last)
}

// lower returns the tighter of two limits, field by field; an unset
// limit (PerSecond 0: not paced) gives way to the other.
func lower(a, b Limit) Limit {
	switch {
	case a.PerSecond <= 0:
		return b
	case b.PerSecond <= 0:
		return a
	}
	out := Limit{PerSecond: min(a.PerSecond, b.PerSecond), Burst: min(a.Burst, b.Burst)}
	if a.Burst <= 0 || b.Burst <= 0 {
		out.Burst = max(a.Burst, b.Burst)
	}
	return out
}

// Scheduler is the one place a scan's API calls wait: at most Concurrency
// of them are in flight across every target, region and scanner, and calls
// of one (target, region, API) are paced below the provider's limit so that
// retries on throttling stay the exception. Scanners fan out freely (a
// goroutine per region is fine); the scheduler bounds the work.
//
// A call takes its pace token and its slot together, at the moment it
// starts: a token taken while the call still waited for a slot would let
// calls that waited pile up and reach the provider in a burst. The pace of
// an API adapts: a throttled call (an outcome the cloud named in
// Throttling) lowers it by 20 %, and each call answered brings it back by
// a step, so it recovers over a hundred calls and stays close to the pace
// the provider allows. A declared limit (Lower) can only hold an API of
// one target below the pace its scanner asks for, never above. Retries
// of throttled calls draw on one budget for the scan (Retry), so that one
// unlucky batch is tried again rather than lost while a provider that
// refuses everything does not keep the scan retrying for ever.
type Scheduler struct {
	slots chan struct{}

	mu sync.Mutex
	// buckets are the token buckets by key (Call.key or bucketKey), and
	// paces the buckets each call (by Call.key) waits for: its API's own,
	// or the shared one it names and, when a declared limit lowers its
	// API, the API's own at that limit.
	buckets map[string]*pace
	paces   map[string][]*pace
	// declared are the rate limits the declaration lowers (Lower).
	declared []RateLimit
	done     map[RequestCount]int
	// totals are the requests per cloud, kept apart from done so that a
	// progress display can read them often and cheaply.
	totals map[string]*requestTotals
	// throttling holds, per cloud, the outcome codes its provider
	// throttles with (Throttling).
	throttling map[string]map[string]bool
	// retries is what is left of the scan's retry budget.
	retries int
	// now is the clock; tests replace it.
	now func() time.Time
}

// requestTotals are one cloud's requests so far, and how many of them its
// provider throttled.
type requestTotals struct{ requests, throttled int }

// pace is the adaptive token bucket of one (target, region, API).
type pace struct {
	lim  *rate.Limiter
	base Limit
	// rate is the current pace, at most base.PerSecond, and slowed when
	// it was last lowered.
	rate   float64
	slowed time.Time
}

// DefaultRetryBudget is how many retries of throttled or failed calls a
// scan may make in all, beyond each call's first few attempts.
const DefaultRetryBudget = 10000

// RequestCount is how many requests one API answered with one outcome.
// Code is "OK" or the provider's error code (ThrottlingException,
// AccessDenied, ...), InvalidResponse when what came back was not an
// answer (an HTML page, an empty or cut-off body), or NetworkError when
// nothing came back.
type RequestCount struct {
	Cloud     string
	Service   string
	Operation string
	Code      string
	Count     int
}

// Request outcome codes that are not the provider's.
const (
	CodeOK           = "OK"
	CodeNetworkError = "NetworkError"
	// CodeInvalidResponse counts responses that are not the provider's
	// answer: an HTML page from a proxy, an empty, cut-off or oversized
	// body.
	CodeInvalidResponse = "InvalidResponse"
)

// NewScheduler returns a scheduler that lets concurrency calls run at once.
// Per-call timeouts belong to each cloud's HTTP client, which can stop a
// request without cancelling contexts net/http may still be watching.
func NewScheduler(concurrency int) *Scheduler {
	if concurrency < 1 {
		concurrency = 1
	}
	return &Scheduler{
		slots:      make(chan struct{}, concurrency),
		buckets:    map[string]*pace{},
		paces:      map[string][]*pace{},
		done:       map[RequestCount]int{},
		totals:     map[string]*requestTotals{},
		throttling: map[string]map[string]bool{},
		retries:    DefaultRetryBudget,
		now:        time.Now,
	}
}

// Throttling names the outcome codes with which cloud's provider
// throttles a request (AWS: Throttling, RequestLimitExceeded, SlowDown,
// ...), so that Totals can count throttled requests without knowing any
// provider. A cloud's package calls it when it registers.
func (s *Scheduler) Throttling(cloud string, codes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	set := s.throttling[cloud]
	if set == nil {
		set = map[string]bool{}
		s.throttling[cloud] = set
	}
	for _, c := range codes {
		set[c] = true
	}
}

// Totals returns how many requests of cloud have been answered (or have
// failed) so far, attempts counted one by one, and how many of them the
// provider throttled.
func (s *Scheduler) Totals(cloud string) (requests, throttled int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.totals[cloud]; t != nil {
		return t.requests, t.throttled
	}
	return 0, 0
}

// Lower holds the APIs the limits match, in their targets, to those
// limits where they are below the pace the scanners ask for; a limit
// above it changes nothing. Call it before the scan starts.
func (s *Scheduler) Lower(limits []RateLimit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.declared = append(s.declared, limits...)
}

// Acquire waits until call may start under lim (or the slower pace the
// API was brought down to, or a declared limit below lim) and a slot is
// free, and takes both at once. The caller must call release when the
// request is done.
func (s *Scheduler) Acquire(ctx context.Context, call Call, lim Limit) (release func(), err error) {
	ps := s.pacesFor(call, lim)
	for {
		// Wait, without taking them, until every bucket has a token.
		if err := wait(ctx, s.untilToken(ps)); err != nil {
			return func() {}, fmt.Errorf("waiting to call %s: %w", call.Operation, err)
		}
		select {
		case s.slots <- struct{}{}:
		case <-ctx.Done():
			return func() {}, fmt.Errorf("waiting to call %s: %w", call.Operation, ctx.Err())
		}
		if s.take(ps) {
			var once sync.Once
			return func() { once.Do(func() { <-s.slots }) }, nil
		}
		// Another call took a token meanwhile: give the slot back.
		<-s.slots
	}
}

// untilToken is how long until every bucket of ps holds a token.
func (s *Scheduler) untilToken(ps []*pace) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var d time.Duration
	for _, p := range ps {
		if missing := 1 - p.lim.Tokens(); missing > 0 {
			d = max(d, time.Duration(missing/p.rate*float64(time.Second)))
		}
	}
	return d
}

// take takes a token from every bucket of ps, or from none when one is
// empty.
func (s *Scheduler) take(ps []*pace) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range ps {
		if p.lim.Tokens() < 1 {
			return false
		}
	}
	for _, p := range ps {
		p.lim.Allow()
	}
	return true
}

// wait sleeps d, or fails at once when ctx would end first: a call that
// cannot wait for its token is refused rather than sent to be throttled.
func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return fmt.Errorf("the next token comes after the deadline: %w", context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// pacesFor returns the buckets call waits for, making them the first
// time: none when neither lim nor a declared limit paces it.
func (s *Scheduler) pacesFor(call Call, lim Limit) []*pace {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := call.key()
	if ps, ok := s.paces[k]; ok {
		return ps
	}
	declared := Limit{}
	for _, l := range s.declared {
		if l.matches(call) {
			declared = lower(declared, l.Limit)
		}
	}
	var ps []*pace
	switch {
	case call.Bucket == "":
		if l := lower(lim, declared); l.PerSecond > 0 {
			ps = append(ps, s.bucket(k, l))
		}
	default:
		if lim.PerSecond > 0 {
			ps = append(ps, s.bucket(call.bucketKey(), lim))
		}
		if declared.PerSecond > 0 {
			ps = append(ps, s.bucket(k, lower(lim, declared)))
		}
	}
	s.paces[k] = ps
	return ps
}

// bucket returns the bucket of key, making it at lim the first time.
func (s *Scheduler) bucket(key string, lim Limit) *pace {
	b, ok := s.buckets[key]
	if !ok {
		burst := max(lim.Burst, 1)
		b = &pace{lim: rate.NewLimiter(rate.Limit(lim.PerSecond), burst), base: Limit{Burst: burst, PerSecond: lim.PerSecond}, rate: lim.PerSecond}
		s.buckets[key] = b
	}
	return b
}

// Throttled slows call's API down: the provider refused a request for its
// rate. Done calls it for every outcome code the cloud named in
// Throttling. The pace drops by 20 % (down to a sixteenth of the limit),
// at most once per half second, since the calls already in flight when
// the provider started refusing are refused for the same excess; and the
// bucket holds no burst until it has recovered. Every bucket the call
// waits for slows down: which of them the provider found too fast is not
// known.
func (s *Scheduler) Throttled(call Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttled(call)
}

func (s *Scheduler) throttled(call Call) {
	now := s.now()
	for _, p := range s.paces[call.key()] {
		if now.Sub(p.slowed) < slowDownEvery {
			continue
		}
		p.slowed = now
		p.rate = max(p.rate*0.8, p.base.PerSecond/16)
		p.lim.SetLimit(rate.Limit(p.rate))
		p.lim.SetBurst(1)
	}
}

// slowDownEvery is how often a pace may drop.
const slowDownEvery = 500 * time.Millisecond

// recovered brings call's buckets a step back towards their limits after
// an answer that was not a throttle: a sixty-fourth of the limit a call,
// so that a pace that found the provider's limit stays near it.
func (s *Scheduler) recovered(call Call) {
	for _, p := range s.paces[call.key()] {
		if p.rate >= p.base.PerSecond {
			continue
		}
		p.rate = min(p.base.PerSecond, p.rate+p.base.PerSecond/64)
		p.lim.SetLimit(rate.Limit(p.rate))
		if p.rate >= p.base.PerSecond {
			p.lim.SetBurst(p.base.Burst)
		}
	}
}

// Pace returns the pace, in calls per second, call's API is held to now
// (the slowest of its buckets); 0 when none of its calls was paced yet.
func (s *Scheduler) Pace(call Call) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := 0.0
	for i, p := range s.paces[call.key()] {
		if i == 0 || p.rate < r {
			r = p.rate
		}
	}
	return r
}

// Retry takes one retry from the scan's budget, reporting false when it
// is spent: the caller then gives up on the call.
func (s *Scheduler) Retry() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.retries <= 0 {
		return false
	}
	s.retries--
	return true
}

// Done records the outcome of one request of call (one attempt: a retried
// call is counted once per attempt, each with its own code). A code the
// cloud throttles with (Throttling) slows the API down (Throttled); an
// answer lets its pace recover a step.
func (s *Scheduler) Done(call Call, code string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done[RequestCount{Cloud: call.Cloud, Service: call.Service, Operation: call.Operation, Code: code}]++
	t := s.totals[call.Cloud]
	if t == nil {
		t = &requestTotals{}
		s.totals[call.Cloud] = t
	}
	t.requests++
	switch {
	case s.throttling[call.Cloud][code]:
		t.throttled++
		s.throttled(call)
	case code == CodeOK:
		s.recovered(call)
	}
}

// Requests returns the outcomes recorded by Done per (cloud, service,
// operation, code), across every target and region, sorted.
func (s *Scheduler) Requests() []RequestCount {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]RequestCount, 0, len(s.done))
	for k, n := range s.done {
		k.Count = n
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b RequestCount) int {
		return cmp.Or(cmp.Compare(a.Cloud, b.Cloud), cmp.Compare(a.Service, b.Service),
			cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Code, b.Code))
	})
	return out
}

// APIPace is the pace a cloud's scanners hold one API of a target to: what
// a declared rate limit may lower, never raise.
type APIPace struct {
	// API is the API's name in the cloud's own words, as in Call.API.
	API string
	Limit
}

// PacesMatching returns the paces whose API pattern matches, in order.
func PacesMatching(paces []APIPace, pattern string) []APIPace {
	var out []APIPace
	for _, p := range paces {
		if MatchAPI(pattern, p.API) {
			out = append(out, p)
		}
	}
	return out
}
