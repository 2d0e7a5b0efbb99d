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

func TestSchedulerSlowsDownOnTheCodesItWasToldAreThrottles(t *testing.T) {
	s := NewScheduler(4)
	s.Throttling("gcp", "RESOURCE_EXHAUSTED")
	lim := Limit{Burst: 10, PerSecond: 10}
	call := Call{Cloud: "gcp", Target: "acme-prod", Service: "compute", Operation: "firewalls.list"}
	release, err := s.Acquire(context.Background(), call, lim)
	if err != nil {
		t.Fatal(err)
	}
	release()
	s.Done(call, "PERMISSION_DENIED")
	if got := s.Pace(call); got != 10 {
		t.Fatalf("pace after a refusal that is no throttle = %v, want 10", got)
	}
	s.Done(call, "RESOURCE_EXHAUSTED")
	if got := s.Pace(call); got != 8 {
		t.Fatalf("pace after a throttle = %v, want 8 (lowered by 20 %%)", got)
	}
	if _, throttled := s.Totals("gcp"); throttled != 1 {
		t.Errorf("throttled requests = %d, want 1", throttled)
	}
}

func TestSchedulerSharedBucketSlowsEveryAPIInIt(t *testing.T) {
	s := NewScheduler(4)
	s.Throttling("azure", "TooManyRequests")
	lim := Limit{Burst: 20, PerSecond: 20}
	disks := Call{Cloud: "azure", Target: "sub", Service: "Microsoft.Compute", Operation: "disks/read", Bucket: "arm"}
	nsgs := Call{Cloud: "azure", Target: "sub", Service: "Microsoft.Network", Operation: "networkSecurityGroups/read", Bucket: "arm"}
	for _, c := range []Call{disks, nsgs} {
		release, err := s.Acquire(context.Background(), c, lim)
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	s.Done(disks, "TooManyRequests")
	if got := s.Pace(nsgs); got != 16 {
		t.Errorf("pace of another API of the subscription after a throttle = %v, want 16: the subscription's bucket is one", got)
	}
}

func TestDeclaredLimitsOnlyLower(t *testing.T) {
	s := NewScheduler(4)
	s.Lower([]RateLimit{
		{Cloud: "aws", Target: "111111111111", API: "ec2:Describe*", Limit: Limit{PerSecond: 5, Burst: 10}},
		{Cloud: "aws", Target: "111111111111", API: "iam:*", Limit: Limit{PerSecond: 50, Burst: 50}},
		{Cloud: "azure", Target: "sub", API: "microsoft.network/*", Limit: Limit{PerSecond: 2, Burst: 2}},
	})
	ec2 := Limit{Burst: 100, PerSecond: 20}
	cases := []struct {
		call Call
		lim  Limit
		want float64
	}{
		{Call{Cloud: "aws", Target: "111111111111", Region: "eu-west-1", Service: "ec2", Operation: "DescribeVolumes", API: "ec2:DescribeVolumes"}, ec2, 5},
		{Call{Cloud: "aws", Target: "222222222222", Region: "eu-west-1", Service: "ec2", Operation: "DescribeVolumes", API: "ec2:DescribeVolumes"}, ec2, 20},
		{Call{Cloud: "aws", Target: "111111111111", Region: "eu-west-1", Service: "ec2", Operation: "GetEbsEncryptionByDefault", API: "ec2:GetEbsEncryptionByDefault"}, ec2, 20},
		// Above the scanner's own pace: no change.
		{Call{Cloud: "aws", Target: "111111111111", Service: "iam", Operation: "ListPolicies", API: "iam:ListPolicies"}, Limit{Burst: 20, PerSecond: 10}, 10},
		// A shared bucket stays, and the API gets one of its own at the
		// declared limit.
		{Call{Cloud: "azure", Target: "sub", Service: "Microsoft.Network", Operation: "networkSecurityGroups/read", API: "Microsoft.Network/networkSecurityGroups/read", Bucket: "arm"}, Limit{Burst: 200, PerSecond: 20}, 2},
		{Call{Cloud: "azure", Target: "sub", Service: "Microsoft.Compute", Operation: "disks/read", API: "Microsoft.Compute/disks/read", Bucket: "arm"}, Limit{Burst: 200, PerSecond: 20}, 20},
	}
	for _, c := range cases {
		release, err := s.Acquire(context.Background(), c.call, c.lim)
		if err != nil {
			t.Fatal(err)
		}
		release()
		if got := s.Pace(c.call); got != c.want {
			t.Errorf("Pace(%s in %s) = %v, want %v", c.call.API, c.call.Target, got, c.want)
		}
	}
	// The declared burst holds too: ten calls, then the bucket is empty.
	call := cases[0].call
	call.Region = "us-east-1"
	for i := range 10 {
		release, err := s.Acquire(context.Background(), call, ec2)
		if err != nil {
			t.Fatalf("call %d within the declared burst: %v", i+1, err)
		}
		release()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if release, err := s.Acquire(ctx, call, ec2); err == nil {
		release()
		t.Error("an eleventh call at once passed a declared burst of 10")
	}
}

func TestMatchAPI(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"ec2:DescribeInstances", "ec2:DescribeInstances", true},
		{"ec2:describeinstances", "ec2:DescribeInstances", true},
		{"ec2:Describe*", "ec2:DescribeInstances", true},
		{"ec2:Describe*", "ec2:GetEbsEncryptionByDefault", false},
		{"*", "compute.firewalls.list", true},
		{"compute.*.list", "compute.firewalls.list", true},
		{"compute.*.list", "compute.instances.aggregatedList", false},
		{"*Describe*s", "ec2:DescribeVolumes", true},
		{"a*a", "a", false},
		{"Microsoft.Network/*", "Microsoft.Network/networkSecurityGroups/read", true},
	}
	for _, c := range cases {
		if got := MatchAPI(c.pattern, c.name); got != c.want {
			t.Errorf("MatchAPI(%q, %q) = %v, want %v", c.pattern, c.name, got, c.want)
		}
	}
}
