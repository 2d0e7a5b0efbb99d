package jsonout

import (
	"bytes"
	"encoding/json"
	"testing"
)

type doc struct {
	A     string `json:"a"`
	Items []any  `json:"items"`
	Z     map[string]int
}

func TestWriteMatchesTheIndentingEncoder(t *testing.T) {
	for _, items := range [][]any{{}, {1}, {map[string]any{"x": []int{1, 2}, "y": "<&>"}, "s", nil, []any{}}} {
		full := doc{A: "a", Items: items, Z: map[string]int{"k": 1}}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetIndent("", "  ")
		if err := enc.Encode(full); err != nil {
			t.Fatal(err)
		}
		var got bytes.Buffer
		err := Write(&got, doc{A: "a", Items: []any{}, Z: full.Z}, "items", func(emit func([]byte) error) error {
			for _, it := range items {
				b, _ := json.Marshal(it)
				if err := emit(b); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Errorf("Write gave\n%s\nwant\n%s", got.String(), want.String())
		}
	}
}
