package report

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"sort"
	"strings"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/jsonin"
	"github.com/ownaudit/ownaudit/internal/spill"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
)

// Shard says which part of the declared targets a scan covered: the
// targets whose hash modulo Count is Index (see scanners.Shard).
type Shard struct {
	// Index is 0-based, as a Kubernetes Indexed Job's completion index.
	Index int `json:"index"`
	Count int `json:"count"`
	// UnusedScopes are the ownership.unused_scope findings the shard held
	// back. A declaration entry that matches nothing in one shard may
	// match resources of another shard's targets, so only the merge of
	// every shard can tell; it reports those every shard holds back.
	UnusedScopes []rules.Finding `json:"unusedScopes,omitempty"`
}

// SetShard records that d covers shard index of count. With more than one
// shard it moves the ownership.unused_scope findings out of the findings
// into Scan.Shard.UnusedScopes and recounts the summary, so that neither a
// shard's document nor its metrics report an entry as unused because the
// resources it matches were scanned by another shard. Call it before
// WithoutPassed, on the document Build returned.
func (d *Document) SetShard(index, count int) {
	sh := &Shard{Index: index, Count: count}
	d.Scan.Shard = sh
	if count <= 1 {
		return
	}
	kept := d.Findings[:0:0]
	for _, f := range d.Findings {
		if f.Control == rules.OwnershipUnusedScope {
			sh.UnusedScopes = append(sh.UnusedScopes, f)
			continue
		}
		kept = append(kept, f)
	}
	d.Findings = kept
	d.Summary = summarize(d.Findings, d.Parties)
}

// summarize counts findings as Build does: every declared party has an
// entry, zero or not.
func summarize(findings []rules.Finding, parties []declaration.Party) Summary {
	s := Summarize(findings)
	for _, p := range parties {
		if _, ok := s.ByParty[p.ID]; !ok {
			s.ByParty[p.ID] = StatusCounts{}
		}
	}
	return s
}

// ReadJSON decodes a findings document written by WriteJSON, strictly as
// ReadStream does, holding every finding.
func ReadJSON(r io.Reader) (*Document, error) { return ReadJSONLimit(r, 0) }

// ReadJSONLimit is ReadJSON refusing input past max bytes.
func ReadJSONLimit(r io.Reader, max int64) (*Document, error) {
	var findings []rules.Finding
	d, err := ReadStream(r, max, func(f *rules.Finding) error {
		findings = append(findings, *f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	d.Findings = findings
	if d.Findings == nil {
		d.Findings = []rules.Finding{}
	}
	return d, nil
}

// ReadStream decodes a findings document written by WriteJSON without
// holding its findings: each is handed to fn as it is read, and the
// document returned has everything but them. Unknown fields are rejected,
// so that a file of another kind or a newer format is not mistaken for
// findings; so are duplicate keys, anything after the document and input
// past max bytes (jsonin.DefaultMaxBytes when max < 1); an input cut
// short is reported with the byte it ends at.
func ReadStream(r io.Reader, max int64, fn func(*rules.Finding) error) (*Document, error) {
	d, err := readStream(r, max, fn)
	if err != nil {
		return nil, fmt.Errorf("not a findings document: %w", err)
	}
	major := func(v string) string { return strings.SplitN(v, ".", 2)[0] }
	if d.SchemaVersion == "" || major(d.SchemaVersion) != major(SchemaVersion) {
		return nil, fmt.Errorf("findings schema version %q: this build reads %s", d.SchemaVersion, SchemaVersion)
	}
	return d, nil
}

func readStream(r io.Reader, max int64, fn func(*rules.Finding) error) (*Document, error) {
	in := jsonin.New(r, max)
	var d Document
	err := in.Object(func(key string) error {
		switch key {
		case "schemaVersion":
			return in.Value(&d.SchemaVersion)
		case "scan":
			return in.Value(&d.Scan)
		case "parties":
			return in.Value(&d.Parties)
		case "errors":
			return in.Value(&d.Errors)
		case "summary":
			return in.Value(&d.Summary)
		case "findings":
			err := jsonin.Elements(in, runtime.GOMAXPROCS(0), func(_ int, f *rules.Finding) error { return fn(f) })
			if e, ok := err.(*jsonin.ElementError); ok {
				return fmt.Errorf("findings[%d]: %w", e.Index, e.Err)
			}
			return err
		}
		return fmt.Errorf("at byte %d: unknown field %q", in.Offset(), key)
	})
	if err != nil {
		return nil, err
	}
	return &d, in.End()
}

// MergeInput is one document to merge and the name (a file path) errors
// call it by.
type MergeInput struct {
	Name string
	Doc  *Document
}

// Merge joins the documents of the shards of one scan into the document a
// single scan of every target would have given:
//
//   - every input must have been judged against the same declaration
//     (its SHA-256), and sharded inputs must be all the shards of one
//     count, each once;
//   - findings are joined and de-duplicated by id; an
//     ownership.unused_scope finding is kept only when every input found
//     the entry unused (in its findings or held back in Scan.Shard);
//   - errors, targets and scanner runs are joined, resource and API
//     request counts summed;
//   - the summary is recounted from the findings, plus the passed findings
//     an input left out (--include-passed not given), which its own
//     summary still counts;
//   - the scan runs from the earliest start to the latest finish, under a
//     new id, with no shard.
//
// Merge holds every finding; a Merger joins documents too large for that.
func Merge(inputs []MergeInput) (*Document, error) {
	m := NewMerger("")
	m.budget = math.MaxInt // in memory: nothing is written to disk
	defer m.Close()
	for _, in := range inputs {
		if in.Doc == nil {
			return nil, fmt.Errorf("%s: no document", in.Name)
		}
		d := *in.Doc
		d.Findings = nil
		err := m.add(in.Name, &d, func(fn func(*rules.Finding) error) error {
			for i := range in.Doc.Findings {
				f := in.Doc.Findings[i]
				if err := fn(&f); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	out, err := m.Merge()
	if err != nil {
		return nil, err
	}
	if out.Doc.Findings, err = out.Findings(); err != nil {
		return nil, err
	}
	out.Doc.tally = nil
	return out.Doc, nil
}

// Merger joins findings documents as Merge does without holding their
// findings: Read takes each input's findings, by id, into a sorter that
// spills to disk past its memory budget, and keeps the rest of the
// document (scan, parties, errors, summary: small beside the findings).
// Merge then walks the findings in id order, keeping the first of each
// id, and sorts the kept ones into document order in a second sorter,
// from which Merged writes them. Findings need not be sorted in the
// inputs. A Merger is used once; Close releases what it holds on disk.
type Merger struct {
	dir    string
	budget int
	byID   *spill.Sorter
	inputs []mergeIn
	value  []byte
}

// mergeIn is one input of a Merger, without its findings.
type mergeIn struct {
	name string
	doc  *Document
	// listed counts the findings the input lists.
	listed Summary
	// unused are its ownership.unused_scope findings, listed or held
	// back in Scan.Shard, in that order.
	unused []rules.Finding
}

// NewMerger returns a merger that spills into dir (the system's temporary
// folder when empty).
func NewMerger(dir string) *Merger { return &Merger{dir: dir} }

// Read reads one input document, strictly as ReadStream does; name is
// what errors call it.
func (m *Merger) Read(name string, r io.Reader, max int64) error {
	var doc *Document
	return m.add(name, nil, func(fn func(*rules.Finding) error) error {
		var err error
		doc, err = ReadStream(r, max, fn)
		if err != nil {
			return err
		}
		m.inputs[len(m.inputs)-1].doc = doc
		return nil
	})
}

// add takes the input named name: doc, without its findings (nil when
// findings sets it), and the findings, which findings hands to fn.
func (m *Merger) add(name string, doc *Document, findings func(fn func(*rules.Finding) error) error) error {
	if m.byID == nil {
		m.byID = spill.New(m.dir, m.budget)
	}
	m.inputs = append(m.inputs, mergeIn{name: name, doc: doc, listed: NewSummary()})
	in := &m.inputs[len(m.inputs)-1]
	err := findings(func(f *rules.Finding) error {
		in.listed.Count(f)
		if f.Control == rules.OwnershipUnusedScope {
			in.unused = append(in.unused, *f)
			return nil
		}
		var err error
		if m.value, err = encodeFinding(m.value[:0], f); err != nil {
			return err
		}
		return m.byID.Add([]byte(f.ID), m.value)
	})
	if err != nil {
		return err
	}
	if sh := in.doc.Scan.Shard; sh != nil {
		in.unused = append(in.unused, sh.UnusedScopes...)
	}
	return nil
}

// encodeFinding appends f as the documents list it: expected roles an
// array, never null.
func encodeFinding(dst []byte, f *rules.Finding) ([]byte, error) {
	if f.ExpectedRoles == nil {
		f.ExpectedRoles = []controls.Role{}
	}
	dst, err := appendJSON(dst, f)
	if err != nil {
		return nil, fmt.Errorf("encode finding %s: %w", f.ID, err)
	}
	return dst, nil
}

// Close releases what the merger holds on disk.
func (m *Merger) Close() error {
	if m.byID == nil {
		return nil
	}
	return m.byID.Close()
}

// Merged is the result of a Merger: the document, with its summary and
// counts but without its findings, which Write writes and Findings reads
// back, once.
type Merged struct {
	Doc    *Document
	stream *Stream
}

// Write writes the merged document in the named format. JSON and NDJSON
// stream the findings from disk; the other formats, made for people, hold
// them.
func (m *Merged) Write(w io.Writer, format string, opts TableOptions) error {
	return m.stream.Write(w, format, m.Doc, opts)
}

// Len is how many findings the merged document lists.
func (m *Merged) Len() int { return m.stream.sorter.Len() }

// Findings reads the merged findings back, in document order.
func (m *Merged) Findings() ([]rules.Finding, error) { return m.stream.Findings() }

// Close releases what the merged findings hold on disk; Write and
// Findings do it too.
func (m *Merged) Close() error { return m.stream.Close() }

// Merge joins the inputs read (see Merge, the function).
func (m *Merger) Merge() (*Merged, error) {
	inputs := make([]MergeInput, len(m.inputs))
	for i, in := range m.inputs {
		inputs[i] = MergeInput{Name: in.name, Doc: in.doc}
	}
	if len(inputs) == 0 {
		return nil, fmt.Errorf("nothing to merge")
	}
	if err := checkMergeable(inputs); err != nil {
		return nil, err
	}
	first := inputs[0].Doc
	out := &Document{
		SchemaVersion: SchemaVersion,
		Scan: Scan{
			ID:          newScanID(),
			Tool:        first.Scan.Tool,
			Started:     first.Scan.Started,
			Finished:    first.Scan.Finished,
			Declaration: first.Scan.Declaration,
			Source:      first.Scan.Source,
		},
		Parties:  append([]declaration.Party{}, first.Parties...),
		Findings: []rules.Finding{},
		Errors:   []Error{},
	}

	unused := map[string]rules.Finding{}
	unusedIn := map[string]int{}
	var unusedIDs []string
	omitted := Summary{}
	for _, in := range m.inputs {
		d := in.doc
		if s := d.Scan.Started; !s.IsZero() && (s.Before(out.Scan.Started) || out.Scan.Started.IsZero()) {
			out.Scan.Started = s
		}
		if d.Scan.Finished.After(out.Scan.Finished) {
			out.Scan.Finished = d.Scan.Finished
		}
		// The passed findings an input left out are what its summary
		// counts beyond its findings.
		// (Added to a new summary: the input's maps stay as they are.)
		var diff Summary
		diff.add(d.Summary, 1)
		diff.add(in.listed, -1)
		if diff.negative() {
			return nil, fmt.Errorf("%s: its summary counts fewer findings than it lists; was it edited?", in.name)
		}
		omitted.add(diff, 1)

		unusedHere := map[string]bool{}
		for _, f := range in.unused {
			if !unusedHere[f.ID] {
				unusedHere[f.ID] = true
				unusedIn[f.ID]++
			}
			if _, ok := unused[f.ID]; !ok {
				unused[f.ID] = f
				unusedIDs = append(unusedIDs, f.ID)
			}
		}
		out.Errors = append(out.Errors, d.Errors...)
		out.Scan.Targets = mergeTargets(out.Scan.Targets, d.Scan.Targets)
		addScanCounts(&out.Scan, d.Scan)
	}

	// The first finding of each id, in the order of the inputs, is kept
	// and counted, and sorted into document order.
	summary, tally := NewSummary(), Tally{}
	sorted := spill.New(m.dir, m.budget)
	var key []byte
	keep := func(f *rules.Finding, raw []byte) error {
		summary.Count(f)
		tally.Count(f)
		key = rules.AppendOrderKey(key[:0], f)
		return sorted.Add(key, raw)
	}
	var last []byte
	err := m.byID.Each(func(id, raw []byte) error {
		if last != nil && string(id) == string(last) {
			return nil
		}
		last = append(last[:0], id...)
		var f rules.Finding
		if err := json.Unmarshal(raw, &f); err != nil {
			return fmt.Errorf("read findings back: %w", err)
		}
		return keep(&f, raw)
	})
	for _, id := range unusedIDs {
		if err != nil || unusedIn[id] != len(inputs) {
			continue
		}
		f := unused[id]
		if m.value, err = encodeFinding(m.value[:0], &f); err == nil {
			err = keep(&f, m.value)
		}
	}
	if err != nil {
		sorted.Close()
		return nil, err
	}

	sort.SliceStable(out.Errors, func(i, j int) bool {
		a, b := out.Errors[i], out.Errors[j]
		return fmt.Sprint(a.Cloud, a.Target, a.Region, a.Domain, a.Operation) < fmt.Sprint(b.Cloud, b.Target, b.Region, b.Domain, b.Operation)
	})
	sort.SliceStable(out.Scan.Targets, func(i, j int) bool {
		a, b := out.Scan.Targets[i], out.Scan.Targets[j]
		return string(a.Cloud)+"|"+a.ID < string(b.Cloud)+"|"+b.ID
	})
	if out.Scan.Targets == nil {
		out.Scan.Targets = []TargetStatus{}
	}
	for _, p := range out.Parties {
		if _, ok := summary.ByParty[p.ID]; !ok {
			summary.ByParty[p.ID] = StatusCounts{}
		}
	}
	out.Summary = summary
	out.Summary.add(omitted, 1)
	out.tally = tally
	return &Merged{Doc: out, stream: &Stream{sorter: sorted}}, nil
}

// checkMergeable refuses inputs that are not parts of one scan: the same
// document twice (its findings and passes would count twice), unsharded
// inputs that cover a target in common (two scans of it, which a merge
// cannot reconcile: the result would depend on their order), and shards
// that are not every shard of one count once.
func checkMergeable(inputs []MergeInput) error {
	first := inputs[0]
	sharded, count := 0, 0
	index := map[int]string{}
	scans := map[string]string{}
	for _, in := range inputs {
		if in.Doc == nil {
			return fmt.Errorf("%s: no document", in.Name)
		}
		if id := in.Doc.Scan.ID; id != "" {
			if other, dup := scans[id]; dup {
				return fmt.Errorf("%s and %s are the same scan (id %s): merge each document once", other, in.Name, id)
			}
			scans[id] = in.Name
		}
		if got, want := in.Doc.Scan.Declaration.SHA256, first.Doc.Scan.Declaration.SHA256; got != want {
			return fmt.Errorf("%s and %s were judged against different declarations (sha256 %s and %s): merge only the shards of one scan",
				first.Name, in.Name, orNone(want), orNone(got))
		}
		sh := in.Doc.Scan.Shard
		if sh == nil {
			continue
		}
		sharded++
		if count == 0 {
			count = sh.Count
		}
		if sh.Count != count || sh.Count < 1 || sh.Index < 0 || sh.Index >= sh.Count {
			return fmt.Errorf("%s is shard %d/%d, but the first shard input is of %d shards", in.Name, sh.Index, sh.Count, count)
		}
		if other, dup := index[sh.Index]; dup {
			return fmt.Errorf("%s and %s are both shard %d/%d", other, in.Name, sh.Index, sh.Count)
		}
		index[sh.Index] = in.Name
	}
	if sharded == 0 {
		return checkDisjoint(inputs)
	}
	if sharded != len(inputs) {
		return fmt.Errorf("some inputs are shards and some are not: merge the %d shards of one scan", count)
	}
	var missing []string
	for i := range count {
		if _, ok := index[i]; !ok {
			missing = append(missing, fmt.Sprintf("%d/%d", i, count))
		}
	}
	if len(missing) > 0 {
		// Without every shard, a declaration entry unused in the ones given
		// may match resources of a missing one.
		return fmt.Errorf("shard %s missing: merge all %d shards of the scan", strings.Join(missing, ", "), count)
	}
	return nil
}

// checkDisjoint refuses unsharded inputs that scanned a target in common.
func checkDisjoint(inputs []MergeInput) error {
	owner := map[targetKey]string{}
	for _, in := range inputs {
		for _, t := range in.Doc.Scan.Targets {
			k := targetKey{t.Cloud, t.ID}
			if other, ok := owner[k]; ok && other != in.Name {
				return fmt.Errorf("%s and %s both scanned %s %s: merge joins the shards of one scan, or scans of different targets; to compare two scans of the same targets use ownaudit diff",
					other, in.Name, t.Cloud, t.ID)
			}
			owner[k] = in.Name
		}
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// mergeTargets adds the targets of b to a. A target in both (an account
// reached through an organization in one shard and named in another) keeps
// one entry: regions joined, errors added, the worse status.
func mergeTargets(a, b []TargetStatus) []TargetStatus {
	rank := map[string]int{TargetOK: 0, TargetPartial: 1, TargetFailed: 2}
	for _, t := range b {
		i := slices.IndexFunc(a, func(x TargetStatus) bool { return x.Cloud == t.Cloud && x.ID == t.ID })
		if i < 0 {
			a = append(a, t)
			continue
		}
		m := &a[i]
		for _, r := range t.Regions {
			if !slices.Contains(m.Regions, r) {
				m.Regions = append(m.Regions, r)
			}
		}
		sort.Strings(m.Regions)
		if m.Name == "" {
			m.Name = t.Name
		}
		m.Errors += t.Errors
		if rank[t.Status] > rank[m.Status] {
			m.Status = t.Status
		}
	}
	return a
}

// add adds o, times sign, to s.
func (s *Summary) add(o Summary, sign int) {
	s.Total += sign * o.Total
	if s.ByStatus == nil {
		s.ByStatus = map[controls.Status]int{}
	}
	for k, v := range o.ByStatus {
		s.ByStatus[k] += sign * v
	}
	s.BySeverity = addCounts(s.BySeverity, o.BySeverity, sign)
	s.ByDomain = addCounts(s.ByDomain, o.ByDomain, sign)
	s.ByParty = addCounts(s.ByParty, o.ByParty, sign)
}

func addCounts[K comparable](dst, src map[K]StatusCounts, sign int) map[K]StatusCounts {
	if dst == nil {
		dst = map[K]StatusCounts{}
	}
	for k, v := range src {
		c := dst[k]
		c.Pass += sign * v.Pass
		c.Fail += sign * v.Fail
		c.Error += sign * v.Error
		dst[k] = c
	}
	return dst
}

// negative reports whether any count of s is below zero.
func (s Summary) negative() bool {
	if s.Total < 0 {
		return true
	}
	for _, v := range s.ByStatus {
		if v < 0 {
			return true
		}
	}
	for _, m := range []map[string]StatusCounts{toStringKeys(s.BySeverity), toStringKeys(s.ByDomain), s.ByParty} {
		for _, c := range m {
			if c.Pass < 0 || c.Fail < 0 || c.Error < 0 {
				return true
			}
		}
	}
	return false
}

func toStringKeys[K ~string](m map[K]StatusCounts) map[string]StatusCounts {
	out := make(map[string]StatusCounts, len(m))
	for k, v := range m {
		out[string(k)] = v
	}
	return out
}

// sortEvaluated orders findings as rules.Evaluate does: by domain order,
// control, resource identity and id.
func sortEvaluated(fs []rules.Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if da, db := slices.Index(inventory.Domains, a.Domain), slices.Index(inventory.Domains, b.Domain); da != db {
			return da < db
		}
		if a.Control != b.Control {
			return a.Control < b.Control
		}
		ua := inventory.UID(a.Resource.Cloud, a.Resource.Target, a.Resource.Region, a.Resource.Type, a.Resource.ID)
		ub := inventory.UID(b.Resource.Cloud, b.Resource.Target, b.Resource.Region, b.Resource.Type, b.Resource.ID)
		if ua != ub {
			return ua < ub
		}
		return a.ID < b.ID
	})
}
