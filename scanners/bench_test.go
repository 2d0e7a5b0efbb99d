package scanners

import (
	"testing"

	"github.com/ownaudit/ownaudit/internal/benchdata"
	"github.com/ownaudit/ownaudit/inventory"
)

// BenchmarkSinkStream adds resources to a streaming sink, as scanners do;
// ns/op and allocs/op are per resource.
func BenchmarkSinkStream(b *testing.B) {
	rs := benchdata.Resources(100_000)
	b.ReportAllocs()
	b.ResetTimer()
	n := 0
	for i := 0; i < b.N; i += len(rs) {
		s := NewSink()
		s.Stream(func(inventory.Resource) { n++ })
		for j := range rs {
			s.Add(rs[j])
		}
		s.Flush()
	}
	if n == 0 {
		b.Fatal("nothing handed on")
	}
}
