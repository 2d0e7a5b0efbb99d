package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(WeakPasswordPolicy, func(t *testing.T) []checkCase {
	n := inventory.Known[int]
	policy := func(p *inventory.PasswordPolicy) inventory.Resource {
		return inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSPasswordPolicy,
			ID: "arn:aws:iam::111111111111:account-password-policy", PasswordPolicy: p}
	}
	set := func(minLen, reuse inventory.Int) inventory.Resource {
		return policy(&inventory.PasswordPolicy{Exists: inventory.True, MinLength: minLen, ReusePrevention: reuse})
	}
	cases := []checkCase{
		{name: "14 and 24", res: set(n(14), n(24)), want: Pass},
		{name: "20 and 24", res: set(n(20), n(24)), want: Pass},
		{name: "no policy", res: policy(&inventory.PasswordPolicy{Exists: inventory.False}), want: Fail},
		{name: "length 13", res: set(n(13), n(24)), want: Fail},
		{name: "reuse 23", res: set(n(14), n(23)), want: Fail},
		{name: "reuse not set", res: set(n(14), n(0)), want: Fail},
		{name: "both weak", res: set(n(8), n(5)), want: Fail},
		{name: "weak length beside unread reuse", res: set(n(8), inventory.Int{}), want: Fail},
		{name: "reuse unknown", res: set(n(14), inventory.Int{}), want: Error},
		{name: "existence unknown", res: policy(&inventory.PasswordPolicy{}), want: Error},
		{name: "facet missing", res: policy(nil), want: Error},
	}

	env := Env{Settings: DefaultSettings, Now: testNow}
	got := WeakPasswordPolicy.Check(env, set(n(8), n(5)))
	if want := "the password policy is weak: minimum length 8 is below 14; reuse prevention remembers 5 passwords, fewer than 24"; got.Message != want {
		t.Errorf("Check(8, 5).Message = %q, want %q", got.Message, want)
	}
	if got.Evidence["minLength"] != 8 || got.Evidence["reusePrevention"] != 5 {
		t.Errorf("Check(8, 5).Evidence = %v, want minLength 8 and reusePrevention 5", got.Evidence)
	}
	got = WeakPasswordPolicy.Check(env, policy(&inventory.PasswordPolicy{Exists: inventory.False}))
	if got.Evidence["exists"] != false {
		t.Errorf("Check(no policy).Evidence = %v, want exists false", got.Evidence)
	}
	return cases
})
