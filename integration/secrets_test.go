package integration

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
)

// securedPushgateway takes pushes with basic authentication, refusing every
// other one with a 500 (so that both the success and the failure are
// logged), and keeps what was pushed.
type securedPushgateway struct {
	mu     sync.Mutex
	n      int
	bodies []string
}

func (g *securedPushgateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.n++
	g.bodies = append(g.bodies, string(b))
	if user, pass, ok := r.BasicAuth(); !ok || user != pushUser || pass != pushPassword {
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	if g.n%2 == 0 {
		http.Error(w, "the gateway is down", http.StatusInternalServerError)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// Credentials, each in a place ownaudit accepts one. None may show up
// in anything ownaudit prints, writes or pushes.
const (
	envSecretKey     = "envSECRETaccessKEY0000000000000000000000"
	envSessionToken  = "envSESSIONtoken000000000000000000000000"
	fileSecretKey    = "fileSECRETaccessKEY000000000000000000000"
	fileSessionToken = "fileSESSIONtoken00000000000000000000000"
	endpointUser     = "endpointUSER7f3a"
	endpointPassword = "endpointPASS9c1e"
	proxyUser        = "proxyUSER2b7d"
	proxyPassword    = "proxyPASS5e8f"
	pushUser         = "pushUSER4d2c"
	pushPassword     = "pushPASS8e5b"
)

// TestNoCredentialsInAnyOutput scans the simulated organization at debug
// level with credentials in every place ownaudit accepts them (the
// environment, a shared credentials file, user information in the
// endpoint, proxy and Pushgateway URLs), with one operation never
// answering so that error entries quote the endpoint URL, and writes every
// output format, the metrics file, the saved inventory and pushes. No
// credential may appear in any of it.
func TestNoCredentialsInAnyOutput(t *testing.T) {
	world, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	world.Faults = cloudsim.Faults{Unanswered: []string{"ssm:DescribeInstancePatchStates"}}
	srv, simEnv, dir := simulatedAWS(t, world)
	gw := &securedPushgateway{}
	gwSrv := httptest.NewServer(gw)
	t.Cleanup(gwSrv.Close)

	sim, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	sim.User = url.UserPassword(endpointUser, endpointPassword)
	push, err := url.Parse(gwSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	push.User = url.UserPassword(pushUser, pushPassword)
	credsFile := filepath.Join(dir, "credentials")
	if err := os.WriteFile(credsFile, []byte("[audit]\naws_access_key_id = "+demo.AccessKey+"\naws_secret_access_key = "+fileSecretKey+
		"\naws_session_token = "+fileSessionToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The simulator's environment, with the credentials and the endpoint
	// replaced; loopback requests never go through the proxy, which is
	// there to be (not) printed.
	var base []string
	for _, kv := range simEnv {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SHARED_CREDENTIALS_FILE", "AWS_PROFILE":
		default:
			base = append(base, kv)
		}
	}
	base = append(base, "AWS_ENDPOINT_URL="+sim.String(),
		"HTTPS_PROXY=http://"+proxyUser+":"+proxyPassword+"@127.0.0.1:9", "HTTP_PROXY=http://"+proxyUser+":"+proxyPassword+"@127.0.0.1:9")
	fromEnv := append([]string{"AWS_ACCESS_KEY_ID=" + demo.AccessKey, "AWS_SECRET_ACCESS_KEY=" + envSecretKey,
		"AWS_SESSION_TOKEN=" + envSessionToken, "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "empty")}, base...)
	fromFile := append([]string{"AWS_SHARED_CREDENTIALS_FILE=" + credsFile, "AWS_PROFILE=audit"}, base...)

	decl := awsDeclaration(t)
	sinks := func(name string) []string {
		return []string{"--include-passed", "--pushgateway", push.String(), "--metrics-file", name + ".prom"}
	}
	var printed []string
	run := func(env []string, args ...string) {
		t.Helper()
		res := ownauditScrubbed(t, dir, env, 2*time.Minute, append([]string{"--log-level", "debug"}, args...)...)
		if res.code == 2 {
			t.Fatalf("ownaudit %v: exit 2; stderr:\n%s", args, res.stderr)
		}
		printed = append(printed, res.stdout, res.stderr)
	}
	run(fromEnv, append([]string{"scan", "--declaration", decl, "--format", "json", "--output", "scan.json",
		"--save-inventory", "inventory.json", "--call-timeout", "500ms"}, sinks("scan")...)...)
	run(fromFile, append([]string{"scan", "--declaration", decl, "--format", "ndjson", "--output", "scan.ndjson",
		"--call-timeout", "500ms"}, sinks("profile")...)...)
	for _, format := range []string{"table", "markdown", "html", "ocsf"} {
		run(fromEnv, append([]string{"scan", "--declaration", decl, "--from-inventory", "inventory.json", "--format", format,
			"--output", "report." + format}, sinks(format)...)...)
	}
	run(fromEnv, "scan", "--declaration", decl, "--from-inventory", "inventory.json", "--format", "table")

	// Error entries did quote the endpoint's URL (the SDK leaves its user
	// information out): the test looks where a leak would be.
	doc := readJSON(t, filepath.Join(dir, "scan.json"))
	quoted := false
	for _, e := range doc["errors"].([]any) {
		quoted = quoted || strings.Contains(e.(map[string]any)["message"].(string), "://"+sim.Host)
	}
	if !quoted {
		t.Errorf("no error entry quotes the endpoint URL; errors: %v", doc["errors"])
	}
	if len(gw.bodies) < 6 {
		t.Errorf("%d pushes, want one per run", len(gw.bodies))
	}

	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	where := map[string]string{}
	for i, p := range printed {
		where[[]string{"stdout", "stderr"}[i%2]+" of run "+string(rune('1'+i/2))] = p
	}
	for _, f := range files {
		if f == credsFile {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			continue // a directory
		}
		where[filepath.Base(f)] = string(b)
	}
	for i, b := range gw.bodies {
		where["push "+string(rune('1'+i))] = b
	}
	for _, want := range []string{"scan.json", "scan.ndjson", "inventory.json", "scan.prom", "report.table", "report.markdown",
		"report.html", "report.ocsf", "ocsf.prom"} {
		if _, ok := where[want]; !ok {
			t.Errorf("%s was not written", want)
		}
	}
	for name, text := range where {
		for _, secret := range []string{envSecretKey, envSessionToken, fileSecretKey, fileSessionToken, endpointUser, endpointPassword,
			proxyUser, proxyPassword, pushUser, pushPassword} {
			if i := strings.Index(text, secret); i >= 0 {
				t.Errorf("%s shows %s: ...%s...", name, secret, text[max(0, i-80):min(len(text), i+len(secret)+20)])
			}
		}
	}
}
