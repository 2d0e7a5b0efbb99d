package scanners

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// staticScanner records fixed resources or fails; it stands in for a cloud
// package so the registry and Run can be tested without one.
type staticScanner struct {
	res []inventory.Resource
	err error
}

func (s staticScanner) Scan(_ context.Context, t Target, out *Sink) error {
	for _, r := range s.res {
		r.Target = t.ID
		out.Add(r)
	}
	return s.err
}

func TestRunRecordsResourcesErrorsAndMissingScanners(t *testing.T) {
	g := NewRegistry(Options{})
	g.Register(Registration{Cloud: inventory.GCP, Domain: inventory.Firewall, New: func() Scanner {
		return staticScanner{res: []inventory.Resource{{Cloud: inventory.GCP, Type: inventory.GCPFirewall, ID: "fw-1"}}}
	}})
	g.Register(Registration{Cloud: inventory.GCP, Domain: inventory.IAM, New: func() Scanner {
		return staticScanner{err: errors.New("permission denied: resourcemanager.projects.getIamPolicy")}
	}})
	g.Register(Registration{Cloud: inventory.GCP, Domain: inventory.Patching, New: func() Scanner { return staticScanner{} }})

	sel, err := g.Select([]string{"gcp.patching"})
	if err != nil {
		t.Fatal(err)
	}
	if len(sel) != 2 {
		t.Fatalf("Select(gcp.patching off) = %d scanners, want 2", len(sel))
	}
	targets := []Target{{Cloud: inventory.GCP, ID: "proj-a"}, {Cloud: inventory.AWS, ID: "111111111111", Regions: []string{"eu-west-1"}}}
	var inv inventory.Inventory
	g.Run(context.Background(), targets, sel, 4).Fill(&inv)

	if len(inv.Resources) != 1 || inv.Resources[0].Target != "proj-a" {
		t.Errorf("resources = %+v, want fw-1 in proj-a", inv.Resources)
	}
	if len(inv.Targets) != 2 {
		t.Errorf("targets = %+v, want 2", inv.Targets)
	}
	got := map[string]string{}
	for _, e := range inv.Errors {
		got[string(e.Cloud)+"/"+e.Target+"/"+string(e.Domain)] = e.Message
	}
	// gcp: iam failed, encryption has no scanner, patching was switched off
	// on purpose (no error); aws: no scanner at all in this test binary.
	want := []string{"gcp/proj-a/iam", "gcp/proj-a/encryption", "aws/111111111111/firewall", "aws/111111111111/patching", "aws/111111111111/encryption", "aws/111111111111/iam"}
	for _, k := range want {
		if _, ok := got[k]; !ok {
			t.Errorf("no error entry for %s; got %v", k, got)
		}
	}
	if _, ok := got["gcp/proj-a/patching"]; ok {
		t.Errorf("a scanner switched off produced an error entry: %v", got)
	}
	if !strings.Contains(got["gcp/proj-a/iam"], "getIamPolicy") {
		t.Errorf("iam error = %q, want the scanner's message", got["gcp/proj-a/iam"])
	}
	if len(got) != len(want) {
		t.Errorf("errors = %v, want exactly %v", got, want)
	}
}

func TestSelectRejectsUnknownNames(t *testing.T) {
	_, err := NewRegistry(Options{}).Select([]string{"aws.dns"})
	if err == nil || !strings.Contains(err.Error(), `"aws.dns"`) {
		t.Errorf("Select(aws.dns) error = %v, want one naming it", err)
	}
}

func TestTargetString(t *testing.T) {
	for _, tc := range []struct {
		t    Target
		want string
	}{
		{Target{Cloud: inventory.AWS, ID: "111111111111"}, "aws:111111111111"},
		{Target{Cloud: inventory.AWS, Group: "organization"}, "aws:organization"},
		{Target{Cloud: inventory.GCP}, "gcp:ambient credentials"},
	} {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("Target.String() = %q, want %q", got, tc.want)
		}
	}
}

func TestSinkMergesPartsOfOneResource(t *testing.T) {
	s := NewSink()
	db := inventory.Resource{Cloud: inventory.AWS, Target: "1", Region: "r", Type: inventory.AWSDBInstance, ID: "db"}
	up, enc := db, db
	up.Upgrade = &inventory.ManagedUpgrade{AutoUpgrade: inventory.True}
	up.Tags = map[string]string{"a": "1"}
	enc.Database = &inventory.Database{StorageEncrypted: inventory.False}
	enc.Tags = map[string]string{"b": "2"}
	s.Add(up)
	s.Add(enc)
	var inv inventory.Inventory
	s.Fill(&inv)
	if len(inv.Resources) != 1 {
		t.Fatalf("resources = %d, want the two parts merged into 1", len(inv.Resources))
	}
	r := inv.Resources[0]
	if r.Upgrade == nil || r.Database == nil || len(r.Tags) != 2 {
		t.Errorf("merged resource = %+v, want both facets and both tags", r)
	}
}

// funcScanner runs a function, so a test can record what it likes.
type funcScanner func(ctx context.Context, t Target, out *Sink) error

func (f funcScanner) Scan(ctx context.Context, t Target, out *Sink) error { return f(ctx, t, out) }

// tickClock replaces the run clock with one that advances a second on
// every reading, so that durations are exact without sleeping.
func tickClock(t *testing.T) {
	t.Helper()
	old := clock
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	n := 0
	clock = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return t0.Add(time.Duration(n) * time.Second)
	}
	t.Cleanup(func() { clock = old })
}

func TestRunRecordsScannerRuns(t *testing.T) {
	denied := inventory.ScanError{Cloud: inventory.GCP, Target: "proj-a", Region: "europe-west1", Domain: inventory.Firewall, Message: "denied"}
	tests := []struct {
		name   string
		target Target
		scan   funcScanner // nil: no scanner in the build
		want   []inventory.ScannerRun
	}{
		{
			name:   "silent scanner that read everything",
			target: Target{Cloud: inventory.GCP, ID: "proj-a"},
			scan:   func(context.Context, Target, *Sink) error { return nil },
			// Run reads the clock before and after the scan: one second.
			want: []inventory.ScannerRun{{Cloud: inventory.GCP, Target: "proj-a", Domain: inventory.Firewall, Success: true, DurationSeconds: 1}},
		},
		{
			name:   "silent scanner that recorded an error",
			target: Target{Cloud: inventory.GCP, ID: "proj-a"},
			scan: func(_ context.Context, _ Target, out *Sink) error {
				out.Fail(denied)
				return nil
			},
			want: []inventory.ScannerRun{{Cloud: inventory.GCP, Target: "proj-a", Domain: inventory.Firewall, Success: false, DurationSeconds: 1}},
		},
		{
			name:   "scanner that returned an error",
			target: Target{Cloud: inventory.GCP, ID: "proj-a"},
			scan:   func(context.Context, Target, *Sink) error { return errors.New("no credentials") },
			want:   []inventory.ScannerRun{{Cloud: inventory.GCP, Target: "proj-a", Domain: inventory.Firewall, Success: false, DurationSeconds: 1}},
		},
		{
			name:   "scanner that times its regions",
			target: Target{Cloud: inventory.GCP, ID: "proj-a"},
			scan: func(_ context.Context, t Target, out *Sink) error {
				// Sequential, so each region reads the clock twice in turn.
				out.Time(t.Cloud, t.ID, "europe-west1", inventory.Firewall, func() { out.Fail(denied) })
				out.Time(t.Cloud, t.ID, "us-east1", inventory.Firewall, func() {
					// An error of another region is not this run's.
					out.Fail(inventory.ScanError{Cloud: inventory.GCP, Target: "proj-a", Region: "europe-west1", Domain: inventory.Firewall, Message: "again"})
				})
				return nil
			},
			// No run over the whole target: the scanner recorded its own.
			want: []inventory.ScannerRun{
				{Cloud: inventory.GCP, Target: "proj-a", Region: "europe-west1", Domain: inventory.Firewall, Success: false, DurationSeconds: 1},
				{Cloud: inventory.GCP, Target: "proj-a", Region: "us-east1", Domain: inventory.Firewall, Success: true, DurationSeconds: 1},
			},
		},
		{
			name:   "organization expanded by the scanner",
			target: Target{Cloud: inventory.GCP, Group: "organization"},
			scan: func(_ context.Context, t Target, out *Sink) error {
				out.Time(t.Cloud, "proj-b", "", inventory.Firewall, func() {})
				return nil
			},
			want: []inventory.ScannerRun{{Cloud: inventory.GCP, Target: "proj-b", Domain: inventory.Firewall, Success: true, DurationSeconds: 1}},
		},
		{
			name:   "no scanner in this build",
			target: Target{Cloud: inventory.GCP, ID: "proj-a"},
			want:   []inventory.ScannerRun{{Cloud: inventory.GCP, Target: "proj-a", Domain: inventory.Firewall, Success: false}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tickClock(t)
			g := NewRegistry(Options{})
			// The other domains are registered and switched off, so only
			// the firewall scanner (or its absence) leaves runs.
			off := []string{"gcp.patching", "gcp.encryption", "gcp.iam"}
			for _, d := range []inventory.Domain{inventory.Patching, inventory.Encryption, inventory.IAM} {
				g.Register(Registration{Cloud: inventory.GCP, Domain: d, New: func() Scanner { return staticScanner{} }})
			}
			if tc.scan != nil {
				g.Register(Registration{Cloud: inventory.GCP, Domain: inventory.Firewall, New: func() Scanner { return tc.scan }})
			}
			sel, err := g.Select(off)
			if err != nil {
				t.Fatal(err)
			}
			var inv inventory.Inventory
			g.Run(context.Background(), []Target{tc.target}, sel, 1).Fill(&inv)
			if !reflect.DeepEqual(inv.Scanners, tc.want) {
				t.Errorf("scanner runs = %+v, want %+v", inv.Scanners, tc.want)
			}
		})
	}
}

func TestSinkMergesRunsOfOneKey(t *testing.T) {
	s := NewSink()
	run := inventory.ScannerRun{Cloud: inventory.AWS, Target: "1", Region: "r", Domain: inventory.Patching, Success: true, DurationSeconds: 2}
	s.Ran(run)
	again := run
	again.Success, again.DurationSeconds = false, 1
	s.Ran(again)
	var inv inventory.Inventory
	s.Fill(&inv)
	want := []inventory.ScannerRun{{Cloud: inventory.AWS, Target: "1", Region: "r", Domain: inventory.Patching, Success: false, DurationSeconds: 2}}
	if !reflect.DeepEqual(inv.Scanners, want) {
		t.Errorf("runs = %+v, want %+v", inv.Scanners, want)
	}
}

type panickingScanner struct{}

func (panickingScanner) Scan(context.Context, Target, *Sink) error { panic("index out of range") }

func TestPanickingScannerIsAnErrorEntry(t *testing.T) {
	g := NewRegistry(Options{})
	g.Register(Registration{Cloud: inventory.GCP, Domain: inventory.Firewall, New: func() Scanner { return panickingScanner{} }})
	var inv inventory.Inventory
	g.Run(context.Background(), []Target{{Cloud: inventory.GCP, ID: "p"}}, g.Registered(), 1).Fill(&inv)
	found := false
	for _, e := range inv.Errors {
		if e.Domain == inventory.Firewall && strings.Contains(e.Message, "index out of range") {
			found = true
		}
	}
	if !found {
		t.Errorf("errors = %+v, want the panic recorded for gcp firewall", inv.Errors)
	}
	s := NewSink()
	s.Time(inventory.AWS, "1", "eu-west-1", inventory.IAM, func() { panic("nil map") })
	var timed inventory.Inventory
	s.Fill(&timed)
	if len(timed.Errors) != 1 || timed.Errors[0].Region != "eu-west-1" || !strings.Contains(timed.Errors[0].Message, "nil map") {
		t.Errorf("errors = %+v, want the timed panic recorded for eu-west-1", timed.Errors)
	}
	if len(timed.Scanners) != 1 || timed.Scanners[0].Success {
		t.Errorf("runs = %+v, want one failed run", timed.Scanners)
	}
}

func TestFailRedactsCredentialsInURLs(t *testing.T) {
	s := NewSink()
	s.Fail(inventory.ScanError{Cloud: inventory.AWS, Message: `Post "https://proxy-user:***@proxy.example:3128/": EOF`})
	inv := &inventory.Inventory{}
	s.Fill(inv)
	if got, want := inv.Errors[0].Message, `Post "https://redacted@proxy.example:3128/": EOF`; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
}

// blockingScanner reads until its context ends, then says so as an SDK
// would.
type blockingScanner struct{ domain inventory.Domain }

func (b blockingScanner) Scan(ctx context.Context, t Target, out *Sink) error {
	<-ctx.Done()
	out.Fail(inventory.ScanError{Cloud: t.Cloud, Target: t.ID, Domain: b.domain, Operation: "ec2:DescribeVpcs",
		Message: "ec2:DescribeVpcs: operation error EC2: DescribeVpcs, " + ctx.Err().Error()})
	return nil
}

func TestRunNamesWhyTheContextEnded(t *testing.T) {
	g := NewRegistry(Options{})
	for _, d := range inventory.Domains {
		g.Register(Registration{Cloud: inventory.AWS, Domain: d, New: func() Scanner { return blockingScanner{d} }})
	}
	why := errors.New("--scan-timeout reached (1ms)")
	ctx, cancel := context.WithTimeoutCause(context.Background(), time.Millisecond, why)
	defer cancel()
	var inv inventory.Inventory
	// One slot: one scanner reads until the deadline, the others never
	// start.
	g.Run(ctx, []Target{{Cloud: inventory.AWS, ID: "111111111111"}}, g.Registered(), 1).Fill(&inv)
	if len(inv.Errors) != len(inventory.Domains) {
		t.Fatalf("errors = %+v, want one per domain", inv.Errors)
	}
	for _, e := range inv.Errors {
		if strings.Count(e.Message, why.Error()) != 1 {
			t.Errorf("error message %q, want it to name %q once", e.Message, why)
		}
	}
}
