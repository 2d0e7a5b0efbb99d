package controls

import (
	"fmt"

	"github.com/ownaudit/ownaudit/inventory"
)

// VolumeDefaultEncryptionDisabled fails when an AWS region does not encrypt
// new EBS volumes by default.
var VolumeDefaultEncryptionDisabled = register(&Control{
	ID:            "encryption.volume_default_encryption_disabled",
	Title:         "EBS encryption by default is off",
	Domain:        inventory.Encryption,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSEBSDefault},
	Rationale: "With encryption by default off, every volume and snapshot copy created in the region is unencrypted unless its creator remembers " +
		"to ask; one forgotten flag in a launch template or a tool's default makes an unencrypted volume that cannot be encrypted in place later.",
	Remediation: "Turn it on in every region in use, and in regions not in use so nothing unencrypted appears there: " +
		"aws ec2 enable-ebs-encryption-by-default --region REGION; to use a customer-managed key, also run " +
		"aws ec2 modify-ebs-default-kms-key-id --kms-key-id KEY --region REGION. Existing volumes stay as they are " +
		"(see encryption.volume_unencrypted).",
	References: []Reference{{Benchmark: "cis_7.0_aws", ID: "6.1.1"}},
	Check:      checkVolumeDefaultEncryption,
})

// checkVolumeDefaultEncryption reads the per-region switch; the message
// names the region because the setting exists once per region.
func checkVolumeDefaultEncryption(_ Env, r inventory.Resource) Result {
	d := r.EncryptionDefault
	if d == nil {
		return unknown("EBS encryption-by-default setting")
	}
	on, ok := d.Enabled.Get()
	if !ok {
		return unknown("EBS encryption-by-default setting")
	}
	region := r.Region
	if region == "" {
		region = "the region"
	}
	evidence := map[string]any{"enabled": on, "region": r.Region}
	if !on {
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("EBS encryption by default is off in %s: new volumes are unencrypted unless their creator asks", region)}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("EBS encryption by default is on in %s", region)}
}
