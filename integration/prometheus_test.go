package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// The tests below run the real Prometheus and Pushgateway that CI installs
// from Debian's packages (.ci/run). Outside CI a missing binary skips them
// with a note; in CI (CI=true) it fails them.

// tool finds an installed program or skips (fails in CI).
func tool(t *testing.T, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed; .ci/run installs it in CI", name)
	}
	t.Skipf("%s is not installed (Debian: apt-get install prometheus prometheus-pushgateway); skipping", name)
	return ""
}

// freeAddr returns a 127.0.0.1 address nothing listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// process is a program the test started; it is stopped at cleanup.
type process struct {
	cmd *exec.Cmd
	out *bytes.Buffer
}

func start(t *testing.T, env []string, dir, path string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(path, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", path, err)
	}
	p := &process{cmd: cmd, out: out}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", filepath.Base(path), out.String())
		}
	})
	return p
}

// waitOK polls url until it answers 200.
func waitOK(t *testing.T, url string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer 200 within %s (last error %v)", url, timeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startPrometheus runs Prometheus scraping the given targets every second.
func startPrometheus(t *testing.T, scrape map[string]string) string {
	t.Helper()
	bin := tool(t, "prometheus")
	dir := t.TempDir()
	var cfg strings.Builder
	cfg.WriteString("global: {scrape_interval: 1s, evaluation_interval: 1s}\nscrape_configs:\n")
	jobs := make([]string, 0, len(scrape))
	for job := range scrape {
		jobs = append(jobs, job)
	}
	sort.Strings(jobs)
	for _, job := range jobs {
		// honor_labels keeps the job and grouping labels a push carried.
		fmt.Fprintf(&cfg, "  - job_name: %s\n    honor_labels: true\n    static_configs: [{targets: [%q]}]\n", job, scrape[job])
	}
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	start(t, nil, dir, bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), "--web.listen-address="+addr)
	base := "http://" + addr
	waitOK(t, base+"/-/ready", 30*time.Second)
	return base
}

// query runs an instant PromQL query and returns its vector as label-set
// string -> value.
func query(t *testing.T, base, q string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Status string
		Data   struct {
			ResultType string
			Result     []struct {
				Metric map[string]string
				Value  [2]any
			}
		}
		Error string
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	if out.Status != "success" {
		t.Fatalf("query %s: %s", q, out.Error)
	}
	got := map[string]float64{}
	for _, r := range out.Data.Result {
		v, _ := strconv.ParseFloat(fmt.Sprint(r.Value[1]), 64)
		keys := make([]string, 0, len(r.Metric))
		for k, val := range r.Metric {
			keys = append(keys, k+"="+val)
		}
		sort.Strings(keys)
		got[strings.Join(keys, ",")] = v
	}
	return got
}

// failingByParty counts the failing control findings of a findings
// document per responsible party, the way ownaudit_findings labels them.
func failingByParty(t *testing.T, doc map[string]any) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, f := range doc["findings"].([]any) {
		m := f.(map[string]any)
		if m["status"] != "fail" || strings.HasPrefix(m["control"].(string), "ownership.") {
			continue
		}
		party := "unassigned"
		if r, ok := m["responsible"].(map[string]any); ok && r != nil {
			party = r["party"].(string)
		}
		out["responsible_party="+party]++
	}
	return out
}

func TestPrometheusScrapesServe(t *testing.T) {
	tool(t, "prometheus")
	world, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	_, env, dir := simulatedAWS(t, world)
	listen := freeAddr(t)
	start(t, env, dir, binary, "serve", "--declaration", awsDeclaration(t), "--listen", listen, "--interval", "1h")
	waitOK(t, "http://"+listen+"/readyz", 60*time.Second)

	resp, err := http.Get("http://" + listen + "/findings")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("/findings is not JSON: %v", err)
	}
	want := failingByParty(t, doc)
	if len(want) == 0 {
		t.Fatal("the served findings have no failing control findings to compare")
	}

	prom := startPrometheus(t, map[string]string{"ownaudit": listen})
	got := waitQuery(t, prom, failingQuery, want)
	t.Logf("PromQL %s = %v; /findings failing per party = %v", failingQuery, got, want)

	// The scan read everything: success is 1 and every scanner succeeded.
	if v := query(t, prom, `ownaudit_scan_success{job="ownaudit"}`); len(v) != 1 || first(v) != 1 {
		t.Errorf("ownaudit_scan_success = %v, want 1", v)
	}
	if v := query(t, prom, `count(ownaudit_scanner_success{job="ownaudit"} == 0)`); len(v) != 0 {
		t.Errorf("failing scanners = %v, want none", v)
	}
	if v := query(t, prom, `sum(ownaudit_api_requests_total{job="ownaudit",code="OK"})`); len(v) != 1 || first(v) == 0 {
		t.Errorf("API requests counted = %v, want some", v)
	}
}

func TestPushgatewayReceivesScan(t *testing.T) {
	gw := tool(t, "prometheus-pushgateway")
	tool(t, "prometheus")
	world, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	_, env, dir := simulatedAWS(t, world)
	gwAddr := freeAddr(t)
	start(t, nil, t.TempDir(), gw, "--web.listen-address="+gwAddr)
	waitOK(t, "http://"+gwAddr+"/-/ready", 30*time.Second)

	res := ownauditEnv(t, dir, env, "scan", "--declaration", awsDeclaration(t), "--output", "f.json",
		"--pushgateway", "http://"+gwAddr, "--quiet")
	if res.code != demoExit {
		t.Fatalf("scan --pushgateway exit code = %d, want %d; stderr:\n%s", res.code, demoExit, res.stderr)
	}
	want := failingByParty(t, readJSON(t, filepath.Join(dir, "f.json")))

	// What the gateway holds, read straight from it.
	resp, err := http.Get("http://" + gwAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	// A zero TextParser has no name validation scheme and panics.
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatalf("parse the gateway's metrics: %v", err)
	}
	fam, ok := families["ownaudit_findings"]
	if !ok {
		t.Fatal("the gateway holds no ownaudit_findings")
	}
	onGateway := map[string]float64{}
	for _, m := range fam.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		if labels["status"] == "fail" && labels["job"] == "ownaudit" {
			onGateway["responsible_party="+labels["responsible_party"]] += m.GetGauge().GetValue()
		}
	}
	if !reflect.DeepEqual(onGateway, want) {
		t.Errorf("gateway failing per party = %v, want the findings document's %v", onGateway, want)
	}

	// And through Prometheus scraping the gateway.
	prom := startPrometheus(t, map[string]string{"pushgateway": gwAddr})
	got := waitQuery(t, prom, failingQuery, want)
	t.Logf("PromQL %s via the Pushgateway = %v; f.json failing per party = %v", failingQuery, got, want)
}

// failingQuery sums the failing findings per responsible party.
const failingQuery = `sum by (responsible_party) (ownaudit_findings{job="ownaudit",status="fail"})`

// waitQuery polls q until Prometheus answers want (it scrapes every second)
// and fails the test after 30 s.
func waitQuery(t *testing.T, base, q string, want map[string]float64) map[string]float64 {
	t.Helper()
	var got map[string]float64
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if got = query(t, base, q); reflect.DeepEqual(got, want) {
			return got
		}
		time.Sleep(500 * time.Millisecond)
	}
	t.Fatalf("PromQL %s = %v, want the findings document's %v", q, got, want)
	return nil
}

func first(m map[string]float64) float64 {
	for _, v := range m {
		return v
	}
	return 0
}
