package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(ProviderManagedKey, func(t *testing.T) []checkCase {
	cmk := Settings{RequireCustomerManagedKeys: true}
	customer, provider := inventory.Known(inventory.KeyCustomer), inventory.Known(inventory.KeyProvider)
	bucket := func(typ string, s inventory.Storage) inventory.Resource {
		return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t", Type: typ, ID: "b", Storage: &s}
	}
	db := func(typ string, d inventory.Database) inventory.Resource {
		return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t", Type: typ, ID: "db", Database: &d}
	}
	cases := []checkCase{
		{name: "setting off", res: encVolume(inventory.AWSVolume, inventory.Volume{Encrypted: inventory.True, KeyManager: provider}), want: NotApplicable},
		{name: "setting off and key unknown", res: encVolume(inventory.AWSVolume, inventory.Volume{}), want: NotApplicable},
		{name: "ebs with cmk", res: encVolume(inventory.AWSVolume, inventory.Volume{Encrypted: inventory.True, KeyManager: customer, KeyID: "arn:aws:kms:eu-central-1:111111111111:key/1"}), settings: cmk, want: Pass},
		{name: "ebs with aws/ebs", res: encVolume(inventory.AWSVolume, inventory.Volume{Encrypted: inventory.True, KeyManager: provider, KeyID: "alias/aws/ebs"}), settings: cmk, want: Fail},
		{name: "unencrypted ebs", res: encVolume(inventory.AWSVolume, inventory.Volume{Encrypted: inventory.False}), settings: cmk, want: NotApplicable},
		{name: "azure disk platform key", res: encVolume(inventory.AzureDisk, inventory.Volume{Encrypted: inventory.True, KeyManager: provider}), settings: cmk, want: Fail},
		{name: "gcp disk cmek", res: encVolume(inventory.GCPDisk, inventory.Volume{Encrypted: inventory.True, KeyManager: customer}), settings: cmk, want: Pass},
		{name: "gcp disk google key, encryption flag unread", res: encVolume(inventory.GCPDisk, inventory.Volume{KeyManager: provider}), settings: cmk, want: Fail},
		{name: "s3 sse-s3", res: bucket(inventory.AWSBucket, inventory.Storage{Encrypted: inventory.True, KeyManager: provider}), settings: cmk, want: Fail},
		{name: "storage account cmk", res: bucket(inventory.AzureStorageAccount, inventory.Storage{Encrypted: inventory.True, KeyManager: customer}), settings: cmk, want: Pass},
		{name: "gcs google key", res: bucket(inventory.GCPBucket, inventory.Storage{KeyManager: provider}), settings: cmk, want: Fail},
		{name: "rds cmk", res: db(inventory.AWSDBInstance, inventory.Database{StorageEncrypted: inventory.True, KeyManager: customer}), settings: cmk, want: Pass},
		{name: "sql server service-managed tde", res: db(inventory.AzureSQLServer, inventory.Database{StorageEncrypted: inventory.True, KeyManager: provider}), settings: cmk, want: Fail},
		{name: "unencrypted rds", res: db(inventory.AWSDBInstance, inventory.Database{StorageEncrypted: inventory.False}), settings: cmk, want: NotApplicable},
		{name: "cloud sql key unknown", res: db(inventory.GCPSQLInstance, inventory.Database{StorageEncrypted: inventory.True}), settings: cmk, want: Error},
		{name: "key manager unrecognised", res: db(inventory.GCPSQLInstance, inventory.Database{KeyManager: inventory.Known("hsm")}), settings: cmk, want: Error},
		{name: "volume facet missing", res: inventory.Resource{Type: inventory.AzureDisk, ID: "d"}, settings: cmk, want: Error},
		{name: "storage facet missing", res: inventory.Resource{Type: inventory.GCPBucket, ID: "b"}, settings: cmk, want: Error},
		{name: "database facet missing", res: inventory.Resource{Type: inventory.AWSDBInstance, ID: "db"}, settings: cmk, want: Error},
	}

	env := Env{Settings: cmk.WithDefaults(), Now: testNow}
	got := ProviderManagedKey.Check(env, encVolume(inventory.AWSVolume, inventory.Volume{Encrypted: inventory.True, KeyManager: provider, KeyID: "alias/aws/ebs"}))
	if want := "EBS volume is encrypted with a provider-managed key (alias/aws/ebs); the declaration requires customer-managed keys"; got.Message != want {
		t.Errorf("Check(aws/ebs).Message = %q, want %q", got.Message, want)
	}
	if got.Evidence["keyManager"] != inventory.KeyProvider || got.Evidence["keyId"] != "alias/aws/ebs" {
		t.Errorf("Check(aws/ebs).Evidence = %v, want keyManager provider and keyId alias/aws/ebs", got.Evidence)
	}
	return cases
})
