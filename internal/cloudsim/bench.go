package cloudsim

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// ProviderLimits are token buckets like AWS's published request rates
// (the ones ownaudit paces itself below), times pace: 0.5 is a provider
// that allows half of ownaudit's default pace. The patterns do not
// overlap, so every action has one bucket.
func ProviderLimits(pace float64) map[string]TokenBucket {
	b := func(capacity, perSecond float64) TokenBucket {
		return TokenBucket{Capacity: max(1, capacity*pace), RefillPerSecond: perSecond * pace}
	}
	return map[string]TokenBucket{
		"ec2:*":                  b(100, 20),
		"iam:*":                  b(20, 10),
		"sts:*":                  b(50, 50),
		"organizations:*":        b(10, 5),
		"ssm:*":                  b(20, 10),
		"kms:List*":              b(50, 50),
		"kms:Describe*":          b(100, 100),
		"kms:Get*":               b(100, 100),
		"rds:*":                  b(40, 10),
		"elasticloadbalancing:*": b(40, 10),
		"s3:*":                   b(100, 50),
	}
}

// BenchDeclaration is the declaration a generated organization is
// scanned with: the organization, every role assumed by BenchRole, an
// MSP owning the four domains and the customer IAM.
var BenchDeclaration = benchDeclaration("aws", "{organization: true, assumeRoleName: "+BenchRole+"}")

// benchDeclaration is the declaration of every generated estate: one
// target of cloud, an MSP owning the four domains but the customer owning
// IAM, and the customer owning the firewalls of what is tagged (or
// labelled) env: dev.
func benchDeclaration(cloud, target string) string {
	return `version: 1
parties:
  - {id: acme, role: customer, name: Acme}
  - {id: msp, role: msp, name: MSP}
targets:
  ` + cloud + `:
    - ` + target + `
responsibilities:
  - match: {cloud: ` + cloud + `}
    assign: {firewall: msp, patching: msp, encryption: msp, iam: acme}
  - match: {cloud: ` + cloud + `, tags: {env: dev}}
    assign: {firewall: acme}
`
}

// BenchEnv is the environment that points the binary's AWS SDK at the
// simulator at url with the management account's key, shutting out the
// machine's own AWS configuration (dir receives an empty config file).
func BenchEnv(url, dir string) []string {
	empty := filepath.Join(dir, "empty-aws-config")
	_ = writeEmpty(empty)
	return []string{
		"PATH=/usr/bin:/bin",
		"HOME=" + dir,
		"AWS_ENDPOINT_URL=" + url,
		"AWS_ACCESS_KEY_ID=" + BenchAccessKey,
		"AWS_SECRET_ACCESS_KEY=simulated-secret",
		"AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + empty,
		"AWS_SHARED_CREDENTIALS_FILE=" + empty,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

// Stats sums up the requests a scan made.
type Stats struct {
	// Requests counts every request, retries included; Calls only first
	// attempts; Throttled the requests answered with a throttling error.
	Requests, Calls, Throttled int
	latency                    time.Duration
	// calls per bucket, and each bucket's limit, for the bound.
	buckets map[string]int
	limits  map[string]TokenBucket
}

// graphBucket is Resource Graph's quota per caller (graphQuota queries in
// graphQuotaWindow) as a token bucket, for the bound.
var graphBucket = TokenBucket{Capacity: graphQuota, RefillPerSecond: graphQuota / graphQuotaWindow.Seconds()}

// Stats returns what the requests answered so far add up to, for a world
// served with w's faults.
func (s *Server) Stats(w *World, latency time.Duration) Stats {
	st := Stats{latency: latency, buckets: map[string]int{}, limits: map[string]TokenBucket{}}
	count := func(key string, b TokenBucket) {
		st.buckets[key]++
		st.limits[key] = b
	}
	for _, r := range s.Requests() {
		st.Requests++
		if r.Attempt <= 1 {
			st.Calls++
		}
		if isThrottle(r.Code) {
			st.Throttled++
		}
		if r.Attempt > 1 {
			continue
		}
		action := r.Action()
		if r.Cloud == "azure" && action == "Microsoft.ResourceGraph/resources/read" {
			count("graph", graphBucket)
		}
		for pattern, b := range w.Faults.RateLimits {
			if matchAction(pattern, action) || rbacMatch(pattern, action) {
				count(b.bucketKey(r.Account, r.Region, action), b)
				break
			}
		}
	}
	return st
}

func isThrottle(code string) bool {
	switch code {
	case "RequestLimitExceeded", "Throttling", "ThrottlingException", "SlowDown", // AWS
		"TooManyRequests", "RateLimiting", // Azure Resource Manager and Key Vault, Resource Graph
		"RESOURCE_EXHAUSTED": // GCP
		return true
	}
	return false
}

// Bound is the least time a scan of these calls can take at concurrency
// calls in flight: the calls of the fullest token bucket cannot all pass
// before it refills, and every call holds one of the concurrency slots
// for at least the latency.
func (st Stats) Bound(concurrency int) time.Duration {
	var worst float64
	for key, n := range st.buckets {
		b := st.limits[key]
		if b.RefillPerSecond > 0 {
			worst = max(worst, (float64(n)-b.Capacity)/b.RefillPerSecond)
		}
	}
	work := float64(st.Calls) * st.latency.Seconds() / float64(max(concurrency, 1))
	return time.Duration(max(worst, work) * float64(time.Second))
}

// String is the figures in one line.
func (st Stats) String() string {
	return fmt.Sprintf("%d requests, %d calls, %d throttled", st.Requests, st.Calls, st.Throttled)
}

func writeEmpty(path string) error { return os.WriteFile(path, nil, 0o644) }

// MinimumRequests is how many calls a scan of a generated organization
// (Generate: no load balancers, databases, policies or extra interfaces)
// needs at each API's largest page size, one call per item where the API
// has no list form: the figure a scan's request count is measured
// against.
func MinimumRequests(w *World) int {
	pages := func(n, size int) int { return max(1, (n+size-1)/size) }
	// organizations:ListAccounts, and the organization's root access
	// features (iam:ListOrganizationsFeatures in the management account).
	n := pages(len(w.AWS.Organization.Members), 20) + 1
	for _, a := range w.AWS.Accounts {
		// sts:AssumeRole, ec2:DescribeRegions, s3:ListBuckets, the five IAM
		// reads (credential report generated and read, summary, password
		// policy, policies), and three reads per bucket (encryption,
		// policy, tags).
		n += 3 + 5 + 3*len(a.Buckets)
		for _, r := range a.Regions {
			managed := len(r.ManagedInstances)
			n += pages(len(r.SecurityGroups), 1000) + pages(len(r.NetworkACLs), 1000) + 1 + // groups, ACLs, VPCs
				pages(len(r.Instances), 1000) + pages(len(r.Instances), 1000) + // instances, their interfaces
				pages(managed, 50) + (managed+49)/50 + // managed nodes, their patch states
				pages(len(r.Volumes), 500) + 1 + // volumes, EBS default
				1 + 1 + // load balancers, databases
				pages(len(r.Keys), 1000) + 1 + 3*len(r.Keys) + 1 // keys, aliases, three per key, the EBS default key
		}
	}
	return n
}
