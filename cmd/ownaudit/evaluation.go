package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/spill"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/rules"
)

// evaluation turns resources into findings as they are read, whether a
// scan's sink completes them, a saved inventory is decoded or the demo
// hands them over, so that neither the resources nor the findings are
// held: the findings go to a report.Stream, the resources are counted
// and, for --save-inventory, kept encoded in a sorter that spills to
// disk. Its methods are called one resource at a time.
type evaluation struct {
	decl   *declaration.Declaration
	eval   *rules.Evaluator
	stream *report.Stream
	saved  *spill.Sorter
	counts map[report.ResourceCount]int
	err    error
}

func newEvaluation(decl *declaration.Declaration, includePassed, save bool) *evaluation {
	e := &evaluation{decl: decl, stream: report.NewStream("", includePassed), counts: map[report.ResourceCount]int{}}
	if save {
		e.saved = spill.New("", 0)
	}
	return e
}

// start sets the time ages are measured against; it must come before the
// first resource, and only the first call counts.
func (e *evaluation) start(collectedAt time.Time) {
	if e.eval == nil {
		e.eval = rules.NewEvaluator(e.decl, collectedAt)
		e.eval.SetWorkers(runtime.GOMAXPROCS(0))
	}
}

// resource evaluates one resource and keeps it for --save-inventory.
func (e *evaluation) resource(r inventory.Resource) {
	if e.err != nil {
		return
	}
	e.counts[report.ResourceCount{Cloud: r.Cloud, Target: r.Target, Type: r.Type}]++
	if e.saved != nil {
		raw, err := json.Marshal(r)
		if err == nil {
			err = e.saved.Add([]byte(r.UID()), raw)
		}
		if err != nil {
			e.err = fmt.Errorf("save inventory: %w", err)
			return
		}
	}
	e.eval.Resource(&r, e.add)
}

func (e *evaluation) add(f *rules.Finding) {
	if e.err == nil {
		e.err = e.stream.Add(f)
	}
}

// savedResources hands out the kept resources, encoded, in UID order.
func (e *evaluation) savedResources(emit func(raw []byte) error) error {
	return e.saved.Each(func(_, raw []byte) error { return emit(raw) })
}

// finish adds the findings that need every resource seen, and returns
// the resource counts of the document.
func (e *evaluation) finish(inv *inventory.Inventory) []report.ResourceCount {
	e.start(inv.CollectedAt)
	e.eval.Finish(inv.Errors, e.add)
	out := make([]report.ResourceCount, 0, len(e.counts))
	for k, n := range e.counts {
		k.Count = n
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b report.ResourceCount) int {
		return cmp.Or(cmp.Compare(a.Cloud, b.Cloud), cmp.Compare(a.Target, b.Target), cmp.Compare(a.Type, b.Type))
	})
	return out
}

// close releases what the evaluation keeps on disk.
func (e *evaluation) close() {
	if e.eval != nil {
		e.eval.Close()
	}
	_ = e.stream.Close()
	if e.saved != nil {
		_ = e.saved.Close()
	}
}
