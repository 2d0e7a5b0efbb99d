package rules

import (
	"runtime"
	"syscall"
	"testing"
	"time"

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

// BenchmarkEvaluator is the streaming evaluation alone, on the caller's
// goroutine: findings handed out, none kept and none sorted.
func BenchmarkEvaluator(b *testing.B) { benchmarkEvaluator(b, 1) }

// BenchmarkEvaluatorWorkers is BenchmarkEvaluator on GOMAXPROCS workers,
// as the binary evaluates.
func BenchmarkEvaluatorWorkers(b *testing.B) { benchmarkEvaluator(b, runtime.GOMAXPROCS(0)) }

// benchmarkEvaluator also reports the process's CPU time per resource
// (cpu-ns/op), which a machine shared with other work inflates less than
// the wall time.
func benchmarkEvaluator(b *testing.B, workers int) {
	inv := benchdata.Inventory(100_000)
	d := benchdata.Declaration()
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := cpuTime()
	n := 0
	for i := 0; i < b.N; i += len(inv.Resources) {
		e := NewEvaluator(d, inv.CollectedAt)
		e.SetWorkers(workers)
		for j := range inv.Resources {
			e.Resource(&inv.Resources[j], func(*Finding) { n++ })
		}
		e.Finish(nil, func(*Finding) { n++ })
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
	if n == 0 {
		b.Fatal("no findings")
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
