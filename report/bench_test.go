package report

import (
	"io"
	"testing"

	"github.com/ownaudit/ownaudit/internal/benchdata"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// benchmarkStream evaluates an inventory into a Stream and writes it in
// format; ns/op and allocs/op are per resource, evaluation included.
func benchmarkStream(b *testing.B, format string) {
	inv := benchdata.Inventory(50_000)
	d := benchdata.Declaration()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += len(inv.Resources) {
		s := NewStream(b.TempDir(), false)
		e := rules.NewEvaluator(d, inv.CollectedAt)
		add := func(f *rules.Finding) {
			if err := s.Add(f); err != nil {
				b.Fatal(err)
			}
		}
		for j := range inv.Resources {
			e.Resource(&inv.Resources[j], add)
		}
		e.Finish(nil, add)
		doc, err := s.Document(&inventory.Inventory{CollectedAt: inv.CollectedAt}, d, Meta{ScanID: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Write(io.Discard, format, doc, TableOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStreamJSON(b *testing.B)     { benchmarkStream(b, FormatJSON) }
func BenchmarkStreamNDJSON(b *testing.B)   { benchmarkStream(b, FormatNDJSON) }
func BenchmarkStreamOCSF(b *testing.B)     { benchmarkStream(b, FormatOCSF) }
func BenchmarkStreamTable(b *testing.B)    { benchmarkStream(b, FormatTable) }
func BenchmarkStreamMarkdown(b *testing.B) { benchmarkStream(b, FormatMarkdown) }
func BenchmarkStreamHTML(b *testing.B)     { benchmarkStream(b, FormatHTML) }
