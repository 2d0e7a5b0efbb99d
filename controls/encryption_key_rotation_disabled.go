package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// KeyRotationDisabled fails when a customer-managed key does not rotate
// automatically, or rotates less often than keyRotationMaxDays.
var KeyRotationDisabled = register(&Control{
	ID:            "encryption.key_rotation_disabled",
	Title:         "Customer-managed key is not rotated automatically",
	Domain:        inventory.Encryption,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSKMSKey, inventory.AzureKeyVaultKey, inventory.GCPCryptoKey},
	Rationale: "Rotation limits how much data one key version protects and how long a leaked or broken version stays useful; done by hand it is " +
		"forgotten. Automatic rotation keeps old versions for decryption, so it costs nothing in availability.",
	Remediation: "AWS: aws kms enable-key-rotation --key-id KEY (add --rotation-period-in-days N, 90 to 2560, to rotate more often than yearly). " +
		"Azure: give the key a rotation policy with a Rotate action: az keyvault key rotation-policy update --vault-name VAULT --name KEY " +
		"--value policy.json, with lifetimeActions [{trigger: {timeAfterCreate: P90D}, action: {type: Rotate}}]. " +
		"GCP: gcloud kms keys update KEY --keyring RING --location LOCATION --rotation-period 90d --next-rotation-time TIME. " +
		"Keep the period within the declaration's keyRotationMaxDays.",
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "4.6"},
		{Benchmark: "cis_5.0_azure", ID: "8.3.9"},
		{Benchmark: "cis_5.0_gcp", ID: "1.11"},
	},
	Notes: "Judges enabled customer-managed keys that the provider can rotate automatically. Rotation on with no period in the " +
		"answer (AWS KMS leaves RotationPeriodInDays out for keys whose rotation was enabled before custom periods) passes on AWS's " +
		"default period of 365 days, and the message says so. Keys the provider cannot rotate automatically get no finding: " +
		"AWS KMS keys with imported key material (Origin EXTERNAL) or in a custom key store (AWS_CLOUDHSM, EXTERNAL_KEY_STORE, or " +
		"a CustomKeyStoreId), and asymmetric and HMAC keys; rotating them (importing new material, or a new key behind the alias) " +
		"is manual work the control cannot see. Provider-managed keys and keys that are disabled or pending deletion get none either.",
	Check: checkKeyRotation,
})

// keyInactiveStates are provider key states in which rotation is moot: the
// key is going away or encrypts nothing new (and AWS refuses to change
// rotation on a key that is not enabled). Compared without case or "_".
var keyInactiveStates = map[string]string{
	"pendingdeletion":        "is pending deletion",
	"pendingreplicadeletion": "is pending deletion",
	"destroyscheduled":       "is scheduled for destruction",
	"destroyed":              "is destroyed",
	"disabled":               "is disabled",
}

// checkKeyRotation skips keys the customer cannot rotate automatically:
// provider-managed keys (the provider rotates them), on AWS and GCP
// asymmetric keys, for which neither KMS offers automatic rotation, and
// keys whose material the provider cannot rotate (imported material, a
// custom or external key store). Azure Key Vault keys are RSA or EC, and
// rotation policies apply to them, so symmetry does not matter there.
func checkKeyRotation(env Env, r inventory.Resource) Result {
	k := r.Key
	if k == nil {
		return unknown("key")
	}
	if why, ok := keyInactiveStates[strings.ToLower(strings.ReplaceAll(k.State, "_", ""))]; ok {
		return Result{Status: NotApplicable, Message: fmt.Sprintf("the key %s (state %s)", why, k.State)}
	}
	manager, ok := k.KeyManager.Get()
	switch {
	case !ok:
		return unknown("key manager")
	case manager == inventory.KeyProvider:
		return Result{Status: NotApplicable, Message: "the provider manages and rotates the key"}
	}
	if r.Type != inventory.AzureKeyVaultKey {
		sym, ok := k.Symmetric.Get()
		switch {
		case !ok:
			return unknown("key type (symmetric or asymmetric)")
		case !sym:
			return Result{Status: NotApplicable, Message: "automatic rotation does not apply to asymmetric keys"}
		}
	}
	if auto, ok := k.AutoRotatable.Get(); ok && !auto {
		why := "its key material cannot be rotated automatically"
		switch strings.ToUpper(k.Origin) {
		case "EXTERNAL":
			why = "its key material is imported (origin EXTERNAL), which the provider cannot rotate automatically"
		case "AWS_CLOUDHSM", "EXTERNAL_KEY_STORE":
			why = fmt.Sprintf("it lives in a custom key store (origin %s), where the provider cannot rotate it automatically", k.Origin)
		}
		return Result{Status: NotApplicable, Message: "automatic rotation does not apply to the key: " + why + "; rotate it by hand"}
	}
	maxDays := env.Settings.WithDefaults().KeyRotationMaxDays
	evidence := map[string]any{"maxRotationDays": maxDays}
	if k.State != "" {
		evidence["state"] = k.State
	}
	on, ok := k.RotationEnabled.Get()
	switch {
	case !ok:
		return unknown("key rotation setting")
	case !on:
		evidence["rotationEnabled"] = false
		return Result{Status: Fail, Evidence: evidence, Message: "automatic rotation is off for the customer-managed key"}
	}
	evidence["rotationEnabled"] = true
	days, ok := k.RotationPeriodDays.Get()
	defaulted := ""
	if !ok {
		// KMS answered without RotationPeriodInDays, as it does for keys
		// whose rotation was enabled before custom periods: such keys
		// rotate on AWS's default period.
		if r.Type != inventory.AWSKMSKey {
			return unknown("key rotation period")
		}
		days, defaulted = kmsDefaultRotationDays, fmt.Sprintf(" (KMS gave no RotationPeriodInDays, so AWS's default period of %d days applies)", kmsDefaultRotationDays)
		evidence["rotationPeriodDefault"] = true
	}
	evidence["rotationPeriodDays"] = days
	if days <= 0 {
		return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf("rotation is on but its period is %d days", days)}
	}
	if days > maxDays {
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("the key rotates every %d days%s, more than the %d days allowed", days, defaulted, maxDays)}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("the key rotates automatically every %d days%s, within %d", days, defaulted, maxDays)}
}

// kmsDefaultRotationDays is the rotation period AWS KMS applies when none
// was chosen.
const kmsDefaultRotationDays = 365
