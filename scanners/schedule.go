package scanners

import (
	"context"
	"fmt"
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
	counts  map[Call]int
}

// NewScheduler returns a scheduler that lets concurrency calls run at once.
// Per-call timeouts belong to each cloud's HTTP client, which can stop a
// request without cancelling contexts net/http may still be watching.
func NewScheduler(concurrency int) *Scheduler {
	if concurrency < 1 {
		concurrency = 1
	}
	return &Scheduler{
		slots:   make(chan struct{}, concurrency),
		buckets: map[string]*rate.Limiter{},
		counts:  map[Call]int{},
	}
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
	s.mu.Lock()
	s.counts[call]++
	s.mu.Unlock()
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

// Calls returns how many calls started, per call key.
func (s *Scheduler) Calls() map[Call]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[Call]int, len(s.counts))
	for k, v := range s.counts {
		out[k] = v
	}
	return out
}
