package report

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/ownaudit/ownaudit/internal/benchdata"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report/internal/reporttest"
)

// BenchmarkMerge merges two shards' JSON documents of 20,000 resources
// each (about 86,000 findings, passed ones listed) and writes the result
// as JSON; ns/op and allocs/op are per finding read.
func BenchmarkMerge(b *testing.B) {
	res := benchdata.Resources(40_000)
	var inputs [][]byte
	findings := 0
	for i, part := range [][]inventory.Resource{res[:20_000], res[20_000:]} {
		fs := reporttest.BenchFindings(part)
		findings += len(fs)
		d := Build(&inventory.Inventory{CollectedAt: benchdata.CollectedAt}, benchdata.Declaration(), fs, Meta{ScanID: fmt.Sprint("shard-", i)})
		d.SetShard(i, 2)
		var buf bytes.Buffer
		if err := WriteJSON(&buf, d); err != nil {
			b.Fatal(err)
		}
		inputs = append(inputs, buf.Bytes())
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i += findings {
		m := NewMerger(b.TempDir())
		for j, in := range inputs {
			if err := m.Read(fmt.Sprint("shard-", j), bytes.NewReader(in), 0); err != nil {
				b.Fatal(err)
			}
		}
		merged, err := m.Merge()
		if err != nil {
			b.Fatal(err)
		}
		if err := merged.Write(io.Discard, FormatJSON, TableOptions{}); err != nil {
			b.Fatal(err)
		}
		m.Close()
	}
}
