package rules

import (
	"testing"

	"github.com/ownaudit/ownaudit/internal/benchdata"
)

// BenchmarkEvaluate reports the time and allocations Evaluate spends per
// resource (ns/op and allocs/op are per resource), sort included.
func BenchmarkEvaluate(b *testing.B) {
	inv := benchdata.Inventory(100_000)
	d := benchdata.Declaration()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += len(inv.Resources) {
		Evaluate(inv, d)
	}
}

// BenchmarkEvaluator is the streaming evaluation alone: findings handed
// out, none kept and none sorted.
func BenchmarkEvaluator(b *testing.B) {
	inv := benchdata.Inventory(100_000)
	d := benchdata.Declaration()
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i += len(inv.Resources) {
		e := NewEvaluator(d, inv.CollectedAt)
		for j := range inv.Resources {
			e.Resource(&inv.Resources[j], func(*Finding) { n++ })
		}
	}
	if n == 0 {
		b.Fatal("no findings")
	}
}
