package report

import (
	"bytes"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report/internal/reporttest"
	"github.com/ownaudit/ownaudit/rules"
)

// unusedScope is the unused_scope finding of declaration entry i.
func unusedScope(i int) rules.Finding {
	ref := rules.ResourceRef{Type: rules.DeclarationEntryType, ID: "responsibilities[" + string(rune('0'+i)) + "]"}
	f := reporttest.Finding(rules.OwnershipUnusedScope, inventory.Firewall, controls.Low, controls.Fail, ref, reporttest.Owner("claranet", controls.MSP, i), "entry matches no scanned resource")
	f.ID = rules.FindingID(rules.OwnershipUnusedScope+"/firewall", ref)
	f.ExpectedRoles = []controls.Role{}
	return f
}

// shardSplit is reporttest.Inventory and reporttest.Findings split into
// two shards by target, as two scans with --shard 0/2 and 1/2 would read
// them: entry 0 matches nothing in either shard, entry 1 matches
// resources of shard 1 only, so each shard's evaluation calls it unused.
func shardSplit() (full *Document, shards [2]*Document) {
	inv := reporttest.Inventory()
	all := append(reporttest.Findings(), unusedScope(0))
	sortEvaluated(all) // as rules.Evaluate returns them
	full = Build(inv, reporttest.Declaration(), all, Meta{ScanID: "full", Started: reporttest.Started, Finished: reporttest.Finished})
	inShard0 := func(cloud inventory.Cloud, target string) bool {
		return target == "111111111111" || cloud == inventory.Azure
	}
	started := []time.Time{reporttest.Started.Add(time.Minute), reporttest.Started}
	finished := []time.Time{reporttest.Finished, reporttest.Finished.Add(-time.Minute)}
	for i := range 2 {
		part := &inventory.Inventory{SchemaVersion: inv.SchemaVersion, CollectedAt: inv.CollectedAt}
		for _, t := range inv.Targets {
			if inShard0(t.Cloud, t.ID) == (i == 0) {
				part.Targets = append(part.Targets, t)
			}
		}
		for _, e := range inv.Errors {
			if inShard0(e.Cloud, e.Target) == (i == 0) {
				part.Errors = append(part.Errors, e)
			}
		}
		var fs []rules.Finding
		for _, f := range reporttest.Findings() {
			if inShard0(f.Resource.Cloud, f.Resource.Target) == (i == 0) {
				fs = append(fs, f)
			}
		}
		fs = append(fs, unusedScope(0))
		if i == 0 {
			fs = append(fs, unusedScope(1))
		}
		d := Build(part, reporttest.Declaration(), fs, Meta{ScanID: fmt.Sprint("shard-", i), Started: started[i], Finished: finished[i]})
		d.SetShard(i, 2)
		shards[i] = d
	}
	return full, shards
}

// roundTrip writes doc as a file would hold it and reads it back.
func roundTrip(t *testing.T, doc *Document) *Document {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteJSON(&buf, doc); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJSON(&buf)
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	return got
}

func TestSetShardHoldsBackUnusedScopes(t *testing.T) {
	_, shards := shardSplit()
	d := shards[0]
	if d.Scan.Shard == nil || d.Scan.Shard.Index != 0 || d.Scan.Shard.Count != 2 {
		t.Fatalf("Scan.Shard = %+v, want index 0 of 2", d.Scan.Shard)
	}
	for _, f := range d.Findings {
		if f.Control == rules.OwnershipUnusedScope {
			t.Errorf("shard findings hold %s, want it held back", f.ID)
		}
	}
	if got := len(d.Scan.Shard.UnusedScopes); got != 2 {
		t.Errorf("%d unused scopes held back, want 2", got)
	}
	if got, want := d.Summary, summarize(d.Findings, d.Parties); !reflect.DeepEqual(got, want) {
		t.Errorf("summary after SetShard = %+v, want the recount %+v", got, want)
	}

	one := Build(reporttest.Inventory(), reporttest.Declaration(), append(reporttest.Findings(), unusedScope(0)), Meta{})
	before := len(one.Findings)
	one.SetShard(0, 1)
	if len(one.Findings) != before || one.Scan.Shard.UnusedScopes != nil {
		t.Errorf("a single shard held back findings: %d of %d kept, %d held", len(one.Findings), before, len(one.Scan.Shard.UnusedScopes))
	}
}

func TestMergeOfShardsEqualsFullScan(t *testing.T) {
	for _, passed := range []bool{true, false} {
		name := "without passed"
		if passed {
			name = "with passed"
		}
		t.Run(name, func(t *testing.T) {
			full, shards := shardSplit()
			var inputs []MergeInput
			// Inputs in reverse shard order: merge must not depend on it.
			for i := len(shards) - 1; i >= 0; i-- {
				d := shards[i]
				if !passed {
					d = d.WithoutPassed()
				}
				inputs = append(inputs, MergeInput{Name: "shard" + string(rune('0'+i)) + ".json", Doc: roundTrip(t, d)})
			}
			got, err := Merge(inputs)
			if err != nil {
				t.Fatalf("Merge: %v", err)
			}
			want := full
			if !passed {
				want = full.WithoutPassed()
			}
			want = roundTrip(t, want)
			got = roundTrip(t, got)

			if !reflect.DeepEqual(got.Findings, want.Findings) {
				t.Errorf("merged findings:\n%s\nwant:\n%s", ids(got.Findings), ids(want.Findings))
			}
			if !reflect.DeepEqual(got.Errors, want.Errors) {
				t.Errorf("merged errors = %+v, want %+v", got.Errors, want.Errors)
			}
			if !reflect.DeepEqual(got.Summary, want.Summary) {
				t.Errorf("merged summary = %+v, want %+v", got.Summary, want.Summary)
			}
			if !reflect.DeepEqual(got.Scan.Targets, want.Scan.Targets) {
				t.Errorf("merged targets = %+v, want %+v", got.Scan.Targets, want.Scan.Targets)
			}
			if !reflect.DeepEqual(got.Parties, want.Parties) || got.Scan.Declaration != want.Scan.Declaration {
				t.Errorf("merged parties %v, declaration %v; want %v, %v", got.Parties, got.Scan.Declaration, want.Parties, want.Scan.Declaration)
			}
			if got.Scan.Shard != nil {
				t.Errorf("merged Scan.Shard = %+v, want none", got.Scan.Shard)
			}
			if !got.Scan.Started.Equal(reporttest.Started) || !got.Scan.Finished.Equal(reporttest.Finished) {
				t.Errorf("merged scan ran %s to %s, want the earliest start %s and the latest finish %s",
					got.Scan.Started, got.Scan.Finished, reporttest.Started, reporttest.Finished)
			}
			if got.Scan.ID == "" || strings.HasPrefix(got.Scan.ID, "shard-") {
				t.Errorf("merged scan id %q, want a new one", got.Scan.ID)
			}
		})
	}
}

func ids(fs []rules.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString("  " + f.ID + " " + f.Control + " " + string(f.Status) + " " + f.Resource.ID + "\n")
	}
	return b.String()
}

func TestMergeDeduplicatesFindings(t *testing.T) {
	// Two shards that both reached some resources (an account named in
	// one shard and reached through the organization in the other).
	a := Build(reporttest.Inventory(), reporttest.Declaration(), reporttest.Findings(), Meta{})
	b := Build(reporttest.Inventory(), reporttest.Declaration(), reporttest.Findings()[:3], Meta{})
	a.SetShard(0, 2)
	b.SetShard(1, 2)
	got, err := Merge([]MergeInput{{"a.json", a}, {"b.json", b}})
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if len(got.Findings) != len(a.Findings) {
		t.Errorf("merge of overlapping documents has %d findings, want %d", len(got.Findings), len(a.Findings))
	}
	if got.Summary.Total != len(a.Findings) {
		t.Errorf("summary total %d, want %d", got.Summary.Total, len(a.Findings))
	}
	if len(got.Errors) != len(a.Errors)+len(b.Errors) {
		t.Errorf("%d errors, want both inputs' %d", len(got.Errors), len(a.Errors)+len(b.Errors))
	}
}

func TestMergeRefuses(t *testing.T) {
	_, shards := shardSplit()
	other := *shards[1]
	other.Scan.Declaration.SHA256 = strings.Repeat("0", 64)
	unsharded := Build(reporttest.Inventory(), reporttest.Declaration(), reporttest.Findings(), Meta{})
	three := *shards[1]
	three.Scan.Shard = &Shard{Index: 1, Count: 3}
	edited := *shards[1]
	edited.Summary = Summary{}
	again := *shards[0]
	again.Scan.ID = "another scan"
	overlap := Build(reporttest.Inventory(), reporttest.Declaration(), reporttest.Findings(), Meta{})
	tests := []struct {
		name   string
		inputs []MergeInput
		want   string
	}{
		{"nothing", nil, "nothing to merge"},
		{"other declaration", []MergeInput{{"a.json", shards[0]}, {"b.json", &other}}, "a.json and b.json were judged against different declarations"},
		{"same document twice", []MergeInput{{"a.json", shards[0]}, {"b.json", shards[0]}}, "a.json and b.json are the same scan (id shard-0)"},
		{"shard twice", []MergeInput{{"a.json", shards[0]}, {"b.json", &again}}, "a.json and b.json are both shard 0/2"},
		{"overlapping scans", []MergeInput{{"a.json", unsharded}, {"b.json", overlap}}, "a.json and b.json both scanned aws"},
		{"shard missing", []MergeInput{{"a.json", shards[0]}}, "shard 1/2 missing"},
		{"other count", []MergeInput{{"a.json", shards[0]}, {"b.json", &three}}, "b.json is shard 1/3"},
		{"shard and not", []MergeInput{{"a.json", shards[0]}, {"b.json", shards[1]}, {"c.json", unsharded}}, "some inputs are shards and some are not"},
		{"edited summary", []MergeInput{{"a.json", shards[0]}, {"b.json", &edited}}, "b.json: its summary counts fewer findings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Merge(tt.inputs)
			if err == nil {
				t.Fatalf("Merge = %d findings, nil error; want an error containing %q", len(got.Findings), tt.want)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Merge error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestReadJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", "nope", "not a findings document"},
		{"inventory", `{"schemaVersion":"1.0","collectedAt":"2026-11-01T00:00:00Z","resources":[]}`, "unknown field"},
		{"newer major", `{"schemaVersion":"2.0"}`, `findings schema version "2.0"`},
		{"no version", `{}`, `findings schema version ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadJSON(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ReadJSON error %v, want one containing %q", err, tt.want)
			}
		})
	}
	doc := testDocument()
	if got := roundTrip(t, doc); !reflect.DeepEqual(got.Summary, doc.Summary) || len(got.Findings) != len(doc.Findings) {
		t.Errorf("round trip changed the document: %d findings, summary %+v", len(got.Findings), got.Summary)
	}
}

func TestMergeAddsScanCounts(t *testing.T) {
	_, shards := shardSplit()
	req := func(op string, n int) APIRequestCount {
		return APIRequestCount{Cloud: inventory.AWS, Service: "ec2", Operation: op, Code: "OK", Count: n}
	}
	shards[0].Scan.APIRequests = []APIRequestCount{req("DescribeSecurityGroups", 2)}
	shards[1].Scan.APIRequests = []APIRequestCount{req("DescribeSecurityGroups", 3), req("DescribeVpcs", 1)}
	shards[0].Scan.Scanners = []ScannerRun{{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Scanner: inventory.Firewall, Success: true, DurationSeconds: 1}}
	shards[1].Scan.Scanners = []ScannerRun{{Cloud: inventory.AWS, Target: "222222222222", Region: "eu-central-1", Scanner: inventory.Firewall, DurationSeconds: 2}}
	got, err := Merge([]MergeInput{{"a.json", shards[0]}, {"b.json", shards[1]}})
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if want := []APIRequestCount{req("DescribeSecurityGroups", 5), req("DescribeVpcs", 1)}; !reflect.DeepEqual(got.Scan.APIRequests, want) {
		t.Errorf("merged API requests = %+v, want %+v", got.Scan.APIRequests, want)
	}
	if want := append(shards[0].Scan.Scanners, shards[1].Scan.Scanners...); !reflect.DeepEqual(got.Scan.Scanners, want) {
		t.Errorf("merged scanner runs = %+v, want %+v", got.Scan.Scanners, want)
	}
}

// mergeStreaming merges docs as the merge command does: each written as
// a file holds it and read back by a Merger whose sorters spill to disk
// every few findings; it returns the merged document as written in JSON.
func mergeStreaming(t *testing.T, docs ...*Document) *Document {
	t.Helper()
	m := NewMerger(t.TempDir())
	m.budget = 512
	defer m.Close()
	for i, d := range docs {
		var buf bytes.Buffer
		if err := WriteJSON(&buf, d); err != nil {
			t.Fatal(err)
		}
		if err := m.Read(fmt.Sprint("input", i), &buf, 0); err != nil {
			t.Fatalf("Read: %v", err)
		}
	}
	merged, err := m.Merge()
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	var out bytes.Buffer
	if err := merged.Write(&out, FormatJSON, TableOptions{}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := ReadJSON(&out)
	if err != nil {
		t.Fatalf("ReadJSON: %v", err)
	}
	if got.Summary.Total != merged.Doc.Summary.Total || len(got.Findings) != merged.Len() {
		t.Errorf("written: %d findings, total %d; Merged says %d, %d", len(got.Findings), got.Summary.Total, merged.Len(), merged.Doc.Summary.Total)
	}
	return got
}

// shuffled returns doc with its findings in another order than the one
// scan writes.
func shuffled(doc *Document) *Document {
	d := *doc
	d.Findings = slices.Clone(doc.Findings)
	for i := range d.Findings {
		j := (i*7 + 3) % len(d.Findings)
		d.Findings[i], d.Findings[j] = d.Findings[j], d.Findings[i]
	}
	slices.Reverse(d.Findings)
	return &d
}

func TestMergerOfUnsortedShardsEqualsFullScan(t *testing.T) {
	full, shards := shardSplit()
	got := mergeStreaming(t, shuffled(shards[1]), shuffled(shards[0]))
	want := roundTrip(t, full)
	if !reflect.DeepEqual(got.Findings, want.Findings) {
		t.Errorf("merged findings:\n%s\nwant:\n%s", ids(got.Findings), ids(want.Findings))
	}
	if !reflect.DeepEqual(got.Summary, want.Summary) {
		t.Errorf("merged summary = %+v, want %+v", got.Summary, want.Summary)
	}
	if !reflect.DeepEqual(got.Errors, want.Errors) || !reflect.DeepEqual(got.Scan.Targets, want.Scan.Targets) {
		t.Errorf("merged errors %+v, targets %+v; want %+v, %+v", got.Errors, got.Scan.Targets, want.Errors, want.Scan.Targets)
	}
}

func TestMergerOfThreeShards(t *testing.T) {
	inv := reporttest.Inventory()
	all := append(reporttest.Findings(), unusedScope(0))
	sortEvaluated(all)
	full := roundTrip(t, Build(inv, reporttest.Declaration(), all, Meta{ScanID: "full"}))
	// Shard by the finding's place in the list, so that a target's
	// findings are spread over every shard, as with resources reached in
	// more than one shard.
	var shards []*Document
	for i := range 3 {
		var fs []rules.Finding
		for j, f := range reporttest.Findings() {
			if j%3 == i {
				fs = append(fs, f)
			}
		}
		d := Build(&inventory.Inventory{SchemaVersion: inv.SchemaVersion, CollectedAt: inv.CollectedAt},
			reporttest.Declaration(), append(fs, unusedScope(0)), Meta{ScanID: fmt.Sprint("shard-", i)})
		d.SetShard(i, 3)
		shards = append(shards, d)
	}
	got := mergeStreaming(t, shards[2], shuffled(shards[0]), shards[1])
	if !reflect.DeepEqual(got.Findings, full.Findings) {
		t.Errorf("merged findings:\n%s\nwant:\n%s", ids(got.Findings), ids(full.Findings))
	}
	if !reflect.DeepEqual(got.Summary, full.Summary) {
		t.Errorf("merged summary = %+v, want %+v", got.Summary, full.Summary)
	}
	if _, err := Merge([]MergeInput{{"a", shards[0]}, {"b", shards[1]}}); err == nil || !strings.Contains(err.Error(), "shard 2/3 missing") {
		t.Errorf("merge of two of three shards: %v, want shard 2/3 missing", err)
	}
}

func TestMergerKeepsTheFirstListingOfAnID(t *testing.T) {
	fs := reporttest.Findings()
	listing := func(f rules.Finding, msg string) rules.Finding {
		f.Message = msg
		return f
	}
	// Shard 0 lists fs[0] twice and fs[1]; shard 1 lists fs[1] and fs[0]
	// again: the first listing of each, in input order, is kept.
	a := Build(&inventory.Inventory{}, reporttest.Declaration(),
		[]rules.Finding{listing(fs[0], "a first"), listing(fs[1], "a"), listing(fs[0], "a second")}, Meta{ScanID: "a"})
	b := Build(&inventory.Inventory{}, reporttest.Declaration(),
		[]rules.Finding{listing(fs[1], "b"), listing(fs[0], "b")}, Meta{ScanID: "b"})
	a.SetShard(0, 2)
	b.SetShard(1, 2)
	for _, order := range [][]*Document{{a, b}, {b, a}} {
		got := mergeStreaming(t, order...)
		inMemory, err := Merge([]MergeInput{{"x", order[0]}, {"y", order[1]}})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{fs[0].ID: "a first", fs[1].ID: "a"}
		if order[0] == b {
			want = map[string]string{fs[0].ID: "b", fs[1].ID: "b"}
		}
		if len(got.Findings) != 2 || got.Summary.Total != 2 {
			t.Errorf("merged %d findings, total %d, want 2 and 2:\n%s", len(got.Findings), got.Summary.Total, ids(got.Findings))
		}
		for i, f := range got.Findings {
			if f.Message != want[f.ID] || inMemory.Findings[i].Message != want[f.ID] {
				t.Errorf("finding %s: streamed %q, in memory %q, want %q", f.ID, f.Message, inMemory.Findings[i].Message, want[f.ID])
			}
		}
	}
}
