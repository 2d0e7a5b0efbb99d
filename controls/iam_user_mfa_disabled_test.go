package controls

import (
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(UserMFADisabled, func(t *testing.T) []checkCase {
	user := func(password, mfa inventory.Bool) inventory.Resource {
		return iamIdentity(inventory.AWSUser, inventory.Identity{Kind: inventory.IdentityUser, PasswordEnabled: password, MFAEnabled: mfa, Keys: inventory.Known([]inventory.AccessKey{})})
	}
	on, off, unread := inventory.True, inventory.False, inventory.Bool{}
	cases := []checkCase{
		{name: "password and mfa", res: user(on, on), want: Pass},
		{name: "password without mfa", res: user(on, off), want: Fail},
		{name: "no password, no mfa", res: user(off, off), want: Pass},
		{name: "no password, mfa unknown", res: user(off, unread), want: Pass},
		{name: "password, mfa unknown", res: user(on, unread), want: Error},
		{name: "password state unknown", res: user(unread, off), want: Error},
		{name: "identity facet missing", res: inventory.Resource{Type: inventory.AWSUser, ID: "u"}, want: Error},
	}

	env := Env{Settings: DefaultSettings, Now: testNow}
	got := UserMFADisabled.Check(env, user(off, off))
	if !strings.Contains(got.Message, "no console password") || got.Evidence["passwordEnabled"] != false {
		t.Errorf("Check(no password) = %q %v, want the missing password named", got.Message, got.Evidence)
	}
	got = UserMFADisabled.Check(env, user(on, off))
	if got.Message != "the user has a console password and no MFA device" || got.Evidence["mfaEnabled"] != false {
		t.Errorf("Check(no mfa) = %q %v, want the missing MFA device named", got.Message, got.Evidence)
	}
	return cases
})
