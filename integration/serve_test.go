package integration

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// demoInstance is the Pushgateway grouping label value of a demo scan: the
// demo declaration's targets. It holds a "/", so the push path carries it
// base64-encoded, as the Pushgateway's API asks.
const demoInstance = "aws:organization,azure:managementGroup/acme-shop,gcp:acme-analytics"

// httpGet fetches url and returns the status code, content type and body.
func httpGet(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

// parseText parses the Prometheus text format, with the classic name rules
// node_exporter's textfile collector applies.
func parseText(t *testing.T, r io.Reader) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	families, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("not the Prometheus text format: %v", err)
	}
	return families
}

// failingControls counts a findings document's failing control findings
// (ownership.* are not in ownaudit_findings).
func failingControls(doc map[string]any) float64 {
	n := 0.0
	for _, f := range findings(doc) {
		if f["status"] == "fail" && !strings.HasPrefix(f["control"].(string), "ownership.") {
			n++
		}
	}
	return n
}

// sumGauge adds up a family's values whose labels include want.
func sumGauge(fam *dto.MetricFamily, want map[string]string) float64 {
	sum := 0.0
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			match = match && labels[k] == v
		}
		if match {
			sum += m.GetGauge().GetValue()
		}
	}
	return sum
}

// gauge returns the value of a family with one unlabelled series.
func gauge(t *testing.T, families map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	fam, ok := families[name]
	if !ok || len(fam.GetMetric()) != 1 {
		t.Fatalf("%s: want one series, got %v", name, fam)
	}
	return fam.GetMetric()[0].GetGauge().GetValue()
}

// lockedBuffer collects a process's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeDemoAnswersAndStopsOnSIGTERM(t *testing.T) {
	listen := freeAddr(t)
	base := "http://" + listen
	cmd := exec.Command(binary, "serve", "--demo", "--listen", listen, "--interval", "1h")
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("ownaudit serve output:\n%s", out)
		}
	})

	waitOK(t, base+"/healthz", 30*time.Second)
	waitOK(t, base+"/readyz", 60*time.Second)

	code, ctype, body := httpGet(t, base+"/findings")
	if code != http.StatusOK || ctype != "application/json" {
		t.Fatalf("GET /findings = %d %q, want 200 application/json", code, ctype)
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("/findings is not JSON: %v", err)
	}
	if len(findings(doc)) == 0 {
		t.Fatal("/findings has no findings")
	}
	if src := doc["scan"].(map[string]any)["source"]; src != "demo" {
		t.Errorf("/findings scan source = %v, want demo", src)
	}

	code, ctype, body = httpGet(t, base+"/metrics")
	if code != http.StatusOK || !strings.HasPrefix(ctype, "text/plain") {
		t.Fatalf("GET /metrics = %d %q, want 200 text/plain", code, ctype)
	}
	families := parseText(t, bytes.NewReader(body))
	fam, ok := families["ownaudit_findings"]
	if !ok {
		t.Fatalf("/metrics has no ownaudit_findings:\n%s", body)
	}
	// The metrics describe the document /findings serves.
	if got, want := sumGauge(fam, map[string]string{"status": "fail"}), failingControls(doc); got != want {
		t.Errorf("sum of ownaudit_findings{status=\"fail\"} = %v, want the document's %v", got, want)
	}
	if got := gauge(t, families, "ownaudit_scan_interval_seconds"); got != 3600 {
		t.Errorf("ownaudit_scan_interval_seconds = %v, want 3600", got)
	}
	if got := gauge(t, families, "ownaudit_scan_success"); got != 1 {
		t.Errorf("ownaudit_scan_success = %v, want 1 (the demo reads everything)", got)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("serve exited with %v after SIGTERM, want exit status 0", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("serve did not exit within 5s of SIGTERM")
	}
	if !strings.Contains(out.String(), "stopped") {
		t.Errorf("serve did not log that it stopped:\n%s", out)
	}
}

func TestScanWritesMetricsFile(t *testing.T) {
	dir := t.TempDir()
	r := ownaudit(t, dir, "scan", "--demo", "--output", "f.json", "--include-passed", "--metrics-file", "f.prom")
	if r.code != demoExit {
		t.Fatalf("scan --metrics-file exit %d, want %d; stderr:\n%s", r.code, demoExit, r.stderr)
	}
	f, err := os.Open(filepath.Join(dir, "f.prom"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	families := parseText(t, f)
	doc := readJSON(t, filepath.Join(dir, "f.json"))
	fam, ok := families["ownaudit_findings"]
	if !ok {
		t.Fatal("f.prom has no ownaudit_findings")
	}
	if got, want := sumGauge(fam, map[string]string{"status": "fail"}), failingControls(doc); got != want {
		t.Errorf("f.prom failing findings = %v, want the document's %v", got, want)
	}
	if got := gauge(t, families, "ownaudit_scan_success"); got != 1 {
		t.Errorf("ownaudit_scan_success = %v, want 1", got)
	}
	if _, ok := families["ownaudit_scan_interval_seconds"]; ok {
		t.Error("a one-shot scan's metrics carry ownaudit_scan_interval_seconds, which is serve's")
	}
	// Atomic: nothing but the three files is left in the directory.
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "f.json f.prom" {
		t.Errorf("files left = %v, want f.json f.prom", names)
	}
}

// push is one request a fake Pushgateway received.
type push struct {
	method, path string
	families     map[string]*dto.MetricFamily
}

// fakePushgateway records pushes and answers them with status.
func fakePushgateway(t *testing.T, status int) (*httptest.Server, func() []push) {
	t.Helper()
	var mu sync.Mutex
	var pushes []push
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := push{method: r.Method, path: r.URL.Path, families: map[string]*dto.MetricFamily{}}
		dec := expfmt.NewDecoder(r.Body, expfmt.ResponseFormat(r.Header))
		for {
			mf := &dto.MetricFamily{}
			if err := dec.Decode(mf); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Errorf("pushed body does not decode: %v", err)
				}
				break
			}
			p.families[mf.GetName()] = mf
		}
		mu.Lock()
		pushes = append(pushes, p)
		mu.Unlock()
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []push {
		mu.Lock()
		defer mu.Unlock()
		return append([]push(nil), pushes...)
	}
}

func TestScanPushesOnceToThePushgateway(t *testing.T) {
	gw, pushes := fakePushgateway(t, http.StatusOK)
	dir := t.TempDir()
	r := ownaudit(t, dir, "scan", "--demo", "--output", "f.json", "--pushgateway", gw.URL)
	if r.code != demoExit {
		t.Fatalf("scan --pushgateway exit %d, want %d; stderr:\n%s", r.code, demoExit, r.stderr)
	}
	got := pushes()
	if len(got) != 1 {
		t.Fatalf("pushes = %d, want exactly one", len(got))
	}
	p := got[0]
	// PUT replaces the whole group: findings fixed since the last push go.
	if want := "/metrics/job/ownaudit/instance@base64/" + base64.RawURLEncoding.EncodeToString([]byte(demoInstance)); p.method != http.MethodPut || p.path != want {
		t.Errorf("push = %s %s, want PUT %s", p.method, p.path, want)
	}
	fam, ok := p.families["ownaudit_findings"]
	if !ok {
		t.Fatalf("the push carries no ownaudit_findings; families: %v", len(p.families))
	}
	doc := readJSON(t, filepath.Join(dir, "f.json"))
	if got, want := sumGauge(fam, map[string]string{"status": "fail"}), failingControls(doc); got != want {
		t.Errorf("pushed failing findings = %v, want the document's %v", got, want)
	}
	for _, name := range []string{"ownaudit_scan_success", "ownaudit_last_scan_timestamp_seconds", "ownaudit_build_info"} {
		if _, ok := p.families[name]; !ok {
			t.Errorf("the push carries no %s", name)
		}
	}
}

func TestScanReportsAFailedPush(t *testing.T) {
	gw, pushes := fakePushgateway(t, http.StatusInternalServerError)
	dir := t.TempDir()
	r := ownaudit(t, dir, "scan", "--demo", "--output", "f.json", "--pushgateway", gw.URL)
	if r.code != 4 {
		t.Errorf("scan with a failing Pushgateway exit %d, want 4; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "--pushgateway") || !strings.Contains(r.stderr, "500") {
		t.Errorf("stderr does not report the failed push:\n%s", r.stderr)
	}
	if len(pushes()) != 1 {
		t.Errorf("pushes = %d, want one attempt", len(pushes()))
	}
	// The findings were written all the same.
	if doc := readJSON(t, filepath.Join(dir, "f.json")); len(findings(doc)) == 0 {
		t.Error("f.json has no findings")
	}
}
