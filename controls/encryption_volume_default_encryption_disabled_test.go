package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(VolumeDefaultEncryptionDisabled, func(t *testing.T) []checkCase {
	def := func(region string, on inventory.Bool) inventory.Resource {
		return inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Region: region, Type: inventory.AWSEBSDefault,
			ID: "arn:aws:ec2:" + region + ":111111111111:ebs-encryption-by-default", EncryptionDefault: &inventory.EncryptionDefault{Enabled: on}}
	}
	cases := []checkCase{
		{name: "on", res: def("eu-central-1", inventory.True), want: Pass},
		{name: "off", res: def("eu-west-1", inventory.False), want: Fail},
		{name: "unknown", res: def("eu-west-1", inventory.Bool{}), want: Error},
		{name: "facet missing", res: inventory.Resource{Type: inventory.AWSEBSDefault, ID: "x"}, want: Error},
	}

	got := VolumeDefaultEncryptionDisabled.Check(Env{Settings: DefaultSettings, Now: testNow}, def("eu-west-1", inventory.False))
	if want := "EBS encryption by default is off in eu-west-1: new volumes are unencrypted unless their creator asks"; got.Message != want {
		t.Errorf("Check(off).Message = %q, want %q", got.Message, want)
	}
	if got.Evidence["region"] != "eu-west-1" || got.Evidence["enabled"] != false {
		t.Errorf("Check(off).Evidence = %v, want region eu-west-1 and enabled false", got.Evidence)
	}
	return cases
})
