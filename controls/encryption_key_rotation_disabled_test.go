package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(KeyRotationDisabled, func(t *testing.T) []checkCase {
	customer, provider := inventory.Known(inventory.KeyCustomer), inventory.Known(inventory.KeyProvider)
	key := func(typ string, k inventory.Key) inventory.Resource {
		return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t", Region: "eu-central-1", Type: typ, ID: "key-1", Key: &k}
	}
	// rotating is an enabled symmetric customer key rotating every days.
	rotating := func(typ string, days int) inventory.Resource {
		return key(typ, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, RotationEnabled: inventory.True, RotationPeriodDays: inventory.Known(days)})
	}
	noRotation := inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, RotationEnabled: inventory.False}
	withState := func(k inventory.Key, state string) inventory.Key { k.State = state; return k }
	cases := []checkCase{
		{name: "kms yearly", res: rotating(inventory.AWSKMSKey, 365), want: Pass},
		{name: "gcp 90 days", res: rotating(inventory.GCPCryptoKey, 90), want: Pass},
		{name: "azure 90 days", res: rotating(inventory.AzureKeyVaultKey, 90), want: Pass},
		{name: "kms rotation off", res: key(inventory.AWSKMSKey, noRotation), want: Fail},
		{name: "gcp no rotation period", res: key(inventory.GCPCryptoKey, noRotation), want: Fail},
		{name: "kms every 730 days", res: rotating(inventory.AWSKMSKey, 730), want: Fail},
		{name: "366 days over the default 365", res: rotating(inventory.GCPCryptoKey, 366), want: Fail},
		{name: "365 days over a 90-day setting", res: rotating(inventory.AWSKMSKey, 365), settings: Settings{KeyRotationMaxDays: 90}, want: Fail},
		{name: "730 days within a 1000-day setting", res: rotating(inventory.AWSKMSKey, 730), settings: Settings{KeyRotationMaxDays: 1000}, want: Pass},
		{name: "kms asymmetric key", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, Symmetric: inventory.False, RotationEnabled: inventory.False}), want: NotApplicable},
		{name: "gcp asymmetric key", res: key(inventory.GCPCryptoKey, inventory.Key{KeyManager: customer, Symmetric: inventory.False}), want: NotApplicable},
		// Key Vault keys are RSA or EC and do take rotation policies.
		{name: "azure rsa key without rotation", res: key(inventory.AzureKeyVaultKey, inventory.Key{KeyManager: customer, Symmetric: inventory.False, RotationEnabled: inventory.False}), want: Fail},
		{name: "aws-managed key", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: provider, Symmetric: inventory.True, RotationEnabled: inventory.False}), want: NotApplicable},
		{name: "kms pending deletion", res: key(inventory.AWSKMSKey, withState(noRotation, "PendingDeletion")), want: NotApplicable},
		{name: "gcp destroy scheduled", res: key(inventory.GCPCryptoKey, withState(noRotation, "DESTROY_SCHEDULED")), want: NotApplicable},
		{name: "kms disabled", res: key(inventory.AWSKMSKey, withState(noRotation, "Disabled")), want: NotApplicable},
		{name: "rotation unknown", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, Symmetric: inventory.True}), want: Error},
		{name: "gcp rotation period unknown", res: key(inventory.GCPCryptoKey, inventory.Key{KeyManager: customer, Symmetric: inventory.True, RotationEnabled: inventory.True}), want: Error},
		{name: "kms rotation on, no period: aws default 365", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, AutoRotatable: inventory.True, RotationEnabled: inventory.True}), want: Pass},
		{name: "kms rotation on, no period, over a 180-day setting", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, RotationEnabled: inventory.True}), settings: Settings{KeyRotationMaxDays: 180}, want: Fail},
		{name: "kms imported material", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, AutoRotatable: inventory.False, Origin: "EXTERNAL"}), want: NotApplicable},
		{name: "kms cloudhsm key store", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, AutoRotatable: inventory.False, Origin: "AWS_CLOUDHSM"}), want: NotApplicable},
		{name: "kms external key store", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, AutoRotatable: inventory.False, Origin: "EXTERNAL_KEY_STORE"}), want: NotApplicable},
		{name: "kms rotatable key with rotation off still fails", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, AutoRotatable: inventory.True, Origin: "AWS_KMS", RotationEnabled: inventory.False}), want: Fail},
		{name: "kms rotatable, setting unread", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, Origin: "AWS_KMS"}), want: Error},
		{name: "key manager unknown", res: key(inventory.AzureKeyVaultKey, inventory.Key{RotationEnabled: inventory.False}), want: Error},
		{name: "kms symmetry unknown", res: key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, RotationEnabled: inventory.False}), want: Error},
		{name: "key facet missing", res: inventory.Resource{Type: inventory.AWSKMSKey, ID: "k"}, want: Error},
	}

	env := Env{Settings: DefaultSettings, Now: testNow}
	got := KeyRotationDisabled.Check(env, rotating(inventory.AWSKMSKey, 730))
	if want := "the key rotates every 730 days, more than the 365 days allowed"; got.Message != want {
		t.Errorf("Check(730 days).Message = %q, want %q", got.Message, want)
	}
	if got.Evidence["rotationPeriodDays"] != 730 || got.Evidence["maxRotationDays"] != 365 {
		t.Errorf("Check(730 days).Evidence = %v, want rotationPeriodDays 730 and maxRotationDays 365", got.Evidence)
	}
	got = KeyRotationDisabled.Check(env, key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, RotationEnabled: inventory.True}))
	if want := "the key rotates automatically every 365 days (KMS gave no RotationPeriodInDays, so AWS's default period of 365 days applies), within 365"; got.Status != Pass || got.Message != want {
		t.Errorf("Check(no period) = %q %q, want %q %q", got.Status, got.Message, Pass, want)
	}
	got = KeyRotationDisabled.Check(env, key(inventory.AWSKMSKey, inventory.Key{KeyManager: customer, State: "Enabled", Symmetric: inventory.True, AutoRotatable: inventory.False, Origin: "EXTERNAL"}))
	if want := "automatic rotation does not apply to the key: its key material is imported (origin EXTERNAL), which the provider cannot rotate automatically; rotate it by hand"; got.Message != want {
		t.Errorf("Check(imported) message = %q, want %q", got.Message, want)
	}
	got = KeyRotationDisabled.Check(env, key(inventory.AWSKMSKey, noRotation))
	if got.Message != "automatic rotation is off for the customer-managed key" || got.Evidence["rotationEnabled"] != false {
		t.Errorf("Check(rotation off) = %q %v, want the rotation named off", got.Message, got.Evidence)
	}
	return cases
})
