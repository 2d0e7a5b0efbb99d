package report

import (
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes doc as one indented JSON document.
func WriteJSON(w io.Writer, doc *Document) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}
