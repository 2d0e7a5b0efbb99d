package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// The CIS minimums for an IAM password policy.
const (
	passwordMinLength       = 14
	passwordReusePrevention = 24
)

// WeakPasswordPolicy fails when an AWS account has no password policy, or
// one that allows short or recently used passwords.
var WeakPasswordPolicy = register(&Control{
	ID:            "iam.weak_password_policy",
	Title:         "Account password policy is missing or weak",
	Domain:        inventory.IAM,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSPasswordPolicy},
	Rationale: "Without a policy IAM accepts 8-character passwords and lets users go back to old ones; short passwords fall to guessing and " +
		"reused ones to credential stuffing from other breaches.",
	Remediation: fmt.Sprintf("aws iam update-account-password-policy --minimum-password-length %d --password-reuse-prevention %d, plus the other settings "+
		"you want to keep: the call replaces the whole policy, so repeat any existing character-class or expiry settings.", passwordMinLength, passwordReusePrevention),
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "2.8"},
		{Benchmark: "cis_7.0_aws", ID: "2.9"},
	},
	Check: checkWeakPasswordPolicy,
})

// checkWeakPasswordPolicy fails on any setting known to be weak, even when
// another could not be read.
func checkWeakPasswordPolicy(_ Env, r inventory.Resource) Result {
	p := r.PasswordPolicy
	if p == nil {
		return unknown("password policy")
	}
	exists, ok := p.Exists.Get()
	switch {
	case !ok:
		return unknown("password policy")
	case !exists:
		return Result{Status: Fail, Evidence: map[string]any{"exists": false},
			Message: "the account has no password policy: IAM accepts 8-character passwords and does not prevent reuse"}
	}
	evidence := map[string]any{"exists": true, "wantMinLength": passwordMinLength, "wantReusePrevention": passwordReusePrevention}
	var weak, unread []string
	if n, ok := p.MinLength.Get(); !ok {
		unread = append(unread, "minimum length")
	} else {
		evidence["minLength"] = n
		if n < passwordMinLength {
			weak = append(weak, fmt.Sprintf("minimum length %d is below %d", n, passwordMinLength))
		}
	}
	if n, ok := p.ReusePrevention.Get(); !ok {
		unread = append(unread, "reuse prevention")
	} else {
		evidence["reusePrevention"] = n
		if n < passwordReusePrevention {
			weak = append(weak, fmt.Sprintf("reuse prevention remembers %d passwords, fewer than %d", n, passwordReusePrevention))
		}
	}
	switch {
	case len(weak) > 0:
		return Result{Status: Fail, Evidence: evidence, Message: "the password policy is weak: " + strings.Join(weak, "; ")}
	case len(unread) > 0:
		return unknown("password policy " + strings.Join(unread, " and "))
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("the password policy requires at least %d characters and prevents reuse of the last %d passwords",
		evidence["minLength"], evidence["reusePrevention"])}
}
