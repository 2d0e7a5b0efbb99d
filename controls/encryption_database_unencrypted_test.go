package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// encDB is a managed database of the given type.
func encDB(typ string, d inventory.Database) inventory.Resource {
	return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t", Region: "eu-central-1", Type: typ, ID: "orders-db", Database: &d}
}

var _ = table(DatabaseUnencrypted, func(t *testing.T) []checkCase {
	cases := []checkCase{
		{name: "rds encrypted", res: encDB(inventory.AWSDBInstance, inventory.Database{Engine: "postgres", StorageEncrypted: inventory.True}), want: Pass},
		{name: "rds unencrypted", res: encDB(inventory.AWSDBInstance, inventory.Database{Engine: "mysql", StorageEncrypted: inventory.False}), want: Fail},
		{name: "azure sql tde on", res: encDB(inventory.AzureSQLServer, inventory.Database{StorageEncrypted: inventory.True}), want: Pass},
		{name: "azure sql tde off", res: encDB(inventory.AzureSQLServer, inventory.Database{StorageEncrypted: inventory.False}), want: Fail},
		{name: "tde unknown", res: encDB(inventory.AzureSQLServer, inventory.Database{RequireTLS: inventory.True}), want: Error},
		{name: "facet missing", res: inventory.Resource{Type: inventory.AWSDBInstance, ID: "db"}, want: Error},
	}

	env := Env{Settings: DefaultSettings, Now: testNow}
	got := DatabaseUnencrypted.Check(env, encDB(inventory.AzureSQLServer, inventory.Database{StorageEncrypted: inventory.False}))
	if want := "SQL server / database has transparent data encryption off: its storage, snapshots and backups are not encrypted at rest"; got.Message != want {
		t.Errorf("Check(tde off).Message = %q, want %q", got.Message, want)
	}
	got = DatabaseUnencrypted.Check(env, encDB(inventory.AWSDBInstance, inventory.Database{Engine: "mysql", StorageEncrypted: inventory.False}))
	if got.Evidence["storageEncrypted"] != false || got.Evidence["engine"] != "mysql" {
		t.Errorf("Check(rds unencrypted).Evidence = %v, want storageEncrypted false and engine mysql", got.Evidence)
	}
	return cases
})
