package controls

import (
	"fmt"

	"github.com/ownaudit/ownaudit/inventory"
)

// DatabaseUnencrypted fails when a managed database's storage is not
// encrypted at rest. Cloud SQL storage is always encrypted, so only RDS and
// Azure SQL are checked.
var DatabaseUnencrypted = register(&Control{
	ID:            "encryption.database_unencrypted",
	Title:         "Database storage is not encrypted at rest",
	Domain:        inventory.Encryption,
	Severity:      High,
	ResourceTypes: []string{inventory.AWSDBInstance, inventory.AzureSQLServer},
	Rationale: "Database storage holds the data the rest of the estate exists to protect; unencrypted, it is readable from its snapshots, " +
		"automated backups and read replicas by anyone who can copy or share them.",
	Remediation: "AWS: RDS cannot encrypt an instance in place: take a snapshot, copy it with --kms-key-id (aws rds copy-db-snapshot), restore a new " +
		"instance from the encrypted copy and switch clients over; replicas and snapshots of the new instance are encrypted too. " +
		"Azure: turn transparent data encryption back on for each database (az sql db tde set --status Enabled, or the database's " +
		"Transparent data encryption blade); new Azure SQL databases have it on by default, so find out who turned it off.",
	References: []Reference{{Benchmark: "cis_7.0_aws", ID: "3.2.1"}},
	Check:      checkDatabaseUnencrypted,
})

// checkDatabaseUnencrypted reads StorageEncrypted: RDS StorageEncrypted,
// or transparent data encryption on Azure SQL.
func checkDatabaseUnencrypted(_ Env, r inventory.Resource) Result {
	d := r.Database
	if d == nil {
		return unknown("database")
	}
	what := "storage encryption"
	if r.Type == inventory.AzureSQLServer {
		what = "transparent data encryption"
	}
	enc, ok := d.StorageEncrypted.Get()
	if !ok {
		return unknown(what + " state")
	}
	evidence := map[string]any{"storageEncrypted": enc}
	if d.Engine != "" {
		evidence["engine"] = d.Engine
	}
	noun := encNoun(r.Type)
	if !enc {
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("%s has %s off: its storage, snapshots and backups are not encrypted at rest", noun, what)}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("%s has %s on", noun, what)}
}
