package scanners

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// gatedScanner resolves a group target into accounts, records them, and
// reads each account's regions through EachRegion, each region waiting for
// its gate to open; every read is one request through the scheduler.
type gatedScanner struct {
	accounts []account
	gates    map[string]chan struct{} // by account id
	sched    *Scheduler
	failWith error
}

func (s gatedScanner) Scan(ctx context.Context, t Target, out *Sink) error {
	if s.failWith != nil {
		return s.failWith
	}
	for _, a := range s.accounts {
		out.Target(inventory.Target{Cloud: t.Cloud, ID: a.id, Regions: a.regions})
	}
	EachRegion(out, t.Cloud, inventory.Firewall, s.accounts, func(a account, region string) {
		<-s.gates[a.id]
		call := Call{Cloud: string(t.Cloud), Target: a.id, Region: region, Service: "compute", Operation: "firewalls.list"}
		release, err := s.sched.Acquire(ctx, call, Limit{})
		if err != nil {
			return
		}
		release()
		code := CodeOK
		if region == "europe-west3" {
			code = "rateLimitExceeded"
		}
		s.sched.Done(call, code)
	})
	return nil
}

func TestProgressCountsTargetsRequestsThrottlesAndErrors(t *testing.T) {
	sched := NewScheduler(4)
	sched.Throttling("gcp", "rateLimitExceeded")
	gates := map[string]chan struct{}{"p1": make(chan struct{}), "p2": make(chan struct{})}
	sc := gatedScanner{
		accounts: []account{
			{id: "p1", regions: []string{"europe-west1", "europe-west3"}},
			{id: "p2", regions: []string{"us-east1"}},
			{id: "p3", err: errors.New("permission denied")},
		},
		gates: gates, sched: sched,
	}
	g := NewRegistry(Options{})
	g.Register(Registration{Cloud: inventory.GCP, Domain: inventory.Firewall, New: func() Scanner { return sc }})
	for _, d := range []inventory.Domain{inventory.Patching, inventory.Encryption, inventory.IAM} {
		g.Register(Registration{Cloud: inventory.GCP, Domain: d, New: func() Scanner { return staticScanner{} }})
	}
	sel := g.Registered()
	sink := NewSink()
	done := make(chan struct{})
	go func() {
		defer close(done)
		g.RunInto(context.Background(), sink, []Target{{Cloud: inventory.GCP, Group: "organization"}}, sel, 2)
	}()

	// Before anything is resolved the group counts as one target; once the
	// scanner names its accounts they count instead.
	waitFor(t, sink, sched, func(p Progress) bool { return p.Targets == 3 && p.TargetsDone == 1 && p.Errors == 1 },
		"the three accounts known, p3 done (unreadable) with its error entry")

	close(gates["p1"])
	waitFor(t, sink, sched, func(p Progress) bool {
		return p.TargetsDone == 2 && p.Requests == 2 && p.Throttled == 1
	}, "p1 done after both its regions, one of its two requests throttled")

	close(gates["p2"])
	<-done
	got := sink.Progress(sched)
	want := []Progress{{Cloud: inventory.GCP, Targets: 3, TargetsDone: 3, Requests: 3, Throttled: 1, Errors: 1}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Progress() after the scan = %+v, want %+v", got, want)
	}
}

func TestProgressOfAGroupThatCannotBeResolved(t *testing.T) {
	// No credentials: the ambient target never names an account; it
	// counts as one target, done once every domain has given up on it.
	g := NewRegistry(Options{})
	for _, d := range inventory.Domains {
		g.Register(Registration{Cloud: inventory.AWS, Domain: d, New: func() Scanner {
			return gatedScanner{failWith: errors.New("no credentials")}
		}})
	}
	sink := NewSink()
	if got := sink.Progress(nil); len(got) != 0 {
		t.Errorf("Progress() before the scan = %+v, want nothing", got)
	}
	g.RunInto(context.Background(), sink, []Target{{Cloud: inventory.AWS}}, g.Registered(), 4)
	got := sink.Progress(nil)
	want := []Progress{{Cloud: inventory.AWS, Targets: 1, TargetsDone: 1, Errors: 4}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Progress() = %+v, want %+v", got, want)
	}
}

func TestProgressCountsTargetsWithoutAScannerAsDone(t *testing.T) {
	g := NewRegistry(Options{})
	sink := NewSink()
	g.RunInto(context.Background(), sink, []Target{{Cloud: inventory.Azure, ID: "sub-1"}, {Cloud: inventory.Azure, ID: "sub-2"}}, nil, 1)
	got := sink.Progress(nil)
	want := []Progress{{Cloud: inventory.Azure, Targets: 2, TargetsDone: 2, Errors: 8}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Progress() = %+v, want %+v", got, want)
	}
}

// waitFor polls the sink's progress of its only cloud until ok holds.
func waitFor(t *testing.T, sink *Sink, sched *Scheduler, ok func(Progress) bool, what string) {
	t.Helper()
	var last []Progress
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		last = sink.Progress(sched)
		if len(last) == 1 && ok(last[0]) {
			return
		}
	}
	t.Fatalf("progress never showed %s; last %+v", what, last)
}
