package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// RootAccessKeys fails when an AWS account's root user has an active
// access key.
var RootAccessKeys = register(&Control{
	ID:            "iam.root_access_keys",
	Title:         "Account root user has an active access key",
	Domain:        inventory.IAM,
	Severity:      Critical,
	ResourceTypes: []string{inventory.AWSRoot},
	Rationale: "A root access key can do anything in the account, cannot be limited by any IAM policy or permission boundary, and is not " +
		"protected by the root user's MFA; whoever copies it owns the account.",
	Remediation: "Find what still uses the key (the credential report's access_key_N_last_used_* columns and CloudTrail), move that to an IAM role, " +
		"then sign in as root and deactivate and delete the key under Security credentials. In an AWS Organization, centralize root access " +
		"so member accounts have no root credentials at all.",
	References: []Reference{{Benchmark: "cis_7.0_aws", ID: "2.4"}},
	Check:      checkRootAccessKeys,
})

// checkRootAccessKeys fails on any key known to be active, even when
// another key's state could not be read.
func checkRootAccessKeys(env Env, r inventory.Resource) Result {
	if r.Identity == nil {
		return unknown("identity")
	}
	keys, ok := r.Identity.Keys.Get()
	if !ok {
		return unknown("root access keys")
	}
	var active, unread []string
	var text []string
	for _, k := range keys {
		on, ok := k.Active.Get()
		switch {
		case !ok:
			unread = append(unread, k.ID)
		case on:
			active = append(active, k.ID)
			desc := k.ID
			if created, ok := k.Created.Get(); ok && !created.IsZero() && !env.Now.IsZero() {
				desc += fmt.Sprintf(" (created %s, %d days ago)", credDate(created), credAgeDays(env.Now, created))
			}
			text = append(text, desc)
		}
	}
	evidence := map[string]any{"activeKeys": active, "keys": len(keys)}
	if len(unread) > 0 {
		evidence["unreadKeys"] = unread
	}
	switch {
	case len(active) > 0:
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("the root user has %s %s", credPlural(len(active), "active access key"), strings.Join(text, ", "))}
	case len(unread) > 0:
		verb := "is"
		if len(unread) > 1 {
			verb = "are"
		}
		return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf("could not read whether root %s %s %s active", credPlural(len(unread), "access key"), strings.Join(unread, ", "), verb)}
	case len(keys) == 1:
		return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("the root user's access key %s is inactive", keys[0].ID)}
	case len(keys) > 1:
		return Result{Status: Pass, Evidence: evidence, Message: "the root user's access keys are all inactive"}
	}
	return Result{Status: Pass, Evidence: evidence, Message: "the root user has no access keys"}
}
