package controls

import "github.com/ownaudit/ownaudit/inventory"

// UserMFADisabled fails when an IAM user who can sign in to the console
// has no MFA device.
var UserMFADisabled = register(&Control{
	ID:            "iam.user_mfa_disabled",
	Title:         "Console user has no MFA",
	Domain:        inventory.IAM,
	Severity:      High,
	ResourceTypes: []string{inventory.AWSUser},
	Rationale: "A console password alone falls to phishing, reuse from another breach or guessing; with MFA the password is not enough, " +
		"and a console session reaches everything the user's policies allow.",
	Remediation: "Have the user register an MFA device (a passkey or security key where possible) under Security credentials, and enforce it with " +
		"a policy that denies everything except MFA self-management while aws:MultiFactorAuthPresent is false. If the user does not need the " +
		"console, remove the password instead: aws iam delete-login-profile --user-name USER. Better still, move people to IAM Identity Center.",
	References: []Reference{{Benchmark: "cis_7.0_aws", ID: "2.10"}},
	Check:      checkUserMFA,
})

// checkUserMFA only judges users with a console password: MFA on an IAM
// user protects console sign-in, and a user without a password cannot sign
// in there.
func checkUserMFA(_ Env, r inventory.Resource) Result {
	id := r.Identity
	if id == nil {
		return unknown("identity")
	}
	pw, ok := id.PasswordEnabled.Get()
	if !ok {
		return unknown("console password state")
	}
	if !pw {
		return Result{Status: Pass, Message: "the user has no console password, so there is no console sign-in for MFA to protect",
			Evidence: map[string]any{"passwordEnabled": false}}
	}
	mfa, ok := id.MFAEnabled.Get()
	switch {
	case !ok:
		return unknown("MFA state")
	case !mfa:
		return Result{Status: Fail, Message: "the user has a console password and no MFA device",
			Evidence: map[string]any{"passwordEnabled": true, "mfaEnabled": false}}
	}
	return Result{Status: Pass, Message: "the user has a console password and an MFA device",
		Evidence: map[string]any{"passwordEnabled": true, "mfaEnabled": true}}
}
