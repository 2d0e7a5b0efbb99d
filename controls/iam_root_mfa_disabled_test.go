package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(RootMFADisabled, func(t *testing.T) []checkCase {
	root := func(mfa inventory.Bool) inventory.Resource {
		return inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSRoot, ID: "arn:aws:iam::111111111111:root",
			Identity: &inventory.Identity{Kind: inventory.IdentityRoot, MFAEnabled: mfa}}
	}
	// bare is root as the credential report and the account summary show
	// it together: password, keys and signing certificates known.
	bare := func(mfa, password, certs inventory.Bool, keys ...inventory.AccessKey) inventory.Resource {
		r := credReportRoot(password, mfa, keys...)
		r.Identity.SigningCertificates = certs
		return r
	}
	no, yes := inventory.False, inventory.True
	return []checkCase{
		{name: "mfa on", res: root(inventory.True), want: Pass},
		{name: "mfa off, credentials unknown", res: root(inventory.False), want: Error},
		{name: "mfa unknown", res: root(inventory.Bool{}), want: Error},
		{name: "credential report root, password unknown, mfa on", res: credReportRoot(inventory.Bool{}, inventory.True), want: Pass},
		{name: "credential report root only: password unknown, mfa off", res: credReportRoot(inventory.Bool{}, inventory.False), want: Error},
		{name: "credential report root, mfa off, keys inactive and never used", res: credReportRoot(inventory.True, inventory.False,
			iamKey("access_key_1", inventory.False, inventory.Time{}, iamNever), iamKey("access_key_2", inventory.False, inventory.Time{}, iamNever)), want: Fail},
		{name: "credential report root, mfa on, active key never used", res: credReportRoot(inventory.True, inventory.True,
			iamKey("access_key_1", inventory.True, iamDaysAgo(10), iamNever)), want: Pass},
		{name: "mfa off, password present", res: bare(no, yes, no), want: Fail},
		{name: "mfa off, no password, an access key", res: bare(no, no, no, iamKey("access_key_1", inventory.True, iamDaysAgo(10), iamNever)), want: Fail},
		{name: "mfa off, no password, a signing certificate", res: bare(no, no, yes), want: Fail},
		{name: "mfa off, no credentials at all", res: bare(no, no, no), want: Pass},
		{name: "mfa unknown, no credentials at all", res: bare(inventory.Bool{}, no, no), want: Pass},
		{name: "mfa off, no password, certificates unknown", res: bare(no, no, inventory.Bool{}), want: Error},
		{name: "mfa off, no password, keys unknown", res: func() inventory.Resource {
			r := bare(no, no, no)
			r.Identity.Keys = inventory.Opt[[]inventory.AccessKey]{}
			return r
		}(), want: Error},
		{name: "identity missing", res: inventory.Resource{Type: inventory.AWSRoot}, want: Error},
	}
})

func TestRootMFAMessages(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	r := credReportRoot(inventory.False, inventory.False)
	r.Identity.SigningCertificates = inventory.False
	r.Identity.CentrallyManaged = inventory.True
	got := RootMFADisabled.Check(env, r)
	want := "the root user has no password, access keys or signing certificates, so nobody can sign in as root or use its credentials, and MFA has nothing to protect; the organization manages the account's root credentials centrally"
	if got.Status != Pass || got.Message != want {
		t.Errorf("Check(no credentials) = %q %q, want %q %q", got.Status, got.Message, Pass, want)
	}

	r = credReportRoot(inventory.True, inventory.False)
	r.Identity.SigningCertificates = inventory.False
	r.Identity.SourceConflicts = []string{"the credential report says mfa_active=true but the live account summary says AccountMFAEnabled=0; the summary is used"}
	got = RootMFADisabled.Check(env, r)
	want = "root user has no MFA device, and has a password (the credential report says mfa_active=true but the live account summary says AccountMFAEnabled=0; the summary is used)"
	if got.Status != Fail || got.Message != want {
		t.Errorf("Check(sources disagree) = %q %q, want %q %q", got.Status, got.Message, Fail, want)
	}

	got = RootMFADisabled.Check(env, credReportRoot(inventory.Bool{}, inventory.False))
	want = "root user has no MFA device, and whether it has a password or signing certificates could not be read, so whether anyone can sign in as root without MFA is unknown"
	if got.Status != Error || got.Message != want {
		t.Errorf("Check(unread) = %q %q, want %q %q", got.Status, got.Message, Error, want)
	}
}
