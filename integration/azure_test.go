package integration

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
)

// identityHeader is the secret the simulated managed identity endpoint
// wants; like the token it hands out, it must never be printed.
const identityHeader = "e2e-identity-header-secret"

// azureRun is one scan of the simulated Azure tenant by the binary.
type azureRun struct {
	code     int
	stdout   string
	stderr   string
	doc      map[string]any
	findings map[string]finding // by finding id
	errors   []map[string]any
}

// scanSimulatedAzure serves the demo's Azure tenant with faults and runs
// the built binary against it with a scrubbed environment: only what
// points it at the simulator the way a user on a private cloud points it
// at theirs (OWNAUDIT_AZURE_ENDPOINT and the certificate to trust), and a
// managed identity endpoint, which the SDK's DefaultAzureCredential finds
// by its standard variables.
func scanSimulatedAzure(t *testing.T, faults cloudsim.Faults) (azureRun, *cloudsim.Server) {
	t.Helper()
	world, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	world.Faults = faults
	world.Azure.ManagedIdentity = &cloudsim.ManagedIdentity{Header: identityHeader, Token: demo.AzureToken}
	srv, err := cloudsim.Start(world)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	dir := t.TempDir()
	ca := filepath.Join(dir, "simulator.pem")
	if err := os.WriteFile(ca, srv.CACert, 0o644); err != nil {
		t.Fatal(err)
	}
	decl, err := filepath.Abs(filepath.Join("testdata", "azure", "declaration.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "scan", "--declaration", decl, "--output", "f.json", "--include-passed", "--quiet")
	cmd.Dir = dir
	cmd.Env = []string{
		"HOME=" + dir,
		"NO_COLOR=1",
		"OWNAUDIT_AZURE_ENDPOINT=" + srv.AzureURL,
		"OWNAUDIT_AZURE_CA_FILE=" + ca,
		"IDENTITY_ENDPOINT=" + srv.ManagedIdentityURL,
		"IDENTITY_HEADER=" + identityHeader,
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	run := azureRun{findings: map[string]finding{}}
	var ee *exec.ExitError
	if err := cmd.Run(); errors.As(err, &ee) {
		run.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	run.stdout, run.stderr = out.String(), errb.String()
	if run.code != 0 && run.code != 3 {
		t.Fatalf("scan exit code = %d, want 0 or 3; stderr:\n%s", run.code, run.stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "f.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{demo.AzureToken, identityHeader} {
		if strings.Contains(run.stdout+run.stderr+string(raw), secret) {
			t.Errorf("a credential (%s...) appears in the output or the findings", secret[:6])
		}
	}
	if err := json.Unmarshal(raw, &run.doc); err != nil {
		t.Fatal(err)
	}
	for _, f := range run.doc["findings"].([]any) {
		m := f.(map[string]any)
		r, _ := m["resource"].(map[string]any)
		if r == nil {
			continue
		}
		run.findings[m["id"].(string)] = finding{
			control: m["control"].(string), domain: m["domain"].(string), status: m["status"].(string),
			resourceType: r["type"].(string), resource: fmt.Sprint(r["target"], "/", r["id"]),
		}
	}
	for _, e := range run.doc["errors"].([]any) {
		run.errors = append(run.errors, e.(map[string]any))
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("the scan attempted writes: %+v", w)
	}
	return run, srv
}

const (
	shopProd = "3f2b8c1e-5d4a-4e6f-9a7b-1c2d3e4f5a6b"
	shopDev  = "7c9d2e4a-1b3f-4c5d-8e6f-0a1b2c3d4e5f"
)

func TestAzureScanOfTheSimulatedTenant(t *testing.T) {
	clean, srv := scanSimulatedAzure(t, cloudsim.Faults{})
	if clean.code != 0 || len(clean.errors) != 0 {
		t.Fatalf("clean scan exit code = %d, errors %v, want 0 and none\n%s", clean.code, clean.errors, clean.stderr)
	}
	failing := map[string]bool{}
	subs := map[string]bool{}
	for _, f := range clean.findings {
		subs[strings.SplitN(f.resource, "/", 2)[0]] = true
		if f.status == "fail" {
			failing[f.control] = true
		}
	}
	if !subs[shopProd] || !subs[shopDev] {
		t.Errorf("subscriptions with findings = %v, want both of the management group", subs)
	}
	// Every Azure control of the catalogue that can fail under the
	// declaration's settings fails on some demo resource.
	for _, c := range []string{
		"firewall.admin_ports_open_to_internet", "firewall.all_ports_open_to_internet", "firewall.database_ports_open_to_internet",
		"patching.vm_unmanaged", "patching.missing_security_updates", "patching.assessment_stale",
		"patching.automatic_updates_disabled", "patching.managed_auto_upgrade_disabled",
		"encryption.database_unencrypted", "encryption.insecure_transport_allowed", "encryption.key_rotation_disabled", "encryption.outdated_tls",
		"iam.access_key_rotation", "iam.admin_privileges", "iam.public_principal", "iam.too_many_owners",
	} {
		if !failing[c] {
			t.Errorf("no Azure finding of %s fails", c)
		}
	}
	if n := srv.Counts()["Microsoft.ResourceGraph/resources/read"]; n != 4 {
		t.Errorf("%d Resource Graph queries, want 4 for the whole group", n)
	}
	mi := 0
	for _, r := range srv.Requests() {
		if r.Service == "ManagedIdentity" {
			mi++
		}
	}
	if mi == 0 {
		t.Error("the binary got no token from the managed identity endpoint")
	}
	t.Logf("requests per operation: %v", srv.Counts())
}

// TestAzureDeniedSubscription denies one subscription of the group
// everything: one error entry per domain naming the missing permission,
// exit 3, and the other subscription's findings exactly as in a clean run.
func TestAzureDeniedSubscription(t *testing.T) {
	clean, _ := scanSimulatedAzure(t, cloudsim.Faults{})
	denied, _ := scanSimulatedAzure(t, cloudsim.Faults{AccessDenied: []cloudsim.Denial{{Account: shopDev, Action: "*"}}})
	if denied.code != 3 {
		t.Errorf("exit code = %d, want 3 (scan incomplete)", denied.code)
	}
	domains := map[string]bool{}
	for _, e := range denied.errors {
		if e["target"] != shopDev || e["permission"] != "Microsoft.Resources/subscriptions/read" {
			t.Errorf("error entry %v, want one for %s naming Microsoft.Resources/subscriptions/read", e, shopDev)
		}
		domains[e["domain"].(string)] = true
	}
	if len(denied.errors) != 4 || len(domains) != 4 {
		t.Errorf("%d error entries over domains %v, want one per domain", len(denied.errors), domains)
	}
	for id, c := range clean.findings {
		if !strings.HasPrefix(c.resource, shopProd+"/") {
			continue
		}
		if d, ok := denied.findings[id]; !ok || d != c {
			t.Errorf("%s on %s: %+v with the other subscription denied, %+v in the clean scan", c.control, c.resource, d, c)
		}
	}
	for id, d := range denied.findings {
		if _, ok := clean.findings[id]; !ok {
			t.Errorf("%s on %s appeared only when a subscription was denied", d.control, d.resource)
		}
		if strings.HasPrefix(d.resource, shopDev+"/") {
			t.Errorf("%s on %s was judged though its subscription could not be read", d.control, d.resource)
		}
	}
}

// TestAzureReaderRoleIsExactlyWhatTheScanUses compares
// configs/azure/ownaudit-reader-role.json with the actions and data
// actions the simulator saw during a full scan: none missing, none unused,
// no wildcard, no write.
func TestAzureReaderRoleIsExactlyWhatTheScanUses(t *testing.T) {
	_, srv := scanSimulatedAzure(t, cloudsim.Faults{})
	var role struct {
		Actions, NotActions, DataActions, NotDataActions []string
	}
	raw, err := os.ReadFile(filepath.Join("..", "configs", "azure", "ownaudit-reader-role.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &role); err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	usedData := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Cloud != "azure" || r.Service == "ManagedIdentity" {
			continue
		}
		if r.DataAction {
			usedData[r.Action()] = true
			continue
		}
		used[r.Action()] = true
		for _, a := range r.Reads {
			used[a] = true
		}
	}
	compare := func(kind string, declared []string, used map[string]bool) {
		for _, a := range declared {
			if strings.Contains(a, "*") {
				t.Errorf("%s %q is a wildcard", kind, a)
			}
			if !strings.HasSuffix(a, "/read") {
				t.Errorf("%s %q is not a read", kind, a)
			}
			if !used[a] {
				t.Errorf("%s %q is granted but the scan never used it", kind, a)
			}
		}
		var missing []string
		for a := range used {
			if !slices.Contains(declared, a) {
				missing = append(missing, a)
			}
		}
		sort.Strings(missing)
		for _, a := range missing {
			t.Errorf("the scan used %s %q, which the role does not grant", kind, a)
		}
	}
	compare("action", role.Actions, used)
	compare("data action", role.DataActions, usedData)
	if len(role.NotActions)+len(role.NotDataActions) != 0 {
		t.Error("the role has NotActions: it should grant exactly what it lists")
	}
}
