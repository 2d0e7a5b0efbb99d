package gcp

import (
	"testing"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// TestEncryptionReadsEveryKind scans the organization (so the key rings
// come from one Cloud Asset search over it) and checks disks, SSL
// policies, Cloud SQL, buckets and KMS keys through their controls.
func TestEncryptionReadsEveryKind(t *testing.T) {
	srv, o := startSim(t, fullWorld(t))
	inv := scan(t, o, []scanners.Target{{Group: "organizations/123456789012"}}, inventory.Encryption)
	noErrors(t, inv)
	noWrites(t, srv)
	disks := byType(inv, inventory.GCPDisk)
	shared := disks["projects/acme-web/regions/europe-west3/disks/shared"].Volume
	if m, _ := shared.KeyManager.Get(); m != inventory.KeyCustomer || shared.KeyID == "" {
		t.Errorf("regional disk with a KMS key = %+v, want customer-managed with its key", shared)
	}
	if m, _ := disks["projects/acme-web/zones/europe-west3-a/disks/web-1"].Volume.KeyManager.Get(); m != inventory.KeyProvider {
		t.Errorf("disk without a key = %s, want provider-managed", m)
	}
	got := findings(t, inv, "encryption.", "{requireCustomerManagedKeys: true}")
	for key, want := range map[string]controls.Status{
		"encryption.outdated_tls projects/acme-web/regions/europe-west3/sslPolicies/legacy":                         controls.Fail,
		"encryption.outdated_tls projects/acme-web/global/sslPolicies/modern":                                       controls.Pass,
		"encryption.insecure_transport_allowed projects/acme-data/instances/warehouse":                              controls.Fail,
		"encryption.insecure_transport_allowed projects/acme-data/instances/billing":                                controls.Pass,
		"encryption.insecure_transport_allowed projects/acme-data/instances/legacy":                                 controls.Pass,
		"encryption.provider_managed_key projects/acme-data/instances/warehouse":                                    controls.Fail,
		"encryption.provider_managed_key projects/acme-data/instances/billing":                                      controls.Pass,
		"encryption.provider_managed_key acme-web-logs":                                                             controls.Pass,
		"encryption.provider_managed_key acme-web-assets":                                                           controls.Fail,
		"encryption.provider_managed_key projects/acme-web/zones/europe-west3-a/disks/web-1":                        controls.Fail,
		"encryption.key_rotation_disabled projects/acme-web/locations/europe-west3/keyRings/web/cryptoKeys/exports": controls.Fail,
		"encryption.key_rotation_disabled projects/acme-web/locations/europe-west3/keyRings/web/cryptoKeys/disks":   controls.Pass,
	} {
		if got[key] != want {
			t.Errorf("%s = %q, want %s", key, got[key], want)
		}
	}
	// Asymmetric keys do not rotate automatically: not applicable.
	if s := got["encryption.key_rotation_disabled projects/acme-web/locations/europe-west3/keyRings/web/cryptoKeys/signing"]; s != "" {
		t.Errorf("asymmetric key: %s, want no finding", s)
	}
	counts := srv.Counts()
	if counts["cloudasset.searchAllResources"] != 1 {
		t.Errorf("asset searches = %d, want 1 for the whole organization", counts["cloudasset.searchAllResources"])
	}
	if counts["sqladmin.instances.list"] != 3 {
		t.Errorf("Cloud SQL requests = %d, want 3 (2 pages in acme-data, 1 in acme-web)", counts["sqladmin.instances.list"])
	}
}

// TestKeyRotationPeriodAgainstTheMaximum checks the rotation rows: no
// rotation fails, a period at or under keyRotationMaxDays passes, a
// period a second over it fails.
func TestKeyRotationPeriodAgainstTheMaximum(t *testing.T) {
	_, o := startSim(t, fullWorld(t))
	inv := scan(t, o, listed("acme-data"), inventory.Encryption)
	noErrors(t, inv)
	const ring = "encryption.key_rotation_disabled projects/acme-data/locations/europe-west3/keyRings/data/cryptoKeys/"
	for _, tc := range []struct {
		settings, key string
		want          controls.Status
	}{
		{"{keyRotationMaxDays: 365}", "sql", controls.Pass},     // 31536000s: exactly 365 days
		{"{keyRotationMaxDays: 365}", "archive", controls.Fail}, // a second more
		{"{keyRotationMaxDays: 366}", "archive", controls.Pass},
		{"{keyRotationMaxDays: 90}", "sql", controls.Fail},
	} {
		if s := findings(t, inv, "encryption.key_rotation", tc.settings)[ring+tc.key]; s != tc.want {
			t.Errorf("%s under %s: %s, want %s", tc.key, tc.settings, s, tc.want)
		}
	}
	days, _ := byType(inv, inventory.GCPCryptoKey)["projects/acme-data/locations/europe-west3/keyRings/data/cryptoKeys/sql"].Key.RotationPeriodDays.Get()
	if days != 365 {
		t.Errorf("rotation period = %d days, want 365", days)
	}
}
