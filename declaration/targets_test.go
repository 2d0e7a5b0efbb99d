package declaration

import (
	"fmt"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

func TestTargetsListEveryCloudInOneForm(t *testing.T) {
	d, err := Parse("d.yaml", []byte(`version: 1
parties: [{id: acme, role: customer}]
targets:
  aws:
    - {account: "111111111111", regions: [eu-west-1]}
    - {account: "222222222222", assumeRole: "arn:aws:iam::222222222222:role/audit", externalId: x-1}
    - {organization: true, assumeRoleName: audit}
  azure:
    - {subscription: 00000000-0000-0000-0000-000000000000}
    - {managementGroup: acme-root, cloud: AzureChina}
    - {allSubscriptions: true, regions: [westeurope]}
  gcp:
    - {project: acme-prod, regions: [europe-west3]}
    - {organization: "123456789012"}
    - {folder: "456"}
responsibilities:
  - assign: {firewall: acme, patching: acme, encryption: acme, iam: acme}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(d.Targets.List())
	want := fmt.Sprint([]Target{
		{Cloud: inventory.AWS, ID: "111111111111", Regions: []string{"eu-west-1"}},
		{Cloud: inventory.AWS, ID: "222222222222", Params: map[string]string{"assumeRole": "arn:aws:iam::222222222222:role/audit", "externalId": "x-1"}},
		{Cloud: inventory.AWS, Group: "organization", Params: map[string]string{"assumeRoleName": "audit"}},
		{Cloud: inventory.Azure, ID: "00000000-0000-0000-0000-000000000000"},
		{Cloud: inventory.Azure, Group: "managementGroup/acme-root", Params: map[string]string{"cloud": "AzureChina"}},
		{Cloud: inventory.Azure, Regions: []string{"westeurope"}},
		{Cloud: inventory.GCP, ID: "acme-prod", Regions: []string{"europe-west3"}},
		{Cloud: inventory.GCP, Group: "organizations/123456789012"},
		{Cloud: inventory.GCP, Group: "folders/456"},
	})
	if got != want {
		t.Errorf("Targets.List() =\n%s\nwant\n%s", got, want)
	}
}
