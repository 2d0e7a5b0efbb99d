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
