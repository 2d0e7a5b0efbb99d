package cloudsim

import (
	"bytes"
	"io"
	"math/rand"
	"net"
	"net/http"
	"path"
	"strconv"
	"sync"
	"time"
)

// Faults are the failures the simulator injects.
type Faults struct {
	// Latency delays every answer.
	Latency time.Duration `yaml:"latency"`
	// ThrottleRate and ServerErrorRate answer that fraction of requests
	// (0-1) with the service's throttling error or a 5xx.
	ThrottleRate    float64 `yaml:"throttleRate"`
	ServerErrorRate float64 `yaml:"serverErrorRate"`
	// RegionsDown answer every AWS request in these regions with 503.
	RegionsDown []string `yaml:"regionsDown"`
	// AccessDenied refuses actions ("ssm:DescribeInstancePatchStates",
	// patterns such as "ssm:*" work) for an account, or for all accounts
	// when Account is empty. For Azure, Account is a subscription and the
	// action an RBAC action, "*" matching any run of characters
	// ("Microsoft.Network/*", or "*" for the whole subscription). For GCP,
	// Account is a project and Action a permission pattern ("compute.*",
	// or "*" for the whole project).
	AccessDenied []Denial `yaml:"accessDenied"`
	// RateLimits are provider-like token buckets per (account, region,
	// action), keyed by an action pattern such as "ec2:Describe*". A request
	// finding its bucket empty is throttled.
	RateLimits map[string]TokenBucket `yaml:"rateLimits"`
	// Seed makes the random rates repeatable.
	Seed int64 `yaml:"seed"`
	// FailFirstAttempts answers the first N attempts of every call (the
	// SDK numbers them in its amz-sdk-request header) with the service's
	// throttling error, then a 5xx, alternately: a deterministic way to
	// make every call go through the retryer. GCP calls get a 503 first,
	// then a 429.
	FailFirstAttempts int `yaml:"failFirstAttempts"`
	// RetryAfter is the Retry-After Azure's 429 answers carry (1s when
	// unset); Azure's SDK waits that long before it tries again.
	RetryAfter time.Duration `yaml:"retryAfter"`
	// Unanswered names actions ("ec2:*"; "*" for every one) whose requests
	// are read and never answered: the connection stays open until the
	// client gives up or the server closes.
	Unanswered []string `yaml:"unanswered"`
	// BadAnswers answer requests with something that is not the service's
	// answer, as a proxy, a captive portal or a broken network hands back.
	BadAnswers []BadAnswer `yaml:"badAnswers"`
}

// BadAnswer answers the requests for matching actions with something other
// than the service's answer.
type BadAnswer struct {
	// Action is an action pattern ("ec2:Describe*"); empty matches every
	// action.
	Action string `yaml:"action"`
	// Kind is what comes back instead: one of the Bad* kinds.
	Kind string `yaml:"kind"`
	// Size is how many bytes of white space pad an oversized answer.
	Size int64 `yaml:"size"`
	// Attempts limits the fault to the first N attempts of every call (the
	// SDK numbers them); 0 means every attempt.
	Attempts int `yaml:"attempts"`
}

// Kinds of BadAnswer.
const (
	// BadHTML is a 200 with an HTML page, no request id: a proxy's or a
	// captive portal's sign-in page.
	BadHTML = "html"
	// BadEmpty is a 200 with the service's headers and an empty body.
	BadEmpty = "empty"
	// BadTruncated is the first half of the service's answer in a complete
	// HTTP message (its Content-Length says half).
	BadTruncated = "truncated"
	// BadReset is the first half of the service's answer, then the
	// connection reset.
	BadReset = "reset"
	// BadOversized is the service's answer with Size bytes of white space
	// inside its root element, sent chunked: valid, and huge.
	BadOversized = "oversized"
)

// Denial refuses an action.
type Denial struct {
	Account string `yaml:"account"`
	Action  string `yaml:"action"`
}

// TokenBucket is a token bucket: Capacity tokens, refilled at RefillPerSecond.
type TokenBucket struct {
	Capacity        float64 `yaml:"capacity"`
	RefillPerSecond float64 `yaml:"refillPerSecond"`
	// Shared names one bucket per (account, region) that every action of
	// every pattern with the same name draws from, as a provider's quota
	// covers all the reads of a subscription or all the list methods of
	// an API; empty, each action has its own bucket.
	Shared string `yaml:"shared"`
}

// bucketKey is the bucket a request for action draws from under b.
func (b TokenBucket) bucketKey(account, region, action string) string {
	if b.Shared != "" {
		return "shared:" + b.Shared + "|" + account + "|" + region
	}
	return account + "|" + region + "|" + action
}

type faultState struct {
	f Faults

	mu      sync.Mutex
	rng     *rand.Rand
	buckets map[string]*tokens
}

type tokens struct {
	left float64
	last time.Time
}

func newFaultState(f Faults) *faultState {
	return &faultState{f: f, rng: rand.New(rand.NewSource(f.Seed)), buckets: map[string]*tokens{}}
}

// inject applies the faults to c; it reports whether it answered (or
// will never answer).
func (fs *faultState) inject(c *awsCall) bool {
	action := c.Service + ":" + c.Op
	for _, p := range fs.f.Unanswered {
		if matchAction(p, action) {
			c.fault = "unanswered"
			<-c.r.Context().Done()
			return true
		}
	}
	if b, ok := fs.badAnswer(c, action); ok {
		c.fault = b.Kind
		switch b.Kind {
		case BadHTML, BadEmpty:
			c.answerBadly(b, http.StatusOK, "", nil)
			return true
		}
		// The others mangle the answer the handler gives (c.write).
		c.bad = &b
	}
	fs.delay(c.r)
	for _, d := range fs.f.AccessDenied {
		if (d.Account == "" || d.Account == c.Account) && matchAction(d.Action, action) {
			c.AccessDenied()
			return true
		}
	}
	for _, r := range fs.f.RegionsDown {
		if r == c.Region {
			c.Fail(http.StatusServiceUnavailable, "ServiceUnavailable", "the service is unavailable in "+c.Region)
			return true
		}
	}
	if n := sdkAttempt(c.r); n >= 1 && n <= fs.f.FailFirstAttempts {
		if n%2 == 1 {
			c.Throttle()
		} else {
			c.Fail(http.StatusInternalServerError, serverErrorCode(c), "we encountered an internal error; please try again")
		}
		return true
	}
	if fs.emptyBucketFor(c.Account, c.Region, action) || fs.roll(fs.f.ThrottleRate) {
		c.Throttle()
		return true
	}
	if fs.roll(fs.f.ServerErrorRate) {
		c.Fail(http.StatusInternalServerError, serverErrorCode(c), "we encountered an internal error; please try again")
		return true
	}
	return false
}

// serverErrorCode is the code the service answers a 500 with.
func serverErrorCode(c *awsCall) string {
	switch c.svc.protocol {
	case ec2Query, restXML:
		return "InternalError"
	}
	return "InternalFailure"
}

func (fs *faultState) roll(rate float64) bool {
	if rate <= 0 {
		return false
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return fs.rng.Float64() < rate
}

// delay waits out the injected latency, or until the request is gone.
func (fs *faultState) delay(r *http.Request) {
	if fs.f.Latency > 0 {
		select {
		case <-time.After(fs.f.Latency):
		case <-r.Context().Done():
		}
	}
}

// emptyBucketFor takes a token from the bucket of (account, region,
// action) and reports whether it was empty.
func (fs *faultState) emptyBucketFor(account, region, action string) bool {
	for pattern, b := range fs.f.RateLimits {
		if !matchAction(pattern, action) && !rbacMatch(pattern, action) {
			continue
		}
		key := b.bucketKey(account, region, action)
		now := time.Now()
		fs.mu.Lock()
		t, ok := fs.buckets[key]
		if !ok {
			t = &tokens{left: b.Capacity, last: now}
			fs.buckets[key] = t
		}
		t.left = min(b.Capacity, t.left+now.Sub(t.last).Seconds()*b.RefillPerSecond)
		t.last = now
		empty := t.left < 1
		if !empty {
			t.left--
		}
		fs.mu.Unlock()
		return empty
	}
	return false
}

// Throttle answers the service's throttling error.
func (c *awsCall) Throttle() {
	switch c.svc.protocol {
	case ec2Query:
		c.Fail(http.StatusServiceUnavailable, "RequestLimitExceeded", "Request limit exceeded.")
	case awsJSON:
		c.Fail(http.StatusBadRequest, "ThrottlingException", "Rate exceeded")
	case restXML:
		c.Fail(http.StatusServiceUnavailable, "SlowDown", "Please reduce your request rate.")
	default:
		c.Fail(http.StatusBadRequest, "Throttling", "Rate exceeded")
	}
}

func matchAction(pattern, action string) bool {
	ok, err := path.Match(pattern, action)
	return err == nil && ok
}

// badAnswer returns the bad answer that applies to this attempt of c.
func (fs *faultState) badAnswer(c *awsCall, action string) (BadAnswer, bool) {
	for _, b := range fs.f.BadAnswers {
		if b.Action != "" && !matchAction(b.Action, action) {
			continue
		}
		if b.Attempts > 0 && sdkAttempt(c.r) > b.Attempts {
			continue
		}
		return b, true
	}
	return BadAnswer{}, false
}

// answerBadly answers with b instead of the service's answer (status,
// contentType, body), which BadHTML and BadEmpty do not need.
func (c *awsCall) answerBadly(b BadAnswer, status int, contentType string, body []byte) {
	c.status = status
	h := c.w.Header()
	if b.Kind == BadHTML {
		h.Set("Content-Type", "text/html; charset=utf-8")
		c.w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(c.w, "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><form method=\"post\"><input name=\"user\"/></form></body></html>\n")
		return
	}
	if contentType == "" {
		contentType = c.contentType()
	}
	h.Set("Content-Type", contentType)
	h.Set("X-Amzn-RequestId", requestID)
	h.Set("X-Amz-Request-Id", requestID)
	switch b.Kind {
	case BadEmpty:
		h.Set("Content-Length", "0")
		c.w.WriteHeader(http.StatusOK)
	case BadTruncated:
		half := body[:len(body)/2]
		h.Set("Content-Length", strconv.Itoa(len(half)))
		c.w.WriteHeader(status)
		_, _ = c.w.Write(half)
	case BadReset:
		h.Set("Content-Length", strconv.Itoa(len(body)))
		c.w.WriteHeader(status)
		_, _ = c.w.Write(body[:len(body)/2])
		reset(c.w)
	case BadOversized:
		c.w.WriteHeader(status)
		head, tail := splitRoot(body)
		_, _ = c.w.Write(head)
		pad := bytes.Repeat([]byte(" "), 64<<10)
		for left := b.Size; left > 0; left -= int64(len(pad)) {
			if _, err := c.w.Write(pad[:min(left, int64(len(pad)))]); err != nil {
				return // the client stopped reading
			}
		}
		_, _ = c.w.Write(tail)
	default:
		c.w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(c.w, "cloudsim: unknown bad answer kind "+b.Kind)
	}
}

// reset sends what w holds, then resets the connection (RST, not FIN).
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic(http.ErrAbortHandler)
	}
	conn, buf, err := hj.Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = buf.Flush()
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// splitRoot splits a document just inside its root element: after the
// root's start tag (XML) or its opening brace (JSON), where white space
// changes nothing. A body that is neither splits at its end.
func splitRoot(body []byte) (head, tail []byte) {
	i := 0
	for i < len(body) {
		j := bytes.IndexAny(body[i:], "<{")
		if j < 0 {
			break
		}
		i += j
		if body[i] == '{' {
			return body[:i+1], body[i+1:]
		}
		if i+1 < len(body) && body[i+1] != '?' && body[i+1] != '!' {
			if k := bytes.IndexByte(body[i:], '>'); k >= 0 && body[i+k-1] != '/' {
				return body[:i+k+1], body[i+k+1:]
			}
			break
		}
		i++
	}
	return body, nil
}
