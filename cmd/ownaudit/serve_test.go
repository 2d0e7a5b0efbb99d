package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/report/metrics"
	"github.com/ownaudit/ownaudit/rules"
	"github.com/ownaudit/ownaudit/scanners"
)

// demoDocument scans the demo estate in the simulator, once per test
// binary, and returns a fresh copy of its findings document, which the
// caller may change.
func demoDocument(t *testing.T) *report.Document {
	t.Helper()
	demoOnce.Do(func() {
		decl, err := demo.Declaration()
		if err != nil {
			demoErr = err
			return
		}
		g := &globalOptions{stdout: io.Discard, stderr: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
		doc, err := serveScan(context.Background(), g, &scanOptions{demo: true, concurrency: 8, callTimeout: time.Minute}, decl)
		if err != nil {
			demoErr = err
			return
		}
		demoJSON, demoErr = json.Marshal(doc)
	})
	if demoErr != nil {
		t.Fatal(demoErr)
	}
	var doc report.Document
	if err := json.Unmarshal(demoJSON, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) == 0 {
		t.Fatal("the demo scan gave no findings")
	}
	return &doc
}

var (
	demoOnce sync.Once
	demoJSON []byte
	demoErr  error
)

// syncBuffer is a log destination the server's goroutines and the test
// can share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer returns a server running scan, its HTTP test server, and its
// log.
func testServer(t *testing.T, scan func(context.Context) (*report.Document, error)) (*server, *httptest.Server, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	m := metrics.New(metrics.BuildInfo{Version: "test", GoVersion: "go", Revision: "abc"})
	m.SetInterval(time.Hour)
	s := newServer(m, slog.New(slog.NewTextHandler(logs, nil)), scan)
	hs := httptest.NewServer(s.handler())
	t.Cleanup(hs.Close)
	return s, hs, logs
}

// get fetches path and returns the status code, content type and body.
func get(t *testing.T, hs *httptest.Server, path string) (int, string, string) {
	t.Helper()
	resp, err := http.Get(hs.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

// wantStatus checks the status code of each path.
func wantStatus(t *testing.T, hs *httptest.Server, want map[string]int) {
	t.Helper()
	for path, code := range want {
		if got, _, body := get(t, hs, path); got != code {
			t.Errorf("GET %s = %d (%q), want %d", path, got, strings.TrimSpace(body), code)
		}
	}
}

// scanID decodes /findings and returns its scan id.
func scanID(t *testing.T, hs *httptest.Server) string {
	t.Helper()
	code, ctype, body := get(t, hs, "/findings")
	if code != http.StatusOK || ctype != "application/json" {
		t.Fatalf("GET /findings = %d %q, want 200 application/json", code, ctype)
	}
	var doc report.Document
	if err := json.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("/findings is not a findings document: %v", err)
	}
	return doc.Scan.ID
}

func TestServeReadyOnceAScanProducedADocument(t *testing.T) {
	doc := demoDocument(t)
	s, hs, _ := testServer(t, func(context.Context) (*report.Document, error) { return doc, nil })

	wantStatus(t, hs, map[string]int{"/healthz": 200, "/readyz": 503, "/findings": 503, "/metrics": 200, "/": 200, "/nope": 404})
	if !s.runOnce(context.Background()) {
		t.Fatal("runOnce did not run the scan")
	}
	wantStatus(t, hs, map[string]int{"/healthz": 200, "/readyz": 200, "/findings": 200})
	if got := scanID(t, hs); got != doc.Scan.ID {
		t.Errorf("/findings scan id = %q, want %q", got, doc.Scan.ID)
	}
	// Passed findings are served too: /findings is the whole document.
	_, _, body := get(t, hs, "/findings")
	var got report.Document
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Findings) != len(doc.Findings) {
		t.Errorf("/findings has %d findings, want all %d", len(got.Findings), len(doc.Findings))
	}
}

func TestServePartialScanMakesReady(t *testing.T) {
	doc := demoDocument(t)
	doc.Errors = append(doc.Errors, report.Error{Cloud: "aws", Target: "111111111111", Domain: "patching", Message: "AccessDenied", Controls: []string{}})
	s, hs, logs := testServer(t, func(context.Context) (*report.Document, error) { return doc, nil })
	s.runOnce(context.Background())
	wantStatus(t, hs, map[string]int{"/readyz": 200, "/findings": 200})
	_, _, body := get(t, hs, "/metrics")
	if !strings.Contains(body, "\nownaudit_scan_success 0\n") {
		t.Errorf("/metrics after a partial scan lacks ownaudit_scan_success 0:\n%s", body)
	}
	if !strings.Contains(logs.String(), `level=WARN msg="scan incomplete`) || strings.Contains(logs.String(), "scan done") {
		t.Errorf("a scan with failed reads is not logged as incomplete at warn:\n%s", logs)
	}
}

func TestServeLogsACompleteScanAtInfo(t *testing.T) {
	doc := demoDocument(t)
	// The demo estate has findings in error; without them it is complete.
	doc.Findings = slices.DeleteFunc(doc.Findings, func(f rules.Finding) bool { return f.Status == controls.Error })
	doc.Summary = report.Summarize(doc.Findings)
	s, _, logs := testServer(t, func(context.Context) (*report.Document, error) { return doc, nil })
	s.runOnce(context.Background())
	if !strings.Contains(logs.String(), `level=INFO msg="scan done"`) || strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("a complete scan is not logged as done at info:\n%s", logs)
	}
}

func TestServeMetrics(t *testing.T) {
	s, hs, _ := testServer(t, func(context.Context) (*report.Document, error) { return demoDocument(t), nil })
	s.runOnce(context.Background())
	code, ctype, body := get(t, hs, "/metrics")
	if code != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200", code)
	}
	if !strings.HasPrefix(ctype, "text/plain; version=0.0.4") {
		t.Errorf("/metrics content type = %q, want the Prometheus text format", ctype)
	}
	for _, want := range []string{"\nownaudit_findings{", "\nownaudit_scan_success 1\n", "\nownaudit_scan_interval_seconds 3600\n", "\nownaudit_build_info{"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", strings.TrimSpace(want), body)
		}
	}
	// Only ownaudit's own collector: nothing from the default registry.
	if strings.Contains(body, "go_goroutines") || strings.Contains(body, "process_") {
		t.Errorf("/metrics carries the default registry's metrics:\n%s", body)
	}
}

func TestServeKeepsServingAfterAFailedScan(t *testing.T) {
	for _, tc := range []struct {
		name string
		fail func(context.Context) (*report.Document, error)
		log  string
	}{
		{"error", func(context.Context) (*report.Document, error) { return nil, errors.New("simulator down") }, "simulator down"},
		{"panic", func(context.Context) (*report.Document, error) { panic("scanner bug") }, "scanner bug"},
		{"no document", func(context.Context) (*report.Document, error) { return nil, nil }, "no document"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			good := demoDocument(t)
			var failing atomic.Bool
			failing.Store(true)
			s, hs, logs := testServer(t, func(ctx context.Context) (*report.Document, error) {
				if failing.Load() {
					return tc.fail(ctx)
				}
				return good, nil
			})

			// A failure before any document: alive, not ready.
			s.runOnce(context.Background())
			wantStatus(t, hs, map[string]int{"/healthz": 200, "/readyz": 503, "/findings": 503, "/metrics": 200})
			if !strings.Contains(logs.String(), tc.log) {
				t.Errorf("log does not say %q:\n%s", tc.log, logs)
			}

			failing.Store(false)
			s.runOnce(context.Background())
			failing.Store(true)
			s.runOnce(context.Background())

			// A failure after a document: still ready, the last document
			// served, the failure in the metrics.
			wantStatus(t, hs, map[string]int{"/healthz": 200, "/readyz": 200})
			if got := scanID(t, hs); got != good.Scan.ID {
				t.Errorf("/findings scan id after a failed scan = %q, want the last good %q", got, good.Scan.ID)
			}
			_, _, body := get(t, hs, "/metrics")
			if !strings.Contains(body, "\nownaudit_scan_success 0\n") {
				t.Errorf("/metrics after a failed scan lacks ownaudit_scan_success 0:\n%s", body)
			}
		})
	}
}

func TestServeNeverRunsTwoScansAtOnce(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	var calls atomic.Int32
	s, _, logs := testServer(t, func(context.Context) (*report.Document, error) {
		if calls.Add(1) == 1 {
			entered <- struct{}{}
			<-release
		}
		return nil, errors.New("done")
	})
	first := make(chan bool)
	go func() { first <- s.runOnce(context.Background()) }()
	<-entered
	if s.runOnce(context.Background()) {
		t.Error("a second scan started while the first was running")
	}
	close(release)
	if !<-first {
		t.Error("the first scan did not run")
	}
	if got := calls.Load(); got != 1 {
		t.Errorf("scans run = %d, want 1", got)
	}
	if !strings.Contains(logs.String(), "still running") {
		t.Errorf("the skipped scan was not logged:\n%s", logs)
	}
}

func TestServeLoopRunsOverrunningScansInTurn(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls, inFlight atomic.Int32
	s, _, logs := testServer(t, func(context.Context) (*report.Document, error) {
		if inFlight.Add(1) > 1 {
			t.Error("two scans ran at once")
		}
		defer inFlight.Add(-1)
		if calls.Add(1) == 3 {
			cancel()
		}
		return nil, errors.New("boom")
	})
	// Every scan overruns a 1ns interval: the next starts when it ends.
	s.loop(ctx, time.Nanosecond)
	if got := calls.Load(); got != 3 {
		t.Errorf("scans run = %d, want 3 (the loop stops once its context is cancelled)", got)
	}
	if !strings.Contains(logs.String(), "longer than --interval") {
		t.Errorf("the overrun was not logged:\n%s", logs)
	}
}

func TestServeLoopWaitsForTheInterval(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	s, _, _ := testServer(t, func(context.Context) (*report.Document, error) {
		calls.Add(1)
		cancel() // the test's stand-in for SIGTERM, during the first scan
		return demoDocument(t), nil
	})
	s.loop(ctx, time.Hour)
	if got := calls.Load(); got != 1 {
		t.Errorf("scans run = %d, want 1", got)
	}
}

// takenAddr returns the address of a port that is in use until the test
// ends.
func takenAddr(t *testing.T) string {
	t.Helper()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { busy.Close() })
	return busy.Addr().String()
}

func TestServeUsageErrors(t *testing.T) {
	shortToken := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(shortToken, []byte("secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	busy := takenAddr(t)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no declaration", []string{"serve"}, "--declaration"},
		{"zero interval", []string{"serve", "--demo", "--interval", "0s"}, "--interval"},
		{"bad concurrency", []string{"serve", "--demo", "--concurrency", "0"}, "--concurrency"},
		{"negative scan timeout", []string{"serve", "--demo", "--scan-timeout", "-1s"}, "--scan-timeout"},
		{"bad scanner", []string{"serve", "--demo", "--disable-scanner", "aws.dns"}, "aws.dns"},
		{"busy port", []string{"serve", "--demo", "--listen", busy}, "--listen"},
		{"scan-only flag", []string{"serve", "--demo", "--output", "f.json"}, "unknown flag"},
		{"no connections", []string{"serve", "--demo", "--max-connections", "0"}, "--max-connections"},
		{"certificate without key", []string{"serve", "--demo", "--tls-cert-file", "c.pem"}, "--tls-key-file"},
		{"client CA without TLS", []string{"serve", "--demo", "--client-ca-file", "ca.pem"}, "--client-ca-file"},
		{"findings off and guarded", []string{"serve", "--demo", "--no-findings", "--findings-token-file", "t"}, "--no-findings"},
		{"missing token file", []string{"serve", "--demo", "--findings-token-file", "/nonexistent/token"}, "--findings-token-file"},
		{"short token", []string{"serve", "--demo", "--findings-token-file", shortToken}, "16 or more"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(tc.args, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit code = %d, want %d; stderr: %s", code, exitUsage, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.want) {
				t.Errorf("stderr = %q, want it to mention %q", stderr.String(), tc.want)
			}
		})
	}
}

func TestServeSharesScanFlags(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"serve", "--help"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("serve --help exit %d: %s", code, stderr.String())
	}
	for _, flag := range []string{"--declaration", "--declaration-max-size", "--demo", "--concurrency", "--call-timeout", "--scan-timeout", "--disable-scanner", "--listen", "--interval"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("serve --help does not list %s:\n%s", flag, stdout.String())
		}
	}
	if !strings.Contains(stdout.String(), defaultListen) || !strings.Contains(stdout.String(), "6h0m0s") {
		t.Errorf("serve --help does not show the defaults %s and 6h:\n%s", defaultListen, stdout.String())
	}
}

// TestServeCountsATimedOutScanAsFailed stops a demo scan with
// --scan-timeout: serve keeps what it served before (nothing yet: not
// ready) and says the scan failed, rather than serving a document that
// lacks what was not read in time.
func TestServeCountsATimedOutScanAsFailed(t *testing.T) {
	// Every goroutine the scanners start begins after the deadline.
	scannerHook = func(scanners.Scope) { time.Sleep(300 * time.Millisecond) }
	t.Cleanup(func() { scannerHook = nil })
	decl, err := demo.Declaration()
	if err != nil {
		t.Fatal(err)
	}
	g := &globalOptions{stdout: io.Discard, stderr: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	o := &scanOptions{demo: true, concurrency: 8, callTimeout: time.Minute, scanTimeout: 100 * time.Millisecond}
	s, hs, logs := testServer(t, func(ctx context.Context) (*report.Document, error) { return serveScan(ctx, g, o, decl) })
	s.runOnce(context.Background())
	wantStatus(t, hs, map[string]int{"/healthz": 200, "/readyz": 503, "/findings": 503})
	if _, _, body := get(t, hs, "/metrics"); !strings.Contains(body, "\nownaudit_scan_success 0\n") {
		t.Errorf("/metrics after a timed-out scan lacks ownaudit_scan_success 0:\n%s", body)
	}
	if !strings.Contains(logs.String(), "scan failed") || !strings.Contains(logs.String(), "--scan-timeout reached (100ms)") {
		t.Errorf("log does not say the scan failed on --scan-timeout:\n%s", logs)
	}
}
