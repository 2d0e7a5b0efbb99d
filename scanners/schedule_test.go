package scanners

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSchedulerBoundsCallsInFlight(t *testing.T) {
	const limit = 3
	s := NewScheduler(limit)
	var inFlight, peak, started atomic.Int32
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			call := Call{Cloud: "aws", Target: "1", Region: "r", Service: "ec2", Operation: "DescribeVolumes"}
			release, err := s.Acquire(context.Background(), call, Limit{})
			if err != nil {
				t.Error(err)
				return
			}
			started.Add(1)
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			if i < limit {
				<-gate // hold the first slots until the others queue up
			}
			inFlight.Add(-1)
			release()
		}(i)
	}
	close(gate)
	wg.Wait()
	if got := peak.Load(); got > limit {
		t.Errorf("peak calls in flight = %d, want at most %d", got, limit)
	}
	if got := started.Load(); got != 20 {
		t.Errorf("calls started = %d, want all 20 to get a slot in turn", got)
	}
}

func TestSchedulerPacesEachAPIOnItsOwn(t *testing.T) {
	s := NewScheduler(10)
	lim := Limit{Burst: 2, PerSecond: 0.001} // two tokens, then one every 1000 s
	volumes := Call{Cloud: "aws", Target: "1", Region: "eu-west-1", Service: "ec2", Operation: "DescribeVolumes"}
	for i := 0; i < 2; i++ {
		release, err := s.Acquire(context.Background(), volumes, lim)
		if err != nil {
			t.Fatalf("call %d within the burst: %v", i+1, err)
		}
		release()
	}
	// The bucket is empty: a call that cannot wait 1000 s is refused at
	// once rather than sent to be throttled.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if release, err := s.Acquire(ctx, volumes, lim); err == nil {
		release()
		t.Fatal("third call within the same second was not held back by the bucket")
	}
	// Another region, and another API, have buckets of their own.
	for _, other := range []Call{
		{Cloud: "aws", Target: "1", Region: "eu-west-2", Service: "ec2", Operation: "DescribeVolumes"},
		{Cloud: "aws", Target: "1", Region: "eu-west-1", Service: "ec2", Operation: "DescribeInstances"},
		{Cloud: "aws", Target: "2", Region: "eu-west-1", Service: "ec2", Operation: "DescribeVolumes"},
	} {
		release, err := s.Acquire(ctx, other, lim)
		if err != nil {
			t.Errorf("Acquire(%+v) = %v, want its own full bucket", other, err)
			continue
		}
		release()
	}
}

func TestSchedulerCountsRequestOutcomes(t *testing.T) {
	s := NewScheduler(4)
	volumes := Call{Cloud: "aws", Target: "1", Region: "eu-west-1", Service: "ec2", Operation: "DescribeVolumes"}
	otherRegion := volumes
	otherRegion.Target, otherRegion.Region = "2", "us-east-1"
	users := Call{Cloud: "aws", Target: "1", Service: "iam", Operation: "ListUsers"}
	s.Done(volumes, CodeOK)
	s.Done(otherRegion, CodeOK) // targets and regions add up
	s.Done(volumes, "RequestLimitExceeded")
	s.Done(users, "AccessDenied")
	s.Done(users, CodeNetworkError)
	want := []RequestCount{
		{Cloud: "aws", Service: "ec2", Operation: "DescribeVolumes", Code: "OK", Count: 2},
		{Cloud: "aws", Service: "ec2", Operation: "DescribeVolumes", Code: "RequestLimitExceeded", Count: 1},
		{Cloud: "aws", Service: "iam", Operation: "ListUsers", Code: "AccessDenied", Count: 1},
		{Cloud: "aws", Service: "iam", Operation: "ListUsers", Code: "NetworkError", Count: 1},
	}
	if got := s.Requests(); !reflect.DeepEqual(got, want) {
		t.Errorf("Requests() = %+v, want %+v", got, want)
	}
	if got := NewScheduler(1).Requests(); len(got) != 0 {
		t.Errorf("Requests() of a fresh scheduler = %+v, want none", got)
	}
}

// TestSchedulerTakesTokenAndSlotTogether holds the only slot while calls
// of one API queue, then checks that they start paced: calls that took
// their tokens while waiting for a slot would start back to back.
func TestSchedulerTakesTokenAndSlotTogether(t *testing.T) {
	s := NewScheduler(1)
	lim := Limit{Burst: 1, PerSecond: 10}
	call := Call{Cloud: "aws", Target: "1", Region: "eu-west-1", Service: "ssm", Operation: "DescribeInstancePatchStates"}
	hold, err := s.Acquire(context.Background(), call, lim)
	if err != nil {
		t.Fatal(err)
	}
	starts := make(chan time.Time, 4)
	for range 4 {
		go func() {
			release, err := s.Acquire(context.Background(), call, lim)
			if err != nil {
				t.Error(err)
				return
			}
			starts <- time.Now()
			release()
		}()
	}
	time.Sleep(450 * time.Millisecond)
	hold()
	var got []time.Time
	for range 4 {
		got = append(got, <-starts)
	}
	slices.SortFunc(got, func(a, b time.Time) int { return a.Compare(b) })
	for i := 1; i < len(got); i++ {
		if gap := got[i].Sub(got[i-1]); gap < 80*time.Millisecond {
			t.Errorf("calls %d and %d started %v apart, want about 100ms at 10 per second: they reached the provider in a burst", i, i+1, gap)
		}
	}
}

func TestSchedulerSlowsDownOnThrottlingAndRecovers(t *testing.T) {
	s := NewScheduler(4)
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	s.now = func() time.Time { return clock }
	lim := Limit{Burst: 20, PerSecond: 64}
	call := Call{Cloud: "aws", Target: "1", Region: "eu-west-1", Service: "ssm", Operation: "DescribeInstanceInformation"}
	release, err := s.Acquire(context.Background(), call, lim)
	if err != nil {
		t.Fatal(err)
	}
	release()
	s.Throttled(call)
	s.Throttled(call) // the same excess: calls in flight together
	if got := s.Pace(call); got != 64*0.8 {
		t.Fatalf("pace after two throttles at once = %v, want %v (lowered once by 20 %%)", got, 64*0.8)
	}
	for range 20 {
		clock = clock.Add(time.Second)
		s.Throttled(call)
	}
	if got := s.Pace(call); got != 4 {
		t.Fatalf("pace after many throttles = %v, want the floor 4 (a sixteenth of 64)", got)
	}
	s.Done(call, CodeOK)
	if got := s.Pace(call); got != 5 {
		t.Fatalf("pace after one answer = %v, want 5: it recovers by a sixty-fourth of the limit", got)
	}
	for range 60 {
		s.Done(call, CodeOK)
	}
	if got := s.Pace(call); got != 64 {
		t.Fatalf("pace after 61 answers = %v, want back at the limit 64", got)
	}
}

func TestSchedulerRetryBudgetIsSharedByTheScan(t *testing.T) {
	s := NewScheduler(1)
	s.retries = 3
	for i := range 3 {
		if !s.Retry() {
			t.Fatalf("retry %d refused within a budget of 3", i+1)
		}
	}
	if s.Retry() {
		t.Fatal("a fourth retry was allowed on a budget of 3")
	}
}
