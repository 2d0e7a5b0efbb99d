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

// operations are the API operations the AWS scanners call, by the IAM
// action prefix of their service, under the SDK's operation names (which
// are the IAM actions' but for a few of S3's).
var operations = map[string][]string{
	"ec2": {"DescribeInstances", "DescribeNetworkAcls", "DescribeNetworkInterfaces", "DescribeRegions",
		"DescribeSecurityGroups", "DescribeVolumes", "DescribeVpcs", "GetEbsEncryptionByDefault"},
	"elasticloadbalancing": {"DescribeListeners", "DescribeLoadBalancers", "DescribeSSLPolicies", "DescribeTags"},
	"iam": {"GenerateCredentialReport", "GetAccountPasswordPolicy", "GetAccountSummary", "GetCredentialReport",
		"GetPolicyVersion", "ListOrganizationsFeatures", "ListPolicies"},
	"kms":           {"DescribeKey", "GetKeyRotationStatus", "ListAliases", "ListKeys", "ListResourceTags"},
	"organizations": {"ListAccounts"},
	"rds":           {"DescribeDBInstances"},
	"s3":            {"GetBucketEncryption", "GetBucketLocation", "GetBucketPolicy", "GetBucketTagging", "ListBuckets"},
	"ssm":           {"DescribeInstanceInformation", "DescribeInstancePatchStates"},
	"sts":           {"AssumeRole", "GetCallerIdentity"},
}

// Paces are the paces the AWS scanners hold each API they call to, in
// each account and region, named service:Operation: what a declared rate
// limit may lower.
func Paces() []scanners.APIPace {
	var out []scanners.APIPace
	for service, ops := range operations {
		for _, op := range ops {
			out = append(out, scanners.APIPace{API: service + ":" + op, Limit: limitFor(service, op)})
		}
	}
	return out
}
