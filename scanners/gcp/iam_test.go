package gcp

import (
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
)

// TestIAMReadsBindingsKeysAndBuckets checks the project's bindings,
// service accounts with their keys' ages and last use, and the buckets'
// bindings, through the controls.
func TestIAMReadsBindingsKeysAndBuckets(t *testing.T) {
	srv, o := startSim(t, fullWorld(t))
	inv := scan(t, o, listed("acme-web"), inventory.IAM)
	noErrors(t, inv)
	noWrites(t, srv)
	sas := byType(inv, inventory.GCPServiceAccount)
	if len(sas) != 3 {
		t.Fatalf("service accounts = %d, want 3 over two pages", len(sas))
	}
	keys, _ := sas["projects/acme-web/serviceAccounts/deployer@acme-web.iam.gserviceaccount.com"].Identity.Keys.Get()
	if len(keys) != 2 {
		t.Fatalf("deployer keys = %+v, want the user-managed and the system-managed one", keys)
	}
	k1, k2 := keys[0], keys[1]
	created, _ := k1.Created.Get()
	used, _ := k1.LastUsed.Get()
	if um, _ := k1.UserManaged.Get(); !um || !created.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) || !used.Equal(time.Date(2026, 10, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("k1 = %+v, want user-managed, created 2026-01-01, last used 2026-10-30", k1)
	}
	if um, _ := k2.UserManaged.Get(); um {
		t.Errorf("k2 = %+v, want Google-managed", k2)
	}
	never, _ := sas["projects/acme-web/serviceAccounts/old@acme-web.iam.gserviceaccount.com"].Identity.Keys.Get()
	if u, ok := never[0].LastUsed.Get(); !ok || !u.IsZero() {
		t.Errorf("k3 last used = %v (known %v), want known never", u, ok)
	}
	got := findings(t, inv, "iam.")
	for key, want := range map[string]controls.Status{
		"iam.admin_privileges projects/acme-web": controls.Fail,
		"iam.too_many_owners projects/acme-web":  controls.Fail,
		"iam.public_principal projects/acme-web": controls.Fail,
		"iam.public_principal acme-web-assets":   controls.Fail,
		"iam.public_principal acme-web-logs":     controls.Pass,
		"iam.access_key_rotation projects/acme-web/serviceAccounts/deployer@acme-web.iam.gserviceaccount.com":           controls.Fail,
		"iam.access_key_rotation projects/acme-web/serviceAccounts/idle@acme-web.iam.gserviceaccount.com":               controls.Pass,
		"iam.unused_credentials projects/acme-web/serviceAccounts/deployer@acme-web.iam.gserviceaccount.com":            controls.Pass,
		"iam.unused_credentials projects/acme-web/serviceAccounts/old@acme-web.iam.gserviceaccount.com":                 controls.Fail,
		"iam.user_managed_service_account_keys projects/acme-web/serviceAccounts/old@acme-web.iam.gserviceaccount.com":  controls.Fail,
		"iam.user_managed_service_account_keys projects/acme-web/serviceAccounts/idle@acme-web.iam.gserviceaccount.com": controls.Pass,
	} {
		if got[key] != want {
			t.Errorf("%s = %q, want %s", key, got[key], want)
		}
	}
	if n := srv.Counts()["storage.buckets.getIamPolicy"]; n != 3 {
		t.Errorf("bucket policy requests = %d, want one per bucket (3)", n)
	}
}

// TestKeyActivityDeniedLeavesLastUseUnknown checks that without Policy
// Analyzer the keys' last use is unknown, an error entry names the
// permission, and unused_credentials says error rather than pass.
func TestKeyActivityDeniedLeavesLastUseUnknown(t *testing.T) {
	_, o := startSim(t, fullWorld(t)+`
faults:
  accessDenied: [{account: acme-web, action: "policyanalyzer.*"}]
`)
	inv := scan(t, o, listed("acme-web"), inventory.IAM)
	if len(inv.Errors) != 1 || inv.Errors[0].Permission != "policyanalyzer.serviceAccountKeyLastAuthenticationActivities.query" {
		t.Fatalf("errors = %+v, want one naming the Policy Analyzer permission", inv.Errors)
	}
	const deployer = "iam.unused_credentials projects/acme-web/serviceAccounts/deployer@acme-web.iam.gserviceaccount.com"
	if s := findings(t, inv, "iam.")[deployer]; s != controls.Error {
		t.Errorf("%s = %s, want error", deployer, s)
	}
}
