package spill

import (
	"fmt"
	"math/rand"
	"slices"
	"testing"
)

func TestSorterMergesRunsInKeyOrderStably(t *testing.T) {
	for _, budget := range []int{1 << 20, 256} { // in memory, and many runs
		t.Run(fmt.Sprint(budget), func(t *testing.T) {
			s := New(t.TempDir(), budget)
			rng := rand.New(rand.NewSource(1))
			type kv struct{ k, v string }
			var want []kv
			for i := range 2000 {
				k := fmt.Sprintf("k%03d", rng.Intn(300))
				v := fmt.Sprint(i)
				want = append(want, kv{k, v})
				if err := s.Add([]byte(k), []byte(v)); err != nil {
					t.Fatal(err)
				}
			}
			if budget == 256 && len(s.runs) < 10 {
				t.Fatalf("runs = %d, want many with a small budget", len(s.runs))
			}
			slices.SortStableFunc(want, func(a, b kv) int {
				switch {
				case a.k < b.k:
					return -1
				case a.k > b.k:
					return 1
				}
				return 0
			})
			var got []kv
			if err := s.Each(func(k, v []byte) error { got = append(got, kv{string(k), string(v)}); return nil }); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("Each gave %d records out of order or unstable; first %v, want %v", len(got), got[:5], want[:5])
			}
			if s.Len() != 2000 {
				t.Errorf("Len = %d, want 2000", s.Len())
			}
		})
	}
}

func TestSorterHoldsNoMoreThanItsBudget(t *testing.T) {
	const budget = 1 << 20
	s := New(t.TempDir(), budget)
	val := make([]byte, 1000)
	for i := range 5000 { // about 5 MB: several runs
		if err := s.Add(fmt.Appendf(nil, "%08d", i), val); err != nil {
			t.Fatal(err)
		}
		if c := cap(s.arena); c > budget {
			t.Fatalf("after %d records the arena holds %d bytes, more than the budget of %d", i+1, c, budget)
		}
		if h := s.held(); h > budget {
			t.Fatalf("after %d records %d bytes are held, more than the budget of %d", i+1, h, budget)
		}
	}
	if len(s.runs) < 4 {
		t.Errorf("runs = %d, want at least 4 for 5 MB at 1 MB each", len(s.runs))
	}
	n := 0
	if err := s.Each(func(k, v []byte) error {
		if want := fmt.Sprintf("%08d", n); string(k) != want {
			return fmt.Errorf("record %d has key %s, want %s", n, k, want)
		}
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 5000 {
		t.Errorf("Each gave %d records, want 5000", n)
	}
}
