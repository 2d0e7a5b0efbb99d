// Package jsonin reads the JSON files ownaudit is handed back (a saved
// inventory, findings documents for diff and merge) as a stream and
// strictly: a size cap, a nesting cap, no duplicate keys, no unknown
// fields, nothing after the document, and errors that say at which byte
// the input went wrong or ended early. The top-level object is walked
// member by member and arrays element by element, so that a file of a
// million resources is never held whole.
package jsonin

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
)

// DefaultMaxBytes is the size cap when the caller sets none: a document
// of two million findings fits.
const DefaultMaxBytes = 4 << 30

// MaxDepth is how deeply objects and arrays may nest; ownaudit's own
// files nest less than a dozen levels.
const MaxDepth = 64

// ErrTooLarge is returned when the input exceeds its size cap.
var ErrTooLarge = errors.New("input too large")

// Reader reads one JSON document.
type Reader struct {
	dec *json.Decoder
	lim *limited
	// value decodes the values Value reads.
	value valueDecoder
}

// feed hands a value decoder the bytes of one value at a time.
type feed struct{ b []byte }

func (f *feed) Read(p []byte) (int, error) {
	if len(f.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, f.b)
	f.b = f.b[n:]
	return n, nil
}

// New reads r, refusing more than max bytes (DefaultMaxBytes when max < 1).
func New(r io.Reader, max int64) *Reader {
	if max < 1 {
		max = DefaultMaxBytes
	}
	lim := &limited{r: r, left: max, max: max}
	dec := json.NewDecoder(lim)
	dec.DisallowUnknownFields()
	return &Reader{dec: dec, lim: lim}
}

// Offset is how many bytes of the input were consumed.
func (r *Reader) Offset() int64 { return r.dec.InputOffset() }

// fail describes err at the current offset: a cap hit, a truncation, or
// a syntax error.
func (r *Reader) fail(err error) error {
	switch {
	case errors.Is(err, ErrTooLarge):
		return fmt.Errorf("%w: more than %d bytes (raise the cap with --max-input-bytes)", ErrTooLarge, r.lim.max)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("truncated at byte %d: the input ends inside the document", r.lim.read())
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("at byte %d: %v", se.Offset, se)
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("at byte %d: %v", te.Offset, err)
	}
	return fmt.Errorf("at byte %d: %w", r.Offset(), err)
}

func (r *Reader) delim(want json.Delim) error {
	at := r.Offset()
	tok, err := r.dec.Token()
	if err != nil {
		return r.fail(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("at byte %d: want %q, found %v", at, string(want), describe(tok))
	}
	return nil
}

func describe(tok json.Token) string {
	switch v := tok.(type) {
	case json.Delim:
		return strconv.Quote(string(v))
	case string:
		return "string " + strconv.Quote(v)
	case nil:
		return "null"
	}
	return fmt.Sprintf("%v", tok)
}

// Object walks an object: fn is called with each key, and must consume
// the member's value (Value, Array, Object or Skip). A key met twice is
// an error.
func (r *Reader) Object(fn func(key string) error) error {
	if err := r.delim('{'); err != nil {
		return err
	}
	seen := map[string]bool{}
	for r.dec.More() {
		at := r.Offset()
		tok, err := r.dec.Token()
		if err != nil {
			return r.fail(err)
		}
		key, _ := tok.(string)
		if seen[key] {
			return fmt.Errorf("at byte %d: duplicate key %q", at, key)
		}
		seen[key] = true
		if err := fn(key); err != nil {
			return err
		}
	}
	return r.delim('}')
}

// Array walks an array, calling fn for each element, which fn must
// consume. A null is an empty array.
func (r *Reader) Array(fn func() error) error {
	at := r.Offset()
	tok, err := r.dec.Token()
	if err != nil {
		return r.fail(err)
	}
	if tok == nil {
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return fmt.Errorf("at byte %d: want an array, found %v", at, describe(tok))
	}
	for r.dec.More() {
		if err := fn(); err != nil {
			return err
		}
	}
	return r.delim(']')
}

// Value decodes the next value into v, refusing duplicate keys, unknown
// fields and nesting deeper than MaxDepth.
func (r *Reader) Value(v any) error {
	raw, at, err := r.raw()
	if err != nil {
		return err
	}
	return r.value.decode(raw, at, v)
}

// raw reads the next value as it is, and the offset it starts at.
func (r *Reader) raw() (json.RawMessage, int64, error) {
	at := r.Offset()
	var raw json.RawMessage
	if err := r.dec.Decode(&raw); err != nil {
		return nil, 0, r.fail(err)
	}
	// Decode starts counting after the separator before the value.
	at += int64(len(raw) - len(bytes.TrimLeft(raw, " \t\r\n")))
	return raw, at, nil
}

// valueDecoder checks and decodes values read whole, one after the other:
// a decoder and its buffer for each would cost more than decoding a
// finding. The zero value is ready; it is not safe for concurrent use.
type valueDecoder struct {
	dec  *json.Decoder // replaced after an error
	feed feed
}

// decode decodes raw, which starts at byte at of the input, into v,
// refusing duplicate keys, unknown fields and nesting deeper than
// MaxDepth; errors name the byte of the input they are at.
func (d *valueDecoder) decode(raw []byte, at int64, v any) error {
	if err := Check(raw); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.Offset += at
		}
		return err
	}
	if d.dec == nil {
		d.dec = json.NewDecoder(&d.feed)
		d.dec.DisallowUnknownFields()
	}
	d.feed.b = raw
	if err := d.dec.Decode(v); err == nil && len(d.feed.b) == 0 {
		return nil
	}
	// The error is worded, and its offset counted, by a decoder of this
	// value alone.
	d.dec, d.feed.b = nil, nil
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("at byte %d: %v", at+te.Offset, err)
		}
		return fmt.Errorf("at byte %d: %w", at, err)
	}
	return nil
}

// ElementError is an element of an array that could not be read or
// decoded (Elements), with its index.
type ElementError struct {
	Index int
	Err   error
}

func (e *ElementError) Error() string { return fmt.Sprintf("[%d]: %v", e.Index, e.Err) }
func (e *ElementError) Unwrap() error { return e.Err }

// elementBatch is how many elements a worker of Elements decodes at once.
const elementBatch = 64

// Elements walks an array as Array does, decoding its elements into T as
// Value would, on workers goroutines (one when workers < 2), and hands
// them to fn in order on the caller's goroutine; v is fn's to keep. An
// element that cannot be read or decoded stops the walk with an
// *ElementError, once every element before it was handed to fn, so that
// the error is the one reading them one by one would meet first; an error
// of fn stops it too and is returned as it is. Decoding is most of the
// cost of reading a large file, and this spreads it over the cores.
func Elements[T any](r *Reader, workers int, fn func(i int, v *T) error) error {
	workers = max(workers, 1)
	type job struct {
		first int
		raws  []json.RawMessage
		ats   []int64
		out   []T
		err   error
		done  chan struct{}
	}
	work := make(chan *job)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var d valueDecoder
			for j := range work {
				j.out = make([]T, len(j.raws))
				for i, raw := range j.raws {
					if err := d.decode(raw, j.ats[i], &j.out[i]); err != nil {
						j.out, j.err = j.out[:i], &ElementError{Index: j.first + i, Err: err}
						break
					}
				}
				j.raws, j.ats = nil, nil
				close(j.done)
			}
		}()
	}
	defer func() {
		close(work)
		wg.Wait()
	}()

	var queue []*job // handed to the workers, in input order
	deliver := func() error {
		j := queue[0]
		queue = queue[1:]
		<-j.done
		for i := range j.out {
			if err := fn(j.first+i, &j.out[i]); err != nil {
				return err
			}
		}
		return j.err
	}
	n := 0
	cur := &job{}
	submit := func() error {
		if len(cur.raws) > 0 {
			cur.done = make(chan struct{})
			work <- cur
			queue = append(queue, cur)
			cur = &job{first: n}
		}
		// A few batches ahead keep the workers busy; more would only
		// hold memory.
		for len(queue) > 2*workers {
			if err := deliver(); err != nil {
				return err
			}
		}
		return nil
	}
	var stop error
	err := r.Array(func() error {
		raw, at, err := r.raw()
		if err != nil {
			return &ElementError{Index: n, Err: err}
		}
		cur.raws, cur.ats = append(cur.raws, raw), append(cur.ats, at)
		n++
		if len(cur.raws) == elementBatch {
			stop = submit()
		}
		return stop
	})
	if stop != nil {
		return stop
	}
	// The elements read before the array ended, or failed, come first.
	if e := submit(); e != nil {
		return e
	}
	for len(queue) > 0 {
		if e := deliver(); e != nil {
			return e
		}
	}
	return err
}

// Skip consumes the next value without decoding it.
func (r *Reader) Skip() error {
	var raw json.RawMessage
	if err := r.dec.Decode(&raw); err != nil {
		return r.fail(err)
	}
	return Check(raw)
}

// End checks that nothing but white space follows the document.
func (r *Reader) End() error {
	at := r.Offset()
	if _, err := r.dec.Token(); err != io.EOF {
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			var se *json.SyntaxError
			if !errors.As(err, &se) {
				return r.fail(err)
			}
		}
		return fmt.Errorf("at byte %d: trailing data after the document", at)
	}
	return nil
}

// Error is a problem found in a value, at a byte offset.
type Error struct {
	Offset int64
	Msg    string
}

func (e *Error) Error() string { return fmt.Sprintf("at byte %d: %s", e.Offset, e.Msg) }

// Check refuses duplicate keys in any object of b, and nesting deeper
// than MaxDepth. b must be valid JSON (as json.RawMessage decodes it).
func Check(b []byte) error {
	type frame struct {
		obj  bool
		keys [][]byte
	}
	var stack []frame
	expectKey := false
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '{', '[':
			if len(stack) >= MaxDepth {
				return &Error{int64(i), fmt.Sprintf("nested more than %d levels deep", MaxDepth)}
			}
			if n := len(stack); cap(stack) > n {
				stack = stack[:n+1]
				stack[n].obj, stack[n].keys = c == '{', stack[n].keys[:0]
			} else {
				stack = append(stack, frame{obj: c == '{'})
			}
			expectKey = c == '{'
		case '}', ']':
			stack = stack[:len(stack)-1]
			expectKey = false
		case ',':
			expectKey = len(stack) > 0 && stack[len(stack)-1].obj
		case '"':
			start := i
			escaped := false
			for i++; i < len(b) && b[i] != '"'; i++ {
				if b[i] == '\\' {
					escaped = true
					i++
				}
			}
			if !expectKey {
				continue
			}
			expectKey = false
			key := b[start+1 : i]
			if escaped {
				var s string
				if err := json.Unmarshal(b[start:i+1], &s); err != nil {
					return &Error{int64(start), err.Error()}
				}
				key = []byte(s)
			}
			top := &stack[len(stack)-1]
			for _, k := range top.keys {
				if bytes.Equal(k, key) {
					return &Error{int64(start), fmt.Sprintf("duplicate key %q", key)}
				}
			}
			top.keys = append(top.keys, key)
		}
	}
	return nil
}

// limited is an io.Reader that fails with ErrTooLarge past its cap.
type limited struct {
	r         io.Reader
	left, max int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte tells a file of exactly max bytes from a larger one.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, ErrTooLarge
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}

func (l *limited) read() int64 { return l.max - l.left }
