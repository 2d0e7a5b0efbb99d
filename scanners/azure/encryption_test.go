package azure

import (
	"fmt"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/keyvault/armkeyvault"
	"github.com/Azure/azure-sdk-for-go/sdk/security/keyvault/azkeys"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

func resID(sub, typ, name string) string {
	return fmt.Sprintf("/subscriptions/%s/resourceGroups/rg/providers/%s/%s", sub, typ, name)
}

func storageRow(t *testing.T, sub, name, props string) map[string]any {
	t.Helper()
	return graphRow(t, sub, typeStorage, resID(sub, "Microsoft.Storage/storageAccounts", name), "westeurope", props)
}

func TestEncryptionReadsDisksStorageSQLAndKeys(t *testing.T) {
	f := &fakeAzure{pageSize: 2,
		tde:        map[string]string{"sql-a/db1": "Enabled", "sql-a/db2": "Disabled", "sql-b/db3": "Enabled"},
		protectors: map[string]string{"sql-a": "ServiceManaged", "sql-b": "AzureKeyVault"},
		keys: map[string][]*armkeyvault.Key{"kv": {
			{ID: to.Ptr(resID(subA, "Microsoft.KeyVault/vaults", "kv") + "/keys/rotating"), Name: to.Ptr("rotating"),
				Properties: &armkeyvault.KeyProperties{Kty: to.Ptr(armkeyvault.JSONWebKeyTypeRSA), Attributes: &armkeyvault.KeyAttributes{Enabled: to.Ptr(true)}}},
			{Name: to.Ptr("expiring"), Properties: &armkeyvault.KeyProperties{Kty: to.Ptr(armkeyvault.JSONWebKeyTypeEC)}},
			{Name: to.Ptr("static")},
			{Name: to.Ptr("refused")},
		}},
		policies: map[string]*azkeys.KeyRotationPolicy{
			"rotating": {LifetimeActions: []*azkeys.LifetimeAction{
				{Action: &azkeys.LifetimeActionType{Type: to.Ptr(azkeys.KeyRotationPolicyActionRotate)}, Trigger: &azkeys.LifetimeActionTrigger{TimeAfterCreate: to.Ptr("P90D")}}}},
			"expiring": {Attributes: &azkeys.KeyRotationPolicyAttributes{ExpiryTime: to.Ptr("P1Y")}, LifetimeActions: []*azkeys.LifetimeAction{
				{Action: &azkeys.LifetimeActionType{Type: to.Ptr(azkeys.KeyRotationPolicyAction("rotate"))}, Trigger: &azkeys.LifetimeActionTrigger{TimeBeforeExpiry: to.Ptr("P30D")}}}},
			"static": {LifetimeActions: []*azkeys.LifetimeAction{
				{Action: &azkeys.LifetimeActionType{Type: to.Ptr(azkeys.KeyRotationPolicyActionNotify)}, Trigger: &azkeys.LifetimeActionTrigger{TimeBeforeExpiry: to.Ptr("P30D")}}}},
			"refused": nil,
		},
	}
	f.rows = []map[string]any{
		graphRow(t, subA, typeDisk, resID(subA, "Microsoft.Compute/disks", "os"), "westeurope",
			`{"managedBy":"/subscriptions/x/vm-1","properties":{"encryption":{"type":"EncryptionAtRestWithPlatformKey"}}}`),
		graphRow(t, subA, typeDisk, resID(subA, "Microsoft.Compute/disks", "cmk"), "westeurope",
			`{"properties":{"encryption":{"type":"EncryptionAtRestWithCustomerKey","diskEncryptionSetId":"des-1"}}}`),
		graphRow(t, subA, typeDisk, resID(subA, "Microsoft.Compute/disks", "unknown"), "westeurope", `{"properties":{}}`),
		storageRow(t, subA, "tls10", `{"properties":{"supportsHttpsTrafficOnly":false,"minimumTlsVersion":"TLS1_0","allowBlobPublicAccess":true,
			"encryption":{"keySource":"Microsoft.Storage"},"keyCreationTime":{"key1":"2026-01-01T00:00:00Z","key2":"2026-10-01T00:00:00Z"}}}`),
		storageRow(t, subA, "tls11", `{"properties":{"supportsHttpsTrafficOnly":true,"minimumTlsVersion":"TLS1_1","allowBlobPublicAccess":false}}`),
		storageRow(t, subA, "notls", `{"properties":{"supportsHttpsTrafficOnly":true,"allowBlobPublicAccess":false}}`),
		storageRow(t, subA, "tls12", `{"properties":{"supportsHttpsTrafficOnly":true,"minimumTlsVersion":"TLS1_2","allowBlobPublicAccess":false,
			"allowSharedKeyAccess":false,"encryption":{"keySource":"Microsoft.Keyvault"},"keyCreationTime":{"key1":"2020-01-01T00:00:00Z","key2":"2020-01-01T00:00:00Z"}}}`),
		storageRow(t, subA, "unreadable", ``),
		graphRow(t, subA, typeSQL, resID(subA, "Microsoft.Sql/servers", "sql-a"), "westeurope", `{"properties":{"minimalTlsVersion":"1.0"}}`),
		graphRow(t, subA, typeDatabase, resID(subA, "Microsoft.Sql/servers", "sql-a")+"/databases/master", "westeurope", `{}`),
		graphRow(t, subA, typeDatabase, resID(subA, "Microsoft.Sql/servers", "sql-a")+"/databases/db1", "westeurope", `{}`),
		graphRow(t, subA, typeDatabase, resID(subA, "Microsoft.Sql/servers", "sql-a")+"/databases/db2", "westeurope", `{}`),
		graphRow(t, subA, typeSQL, resID(subA, "Microsoft.Sql/servers", "sql-b"), "westeurope", `{"properties":{"minimalTlsVersion":"1.2"}}`),
		graphRow(t, subA, typeDatabase, resID(subA, "Microsoft.Sql/servers", "sql-b")+"/databases/db3", "westeurope", `{}`),
		graphRow(t, subA, typeVault, resID(subA, "Microsoft.KeyVault/vaults", "kv"), "westeurope", `{"properties":{"vaultUri":"https://kv.vault.azure.net/"}}`),
		// Out of the target's regions: not read.
		graphRow(t, subA, typeDisk, resID(subA, "Microsoft.Compute/disks", "elsewhere"), "japaneast", `{"properties":{}}`),
	}
	inv, counts := f.scan(t, inventory.Encryption, scanners.Target{ID: subA, Regions: []string{"westeurope"}}, 10)
	res := byID(inv)
	if _, ok := res[resID(subA, "Microsoft.Compute/disks", "elsewhere")]; ok {
		t.Error("a disk outside the target's regions was read")
	}
	if len(inv.Errors) != 1 || inv.Errors[0].Operation != opKeyPolicy || inv.Errors[0].Permission != opKeyPolicy {
		t.Fatalf("errors = %+v, want one for the refused rotation policy, naming the data action", inv.Errors)
	}
	env := controls.Env{Now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Settings: controls.Settings{RequireCustomerManagedKeys: true}}
	check := func(id string, c *controls.Control, want controls.Status) {
		t.Helper()
		r, ok := res[id]
		if !ok {
			t.Errorf("%s not read", id)
			return
		}
		if got := c.Check(env, r); got.Status != want {
			t.Errorf("%s on %s = %s (%s), want %s", c.ID, id, got.Status, got.Message, want)
		}
	}
	disk := func(n string) string { return resID(subA, "Microsoft.Compute/disks", n) }
	check(disk("os"), controls.VolumeUnencrypted, controls.Pass)
	check(disk("os"), controls.ProviderManagedKey, controls.Fail)
	check(disk("cmk"), controls.ProviderManagedKey, controls.Pass)
	check(disk("unknown"), controls.VolumeUnencrypted, controls.Error)
	if v := res[disk("os")].Volume; len(v.AttachedTo) != 1 {
		t.Errorf("os disk attached to %v, want its VM", v.AttachedTo)
	}
	acct := func(n string) string { return resID(subA, "Microsoft.Storage/storageAccounts", n) }
	check(acct("tls10"), controls.OutdatedTLS, controls.Fail)
	check(acct("tls11"), controls.OutdatedTLS, controls.Fail)
	check(acct("notls"), controls.OutdatedTLS, controls.Fail) // Azure documents TLS 1.0 for an absent value
	check(acct("tls12"), controls.OutdatedTLS, controls.Pass)
	check(acct("tls10"), controls.InsecureTransportAllowed, controls.Fail)
	check(acct("tls12"), controls.InsecureTransportAllowed, controls.Pass)
	check(acct("tls10"), controls.PublicPrincipal, controls.Fail)
	check(acct("tls12"), controls.PublicPrincipal, controls.Pass)
	check(acct("tls10"), controls.ProviderManagedKey, controls.Fail)
	check(acct("tls12"), controls.ProviderManagedKey, controls.Pass)
	check(acct("tls10"), controls.AccessKeyRotation, controls.Fail)
	check(acct("tls12"), controls.AccessKeyRotation, controls.Pass) // old keys, but shared key access is off
	for _, c := range []*controls.Control{controls.OutdatedTLS, controls.InsecureTransportAllowed, controls.PublicPrincipal, controls.AccessKeyRotation} {
		check(acct("unreadable"), c, controls.Error)
	}
	sql := func(n string) string { return resID(subA, "Microsoft.Sql/servers", n) }
	check(sql("sql-a"), controls.DatabaseUnencrypted, controls.Fail)
	check(sql("sql-a"), controls.OutdatedTLS, controls.Fail)
	check(sql("sql-a"), controls.ProviderManagedKey, controls.NotApplicable) // a database is unencrypted: the other control says so
	check(sql("sql-b"), controls.DatabaseUnencrypted, controls.Pass)
	check(sql("sql-b"), controls.OutdatedTLS, controls.Pass)
	check(sql("sql-b"), controls.ProviderManagedKey, controls.Pass)
	key := func(n string) string { return resID(subA, "Microsoft.KeyVault/vaults", "kv") + "/keys/" + n }
	check(key("rotating"), controls.KeyRotationDisabled, controls.Pass)
	check(key("expiring"), controls.KeyRotationDisabled, controls.Pass)
	check(key("static"), controls.KeyRotationDisabled, controls.Fail)
	check(key("refused"), controls.KeyRotationDisabled, controls.Error)
	if d, _ := res[key("expiring")].Key.RotationPeriodDays.Get(); d != 335 {
		t.Errorf("a key rotating 30 days before a 1-year expiry rotates every %d days, want 335", d)
	}
	// master is not read: 3 databases, 2 protectors, 4 policies over two
	// pages of keys.
	for _, c := range []struct {
		service, op string
		want        int
	}{
		{"Microsoft.Sql", "servers/databases/transparentDataEncryption/read", 3},
		{"Microsoft.Sql", "servers/encryptionProtector/read", 2},
		{"Microsoft.KeyVault", "vaults/keys/read", 2},
	} {
		if n := requests(counts, c.service, c.op, "OK"); n != c.want {
			t.Errorf("counted %d %s/%s, want %d", n, c.service, c.op, c.want)
		}
	}
	if n := requests(counts, "Microsoft.KeyVault", "vaults/keyrotationpolicies/read", "OK"); n != 3 {
		t.Errorf("counted %d rotation policy reads, want 3; counts %+v", n, counts)
	}
}

func TestDurationDays(t *testing.T) {
	for in, want := range map[string]int{"P90D": 90, "P1Y": 365, "P2Y6M": 910, "P3M": 90, "P1W": 7, "p28d": 28} {
		if got, ok := durationDays(in); !ok || got != want {
			t.Errorf("durationDays(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "P", "PT1H", "90D", "P1.5Y"} {
		if _, ok := durationDays(in); ok {
			t.Errorf("durationDays(%q) ok, want refused", in)
		}
	}
}
