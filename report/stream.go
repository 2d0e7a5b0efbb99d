package report

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/jsonout"
	"github.com/ownaudit/ownaudit/internal/spill"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// Stream gathers a scan's findings as they are decided, for estates too
// large to hold them: each finding is counted (summary and tally) on the
// way, and only the findings the document will list are kept, encoded,
// in a sorter that spills to disk past its memory budget (4 MiB). Document then
// builds the document without its findings, and Write writes it with
// them, sorted as rules.Evaluate sorts them. A Stream is written once.
type Stream struct {
	includePassed bool
	sorter        *spill.Sorter
	summary       Summary
	tally         Tally
	// unused are the ownership.unused_scope findings, held apart: a
	// shard's document does not list them (see SetShard).
	unused     []rules.Finding
	shard      *Shard
	key, value []byte
}

// NewStream returns a stream that spills into dir (the system's temporary
// folder when empty) and lists passed findings only when includePassed.
func NewStream(dir string, includePassed bool) *Stream {
	return &Stream{includePassed: includePassed, sorter: spill.New(dir, 0), summary: NewSummary(), tally: Tally{}}
}

// Add takes one finding; f may be reused once Add returns.
func (s *Stream) Add(f *rules.Finding) error {
	if f.Control == rules.OwnershipUnusedScope {
		s.unused = append(s.unused, *f)
		return nil
	}
	return s.add(f)
}

func (s *Stream) add(f *rules.Finding) error {
	s.summary.Count(f)
	s.tally.Count(f)
	if f.Status == controls.Pass && !s.includePassed {
		return nil
	}
	if f.ExpectedRoles == nil {
		// Readers of the JSON get an array, never null.
		f.ExpectedRoles = []controls.Role{}
	}
	var err error
	if s.value, err = appendJSON(s.value[:0], f); err != nil {
		return fmt.Errorf("encode finding %s: %w", f.ID, err)
	}
	s.key = rules.AppendOrderKey(s.key[:0], f)
	return s.sorter.Add(s.key, s.value)
}

// SetShard marks the stream's document as shard index of count; with more
// than one shard the ownership.unused_scope findings are held back in
// Scan.Shard, as Document.SetShard does. Call it before Document.
func (s *Stream) SetShard(index, count int) { s.shard = &Shard{Index: index, Count: count} }

// Document builds the document of the scan as Build does, without its
// findings: its summary and tally are the stream's, and Write adds the
// findings when writing it.
func (s *Stream) Document(inv *inventory.Inventory, d *declaration.Declaration, meta Meta) (*Document, error) {
	if s.shard != nil && s.shard.Count > 1 {
		s.shard.UnusedScopes = s.unused
	} else {
		for i := range s.unused {
			if err := s.add(&s.unused[i]); err != nil {
				return nil, err
			}
		}
	}
	s.unused = nil
	doc := Build(inv, d, nil, meta)
	doc.Scan.Shard = s.shard
	doc.Summary = s.summary
	for _, p := range doc.Parties {
		if _, ok := doc.Summary.ByParty[p.ID]; !ok {
			doc.Summary.ByParty[p.ID] = StatusCounts{}
		}
	}
	doc.tally = s.tally
	return doc, nil
}

// Write writes doc, which Document returned, in the named format. JSON
// and NDJSON write the findings straight from the sorter; the other
// formats, made for people and smaller estates, read them into doc first.
func (s *Stream) Write(w io.Writer, format string, doc *Document, opts TableOptions) error {
	switch format {
	case FormatJSON:
		if err := jsonout.Write(w, doc, "findings", s.each); err != nil {
			return fmt.Errorf("write json: %w", err)
		}
		return nil
	case FormatNDJSON:
		return writeNDJSON(w, doc, s.each)
	}
	full := *doc
	var err error
	if full.Findings, err = s.Findings(); err != nil {
		return err
	}
	return Write(w, format, &full, opts)
}

// Findings reads the stream's findings back, in document order, for a
// caller that holds the document whole (serve); like Write, once.
func (s *Stream) Findings() ([]rules.Finding, error) {
	findings := make([]rules.Finding, 0, s.sorter.Len())
	err := s.each(func(raw []byte) error {
		var f rules.Finding
		if err := json.Unmarshal(raw, &f); err != nil {
			return err
		}
		findings = append(findings, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read findings back: %w", err)
	}
	return findings, nil
}

// each hands out the encoded findings in document order.
func (s *Stream) each(emit func(raw []byte) error) error {
	return s.sorter.Each(func(_, val []byte) error { return emit(val) })
}

// Close releases what the stream holds on disk; Write does it too.
func (s *Stream) Close() error { return s.sorter.Close() }

// appendJSON appends v encoded as encoding/json's Marshal encodes it.
func appendJSON(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	return append(dst, b...), err
}
