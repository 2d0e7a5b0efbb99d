package aws

import (
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// scrubEnv clears what a machine's environment could hand the SDK's HTTP
// client for the rest of the test: a custom CA bundle (with one, the SDK
// built a client that --call-timeout applied to; without, nothing bounded
// a call) and proxies.
func scrubEnv(t *testing.T) {
	t.Helper()
	for _, k := range []string{"AWS_CA_BUNDLE", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "REQUEST_METHOD"} {
		t.Setenv(k, "")
	}
}

// scanWithin runs the firewall scanner over the account of metricsWorld
// with o and fails the test unless it ends within budget.
func scanWithin(t *testing.T, o settings, budget time.Duration) (*inventory.Inventory, time.Duration) {
	t.Helper()
	done := make(chan *inventory.Inventory, 1)
	start := time.Now()
	go func() {
		done <- scanDomain(t, o, inventory.Firewall, scanners.Target{ID: "111111111111", Regions: []string{"eu-central-1"}})
	}()
	select {
	case inv := <-done:
		return inv, time.Since(start)
	case <-time.After(budget):
		t.Fatalf("the scan still runs after %s (call timeout %s, %d attempts)", budget, o.CallTimeout, o.maxAttempts)
		return nil, 0
	}
}

func TestCallTimeoutBoundsEveryRequestWithoutACABundle(t *testing.T) {
	scrubEnv(t)
	srv, o := startSim(t, metricsWorld)
	srv.SetFaults(cloudsim.Faults{Unanswered: []string{"*"}})
	o.CallTimeout = 300 * time.Millisecond
	o.maxAttempts = 2
	inv, took := scanWithin(t, o, 20*time.Second)
	t.Logf("the scan ended after %s", took)
	if len(inv.Errors) == 0 {
		t.Fatal("no error entry for calls that were never answered")
	}
	for _, e := range inv.Errors {
		// The client's timeout or its transport's response header
		// timeout, whichever fires first: both are the call timeout.
		msg := strings.ToLower(e.Message)
		if e.Operation != "sts:GetCallerIdentity" || !strings.Contains(msg, "deadline exceeded") && !strings.Contains(msg, "timeout") {
			t.Errorf("error entry %+v, want sts:GetCallerIdentity timing out", e)
		}
	}
	// Two attempts of one call, and the retryer's backoff between them.
	if took > 10*time.Second {
		t.Errorf("the scan took %s, want about two call timeouts of %s", took, o.CallTimeout)
	}
}

func TestCustomCABundleIsTrusted(t *testing.T) {
	scrubEnv(t)
	w, err := cloudsim.Parse([]byte(metricsWorld))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(cloudsim.New(w))
	ts.StartTLS()
	t.Cleanup(ts.Close)
	bundle := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(bundle, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	// Without the bundle the simulator's certificate is refused: the
	// bundle is what makes the next scan work.
	o := simOptions(ts.URL, simKey)
	o.maxAttempts = 1
	inv, _ := scanWithin(t, o, 30*time.Second)
	if len(inv.Errors) == 0 || !strings.Contains(inv.Errors[0].Message, "certificate") {
		t.Fatalf("errors without the bundle = %+v, want the certificate refused", inv.Errors)
	}

	t.Setenv("AWS_CA_BUNDLE", bundle)
	o = simOptions(ts.URL, simKey)
	o.CallTimeout = 5 * time.Second
	inv, _ = scanWithin(t, o, 30*time.Second)
	for _, e := range inv.Errors {
		t.Errorf("error with AWS_CA_BUNDLE set: %+v", e)
	}
	if len(byType(inv, inventory.AWSSecurityGroup)) != 1 {
		t.Errorf("security groups = %v, want sg-a", byType(inv, inventory.AWSSecurityGroup))
	}
}

func TestProxyFromTheEnvironment(t *testing.T) {
	scrubEnv(t)
	srv, _ := startSim(t, metricsWorld)
	sim, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	var proxied atomic.Int32
	rp := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(sim) }}
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Add(1)
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(proxy.Close)
	t.Setenv("HTTP_PROXY", proxy.URL)

	// A name only the proxy reaches: requests to a loopback address never
	// go through a proxy.
	o := simOptions("http://cloudsim.invalid:"+sim.Port(), simKey)
	inv, _ := scanWithin(t, o, 30*time.Second)
	for _, e := range inv.Errors {
		t.Errorf("error through the proxy: %+v", e)
	}
	if proxied.Load() == 0 || len(byType(inv, inventory.AWSSecurityGroup)) != 1 {
		t.Errorf("%d requests through the proxy, security groups %v; want every call proxied and sg-a read", proxied.Load(), byType(inv, inventory.AWSSecurityGroup))
	}
}
