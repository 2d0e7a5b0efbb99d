package controls

import (
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

var _ = table(PatchAssessmentStale, func(t *testing.T) []checkCase {
	day := 24 * time.Hour
	assessed := func(typ string, last inventory.Time) inventory.Resource {
		return patchVM(typ, inventory.VM{Running: inventory.True, PatchManaged: inventory.True, LastAssessed: last})
	}
	ago := func(d time.Duration) inventory.Time { return inventory.Known(testNow.Add(-d)) }
	return []checkCase{
		{name: "aws assessed yesterday", res: assessed(inventory.AWSInstance, ago(day)), want: Pass},
		{name: "azure assessed exactly 7 days ago", res: assessed(inventory.AzureVM, ago(7*day)), want: Pass},
		{name: "gcp assessed 7 days and a second ago", res: assessed(inventory.GCPInstance, ago(7*day+time.Second)), want: Fail},
		{name: "aws assessed 30 days ago", res: assessed(inventory.AWSInstance, ago(30*day)), want: Fail},
		{name: "30 days within a 45-day setting", res: assessed(inventory.AWSInstance, ago(30*day)), settings: Settings{PatchAssessmentMaxAgeDays: 45}, want: Pass},
		{name: "2 days past a 1-day setting", res: assessed(inventory.AzureVM, ago(2*day)), settings: Settings{PatchAssessmentMaxAgeDays: 1}, want: Fail},
		{name: "never assessed", res: assessed(inventory.AzureVM, inventory.Known(time.Time{})), want: Fail},
		{name: "assessment in the future of the snapshot", res: assessed(inventory.GCPInstance, ago(-time.Hour)), want: Pass},
		{name: "stopped vm assessed 90 days ago", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.False, PatchManaged: inventory.True, LastAssessed: ago(90 * day)}), want: Fail},
		{name: "stopped vm assessed yesterday", res: patchVM(inventory.AWSInstance, inventory.VM{State: "stopped", Running: inventory.False, PatchManaged: inventory.False, LastAssessed: ago(day)}), want: Pass},
		{name: "agent offline, assessed 20 days ago", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.True, PatchManaged: inventory.False, LastAssessed: ago(20 * day)}), want: Fail},
		{name: "stopped managed node never assessed", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.False, PatchManaged: inventory.False, LastAssessed: inventory.Known(time.Time{})}), want: Fail},
		{name: "stopped vm, assessment time unknown", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.False, PatchManaged: inventory.True}), want: Error},
		{name: "unmanaged vm", res: patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.True, PatchManaged: inventory.False}), want: NotApplicable},
		{name: "assessment time unknown", res: assessed(inventory.AWSInstance, inventory.Time{}), want: Error},
		{name: "power state unknown, assessed yesterday", res: patchVM(inventory.AzureVM, inventory.VM{PatchManaged: inventory.True, LastAssessed: ago(day)}), want: Pass},
		{name: "vm facet missing", res: inventory.Resource{Type: inventory.AzureVM, ID: "vm-1"}, want: Error},
	}
})

func TestPatchingAssessmentStaleUsesEnvNow(t *testing.T) {
	// An assessment from long ago is fresh for a snapshot collected the
	// day after; the check must not look at the wall clock.
	then := time.Date(2020, 3, 1, 0, 0, 0, 0, time.UTC)
	res := patchVM(inventory.AWSInstance, inventory.VM{Running: inventory.True, PatchManaged: inventory.True, LastAssessed: inventory.Known(then)})
	got := PatchAssessmentStale.Check(Env{Settings: DefaultSettings, Now: then.Add(24 * time.Hour)}, res)
	if got.Status != Pass {
		t.Errorf("Check() at collection time = %q (%s), want %q", got.Status, got.Message, Pass)
	}
	got = PatchAssessmentStale.Check(Env{Settings: DefaultSettings, Now: then.Add(10 * 24 * time.Hour)}, res)
	want := "AWS Systems Manager last assessed the VM 10 days ago (2020-03-01), more than the 7 days allowed"
	if got.Status != Fail || got.Message != want {
		t.Errorf("Check() = %q %q, want %q %q", got.Status, got.Message, Fail, want)
	}
	stopped := patchVM(inventory.AWSInstance, inventory.VM{State: "stopped", Running: inventory.False, PatchManaged: inventory.False, LastAssessed: inventory.Known(then)})
	got = PatchAssessmentStale.Check(Env{Settings: DefaultSettings, Now: then.Add(10 * 24 * time.Hour)}, stopped)
	want = "AWS Systems Manager last assessed the VM 10 days ago (2020-03-01), more than the 7 days allowed; the VM is stopped"
	if got.Status != Fail || got.Message != want {
		t.Errorf("Check(stopped) = %q %q, want %q %q", got.Status, got.Message, Fail, want)
	}
	if got := PatchAssessmentStale.Check(Env{Settings: DefaultSettings}, res); got.Status != Error {
		t.Errorf("Check() without a scan time = %q, want %q", got.Status, Error)
	}
}
