package rules

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

func TestRootMFADisabled(t *testing.T) {
	root := func(mfa inventory.Bool) inventory.Resource {
		return inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Type: inventory.AWSRoot, ID: "arn:aws:iam::111111111111:root",
			Identity: &inventory.Identity{Kind: inventory.IdentityRoot, MFAEnabled: mfa}}
	}
	checkCases(t, RootMFADisabled, []checkCase{
		{name: "mfa on", res: root(inventory.True), want: Pass},
		{name: "mfa off", res: root(inventory.False), want: Fail},
		{name: "mfa unknown", res: root(inventory.Bool{}), want: Error},
		{name: "identity missing", res: inventory.Resource{Type: inventory.AWSRoot}, want: Error},
	})
}
