package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	sdk "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/sivchari/kumo"
)

// kumo (github.com/sivchari/kumo) is an AWS emulator written by others. This
// test builds a small estate in it through the SDK's own create calls and
// scans it with the built binary: an independent check that the AWS
// scanners read real-SDK-shaped answers the way our simulator says they
// look. kumo v0.33.1 answers the scanners' reads as follows (read from its
// internal/service sources and seen in this test's requests):
//
//   - sts GetCallerIdentity: account 000000000000 for any credentials (IAM
//     ARNs carry 123456789012 instead: kumo's services do not agree).
//   - ec2 DescribeSecurityGroups, DescribeVpcs, DescribeInstances,
//     DescribeNetworkInterfaces (an empty stub): yes, without paging.
//     DescribeNetworkAcls, DescribeVolumes, GetEbsEncryptionByDefault,
//     DescribeRegions: not implemented; kumo answers HTTP 400 with a JSON
//     body the EC2 SDK cannot parse, so the error reads
//     "UnknownError: UnknownError".
//   - kms ListKeys, ListAliases, DescribeKey, GetKeyRotationStatus: yes, but
//     rotation is not modelled: GetKeyRotationStatus always says false and
//     EnableKeyRotation is InvalidAction, so no key can pass.
//   - s3 ListBuckets: yes, but without BucketRegion, so the scanner asks
//     GetBucketLocation, which kumo answers "us-east-1" for every bucket.
//     GetBucketEncryption, GetBucketPolicy, GetPublicAccessBlock: yes, with
//     S3's "not configured" 404 codes.
//   - iam ListPolicies, ListUsers, ListAccessKeys: yes.
//     GenerateCredentialReport, GetCredentialReport, GetAccountSummary,
//     GetAccountPasswordPolicy, GetPolicyVersion: InvalidAction (HTTP 400,
//     IAM's XML envelope).
//   - ssm: parameters only; DescribeInstanceInformation and the patch calls
//     answer ValidationException "The action ... is not valid".
//   - rds DescribeDBInstances, elbv2 DescribeLoadBalancers and
//     DescribeListeners: yes; elbv2 DescribeSSLPolicies: not implemented
//     (not called here: the estate has no listener).

// kumoAccount is what kumo's STS says the caller's account is.
const kumoAccount = "000000000000"

// kumoProxy stands between the binary and kumo and records every request,
// so the test can say which operations a scan called and that none wrote.
type kumoProxy struct {
	mu  sync.Mutex
	ops []string
}

// operation names a request the way IAM actions do: "ec2:DescribeVpcs",
// "kms:ListKeys", and for S3's REST calls the method and sub-resource.
func kumoOperation(r *http.Request) string {
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, op, _ := strings.Cut(target, ".")
		service := map[string]string{"TrentService": "kms", "AmazonSSM": "ssm", "AWSOrganizationsV20161128": "organizations"}[prefix]
		if service == "" {
			service = prefix
		}
		return service + ":" + op
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		return signingService(r) + ":" + form.Get("Action")
	}
	var subs []string
	for k := range r.URL.Query() {
		subs = append(subs, k)
	}
	sort.Strings(subs)
	return "s3:" + r.Method + " " + strings.Join(subs, "&")
}

// signingService is the service in the request's SigV4 credential scope.
func signingService(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	_, scope, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return "unsigned"
	}
	parts := strings.Split(strings.SplitN(scope, ",", 2)[0], "/")
	if len(parts) < 4 {
		return "unsigned"
	}
	return parts[3]
}

func (p *kumoProxy) operations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.ops)
}

// startKumo starts kumo in-process and a recording proxy in front of it; the
// returned URL is kumo's own, for the test's create calls.
func startKumo(t *testing.T) (kumoURL string, proxyURL string, p *kumoProxy) {
	t.Helper()
	srv := kumo.NewServer()
	t.Cleanup(srv.Close)
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	p = &kumoProxy{}
	rp := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		op := kumoOperation(r)
		p.mu.Lock()
		p.ops = append(p.ops, op)
		p.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	return srv.URL, proxy.URL, p
}

// kumoEstate is what the test created in kumo.
type kumoEstate struct {
	sshWorld, sshOffice string // security group ids
	user, userARN       string
	keyPlain, keyRotate string // KMS key ARNs
	// bucketTLS denies plain HTTP and is encrypted with keyPlain;
	// bucketSSES3 uses S3's own key; bucketHTTP has neither.
	bucketTLS, bucketSSES3, bucketHTTP string
}

func buildKumoEstate(t *testing.T, endpoint string) kumoEstate {
	t.Helper()
	ctx := context.Background()
	cfg := sdk.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAKUMOTESTSETUP001", "kumo-test-secret", ""),
		BaseEndpoint: sdk.String(endpoint),
	}
	var e kumoEstate

	ec2c := ec2.NewFromConfig(cfg)
	vpc, err := ec2c.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: sdk.String("10.20.0.0/16")})
	if err != nil {
		t.Fatalf("ec2 CreateVpc: %v", err)
	}
	group := func(name, cidr string) string {
		t.Helper()
		sg, err := ec2c.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
			GroupName: sdk.String(name), Description: sdk.String("ssh from " + cidr), VpcId: vpc.Vpc.VpcId,
		})
		if err != nil {
			t.Fatalf("ec2 CreateSecurityGroup %s: %v", name, err)
		}
		_, err = ec2c.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{
			GroupId: sg.GroupId,
			IpPermissions: []ec2types.IpPermission{{
				IpProtocol: sdk.String("tcp"), FromPort: sdk.Int32(22), ToPort: sdk.Int32(22),
				IpRanges: []ec2types.IpRange{{CidrIp: sdk.String(cidr)}},
			}},
		})
		if err != nil {
			t.Fatalf("ec2 AuthorizeSecurityGroupIngress %s: %v", name, err)
		}
		return sdk.ToString(sg.GroupId)
	}
	e.sshWorld = group("ssh-world", "0.0.0.0/0")
	e.sshOffice = group("ssh-office", "203.0.113.10/32")

	iamc := iam.NewFromConfig(cfg)
	e.user = "alice"
	u, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: sdk.String(e.user)})
	if err != nil {
		t.Fatalf("iam CreateUser: %v", err)
	}
	e.userARN = sdk.ToString(u.User.Arn)
	if _, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: sdk.String(e.user)}); err != nil {
		t.Fatalf("iam CreateAccessKey: %v", err)
	}

	kmsc := kms.NewFromConfig(cfg)
	key := func(desc string) string {
		t.Helper()
		k, err := kmsc.CreateKey(ctx, &kms.CreateKeyInput{Description: sdk.String(desc)})
		if err != nil {
			t.Fatalf("kms CreateKey: %v", err)
		}
		return sdk.ToString(k.KeyMetadata.Arn)
	}
	e.keyPlain = key("no rotation")
	e.keyRotate = key("rotation asked for")
	// kumo v0.33.1 has no EnableKeyRotation. Should a later kumo add it,
	// this fails and the key-rotation assertions below must expect a pass
	// for keyRotate.
	_, err = kmsc.EnableKeyRotation(ctx, &kms.EnableKeyRotationInput{KeyId: sdk.String(e.keyRotate)})
	if code := apiErrorCode(err); code != "InvalidAction" {
		t.Fatalf("kms EnableKeyRotation: error %v (code %q), want kumo's InvalidAction (rotation is not modelled)", err, code)
	}

	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = true })
	e.bucketTLS, e.bucketSSES3, e.bucketHTTP = "acme-tls-only", "acme-sse-s3", "acme-plain"
	for _, b := range []string{e.bucketTLS, e.bucketSSES3, e.bucketHTTP} {
		if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: sdk.String(b)}); err != nil {
			t.Fatalf("s3 CreateBucket %s: %v", b, err)
		}
	}
	for b, def := range map[string]s3types.ServerSideEncryptionByDefault{
		e.bucketTLS:   {SSEAlgorithm: s3types.ServerSideEncryptionAwsKms, KMSMasterKeyID: sdk.String(e.keyPlain)},
		e.bucketSSES3: {SSEAlgorithm: s3types.ServerSideEncryptionAes256},
	} {
		_, err = s3c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
			Bucket: sdk.String(b),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{
				Rules: []s3types.ServerSideEncryptionRule{{ApplyServerSideEncryptionByDefault: &def}},
			},
		})
		if err != nil {
			t.Fatalf("s3 PutBucketEncryption %s: %v", b, err)
		}
	}
	policy := `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:*",` +
		`"Resource":["arn:aws:s3:::acme-tls-only","arn:aws:s3:::acme-tls-only/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`
	if _, err := s3c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: sdk.String(e.bucketTLS), Policy: sdk.String(policy)}); err != nil {
		t.Fatalf("s3 PutBucketPolicy: %v", err)
	}
	return e
}

func apiErrorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

// kumoFinding is the part of a finding this test reads.
type kumoFinding struct {
	Control  string `json:"control"`
	Status   string `json:"status"`
	Resource struct {
		Target string `json:"target"`
		Region string `json:"region"`
		Type   string `json:"type"`
		ID     string `json:"id"`
		Name   string `json:"name"`
	} `json:"resource"`
	Responsible *struct {
		Party string `json:"party"`
	} `json:"responsible"`
	Evidence map[string]any `json:"evidence"`
	Message  string         `json:"message"`
}

// kumoDoc is the part of the findings document this test reads.
type kumoDoc struct {
	Findings []kumoFinding `json:"findings"`
	Errors   []struct {
		Target        string   `json:"target"`
		Region        string   `json:"region"`
		Domain        string   `json:"domain"`
		Operation     string   `json:"operation"`
		ResourceTypes []string `json:"resourceTypes"`
		Message       string   `json:"message"`
	} `json:"errors"`
}

// scanKumo runs the built binary against the proxy with a clean AWS
// environment: static test credentials, no profile, no IMDS.
func scanKumo(t *testing.T, endpoint string, extra ...string) (result, kumoDoc) {
	t.Helper()
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_ACCESS_KEY_ID=AKIAKUMOTESTSCAN0001",
		"AWS_SECRET_ACCESS_KEY=kumo-test-secret",
		"AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + empty,
		"AWS_SHARED_CREDENTIALS_FILE=" + empty,
		"AWS_EC2_METADATA_DISABLED=true",
		// Whatever the developer's shell holds must not reach the scan: the
		// SDK reads an empty variable as unset.
		"AWS_PROFILE=", "AWS_DEFAULT_PROFILE=", "AWS_SESSION_TOKEN=", "AWS_DEFAULT_REGION=",
		"AWS_ROLE_ARN=", "AWS_WEB_IDENTITY_TOKEN_FILE=", "AWS_CONTAINER_CREDENTIALS_FULL_URI=",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=",
	}
	decl, err := filepath.Abs(filepath.Join("testdata", "kumo", "declaration.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "findings.json")
	args := append([]string{"scan", "--declaration", decl, "--output", out, "--format", "json", "--include-passed"}, extra...)
	r := ownauditEnv(t, dir, env, args...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("ownaudit %v: exit %d, no findings file (%v); stderr:\n%s", args, r.code, err, r.stderr)
	}
	var doc kumoDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", out, err)
	}
	return r, doc
}

// readOperation says whether a recorded request only reads.
func readOperation(op string) bool {
	service, name, _ := strings.Cut(op, ":")
	if service == "s3" {
		return strings.HasPrefix(name, "GET ") || strings.HasPrefix(name, "HEAD ")
	}
	// The credential report has to be generated before it can be read; IAM
	// counts GenerateCredentialReport as a read-only action.
	return name == "GenerateCredentialReport" || strings.HasPrefix(name, "Describe") ||
		strings.HasPrefix(name, "List") || strings.HasPrefix(name, "Get")
}

// kumoStatus is the status a control must give a resource.
type kumoStatus struct{ control, id, want string }

// checkStatuses asserts that each case has exactly one finding, with the
// status wanted.
func checkStatuses(t *testing.T, doc kumoDoc, cases []kumoStatus) {
	t.Helper()
	for _, tc := range cases {
		var got []kumoFinding
		for _, f := range doc.Findings {
			if f.Control == tc.control && f.Resource.ID == tc.id {
				got = append(got, f)
			}
		}
		if len(got) != 1 {
			t.Errorf("%s on %s: %d findings, want 1", tc.control, tc.id, len(got))
			continue
		}
		if got[0].Status != tc.want {
			t.Errorf("%s on %s: status %s (%s; evidence %v), want %s", tc.control, tc.id, got[0].Status, got[0].Message, got[0].Evidence, tc.want)
		}
	}
}

// checkScan asserts what holds of every scan of the estate: every failing
// finding is acme's, every error is about kumo's account, errors[] names
// exactly the operations wanted (as "domain operation"), and the IAM
// identities kumo cannot describe are reported as unread, not passed.
func checkScan(t *testing.T, doc kumoDoc, e kumoEstate, wantErrs []string) {
	t.Helper()
	for _, f := range doc.Findings {
		if f.Status == "fail" && (f.Responsible == nil || f.Responsible.Party != "acme") {
			t.Errorf("failing %s on %s is attributed to %+v, want acme", f.Control, f.Resource.ID, f.Responsible)
		}
	}
	var got []string
	for _, er := range doc.Errors {
		got = append(got, er.Domain+" "+er.Operation)
		if er.Target != kumoAccount {
			t.Errorf("error entry %s %s names target %q, want %s", er.Domain, er.Operation, er.Target, kumoAccount)
		}
		// IAM users come from the credential report alone (DESIGN: no
		// per-user calls), and kumo has none: alice and her access key
		// cannot be read. That must be said, not hidden.
		if er.Operation == "iam:GenerateCredentialReport" && !slices.Contains(er.ResourceTypes, "aws.iam.user") {
			t.Errorf("the credential report error leaves %v unread, want aws.iam.user among them", er.ResourceTypes)
		}
	}
	sort.Strings(got)
	want := slices.Sorted(slices.Values(wantErrs))
	if !slices.Equal(got, want) {
		t.Errorf("errors[] operations = %q, want %q", got, want)
		for _, er := range doc.Errors {
			t.Logf("error: %s %s %s %v: %s", er.Domain, er.Region, er.Operation, er.ResourceTypes, er.Message)
		}
	}
	for _, f := range doc.Findings {
		if f.Resource.Name == e.user || f.Resource.ID == e.userARN {
			t.Errorf("%s on %s (%s): kumo has no credential report, so how was the user read?", f.Control, f.Resource.ID, f.Status)
		}
		if strings.HasPrefix(f.Control, "iam.root_") && f.Status != "error" {
			t.Errorf("%s on %s: status %s, want error (neither the credential report nor the account summary could be read)", f.Control, f.Resource.ID, f.Status)
		}
	}
	if t.Failed() {
		for _, f := range doc.Findings {
			t.Logf("finding: %s %s %s %s: %s", f.Status, f.Control, f.Resource.Type, f.Resource.ID, f.Message)
		}
	}
}

func TestKumoScan(t *testing.T) {
	kumoURL, proxyURL, proxy := startKumo(t)
	e := buildKumoEstate(t, kumoURL)
	bucketTLS, bucketSSES3, bucketHTTP := "arn:aws:s3:::"+e.bucketTLS, "arn:aws:s3:::"+e.bucketSSES3, "arn:aws:s3:::"+e.bucketHTTP

	// The reads kumo v0.33.1 does not implement (see the comment at the
	// top), one errors[] entry each; anything else is a scanner regression,
	// or a kumo upgrade to account for here.
	kumoGaps := []string{
		"encryption ec2:DescribeVolumes",
		"encryption ec2:GetEbsEncryptionByDefault",
		"firewall ec2:DescribeNetworkAcls",
		"iam iam:GenerateCredentialReport",
		"iam iam:GetAccountPasswordPolicy",
		"iam iam:GetAccountSummary",
		"patching ssm:DescribeInstanceInformation",
	}
	always := []kumoStatus{
		{"firewall.admin_ports_open_to_internet", e.sshWorld, "fail"},
		{"firewall.admin_ports_open_to_internet", e.sshOffice, "pass"},
		{"encryption.key_rotation_disabled", e.keyPlain, "fail"},
		// kumo cannot enable rotation (see buildKumoEstate): its
		// GetKeyRotationStatus says false, so this key fails too.
		{"encryption.key_rotation_disabled", e.keyRotate, "fail"},
	}

	// kumo's ListBuckets names no BucketRegion; the scanner places each
	// bucket through GetBucketLocation, and then reads the buckets'
	// encryption and policies, kumo's own answers.
	buckets := []kumoStatus{
		{"encryption.insecure_transport_allowed", bucketTLS, "pass"},
		{"encryption.insecure_transport_allowed", bucketSSES3, "fail"},
		{"encryption.insecure_transport_allowed", bucketHTTP, "fail"},
		// SSE-KMS with a customer key passes; S3's own key fails; an
		// unencrypted bucket is not this control's business.
		{"encryption.provider_managed_key", bucketTLS, "pass"},
		{"encryption.provider_managed_key", bucketSSES3, "fail"},
	}

	t.Run("kumo as it answers", func(t *testing.T) {
		r, doc := scanKumo(t, proxyURL)
		// --fail-on defaults to none, so failing findings leave the exit
		// code alone; the reads kumo lacks are errors[] entries, and an
		// incomplete scan exits 3.
		if r.code != 3 {
			t.Errorf("scan exit %d, want 3 (incomplete: kumo lacks some reads); stderr:\n%s", r.code, r.stderr)
		}
		checkStatuses(t, doc, append(slices.Clone(always), buckets...))
		checkScan(t, doc, e, kumoGaps)
		for _, f := range doc.Findings {
			if f.Resource.Type == "aws.s3.bucket" && f.Resource.Region != "us-east-1" {
				t.Errorf("%s on %s: bucket in region %q, want us-east-1 (kumo's GetBucketLocation)", f.Control, f.Resource.ID, f.Resource.Region)
			}
		}
	})

	t.Run("fail on high", func(t *testing.T) {
		// With --fail-on high the open SSH port (a high finding) decides
		// the exit code: failing findings outrank an incomplete scan.
		r, doc := scanKumo(t, proxyURL, "--fail-on", "high")
		if r.code != 1 {
			t.Errorf("scan --fail-on high exit %d, want 1; stderr:\n%s", r.code, r.stderr)
		}
		checkStatuses(t, doc, append(slices.Clone(always), buckets...))
		checkScan(t, doc, e, kumoGaps)
	})

	ops := proxy.operations()
	seen := map[string]bool{}
	for _, op := range ops {
		if !readOperation(op) {
			t.Errorf("a scan sent %s, which is not a read", op)
		}
		seen[op] = true
	}
	// Each of the two scans asks kumo once where each of the three buckets
	// is, and no more.
	var located int
	for _, op := range ops {
		if op == "s3:GET location" {
			located++
		}
	}
	if located != 2*3 {
		t.Errorf("GetBucketLocation requests = %d, want 6 (one per bucket per scan)", located)
	}
	t.Logf("%d requests in two scans; operations: %v", len(ops), slices.Sorted(maps.Keys(seen)))
}
