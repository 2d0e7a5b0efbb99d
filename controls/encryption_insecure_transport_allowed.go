package controls

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ownaudit/ownaudit/inventory"
)

// InsecureTransportAllowed fails when a bucket, storage account or database
// accepts plaintext connections.
var InsecureTransportAllowed = register(&Control{
	ID:            "encryption.insecure_transport_allowed",
	Title:         "Plaintext (non-TLS) access is allowed",
	Domain:        inventory.Encryption,
	Severity:      Medium,
	ResourceTypes: []string{inventory.AWSBucket, inventory.AzureStorageAccount, inventory.GCPSQLInstance},
	Rationale: "Requests sent over plain HTTP or an unencrypted database connection carry data and credentials (signed URLs, SAS tokens, " +
		"database passwords) in the clear to anyone on the path; the server has to refuse them, because a client can always be misconfigured.",
	Remediation: "AWS: add a bucket policy statement that denies every request made without TLS: " +
		`{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::BUCKET","arn:aws:s3:::BUCKET/*"],` +
		`"Condition":{"Bool":{"aws:SecureTransport":"false"}}}` + " (an Allow conditioned on aws:SecureTransport=true is not enough: other grants still apply over HTTP). " +
		"Azure: require secure transfer on the storage account: az storage account update --name ACCOUNT --https-only true. " +
		"GCP: make the Cloud SQL instance refuse unencrypted connections: gcloud sql instances patch INSTANCE --ssl-mode=ENCRYPTED_ONLY " +
		"(or TRUSTED_CLIENT_CERTIFICATE_REQUIRED), after checking every client connects with TLS.",
	References: []Reference{
		{Benchmark: "cis_7.0_aws", ID: "3.1.1"},
		{Benchmark: "cis_5.0_azure", ID: "9.3.4"},
		{Benchmark: "cis_5.0_gcp", ID: "6.4"},
	},
	Notes: "S3: passes only when Deny statements refuse plain-HTTP reads and writes (s3:GetObject and s3:PutObject) to everyone, " +
		"with aws:SecureTransport=false as their only condition, over all of the bucket's objects. A statement the evaluator does not " +
		"model (NotResource, a condition operator IAM does not know, aws:SecureTransport tested by an operator other than Bool) makes " +
		"the verdict error only when it could change it: only a Deny over reads or writes can turn a fail into a pass, so a correct " +
		"TLS-deny passes whatever else the policy holds, and an Allow, however written, never makes it error. A Deny with NotPrincipal " +
		"is modelled: it spares the principals it lists, who can still use plain HTTP, so it does not count as refusing plaintext.",
	Check: checkInsecureTransport,
})

func checkInsecureTransport(_ Env, r inventory.Resource) Result {
	switch r.Type {
	case inventory.AWSBucket:
		if r.Storage == nil {
			return unknown("storage")
		}
		return checkS3SecureTransport(r.Storage.Policy)
	case inventory.AzureStorageAccount:
		if r.Storage == nil {
			return unknown("storage")
		}
		on, ok := r.Storage.HTTPSOnly.Get()
		switch {
		case !ok:
			return unknown("secure transfer required (supportsHttpsTrafficOnly)")
		case !on:
			return Result{Status: Fail, Message: "the storage account accepts plain HTTP: secure transfer required (supportsHttpsTrafficOnly) is off", Evidence: map[string]any{"httpsOnly": false}}
		default:
			return Result{Status: Pass, Message: "the storage account requires secure transfer (HTTPS only)", Evidence: map[string]any{"httpsOnly": true}}
		}
	case inventory.GCPSQLInstance:
		if r.Database == nil {
			return unknown("database")
		}
		on, ok := r.Database.RequireTLS.Get()
		switch {
		case !ok:
			return unknown("Cloud SQL SSL mode")
		case !on:
			return Result{Status: Fail, Message: "the Cloud SQL instance accepts unencrypted connections (SSL is not required)", Evidence: map[string]any{"requireTls": false}}
		default:
			return Result{Status: Pass, Message: "the Cloud SQL instance accepts only encrypted connections", Evidence: map[string]any{"requireTls": true}}
		}
	}
	return Result{Status: NotApplicable, Message: fmt.Sprintf("%s is not a type this control checks", r.Type)}
}

// The actions that stand for reading and writing objects: a deny must
// cover both for plaintext access to be refused.
const (
	s3ReadAction  = "s3:GetObject"
	s3WriteAction = "s3:PutObject"
)

// checkS3SecureTransport passes a bucket policy only when Deny statements
// refuse plaintext reads and writes to everyone. An Allow conditioned on
// aws:SecureTransport=true does not count: ACLs, IAM policies and other
// statements still grant the same access over HTTP. Reads and writes may be
// refused by separate statements; wildcards count (s3:Get* covers
// s3:GetObject), and so does NotAction.
func checkS3SecureTransport(policy inventory.Opt[[]inventory.Statement]) Result {
	stmts, ok := policy.Get()
	if !ok {
		return unknown("bucket policy")
	}
	if len(stmts) == 0 {
		return Result{Status: Fail, Message: "the bucket has no policy, so nothing refuses plain HTTP requests (no Deny on aws:SecureTransport=false)",
			Evidence: map[string]any{"statements": 0}}
	}
	var denies []int
	reads, writes := false, false
	for i, st := range stmts {
		if !s3DeniesPlaintext(st) {
			continue
		}
		r, w := polCovers(st, s3ReadAction), polCovers(st, s3WriteAction)
		if r || w {
			denies = append(denies, i)
		}
		reads, writes = reads || r, writes || w
	}
	evidence := map[string]any{"statements": len(stmts), "denyStatements": denies, "readsDenied": reads, "writesDenied": writes}
	if reads && writes {
		return Result{Status: Pass, Evidence: evidence, Message: fmt.Sprintf(
			"bucket policy %s reads and writes to everyone when aws:SecureTransport is false", polStatementsVerb(denies, "denies", "deny"))}
	}
	// Only a Deny can turn this verdict into a pass, so only a Deny the
	// evaluator cannot read leaves it open; anything else in the policy,
	// modelled or not, cannot change it.
	if idx, why := s3UnmodeledDenies(stmts); len(idx) > 0 {
		evidence["unmodeledStatements"] = idx
		return Result{Status: Error, Evidence: evidence, Message: fmt.Sprintf(
			"bucket policy %s could refuse plain HTTP in a way the evaluator does not model, so whether plaintext access is refused is unknown",
			polStatementsWhy(idx, why))}
	}
	switch {
	case reads || writes:
		covered, missing := "reads ("+s3ReadAction+")", "writes ("+s3WriteAction+")"
		if writes {
			covered, missing = missing, covered
		}
		return Result{Status: Fail, Evidence: evidence, Message: fmt.Sprintf(
			"bucket policy %s only %s when aws:SecureTransport is false; %s over plain HTTP are not refused", polStatementsVerb(denies, "denies", "deny"), covered, missing)}
	}
	msg := "no Deny statement in the bucket policy refuses plain HTTP (aws:SecureTransport=false) to everyone"
	if allows := s3TLSOnlyAllows(stmts); len(allows) > 0 {
		evidence["tlsOnlyAllowStatements"] = allows
		msg += fmt.Sprintf("; %s access only over TLS, which does not stop other grants from being used over HTTP", polStatementsVerb(allows, "allows", "allow"))
	}
	return Result{Status: Fail, Evidence: evidence, Message: msg}
}

// s3DeniesPlaintext reports whether st is a Deny to everyone whose only
// condition is aws:SecureTransport = false over all of the bucket's
// objects. A further condition (a source IP, a VPC) narrows the deny, so
// plaintext requests outside it still get through.
func s3DeniesPlaintext(st inventory.Statement) bool {
	if !strings.EqualFold(st.Effect, inventory.Deny) || !polEveryone(st.Principals, true) || len(st.Conditions) == 0 {
		return false
	}
	// A Deny with NotPrincipal spares the principals it lists, who may
	// then still use plain HTTP; one with NotResource is not modelled.
	if len(st.NotPrincipals) > 0 || len(st.NotResources) > 0 {
		return false
	}
	for _, c := range st.Conditions {
		if !s3SecureTransportIs(c, "false") {
			return false
		}
	}
	if len(st.Resources) == 0 {
		return true
	}
	return slices.ContainsFunc(st.Resources, s3AllObjects)
}

// s3UnmodeledDenies lists the Deny statements over object reads or writes
// that could refuse plain HTTP in a way the evaluator does not model, and
// what it does not model in them: a NotResource element, a condition
// operator IAM does not know, or aws:SecureTransport tested by an operator
// other than Bool. A Deny with NotPrincipal is modelled: it spares the
// principals it lists, so it never refuses plaintext to everyone.
func s3UnmodeledDenies(stmts []inventory.Statement) ([]int, []string) {
	var idx []int
	var why []string
	for i, st := range stmts {
		if !strings.EqualFold(st.Effect, inventory.Deny) || len(st.NotPrincipals) > 0 ||
			!(polCovers(st, s3ReadAction) || polCovers(st, s3WriteAction)) {
			continue
		}
		reasons := polUnmodeled(st)
		for _, c := range st.Conditions {
			if strings.EqualFold(c.Key, "aws:SecureTransport") && polKnownOperator(c.Operator) &&
				!strings.EqualFold(c.Operator, "Bool") && !strings.EqualFold(c.Operator, "BoolIfExists") {
				reasons = append(reasons, fmt.Sprintf("aws:SecureTransport tested with %s", c.Operator))
			}
		}
		if len(reasons) > 0 {
			idx = append(idx, i)
			why = append(why, strings.Join(reasons, ", "))
		}
	}
	return idx, why
}

// polStatementsWhy names statements with what each one holds: "statement
// 2 (NotResource)", "statements 1 (NotResource) and 3 (condition operator
// X)".
func polStatementsWhy(idx []int, why []string) string {
	parts := make([]string, len(idx))
	for i, n := range idx {
		parts[i] = fmt.Sprintf("%d (%s)", n, why[i])
	}
	if len(parts) == 1 {
		return "statement " + parts[0]
	}
	return "statements " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// polConditionOperators are IAM's condition operators, without the
// IfExists suffix and the ForAllValues:/ForAnyValue: prefixes.
var polConditionOperators = []string{
	"StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase", "StringLike", "StringNotLike",
	"NumericEquals", "NumericNotEquals", "NumericLessThan", "NumericLessThanEquals", "NumericGreaterThan", "NumericGreaterThanEquals",
	"DateEquals", "DateNotEquals", "DateLessThan", "DateLessThanEquals", "DateGreaterThan", "DateGreaterThanEquals",
	"Bool", "BinaryEquals", "IpAddress", "NotIpAddress", "ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike", "Null",
}

// polKnownOperator reports whether op is an IAM condition operator,
// with or without IfExists and a set prefix.
func polKnownOperator(op string) bool {
	lower := strings.ToLower(op)
	for _, prefix := range []string{"forallvalues:", "foranyvalue:"} {
		lower = strings.TrimPrefix(lower, prefix)
	}
	lower = strings.TrimSuffix(lower, "ifexists")
	return slices.ContainsFunc(polConditionOperators, func(known string) bool { return strings.ToLower(known) == lower })
}

// polUnmodeled lists what of a statement the evaluators do not model: a
// NotResource element, and condition operators IAM does not know. A
// statement with any of these makes a verdict error only where it could
// change that verdict; each control says where that is.
func polUnmodeled(st inventory.Statement) []string {
	var out []string
	if len(st.NotResources) > 0 {
		out = append(out, "NotResource")
	}
	for _, c := range st.Conditions {
		if !polKnownOperator(c.Operator) {
			out = append(out, fmt.Sprintf("condition operator %s", c.Operator))
		}
	}
	return out
}

// s3TLSOnlyAllows lists the Allow statements conditioned on
// aws:SecureTransport=true, to explain why they do not suffice.
func s3TLSOnlyAllows(stmts []inventory.Statement) []int {
	var out []int
	for i, st := range stmts {
		if strings.EqualFold(st.Effect, inventory.Allow) && slices.ContainsFunc(st.Conditions, func(c inventory.Condition) bool { return s3SecureTransportIs(c, "true") }) {
			out = append(out, i)
		}
	}
	return out
}

// s3SecureTransportIs reports whether c tests aws:SecureTransport against
// want only. Condition keys are case-insensitive in IAM; BoolIfExists
// behaves like Bool because S3 always sets the key.
func s3SecureTransportIs(c inventory.Condition, want string) bool {
	if !strings.EqualFold(c.Operator, "Bool") && !strings.EqualFold(c.Operator, "BoolIfExists") {
		return false
	}
	if !strings.EqualFold(c.Key, "aws:SecureTransport") || len(c.Values) == 0 {
		return false
	}
	for _, v := range c.Values {
		if !strings.EqualFold(v, want) {
			return false
		}
	}
	return true
}

// s3AllObjects reports whether a bucket policy resource covers every
// object of the bucket: "*", or an ARN whose key part is "*"
// ("arn:aws:s3:::bucket/*"). A bucket policy may only name its own bucket,
// so the bucket part need not be compared.
func s3AllObjects(resource string) bool {
	if resource == "*" {
		return true
	}
	_, path, ok := strings.Cut(resource, ":::")
	if !ok {
		return false
	}
	_, key, ok := strings.Cut(path, "/")
	return ok && key == "*"
}

// polEveryone reports whether a statement's principals include everyone
// ("*"). orNone also accepts a statement with no principal, which in a
// resource policy the normalized model leaves for "applies to all".
func polEveryone(principals []string, orNone bool) bool {
	if len(principals) == 0 {
		return orNone
	}
	return slices.Contains(principals, "*")
}

// polCovers reports whether the statement's actions include action, with
// IAM's case-insensitive * and ? wildcards; a statement with NotActions
// covers every action none of them matches.
func polCovers(st inventory.Statement, action string) bool {
	if len(st.Actions) > 0 {
		return slices.ContainsFunc(st.Actions, func(p string) bool { return polGlob(p, action) })
	}
	if len(st.NotActions) > 0 {
		return !slices.ContainsFunc(st.NotActions, func(p string) bool { return polGlob(p, action) })
	}
	return false
}

// polGlob matches s against an IAM pattern where * matches any run of
// characters and ? one character, ignoring case.
func polGlob(pattern, s string) bool {
	p, s := strings.ToLower(pattern), strings.ToLower(s)
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && (p[pi] == '?' || p[pi] == s[si]):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			// Let the last * swallow one more character and retry.
			mark++
			pi, si = star+1, mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// polStatementsVerb names statements by their index in the policy, with
// the verb agreeing: "statement 2 denies", "statements 0 and 3 deny".
func polStatementsVerb(idx []int, one, many string) string {
	return polStatementList(idx) + " " + polVerb(len(idx), one, many)
}

// polVerb picks the verb form agreeing with n subjects.
func polVerb(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// polStatementList names statements by their index in the policy:
// "statement 2", "statements 0 and 3".
func polStatementList(idx []int) string {
	parts := make([]string, len(idx))
	for i, n := range idx {
		parts[i] = fmt.Sprint(n)
	}
	switch len(parts) {
	case 0:
		return "no statement"
	case 1:
		return "statement " + parts[0]
	}
	return "statements " + strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
