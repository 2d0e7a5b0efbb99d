// Package jsonout writes an indented JSON document one of whose arrays is
// too large to hold: the rest of the document is encoded as usual, and the
// array's elements, already encoded one by one, are indented into place as
// they come. The bytes are those encoding/json's indenting encoder would
// write for the whole document.
package jsonout

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Elements yields the encoded (compact) elements of the streamed array
// to emit, in order.
type Elements func(emit func(raw []byte) error) error

// Write writes doc as JSON indented by two spaces, with a trailing
// newline, as json.Encoder with SetIndent("", "  ") does. doc's top-level
// member field must encode as an empty array: its elements come from
// elements instead.
func Write(w io.Writer, doc any, field string, elements Elements) error {
	head, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	marker := []byte("\n  " + mustQuote(field) + ": []")
	at := bytes.Index(head, marker)
	if at < 0 {
		return fmt.Errorf("jsonout: %s is not an empty top-level array of the document", field)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	open := at + len(marker) - 1 // just after "["
	bw.Write(head[:open])
	n := 0
	var buf bytes.Buffer
	err = elements(func(raw []byte) error {
		buf.Reset()
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		if err := json.Indent(&buf, raw, "    ", "  "); err != nil {
			return err
		}
		n++
		_, err := bw.Write(buf.Bytes())
		return err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		bw.WriteString("\n  ")
	}
	bw.Write(head[open:])
	bw.WriteByte('\n')
	return bw.Flush()
}

func mustQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
