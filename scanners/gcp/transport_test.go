package gcp

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/scanners"
)

// TestThrottlesSlowThePaceDown answers each call's first two attempts with
// 503, then 429 RESOURCE_EXHAUSTED: the scan reads everything, and the
// 429s reached the scheduler, which slowed each API of each project down
// from its pace (it recovers a step per answer, far from all the way in
// one call).
func TestThrottlesSlowThePaceDown(t *testing.T) {
	_, o := startSim(t, fullWorld(t))
	clean := scan(t, o, []scanners.Target{{Group: "organizations/123456789012"}})
	noErrors(t, clean)

	srv, o := startSim(t, fullWorld(t)+"faults: {failFirstAttempts: 2}\n")
	faulted := scan(t, o, []scanners.Target{{Group: "organizations/123456789012"}})
	noErrors(t, faulted)
	if a, b := resourcesJSON(t, clean), resourcesJSON(t, faulted); a != b {
		t.Errorf("the throttled scan read other resources than the clean one:\n%s\nclean:\n%s", b, a)
	}
	if _, throttled := o.Scheduler.Totals("gcp"); throttled == 0 {
		t.Fatal("no request was counted as throttled")
	}
	checked := 0
	for _, r := range srv.Requests() {
		if r.Cloud != "gcp" || r.Account == "" || r.Status != http.StatusTooManyRequests {
			continue
		}
		i := slices.IndexFunc(operations, func(o apiOp) bool { return o.String() == r.Action() })
		if i < 0 {
			t.Errorf("the simulator answered %s, which no scanner calls", r.Action())
			continue
		}
		op := operations[i]
		call := scanners.Call{Cloud: "gcp", Target: r.Account, Service: op.service, Operation: op.name, API: op.String()}
		if op.path.NumSubexp() == 0 && op != opBuckets && op != opBucketPolicy {
			call.Target = "" // the request names no project: one pace for all
		}
		if got, lim := o.Scheduler.Pace(call), limitFor(op.service).PerSecond; got <= 0 || got >= lim {
			t.Errorf("pace of %s in %s after a throttle = %v, want below %v", call.API, call.Target, got, lim)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no throttled request of a project was recorded")
	}
}

// TestOutcomeTellsRateLimitsFromDenials: a 403 is a throttle when its
// reason is a rate limit, and a denied permission otherwise.
func TestOutcomeTellsRateLimitsFromDenials(t *testing.T) {
	cases := []struct {
		status int
		body   string
		want   string
	}{
		{429, `{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"Quota exceeded"}}`, "RESOURCE_EXHAUSTED"},
		{403, `{"error":{"code":403,"message":"Rate Limit Exceeded","errors":[{"reason":"rateLimitExceeded"}]}}`, codeRateLimited},
		{403, `{"error":{"code":403,"message":"User Rate Limit Exceeded","errors":[{"reason":"userRateLimitExceeded"}]}}`, codeRateLimited},
		{403, `{"error":{"code":403,"status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"RATE_LIMIT_EXCEEDED"}]}}`, codeRateLimited},
		{403, `{"error":{"code":403,"status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"IAM_PERMISSION_DENIED"}]}}`, "PERMISSION_DENIED"},
		{502, `<html>bad gateway</html>`, "502"},
	}
	for _, c := range cases {
		resp := &http.Response{StatusCode: c.status, Body: io.NopCloser(strings.NewReader(c.body))}
		if got := outcome(resp); got != c.want {
			t.Errorf("outcome(%d %s) = %q, want %q", c.status, c.body, got, c.want)
		}
		if rest, _ := io.ReadAll(resp.Body); string(rest) != c.body {
			t.Errorf("outcome(%d) left the body %q, want it put back", c.status, rest)
		}
	}
	if !slices.Contains(throttleCodes, codeRateLimited) {
		t.Error("a rate-limited 403 is not among the codes the scheduler slows down on")
	}
}

// TestPacesNameEveryCallOfAProject checks that each call of a project a
// full scan made is among Paces, so that a declared rate limit can reach
// it.
func TestPacesNameEveryCallOfAProject(t *testing.T) {
	srv, o := startSim(t, fullWorld(t))
	noErrors(t, scan(t, o, []scanners.Target{{Group: "organizations/123456789012"}}))
	named := map[string]bool{}
	for _, p := range Paces() {
		named[p.API] = true
	}
	for _, r := range srv.Requests() {
		i := slices.IndexFunc(operations, func(o apiOp) bool { return o.String() == r.Action() })
		if i < 0 {
			t.Errorf("the simulator answered %s, which no scanner calls", r.Action())
			continue
		}
		if op := operations[i]; (op.path.NumSubexp() > 0 || op == opBuckets || op == opBucketPolicy) != named[op.String()] {
			t.Errorf("%s: names a project = %v, among Paces = %v; want both or neither", op, op.path.NumSubexp() > 0, named[op.String()])
		}
	}
}

// TestBucketPoliciesArePacedPerProject checks that a bucket's IAM policy,
// whose path names no project, is paced and counted with the project the
// scanner reads it for, not in one pace shared by every project.
func TestBucketPoliciesArePacedPerProject(t *testing.T) {
	for _, c := range []struct {
		ctx  context.Context
		want string
	}{
		{context.Background(), ""},
		{forProject(context.Background(), "acme-prod"), "acme-prod"},
	} {
		r := httptest.NewRequestWithContext(c.ctx, "GET", "https://storage.googleapis.com/storage/v1/b/logs/iam?optionsRequestedPolicyVersion=3", nil)
		op, project := classify(r)
		if op != opBucketPolicy || project != c.want {
			t.Errorf("classify = %s in %q, want %s in %q", op, project, opBucketPolicy, c.want)
		}
	}
	r := httptest.NewRequestWithContext(forProject(context.Background(), "other"), "GET", "https://compute.googleapis.com/compute/v1/projects/acme-prod/global/firewalls", nil)
	if _, project := classify(r); project != "acme-prod" {
		t.Errorf("a path that names its project read as %q, want acme-prod", project)
	}
}
