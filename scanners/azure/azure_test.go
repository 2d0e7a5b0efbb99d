package azure

import (
	"context"
	"strings"
	"testing"

	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// TestTargetsResolveInTheirCloud: a target in the China cloud reaches
// China's Resource Manager, a target with no subscription and no group
// is every subscription the credentials see, and an unknown cloud is an
// error for the target.
func TestTargetsResolveInTheirCloud(t *testing.T) {
	f := &fakeAzure{pageSize: 1, rows: []map[string]any{nsgRow(t, subA, "a"), nsgRow(t, subB, "b")}}
	rec := &hostRecorder{hosts: map[string]bool{}, next: f.transport()}
	o := settings{Options: scanners.Options{Scheduler: scanners.NewScheduler(4)}, credential: &azfake.TokenCredential{}, transport: rec,
		retry: policy.RetryOptions{MaxRetries: -1}}
	g := scanners.NewRegistry(o.Options)
	register(g, o)
	reg, err := g.Select([]string{"azure.patching", "azure.encryption", "azure.iam"})
	if err != nil {
		t.Fatal(err)
	}
	inv := &inventory.Inventory{}
	g.Run(context.Background(), []scanners.Target{
		{Cloud: inventory.Azure},
		{Cloud: inventory.Azure, ID: subA, Params: map[string]string{paramCloud: "AzureChina"}},
		{Cloud: inventory.Azure, ID: subB, Params: map[string]string{paramCloud: "AzureGermany"}},
	}, reg, 4).Fill(inv)
	if !rec.hosts["management.azure.com"] || !rec.hosts["management.chinacloudapi.cn"] {
		t.Errorf("hosts = %v, want the public and the China Resource Manager", rec.hosts)
	}
	if len(inv.Targets) != 2 {
		t.Errorf("targets = %+v, want the two subscriptions the credentials see", inv.Targets)
	}
	// Both subscriptions through the ambient target; subA again in China
	// is the same resource.
	if len(inv.Resources) != 2 {
		t.Errorf("%d NSGs, want 2", len(inv.Resources))
	}
	if len(inv.Errors) != 1 || !strings.Contains(inv.Errors[0].Message, `unknown Azure cloud "AzureGermany"`) {
		t.Errorf("errors = %+v, want one for the unknown cloud", inv.Errors)
	}
}
