package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(RootMFADisabled, func(t *testing.T) []checkCase {
	root := func(mfa inventory.Bool) inventory.Resource {
		return inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSRoot, ID: "arn:aws:iam::111111111111:root",
			Identity: &inventory.Identity{Kind: inventory.IdentityRoot, MFAEnabled: mfa}}
	}
	return []checkCase{
		{name: "mfa on", res: root(inventory.True), want: Pass},
		{name: "mfa off", res: root(inventory.False), want: Fail},
		{name: "mfa unknown", res: root(inventory.Bool{}), want: Error},
		{name: "credential report root, password unknown, mfa on", res: credReportRoot(inventory.Bool{}, inventory.True), want: Pass},
		{name: "credential report root, password unknown, mfa off", res: credReportRoot(inventory.Bool{}, inventory.False), want: Fail},
		{name: "credential report root, mfa off, keys inactive and never used", res: credReportRoot(inventory.True, inventory.False,
			iamKey("access_key_1", inventory.False, inventory.Time{}, iamNever), iamKey("access_key_2", inventory.False, inventory.Time{}, iamNever)), want: Fail},
		{name: "credential report root, mfa on, active key never used", res: credReportRoot(inventory.True, inventory.True,
			iamKey("access_key_1", inventory.True, iamDaysAgo(10), iamNever)), want: Pass},
		{name: "identity missing", res: inventory.Resource{Type: inventory.AWSRoot}, want: Error},
	}
})
