package controls

import (
	"fmt"

	"github.com/ownaudit/ownaudit/inventory"
)

// ProviderManagedKey fails, when the declaration's settings ask for
// customer-managed keys, on a volume, bucket or database encrypted with a
// key the provider manages.
var ProviderManagedKey = register(&Control{
	ID:       "encryption.provider_managed_key",
	Title:    "Data is encrypted with a provider-managed key",
	Domain:   inventory.Encryption,
	Severity: Medium,
	ResourceTypes: []string{
		inventory.AWSVolume, inventory.AWSBucket, inventory.AWSDBInstance,
		inventory.AzureDisk, inventory.AzureStorageAccount, inventory.AzureSQLServer,
		inventory.GCPDisk, inventory.GCPBucket, inventory.GCPSQLInstance,
	},
	Rationale: "With a provider-managed key the provider decides who may use the key and when it rotates; the customer cannot revoke it to " +
		"make the data unreadable, cannot audit each use of it, and cannot keep the key apart from the data's administrators. " +
		"Checked only when the declaration sets requireCustomerManagedKeys.",
	Remediation: "AWS: EBS and RDS storage cannot change key in place: copy the snapshot with --kms-key-id KEY and restore from the copy; " +
		"for S3 set default encryption to SSE-KMS with the key (aws s3api put-bucket-encryption) and re-copy existing objects. " +
		"Azure: create a disk encryption set on a Key Vault key and assign it to the disk (az disk update --disk-encryption-set); set the storage account's " +
		"encryption key source to Microsoft.Keyvault (az storage account update --encryption-key-source Microsoft.Keyvault); set a customer-managed TDE protector on the SQL server. " +
		"GCP: disks take a Cloud KMS key only at creation: snapshot and recreate the disk with --kms-key; set the bucket's default KMS key " +
		"(gcloud storage buckets update --default-encryption-key) and rewrite existing objects; Cloud SQL needs a new CMEK instance and a migration.",
	Check: checkProviderManagedKey,
})

// checkProviderManagedKey is not applicable unless the declaration asks for
// customer-managed keys. Data stored unencrypted has no key to judge; the
// volume and database controls report it instead, so it is not applicable
// here too.
func checkProviderManagedKey(env Env, r inventory.Resource) Result {
	if !env.Settings.RequireCustomerManagedKeys {
		return Result{Status: NotApplicable, Message: "requireCustomerManagedKeys is off"}
	}
	var (
		encrypted inventory.Bool
		manager   inventory.String
		keyID     string
	)
	switch r.Type {
	case inventory.AWSVolume, inventory.AzureDisk, inventory.GCPDisk:
		if r.Volume == nil {
			return unknown("volume")
		}
		encrypted, manager, keyID = r.Volume.Encrypted, r.Volume.KeyManager, r.Volume.KeyID
	case inventory.AWSBucket, inventory.AzureStorageAccount, inventory.GCPBucket:
		if r.Storage == nil {
			return unknown("storage")
		}
		encrypted, manager = r.Storage.Encrypted, r.Storage.KeyManager
	case inventory.AWSDBInstance, inventory.AzureSQLServer, inventory.GCPSQLInstance:
		if r.Database == nil {
			return unknown("database")
		}
		encrypted, manager = r.Database.StorageEncrypted, r.Database.KeyManager
	default:
		return Result{Status: NotApplicable, Message: fmt.Sprintf("%s is not a type this control checks", r.Type)}
	}
	noun := encNoun(r.Type)
	if enc, ok := encrypted.Get(); ok && !enc {
		return Result{Status: NotApplicable, Message: fmt.Sprintf("%s is not encrypted at all; the unencrypted-data controls report it", noun)}
	}
	m, ok := manager.Get()
	if !ok {
		return unknown("encryption key manager")
	}
	evidence := map[string]any{"keyManager": m}
	if keyID != "" {
		evidence["keyId"] = keyID
	}
	switch m {
	case inventory.KeyCustomer:
		msg := fmt.Sprintf("%s is encrypted with a customer-managed key", noun)
		if keyID != "" {
			msg += " " + keyID
		}
		return Result{Status: Pass, Message: msg, Evidence: evidence}
	case inventory.KeyProvider:
		msg := fmt.Sprintf("%s is encrypted with a provider-managed key", noun)
		if keyID != "" {
			msg += fmt.Sprintf(" (%s)", keyID)
		}
		return Result{Status: Fail, Message: msg + "; the declaration requires customer-managed keys", Evidence: evidence}
	default:
		return Result{Status: Error, Message: fmt.Sprintf("key manager %q is neither %q nor %q", m, inventory.KeyCustomer, inventory.KeyProvider), Evidence: evidence}
	}
}
