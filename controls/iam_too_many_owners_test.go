package controls

import (
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(TooManyOwners, func(t *testing.T) []checkCase {
	sub := func(bs ...inventory.Binding) inventory.Resource {
		r := iamBindings(inventory.AzureSubscription, bs...)
		r.ID = "/subscriptions/00000000-0000-0000-0000-000000000000"
		return r
	}
	proj := func(bs ...inventory.Binding) inventory.Resource { return iamBindings(inventory.GCPProject, bs...) }
	owners := func(role string, members ...string) inventory.Binding {
		return inventory.Binding{Role: role, Members: members}
	}
	three := []string{"user:ana@acme.example", "user:bo@acme.example", "group:ops@acme.example"}
	four := append(three[:3:3], "serviceAccount:ci@acme-prod.iam.gserviceaccount.com")
	cases := []checkCase{
		{name: "gcp three owners", res: proj(owners("roles/owner", three...)), want: Pass},
		{name: "gcp four owners", res: proj(owners("roles/owner", four...)), want: Fail},
		{name: "gcp four across a conditional binding", res: proj(owners("roles/owner", three...),
			inventory.Binding{Role: "roles/owner", Members: []string{"user:temp@acme.example"}, Condition: "request.time < timestamp('2027-01-01T00:00:00Z')"}), want: Fail},
		{name: "gcp same owner twice", res: proj(owners("roles/owner", three...), owners("roles/owner", "user:Ana@acme.example")), want: Pass},
		{name: "gcp editors do not count", res: proj(owners("roles/owner", three...), owners("roles/editor", "user:dev@acme.example")), want: Pass},
		{name: "gcp four within a 5-owner setting", res: proj(owners("roles/owner", four...)), settings: Settings{MaxOwners: 5}, want: Pass},
		{name: "gcp two over a 1-owner setting", res: proj(owners("roles/owner", three[:2]...)), settings: Settings{MaxOwners: 1}, want: Fail},
		{name: "gcp bindings unknown", res: proj(), want: Error},
		{name: "azure two owners", res: sub(owners("Owner", "ana@acme.example", "bo@acme.example")), want: Pass},
		{name: "azure four owners", res: sub(owners("Owner", "a", "b"), owners("Owner", "c", "d"), owners("Contributor", "e")), want: Fail},
		{name: "azure owner by role id", res: sub(owners("/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "a", "b", "c", "d")), want: Fail},
		{name: "azure assignments unknown", res: sub(), want: Error},
		{name: "access facet missing", res: inventory.Resource{Type: inventory.AzureSubscription, ID: "s"}, want: Error},
	}

	env := Env{Settings: DefaultSettings, Now: testNow}
	got := TooManyOwners.Check(env, proj(owners("roles/owner", four...)))
	want := "the project has 4 owners, more than the 3 allowed: user:ana@acme.example, user:bo@acme.example, group:ops@acme.example, serviceAccount:ci@acme-prod.iam.gserviceaccount.com"
	if got.Message != want {
		t.Errorf("Check(four owners).Message = %q, want %q", got.Message, want)
	}
	if got.Evidence["ownerCount"] != 4 || got.Evidence["maxOwners"] != 3 {
		t.Errorf("Check(four owners).Evidence = %v, want ownerCount 4 and maxOwners 3", got.Evidence)
	}
	return cases
})
