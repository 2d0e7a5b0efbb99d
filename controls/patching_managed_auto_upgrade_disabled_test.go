package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(ManagedAutoUpgradeDisabled, func(t *testing.T) []checkCase {
	managed := func(typ string, u inventory.ManagedUpgrade) inventory.Resource {
		return inventory.Resource{Cloud: inventory.Types[typ].Cloud, Target: "t1", Region: "r1", Type: typ, ID: "m-1", Upgrade: &u}
	}
	return []checkCase{
		{name: "rds auto minor upgrade on", res: managed(inventory.AWSDBInstance, inventory.ManagedUpgrade{AutoUpgrade: inventory.True, Engine: "postgres", Version: "16.4"}), want: Pass},
		{name: "rds auto minor upgrade off", res: managed(inventory.AWSDBInstance, inventory.ManagedUpgrade{AutoUpgrade: inventory.False, Engine: "postgres", Version: "16.4"}), want: Fail},
		{name: "aks channel patch", res: managed(inventory.AzureAKSCluster, inventory.ManagedUpgrade{AutoUpgrade: inventory.True, Channel: "patch"}), want: Pass},
		{name: "aks channel none", res: managed(inventory.AzureAKSCluster, inventory.ManagedUpgrade{AutoUpgrade: inventory.False, Channel: "none"}), want: Fail},
		{name: "gke node pool auto-upgrade on", res: managed(inventory.GCPNodePool, inventory.ManagedUpgrade{AutoUpgrade: inventory.True, Version: "1.31.1-gke.100"}), want: Pass},
		{name: "gke node pool auto-upgrade off", res: managed(inventory.GCPNodePool, inventory.ManagedUpgrade{AutoUpgrade: inventory.False}), want: Fail},
		{name: "setting unknown", res: managed(inventory.AWSDBInstance, inventory.ManagedUpgrade{Engine: "mysql"}), want: Error},
		{name: "aks channel read but switch unknown", res: managed(inventory.AzureAKSCluster, inventory.ManagedUpgrade{Channel: "none"}), want: Error},
		{name: "upgrade facet missing", res: inventory.Resource{Type: inventory.GCPNodePool, ID: "np-1"}, want: Error},
	}
})

func TestPatchingManagedAutoUpgradeDisabledMessages(t *testing.T) {
	cases := []struct {
		typ  string
		u    inventory.ManagedUpgrade
		want string
	}{
		{inventory.AWSDBInstance, inventory.ManagedUpgrade{AutoUpgrade: inventory.False, Engine: "postgres", Version: "16.4"}, "automatic minor version upgrade is off (postgres 16.4)"},
		{inventory.AzureAKSCluster, inventory.ManagedUpgrade{AutoUpgrade: inventory.False, Channel: "none"}, `cluster auto-upgrade is off (upgrade channel "none")`},
		{inventory.GCPNodePool, inventory.ManagedUpgrade{AutoUpgrade: inventory.False, Version: "1.31.1-gke.100"}, "node auto-upgrade is off (version 1.31.1-gke.100)"},
	}
	for _, tc := range cases {
		t.Run(tc.typ, func(t *testing.T) {
			u := tc.u
			got := ManagedAutoUpgradeDisabled.Check(Env{Settings: DefaultSettings, Now: testNow}, inventory.Resource{Type: tc.typ, ID: "m-1", Upgrade: &u})
			if got.Message != tc.want {
				t.Errorf("Check() message = %q, want %q", got.Message, tc.want)
			}
		})
	}
}
