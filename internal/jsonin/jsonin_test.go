package jsonin

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

type elem struct {
	N int    `json:"n"`
	S string `json:"s"`
}

// elements is an array of n elements, element i being {"n": i, ...}.
func elements(n int) string {
	var b strings.Builder
	b.WriteString(`[`)
	for i := range n {
		if i > 0 {
			b.WriteString(",\n ")
		}
		fmt.Fprintf(&b, `{"n": %d, "s": "x%d"}`, i, i)
	}
	b.WriteString(`]`)
	return b.String()
}

func TestElementsHandsOutEveryElementInOrder(t *testing.T) {
	for _, workers := range []int{1, 2, 7} {
		t.Run(fmt.Sprint(workers), func(t *testing.T) {
			const n = 1000 // many batches
			got := 0
			err := Elements(New(strings.NewReader(elements(n)), 0), workers, func(i int, v *elem) error {
				if i != got || v.N != got || v.S != fmt.Sprint("x", got) {
					return fmt.Errorf("element %d handed out as %d: %+v", got, i, *v)
				}
				got++
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if got != n {
				t.Errorf("%d elements handed out, want %d", got, n)
			}
		})
	}
}

// The error reported is the one reading the elements one by one would
// meet first, whatever the workers got to meanwhile.
func TestElementsReportsTheFirstErrorInOrder(t *testing.T) {
	doc := elements(500)
	bad := strings.Replace(doc, `{"n": 130, "s": "x130"}`, `{"n": 130, "s": "x130", "s": "again"}`, 1)
	bad = strings.Replace(bad, `{"n": 400, "s": "x400"}`, `{"n": 400, "t": 1}`, 1)
	truncated := bad[:strings.Index(bad, `{"n": 450`)+5]
	for name, in := range map[string]string{"duplicate before unknown": bad, "decode error before truncation": truncated} {
		t.Run(name, func(t *testing.T) {
			handed := 0
			err := Elements(New(strings.NewReader(in), 0), 3, func(i int, v *elem) error {
				handed++
				return nil
			})
			var ee *ElementError
			if !errors.As(err, &ee) || ee.Index != 130 || !strings.Contains(err.Error(), `duplicate key "s"`) {
				t.Fatalf("err = %v, want element 130's duplicate key", err)
			}
			if handed != 130 {
				t.Errorf("%d elements handed out before the error, want the 130 before it", handed)
			}
			// The offset is the input's, as Value reports it.
			seq := New(strings.NewReader(in), 0)
			var want error
			_ = seq.Array(func() error {
				var v elem
				want = seq.Value(&v)
				return want
			})
			if ee.Err.Error() != want.Error() {
				t.Errorf("error %q, want %q as Value reads it", ee.Err, want)
			}
		})
	}
	t.Run("truncated", func(t *testing.T) {
		doc := elements(300)
		cut := doc[:strings.Index(doc, `{"n": 250`)+8]
		err := Elements(New(strings.NewReader(cut), 0), 2, func(int, *elem) error { return nil })
		var ee *ElementError
		if !errors.As(err, &ee) || ee.Index != 250 || !strings.Contains(err.Error(), "truncated at byte") {
			t.Fatalf("err = %v, want element 250 truncated", err)
		}
	})
}

func TestElementsStopsAtTheCallersError(t *testing.T) {
	stop := errors.New("enough")
	handed := 0
	err := Elements(New(strings.NewReader(elements(1000)), 0), 2, func(i int, v *elem) error {
		handed++
		if i == 321 {
			return stop
		}
		return nil
	})
	if err != stop || handed != 322 {
		t.Errorf("err = %v after %d elements, want the caller's error after 322", err, handed)
	}
}
