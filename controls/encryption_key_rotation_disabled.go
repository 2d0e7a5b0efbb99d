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
// provider-managed keys (the provider rotates them) and, on AWS and GCP,
// asymmetric keys, for which neither KMS offers automatic rotation. Azure
// Key Vault keys are RSA or EC, and rotation policies apply to them, so
// symmetry does not matter there.
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
	if !ok {
		return unknown("key rotation period")
	}
	evidence["rotationPeriodDays"] = days
	if days <= 0 {
		return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf("rotation is on but its period is %d days", days)}
	}
	if days > maxDays {
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("the key rotates every %d days, more than the %d days allowed", days, maxDays)}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("the key rotates automatically every %d days, within %d", days, maxDays)}
}
