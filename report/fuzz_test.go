package report

import (
	"bytes"
	"testing"

	"github.com/ownaudit/ownaudit/report/internal/reporttest"
)

// FuzzReadJSON feeds the findings-document reader that diff and merge use
// arbitrary bytes. It must never panic; a document it accepts must write
// and read back to the same bytes.
func FuzzReadJSON(f *testing.F) {
	doc := Build(reporttest.Inventory(), reporttest.Declaration(), reporttest.Findings(), Meta{ScanID: "fuzz"})
	var seed bytes.Buffer
	if err := WriteJSON(&seed, doc); err != nil {
		f.Fatal(err)
	}
	f.Add(seed.Bytes())
	f.Add([]byte(`{"schemaVersion":"1.2","findings":[{"id":"x","status":"pass","resource":{"type":"t","id":"i"}}]}`))
	f.Add([]byte(`{"schemaVersion":"1.2","scan":{},"scan":{}}`))
	f.Add([]byte(`{"schemaVersion":"1.2"}x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ReadJSON(bytes.NewReader(data))
		if err != nil {
			return
		}
		var first bytes.Buffer
		if err := WriteJSON(&first, got); err != nil {
			t.Fatalf("an accepted document does not write: %v", err)
		}
		again, err := ReadJSON(bytes.NewReader(first.Bytes()))
		if err != nil {
			t.Fatalf("an accepted document, written, is refused: %v\n%s", err, first.Bytes())
		}
		var second bytes.Buffer
		if err := WriteJSON(&second, again); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first.Bytes(), second.Bytes()) {
			t.Fatalf("read, write, read changed the document:\n%s\n%s", first.Bytes(), second.Bytes())
		}
	})
}
