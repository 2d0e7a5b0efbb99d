package integration

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
)

// gcpDeclaration scans every project of the test world's organization.
const gcpDeclaration = `version: 1
parties:
  - {id: acme, role: customer}
  - {id: google, role: provider}
targets:
  gcp: [{organization: "123456789012"}]
responsibilities:
  - match: {cloud: gcp}
    assign: {firewall: acme, patching: acme, encryption: acme, iam: acme}
  - match: {cloud: gcp, resourceTypes: [gcp.compute.disk, gcp.storage.bucket]}
    assign: {encryption: google}
`

// gcpRun is one scan of the simulated organization by the binary.
type gcpRun struct {
	code     int
	stderr   string
	findings map[string]finding // by finding id
	errors   []map[string]any
	srv      *cloudsim.Server
}

// scanSimulatedGCP serves the scanner tests' organization with faults and
// runs the binary against it, in an environment holding only what it
// sets: the endpoint override, and Application Default Credentials from
// a service account key file whose token endpoint is the simulator's.
func scanSimulatedGCP(t *testing.T, faults string) gcpRun {
	t.Helper()
	world, err := os.ReadFile(filepath.Join("..", "scanners", "gcp", "testdata", "world-full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := cloudsim.Parse(append(world, []byte(faults)...))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := cloudsim.Start(w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })

	dir := t.TempDir()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	privateKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	creds, _ := json.Marshal(map[string]string{
		"type": "service_account", "project_id": "acme-web", "private_key_id": "0123456789abcdef",
		"private_key": privateKey, "client_email": "ownaudit@acme-web.iam.gserviceaccount.com", "client_id": "1",
		"token_uri": srv.URL + "/oauth2.googleapis.com/token",
	})
	credsFile := filepath.Join(dir, "sa.json")
	if err := os.WriteFile(credsFile, creds, 0o600); err != nil {
		t.Fatal(err)
	}
	decl := filepath.Join(dir, "d.yaml")
	if err := os.WriteFile(decl, []byte(gcpDeclaration), 0o644); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(binary, "scan", "--declaration", decl, "--output", "f.json", "--include-passed", "--quiet")
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "NO_COLOR=1", "OWNAUDIT_GCP_ENDPOINT=" + srv.URL, "GOOGLE_APPLICATION_CREDENTIALS=" + credsFile}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	if code != 0 && code != 3 {
		t.Fatalf("scan exit code = %d, want 0 or 3; stderr:\n%s", code, stderr.String())
	}
	if strings.Contains(stderr.String(), "PRIVATE KEY") || strings.Contains(stderr.String(), "simulated-token") {
		t.Error("a credential appears in the log")
	}
	out, err := os.ReadFile(filepath.Join(dir, "f.json"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte("PRIVATE KEY")) || bytes.Contains(out, []byte("simulated-token")) {
		t.Error("a credential appears in the findings")
	}
	doc := readJSON(t, filepath.Join(dir, "f.json"))
	run := gcpRun{code: code, stderr: stderr.String(), findings: map[string]finding{}, srv: srv}
	for _, f := range doc["findings"].([]any) {
		m := f.(map[string]any)
		r := m["resource"].(map[string]any)
		run.findings[m["id"].(string)] = finding{control: m["control"].(string), domain: m["domain"].(string), status: m["status"].(string),
			resourceType: r["type"].(string), resource: r["target"].(string) + "/" + r["id"].(string)}
	}
	if errs, ok := doc["errors"].([]any); ok {
		for _, e := range errs {
			run.errors = append(run.errors, e.(map[string]any))
		}
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("the scan attempted writes: %+v", w)
	}
	return run
}

func TestGCPScanThroughApplicationDefaultCredentials(t *testing.T) {
	clean := scanSimulatedGCP(t, "")
	if clean.code != 0 || len(clean.errors) != 0 {
		t.Fatalf("clean scan: exit %d, errors %v; stderr:\n%s", clean.code, clean.errors, clean.stderr)
	}
	if n := clean.srv.Counts()["oauth2.token"]; n == 0 {
		t.Error("the binary never fetched a token with the credentials file")
	}
	perDomain := map[string]int{}
	projects := map[string]bool{}
	for _, f := range clean.findings {
		perDomain[f.domain]++
		projects[strings.SplitN(f.resource, "/", 2)[0]] = true
	}
	for _, d := range []string{"firewall", "patching", "encryption", "iam"} {
		if perDomain[d] == 0 {
			t.Errorf("no %s findings; per domain: %v", d, perDomain)
		}
	}
	if len(projects) != 2 || !projects["acme-web"] || !projects["acme-data"] {
		t.Errorf("projects with findings = %v, want the organization's two active ones", projects)
	}
}

func TestGCPProjectDeniedIsIncompleteAndSparesTheOthers(t *testing.T) {
	clean := scanSimulatedGCP(t, "")
	denied := scanSimulatedGCP(t, "faults: {accessDenied: [{account: acme-web, action: \"*\"}]}\n")
	if denied.code != 3 {
		t.Errorf("exit code = %d, want 3 (scan incomplete)", denied.code)
	}
	if len(denied.errors) == 0 {
		t.Fatal("no error entries for the denied project")
	}
	for _, e := range denied.errors {
		perm, _ := e["permission"].(string)
		if e["target"] != "acme-web" || perm == "" || !strings.Contains(e["message"].(string), perm) {
			t.Errorf("error entry %v, want acme-web's naming the missing permission", e)
		}
	}
	// The other project's findings are exactly the clean run's.
	other := func(r gcpRun) map[string]finding {
		out := map[string]finding{}
		for id, f := range r.findings {
			if strings.HasPrefix(f.resource, "acme-data/") {
				out[id] = f
			}
		}
		return out
	}
	c, d := other(clean), other(denied)
	if len(c) == 0 || len(c) != len(d) {
		t.Errorf("acme-data findings: %d clean, %d with acme-web denied", len(c), len(d))
	}
	for id, f := range c {
		if d[id] != f {
			t.Errorf("%s on %s: %+v with acme-web denied, %+v clean", f.control, f.resource, d[id], f)
		}
	}
	for _, f := range denied.findings {
		if strings.HasPrefix(f.resource, "acme-web/") && f.status == "pass" {
			t.Errorf("%s on %s passed in a denied project", f.control, f.resource)
		}
	}
}

// TestGCPScanThroughWorkloadIdentity runs the binary as it runs in a GKE
// pod with workload identity, or on a VM: no credentials file, the
// metadata server (here the simulator, through GCE_METADATA_HOST) gives
// the project and the tokens. The declaration names no GCP target, so the
// metadata server's project is scanned.
func TestGCPScanThroughWorkloadIdentity(t *testing.T) {
	world, err := os.ReadFile(filepath.Join("..", "scanners", "gcp", "testdata", "world-full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	w, err := cloudsim.Parse(bytes.Replace(world, []byte("  pageSize: 2\n"), []byte("  pageSize: 2\n  metadataProject: acme-data\n"), 1))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := cloudsim.Start(w)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	dir := t.TempDir()
	decl := filepath.Join(dir, "d.yaml")
	if err := os.WriteFile(decl, []byte("version: 1\nparties: [{id: acme, role: customer}]\nresponsibilities:\n  - assign: {firewall: acme, patching: acme, encryption: acme, iam: acme}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "scan", "--declaration", decl, "--disable-scanner", "aws,azure", "--output", "f.json", "--quiet")
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "NO_COLOR=1", "OWNAUDIT_GCP_ENDPOINT=" + srv.URL,
		"GCE_METADATA_HOST=" + strings.TrimPrefix(srv.URL, "http://")}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("scan: %v\n%s", err, stderr.String())
	}
	doc := readJSON(t, filepath.Join(dir, "f.json"))
	targets := doc["scan"].(map[string]any)["targets"].([]any)
	if len(targets) != 1 || targets[0].(map[string]any)["id"] != "acme-data" {
		t.Errorf("targets = %v, want the metadata server's project acme-data", targets)
	}
	if n := len(doc["findings"].([]any)); n == 0 {
		t.Error("no findings from the metadata server's project")
	}
	if srv.Counts()["metadata.instance/service-accounts/default/token"] == 0 {
		t.Error("no token was taken from the metadata server")
	}
}
