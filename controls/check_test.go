package controls

import (
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// testNow is the collection time the control tests measure ages against.
var testNow = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

// checkCase is one row of a control's table test.
type checkCase struct {
	name string
	res  inventory.Resource
	// settings override DefaultSettings when non-zero.
	settings Settings
	want     Status
}

// tables holds the table test of each control, by control id. A control's
// _test.go file adds its own with table, as the control file registers the
// control with register; it is read-only once the test binary starts.
var tables = map[string]func(t *testing.T) []checkCase{}

// table adds the table test of control c: cases returns its rows, and may
// use t to assert what a row cannot (a message, the evidence).
// TestControlTables runs the rows through checkCases. A second table for
// the same control panics, which fails the test binary at start.
func table(c *Control, cases func(t *testing.T) []checkCase) bool {
	if _, dup := tables[c.ID]; dup {
		panic("controls: two table tests for " + c.ID)
	}
	tables[c.ID] = cases
	return true
}

// TestControlTables runs the table test of every registered control, so a
// control without one fails here rather than going untested, and so does a
// table without a pass, a fail and an error row (checkCases). A table for
// an id the catalogue does not hold fails too. It walks the catalogue
// itself instead of trusting each test file to call checkCases, so the
// check holds whatever else -run selects; -run
// 'TestControlTables/<control id>' runs one control's table.
func TestControlTables(t *testing.T) {
	for _, c := range Controls() {
		t.Run(c.ID, func(t *testing.T) {
			cases, ok := tables[c.ID]
			if !ok {
				t.Fatalf("control %s has no table test; add one to its _test.go file with table(), with pass, fail and error rows", c.ID)
			}
			checkCases(t, c, cases(t))
		})
	}
	for id := range tables {
		if Lookup(id) == nil {
			t.Errorf("table test for %q, which is no registered control", id)
		}
	}
}

// checkCases runs a control's Check over each case and compares the status.
func checkCases(t *testing.T, c *Control, cases []checkCase) {
	t.Helper()
	seen := map[Status]bool{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			env := Env{Settings: tc.settings.WithDefaults(), Now: testNow}
			got := c.Check(env, tc.res)
			if got.Status != tc.want {
				t.Errorf("%s.Check(%s) = %q (%s), want %q", c.ID, tc.name, got.Status, got.Message, tc.want)
			}
			if got.Status != NotApplicable && got.Message == "" {
				t.Errorf("%s.Check(%s) gave no message", c.ID, tc.name)
			}
		})
		seen[tc.want] = true
	}
	for _, s := range []Status{Pass, Fail, Error} {
		if !seen[s] {
			t.Errorf("%s: table has no %q case", c.ID, s)
		}
	}
}
