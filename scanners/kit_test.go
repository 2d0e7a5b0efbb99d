package scanners

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

var kitScope = Scope{Cloud: inventory.AWS, Target: "111111111111", Domain: inventory.Encryption}

func TestGroupTurnsAPanicIntoAnErrorEntry(t *testing.T) {
	s := NewSink()
	g := s.Group(kitScope, 0)
	var done atomic.Int32
	g.Region("eu-west-1").Go(func() {
		var m map[string]int
		//lint:ignore SA5000 the nil-map write is the bug this test injects
		m["boom"]++ // a nil-map write, the bug this guards against
	})
	for range 3 {
		g.Go(func() { done.Add(1) })
	}
	g.Wait()
	if done.Load() != 3 {
		t.Errorf("%d of 3 other functions ran, want all", done.Load())
	}
	var inv inventory.Inventory
	s.Fill(&inv)
	if len(inv.Errors) != 1 {
		t.Fatalf("errors = %+v, want one", inv.Errors)
	}
	e := inv.Errors[0]
	if e.Cloud != inventory.AWS || e.Target != "111111111111" || e.Region != "eu-west-1" || e.Domain != inventory.Encryption {
		t.Errorf("error entry = %+v, want aws 111111111111 eu-west-1 encryption", e)
	}
	for _, want := range []string{"aws.encryption scanner in 111111111111/eu-west-1", "a bug", "assignment to entry in nil map"} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("message %q does not contain %q", e.Message, want)
		}
	}
	if len(inv.Scanners) != 1 || inv.Scanners[0].Success || inv.Scanners[0].Region != "eu-west-1" {
		t.Errorf("scanner runs = %+v, want one failed run in eu-west-1", inv.Scanners)
	}
}

func TestGroupHonoursItsLimit(t *testing.T) {
	g := NewSink().Group(kitScope, 3)
	release := make(chan struct{})
	var running atomic.Int32
	for range 3 {
		g.Go(func() {
			running.Add(1)
			<-release
		})
	}
	// The fourth must wait for a slot: Go blocks its caller until one of
	// the three returns.
	fourth := make(chan struct{})
	go func() {
		g.Go(func() {})
		close(fourth)
	}()
	select {
	case <-fourth:
		t.Errorf("a fourth function started while 3 of a limit of 3 were running (%d running)", running.Load())
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-fourth
	g.Wait()
}

func TestFetchesShareOneBoundAcrossGroups(t *testing.T) {
	s := NewSink()
	s.fetches = make(chan struct{}, 4) // as RunInto sets it
	release := make(chan struct{})
	var running, most atomic.Int32
	var wg sync.WaitGroup
	// Ten regions, each with a fetch group of its own allowing 8: without
	// the shared bound 80 goroutines would run (or wait in the SDK) at once.
	for r := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g := s.Fetches(kitScope, 8).Region(fmt.Sprint("region-", r))
			for range 8 {
				g.Go(func() {
					n := running.Add(1)
					for {
						m := most.Load()
						if n <= m || most.CompareAndSwap(m, n) {
							break
						}
					}
					<-release
					running.Add(-1)
				})
			}
			g.Wait()
		}()
	}
	time.Sleep(50 * time.Millisecond)
	if n := running.Load(); n != 4 {
		t.Errorf("%d fetches running while 80 are asked for under a shared bound of 4, want 4", n)
	}
	// A plain group (a part's lists) is not held back by the fetches.
	plain := make(chan struct{})
	go func() {
		g := s.Group(kitScope, 0)
		for range 10 {
			g.Go(func() {})
		}
		g.Wait()
		close(plain)
	}()
	select {
	case <-plain:
	case <-time.After(2 * time.Second):
		t.Error("a plain group waited for the fetches' bound")
	}
	close(release)
	wg.Wait()
	if m := most.Load(); m > 4 {
		t.Errorf("at most %d fetches ran at once, want at most 4", m)
	}
}

func TestGroupOnPanicAndHook(t *testing.T) {
	s := NewSink()
	var seen []Scope
	var mu sync.Mutex
	s.hook = func(sc Scope) {
		mu.Lock()
		seen = append(seen, sc)
		mu.Unlock()
		if sc.Region == "us-east-1" {
			panic("injected")
		}
	}
	var got error
	g := s.Group(kitScope, 0).OnPanic(func(err error) { got = err })
	g.Region("us-east-1").Go(func() { t.Error("fn ran although the hook panicked before it") })
	g.Wait()
	if got == nil || !strings.Contains(got.Error(), "injected") {
		t.Errorf("OnPanic got %v, want the injected panic", got)
	}
	var inv inventory.Inventory
	s.Fill(&inv)
	if len(inv.Errors) != 0 {
		t.Errorf("errors = %+v, want none: OnPanic took the panic", inv.Errors)
	}
	if len(seen) != 1 || seen[0].Region != "us-east-1" || seen[0].Target != kitScope.Target {
		t.Errorf("hook saw %+v, want the one scope", seen)
	}
}

// account is a resolved target for the tests of EachTarget and EachRegion.
type account struct {
	id      string
	regions []string
	err     error
}

func (a account) TargetID() string        { return a.id }
func (a account) TargetRegions() []string { return a.regions }
func (a account) Unreadable(d inventory.Domain) (inventory.ScanError, bool) {
	if a.err == nil {
		return inventory.ScanError{}, false
	}
	return inventory.ScanError{Cloud: inventory.GCP, Target: a.id, Domain: d, Message: a.err.Error()}, true
}

func TestEachRegionRecordsRunsAndUnreadableTargets(t *testing.T) {
	s := NewSink()
	accts := []account{
		{id: "p1", regions: []string{"europe-west1", "europe-west3"}},
		{id: "p2", err: errors.New("permission denied")},
		{id: "p3", regions: []string{"us-east1"}},
	}
	var mu sync.Mutex
	visited := map[string]bool{}
	EachRegion(s, inventory.GCP, inventory.Firewall, accts, func(a account, region string) {
		mu.Lock()
		visited[a.id+"/"+region] = true
		mu.Unlock()
		if region == "us-east1" {
			panic("a bug in one region")
		}
		s.Add(inventory.Resource{Cloud: inventory.GCP, Target: a.id, Region: region, Type: inventory.GCPFirewall, ID: "fw"})
	})
	var inv inventory.Inventory
	s.Fill(&inv)
	if len(visited) != 3 || !visited["p1/europe-west1"] || !visited["p1/europe-west3"] || !visited["p3/us-east1"] {
		t.Errorf("visited %v, want the three regions of p1 and p3", visited)
	}
	if len(inv.Resources) != 2 {
		t.Errorf("resources = %d, want 2 (the panicking region adds none)", len(inv.Resources))
	}
	runs := map[string]bool{}
	for _, r := range inv.Scanners {
		runs[r.Target+"/"+r.Region] = r.Success
	}
	want := map[string]bool{"p1/europe-west1": true, "p1/europe-west3": true, "p2/": false, "p3/us-east1": false}
	if fmt.Sprint(runs) != fmt.Sprint(want) {
		t.Errorf("runs = %v, want %v", runs, want)
	}
	errs := map[string]string{}
	for _, e := range inv.Errors {
		errs[e.Target+"/"+e.Region] = e.Message
	}
	if !strings.Contains(errs["p2/"], "permission denied") || !strings.Contains(errs["p3/us-east1"], "a bug in one region") || len(errs) != 2 {
		t.Errorf("errors = %v, want p2's refusal and p3's panic", errs)
	}
}

func TestEachTargetRunsOncePerTarget(t *testing.T) {
	s := NewSink()
	var n atomic.Int32
	EachTarget(s, inventory.GCP, inventory.IAM, []account{{id: "p1", regions: []string{"a", "b"}}, {id: "p2"}}, func(account) { n.Add(1) })
	var inv inventory.Inventory
	s.Fill(&inv)
	if n.Load() != 2 || len(inv.Scanners) != 2 || inv.Scanners[0].Region != "" || !inv.Scanners[0].Success {
		t.Errorf("fn ran %d times, runs %+v; want 2 successful runs over whole targets", n.Load(), inv.Scanners)
	}
}

// A fed target's function runs while every part slot is taken: the parts
// holding them may be waiting for the very data it hands over.
func TestEachFedTargetTakesNoPartSlot(t *testing.T) {
	s := NewSink()
	s.parts = make(chan struct{}, 1)
	s.parts <- struct{}{} // every slot taken
	done := make(chan int32)
	go func() {
		var n atomic.Int32
		EachFedTarget(s, inventory.Azure, inventory.Firewall, []account{{id: "s1"}, {id: "s2"}}, func(account) { n.Add(1) })
		done <- n.Load()
	}()
	select {
	case n := <-done:
		if n != 2 {
			t.Errorf("fn ran %d times, want 2", n)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("EachFedTarget waited for a part slot")
	}
	// EachTarget does wait for one.
	bounded := make(chan struct{})
	go func() {
		EachTarget(s, inventory.Azure, inventory.Firewall, []account{{id: "s3"}}, func(account) {})
		close(bounded)
	}()
	select {
	case <-bounded:
		t.Error("EachTarget ran with every part slot taken")
	case <-time.After(50 * time.Millisecond):
	}
	<-s.parts
	<-bounded
}

func TestFailuresGatherOneEntryPerOperation(t *testing.T) {
	var f Failures
	g := NewSink().Group(kitScope, 4)
	for i := range 5 {
		g.Go(func() {
			f.Add(inventory.ScanError{Target: "1", Region: "eu-west-1", Operation: "kms:DescribeKey", Message: fmt.Sprintf("denied %d", i)})
		})
	}
	g.Wait()
	f.Add(inventory.ScanError{Target: "1", Region: "eu-west-1", Operation: "kms:ListAliases", Message: "throttled"})
	s := NewSink()
	f.Flush(s)
	var inv inventory.Inventory
	s.Fill(&inv)
	if len(inv.Errors) != 2 {
		t.Fatalf("errors = %+v, want one per operation", inv.Errors)
	}
	if e := inv.Errors[0]; e.Operation != "kms:DescribeKey" || !strings.HasPrefix(e.Message, "denied ") || !strings.HasSuffix(e.Message, "(5 calls failed; this is the first)") {
		t.Errorf("DescribeKey entry = %+v, want the first failure and a count of 5", e)
	}
	if e := inv.Errors[1]; e.Message != "throttled" {
		t.Errorf("ListAliases entry = %q, want the message alone for one failure", e.Message)
	}
	f.Flush(s)
	var again inventory.Inventory
	s.Fill(&again)
	if len(again.Errors) != 2 {
		t.Errorf("a second Flush recorded again: %d errors", len(again.Errors))
	}
}

func TestTags(t *testing.T) {
	type pair struct{ k, v string }
	got := Tags([]pair{{"a", "1"}, {"b", "2"}}, func(p pair) (string, string) { return p.k, p.v })
	if len(got) != 2 || got["a"] != "1" || got["b"] != "2" {
		t.Errorf("Tags = %v", got)
	}
	if Tags([]pair(nil), func(p pair) (string, string) { return p.k, p.v }) != nil {
		t.Error("Tags(nil) is not nil")
	}
}
