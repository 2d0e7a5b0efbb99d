package rules

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/inventory"
)

func TestGlobMatch(t *testing.T) {
	cases := []struct {
		pattern, name string
		want          bool
	}{
		{"sg-1", "sg-1", true},
		{"sg-1", "sg-12", false},
		{"sg-?", "sg-1", true},
		{"sg-?", "sg-12", false},
		{"sg-*", "sg-0123", true},
		{"sg-*", "acl-0123", false},
		{"*", "", true},
		{"", "", true},
		{"", "x", false},
		{"arn:aws:iam::*:root", "arn:aws:iam::111111111111:root", true},
		{"arn:aws:iam::*:root", "arn:aws:iam::111111111111:user/root", false},
		// * crosses "/" and ":", unlike path.Match.
		{"arn:aws:s3:::logs-*", "arn:aws:s3:::logs-eu/x:y", true},
		{"*-prod-*", "web-prod-eu-prod-1", true},
		{"a*b*c", "aXbYbZ", false},
		{"[ab]", "a", false},
		{"[ab]", "[ab]", true},
	}
	for _, tc := range cases {
		if got := globMatch(tc.pattern, tc.name); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.name, got, tc.want)
		}
	}
}

// suppression builds a suppressions entry declared at line.
func suppression(line int, control, resource, party, expires string) declaration.SuppressionEntry {
	return declaration.SuppressionEntry{Control: control, Resource: resource, Reason: fmt.Sprintf("reason at line %d", line),
		AcceptedBy: party, Expires: expires, Pos: declaration.Position{File: testFile, Line: line, Column: 3}}
}

func TestEvaluateSuppressions(t *testing.T) {
	// evalInventory is collected on 2026-11-01.
	d := evalDeclaration()
	d.Suppressions = []declaration.SuppressionEntry{
		// 0: live on its last day.
		suppression(30, controls.RootMFADisabled.ID, "arn:aws:iam::111111111111:root", "acme", "2026-11-01"),
		// 1: expired the day before: both sg-1 (two accounts) fail again.
		suppression(35, controls.AllPortsOpenToInternet.ID, "sg-?", "claranet", "2026-10-31"),
		// 2 and 3: both live; the first one marks the finding.
		suppression(40, controls.AllPortsOpenToInternet.ID, "nsg-*", "claranet", "2027-01-01"),
		suppression(45, controls.AllPortsOpenToInternet.ID, "nsg-1", "acme", "2027-06-01"),
		// 4 and 5: both expired; the one that expired last is reported.
		suppression(50, controls.ManagedAutoUpgradeDisabled.ID, "db-1", "acme", "2026-01-01"),
		suppression(55, controls.ManagedAutoUpgradeDisabled.ID, "db-*", "claranet", "2026-06-01"),
		// 6: matches no resource id.
		suppression(60, controls.VMUnmanaged.ID, "vm-2", "acme", "2027-01-01"),
	}
	plain := Evaluate(evalInventory(), evalDeclaration())
	got := Evaluate(evalInventory(), d)

	t.Run("live", func(t *testing.T) {
		f := findingOn(got, controls.RootMFADisabled.ID, "111111111111", "arn:aws:iam::111111111111:root")
		want := &Suppression{Reason: "reason at line 30", AcceptedBy: "acme", Expires: "2026-11-01", Entry: 0, File: testFile, Line: 30, Column: 3}
		if f == nil || f.Status != controls.Fail || !reflect.DeepEqual(f.Suppressed, want) {
			t.Fatalf("root MFA finding = %+v, want failing and suppressed by %+v", f, want)
		}
		f = findingOn(got, controls.AllPortsOpenToInternet.ID, "00000000-0000-0000-0000-000000000000", "nsg-1")
		if f == nil || f.Status != controls.Fail || f.Suppressed == nil || f.Suppressed.Entry != 2 || f.Suppressed.AcceptedBy != "claranet" {
			t.Errorf("all ports finding on nsg-1 = %+v, want failing and suppressed by entry 2, the first live match", f)
		}
	})
	t.Run("expired", func(t *testing.T) {
		var expired []Finding
		for _, f := range got {
			if f.Control == OwnershipExpiredAcceptance {
				expired = append(expired, f)
			}
		}
		type key struct {
			target, id string
			entry      int
			party      string
		}
		var keys []key
		for _, f := range expired {
			keys = append(keys, key{f.Resource.Target, f.Resource.ID, f.Responsible.DecidedBy.Entry, f.Responsible.Party})
		}
		want := []key{{"111111111111", "sg-1", 1, "claranet"}, {"222222222222", "sg-1", 1, "claranet"}, {"111111111111", "db-1", 5, "claranet"}}
		if len(keys) != len(want) {
			t.Fatalf("expired_acceptance findings = %+v, want %+v", keys, want)
		}
		for _, w := range want {
			found := false
			for _, k := range keys {
				found = found || k == w
			}
			if !found {
				t.Errorf("expired_acceptance findings = %+v, want one %+v", keys, w)
			}
		}
		for _, f := range expired {
			r := f.Responsible
			if f.Status != controls.Fail || f.Severity != controls.Medium || r.Role != controls.MSP || r.DecidedBy.Via != ViaSuppression || r.DecidedBy.File != testFile || r.DecidedBy.Column != 3 {
				t.Errorf("expired_acceptance finding = %+v (responsible %+v), want a failing medium one owned by the msp via the suppression", f, r)
			}
			if f.Suppressed != nil {
				t.Errorf("expired_acceptance finding %s is suppressed", f.ID)
			}
		}
		f := findingOn(got, OwnershipExpiredAcceptance, "111111111111", "sg-1")
		for _, part := range []string{controls.AllPortsOpenToInternet.ID, "sg-1", "claranet", "2026-10-31", "reason at line 35", "2026-11-01", testFile + ":35:3"} {
			if !strings.Contains(f.Message, part) {
				t.Errorf("message %q does not name %q", f.Message, part)
			}
		}
		if f.Domain != inventory.Firewall || f.Evidence["control"] != controls.AllPortsOpenToInternet.ID || f.Evidence["severity"] != controls.AllPortsOpenToInternet.Severity {
			t.Errorf("expired_acceptance finding domain %s evidence %v, want firewall and the control's id and severity", f.Domain, f.Evidence)
		}
		if a, b := findingOn(got, OwnershipExpiredAcceptance, "111111111111", "sg-1"), findingOn(got, OwnershipExpiredAcceptance, "222222222222", "sg-1"); a.ID == b.ID {
			t.Errorf("two expired acceptances share the id %s", a.ID)
		}
		for _, target := range []string{"111111111111", "222222222222"} {
			if f := findingOn(got, controls.AllPortsOpenToInternet.ID, target, "sg-1"); f == nil || f.Status != controls.Fail || f.Suppressed != nil {
				t.Errorf("all ports finding in %s = %+v, want failing and not suppressed", target, f)
			}
		}
	})
	t.Run("statuses kept", func(t *testing.T) {
		var rest []Finding
		for _, f := range got {
			if f.Control == OwnershipExpiredAcceptance {
				continue
			}
			f.Suppressed = nil
			rest = append(rest, f)
		}
		if !reflect.DeepEqual(rest, plain) {
			t.Errorf("findings without the suppression marks differ from an evaluation without suppressions")
		}
	})
	t.Run("passes are not marked", func(t *testing.T) {
		d := evalDeclaration()
		for _, f := range plain {
			if f.Status != controls.Fail {
				d.Suppressions = append(d.Suppressions, suppression(70, f.Control, f.Resource.ID, "acme", "2030-01-01"))
			}
		}
		if len(d.Suppressions) == 0 {
			t.Fatal("evalInventory has no finding that does not fail")
		}
		for _, f := range Evaluate(evalInventory(), d) {
			if f.Suppressed != nil {
				t.Errorf("finding %s %s (%s) is suppressed, want only failing findings marked", f.Control, f.Resource.ID, f.Status)
			}
		}
	})
	t.Run("judged on the collection day", func(t *testing.T) {
		inv := evalInventory()
		inv.CollectedAt = time.Date(2026, 11, 2, 0, 30, 0, 0, time.FixedZone("CET", 3600)) // 2026-11-01 23:30 UTC
		if f := findingOn(Evaluate(inv, d), controls.RootMFADisabled.ID, "111111111111", "arn:aws:iam::111111111111:root"); f.Suppressed == nil {
			t.Errorf("root MFA finding collected on 2026-11-01 UTC is not suppressed")
		}
		inv.CollectedAt = time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
		later := Evaluate(inv, d)
		if f := findingOn(later, controls.RootMFADisabled.ID, "111111111111", "arn:aws:iam::111111111111:root"); f.Suppressed != nil {
			t.Errorf("root MFA finding collected on 2026-11-02 is suppressed by an acceptance ending 2026-11-01")
		}
		f := findingOn(later, OwnershipExpiredAcceptance, "111111111111", "arn:aws:iam::111111111111:root")
		if f == nil || f.Responsible.Party != "acme" || f.Responsible.Role != controls.Customer || f.Domain != inventory.IAM {
			t.Errorf("expired root MFA acceptance = %+v, want an iam finding owned by the customer acme", f)
		}
	})
}
