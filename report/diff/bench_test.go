package diff

import (
	"bytes"
	"io"
	"testing"

	"github.com/ownaudit/ownaudit/internal/benchdata"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/report/internal/reporttest"
)

// BenchmarkDiff diffs two JSON documents of 20,000 resources (about
// 43,000 findings each, passed ones listed), the second with one resource
// in 50 gone and one in 37 moved to another party, and writes the diff as
// JSON; ns/op and allocs/op are per finding read.
func BenchmarkDiff(b *testing.B) {
	res := benchdata.Resources(20_000)
	var changed []inventory.Resource
	for i, r := range res {
		if i%50 == 7 {
			continue
		}
		if i%37 == 3 {
			r.Tags = map[string]string{"env": "dev"}
		}
		changed = append(changed, r)
	}
	var inputs [][]byte
	findings := 0
	for _, part := range [][]inventory.Resource{res, changed} {
		fs := reporttest.BenchFindings(part)
		findings += len(fs)
		d := report.Build(&inventory.Inventory{CollectedAt: benchdata.CollectedAt}, benchdata.Declaration(), fs, report.Meta{})
		var buf bytes.Buffer
		if err := report.WriteJSON(&buf, d); err != nil {
			b.Fatal(err)
		}
		inputs = append(inputs, buf.Bytes())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += findings {
		c := NewComparer(b.TempDir())
		if err := c.ReadOld(bytes.NewReader(inputs[0]), 0); err != nil {
			b.Fatal(err)
		}
		if err := c.ReadNew(bytes.NewReader(inputs[1]), 0); err != nil {
			b.Fatal(err)
		}
		d, err := c.Diff()
		if err != nil {
			b.Fatal(err)
		}
		if d.Counts.New+d.Counts.Changed+d.Counts.Resolved == 0 {
			b.Fatal("no differences")
		}
		if err := WriteJSON(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}
