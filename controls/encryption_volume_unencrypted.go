package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// VolumeUnencrypted fails when a block volume is not encrypted at rest.
// GCP persistent disks are always encrypted, so only AWS and Azure volumes
// are checked.
var VolumeUnencrypted = register(&Control{
	ID:            "encryption.volume_unencrypted",
	Title:         "Block volume is not encrypted at rest",
	Domain:        inventory.Encryption,
	Severity:      High,
	ResourceTypes: []string{inventory.AWSVolume, inventory.AzureDisk},
	Rationale: "An unencrypted volume leaves its data, and every snapshot taken of it, readable by anyone who gets hold of the snapshot or the " +
		"underlying media; a snapshot shared by mistake or copied to another account exposes everything on the disk.",
	Remediation: "AWS: an EBS volume cannot be encrypted in place: snapshot it, copy the snapshot with --encrypted (and --kms-key-id for a customer-managed key), " +
		"create a volume from the copy, stop the instance and swap the volumes; turn on EBS encryption by default so new volumes are encrypted " +
		"(see encryption.volume_default_encryption_disabled). " +
		"Azure: managed disks are encrypted by the platform; a disk reported unencrypted has had server-side encryption removed or is an unmanaged VHD: " +
		"convert it to a managed disk (az vm convert) or attach a disk encryption set (az disk update --disk-encryption-set), and enable encryption at host for temporary disks and caches.",
	Check: checkVolumeUnencrypted,
})

// checkVolumeUnencrypted reads the volume's own flag; the key that protects
// it is encryption.provider_managed_key's concern.
func checkVolumeUnencrypted(_ Env, r inventory.Resource) Result {
	v := r.Volume
	if v == nil {
		return unknown("volume")
	}
	enc, ok := v.Encrypted.Get()
	if !ok {
		return unknown("volume encryption state")
	}
	noun := encNoun(r.Type)
	evidence := map[string]any{"encrypted": enc}
	if len(v.AttachedTo) > 0 {
		evidence["attachedTo"] = v.AttachedTo
	}
	if !enc {
		msg := fmt.Sprintf("%s is not encrypted at rest", noun)
		if len(v.AttachedTo) > 0 {
			msg += fmt.Sprintf(" (attached to %s)", strings.Join(v.AttachedTo, ", "))
		}
		return Result{Status: Fail, Message: msg, Evidence: evidence}
	}
	msg := fmt.Sprintf("%s is encrypted at rest", noun)
	if v.KeyID != "" {
		evidence["keyId"] = v.KeyID
		msg += fmt.Sprintf(" with key %s", v.KeyID)
	}
	return Result{Status: Pass, Message: msg, Evidence: evidence}
}

// encNoun names a resource type the way the provider does ("EBS volume",
// "storage account"), for messages.
func encNoun(resourceType string) string {
	if t, ok := inventory.Types[resourceType]; ok {
		return t.Title
	}
	return resourceType
}
