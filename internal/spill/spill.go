// Package spill sorts more records than fit in memory: records (a key and
// a value, both bytes) are gathered up to a memory budget, sorted by key
// and written to a temporary file as one run; reading merges the runs.
// The findings of a million-resource scan, sorted for the document, and
// the findings of two documents, sorted by id for a diff or a merge, go
// through it so that memory stays bounded whatever the input size.
package spill

import (
	"bufio"
	"bytes"
	"container/heap"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// DefaultBudget is the memory a Sorter holds before it writes a run. A
// scan holds two (findings, and the inventory it saves), so 4 MiB each
// keeps them to about 8 MiB; a million resources' findings make about 250
// runs, merged at the end with a small buffer each (runBuffer).
const DefaultBudget = 4 << 20

// runBuffer is the read buffer of each run while runs are merged.
const runBuffer = 32 << 10

// Sorter gathers records and hands them back in key order; records with
// equal keys come back in the order they were added. It is not safe for
// concurrent use.
type Sorter struct {
	budget int
	dir    string
	arena  []byte
	recs   []rec
	runs   []*os.File
	n      int
	err    error
}

// rec is one record in the arena: key at [off, off+klen), value after.
type rec struct {
	off, klen, vlen int
}

// New returns a sorter that writes a run to a temporary file in dir (the
// system's when empty) whenever it holds budget bytes (DefaultBudget when
// budget < 1).
func New(dir string, budget int) *Sorter {
	if budget < 1 {
		budget = DefaultBudget
	}
	return &Sorter{budget: budget, dir: dir}
}

// Len is how many records were added.
func (s *Sorter) Len() int { return s.n }

// Add copies one record in.
func (s *Sorter) Add(key, val []byte) error {
	if s.err != nil {
		return s.err
	}
	size := len(key) + len(val)
	if len(s.recs) > 0 && s.held()+size+recSize > s.budget {
		if s.err = s.flush(); s.err != nil {
			return s.err
		}
	}
	s.reserve(size)
	off := len(s.arena)
	s.arena = append(append(s.arena, key...), val...)
	s.recs = append(s.recs, rec{off, len(key), len(val)})
	s.n++
	return nil
}

// recSize is what a record costs beside its bytes (rec's three ints).
const recSize = 24

// held is the memory the records held take.
func (s *Sorter) held() int { return len(s.arena) + len(s.recs)*recSize }

// reserve makes room for size more bytes in the arena, growing it by
// doubling but never past the budget (append alone would overshoot it by
// up to twice), so that the memory a sorter holds is its budget.
func (s *Sorter) reserve(size int) {
	need := len(s.arena) + size
	if need <= cap(s.arena) {
		return
	}
	c := max(2*cap(s.arena), 64<<10, need)
	if c > s.budget {
		c = max(s.budget-len(s.recs)*recSize, need)
	}
	s.arena = append(make([]byte, 0, c), s.arena...)
}

func (s *Sorter) key(r rec) []byte { return s.arena[r.off : r.off+r.klen] }
func (s *Sorter) val(r rec) []byte { return s.arena[r.off+r.klen : r.off+r.klen+r.vlen] }

func (s *Sorter) sortMemory() {
	slices.SortStableFunc(s.recs, func(a, b rec) int { return bytes.Compare(s.key(a), s.key(b)) })
}

// flush writes the records held as one sorted run.
func (s *Sorter) flush() error {
	if len(s.recs) == 0 {
		return nil
	}
	s.sortMemory()
	f, err := os.CreateTemp(s.dir, "ownaudit-spill-*")
	if err != nil {
		return fmt.Errorf("spill: %w", err)
	}
	// The file is only ours while it is open: removing it now leaves
	// nothing behind however the process ends.
	_ = os.Remove(f.Name())
	w := bufio.NewWriterSize(f, 256<<10)
	var hdr [2 * binary.MaxVarintLen64]byte
	for _, r := range s.recs {
		n := binary.PutUvarint(hdr[:], uint64(r.klen))
		n += binary.PutUvarint(hdr[n:], uint64(r.vlen))
		_, _ = w.Write(hdr[:n])
		_, _ = w.Write(s.arena[r.off : r.off+r.klen+r.vlen])
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("spill: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("spill: %w", err)
	}
	s.runs = append(s.runs, f)
	s.arena, s.recs = s.arena[:0], s.recs[:0]
	return nil
}

// Each hands every record to fn in key order, then releases what the
// sorter holds; the sorter cannot be used again. key and val are only
// valid during the call.
func (s *Sorter) Each(fn func(key, val []byte) error) error {
	defer s.Close()
	if s.err != nil {
		return s.err
	}
	if len(s.runs) == 0 {
		s.sortMemory()
		for _, r := range s.recs {
			if err := fn(s.key(r), s.val(r)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.flush(); err != nil {
		return err
	}
	h := make(mergeHeap, 0, len(s.runs))
	for i, f := range s.runs {
		c := &cursor{r: bufio.NewReaderSize(f, runBuffer), run: i}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			h = append(h, c)
		}
	}
	heap.Init(&h)
	for len(h) > 0 {
		c := h[0]
		if err := fn(c.key, c.val); err != nil {
			return err
		}
		ok, err := c.next()
		if err != nil {
			return err
		}
		if ok {
			heap.Fix(&h, 0)
		} else {
			heap.Pop(&h)
		}
	}
	return nil
}

// Close releases the runs and the memory; Each calls it.
func (s *Sorter) Close() error {
	var errs []error
	for _, f := range s.runs {
		errs = append(errs, f.Close())
	}
	s.runs, s.arena, s.recs = nil, nil, nil
	if s.err == nil {
		s.err = errors.New("spill: sorter already read")
	}
	return errors.Join(errs...)
}

// cursor reads one run.
type cursor struct {
	r        *bufio.Reader
	run      int
	buf      []byte
	key, val []byte
}

func (c *cursor) next() (bool, error) {
	klen, err := binary.ReadUvarint(c.r)
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("spill: read run: %w", err)
	}
	vlen, err := binary.ReadUvarint(c.r)
	if err != nil {
		return false, fmt.Errorf("spill: read run: %w", err)
	}
	n := int(klen + vlen)
	if cap(c.buf) < n {
		c.buf = make([]byte, n)
	}
	c.buf = c.buf[:n]
	if _, err := io.ReadFull(c.r, c.buf); err != nil {
		return false, fmt.Errorf("spill: read run: %w", err)
	}
	c.key, c.val = c.buf[:klen], c.buf[klen:]
	return true, nil
}

// mergeHeap orders cursors by key, then by run, so equal keys keep the
// order they were added in.
type mergeHeap []*cursor

func (h mergeHeap) Len() int { return len(h) }
func (h mergeHeap) Less(i, j int) bool {
	if c := bytes.Compare(h[i].key, h[j].key); c != 0 {
		return c < 0
	}
	return h[i].run < h[j].run
}
func (h mergeHeap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *mergeHeap) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *mergeHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
