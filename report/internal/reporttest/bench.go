package reporttest

import (
	"github.com/ownaudit/ownaudit/internal/benchdata"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// BenchFindings evaluates resources against benchdata.Declaration and returns every
// finding, passed ones included, in document order: what a findings
// document of those resources lists for the benchmarks of diff and merge.
func BenchFindings(resources []inventory.Resource) []rules.Finding {
	e := rules.NewEvaluator(benchdata.Declaration(), benchdata.CollectedAt)
	var out []rules.Finding
	add := func(f *rules.Finding) { out = append(out, *f) }
	for i := range resources {
		e.Resource(&resources[i], add)
	}
	e.Finish(nil, add)
	rules.SortFindings(out)
	return out
}
