package azure

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
)

// TestThrottlesSlowThePaceDown answers the first attempt of every call
// with 429: the scan reads everything, and the 429s reached the
// scheduler, which slowed Resource Manager's pace and Resource Graph's
// down (a pace recovers a step per answer, far from all the way in the
// few calls of this scan).
func TestThrottlesSlowThePaceDown(t *testing.T) {
	w := demoWorld(t)
	w.Faults = cloudsim.Faults{FailFirstAttempts: 1}
	_, o := simulated(t, w)
	inv := scanSim(t, o, shopGroup, inventory.Firewall)
	if len(inv.Errors) != 0 || len(inv.Resources) != 4 {
		t.Fatalf("%d NSGs, errors %+v; want 4 and none", len(inv.Resources), inv.Errors)
	}
	if _, throttled := o.Scheduler.Totals("azure"); throttled == 0 {
		t.Fatal("no request was counted as throttled")
	}
	for _, path := range []string{
		"/providers/Microsoft.Management/managementGroups/acme-shop/descendants",
		"/providers/Microsoft.ResourceGraph/resources",
	} {
		method := http.MethodGet
		if path == "/providers/Microsoft.ResourceGraph/resources" {
			method = http.MethodPost
		}
		call, lim := callOf(httptest.NewRequest(method, "https://management.example"+path, nil))
		if got := o.Scheduler.Pace(call); got <= 0 || got >= lim.PerSecond {
			t.Errorf("pace of %s after a throttle = %v, want below %v", call.API, got, lim.PerSecond)
		}
	}
}

// TestPacesNameEveryReadOfASubscription scans the demo tenant and checks
// that each Resource Manager read of a subscription it made is among
// Paces, so that a declared rate limit can reach it.
func TestPacesNameEveryReadOfASubscription(t *testing.T) {
	srv, o := simulated(t, demoWorld(t))
	scanSim(t, o, shopGroup)
	named := map[string]bool{}
	for _, p := range Paces() {
		named[p.API] = true
	}
	reads := 0
	for _, r := range srv.Requests() {
		if r.Cloud != "azure" || r.Account == "" || r.DataAction {
			continue
		}
		reads++
		if !named[r.Action()] {
			t.Errorf("the scan read %s of a subscription, which Paces does not name", r.Action())
		}
	}
	if reads == 0 {
		t.Fatal("the scan recorded no read of a subscription")
	}
}
