package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(UserManagedServiceAccountKeys, func(t *testing.T) []checkCase {
	sa := inventory.GCPServiceAccount
	disabled := gcpKey("3f9c", inventory.True, iamDaysAgo(5))
	disabled.Active = inventory.False
	cases := []checkCase{
		{name: "google-managed keys only", res: iamKeys(sa, gcpKey("a1", inventory.False, iamDaysAgo(5)), gcpKey("a2", inventory.False, iamDaysAgo(50))), want: Pass},
		{name: "no keys", res: iamKeys(sa), want: Pass},
		{name: "one user-managed key", res: iamKeys(sa, gcpKey("a1", inventory.False, iamDaysAgo(5)), gcpKey("3f9c", inventory.True, iamDaysAgo(5))), want: Fail},
		{name: "disabled user-managed key", res: iamKeys(sa, disabled), want: Fail},
		{name: "user-managed beside unread", res: iamKeys(sa, gcpKey("a1", inventory.Bool{}, iamDaysAgo(5)), gcpKey("3f9c", inventory.True, iamDaysAgo(5))), want: Fail},
		{name: "key management unknown", res: iamKeys(sa, gcpKey("a1", inventory.Bool{}, iamDaysAgo(5))), want: Error},
		{name: "key list unknown", res: iamIdentity(sa, inventory.Identity{Kind: inventory.IdentityServiceAccount}), want: Error},
		{name: "identity facet missing", res: inventory.Resource{Type: sa, ID: "sa"}, want: Error},
	}

	env := Env{Settings: DefaultSettings, Now: testNow}
	got := UserManagedServiceAccountKeys.Check(env, iamKeys(sa, gcpKey("3f9c", inventory.True, iamDaysAgo(5)), gcpKey("77ab", inventory.True, iamDaysAgo(9))))
	if want := "the service account has 2 user-managed keys: 3f9c, 77ab"; got.Message != want {
		t.Errorf("Check(two keys).Message = %q, want %q", got.Message, want)
	}
	if ids, _ := got.Evidence["userManagedKeys"].([]string); len(ids) != 2 {
		t.Errorf("Check(two keys).Evidence[userManagedKeys] = %v, want both key ids", got.Evidence["userManagedKeys"])
	}
	return cases
})
