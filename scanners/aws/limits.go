package aws

import (
	"strings"

	"github.com/ownaudit/ownaudit/scanners"
)

// limitFor is the pace a (account, region, API) is held to: below AWS's
// published request rates, so the standard retryer rarely meets a
// throttle. EC2's non-mutating actions share a bucket of 100 refilled at
// 20 per second; the others are held to the documented or commonly
// observed defaults.
func limitFor(service, op string) scanners.Limit {
	switch service {
	case "ec2":
		return scanners.Limit{Burst: 100, PerSecond: 20}
	case "iam":
		return scanners.Limit{Burst: 20, PerSecond: 10}
	case "sts":
		return scanners.Limit{Burst: 50, PerSecond: 50}
	case "organizations":
		return scanners.Limit{Burst: 10, PerSecond: 5}
	case "ssm":
		return scanners.Limit{Burst: 20, PerSecond: 10}
	case "kms":
		if strings.HasPrefix(op, "List") {
			return scanners.Limit{Burst: 50, PerSecond: 50}
		}
		return scanners.Limit{Burst: 100, PerSecond: 100}
	case "rds":
		return scanners.Limit{Burst: 40, PerSecond: 10}
	case "elasticloadbalancing":
		return scanners.Limit{Burst: 40, PerSecond: 10}
	case "s3":
		return scanners.Limit{Burst: 100, PerSecond: 50}
	}
	return scanners.Limit{Burst: 10, PerSecond: 5}
}
