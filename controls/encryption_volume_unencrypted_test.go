package controls

import (
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

// encVolume is a volume of the given type in a test account.
func encVolume(typ string, v inventory.Volume) inventory.Resource {
	cloud := inventory.Types[typ].Cloud
	return inventory.Resource{Cloud: cloud, Target: "111111111111", Region: "eu-central-1", Type: typ, ID: "vol-0123456789abcdef0", Volume: &v}
}

var _ = table(VolumeUnencrypted, func(t *testing.T) []checkCase {
	return []checkCase{
		{name: "ebs encrypted", res: encVolume(inventory.AWSVolume, inventory.Volume{Encrypted: inventory.True, KeyID: "alias/aws/ebs"}), want: Pass},
		{name: "azure disk encrypted", res: encVolume(inventory.AzureDisk, inventory.Volume{Encrypted: inventory.True}), want: Pass},
		{name: "ebs unencrypted", res: encVolume(inventory.AWSVolume, inventory.Volume{Encrypted: inventory.False, AttachedTo: []string{"i-0abc"}}), want: Fail},
		{name: "azure disk unencrypted", res: encVolume(inventory.AzureDisk, inventory.Volume{Encrypted: inventory.False}), want: Fail},
		{name: "encryption unknown", res: encVolume(inventory.AWSVolume, inventory.Volume{KeyManager: inventory.Known(inventory.KeyProvider)}), want: Error},
		{name: "volume facet missing", res: inventory.Resource{Type: inventory.AWSVolume, ID: "vol-1"}, want: Error},
	}
})

func TestEncryptionVolumeUnencryptedMessages(t *testing.T) {
	env := Env{Settings: DefaultSettings, Now: testNow}
	got := VolumeUnencrypted.Check(env, encVolume(inventory.AWSVolume, inventory.Volume{Encrypted: inventory.False, AttachedTo: []string{"i-0abc", "i-0def"}}))
	if want := "EBS volume is not encrypted at rest (attached to i-0abc, i-0def)"; got.Message != want {
		t.Errorf("Check(unencrypted).Message = %q, want %q", got.Message, want)
	}
	if got.Evidence["encrypted"] != false {
		t.Errorf("Check(unencrypted).Evidence[encrypted] = %v, want false", got.Evidence["encrypted"])
	}
	got = VolumeUnencrypted.Check(env, encVolume(inventory.AzureDisk, inventory.Volume{Encrypted: inventory.True, KeyID: "des-prod"}))
	if !strings.Contains(got.Message, "managed disk") || !strings.Contains(got.Message, "des-prod") || got.Evidence["keyId"] != "des-prod" {
		t.Errorf("Check(encrypted) = %q %v, want the disk kind and key des-prod named", got.Message, got.Evidence)
	}
}
