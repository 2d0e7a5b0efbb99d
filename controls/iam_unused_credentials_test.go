package controls

import (
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// iamNever is the known zero time: a credential that was never used.
var iamNever = inventory.Known(time.Time{})

// awsUser is an IAM user with a console password (or none) and keys.
func awsUser(password inventory.Bool, lastUsed, lastChanged inventory.Time, keys ...inventory.AccessKey) inventory.Resource {
	if keys == nil {
		keys = []inventory.AccessKey{}
	}
	return iamIdentity(inventory.AWSUser, inventory.Identity{Kind: inventory.IdentityUser, PasswordEnabled: password,
		PasswordLastUsed: lastUsed, PasswordLastChanged: lastChanged, MFAEnabled: inventory.True, Keys: inventory.Known(keys)})
}

var _ = table(UnusedCredentials, func(t *testing.T) []checkCase {
	on, off := inventory.True, inventory.False
	none := inventory.Time{}
	key := func(created, lastUsed inventory.Time) inventory.AccessKey {
		return iamKey("AKIA1", on, created, lastUsed)
	}
	saKey := func(userManaged inventory.Bool, created, lastUsed inventory.Time) inventory.AccessKey {
		return inventory.AccessKey{ID: "3f9c", Active: on, UserManaged: userManaged, Created: created, LastUsed: lastUsed}
	}
	return []checkCase{
		{name: "password used yesterday", res: awsUser(on, iamDaysAgo(1), iamDaysAgo(300)), want: Pass},
		{name: "password used exactly 45 days ago", res: awsUser(on, iamDaysAgo(45), iamDaysAgo(300)), want: Pass},
		{name: "password unused 46 days", res: awsUser(on, iamDaysAgo(46), iamDaysAgo(300)), want: Fail},
		{name: "password set 10 days ago, never used", res: awsUser(on, iamNever, iamDaysAgo(10)), want: Pass},
		{name: "password set 60 days ago, never used", res: awsUser(on, iamNever, iamDaysAgo(60)), want: Fail},
		{name: "password never used, set 100 days ago, is unused", res: awsUser(on, iamNever, iamDaysAgo(100)), want: Fail},
		{name: "never-used password, set time unknown", res: awsUser(on, iamNever, none), want: Error},
		{name: "password last use unknown", res: awsUser(on, none, iamDaysAgo(60)), want: Error},
		{name: "no password, no keys", res: awsUser(off, none, none), want: Pass},
		{name: "password state unknown", res: awsUser(inventory.Bool{}, iamDaysAgo(1), none), want: Error},
		{name: "key used yesterday", res: awsUser(off, none, none, key(iamDaysAgo(400), iamDaysAgo(1))), want: Pass},
		{name: "key unused 100 days", res: awsUser(off, none, none, key(iamDaysAgo(400), iamDaysAgo(100))), want: Fail},
		{name: "key created 3 days ago, never used", res: awsUser(off, none, none, key(iamDaysAgo(3), iamNever)), want: Pass},
		{name: "key created 50 days ago, never used", res: awsUser(off, none, none, key(iamDaysAgo(50), iamNever)), want: Fail},
		{name: "key never used, created 100 days ago, is unused", res: awsUser(off, none, none, key(iamDaysAgo(100), iamNever)), want: Fail},
		{name: "key never used, created 10 days ago, is not yet unused", res: awsUser(off, none, none, key(iamDaysAgo(10), iamNever)), want: Pass},
		{name: "never-used key, created unknown", res: awsUser(off, none, none, key(none, iamNever)), want: Error},
		{name: "key last use unknown", res: awsUser(off, none, none, key(iamDaysAgo(3), none)), want: Error},
		{name: "inactive key unused for a year", res: awsUser(off, none, none, iamKey("AKIA1", off, iamDaysAgo(500), iamDaysAgo(365))), want: Pass},
		{name: "stale key beats an unread password", res: awsUser(inventory.Bool{}, none, none, key(iamDaysAgo(400), iamDaysAgo(100))), want: Fail},
		{name: "30 days unused over a 14-day setting", res: awsUser(on, iamDaysAgo(30), none), settings: Settings{UnusedCredentialsDays: 14}, want: Fail},
		{name: "key list unknown", res: iamIdentity(inventory.AWSUser, inventory.Identity{Kind: inventory.IdentityUser, PasswordEnabled: off}), want: Error},
		{name: "identity facet missing", res: inventory.Resource{Type: inventory.AWSUser, ID: "u"}, want: Error},
		// Service accounts: no password; only user-managed keys count.
		{name: "sa key used last week", res: iamKeys(inventory.GCPServiceAccount, saKey(on, iamDaysAgo(200), iamDaysAgo(7))), want: Pass},
		{name: "sa key unused 90 days", res: iamKeys(inventory.GCPServiceAccount, saKey(on, iamDaysAgo(200), iamDaysAgo(90))), want: Fail},
		{name: "sa google-managed key unused", res: iamKeys(inventory.GCPServiceAccount, saKey(off, iamDaysAgo(200), iamNever)), want: Pass},
		{name: "sa key management unknown", res: iamKeys(inventory.GCPServiceAccount, saKey(inventory.Bool{}, iamDaysAgo(200), iamDaysAgo(1))), want: Error},
	}
})

func TestIAMUnusedCredentialsMessages(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	res := awsUser(inventory.True, iamDaysAgo(80), iamDaysAgo(300),
		iamKey("AKIAUSED", inventory.True, iamDaysAgo(300), iamDaysAgo(2)),
		iamKey("AKIANEVER", inventory.True, iamDaysAgo(60), iamNever))
	got := UnusedCredentials.Check(env, res)
	want := "unused for more than 45 days: the console password was last used 80 days ago (2026-08-13); " +
		"access key AKIANEVER was created 60 days ago (2026-09-02) and never used"
	if got.Status != Fail || got.Message != want {
		t.Errorf("Check() = %q %q, want %q %q", got.Status, got.Message, Fail, want)
	}
	unused, _ := got.Evidence["unused"].([]map[string]any)
	if len(unused) != 2 || unused[0]["credential"] != "password" || unused[0]["daysUnused"] != 80 ||
		unused[1]["credential"] != "AKIANEVER" || unused[1]["lastUsed"] != nil || unused[1]["daysUnused"] != 60 {
		t.Errorf("Check().Evidence[unused] = %v, want the password at 80 days and AKIANEVER never used at 60", got.Evidence["unused"])
	}

	got = UnusedCredentials.Check(env, awsUser(inventory.True, iamDaysAgo(2), iamDaysAgo(300), iamKey("AKIA1", inventory.True, iamDaysAgo(300), iamDaysAgo(1))))
	if want := "both active credentials were used within the last 45 days"; got.Status != Pass || got.Message != want {
		t.Errorf("Check(all in use) = %q %q, want %q %q", got.Status, got.Message, Pass, want)
	}
	got = UnusedCredentials.Check(env, awsUser(inventory.False, inventory.Time{}, inventory.Time{}))
	if want := "no console password and no active access keys"; got.Message != want {
		t.Errorf("Check(no credentials).Message = %q, want %q", got.Message, want)
	}
	got = UnusedCredentials.Check(env, awsUser(inventory.True, iamNever, inventory.Time{}))
	if want := "could not read when the console password was created (it was never used)"; got.Message != want || got.Status != Error {
		t.Errorf("Check(never-used password) = %q %q, want %q %q", got.Status, got.Message, Error, want)
	}
	if got := UnusedCredentials.Check(Env{Settings: DefaultSettings}, awsUser(inventory.False, inventory.Time{}, inventory.Time{})); got.Status != Error {
		t.Errorf("Check() without a scan time = %q, want %q", got.Status, Error)
	}
}
