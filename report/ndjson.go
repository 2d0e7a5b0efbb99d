package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/ownaudit/ownaudit/declaration"
)

// Record types of the NDJSON stream, in the order they appear.
const (
	RecordScan    = "scan"
	RecordFinding = "finding"
	RecordError   = "error"
	RecordSummary = "summary"
)

// scanRecord is the first line of the stream: the scan and what a reader
// needs to interpret the rest (the schema version, the parties).
type scanRecord struct {
	SchemaVersion string `json:"schemaVersion"`
	Scan
	Parties []declaration.Party `json:"parties"`
}

// WriteNDJSON writes doc as newline-delimited JSON: one "scan" record,
// one "finding" record per finding, one "error" record per error and a
// final "summary" record. Each record is an object whose "type" field says
// which, followed by the fields the same object has in the JSON document,
// so that log pipelines can ingest findings one by one.
func WriteNDJSON(w io.Writer, doc *Document) error {
	return writeNDJSON(w, doc, func(emit func(raw []byte) error) error {
		for _, f := range doc.Findings {
			b, err := json.Marshal(f)
			if err != nil {
				return err
			}
			if err := emit(b); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeNDJSON writes doc as WriteNDJSON does, with the findings, encoded,
// from findings.
func writeNDJSON(w io.Writer, doc *Document, findings func(emit func(raw []byte) error) error) error {
	bw := bufio.NewWriter(w)
	put := func(typ string, v any) error {
		b, err := record(typ, v)
		if err != nil {
			return fmt.Errorf("write ndjson: %s record: %w", typ, err)
		}
		_, err = bw.Write(b)
		return err
	}
	if err := put(RecordScan, scanRecord{SchemaVersion: doc.SchemaVersion, Scan: doc.Scan, Parties: doc.Parties}); err != nil {
		return err
	}
	err := findings(func(raw []byte) error {
		b, err := recordOf(RecordFinding, raw)
		if err != nil {
			return fmt.Errorf("write ndjson: finding record: %w", err)
		}
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	for _, e := range doc.Errors {
		if err := put(RecordError, e); err != nil {
			return err
		}
	}
	if err := put(RecordSummary, doc.Summary); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write ndjson: %w", err)
	}
	return nil
}

// record encodes v, which must encode as a JSON object, with a leading
// "type" member and a trailing newline. Splicing the bytes keeps v's field
// order, which a map round trip would lose.
func record(typ string, v any) ([]byte, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return recordOf(typ, body)
}

// recordOf is record for a value already encoded as body.
func recordOf(typ string, body []byte) ([]byte, error) {
	if len(body) < 2 || body[0] != '{' {
		return nil, fmt.Errorf("%.20q does not encode an object", body)
	}
	head, err := json.Marshal(typ)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.WriteString(`{"type":`)
	b.Write(head)
	if !bytes.Equal(body, []byte("{}")) {
		b.WriteByte(',')
		b.Write(body[1:])
	} else {
		b.WriteByte('}')
	}
	b.WriteByte('\n')
	return b.Bytes(), nil
}
