package controls

import (
	"fmt"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// UnusedCredentials fails when a console password or an active key has
// gone unused for longer than the declaration's unusedCredentialsDays.
var UnusedCredentials = register(&Control{
	ID:            "iam.unused_credentials",
	Title:         "Credential unused for too long",
	Domain:        inventory.IAM,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSUser, inventory.GCPServiceAccount},
	Rationale: "A credential nobody uses protects nothing and can still be stolen and used; its owner has often left or moved on, so " +
		"nobody would notice it being used either. Disabling it costs nothing and can be undone.",
	Remediation: "Find out whether anyone still needs the credential, then disable it and delete it later. " +
		"AWS: remove the console password with aws iam delete-login-profile --user-name USER; deactivate a key with " +
		"aws iam update-access-key --user-name USER --access-key-id KEY --status Inactive, and delete the user if nothing is left. " +
		"GCP: gcloud iam service-accounts keys disable KEY_ID --iam-account SA, then delete it; disable the service account itself if it has no other use.",
	References: []Reference{{Benchmark: "cis_7.0_aws", ID: "2.11"}},
	Check:      checkUnusedCredentials,
})

// checkUnusedCredentials judges a credential by its last use; one that was
// never used (a known zero time) by how long it has existed, so a key made
// yesterday is not "unused for 45 days". Service accounts have no password.
func checkUnusedCredentials(env Env, r inventory.Resource) Result {
	id := r.Identity
	if id == nil {
		return unknown("identity")
	}
	if env.Now.IsZero() {
		return unknown("scan time")
	}
	maxDays := env.Settings.WithDefaults().UnusedCredentialsDays
	var (
		stale  []map[string]any
		text   []string
		unread []string
		inUse  int
	)
	// judge records one credential's verdict from its last use, or from its
	// creation when it was never used.
	judge := func(name, label string, lastUsed, since inventory.Time) {
		last, ok := lastUsed.Get()
		if !ok {
			unread = append(unread, fmt.Sprintf("when %s was last used", label))
			return
		}
		entry := map[string]any{"credential": name}
		if last.IsZero() {
			created, ok := since.Get()
			if !ok || created.IsZero() {
				unread = append(unread, fmt.Sprintf("when %s was created (it was never used)", label))
				return
			}
			if !credOlder(env.Now, created, maxDays) {
				inUse++
				return
			}
			entry["lastUsed"] = nil
			entry["created"] = credTime(created)
			entry["daysUnused"] = credAgeDays(env.Now, created)
			stale = append(stale, entry)
			text = append(text, fmt.Sprintf("%s was created %d days ago (%s) and never used", label, entry["daysUnused"], credDate(created)))
			return
		}
		if !credOlder(env.Now, last, maxDays) {
			inUse++
			return
		}
		entry["lastUsed"] = credTime(last)
		entry["daysUnused"] = credAgeDays(env.Now, last)
		stale = append(stale, entry)
		text = append(text, fmt.Sprintf("%s was last used %d days ago (%s)", label, entry["daysUnused"], credDate(last)))
	}

	if r.Type == inventory.AWSUser {
		pw, ok := id.PasswordEnabled.Get()
		switch {
		case !ok:
			unread = append(unread, "whether the user has a console password")
		case pw:
			judge("password", "the console password", id.PasswordLastUsed, id.PasswordLastChanged)
		}
	}
	keys, ok := id.Keys.Get()
	if !ok {
		unread = append(unread, "the list of keys")
	}
	noun := credKeyNoun(r.Type)
	for _, k := range keys {
		active, known := credKeyActive(r.Type, k)
		switch {
		case !known:
			unread = append(unread, fmt.Sprintf("whether %s %s is active", noun, k.ID))
		case active:
			judge(k.ID, noun+" "+k.ID, k.LastUsed, k.Created)
		}
	}

	evidence := map[string]any{"maxUnusedDays": maxDays, "unused": stale}
	if len(unread) > 0 {
		evidence["unread"] = unread
	}
	switch {
	case len(stale) > 0:
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("unused for more than %d days: %s", maxDays, strings.Join(text, "; "))}
	case len(unread) > 0:
		return Result{Status: Error, Evidence: evidence, Message: "could not read " + strings.Join(unread, "; ")}
	case inUse == 0:
		return Result{Status: Pass, Evidence: evidence, Message: credNoneMessage(r.Type)}
	}
	switch inUse {
	case 1:
		return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("the one active credential was used within the last %d days", maxDays)}
	case 2:
		return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("both active credentials were used within the last %d days", maxDays)}
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("all %d active credentials were used within the last %d days", inUse, maxDays)}
}

// credNoneMessage says that an identity holds no credential to be unused.
func credNoneMessage(resourceType string) string {
	if resourceType == inventory.GCPServiceAccount {
		return "no active user-managed keys"
	}
	return "no console password and no active access keys"
}
