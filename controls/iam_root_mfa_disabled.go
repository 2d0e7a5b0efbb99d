package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// RootMFADisabled fails when an AWS account's root user has no MFA device
// but has a credential to sign in or call APIs with.
var RootMFADisabled = register(&Control{
	ID:            "iam.root_mfa_disabled",
	Title:         "Account root user has no MFA",
	Domain:        inventory.IAM,
	Severity:      Critical,
	ResourceTypes: []string{inventory.AWSRoot},
	Rationale:     "The root user can do anything in the account, including closing it; a password alone is one phishing mail away from a takeover.",
	Remediation: "Sign in as root and assign an MFA device (a hardware key where possible) under Security credentials; then lock the root credentials away. " +
		"In an AWS Organization, centralize root access (IAM RootCredentialsManagement) and delete the member accounts' root credentials instead.",
	References: []Reference{{Benchmark: "cis_7.0_aws", ID: "2.5"}},
	Notes: "Passes when root has MFA, and also when root has no credentials at all: no password, no access keys and no signing " +
		"certificates, as after AWS Organizations' central root credential management removed them. Such a root user cannot sign in " +
		"or call an API, so there is nothing for MFA to protect; the message says so, and says when the organization manages the " +
		"account's root credentials centrally (read with iam:ListOrganizationsFeatures from the management account where allowed; " +
		"the verdict does not depend on it). The credential report's root row and the live account summary are read together: the " +
		"summary decides (it is current, the report up to four hours old, and only the summary says whether root has a password), " +
		"and the message says when they disagree. Root without MFA whose credentials could not all be read is an error, not a pass.",
	Check: checkRootMFA,
})

// checkRootMFA judges root's MFA together with its credentials.
func checkRootMFA(_ Env, r inventory.Resource) Result {
	id := r.Identity
	if id == nil {
		return unknown("identity")
	}
	evidence := map[string]any{}
	note := ""
	if len(id.SourceConflicts) > 0 {
		evidence["sourceConflicts"] = id.SourceConflicts
		note = " (" + strings.Join(id.SourceConflicts, "; ") + ")"
	}
	mfa, ok := id.MFAEnabled.Get()
	if ok {
		evidence["mfaEnabled"] = mfa
	}
	if ok && mfa {
		return Result{Status: Pass, Message: "root user has MFA enabled" + note, Evidence: evidence}
	}
	present, unread := rootCredentials(id)
	evidence["credentials"] = present
	if len(unread) > 0 {
		evidence["unreadCredentials"] = unread
	}
	if len(present) == 0 && len(unread) == 0 {
		msg := "the root user has no password, access keys or signing certificates, so nobody can sign in as root or use its credentials, and MFA has nothing to protect"
		if central, known := id.CentrallyManaged.Get(); known && central {
			evidence["centrallyManaged"] = true
			msg += "; the organization manages the account's root credentials centrally"
		}
		return Result{Status: Pass, Message: msg + note, Evidence: evidence}
	}
	switch {
	case !ok:
		return unknown("root MFA state")
	case len(present) > 0:
		return Result{Status: Fail, Message: fmt.Sprintf("root user has no MFA device, and has %s", credList(present, "and")) + note, Evidence: evidence}
	}
	return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf(
		"root user has no MFA device, and whether it has %s could not be read, so whether anyone can sign in as root without MFA is unknown%s",
		credList(unread, "or"), note)}
}

// rootCredentials sorts root's credentials into those it has and those
// that could not be read. An inactive access key still counts: it can be
// activated by whoever holds the root password, but it is a credential
// that exists.
func rootCredentials(id *inventory.Identity) (present, unread []string) {
	if on, ok := id.PasswordEnabled.Get(); !ok {
		unread = append(unread, "a password")
	} else if on {
		present = append(present, "a password")
	}
	if keys, ok := id.Keys.Get(); !ok {
		unread = append(unread, "access keys")
	} else if len(keys) == 1 {
		present = append(present, "an access key")
	} else if len(keys) > 1 {
		present = append(present, fmt.Sprintf("%d access keys", len(keys)))
	}
	if on, ok := id.SigningCertificates.Get(); !ok {
		unread = append(unread, "signing certificates")
	} else if on {
		present = append(present, "an active signing certificate")
	}
	return present, unread
}

// credList joins items as "a, b and c" (or "a, b or c").
func credList(items []string, conj string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
}
