package scanners

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"

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
}

func (c Call) key() string {
	return c.Cloud + "|" + c.Target + "|" + c.Region + "|" + c.Service + "|" + c.Operation
}

// Scheduler is the one place a scan's API calls wait: at most Concurrency
// of them are in flight across every target, region and scanner, and calls
// of one (target, region, API) are paced below the provider's limit so that
// retries on throttling stay the exception. Scanners fan out freely (a
// goroutine per region is fine); the scheduler bounds the work.
type Scheduler struct {
	slots chan struct{}

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	done    map[RequestCount]int
	// totals are the requests per cloud, kept apart from done so that a
	// progress display can read them often and cheaply.
	totals map[string]*requestTotals
	// throttling holds, per cloud, the outcome codes its provider
	// throttles with (Throttling).
	throttling map[string]map[string]bool
}

// requestTotals are one cloud's requests so far, and how many of them its
// provider throttled.
type requestTotals struct{ requests, throttled int }

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
		buckets:    map[string]*rate.Limiter{},
		done:       map[RequestCount]int{},
		totals:     map[string]*requestTotals{},
		throttling: map[string]map[string]bool{},
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

// Acquire waits until call may start under lim and a slot is free. The
// caller must call release when the request is done.
func (s *Scheduler) Acquire(ctx context.Context, call Call, lim Limit) (release func(), err error) {
	if lim.PerSecond > 0 {
		if err := s.bucket(call, lim).Wait(ctx); err != nil {
			return func() {}, fmt.Errorf("waiting to call %s: %w", call.Operation, err)
		}
	}
	select {
	case s.slots <- struct{}{}:
	case <-ctx.Done():
		return func() {}, fmt.Errorf("waiting to call %s: %w", call.Operation, ctx.Err())
	}
	var once sync.Once
	return func() { once.Do(func() { <-s.slots }) }, nil
}

func (s *Scheduler) bucket(call Call, lim Limit) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := call.key()
	b, ok := s.buckets[k]
	if !ok {
		burst := lim.Burst
		if burst < 1 {
			burst = 1
		}
		b = rate.NewLimiter(rate.Limit(lim.PerSecond), burst)
		s.buckets[k] = b
	}
	return b
}

// Done records the outcome of one request of call (one attempt: a retried
// call is counted once per attempt, each with its own code).
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
	if s.throttling[call.Cloud][code] {
		t.throttled++
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
