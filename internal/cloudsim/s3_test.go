package cloudsim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// s3TestKey signs for account 111111111111 in the S3 test world.
const s3TestKey = "AKIAS3TEST0000000001"

const s3TestPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::logs-eu/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`

// s3TestBulk is how many filler buckets the audited account holds besides
// the three the cases read, so that ListBuckets needs several pages.
const s3TestBulk = 22

// s3TestWorld is an audited account with buckets of every shape, and a
// second account whose bucket the first must not reach.
func s3TestWorld(t *testing.T) *World {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `aws:
  accessKeys:
    %s: "111111111111"
  accounts:
    - id: "111111111111"
      name: audited
      buckets:
        - name: logs-eu
          region: eu-central-1
          created: 2021-03-04T05:06:07Z
          encryption: aws:kms
          kmsKeyId: arn:aws:kms:eu-central-1:111111111111:key/0b5e1f7a-0000-4000-8000-000000000001
          bucketKey: true
          policy: '%s'
          publicAccessBlock: {blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: true}
          tags: {team: platform, env: prod}
        - name: web-eu
          region: eu-central-1
          encryption: AES256
          kmsKeyId: ignored-for-aes
        - name: plain-us
`, s3TestKey, s3TestPolicy)
	for i := 0; i < s3TestBulk; i++ {
		region := "eu-west-1"
		if i%2 == 1 {
			region = "us-west-2"
		}
		fmt.Fprintf(&b, "        - {name: bulk-%02d, region: %s}\n", i, region)
	}
	b.WriteString(`    - id: "222222222222"
      buckets:
        - {name: other-team, region: eu-central-1}
`)
	w, err := Parse([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func s3StartSim(t *testing.T) *Server {
	t.Helper()
	return serveWorld(t, s3TestWorld(t))
}

// s3HostRecorder remembers the Host and path of every request the client
// sends, and can dial every host name to the simulator, so that
// virtual-hosted names such as logs-eu.s3.localhost reach it.
type s3HostRecorder struct {
	mu    sync.Mutex
	hosts []string
	paths []string
	next  http.RoundTripper
}

func (h *s3HostRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	h.mu.Lock()
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	h.hosts = append(h.hosts, host)
	h.paths = append(h.paths, r.URL.Path)
	h.mu.Unlock()
	return h.next.RoundTrip(r)
}

func (h *s3HostRecorder) last() (host, path string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.hosts) == 0 {
		return "", ""
	}
	return h.hosts[len(h.hosts)-1], h.paths[len(h.paths)-1]
}

// s3Style is one way to address the simulator.
type s3Style struct {
	name      string
	endpoint  func(srv *Server) string
	pathStyle bool
	// wantHost is the Host header a request for bucket should carry ("" for
	// the service itself).
	wantHost func(srv *Server, bucket string) string
	wantPath func(bucket string) string
}

func s3Port(srv *Server) string {
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	return port
}

var s3Styles = []s3Style{
	{
		name:      "path style on the IP endpoint",
		endpoint:  func(srv *Server) string { return srv.URL },
		pathStyle: true,
		wantHost:  func(srv *Server, _ string) string { return strings.TrimPrefix(srv.URL, "http://") },
		wantPath:  func(bucket string) string { return "/" + bucket },
	},
	{
		// What the scanner does: the SDK cannot put a bucket in front of
		// an IP, so it falls back to path style by itself.
		name:     "IP endpoint without UsePathStyle",
		endpoint: func(srv *Server) string { return srv.URL },
		wantHost: func(srv *Server, _ string) string { return strings.TrimPrefix(srv.URL, "http://") },
		wantPath: func(bucket string) string { return "/" + bucket },
	},
	{
		name:      "path style on a host name",
		endpoint:  func(srv *Server) string { return "http://s3.localhost:" + s3Port(srv) },
		pathStyle: true,
		wantHost:  func(srv *Server, _ string) string { return "s3.localhost:" + s3Port(srv) },
		wantPath:  func(bucket string) string { return "/" + bucket },
	},
	{
		// A host of no S3 shape: virtual-hosted because its first label is
		// a bucket of the world, which the router finds through the
		// server; an unknown first label cannot be told from a path-style
		// host, and is answered NoSuchBucket all the same.
		name:     "virtual-hosted on a plain host name",
		endpoint: func(srv *Server) string { return "http://sim.test:" + s3Port(srv) },
		wantHost: func(srv *Server, bucket string) string {
			if bucket == "" {
				return "sim.test:" + s3Port(srv)
			}
			return bucket + ".sim.test:" + s3Port(srv)
		},
		wantPath: func(string) string { return "/" },
	},
	{
		name:     "virtual-hosted",
		endpoint: func(srv *Server) string { return "http://s3.localhost:" + s3Port(srv) },
		wantHost: func(srv *Server, bucket string) string {
			if bucket == "" {
				return "s3.localhost:" + s3Port(srv)
			}
			return bucket + ".s3.localhost:" + s3Port(srv)
		},
		wantPath: func(string) string { return "/" },
	},
}

// s3TestClient is the real SDK client for region, addressing the simulator
// in style, with every host name dialled to the simulator's address.
func s3TestClient(t *testing.T, srv *Server, style s3Style, region string) (*s3.Client, *s3HostRecorder) {
	t.Helper()
	addr := strings.TrimPrefix(srv.URL, "http://")
	var d net.Dialer
	rec := &s3HostRecorder{next: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return d.DialContext(ctx, network, addr)
		},
	}}
	cfg := sdkConfig(srv, s3TestKey, region)
	cfg.BaseEndpoint = aws.String(style.endpoint(srv))
	cfg.HTTPClient = &http.Client{Transport: rec}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) { o.UsePathStyle = style.pathStyle })
	return client, rec
}

// s3Case is one call and what it must answer.
type s3Case struct {
	name   string
	region string // of the client
	bucket string
	call   func(ctx context.Context, c *s3.Client, bucket string) (any, error)
	want   any
	// wantOp, wantCode and wantStatus are what the simulator records and
	// the SDK reports.
	wantOp     string
	wantCode   string
	wantStatus int
}

func s3CallGetEncryption(ctx context.Context, c *s3.Client, bucket string) (any, error) {
	out, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &bucket})
	if err != nil {
		return nil, err
	}
	type rule struct {
		Algorithm, Key string
		BucketKey      bool
	}
	var rules []rule
	for _, r := range out.ServerSideEncryptionConfiguration.Rules {
		d := r.ApplyServerSideEncryptionByDefault
		rules = append(rules, rule{string(d.SSEAlgorithm), aws.ToString(d.KMSMasterKeyID), aws.ToBool(r.BucketKeyEnabled)})
	}
	return rules, nil
}

func s3CallGetPolicy(ctx context.Context, c *s3.Client, bucket string) (any, error) {
	out, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &bucket})
	if err != nil {
		return nil, err
	}
	return aws.ToString(out.Policy), nil
}

func s3CallGetPublicAccessBlock(ctx context.Context, c *s3.Client, bucket string) (any, error) {
	out, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &bucket})
	if err != nil {
		return nil, err
	}
	p := out.PublicAccessBlockConfiguration
	return [4]bool{aws.ToBool(p.BlockPublicAcls), aws.ToBool(p.IgnorePublicAcls), aws.ToBool(p.BlockPublicPolicy), aws.ToBool(p.RestrictPublicBuckets)}, nil
}

func s3CallGetLocation(ctx context.Context, c *s3.Client, bucket string) (any, error) {
	out, err := c.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: &bucket})
	if err != nil {
		return nil, err
	}
	return string(out.LocationConstraint), nil
}

func s3CallGetTagging(ctx context.Context, c *s3.Client, bucket string) (any, error) {
	out, err := c.GetBucketTagging(ctx, &s3.GetBucketTaggingInput{Bucket: &bucket})
	if err != nil {
		return nil, err
	}
	tags := map[string]string{}
	for _, tag := range out.TagSet {
		tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return tags, nil
}

func s3CallHead(ctx context.Context, c *s3.Client, bucket string) (any, error) {
	out, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &bucket})
	if err != nil {
		return nil, err
	}
	return aws.ToString(out.BucketRegion), nil
}

func s3CallListObjects(ctx context.Context, c *s3.Client, bucket string) (any, error) {
	out, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: &bucket})
	if err != nil {
		return nil, err
	}
	return fmt.Sprintf("%s keys=%d contents=%d truncated=%v", aws.ToString(out.Name), aws.ToInt32(out.KeyCount), len(out.Contents), aws.ToBool(out.IsTruncated)), nil
}

var s3Cases = []s3Case{
	{name: "encryption with a KMS key", region: "eu-central-1", bucket: "logs-eu", call: s3CallGetEncryption,
		want: []struct {
			Algorithm, Key string
			BucketKey      bool
		}{{"aws:kms", "arn:aws:kms:eu-central-1:111111111111:key/0b5e1f7a-0000-4000-8000-000000000001", true}},
		wantOp: "GetBucketEncryption", wantStatus: 200},
	{name: "encryption with S3 keys drops the key id", region: "eu-central-1", bucket: "web-eu", call: s3CallGetEncryption,
		want: []struct {
			Algorithm, Key string
			BucketKey      bool
		}{{"AES256", "", false}},
		wantOp: "GetBucketEncryption", wantStatus: 200},
	{name: "no encryption configuration", region: "us-east-1", bucket: "plain-us", call: s3CallGetEncryption,
		wantOp: "GetBucketEncryption", wantCode: "ServerSideEncryptionConfigurationNotFoundError", wantStatus: 404},
	{name: "policy", region: "eu-central-1", bucket: "logs-eu", call: s3CallGetPolicy, want: s3TestPolicy,
		wantOp: "GetBucketPolicy", wantStatus: 200},
	{name: "no policy", region: "eu-central-1", bucket: "web-eu", call: s3CallGetPolicy,
		wantOp: "GetBucketPolicy", wantCode: "NoSuchBucketPolicy", wantStatus: 404},
	{name: "public access block", region: "eu-central-1", bucket: "logs-eu", call: s3CallGetPublicAccessBlock,
		want: [4]bool{true, true, false, true}, wantOp: "GetPublicAccessBlock", wantStatus: 200},
	{name: "no public access block", region: "eu-central-1", bucket: "web-eu", call: s3CallGetPublicAccessBlock,
		wantOp: "GetPublicAccessBlock", wantCode: "NoSuchPublicAccessBlockConfiguration", wantStatus: 404},
	{name: "location", region: "eu-central-1", bucket: "logs-eu", call: s3CallGetLocation, want: "eu-central-1",
		wantOp: "GetBucketLocation", wantStatus: 200},
	{name: "location of a us-east-1 bucket is empty", region: "us-east-1", bucket: "plain-us", call: s3CallGetLocation, want: "",
		wantOp: "GetBucketLocation", wantStatus: 200},
	{name: "location answers from any region", region: "ap-south-1", bucket: "logs-eu", call: s3CallGetLocation, want: "eu-central-1",
		wantOp: "GetBucketLocation", wantStatus: 200},
	{name: "tags", region: "eu-central-1", bucket: "logs-eu", call: s3CallGetTagging,
		want: map[string]string{"team": "platform", "env": "prod"}, wantOp: "GetBucketTagging", wantStatus: 200},
	{name: "no tags", region: "eu-central-1", bucket: "web-eu", call: s3CallGetTagging,
		wantOp: "GetBucketTagging", wantCode: "NoSuchTagSet", wantStatus: 404},
	{name: "head", region: "eu-central-1", bucket: "logs-eu", call: s3CallHead, want: "eu-central-1",
		wantOp: "HeadBucket", wantStatus: 200},
	{name: "objects", region: "eu-central-1", bucket: "logs-eu", call: s3CallListObjects, want: "logs-eu keys=0 contents=0 truncated=false",
		wantOp: "ListObjectsV2", wantStatus: 200},
	{name: "unknown bucket", region: "eu-central-1", bucket: "no-such-bucket", call: s3CallGetEncryption,
		wantOp: "GetBucketEncryption", wantCode: "NoSuchBucket", wantStatus: 404},
	{name: "unknown bucket policy", region: "eu-central-1", bucket: "no-such-bucket", call: s3CallGetPolicy,
		wantOp: "GetBucketPolicy", wantCode: "NoSuchBucket", wantStatus: 404},
	{name: "unknown bucket public access block", region: "eu-central-1", bucket: "no-such-bucket", call: s3CallGetPublicAccessBlock,
		wantOp: "GetPublicAccessBlock", wantCode: "NoSuchBucket", wantStatus: 404},
	{name: "unknown bucket location", region: "eu-central-1", bucket: "no-such-bucket", call: s3CallGetLocation,
		wantOp: "GetBucketLocation", wantCode: "NoSuchBucket", wantStatus: 404},
	{name: "unknown bucket tags", region: "eu-central-1", bucket: "no-such-bucket", call: s3CallGetTagging,
		wantOp: "GetBucketTagging", wantCode: "NoSuchBucket", wantStatus: 404},
	{name: "unknown bucket objects", region: "eu-central-1", bucket: "no-such-bucket", call: s3CallListObjects,
		wantOp: "ListObjectsV2", wantCode: "NoSuchBucket", wantStatus: 404},
	// HEAD answers carry no body, so the SDK names the error from the status.
	{name: "head of an unknown bucket", region: "eu-central-1", bucket: "no-such-bucket", call: s3CallHead,
		wantOp: "HeadBucket", wantCode: "NotFound", wantStatus: 404},
	{name: "another account's bucket", region: "eu-central-1", bucket: "other-team", call: s3CallGetEncryption,
		wantOp: "GetBucketEncryption", wantCode: "AccessDenied", wantStatus: 403},
	{name: "wrong region redirects", region: "us-west-2", bucket: "logs-eu", call: s3CallGetEncryption,
		wantOp: "GetBucketEncryption", wantCode: "PermanentRedirect", wantStatus: 301},
	{name: "head in the wrong region redirects without a body", region: "us-west-2", bucket: "logs-eu", call: s3CallHead,
		wantOp: "HeadBucket", wantCode: "MovedPermanently", wantStatus: 301},
}

func TestS3BucketOperations(t *testing.T) {
	srv := s3StartSim(t)
	ctx := context.Background()
	for _, style := range s3Styles {
		for _, tc := range s3Cases {
			t.Run(style.name+"/"+tc.name, func(t *testing.T) {
				client, rec := s3TestClient(t, srv, style, tc.region)
				srv.ResetLog()
				got, err := tc.call(ctx, client, tc.bucket)
				code, status := errStatus(err)
				if code != tc.wantCode || status != tc.wantStatus {
					t.Fatalf("%s(%s) error = %q (HTTP %d) [%v], want %q (HTTP %d)", tc.wantOp, tc.bucket, code, status, err, tc.wantCode, tc.wantStatus)
				}
				if err == nil {
					// Compare as printed values: the want literals and the
					// helpers' results are different named types.
					if fmt.Sprint(got) != fmt.Sprint(tc.want) {
						t.Errorf("%s(%s) = %v, want %v", tc.wantOp, tc.bucket, got, tc.want)
					}
				}
				reqs := srv.Requests()
				if len(reqs) != 1 {
					t.Fatalf("simulator answered %d requests (%v), want 1", len(reqs), reqs)
				}
				if r := reqs[0]; r.Action() != "s3:"+tc.wantOp || r.Status != tc.wantStatus || r.Account != "111111111111" || r.Write {
					t.Errorf("recorded %+v, want s3:%s status %d for 111111111111, not a write", r, tc.wantOp, tc.wantStatus)
				}
				host, path := rec.last()
				if want := style.wantHost(srv, tc.bucket); host != want {
					t.Errorf("request host = %q, want %q", host, want)
				}
				if want := style.wantPath(tc.bucket); path != want {
					t.Errorf("request path = %q, want %q", path, want)
				}
			})
		}
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("writes = %v, want none", w)
	}
}

func TestS3RedirectNamesTheBucketRegion(t *testing.T) {
	srv := s3StartSim(t)
	client, _ := s3TestClient(t, srv, s3Styles[0], "us-west-2")
	for _, tc := range []struct {
		name string
		call func(ctx context.Context, c *s3.Client, bucket string) (any, error)
	}{{"GetBucketPolicy", s3CallGetPolicy}, {"HeadBucket", s3CallHead}} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.call(context.Background(), client, "logs-eu")
			var re *smithyhttp.ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("%s from us-west-2 = %v, want an HTTP response error", tc.name, err)
			}
			if got := re.Response.Header.Get("x-amz-bucket-region"); got != "eu-central-1" {
				t.Errorf("x-amz-bucket-region = %q, want eu-central-1", got)
			}
			if got := re.Response.Header.Get("Location"); got != "" {
				t.Errorf("Location = %q, want none (S3 sends none)", got)
			}
		})
	}
}

func TestS3ListBucketsPages(t *testing.T) {
	srv := s3StartSim(t)
	all := []string{}
	for i := 0; i < s3TestBulk; i++ {
		all = append(all, fmt.Sprintf("bulk-%02d", i))
	}
	all = append(all, "logs-eu", "plain-us", "web-eu") // name order
	region := func(name string) string {
		switch {
		case name == "plain-us":
			return "us-east-1"
		case strings.HasSuffix(name, "-eu"):
			return "eu-central-1"
		case (name[len(name)-1]-'0')%2 == 1:
			return "us-west-2"
		}
		return "eu-west-1"
	}
	tests := []struct {
		name      string
		in        s3.ListBucketsInput
		want      []string
		wantPages int
	}{
		{"max-buckets pages", s3.ListBucketsInput{MaxBuckets: aws.Int32(10)}, all, 3},
		{"no parameters: one page", s3.ListBucketsInput{}, all, 1},
		{"prefix", s3.ListBucketsInput{Prefix: aws.String("bulk-")}, all[:s3TestBulk], 1},
		{"prefix with max-buckets", s3.ListBucketsInput{Prefix: aws.String("bulk-1"), MaxBuckets: aws.Int32(4)}, all[10:20], 3},
		{"bucket-region", s3.ListBucketsInput{BucketRegion: aws.String("us-east-1")}, []string{"plain-us"}, 1},
		{"max-buckets above the count", s3.ListBucketsInput{MaxBuckets: aws.Int32(10000)}, all, 1},
	}
	for _, style := range s3Styles {
		for _, tc := range tests {
			t.Run(style.name+"/"+tc.name, func(t *testing.T) {
				client, rec := s3TestClient(t, srv, style, "eu-central-1")
				srv.ResetLog()
				in := tc.in
				p := s3.NewListBucketsPaginator(client, &in)
				var got []string
				pages := 0
				for _, out := range allPages(t, p) {
					pages++
					if aws.ToString(out.Prefix) != aws.ToString(tc.in.Prefix) {
						t.Errorf("Prefix = %q, want %q", aws.ToString(out.Prefix), aws.ToString(tc.in.Prefix))
					}
					if out.Owner == nil || len(aws.ToString(out.Owner.ID)) != 64 {
						t.Errorf("Owner = %+v, want a 64-character canonical id", out.Owner)
					}
					for _, b := range out.Buckets {
						name := aws.ToString(b.Name)
						got = append(got, name)
						if r := aws.ToString(b.BucketRegion); r != region(name) {
							t.Errorf("bucket %s region = %q, want %q", name, r, region(name))
						}
						if b.CreationDate == nil || b.CreationDate.IsZero() {
							t.Errorf("bucket %s has no creation date", name)
						}
						if arn := aws.ToString(b.BucketArn); arn != "arn:aws:s3:::"+name {
							t.Errorf("bucket %s ARN = %q", name, arn)
						}
					}
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("buckets = %v, want %v", got, tc.want)
				}
				if pages != tc.wantPages {
					t.Errorf("pages = %d, want %d", pages, tc.wantPages)
				}
				if got := srv.Counts(); !reflect.DeepEqual(got, map[string]int{"s3:ListBuckets": tc.wantPages}) {
					t.Errorf("requests = %v, want %d s3:ListBuckets", got, tc.wantPages)
				}
				// ListBuckets is a service call: never virtual-hosted.
				if host, path := rec.last(); host != style.wantHost(srv, "") || path != "/" {
					t.Errorf("ListBuckets went to %s%s, want %s/", host, path, style.wantHost(srv, ""))
				}
			})
		}
	}
}

func TestS3ListBucketsCreationDate(t *testing.T) {
	srv := s3StartSim(t)
	client, _ := s3TestClient(t, srv, s3Styles[0], "eu-central-1")
	out, err := client.ListBuckets(context.Background(), &s3.ListBucketsInput{Prefix: aws.String("logs")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Buckets) != 1 {
		t.Fatalf("buckets = %d, want 1", len(out.Buckets))
	}
	if got, want := out.Buckets[0].CreationDate.UTC().Format("2006-01-02T15:04:05Z"), "2021-03-04T05:06:07Z"; got != want {
		t.Errorf("CreationDate = %s, want %s", got, want)
	}
	if out.ContinuationToken != nil {
		t.Errorf("ContinuationToken = %q on the last page, want none", *out.ContinuationToken)
	}
}

func TestS3ListBucketsRejectsBadPaging(t *testing.T) {
	srv := s3StartSim(t)
	client, _ := s3TestClient(t, srv, s3Styles[0], "eu-central-1")
	tests := []struct {
		name string
		in   s3.ListBucketsInput
	}{
		{"max-buckets above 10000", s3.ListBucketsInput{MaxBuckets: aws.Int32(10001)}},
		{"max-buckets zero", s3.ListBucketsInput{MaxBuckets: aws.Int32(0)}},
		{"forged token", s3.ListBucketsInput{ContinuationToken: aws.String("bm90LWEtdG9rZW4")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.ListBuckets(context.Background(), &tc.in)
			if code, status := errStatus(err); code != "InvalidArgument" || status != 400 {
				t.Errorf("ListBuckets(%s) error = %q (HTTP %d) [%v], want InvalidArgument (HTTP 400)", tc.name, code, status, err)
			}
		})
	}
}

func TestS3RefusesWrites(t *testing.T) {
	srv := s3StartSim(t)
	ctx := context.Background()
	for _, style := range s3Styles {
		t.Run(style.name, func(t *testing.T) {
			client, _ := s3TestClient(t, srv, style, "eu-central-1")
			srv.ResetLog()
			_, err := client.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: aws.String("logs-eu"), Policy: aws.String(`{"Version":"2012-10-17","Statement":[]}`)})
			if code, status := errStatus(err); code != "UnauthorizedOperation" || status != 403 {
				t.Errorf("PutBucketPolicy error = %q (HTTP %d) [%v], want UnauthorizedOperation (HTTP 403)", code, status, err)
			}
			_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("new-bucket"),
				CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuCentral1}})
			if err == nil {
				t.Error("CreateBucket succeeded, want it refused")
			}
			var got []string
			for _, w := range srv.Writes() {
				got = append(got, w.Action())
			}
			if want := []string{"s3:PutBucketPolicy", "s3:CreateBucket"}; !reflect.DeepEqual(got, want) {
				t.Errorf("writes = %v, want %v", got, want)
			}
			if got := srv.World().AWS.Accounts[0].bucket("logs-eu").Policy; got != s3TestPolicy {
				t.Errorf("policy after a refused write = %s, want it unchanged", got)
			}
		})
	}
}

func TestS3OperationNames(t *testing.T) {
	w := s3TestWorld(t)
	tests := []struct {
		method, host, target string
		header               map[string]string
		wantOp, wantBucket   string
	}{
		{"GET", "127.0.0.1:9000", "/", nil, "ListBuckets", ""},
		{"GET", "127.0.0.1:9000", "/?x-id=ListBuckets&max-buckets=10", nil, "ListBuckets", ""},
		{"GET", "s3.localhost:9000", "/", nil, "ListBuckets", ""},
		{"GET", "s3.eu-west-1.amazonaws.com", "/", nil, "ListBuckets", ""},
		{"GET", "127.0.0.1:9000", "/logs-eu?encryption", nil, "GetBucketEncryption", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu?encryption=", nil, "GetBucketEncryption", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu?policy", nil, "GetBucketPolicy", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu?policyStatus", nil, "GetBucketPolicyStatus", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu?publicAccessBlock", nil, "GetPublicAccessBlock", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu?location", nil, "GetBucketLocation", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu?tagging", nil, "GetBucketTagging", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu?list-type=2", nil, "ListObjectsV2", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu", nil, "ListObjects", "logs-eu"},
		{"HEAD", "127.0.0.1:9000", "/logs-eu", nil, "HeadBucket", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu/a/b.txt?x-id=GetObject", nil, "GetObject", "logs-eu"},
		{"HEAD", "127.0.0.1:9000", "/logs-eu/a/b.txt", nil, "HeadObject", "logs-eu"},
		{"GET", "127.0.0.1:9000", "/logs-eu/a/b.txt?tagging", nil, "GetObjectTagging", "logs-eu"},
		// Virtual-hosted: the bucket is the host's first label(s).
		{"GET", "logs-eu.s3.localhost:9000", "/?encryption", nil, "GetBucketEncryption", "logs-eu"},
		{"GET", "logs-eu.s3.eu-central-1.amazonaws.com", "/?location", nil, "GetBucketLocation", "logs-eu"},
		{"GET", "my.dotted.bucket.s3.localhost:9000", "/?policy", nil, "GetBucketPolicy", "my.dotted.bucket"},
		{"GET", "s3-logs.s3.localhost", "/?policy", nil, "GetBucketPolicy", "s3-logs"},
		{"GET", "logs-eu.s3-fips.us-east-1.amazonaws.com", "/?policy", nil, "GetBucketPolicy", "logs-eu"},
		{"GET", "unknown-bucket.localhost:9000", "/?tagging", nil, "GetBucketTagging", "unknown-bucket"},
		{"GET", "logs-eu.localhost:9000", "/?list-type=2", nil, "ListObjectsV2", "logs-eu"},
		{"HEAD", "logs-eu.localhost:9000", "/", nil, "HeadBucket", "logs-eu"},
		{"GET", "logs-eu.localhost:9000", "/a/b.txt", nil, "GetObject", "logs-eu"},
		// A host name of no S3 shape is virtual-hosted only when its first
		// label is a bucket of the world.
		{"GET", "web-eu.sim.test:9000", "/?encryption", nil, "GetBucketEncryption", "web-eu"},
		{"GET", "sim.test:9000", "/web-eu?encryption", nil, "GetBucketEncryption", "web-eu"},
		{"GET", "localhost:9000", "/web-eu?encryption", nil, "GetBucketEncryption", "web-eu"},
		{"GET", "[::1]:9000", "/web-eu?encryption", nil, "GetBucketEncryption", "web-eu"},
		// Writes get write names, whatever the SDK's x-id says.
		{"PUT", "127.0.0.1:9000", "/logs-eu?policy", nil, "PutBucketPolicy", "logs-eu"},
		{"DELETE", "127.0.0.1:9000", "/logs-eu?policy", nil, "DeleteBucketPolicy", "logs-eu"},
		{"PUT", "127.0.0.1:9000", "/logs-eu?encryption", nil, "PutBucketEncryption", "logs-eu"},
		{"PUT", "127.0.0.1:9000", "/logs-eu?publicAccessBlock", nil, "PutPublicAccessBlock", "logs-eu"},
		{"DELETE", "127.0.0.1:9000", "/logs-eu?lifecycle", nil, "DeleteBucketLifecycle", "logs-eu"},
		{"PUT", "127.0.0.1:9000", "/new-bucket", nil, "CreateBucket", "new-bucket"},
		{"DELETE", "127.0.0.1:9000", "/logs-eu", nil, "DeleteBucket", "logs-eu"},
		{"PUT", "127.0.0.1:9000", "/logs-eu/k?x-id=PutObject", nil, "PutObject", "logs-eu"},
		{"PUT", "127.0.0.1:9000", "/logs-eu/k", nil, "PutObject", "logs-eu"},
		{"PUT", "127.0.0.1:9000", "/logs-eu/k", map[string]string{"X-Amz-Copy-Source": "/web-eu/k"}, "CopyObject", "logs-eu"},
		{"PUT", "127.0.0.1:9000", "/logs-eu/k?x-id=GetObject", nil, "PutObject", "logs-eu"},
		{"DELETE", "127.0.0.1:9000", "/logs-eu/k", nil, "DeleteObject", "logs-eu"},
		{"POST", "127.0.0.1:9000", "/logs-eu?delete", nil, "DeleteObjects", "logs-eu"},
		{"POST", "127.0.0.1:9000", "/logs-eu/k?uploads", nil, "CreateMultipartUpload", "logs-eu"},
		{"PUT", "127.0.0.1:9000", "/logs-eu/k?partNumber=1&uploadId=u", nil, "UploadPart", "logs-eu"},
		{"POST", "127.0.0.1:9000", "/logs-eu/k?uploadId=u", nil, "CompleteMultipartUpload", "logs-eu"},
		{"PUT", "logs-eu.s3.localhost:9000", "/?tagging", nil, "PutBucketTagging", "logs-eu"},
		{"PUT", "127.0.0.1:9000", "/logs-eu?someday-new", nil, "CreateBucket", "logs-eu"},
		{"POST", "127.0.0.1:9000", "/", nil, "PostBucket", ""},
		{"PUT", "new-bucket.sim.test:9000", "/", nil, "CreateBucket", ""},
		{"GET", "127.0.0.1:9000", "/?prefix=a&max-buckets=3&continuation-token=x&bucket-region=eu-west-1", nil, "ListBuckets", ""},
		// No bucket in host or path, but a bucket subresource: a bucket
		// call for a bucket that is not there.
		{"GET", "no-such-bucket.sim.test:9000", "/?encryption", nil, "GetBucketEncryption", ""},
		{"HEAD", "no-such-bucket.sim.test:9000", "/", nil, "HeadBucket", ""},
		{"GET", "no-such-bucket.sim.test:9000", "/?list-type=2", nil, "ListObjectsV2", ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.host+tc.target, func(t *testing.T) {
			r := httptest.NewRequest(tc.method, "http://"+tc.host+tc.target, nil)
			for k, v := range tc.header {
				r.Header.Set(k, v)
			}
			bucket, key := s3Address(r, w)
			op := s3OpName(r.Method, r.URL.Query(), r.Header, bucket, key)
			if op != tc.wantOp || bucket != tc.wantBucket {
				t.Errorf("s3 operation of %s %s%s = (%s, %q), want (%s, %q)", tc.method, tc.host, tc.target, op, bucket, tc.wantOp, tc.wantBucket)
			}
			if write := tc.method != "GET" && tc.method != "HEAD"; write && readOnly(op) {
				t.Errorf("%s %s%s is named %s, which the core would let through as a read", tc.method, tc.host, tc.target, op)
			}
		})
	}
}

// Every subresource a write can carry must get a name the core refuses.
func TestS3WritesNeverLookLikeReads(t *testing.T) {
	var subs []string
	for _, s := range s3BucketSubresources {
		subs = append(subs, s[0])
	}
	for _, s := range s3ObjectSubresources {
		subs = append(subs, s[0])
	}
	subs = append(subs, "", "list-type=2", "versions", "uploads", "x-id=ListBuckets", "x-id=GetObject", "x-id=HeadObject", "location")
	for _, method := range []string{"PUT", "POST", "DELETE", "PATCH"} {
		for _, target := range []string{"/", "/b", "/b/k"} {
			for _, sub := range subs {
				r := httptest.NewRequest(method, "http://127.0.0.1:9000"+target+"?"+sub, nil)
				op, _ := s3Operation(r)
				if readOnly(op) {
					t.Errorf("%s %s?%s is named %s, which reads as a read", method, target, sub, op)
				}
			}
		}
	}
}
