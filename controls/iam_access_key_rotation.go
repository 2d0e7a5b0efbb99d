package controls

import (
	"fmt"
	"strings"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

// AccessKeyRotation fails when an active long-lived key is older than the
// declaration's accessKeyMaxAgeDays.
var AccessKeyRotation = register(&Control{
	ID:            "iam.access_key_rotation",
	Title:         "Active access key is older than the rotation period",
	Domain:        inventory.IAM,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSUser, inventory.AzureStorageAccount, inventory.GCPServiceAccount},
	Rationale: "A long-lived key works from anywhere until it is revoked; the older it is, the more laptops, CI logs, images and former " +
		"colleagues have had a copy. Rotating on a fixed period bounds how long a leaked copy stays useful.",
	Remediation: "Rotate without downtime: create a second key, move every client to it, then retire the old one. " +
		"AWS: aws iam create-access-key --user-name USER; aws iam update-access-key --access-key-id OLD --status Inactive; " +
		"aws iam delete-access-key --access-key-id OLD once nothing breaks. Better, replace the user's keys with a role (IAM Identity Center, instance profiles, OIDC federation). " +
		"Azure: move clients to key2, az storage account keys renew --account-name ACCOUNT --key key1, then the reverse next period; set a key " +
		"expiration policy (--key-exp-days) or disable shared key access in favour of Microsoft Entra ID. " +
		"GCP: gcloud iam service-accounts keys create for the new key, then gcloud iam service-accounts keys delete OLD_KEY_ID; better, use " +
		"attached service accounts or workload identity federation and no keys at all.",
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "2.12"},
		{Benchmark: "cis_5.0_azure", ID: "9.3.1.2"},
		{Benchmark: "cis_5.0_gcp", ID: "1.8"},
	},
	Check: checkAccessKeyRotation,
})

// checkAccessKeyRotation measures each active key's age from its creation
// to env.Now, the inventory's collection time. A key known to be too old
// fails the identity even when another key could not be read; otherwise an
// unread key makes the result an error, never a pass.
func checkAccessKeyRotation(env Env, r inventory.Resource) Result {
	id := r.Identity
	if id == nil {
		return unknown("identity")
	}
	if env.Now.IsZero() {
		return unknown("scan time")
	}
	keys, ok := id.Keys.Get()
	if !ok {
		return unknown("access keys")
	}
	maxDays := env.Settings.WithDefaults().AccessKeyMaxAgeDays
	noun := credKeyNoun(r.Type)
	var (
		old, current []map[string]any
		oldText      []string
		unread       []string
	)
	for _, k := range keys {
		active, known := credKeyActive(r.Type, k)
		if !known {
			unread = append(unread, k.ID)
			continue
		}
		if !active {
			continue
		}
		created, ok := k.Created.Get()
		if !ok || created.IsZero() {
			unread = append(unread, k.ID)
			continue
		}
		age := credAgeDays(env.Now, created)
		entry := map[string]any{"id": k.ID, "created": credTime(created), "ageDays": age}
		if credOlder(env.Now, created, maxDays) {
			old = append(old, entry)
			oldText = append(oldText, fmt.Sprintf("%s is %d days old (created %s)", k.ID, age, credDate(created)))
		} else {
			current = append(current, entry)
		}
	}
	evidence := map[string]any{"maxAgeDays": maxDays, "oldKeys": old, "currentKeys": current}
	if len(unread) > 0 {
		evidence["unreadKeys"] = unread
	}
	switch {
	case len(old) == 1:
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("active %s %s, more than the %d days allowed", noun, oldText[0], maxDays)}
	case len(old) > 1:
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf("%d active %ss are older than the %d days allowed: %s",
			len(old), noun, maxDays, strings.Join(oldText, "; "))}
	case len(unread) > 0:
		return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf("the state or creation time of %s %s could not be read",
			credPlural(len(unread), noun), strings.Join(unread, ", "))}
	case len(current) == 0:
		return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("no active %ss", noun)}
	}
	var parts []string
	for _, e := range current {
		parts = append(parts, fmt.Sprintf("%s is %d days old", e["id"], e["ageDays"]))
	}
	return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf("active %s %s, within %d days",
		credPlural(len(current), noun), strings.Join(parts, "; "), maxDays)}
}

// credKeyNoun is what the provider calls the identity's keys.
func credKeyNoun(resourceType string) string {
	switch resourceType {
	case inventory.AzureStorageAccount:
		return "storage account key"
	case inventory.GCPServiceAccount:
		return "user-managed key"
	}
	return "access key"
}

// credKeyActive reports whether a key counts as an active long-lived
// credential, and whether that could be told. On GCP only user-managed
// keys count: Google rotates its own service account keys.
func credKeyActive(resourceType string, k inventory.AccessKey) (active, known bool) {
	if resourceType == inventory.GCPServiceAccount {
		um, ok := k.UserManaged.Get()
		if !ok {
			return false, false
		}
		if !um {
			return false, true
		}
	}
	return k.Active.Get()
}

// credDay is the unit credential ages are counted in.
const credDay = 24 * time.Hour

// credAgeDays is the number of whole days from t to now.
func credAgeDays(now, t time.Time) int { return int(now.Sub(t) / credDay) }

// credOlder reports whether t lies more than days days before now.
func credOlder(now, t time.Time, days int) bool {
	return now.Sub(t) > time.Duration(days)*credDay
}

// credDate renders a time as a UTC date for messages.
func credDate(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// credTime renders a time for evidence.
func credTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// credPlural renders noun for n things: "access key", "access keys".
func credPlural(n int, noun string) string {
	if n == 1 {
		return noun
	}
	return noun + "s"
}
