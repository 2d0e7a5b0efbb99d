package aws

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

func TestCheckAnswer(t *testing.T) {
	const (
		sgs     = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r</requestId><securityGroupInfo/></DescribeSecurityGroupsResponse>`
		ec2Err  = `<Response><Errors><Error><Code>AuthFailure</Code><Message>m</Message></Error></Errors><RequestID>r</RequestID></Response>`
		noSuch  = `<Error><Code>NoSuchBucketPolicy</Code><Message>m</Message><RequestId>r</RequestId></Error>`
		xmlType = "text/xml;charset=UTF-8"
	)
	withID := http.Header{"X-Amzn-Requestid": {"r"}}
	for _, tc := range []struct {
		name          string
		service, op   string
		status        int
		contentType   string
		header        http.Header
		body          string
		want          string // in the error; "" for none
		wantRetryable bool
		wantFinal     bool
		method        string
	}{
		{name: "EC2 answer", service: "EC2", op: "DescribeSecurityGroups", status: 200, contentType: xmlType, body: sgs},
		{name: "EC2 answer, request id in the header only", service: "EC2", op: "DescribeSecurityGroups", status: 200, contentType: xmlType, header: withID,
			body: strings.Replace(sgs, "<requestId>r</requestId>", "", 1)},
		{name: "EC2 error", service: "EC2", op: "DescribeSecurityGroups", status: 401, contentType: xmlType, body: ec2Err},
		{name: "HTML page", service: "EC2", op: "DescribeSecurityGroups", status: 200, contentType: "text/html; charset=utf-8",
			body: "<html><body>sign in</body></html>", want: "an HTML page", wantRetryable: true},
		{name: "HTML page sent as XML", service: "EC2", op: "DescribeSecurityGroups", status: 200, contentType: xmlType, header: withID,
			body: "<html><body>sign in</body></html>", want: "root element is <html>, not <DescribeSecurityGroupsResponse>", wantRetryable: true},
		{name: "HTML error page", service: "IAM", op: "ListPolicies", status: 502, contentType: "text/html", body: "<html>bad gateway</html>",
			want: "HTTP 502", wantRetryable: true},
		{name: "empty 200", service: "EC2", op: "DescribeSecurityGroups", status: 200, contentType: xmlType, header: withID,
			want: "an empty body", wantRetryable: true},
		{name: "empty error", service: "EC2", op: "DescribeSecurityGroups", status: 503, contentType: xmlType},
		{name: "cut off", service: "EC2", op: "DescribeSecurityGroups", status: 200, contentType: xmlType, body: sgs[:len(sgs)-5],
			want: "ends before </DescribeSecurityGroupsResponse>", wantRetryable: true},
		{name: "no content type", service: "EC2", op: "DescribeSecurityGroups", status: 200, body: sgs, want: `content type "", not XML`, wantRetryable: true},
		{name: "no request id", service: "IAM", op: "ListPolicies", status: 200, contentType: "text/xml",
			body: "<ListPoliciesResponse><ListPoliciesResult/></ListPoliciesResponse>", want: "no request id", wantRetryable: true},
		{name: "JSON answer", service: "KMS", op: "ListKeys", status: 200, contentType: "application/x-amz-json-1.1", header: withID, body: `{"Keys":[]}`},
		{name: "JSON cut off", service: "KMS", op: "ListKeys", status: 200, contentType: "application/x-amz-json-1.1", header: withID, body: `{"Keys":[`,
			want: "not a whole JSON object", wantRetryable: true},
		{name: "JSON error cut off", service: "SSM", op: "DescribeInstanceInformation", status: 400, contentType: "application/x-amz-json-1.1", header: withID,
			body: `{"__type":"Throttl`, want: "not a whole JSON object", wantRetryable: true},
		{name: "S3 location, empty root", service: "S3", op: "GetBucketLocation", status: 200, contentType: "application/xml",
			header: http.Header{"X-Amz-Request-Id": {"r"}}, body: `<?xml version="1.0"?>` + "\n" + `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>`},
		{name: "S3 policy", service: "S3", op: "GetBucketPolicy", status: 200, contentType: "application/json",
			header: http.Header{"X-Amz-Request-Id": {"r"}}, body: `{"Version":"2012-10-17","Statement":[]}`},
		{name: "S3 policy, any content type", service: "S3", op: "GetBucketPolicy", status: 200, contentType: "binary/octet-stream",
			header: http.Header{"X-Amz-Request-Id": {"r"}}, body: `{"Version":"2012-10-17","Statement":[]}`},
		{name: "S3 policy cut off", service: "S3", op: "GetBucketPolicy", status: 200, contentType: "application/json",
			header: http.Header{"X-Amz-Request-Id": {"r"}}, body: `{"Version":"2012-10-17","Statem`, want: "not a whole JSON object", wantRetryable: true},
		{name: "S3 policy missing", service: "S3", op: "GetBucketPolicy", status: 404, contentType: "application/xml", body: noSuch},
		{name: "S3 HEAD", service: "S3", op: "HeadBucket", status: 200, method: http.MethodHead},
		{name: "over the limit", service: "EC2", op: "DescribeSecurityGroups", status: 200, contentType: xmlType,
			body: strings.Replace(sgs, "<securityGroupInfo/>", strings.Repeat(" ", 2048), 1), want: "larger than", wantFinal: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.header {
				h[k] = v
			}
			if tc.contentType != "" {
				h.Set("Content-Type", tc.contentType)
			}
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			resp := &http.Response{StatusCode: tc.status, Header: h, Body: io.NopCloser(strings.NewReader(tc.body)),
				ContentLength: -1, Request: &http.Request{Method: method}}
			ctx := awsmiddleware.SetOperationName(awsmiddleware.SetServiceID(context.Background(), tc.service), tc.op)
			err := checkAnswer(ctx, resp, 1024)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("checkAnswer = %v, want an answer", err)
				}
				if b, _ := io.ReadAll(resp.Body); string(b) != tc.body {
					t.Errorf("body left for the decoder = %q, want %q", b, tc.body)
				}
				return
			}
			var bad *badAnswer
			if !errors.As(err, &bad) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("checkAnswer = %v, want a bad answer saying %q", err, tc.want)
			}
			if bad.RetryableError() != tc.wantRetryable || bad.final != tc.wantFinal {
				t.Errorf("retryable %v, final %v; want %v, %v", bad.RetryableError(), bad.final, tc.wantRetryable, tc.wantFinal)
			}
		})
	}
}

// TestBadAnswersFailTheRead has the security group reads answered by
// something other than EC2: every kind fails the read with an error entry
// naming the operation, never an empty list; a bad first attempt is
// retried and the groups are read.
func TestBadAnswersFailTheRead(t *testing.T) {
	const acct = "111111111111"
	regions := []string{"eu-central-1", "eu-west-1"}
	for _, tc := range []struct {
		kind     string
		attempts int
		want     string // in the error entry; "" for a clean read
		code     string // the request outcome counted
	}{
		{kind: cloudsim.BadHTML, want: "an HTML page", code: scanners.CodeInvalidResponse},
		{kind: cloudsim.BadEmpty, want: "an empty body", code: scanners.CodeInvalidResponse},
		{kind: cloudsim.BadTruncated, want: "ends before </DescribeSecurityGroupsResponse>", code: scanners.CodeInvalidResponse},
		{kind: cloudsim.BadReset, want: "ec2:DescribeSecurityGroups"},
		{kind: cloudsim.BadOversized, want: "larger than 1 MiB", code: scanners.CodeInvalidResponse},
		{kind: cloudsim.BadHTML, attempts: 1, code: scanners.CodeInvalidResponse},
		{kind: cloudsim.BadTruncated, attempts: 2, code: scanners.CodeInvalidResponse},
		{kind: cloudsim.BadReset, attempts: 1},
	} {
		name := tc.kind
		if tc.attempts > 0 {
			name += " on the first attempts"
		}
		t.Run(name, func(t *testing.T) {
			srv, o := startSim(t, metricsWorld)
			srv.SetFaults(cloudsim.Faults{BadAnswers: []cloudsim.BadAnswer{
				{Action: "ec2:DescribeSecurityGroups", Kind: tc.kind, Size: 4 << 20, Attempts: tc.attempts}}})
			o.maxAnswer = 1 << 20
			inv := scanDomain(t, o, inventory.Firewall, scanners.Target{ID: acct, Regions: regions})

			groups := len(byType(inv, inventory.AWSSecurityGroup))
			if tc.want == "" {
				for _, e := range inv.Errors {
					t.Errorf("error entry %+v, want the retry to read the groups", e)
				}
				if groups != 1 {
					t.Errorf("security groups = %d, want 1", groups)
				}
			} else {
				var regionsFailed []string
				for _, e := range inv.Errors {
					if e.Operation != "ec2:DescribeSecurityGroups" || !strings.Contains(e.Message, tc.want) {
						t.Errorf("error entry %+v, want ec2:DescribeSecurityGroups saying %q", e, tc.want)
					}
					regionsFailed = append(regionsFailed, e.Region)
				}
				if len(regionsFailed) != len(regions) || groups != 0 {
					t.Errorf("error entries in %v and %d security groups, want an entry in each of %v and none read", regionsFailed, groups, regions)
				}
			}
			// Counted by the scheduler: the simulator records an oversized
			// answer only once it notices the client went away.
			attempts := 0
			for _, rc := range o.Scheduler.Requests() {
				if rc.Operation == "DescribeSecurityGroups" {
					attempts += rc.Count
				}
			}
			switch {
			case tc.kind == cloudsim.BadOversized && attempts != len(regions):
				t.Errorf("%d attempts, want one per region: a body over the limit is not retried", attempts)
			case tc.kind != cloudsim.BadOversized && attempts <= len(regions):
				t.Errorf("%d attempts, want the bad answers retried", attempts)
			}
			if tc.code == "" {
				return
			}
			for _, rc := range o.Scheduler.Requests() {
				if rc.Operation == "DescribeSecurityGroups" && rc.Code == tc.code {
					return
				}
			}
			t.Errorf("request outcomes %+v, want DescribeSecurityGroups counted as %s", o.Scheduler.Requests(), tc.code)
		})
	}
}

// chunked hides a reader's length, as a chunked HTTP body does.
type chunked struct{ r io.Reader }

func (c chunked) Read(p []byte) (int, error) { return c.r.Read(p) }

func TestReadBody(t *testing.T) {
	for _, tc := range []struct {
		name   string
		size   int
		known  bool
		broken bool
		want   string // in the error; "" for none
	}{
		{name: "small, chunked", size: 100},
		{name: "several blocks, chunked", size: 3<<20 + 17},
		{name: "at the limit, chunked", size: 4 << 20},
		{name: "over the limit, chunked", size: 4<<20 + 1, want: "larger than 4 MiB"},
		{name: "at the limit, with a length", size: 4 << 20, known: true},
		{name: "over the limit, with a length", size: 4<<20 + 1, known: true, want: "larger than 4 MiB"},
		{name: "broken off", size: 1 << 20, broken: true, want: "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := strings.Repeat("x", tc.size)
			var r io.Reader = chunked{strings.NewReader(want)}
			length := int64(-1)
			if tc.known {
				length = int64(tc.size)
			}
			if tc.broken {
				r = io.MultiReader(strings.NewReader(want[:tc.size/2]), iotest.ErrReader(io.ErrUnexpectedEOF))
			}
			body, err := readBody(&http.Response{StatusCode: 200, Body: io.NopCloser(r), ContentLength: length}, 4<<20)
			switch {
			case tc.want != "":
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("readBody = %d bytes, %v; want an error saying %q", len(body), err, tc.want)
				}
			case err != nil || string(body) != want:
				t.Errorf("readBody = %d bytes, %v; want the %d bytes", len(body), err, tc.size)
			}
		})
	}
}
