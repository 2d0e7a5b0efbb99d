package controls

import "github.com/ownaudit/ownaudit/inventory"

// RootMFADisabled fails when an AWS account's root user has no MFA device.
var RootMFADisabled = register(&Control{
	ID:            "iam.root_mfa_disabled",
	Title:         "Account root user has no MFA",
	Domain:        inventory.IAM,
	Severity:      Critical,
	ResourceTypes: []string{inventory.AWSRoot},
	Rationale:     "The root user can do anything in the account, including closing it; a password alone is one phishing mail away from a takeover.",
	Remediation:   "Sign in as root and assign an MFA device (a hardware key where possible) under Security credentials; then lock the root credentials away.",
	References:    []Reference{{Benchmark: "cis_7.0_aws", ID: "2.5"}},
	Check: func(_ Env, r inventory.Resource) Result {
		if r.Identity == nil {
			return unknown("identity")
		}
		mfa, ok := r.Identity.MFAEnabled.Get()
		switch {
		case !ok:
			return unknown("root MFA state")
		case mfa:
			return Result{Status: Pass, Message: "root user has MFA enabled", Evidence: map[string]any{"mfaEnabled": true}}
		default:
			return Result{Status: Fail, Message: "root user has no MFA device", Evidence: map[string]any{"mfaEnabled": false}}
		}
	},
})
