package cloudsim

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

const gcpWorld = `
gcp:
  projects:
    - id: p1
      number: "123"
      firewalls:
        - {name: a, sourceRanges: [0.0.0.0/0], allowed: [{IPProtocol: tcp, ports: ["22"]}]}
        - {name: b, allowed: [{IPProtocol: all}]}
        - {name: c, direction: EGRESS, priority: 10, denied: [{IPProtocol: udp}]}
      instances:
        - {name: vm, id: "77", zone: europe-west3-a}
`

// gcpGet sends one request to the simulator as a GCP client would and
// decodes the JSON answer.
func gcpGet(t *testing.T, srv *Server, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s %s: answer is not JSON: %s", method, path, raw)
	}
	return resp.StatusCode, out
}

func TestGCPListPagesWithTokens(t *testing.T) {
	srv := startWorld(t, gcpWorld)
	const path = "/compute.googleapis.com/compute/v1/projects/p1/global/firewalls"
	var names []string
	token := ""
	for pages := 0; pages < 5; pages++ {
		q := "?maxResults=2"
		if token != "" {
			q += "&pageToken=" + token
		}
		code, out := gcpGet(t, srv, "GET", path+q, "")
		if code != 200 {
			t.Fatalf("page %d: status %d: %v", pages, code, out)
		}
		for _, it := range out["items"].([]any) {
			names = append(names, it.(map[string]any)["name"].(string))
		}
		token, _ = out["nextPageToken"].(string)
		if token == "" {
			break
		}
	}
	if strings.Join(names, ",") != "a,b,c" {
		t.Errorf("firewalls over the pages = %v, want a,b,c", names)
	}
	if code, out := gcpGet(t, srv, "GET", path+"?maxResults=501", ""); code != 400 || gcpStatus(out) != "INVALID_ARGUMENT" {
		t.Errorf("maxResults=501: %d %v, want 400 INVALID_ARGUMENT", code, out)
	}
	if code, _ := gcpGet(t, srv, "GET", path+"?pageToken=forged", ""); code != 400 {
		t.Errorf("forged page token: %d, want 400", code)
	}
	// The defaults GCP answers with are filled in.
	_, out := gcpGet(t, srv, "GET", path, "")
	b := out["items"].([]any)[1].(map[string]any)
	if b["direction"] != "INGRESS" || b["priority"] != float64(1000) {
		t.Errorf("firewall b = %v, want direction INGRESS and priority 1000 by default", b)
	}
}

func TestGCPAggregatedListWarnsForEmptyScopes(t *testing.T) {
	srv := startWorld(t, gcpWorld)
	code, out := gcpGet(t, srv, "GET", "/compute.googleapis.com/compute/v1/projects/p1/aggregated/instances", "")
	if code != 200 {
		t.Fatalf("status %d: %v", code, out)
	}
	items := out["items"].(map[string]any)
	if got := items["zones/europe-west3-a"].(map[string]any)["instances"].([]any); len(got) != 1 {
		t.Errorf("instances in europe-west3-a = %v, want vm", got)
	}
	w := items["zones/us-central1-a"].(map[string]any)["warning"].(map[string]any)
	if w["code"] != "NO_RESULTS_ON_PAGE" {
		t.Errorf("empty scope = %v, want a NO_RESULTS_ON_PAGE warning", w)
	}
}

func TestGCPDeniedPermissionAndRefusedWrite(t *testing.T) {
	w, err := Parse([]byte(gcpWorld + `
faults:
  accessDenied: [{account: p1, action: "compute.*"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveWorld(t, w)
	code, out := gcpGet(t, srv, "GET", "/compute.googleapis.com/compute/v1/projects/p1/global/firewalls", "")
	if code != 403 || gcpStatus(out) != "PERMISSION_DENIED" || !strings.Contains(out["error"].(map[string]any)["message"].(string), "compute.firewalls.list") {
		t.Errorf("denied list = %d %v, want 403 PERMISSION_DENIED naming compute.firewalls.list", code, out)
	}
	// OS Config is not denied.
	if code, out := gcpGet(t, srv, "GET", "/osconfig.googleapis.com/v1/projects/p1/locations/europe-west3-a/instances/-/inventories", ""); code != 200 {
		t.Errorf("inventories = %d %v, want 200", code, out)
	}
	code, _ = gcpGet(t, srv, "POST", "/cloudresourcemanager.googleapis.com/v3/projects/p1:setIamPolicy", `{"policy":{}}`)
	if code != 403 || len(srv.Writes()) != 1 || srv.Writes()[0].Action() != "cloudresourcemanager.projects.setIamPolicy" {
		t.Errorf("setIamPolicy = %d, writes %v: want it refused and recorded", code, srv.Writes())
	}
	if code, _ := gcpGet(t, srv, "GET", "/compute.googleapis.com/compute/v1/projects/nope/global/firewalls", ""); code != 403 {
		t.Errorf("unknown project = %d, want 403 as GCP answers for a project one cannot see", code)
	}
}

func TestGCPFailFirstAttemptsCountsRetriesOnce(t *testing.T) {
	w, err := Parse([]byte(gcpWorld + "faults: {failFirstAttempts: 2}\n"))
	if err != nil {
		t.Fatal(err)
	}
	srv := serveWorld(t, w)
	const path = "/compute.googleapis.com/compute/v1/projects/p1/global/networks"
	for _, want := range []int{503, 429, 200} {
		if code, out := gcpGet(t, srv, "GET", path, ""); code != want {
			t.Fatalf("status %d %v, want %d", code, out, want)
		}
	}
	if n := srv.Counts()["compute.networks.list"]; n != 1 {
		t.Errorf("counted calls = %d, want 1: the two failures were attempts of the same call", n)
	}
}

func gcpStatus(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	s, _ := e["status"].(string)
	return s
}
