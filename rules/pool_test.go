package rules

import (
	"reflect"
	"testing"

	"github.com/ownaudit/ownaudit/internal/benchdata"
)

// evaluateWith evaluates inv's resources on workers goroutines and returns
// the findings sorted, checking that every one comes on the caller's
// goroutine's calls (emit is not locked: the race detector sees a call
// from elsewhere).
func evaluateWith(t *testing.T, workers int) []Finding {
	t.Helper()
	inv := benchdata.Inventory(3_000)
	e := NewEvaluator(benchdata.Declaration(), inv.CollectedAt)
	e.SetWorkers(workers)
	var out []Finding
	emit := func(f *Finding) { out = append(out, *f) }
	for i := range inv.Resources {
		if !e.Resource(&inv.Resources[i], emit) {
			t.Fatalf("resource %d was not evaluated", i)
		}
	}
	if e.Resource(&inv.Resources[0], emit) {
		t.Fatal("a repeated resource was evaluated again")
	}
	e.Finish(inv.Errors, emit)
	SortFindings(out)
	return out
}

func TestWorkersFindTheSame(t *testing.T) {
	serial := evaluateWith(t, 1)
	if len(serial) == 0 {
		t.Fatal("no findings")
	}
	for _, n := range []int{2, 5} {
		if got := evaluateWith(t, n); !reflect.DeepEqual(got, serial) {
			t.Fatalf("%d workers: %d findings, differing from the %d of one", n, len(got), len(serial))
		}
	}
}

func TestWorkersClosedUnfinished(t *testing.T) {
	inv := benchdata.Inventory(500)
	e := NewEvaluator(benchdata.Declaration(), inv.CollectedAt)
	e.SetWorkers(3)
	n := 0
	for i := range inv.Resources {
		e.Resource(&inv.Resources[i], func(*Finding) { n++ })
	}
	e.Close()
	e.Close()
	if n == 0 {
		t.Fatal("no findings handed out while the resources were added")
	}
}

// An evaluator told its resources come once keeps no set of them, and
// finds what one that keeps it finds.
func TestUniqueEvaluatorFindsTheSame(t *testing.T) {
	inv := benchdata.Inventory(3_000)
	run := func(unique bool) []Finding {
		e := NewEvaluator(benchdata.Declaration(), inv.CollectedAt)
		if unique {
			e.Unique()
			if e.seen != nil {
				t.Fatal("Unique left the set of resources seen")
			}
		}
		e.SetWorkers(2)
		return e.all(inv)
	}
	if kept, unique := run(false), run(true); !reflect.DeepEqual(kept, unique) {
		t.Errorf("%d findings from a unique evaluator, %d from one keeping the set", len(unique), len(kept))
	}
}
