package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/internal/demo"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/scanners"
)

// panicScope is where the tests below inject a panic: the firewall read of
// one account and region of the demo's simulated organization.
var panicScope = scanners.Scope{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-central-1", Domain: inventory.Firewall}

// injectPanic makes the first goroutine the scanners start for panicScope
// panic with a nil-map write, for the rest of the test. That goroutine is
// the one reading the whole region (the reads inside it start later, from
// it), so what is lost is the same in every run.
func injectPanic(t *testing.T) {
	t.Helper()
	var once sync.Once
	scannerHook = func(s scanners.Scope) {
		if s != panicScope {
			return
		}
		once.Do(func() {
			var m map[string]bool
			//lint:ignore SA5000 the nil-map write is the bug this test injects
			m["injected"] = true
		})
	}
	t.Cleanup(func() { scannerHook = nil })
}

// demoScan runs `ownaudit scan --demo` in process and returns its exit
// code and findings document.
func demoScan(t *testing.T, name string) (int, *report.Document) {
	t.Helper()
	out := filepath.Join(t.TempDir(), name)
	var stderr bytes.Buffer
	code := run([]string{"--quiet", "scan", "--demo", "--include-passed", "--output", out}, io.Discard, &stderr)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("scan %s: exit %d, no findings written: %v; stderr: %s", name, code, err, stderr.String())
	}
	var doc report.Document
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return code, &doc
}

func TestAPanicInAScannerGoroutineIsAnErrorEntry(t *testing.T) {
	// The demo estate has a VM whose patch state could not be read, so
	// even the clean scan is incomplete; it has no failed read.
	cleanCode, clean := demoScan(t, "clean.json")
	if cleanCode != exitIncomplete || len(clean.Errors) != 0 {
		t.Fatalf("clean scan: exit %d with %d errors, want %d and none", cleanCode, len(clean.Errors), exitIncomplete)
	}
	injectPanic(t)
	code, doc := demoScan(t, "panicked.json")
	if code != exitIncomplete {
		t.Errorf("scan with a panicking scanner goroutine: exit %d, want %d", code, exitIncomplete)
	}
	var entry *report.Error
	for i, e := range doc.Errors {
		if e.Cloud == panicScope.Cloud && e.Target == panicScope.Target && e.Region == panicScope.Region && e.Domain == panicScope.Domain {
			entry = &doc.Errors[i]
		}
	}
	if entry == nil || len(doc.Errors) != 1 {
		t.Fatalf("errors = %+v, want one entry for aws 111111111111 eu-central-1 firewall", doc.Errors)
	}
	for _, want := range []string{"aws.firewall", "a bug", "nil map"} {
		if !strings.Contains(entry.Message, want) {
			t.Errorf("error message %q does not contain %q", entry.Message, want)
		}
	}

	// Every other domain reads the same as in the clean run.
	others := func(doc *report.Document) map[string]string {
		out := map[string]string{}
		for _, f := range doc.Findings {
			if f.Domain != inventory.Firewall && !strings.HasPrefix(f.Control, "ownership.") {
				b, _ := json.Marshal(f)
				out[f.ID] = string(b)
			}
		}
		return out
	}
	want, got := others(clean), others(doc)
	if len(want) == 0 {
		t.Fatal("the clean scan has no findings outside the firewall domain")
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("finding %s changed:\n got %s\nwant %s", id, got[id], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d findings outside the firewall domain, want %d as in the clean run", len(got), len(want))
	}
	// The account's firewall run in that region failed; the other
	// account's did not.
	runs := 0
	for _, r := range doc.Scan.Scanners {
		if r.Cloud == inventory.AWS && r.Scanner == inventory.Firewall {
			runs++
			wantOK := !(r.Target == panicScope.Target && r.Region == panicScope.Region)
			if r.Success != wantOK {
				t.Errorf("scanner run %+v: success %v, want %v", r, r.Success, wantOK)
			}
		}
	}
	if runs != 2 {
		t.Errorf("%d AWS firewall scanner runs, want 2 (one per account), the failed one included", runs)
	}
}

func TestServeOutlivesAPanicInAScannerGoroutine(t *testing.T) {
	injectPanic(t)
	decl, err := demo.Declaration()
	if err != nil {
		t.Fatal(err)
	}
	g := &globalOptions{stdout: io.Discard, stderr: io.Discard, logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	o := &scanOptions{demo: true, concurrency: 8, callTimeout: time.Minute}
	s, hs, _ := testServer(t, func(ctx context.Context) (*report.Document, error) { return serveScan(ctx, g, o, decl) })
	if !s.runOnce(context.Background()) {
		t.Fatal("runOnce did not run the scan")
	}
	wantStatus(t, hs, map[string]int{"/healthz": 200, "/readyz": 200, "/findings": 200, "/metrics": 200})
	_, _, metrics := get(t, hs, "/metrics")
	if !strings.Contains(metrics, "\nownaudit_scan_success 0\n") {
		t.Errorf("/metrics after the scan does not say ownaudit_scan_success 0")
	}
	if !strings.Contains(metrics, `ownaudit_scanner_success{cloud="aws",region="eu-central-1",scanner="firewall",target="111111111111"} 0`) {
		t.Errorf("/metrics does not show the failed firewall scanner run:\n%s", metrics)
	}
	// And it goes on scanning: the next scan (the hook fires once) is whole.
	if !s.runOnce(context.Background()) {
		t.Fatal("the second runOnce did not run the scan")
	}
	if _, _, metrics := get(t, hs, "/metrics"); !strings.Contains(metrics, "\nownaudit_scan_success 1\n") {
		t.Errorf("/metrics after a clean second scan does not say ownaudit_scan_success 1")
	}
}
