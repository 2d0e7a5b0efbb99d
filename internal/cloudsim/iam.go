package cloudsim

import (
	"bytes"
	"crypto/sha1"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// IAM is global: any region of the caller's scope reaches the same
// account data. The credential report is generated over several calls, as
// AWS does, so scanners have to poll.
var iamOps = map[string]awsHandler{
	"GenerateCredentialReport":  iamGenerateCredentialReport,
	"GetCredentialReport":       iamGetCredentialReport,
	"GetAccountPasswordPolicy":  iamGetAccountPasswordPolicy,
	"GetAccountSummary":         iamGetAccountSummary,
	"ListPolicies":              iamListPolicies,
	"GetPolicyVersion":          iamGetPolicyVersion,
	"ListOrganizationsFeatures": iamListOrganizationsFeatures,
}

// iamEpoch dates what the world gives no date for (policy creation, the
// report's generation), so answers are the same on every run.
var iamEpoch = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// credentialReportHeader is the report's 22 columns, in AWS's order.
var credentialReportHeader = []string{
	"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
	"password_next_rotation", "mfa_active",
	"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
	"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
	"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated",
}

// reportCalls counts a GenerateCredentialReport call (when generate is
// true) and returns how many the account has made.
func (c *awsCall) reportCalls(generate bool) int {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if generate {
		c.s.reports[c.Account]++
	}
	return c.s.reports[c.Account]
}

// iamGenerateCredentialReport answers STARTED on the first call, then
// INPROGRESS until the account's ReportDelay calls have been made, then
// COMPLETE.
func iamGenerateCredentialReport(c *awsCall) {
	n := c.reportCalls(true)
	state, desc := "INPROGRESS", "Report generation in progress"
	switch {
	case n > c.Acct.IAM.ReportDelay:
		state, desc = "COMPLETE", ""
	case n == 1:
		state, desc = "STARTED", "No report exists. Starting a new report generation task"
	}
	c.XML(struct {
		Description string `xml:"Description,omitempty"`
		State       string `xml:"State"`
	}{desc, state})
}

func iamGetCredentialReport(c *awsCall) {
	n := c.reportCalls(false)
	switch {
	case n == 0:
		c.Fail(http.StatusGone, "ReportNotPresent", "Credential report not present. Call GenerateCredentialReport to generate a report.")
		return
	case n <= c.Acct.IAM.ReportDelay:
		c.Fail(http.StatusNotFound, "ReportInProgress", "Credential report is still being generated.")
		return
	}
	c.XML(struct {
		Content       string `xml:"Content"`
		GeneratedTime string `xml:"GeneratedTime"`
		ReportFormat  string `xml:"ReportFormat"`
	}{base64.StdEncoding.EncodeToString(credentialReport(c.Account, &c.Acct.IAM)), iamEpoch.Format(time.RFC3339), "text/csv"})
}

// credentialReport renders the account's credential report CSV: the root
// row first, then each user, with AWS's placeholders (N/A, no_information,
// not_supported).
func credentialReport(account string, iam *IAM) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(credentialReportHeader)
	root := iam.Root
	mfa := root.MFA
	if root.ReportMFA != nil {
		mfa = *root.ReportMFA
	}
	lastUsed := credReportTimeOr(root.PasswordLastUsed, "N/A")
	if root.NoPassword {
		lastUsed = "N/A"
	}
	row := []string{"<root_account>", "arn:aws:iam::" + account + ":root", credReportTime(root.Created),
		"not_supported", lastUsed, "not_supported", "not_supported", credReportBool(mfa)}
	row = append(row, credReportKeys(root.AccessKeys)...)
	certs := credReportCerts
	if root.SigningCertificate {
		certs = []string{"true", credReportTime(root.Created), "false", "N/A"}
	}
	_ = w.Write(append(row, certs...))
	for _, u := range iam.Users {
		lastUsed, changed, next := "N/A", "N/A", "N/A"
		if u.Password {
			lastUsed = credReportTimeOr(u.PasswordLastUsed, "no_information")
			set := u.Created
			if u.PasswordLastChanged != nil {
				set = *u.PasswordLastChanged
			}
			changed = credReportTime(set)
			if p := iam.PasswordPolicy; p != nil && p.MaxAge > 0 {
				next = credReportTime(set.AddDate(0, 0, p.MaxAge))
			}
		}
		row := []string{u.Name, "arn:aws:iam::" + account + ":user/" + u.Name, credReportTime(u.Created),
			credReportBool(u.Password), lastUsed, changed, next, credReportBool(u.MFA)}
		row = append(row, credReportKeys(u.AccessKeys)...)
		_ = w.Write(append(row, credReportCerts...))
	}
	w.Flush()
	return buf.Bytes()
}

// credReportCerts are the signing certificate columns of an identity
// without certificates.
var credReportCerts = []string{"false", "N/A", "false", "N/A"}

// credReportKeys renders the two access key slots.
func credReportKeys(keys []AccessKey) []string {
	var out []string
	for i := range 2 {
		if i >= len(keys) {
			out = append(out, "false", "N/A", "N/A", "N/A", "N/A")
			continue
		}
		k := keys[i]
		used, region, service := "N/A", "N/A", "N/A"
		if k.LastUsed != nil {
			used = credReportTime(*k.LastUsed)
			region, service = credReportOrNA(k.LastRegion), credReportOrNA(k.LastService)
		}
		out = append(out, credReportBool(k.Active), credReportTime(k.LastRotated), used, region, service)
	}
	return out
}

// credReportTime is how the credential report prints a time:
// 2026-01-02T03:04:05+00:00.
func credReportTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }

func credReportTimeOr(t *time.Time, placeholder string) string {
	if t == nil {
		return placeholder
	}
	return credReportTime(*t)
}

func credReportBool(b bool) string { return strconv.FormatBool(b) }

func credReportOrNA(s string) string {
	if s == "" {
		return "N/A"
	}
	return s
}

func iamGetAccountPasswordPolicy(c *awsCall) {
	p := c.Acct.IAM.PasswordPolicy
	if p == nil {
		c.Fail(http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("The Password Policy with domain name %s cannot be found.", c.Account))
		return
	}
	type policy struct {
		AllowUsersToChangePassword bool `xml:"AllowUsersToChangePassword"`
		ExpirePasswords            bool `xml:"ExpirePasswords"`
		MaxPasswordAge             int  `xml:"MaxPasswordAge,omitempty"`
		MinimumPasswordLength      int  `xml:"MinimumPasswordLength"`
		PasswordReusePrevention    int  `xml:"PasswordReusePrevention,omitempty"`
		RequireLowercaseCharacters bool `xml:"RequireLowercaseCharacters"`
		RequireNumbers             bool `xml:"RequireNumbers"`
		RequireSymbols             bool `xml:"RequireSymbols"`
		RequireUppercaseCharacters bool `xml:"RequireUppercaseCharacters"`
	}
	minLength := p.MinimumLength
	if minLength == 0 {
		minLength = 8 // what IAM stores when the policy is set without a length
	}
	c.XML(struct {
		PasswordPolicy policy `xml:"PasswordPolicy"`
	}{policy{
		AllowUsersToChangePassword: true, ExpirePasswords: p.MaxAge > 0, MaxPasswordAge: p.MaxAge,
		MinimumPasswordLength: minLength, PasswordReusePrevention: p.ReusePrevention,
		RequireLowercaseCharacters: p.RequireLower, RequireNumbers: p.RequireNumbers,
		RequireSymbols: p.RequireSymbols, RequireUppercaseCharacters: p.RequireUpper,
	}})
}

func iamGetAccountSummary(c *awsCall) {
	iam := &c.Acct.IAM
	mfaDevices := 0
	for _, u := range iam.Users {
		if u.MFA {
			mfaDevices++
		}
	}
	if iam.Root.MFA {
		mfaDevices++
	}
	type entry struct {
		Key   string `xml:"key"`
		Value int    `xml:"value"`
	}
	out := struct {
		Entries []entry `xml:"SummaryMap>entry"`
	}{Entries: []entry{
		{"AccessKeysPerUserQuota", 2},
		{"AccountAccessKeysPresent", iamFlag(len(iam.Root.AccessKeys) > 0)},
		{"AccountMFAEnabled", iamFlag(iam.Root.MFA)},
		{"AccountPasswordPresent", iamFlag(!iam.Root.NoPassword)},
		{"AccountSigningCertificatesPresent", iamFlag(iam.Root.SigningCertificate)},
		{"AttachedPoliciesPerGroupQuota", 10},
		{"AttachedPoliciesPerRoleQuota", 10},
		{"AttachedPoliciesPerUserQuota", 10},
		{"GroupPolicySizeQuota", 5120},
		{"Groups", 0},
		{"GroupsPerUserQuota", 10},
		{"GroupsQuota", 300},
		{"MFADevices", mfaDevices},
		{"MFADevicesInUse", mfaDevices},
		{"Policies", len(iam.Policies)},
		{"PoliciesQuota", 1500},
		{"PolicySizeQuota", 6144},
		{"PolicyVersionsInUse", len(iam.Policies)},
		{"PolicyVersionsInUseQuota", 10000},
		{"Roles", iam.Roles},
		{"RolesQuota", 1000},
		{"ServerCertificates", 0},
		{"ServerCertificatesQuota", 20},
		{"SigningCertificatesPerUserQuota", 2},
		{"UserPolicySizeQuota", 2048},
		{"Users", len(iam.Users)},
		{"UsersQuota", 5000},
		{"VersionsPerPolicyQuota", 5},
	}}
	c.XML(out)
}

func iamFlag(b bool) int {
	if b {
		return 1
	}
	return 0
}

// iamPolicyARN is the policy's ARN: arn:aws:iam::<acct>:policy<path><name>.
func iamPolicyARN(account string, p *IAMPolicy) string {
	return "arn:aws:iam::" + account + ":policy" + iamPolicyPath(p) + p.Name
}

func iamPolicyPath(p *IAMPolicy) string {
	if p.Path == "" {
		return "/"
	}
	return p.Path
}

func iamPolicyVersion(p *IAMPolicy) string {
	if p.Version == "" {
		return "v1"
	}
	return p.Version
}

// iamListPolicies lists the customer-managed policies; the world holds no
// AWS-managed ones, so Scope=AWS lists nothing.
func iamListPolicies(c *awsCall) {
	scope := c.Form.Get("Scope")
	switch scope {
	case "", "All", "Local", "AWS":
	default:
		c.ValidationError(fmt.Sprintf("1 validation error detected: Value '%s' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]", scope))
		return
	}
	onlyAttached := c.Form.Get("OnlyAttached") == "true"
	prefix := c.Form.Get("PathPrefix")
	var match []*IAMPolicy
	if scope != "AWS" {
		for _, p := range c.Acct.IAM.Policies {
			if onlyAttached && p.Attachments == 0 {
				continue
			}
			if prefix != "" && !strings.HasPrefix(iamPolicyPath(p), prefix) {
				continue
			}
			match = append(match, p)
		}
	}
	// MaxItems=0 is a request for zero items, which IAM refuses; Page
	// would read it as "not given".
	if c.Form.Has("MaxItems") && c.Int("MaxItems") < 1 {
		c.ValidationError(fmt.Sprintf("1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1", c.Form.Get("MaxItems")))
		return
	}
	lo, hi, next, ok := c.Page(len(match), c.Int("MaxItems"), c.Form.Get("Marker"), Paging{Default: 100, Min: 1, Max: 1000})
	if !ok {
		return
	}
	type policy struct {
		PolicyName                    string `xml:"PolicyName"`
		PolicyID                      string `xml:"PolicyId"`
		Arn                           string `xml:"Arn"`
		Path                          string `xml:"Path"`
		DefaultVersionID              string `xml:"DefaultVersionId"`
		AttachmentCount               int    `xml:"AttachmentCount"`
		PermissionsBoundaryUsageCount int    `xml:"PermissionsBoundaryUsageCount"`
		IsAttachable                  bool   `xml:"IsAttachable"`
		CreateDate                    string `xml:"CreateDate"`
		UpdateDate                    string `xml:"UpdateDate"`
	}
	out := struct {
		IsTruncated bool     `xml:"IsTruncated"`
		Marker      string   `xml:"Marker,omitempty"`
		Policies    []policy `xml:"Policies>member"`
	}{IsTruncated: next != "", Marker: next}
	for _, p := range match[lo:hi] {
		arn := iamPolicyARN(c.Account, p)
		sum := sha1.Sum([]byte(arn))
		out.Policies = append(out.Policies, policy{
			PolicyName: p.Name, PolicyID: "ANPA" + strings.ToUpper(hex.EncodeToString(sum[:8])), Arn: arn, Path: iamPolicyPath(p),
			DefaultVersionID: iamPolicyVersion(p), AttachmentCount: p.Attachments, IsAttachable: true,
			CreateDate: iamEpoch.Format(time.RFC3339), UpdateDate: iamEpoch.Format(time.RFC3339),
		})
	}
	c.XML(out)
}

// iamGetPolicyVersion answers the default version of a customer-managed
// policy, its document URL-encoded as IAM sends it.
func iamGetPolicyVersion(c *awsCall) {
	arn, version := c.Form.Get("PolicyArn"), c.Form.Get("VersionId")
	for _, p := range c.Acct.IAM.Policies {
		if iamPolicyARN(c.Account, p) != arn || iamPolicyVersion(p) != version {
			continue
		}
		type policyVersion struct {
			CreateDate       string `xml:"CreateDate"`
			Document         string `xml:"Document"`
			IsDefaultVersion bool   `xml:"IsDefaultVersion"`
			VersionID        string `xml:"VersionId"`
		}
		c.XML(struct {
			PolicyVersion policyVersion `xml:"PolicyVersion"`
		}{policyVersion{iamEpoch.Format(time.RFC3339), iamEscapeDocument(p.Document), true, version}})
		return
	}
	c.Fail(http.StatusNotFound, "NoSuchEntity", fmt.Sprintf("Policy %s version %s does not exist or is not attachable.", arn, version))
}

// iamEscapeDocument percent-encodes every byte outside RFC 3986's unreserved
// set, as IAM encodes policy documents (a space is %20, never +).
func iamEscapeDocument(s string) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case 'a' <= ch && ch <= 'z', 'A' <= ch && ch <= 'Z', '0' <= ch && ch <= '9', ch == '-', ch == '.', ch == '_', ch == '~':
			b.WriteByte(ch)
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[ch>>4])
			b.WriteByte(hexDigits[ch&15])
		}
	}
	return b.String()
}

// iamListOrganizationsFeatures lists the organization's centralized root
// access features. IAM answers only the management account (or a
// delegated administrator, which the world does not model); a member gets
// AccountNotManagementOrDelegatedAdministratorException, an account
// outside any organization OrganizationNotFoundException.
func iamListOrganizationsFeatures(c *awsCall) {
	org := c.s.world.AWS.Organization
	switch {
	case org == nil:
		c.Fail(http.StatusBadRequest, "OrganizationNotFoundException", "The request was rejected because no organization is associated with your account.")
		return
	case c.Account != org.Management:
		c.Fail(http.StatusBadRequest, "AccountNotManagementOrDelegatedAdministratorException",
			"The request was rejected because the account making the request is not the management account or delegated administrator account for centralized root access.")
		return
	}
	var features []string
	if org.RootCredentialsManagement {
		features = append(features, "RootCredentialsManagement")
	}
	if org.RootSessions {
		features = append(features, "RootSessions")
	}
	c.XML(struct {
		OrganizationID  string   `xml:"OrganizationId"`
		EnabledFeatures []string `xml:"EnabledFeatures>member"`
	}{"o-sim", features})
}
