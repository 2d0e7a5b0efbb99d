package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// credReportRoot is the root identity as the scanner reads it from the
// credential report's <root_account> row: password_enabled is
// "not_supported" for root, so it may stay unknown; the two access key
// columns become keys whose last use is a known zero time when the report
// says "N/A".
func credReportRoot(password, mfa inventory.Bool, keys ...inventory.AccessKey) inventory.Resource {
	if keys == nil {
		keys = []inventory.AccessKey{}
	}
	r := iamIdentity(inventory.AWSRoot, inventory.Identity{Kind: inventory.IdentityRoot, PasswordEnabled: password, MFAEnabled: mfa, Keys: inventory.Known(keys)})
	r.Name = "<root_account>"
	return r
}

var _ = table(RootAccessKeys, func(t *testing.T) []checkCase {
	on, off := inventory.True, inventory.False
	root := func(keys ...inventory.AccessKey) inventory.Resource { return iamKeys(inventory.AWSRoot, keys...) }
	cases := []checkCase{
		{name: "no keys", res: root(), want: Pass},
		{name: "inactive key", res: root(iamKey("AKIAROOT1", off, iamDaysAgo(900), iamDaysAgo(800))), want: Pass},
		{name: "active key", res: root(iamKey("AKIAROOT1", on, iamDaysAgo(900), iamDaysAgo(1))), want: Fail},
		{name: "fresh active key never used", res: root(iamKey("AKIAROOT1", on, iamDaysAgo(0), iamNever)), want: Fail},
		{name: "one inactive one active", res: root(iamKey("AKIAROOT1", off, iamDaysAgo(900), iamNever), iamKey("AKIAROOT2", on, iamDaysAgo(10), iamNever)), want: Fail},
		{name: "active key beside an unread one", res: root(iamKey("AKIAROOT1", inventory.Bool{}, iamDaysAgo(900), iamNever), iamKey("AKIAROOT2", on, iamDaysAgo(10), iamNever)), want: Fail},
		{name: "key state unknown", res: root(iamKey("AKIAROOT1", inventory.Bool{}, iamDaysAgo(900), iamNever)), want: Error},
		{name: "credential report root, password unknown, both keys inactive and never used", res: credReportRoot(inventory.Bool{}, on,
			iamKey("access_key_1", off, inventory.Time{}, iamNever), iamKey("access_key_2", off, inventory.Time{}, iamNever)), want: Pass},
		{name: "credential report root, password enabled, key 1 active and never used", res: credReportRoot(on, on,
			iamKey("access_key_1", on, iamDaysAgo(100), iamNever), iamKey("access_key_2", off, inventory.Time{}, iamNever)), want: Fail},
		{name: "credential report root, key 2 active and used", res: credReportRoot(inventory.Bool{}, off,
			iamKey("access_key_1", off, inventory.Time{}, iamNever), iamKey("access_key_2", on, iamDaysAgo(400), iamDaysAgo(3))), want: Fail},
		{name: "credential report root, key created time known zero", res: credReportRoot(inventory.Bool{}, on,
			iamKey("access_key_1", on, iamNever, iamNever)), want: Fail},
		{name: "key list unknown", res: iamIdentity(inventory.AWSRoot, inventory.Identity{Kind: inventory.IdentityRoot, MFAEnabled: on}), want: Error},
		{name: "identity facet missing", res: inventory.Resource{Type: inventory.AWSRoot, ID: "r"}, want: Error},
	}

	env := Env{Settings: DefaultSettings, Now: testNow}
	got := RootAccessKeys.Check(env, root(iamKey("AKIAROOT1", on, iamDaysAgo(914), iamDaysAgo(1))))
	if want := "the root user has active access key AKIAROOT1 (created 2024-05-01, 914 days ago)"; got.Message != want {
		t.Errorf("Check(active key).Message = %q, want %q", got.Message, want)
	}
	if ids, _ := got.Evidence["activeKeys"].([]string); len(ids) != 1 || ids[0] != "AKIAROOT1" {
		t.Errorf("Check(active key).Evidence[activeKeys] = %v, want [AKIAROOT1]", got.Evidence["activeKeys"])
	}
	got = RootAccessKeys.Check(env, root(iamKey("AKIAROOT1", off, iamDaysAgo(914), iamNever)))
	if want := "the root user's access key AKIAROOT1 is inactive"; got.Message != want {
		t.Errorf("Check(inactive key).Message = %q, want %q", got.Message, want)
	}
	return cases
})
