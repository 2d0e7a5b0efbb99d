package aws

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// iamPageSize is the MaxItems ListPolicies is asked for: IAM's maximum,
// so an account takes as few calls as it can. Tests lower it to see every
// page read.
var iamPageSize int32 = 1000

// iamPolicyFetches bounds the GetPolicyVersion calls of one account in
// flight at once; the scheduler paces them further.
const iamPolicyFetches = 8

// scanIAM reads each account's identities from the credential report
// (checked against the live account summary), its password policy and its
// attached customer-managed policies. IAM is global: the resources carry
// no region.
func scanIAM(ctx context.Context, e *env, t scanners.Target, out *scanners.Sink) error {
	return e.eachAccount(ctx, t, out, inventory.IAM, func(a *account) {
		client := a.iam()
		reads := out.Group(a.scope("", inventory.IAM), 0)
		for _, read := range []func(context.Context, *env, *account, *iam.Client, *scanners.Sink){
			iamIdentities, iamPasswordPolicy, iamPolicies,
		} {
			reads.Go(func() { read(ctx, e, a, client, out) })
		}
		reads.Wait()
	})
}

// iamFail records a failed IAM read; IAM is global, so no region.
func iamFail(out *scanners.Sink, a *account, operation string, types []string, err error) {
	out.Fail(scanError(a.ID, "", inventory.IAM, operation, types, err))
}

// iamIdentities records the root user and the IAM users. The credential
// report is the only source of every user's MFA and key state in one call;
// the account summary is read live beside it, because the report may be
// up to four hours old.
func iamIdentities(ctx context.Context, e *env, a *account, client *iam.Client, out *scanners.Sink) {
	rootARN := fmt.Sprintf("arn:%s:iam::%s:root", partition(a.cfg.Region), a.ID)
	root := inventory.Resource{Cloud: inventory.AWS, Target: a.ID, Type: inventory.AWSRoot, ID: rootARN, Name: "<root_account>",
		Identity: &inventory.Identity{Kind: inventory.IdentityRoot}}

	report, op, err := e.credentialReport(ctx, client)
	if err == nil {
		var rootRow *inventory.Resource
		var users []inventory.Resource
		if rootRow, users, err = parseCredentialReport(report, a.ID); err != nil {
			op, err = "iam:GetCredentialReport", fmt.Errorf("read the credential report: %w", err)
		} else {
			if rootRow != nil {
				root = *rootRow
			}
			out.Add(users...)
		}
	}
	reportRead := err == nil
	if !reportRead {
		iamFail(out, a, op, []string{inventory.AWSRoot, inventory.AWSUser}, err)
	}

	summary, sumErr := client.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if sumErr != nil {
		iamFail(out, a, "iam:GetAccountSummary", []string{inventory.AWSRoot}, sumErr)
	} else {
		crossCheckRoot(root.Identity, summary.SummaryMap, reportRead)
	}
	root.Identity.CentrallyManaged = a.rootCentral
	out.Add(root)
}

// crossCheckRoot brings the root identity up to date with the live account
// summary, which is current where the credential report may be four hours
// old, and records where the two disagree. The summary's MFA and signing
// certificate flags win. Its key flag only says whether root has keys at
// all: none means the known-empty list; some, when the report lists none
// (it is stale), means the keys cannot be described and are left unknown.
// Whether root has a password only the summary says (the report's
// password_enabled is not_supported for root).
func crossCheckRoot(id *inventory.Identity, summary map[string]int32, reportRead bool) {
	disagree := func(report, live string) {
		id.SourceConflicts = append(id.SourceConflicts, fmt.Sprintf(
			"the credential report says %s but the live account summary says %s; the summary is used", report, live))
	}
	if v, ok := summary[string(iamtypes.SummaryKeyTypeAccountMFAEnabled)]; ok {
		if old, known := id.MFAEnabled.Get(); reportRead && known && old != (v == 1) {
			disagree(fmt.Sprintf("mfa_active=%t", old), fmt.Sprintf("AccountMFAEnabled=%d", v))
		}
		id.MFAEnabled = inventory.Known(v == 1)
	}
	if v, ok := summary[string(iamtypes.SummaryKeyTypeAccountPasswordPresent)]; ok {
		id.PasswordEnabled = inventory.Known(v == 1)
	}
	if v, ok := summary[string(iamtypes.SummaryKeyTypeAccountSigningCertificatesPresent)]; ok {
		if old, known := id.SigningCertificates.Get(); reportRead && known && old != (v == 1) {
			disagree(fmt.Sprintf("an active signing certificate is %t", old), fmt.Sprintf("AccountSigningCertificatesPresent=%d", v))
		}
		id.SigningCertificates = inventory.Known(v == 1)
	}
	v, ok := summary[string(iamtypes.SummaryKeyTypeAccountAccessKeysPresent)]
	if !ok {
		return
	}
	keys, known := id.Keys.Get()
	if reportRead && known && (len(keys) > 0) != (v == 1) {
		disagree(fmt.Sprintf("root has %d access keys", len(keys)), fmt.Sprintf("AccountAccessKeysPresent=%d", v))
	}
	switch {
	case v == 0:
		id.Keys = inventory.Known([]inventory.AccessKey{})
	case !reportRead || !known || len(keys) == 0:
		id.Keys = inventory.Opt[[]inventory.AccessKey]{}
	}
}

// credentialReport generates the report, polls until IAM says it is
// complete, and fetches it. It returns the operation that failed with the
// error.
func (e *env) credentialReport(ctx context.Context, client *iam.Client) ([]byte, string, error) {
	deadline := time.Now().Add(e.o.reportTimeout)
	// A small report is ready in well under a second; a large one takes
	// longer. Poll early, then back off to reportPoll.
	wait := e.o.reportPoll / 8
	next := func() time.Duration {
		d := wait
		wait = min(2*wait, e.o.reportPoll)
		return d
	}
	for {
		g, err := client.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			return nil, "iam:GenerateCredentialReport", err
		}
		if g.State == iamtypes.ReportStateTypeComplete {
			break
		}
		if !time.Now().Before(deadline) {
			return nil, "iam:GenerateCredentialReport", fmt.Errorf("the credential report was still %s after %s", g.State, e.o.reportTimeout)
		}
		if err := iamWait(ctx, next()); err != nil {
			return nil, "iam:GenerateCredentialReport", err
		}
	}
	for {
		r, err := client.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
		if err == nil {
			return r.Content, "", nil
		}
		// COMPLETE can reach Generate a moment before Get serves the
		// report; IAM says so with ReportInProgress.
		if errorCode(err) != "ReportInProgress" || !time.Now().Before(deadline) {
			return nil, "iam:GetCredentialReport", err
		}
		if err := iamWait(ctx, next()); err != nil {
			return nil, "iam:GetCredentialReport", err
		}
	}
}

// iamWait waits d or until ctx ends.
func iamWait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Credential report placeholders: no such credential or never used; never
// used since IAM began tracking; a column that does not apply to root.
const (
	reportNA            = "N/A"
	reportNoInformation = "no_information"
	reportNotSupported  = "not_supported"
)

// reportColumns are the columns the scanner reads; the report is parsed by
// header name so a reordered or widened report still reads right.
var reportColumns = []string{"user", "arn", "password_enabled", "password_last_used", "password_last_changed", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date"}

// parseCredentialReport turns the report CSV into the root user (nil when
// the report has no root row) and the IAM users. A value that cannot be
// read leaves its field unknown; only a report without its columns is an
// error.
func parseCredentialReport(content []byte, accountID string) (*inventory.Resource, []inventory.Resource, error) {
	rows, err := readCredentialReport(content)
	if err != nil {
		return nil, nil, err
	}
	var root *inventory.Resource
	var users []inventory.Resource
	for _, row := range rows {
		r := inventory.Resource{Cloud: inventory.AWS, Target: accountID, Type: inventory.AWSUser,
			ID: row["arn"], Name: row["user"], Identity: reportIdentity(row, inventory.IdentityUser)}
		if row["user"] == "<root_account>" {
			r.Type, r.Identity = inventory.AWSRoot, reportIdentity(row, inventory.IdentityRoot)
			root = &r
			continue
		}
		users = append(users, r)
	}
	return root, users, nil
}

// readCredentialReport parses the CSV into rows keyed by column name.
func readCredentialReport(content []byte) ([]map[string]string, error) {
	r := csv.NewReader(bytes.NewReader(content))
	records, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	if len(records) == 0 {
		return nil, errors.New("the report is empty")
	}
	col := map[string]int{}
	for i, name := range records[0] {
		col[strings.TrimSpace(name)] = i
	}
	var missing []string
	for _, name := range reportColumns {
		if _, ok := col[name]; !ok {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the report has no column %s", strings.Join(missing, ", "))
	}
	rows := make([]map[string]string, 0, len(records)-1)
	for _, rec := range records[1:] {
		row := make(map[string]string, len(col))
		for name, i := range col {
			row[name] = strings.TrimSpace(rec[i])
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// reportIdentity reads one report row.
func reportIdentity(row map[string]string, kind string) *inventory.Identity {
	id := &inventory.Identity{
		Kind:       kind,
		MFAEnabled: reportBool(row["mfa_active"]),
	}
	// Root's password_enabled is not_supported, so it stays unknown.
	id.PasswordEnabled = reportBool(row["password_enabled"])
	switch {
	case kind == inventory.IdentityRoot:
		// A placeholder in root's last password use means it was never
		// used.
		id.PasswordLastUsed = reportTime(row["password_last_used"], true)
	case id.PasswordEnabled == inventory.True:
		// The unused-credentials control dates a password that was never
		// used from its last change, so never-used must be a known zero,
		// not unknown. Without a password the column says nothing.
		id.PasswordLastUsed = reportTime(row["password_last_used"], true)
		id.PasswordLastChanged = reportTime(row["password_last_changed"], false)
	}
	keys := []inventory.AccessKey{}
	for _, slot := range []string{"access_key_1", "access_key_2"} {
		active := reportBool(row[slot+"_active"])
		rotated := row[slot+"_last_rotated"]
		if on, _ := active.Get(); !on && reportPlaceholder(rotated) {
			continue // the slot holds no key
		}
		keys = append(keys, inventory.AccessKey{
			// The report names no key ids, only its two slots.
			ID:       slot,
			Active:   active,
			Created:  reportTime(rotated, false),
			LastUsed: reportTime(row[slot+"_last_used_date"], true),
		})
	}
	id.Keys = inventory.Known(keys)
	if kind == inventory.IdentityRoot {
		id.SigningCertificates = reportCertificates(row)
	}
	return id
}

// reportCertificates reads whether any of the row's two signing
// certificate slots is active; unknown when the columns are missing or
// unreadable.
func reportCertificates(row map[string]string) inventory.Bool {
	active, known := false, true
	for _, slot := range []string{"cert_1_active", "cert_2_active"} {
		on, ok := reportBool(row[slot]).Get()
		known = known && ok
		active = active || on
	}
	switch {
	case active:
		return inventory.True
	case known:
		return inventory.False
	}
	return inventory.Bool{}
}

// reportBool reads true/false in any case; anything else is unknown.
func reportBool(s string) inventory.Bool {
	switch strings.ToLower(s) {
	case "true":
		return inventory.True
	case "false":
		return inventory.False
	}
	return inventory.Bool{}
}

// reportPlaceholder reports whether s is one of the report's non-dates.
func reportPlaceholder(s string) bool {
	return s == "" || s == reportNA || s == reportNoInformation || s == reportNotSupported
}

// reportTime reads an ISO 8601 time. A placeholder is the known zero
// ("never") when never is what it means for the column, and unknown
// otherwise; an unreadable value is unknown.
func reportTime(s string, placeholderIsNever bool) inventory.Time {
	if s == reportNA || s == reportNoInformation {
		if placeholderIsNever {
			return inventory.Known(time.Time{})
		}
		return inventory.Time{}
	}
	if reportPlaceholder(s) {
		return inventory.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return inventory.Time{}
	}
	return inventory.Known(t.UTC())
}

// iamPasswordPolicy records the account password policy; an account
// without one gets a policy that is known not to exist.
func iamPasswordPolicy(ctx context.Context, _ *env, a *account, client *iam.Client, out *scanners.Sink) {
	r := inventory.Resource{Cloud: inventory.AWS, Target: a.ID, Type: inventory.AWSPasswordPolicy,
		ID:   fmt.Sprintf("arn:%s:iam::%s:account-password-policy", partition(a.cfg.Region), a.ID),
		Name: "password policy", PasswordPolicy: &inventory.PasswordPolicy{}}
	defer func() { out.Add(r) }()
	res, err := client.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	switch {
	case errorCode(err) == "NoSuchEntity":
		r.PasswordPolicy.Exists = inventory.False
		return
	case err != nil:
		iamFail(out, a, "iam:GetAccountPasswordPolicy", []string{inventory.AWSPasswordPolicy}, err)
		return
	}
	p := r.PasswordPolicy
	p.Exists = inventory.True
	if pp := res.PasswordPolicy; pp != nil {
		if pp.MinimumPasswordLength != nil {
			p.MinLength = inventory.Known(int(*pp.MinimumPasswordLength))
		}
		// IAM leaves PasswordReusePrevention out when reuse is allowed.
		p.ReusePrevention = inventory.Known(int(sdk.ToInt32(pp.PasswordReusePrevention)))
	}
}

// iamPolicies records the attached customer-managed policies and their
// default versions' statements.
func iamPolicies(ctx context.Context, _ *env, a *account, client *iam.Client, out *scanners.Sink) {
	p := iam.NewListPoliciesPaginator(client, &iam.ListPoliciesInput{
		Scope:        iamtypes.PolicyScopeTypeLocal,
		OnlyAttached: true,
		MaxItems:     sdk.Int32(iamPageSize),
	})
	var policies []iamtypes.Policy
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			iamFail(out, a, "iam:ListPolicies", []string{inventory.AWSPolicy}, err)
			break
		}
		policies = append(policies, page.Policies...)
	}
	scanners.Each(out.Fetches(a.scope("", inventory.IAM), iamPolicyFetches), policies, func(pol iamtypes.Policy) {
		out.Add(iamPolicy(ctx, a, client, pol, out))
	})
}

// iamPolicy reads one policy's default version; its statements stay
// unknown when the document cannot be read.
func iamPolicy(ctx context.Context, a *account, client *iam.Client, pol iamtypes.Policy, out *scanners.Sink) inventory.Resource {
	arn := sdk.ToString(pol.Arn)
	r := inventory.Resource{Cloud: inventory.AWS, Target: a.ID, Type: inventory.AWSPolicy, ID: arn, Name: sdk.ToString(pol.PolicyName),
		Policy: &inventory.Policy{}}
	if pol.AttachmentCount != nil {
		r.Policy.Attached = inventory.Known(*pol.AttachmentCount > 0)
	}
	v, err := client.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: pol.Arn, VersionId: pol.DefaultVersionId})
	if err != nil {
		iamFail(out, a, "iam:GetPolicyVersion", []string{inventory.AWSPolicy}, fmt.Errorf("policy %s: %w", arn, err))
		return r
	}
	if v.PolicyVersion == nil || v.PolicyVersion.Document == nil {
		iamFail(out, a, "iam:GetPolicyVersion", []string{inventory.AWSPolicy}, fmt.Errorf("policy %s: the answer has no document", arn))
		return r
	}
	// IAM URL-encodes the document (RFC 3986, so a literal + is not a
	// space) and the SDK hands it over as sent.
	doc, err := url.PathUnescape(*v.PolicyVersion.Document)
	if err != nil {
		iamFail(out, a, "iam:GetPolicyVersion", []string{inventory.AWSPolicy}, fmt.Errorf("policy %s: decode the document: %w", arn, err))
		return r
	}
	stmts, err := parsePolicy(doc)
	if err != nil {
		iamFail(out, a, "iam:GetPolicyVersion", []string{inventory.AWSPolicy}, fmt.Errorf("policy %s: %w", arn, err))
		return r
	}
	r.Policy.Statements = inventory.Known(stmts)
	return r
}
