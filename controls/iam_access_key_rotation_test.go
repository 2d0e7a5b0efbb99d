package controls

import (
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// iamDaysAgo is a known time d days (and extra) before testNow.
func iamDaysAgo(d int, extra ...time.Duration) inventory.Time {
	t := testNow.Add(-time.Duration(d) * 24 * time.Hour)
	for _, e := range extra {
		t = t.Add(-e)
	}
	return inventory.Known(t)
}

// iamKey is an access key created and last used at the given times.
func iamKey(id string, active inventory.Bool, created, lastUsed inventory.Time) inventory.AccessKey {
	return inventory.AccessKey{ID: id, Active: active, Created: created, LastUsed: lastUsed}
}

// iamIdentity is a resource of typ holding identity.
func iamIdentity(typ string, id inventory.Identity) inventory.Resource {
	ids := map[string]string{
		inventory.AWSRoot:             "arn:aws:iam::111111111111:root",
		inventory.AWSUser:             "arn:aws:iam::111111111111:user/alice",
		inventory.AzureStorageAccount: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acmedata",
		inventory.GCPServiceAccount:   "projects/acme-prod/serviceAccounts/etl@acme-prod.iam.gserviceaccount.com",
	}
	return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t", Type: typ, ID: ids[typ], Identity: &id}
}

// iamKeys is an identity of typ with the given keys.
func iamKeys(typ string, keys ...inventory.AccessKey) inventory.Resource {
	kind := map[string]string{inventory.AWSRoot: inventory.IdentityRoot, inventory.AWSUser: inventory.IdentityUser,
		inventory.AzureStorageAccount: inventory.IdentityStorageAccount, inventory.GCPServiceAccount: inventory.IdentityServiceAccount}[typ]
	if keys == nil {
		keys = []inventory.AccessKey{}
	}
	return iamIdentity(typ, inventory.Identity{Kind: kind, Keys: inventory.Known(keys)})
}

// gcpKey is a service account key, user-managed or not.
func gcpKey(id string, userManaged inventory.Bool, created inventory.Time) inventory.AccessKey {
	return inventory.AccessKey{ID: id, Active: inventory.True, UserManaged: userManaged, Created: created, LastUsed: iamDaysAgo(1)}
}

var _ = table(AccessKeyRotation, func(t *testing.T) []checkCase {
	on, off := inventory.True, inventory.False
	user, sa, acct := inventory.AWSUser, inventory.GCPServiceAccount, inventory.AzureStorageAccount
	recent := iamDaysAgo(1)
	return []checkCase{
		{name: "aws key 30 days old", res: iamKeys(user, iamKey("AKIA1", on, iamDaysAgo(30), recent)), want: Pass},
		{name: "aws key exactly 90 days old", res: iamKeys(user, iamKey("AKIA1", on, iamDaysAgo(90), recent)), want: Pass},
		{name: "aws key 90 days and a second old", res: iamKeys(user, iamKey("AKIA1", on, iamDaysAgo(90, time.Second), recent)), want: Fail},
		{name: "aws key 400 days old", res: iamKeys(user, iamKey("AKIA1", on, iamDaysAgo(400), recent)), want: Fail},
		{name: "old key inactive", res: iamKeys(user, iamKey("AKIA1", off, iamDaysAgo(400), recent)), want: Pass},
		{name: "old inactive and new active", res: iamKeys(user, iamKey("AKIA1", off, iamDaysAgo(400), recent), iamKey("AKIA2", on, iamDaysAgo(3), recent)), want: Pass},
		{name: "one fresh one old", res: iamKeys(user, iamKey("AKIA1", on, iamDaysAgo(3), recent), iamKey("AKIA2", on, iamDaysAgo(120), recent)), want: Fail},
		{name: "no keys", res: iamKeys(user), want: Pass},
		{name: "200 days within a 365-day setting", res: iamKeys(user, iamKey("AKIA1", on, iamDaysAgo(200), recent)), settings: Settings{AccessKeyMaxAgeDays: 365}, want: Pass},
		{name: "40 days over a 30-day setting", res: iamKeys(user, iamKey("AKIA1", on, iamDaysAgo(40), recent)), settings: Settings{AccessKeyMaxAgeDays: 30}, want: Fail},
		{name: "key list unknown", res: iamIdentity(user, inventory.Identity{Kind: inventory.IdentityUser}), want: Error},
		{name: "active key created unknown", res: iamKeys(user, iamKey("AKIA1", on, inventory.Time{}, recent)), want: Error},
		{name: "inactive key created unknown", res: iamKeys(user, iamKey("AKIA1", off, inventory.Time{}, recent)), want: Pass},
		{name: "key state unknown", res: iamKeys(user, iamKey("AKIA1", inventory.Bool{}, iamDaysAgo(3), recent)), want: Error},
		{name: "old key known, other unread", res: iamKeys(user, iamKey("AKIA1", on, iamDaysAgo(200), recent), iamKey("AKIA2", on, inventory.Time{}, recent)), want: Fail},
		{name: "identity facet missing", res: inventory.Resource{Type: user, ID: "u"}, want: Error},
		{name: "storage key1 renewed last month", res: iamKeys(acct, iamKey("key1", on, iamDaysAgo(30), inventory.Time{}), iamKey("key2", on, iamDaysAgo(31), inventory.Time{})), want: Pass},
		{name: "storage key2 never renewed", res: iamKeys(acct, iamKey("key1", on, iamDaysAgo(30), inventory.Time{}), iamKey("key2", on, iamDaysAgo(700), inventory.Time{})), want: Fail},
		// Accounts created before key creation times were recorded.
		{name: "storage key creation time unknown", res: iamKeys(acct, iamKey("key1", on, inventory.Time{}, inventory.Time{})), want: Error},
		{name: "gcp user-managed key 100 days old", res: iamKeys(sa, gcpKey("3f9c", on, iamDaysAgo(100))), want: Fail},
		{name: "gcp google-managed key 100 days old", res: iamKeys(sa, gcpKey("9a1b", off, iamDaysAgo(100))), want: Pass},
		{name: "gcp user-managed key 10 days old", res: iamKeys(sa, gcpKey("3f9c", on, iamDaysAgo(10))), want: Pass},
		{name: "gcp key management unknown", res: iamKeys(sa, gcpKey("3f9c", inventory.Bool{}, iamDaysAgo(10))), want: Error},
	}
})

func TestIAMAccessKeyRotationMessages(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	on := inventory.True
	got := AccessKeyRotation.Check(env, iamKeys(inventory.AWSUser, iamKey("AKIAOLD", on, iamDaysAgo(120), iamDaysAgo(1)), iamKey("AKIANEW", on, iamDaysAgo(5), iamDaysAgo(1))))
	if want := "active access key AKIAOLD is 120 days old (created 2026-07-04), more than the 90 days allowed"; got.Message != want {
		t.Errorf("Check(old key).Message = %q, want %q", got.Message, want)
	}
	old, _ := got.Evidence["oldKeys"].([]map[string]any)
	if len(old) != 1 || old[0]["id"] != "AKIAOLD" || old[0]["ageDays"] != 120 || old[0]["created"] != "2026-07-04T12:00:00Z" {
		t.Errorf("Check(old key).Evidence[oldKeys] = %v, want AKIAOLD at 120 days", got.Evidence["oldKeys"])
	}
	if got.Evidence["maxAgeDays"] != 90 {
		t.Errorf("Check(old key).Evidence[maxAgeDays] = %v, want 90", got.Evidence["maxAgeDays"])
	}

	got = AccessKeyRotation.Check(env, iamKeys(inventory.GCPServiceAccount, gcpKey("k1", on, iamDaysAgo(100)), gcpKey("k2", on, iamDaysAgo(95))))
	if want := "2 active user-managed keys are older than the 90 days allowed: k1 is 100 days old (created 2026-07-24); k2 is 95 days old (created 2026-07-29)"; got.Message != want {
		t.Errorf("Check(two old keys).Message = %q, want %q", got.Message, want)
	}

	got = AccessKeyRotation.Check(env, iamKeys(inventory.AzureStorageAccount, iamKey("key1", on, inventory.Time{}, inventory.Time{})))
	if want := "the state or creation time of storage account key key1 could not be read"; got.Message != want {
		t.Errorf("Check(unread key).Message = %q, want %q", got.Message, want)
	}

	// Ages are measured against the collection time, not the wall clock.
	then := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	res := iamKeys(inventory.AWSUser, iamKey("AKIA1", on, inventory.Known(then), inventory.Time{}))
	if got := AccessKeyRotation.Check(Env{Settings: DefaultSettings, Now: then.Add(10 * 24 * time.Hour)}, res); got.Status != Pass {
		t.Errorf("Check() ten days after creation = %q (%s), want %q", got.Status, got.Message, Pass)
	}
	if got := AccessKeyRotation.Check(Env{Settings: DefaultSettings}, res); got.Status != Error {
		t.Errorf("Check() without a scan time = %q, want %q", got.Status, Error)
	}
}
