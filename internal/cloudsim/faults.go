package cloudsim

import (
	"math/rand"
	"net/http"
	"path"
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
}

// Denial refuses an action.
type Denial struct {
	Account string `yaml:"account"`
	Action  string `yaml:"action"`
}

// TokenBucket is a token bucket: Capacity tokens, refilled at RefillPerSecond.
type TokenBucket struct {
	Capacity        float64 `yaml:"capacity"`
	RefillPerSecond float64 `yaml:"refillPerSecond"`
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

// inject applies the faults to c; it reports whether it answered.
func (fs *faultState) inject(c *awsCall) bool {
	fs.delay(c.r)
	action := c.Service + ":" + c.Op
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
		key := account + "|" + region + "|" + action
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
