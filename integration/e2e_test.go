// Package integration runs the built ownaudit binary end to end.
package integration

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/inventory"
)

var update = flag.Bool("update", false, "rewrite golden files")

// demoExit is the exit code of a scan of the demo estate, or of its AWS
// organization: an instance there (i-0aa4) has never been assessed for
// patches, so one finding cannot be evaluated and the scan is incomplete
// by design.
const demoExit = 3

// binary is the ownaudit binary built once for all tests.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "ownaudit-e2e")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "ownaudit")
	build := exec.Command("go", "build", "-o", binary, "../cmd/ownaudit")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		panic("build ownaudit: " + err.Error())
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary left behind.
type result struct {
	code           int
	stdout, stderr string
}

func ownaudit(t *testing.T, dir string, args ...string) result {
	t.Helper()
	return ownauditEnv(t, dir, nil, args...)
}

// ownauditEnv runs the binary with extra environment variables (KEY=value).
func ownauditEnv(t *testing.T, dir string, env []string, args ...string) result {
	t.Helper()
	return runBinary(t, dir, append(append(os.Environ(), "NO_COLOR=1"), env...), 0, args...)
}

// ownauditScrubbed runs the binary with env as its whole environment, as
// on a fresh machine: none of this one's variables (no AWS_CA_BUNDLE, no
// proxies, no HOME). The test fails, and the process is killed, when it
// runs longer than limit.
func ownauditScrubbed(t *testing.T, dir string, env []string, limit time.Duration, args ...string) result {
	t.Helper()
	return runBinary(t, dir, append([]string{"NO_COLOR=1"}, env...), limit, args...)
}

// runBinary runs the binary with exactly env, killing it after limit
// (none when 0).
func runBinary(t *testing.T, dir string, env []string, limit time.Duration, args ...string) result {
	t.Helper()
	ctx := context.Background()
	if limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Dir = dir
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("ownaudit %v still ran after %s; killed it. stderr:\n%s", args, limit, errb.String())
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run ownaudit %v: %v", args, err)
	}
	return result{code, out.String(), errb.String()}
}

func readJSON(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s is not JSON: %v", path, err)
	}
	return v
}

// normalize drops what differs between two runs of the same scan.
func normalize(doc map[string]any) map[string]any {
	scan := doc["scan"].(map[string]any)
	for _, k := range []string{"id", "started", "finished"} {
		delete(scan, k)
	}
	// How long each scanner took differs between runs; whether it
	// succeeded does not.
	if runs, ok := scan["scanners"].([]any); ok {
		for _, r := range runs {
			r.(map[string]any)["durationSeconds"] = 0
		}
	}
	if tool, ok := scan["tool"].(map[string]any); ok {
		delete(tool, "version")
	}
	return doc
}

func findings(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, f := range doc["findings"].([]any) {
		out = append(out, f.(map[string]any))
	}
	return out
}

func TestDemoMatchesGolden(t *testing.T) {
	dir := t.TempDir()
	// Piped, the demo's findings come on stdout.
	r := ownaudit(t, dir, "scan", "--demo")
	if r.code != demoExit {
		t.Fatalf("scan --demo exit %d, want %d; stderr:\n%s", r.code, demoExit, r.stderr)
	}
	out := filepath.Join(dir, "stdout.json")
	if err := os.WriteFile(out, []byte(r.stdout), 0o644); err != nil {
		t.Fatal(err)
	}
	got := normalize(readJSON(t, out))
	golden := filepath.Join("testdata", "demo-findings.golden.json")
	if *update {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(golden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := normalize(readJSON(t, golden))
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.MarshalIndent(got, "", "  ")
		t.Errorf("demo findings differ from %s (run go test ./integration -update and review the diff); got:\n%.3000s", golden, gb)
	}
}

// reportDemoInventory is the whole demo estate as its scan reads it, for
// the report package's tests, which cannot scan: the report's goldens are
// built from it.
const reportDemoInventory = "../report/internal/reporttest/testdata/demo-inventory.json"

// TestReportDemoInventoryIsTheDemosScan checks that the report tests'
// snapshot is what scan --demo reads now (its scanner runs, whose
// durations vary, left out); -update rewrites it.
func TestReportDemoInventoryIsTheDemosScan(t *testing.T) {
	dir := t.TempDir()
	if r := ownaudit(t, dir, "scan", "--demo", "--output", "f.json", "--save-inventory", "inv.json"); r.code != demoExit {
		t.Fatalf("scan --demo exit %d: %s", r.code, r.stderr)
	}
	f, err := os.Open(filepath.Join(dir, "inv.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	inv, err := inventory.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	inv.Scanners = nil
	var got bytes.Buffer
	if err := inv.Encode(&got); err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(reportDemoInventory, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(reportDemoInventory)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("%s is not the demo's scan (run go test ./integration -update, then go test ./report -update, and review the diffs)", reportDemoInventory)
	}
}

func TestDemoShowsEveryOwnershipKindAndBothSides(t *testing.T) {
	dir := t.TempDir()
	r := ownaudit(t, dir, "scan", "--demo", "--output", "f.json")
	if r.code != demoExit {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	doc := readJSON(t, filepath.Join(dir, "f.json"))
	kinds := map[string]int{}
	failingBy := map[string]int{}
	clouds := map[string]bool{}
	domains := map[string]bool{}
	for _, f := range findings(doc) {
		control := f["control"].(string)
		if strings.HasPrefix(control, "ownership.") {
			kinds[control]++
			continue
		}
		if f["status"] != "fail" {
			continue
		}
		domains[f["domain"].(string)] = true
		clouds[f["resource"].(map[string]any)["cloud"].(string)] = true
		if resp, ok := f["responsible"].(map[string]any); ok {
			failingBy[resp["role"].(string)]++
		}
	}
	for _, k := range []string{"ownership.unassigned", "ownership.misassigned", "ownership.tag_conflict", "ownership.unused_scope"} {
		if kinds[k] == 0 {
			t.Errorf("demo has no %s finding; kinds: %v", k, kinds)
		}
	}
	for _, role := range []string{"customer", "msp"} {
		if failingBy[role] == 0 {
			t.Errorf("demo has no failing control attributed to a %s; by role: %v", role, failingBy)
		}
	}
	if len(clouds) != 3 || len(domains) != 4 {
		t.Errorf("demo failing controls span clouds %v and domains %v, want 3 and 4", clouds, domains)
	}
	for _, party := range []string{"acme", "cloudkeepers", "unassigned"} {
		if !strings.Contains(r.stdout, party) {
			t.Errorf("demo summary does not mention %q:\n%s", party, r.stdout)
		}
	}
}

func TestFailOn(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		failOn string
		want   int
	}{{"none", demoExit}, {"critical", 1}, {"high", 1}, {"bogus", 2}} {
		r := ownaudit(t, dir, "scan", "--demo", "--output", "f.json", "--fail-on", tc.failOn)
		if r.code != tc.want {
			t.Errorf("scan --demo --fail-on %s exit %d, want %d; stderr: %s", tc.failOn, r.code, tc.want, r.stderr)
		}
	}
}

func TestInventoryRoundTripGivesSameFindings(t *testing.T) {
	dir := t.TempDir()
	if r := ownaudit(t, dir, "scan", "--demo", "--output", "a.json", "--save-inventory", "inv.json", "--include-passed"); r.code != demoExit {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	decl := filepath.Join("..", "internal", "demo", "declaration.yaml")
	abs, _ := filepath.Abs(decl)
	r := ownaudit(t, dir, "scan", "--declaration", abs, "--from-inventory", "inv.json", "--output", "b.json", "--include-passed")
	if r.code != demoExit {
		t.Fatalf("from-inventory exit %d: %s", r.code, r.stderr)
	}
	a := findings(readJSON(t, filepath.Join(dir, "a.json")))
	b := findings(readJSON(t, filepath.Join(dir, "b.json")))
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("findings: %d from the demo, %d from its saved inventory", len(a), len(b))
	}
	passed := 0
	for i := range a {
		if a[i]["id"] != b[i]["id"] || a[i]["status"] != b[i]["status"] {
			t.Errorf("finding %d: %v/%v vs %v/%v", i, a[i]["id"], a[i]["status"], b[i]["id"], b[i]["status"])
		}
		if a[i]["status"] == "pass" {
			passed++
		}
	}
	if passed == 0 {
		t.Errorf("--include-passed kept no passed finding")
	}
}

func TestOutputFormats(t *testing.T) {
	dir := t.TempDir()
	r := ownaudit(t, dir, "scan", "--demo", "--output", "f.ndjson", "--format", "ndjson")
	if r.code != demoExit {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	f, err := os.Open(filepath.Join(dir, "f.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	types := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("ndjson line is not JSON: %v: %s", err, sc.Text())
		}
		types[rec["type"].(string)]++
	}
	if types["scan"] != 1 || types["summary"] != 1 || types["finding"] == 0 {
		t.Errorf("ndjson record types = %v, want one scan, one summary, findings", types)
	}

	// Without --output, a pipe gets JSON on stdout and nothing else.
	r = ownaudit(t, dir, "scan", "--demo", "--output", "", "--format", "table")
	if r.code != demoExit || !strings.Contains(r.stdout, "acme") {
		t.Errorf("table: exit %d, stdout:\n%s", r.code, r.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	template, err := filepath.Abs("../configs/declarations/self-service.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no declaration", []string{"scan"}, "--declaration"},
		{"bad format", []string{"scan", "--demo", "--format", "xml"}, `"xml"`},
		{"demo and inventory", []string{"scan", "--demo", "--from-inventory", "nope.json"}, "exclude"},
		{"missing inventory", []string{"scan", "--declaration", template, "--from-inventory", "nope.json"}, "nope.json"},
		{"unknown flag", []string{"scan", "--bogus"}, "bogus"},
		{"bad scanner", []string{"scan", "--declaration", template, "--disable-scanner", "aws.dns"}, "aws.dns"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ownaudit(t, dir, tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("ownaudit %v: exit %d, stderr %q; want 2 and %q", tc.args, r.code, r.stderr, tc.want)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	dir, _ := os.Getwd()
	good := []string{"../configs/declarations/self-service.yaml", "../configs/declarations/managed-service.yaml", "../internal/demo/declaration.yaml"}
	r := ownaudit(t, dir, append([]string{"validate"}, good...)...)
	if r.code != 0 || strings.Count(r.stdout, ": valid") != len(good) {
		t.Errorf("validate templates: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nparties:\n  - {id: acme, role: customer}\nresponsibilities:\n  - match: {cloud: aws}\n    assign: {firewall: nobody}\n"), 0o644)
	r = ownaudit(t, dir, "validate", bad)
	if r.code != 2 || !strings.Contains(r.stderr, bad+":6:") || !strings.Contains(r.stderr, `"nobody"`) {
		t.Errorf("validate bad: exit %d, stderr:\n%s\nwant exit 2 and %s:6:col naming \"nobody\"", r.code, r.stderr, bad)
	}
}

// TestValidateRefusesHostileInput runs validate on the inputs that once
// cost the parser gigabytes: each is refused in one line at a position,
// with the usage exit code.
func TestValidateRefusesHostileInput(t *testing.T) {
	dir := t.TempDir()
	nested := filepath.Join(dir, "nested.yaml")
	os.WriteFile(nested, []byte(strings.Repeat("[", 20000)+strings.Repeat("]", 20000)+"\n"), 0o644)
	entries := filepath.Join(dir, "entries.yaml")
	million := "version: 1\nparties: [" + strings.Repeat("a, ", 1e6) + "a]\n"
	os.WriteFile(entries, []byte(million), 0o644)
	for _, tc := range []struct {
		file, want string
	}{
		{nested, nested + ":1:17: lists and mappings nest more than 16 levels deep"},
		{"/dev/zero", "/dev/zero:1:1: binary data"},
		{entries, fmt.Sprintf("%s:1:1: declaration is %d bytes, more than 1 MiB", entries, len(million))},
	} {
		r := ownaudit(t, dir, "validate", tc.file)
		if r.code != 2 || !strings.HasPrefix(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 2 {
			t.Errorf("validate %s: exit %d, stderr:\n%s\nwant exit 2 and one line starting %q, then the summary", tc.file, r.code, r.stderr, tc.want)
		}
	}
	// With the size limit raised, the node limit stops the million entries.
	r := ownaudit(t, dir, "validate", "--declaration-max-size", "4MiB", entries)
	if want := entries + ":2:"; r.code != 2 || !strings.HasPrefix(r.stderr, want) || !strings.Contains(r.stderr, "more than 524288 YAML nodes") {
		t.Errorf("validate --declaration-max-size 4MiB: exit %d, stderr:\n%s\nwant exit 2 and the node limit at %s", r.code, r.stderr, want)
	}
}

// TestValidateReportsEveryProblem checks that an unquoted account id does
// not hide the file's other problems.
func TestValidateReportsEveryProblem(t *testing.T) {
	dir, _ := os.Getwd()
	decl := filepath.Join("..", "declaration", "testdata", "bad", "recover-unquoted-account")
	want, err := os.ReadFile(decl + ".golden")
	if err != nil {
		t.Fatal(err)
	}
	r := ownaudit(t, filepath.Dir(decl), "validate", filepath.Base(decl)+".yaml")
	if r.code != 2 || r.stderr != string(want)+"ownaudit: 1 declaration is invalid\n" {
		t.Errorf("validate %s (in %s): exit %d, stderr:\n%s\nwant exit 2 and:\n%s", decl, dir, r.code, r.stderr, want)
	}
}

func TestScanWithoutScannersIsIncomplete(t *testing.T) {
	// A declared Azure subscription with no Azure scanner in this build:
	// every domain is an error entry and the exit code says the scan is
	// incomplete.
	dir := t.TempDir()
	decl := filepath.Join(dir, "d.yaml")
	os.WriteFile(decl, []byte("version: 1\nparties:\n  - {id: acme, role: customer}\ntargets:\n  azure: [{subscription: 00000000-0000-0000-0000-000000000001}]\nresponsibilities:\n  - match: {}\n    assign: {firewall: acme, patching: acme, encryption: acme, iam: acme}\n"), 0o644)
	r := ownaudit(t, dir, "scan", "--declaration", decl, "--output", "f.json")
	if r.code != 3 {
		t.Fatalf("exit %d, want 3; stderr: %s", r.code, r.stderr)
	}
	doc := readJSON(t, filepath.Join(dir, "f.json"))
	errs, _ := doc["errors"].([]any)
	if len(errs) != 4 {
		t.Errorf("errors[] has %d entries, want one per domain (4)", len(errs))
	}
	targets := doc["scan"].(map[string]any)["targets"].([]any)
	if len(targets) != 1 || targets[0].(map[string]any)["status"] != "failed" {
		t.Errorf("targets = %v, want the subscription failed", targets)
	}
}

func TestVersionAndControls(t *testing.T) {
	dir := t.TempDir()
	if r := ownaudit(t, dir, "version"); r.code != 0 || !strings.HasPrefix(r.stdout, "ownaudit ") {
		t.Errorf("version: %d %q", r.code, r.stdout)
	}
	r := ownaudit(t, dir, "controls", "--format", "json")
	var v struct {
		Controls  []map[string]any `json:"controls"`
		Ownership []map[string]any `json:"ownership"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil || len(v.Controls) < 26 || len(v.Ownership) != 5 {
		t.Errorf("controls --format json: err %v, %d controls, %d ownership checks; want >= 26 and 5", err, len(v.Controls), len(v.Ownership))
	}
	r = ownaudit(t, dir, "controls", "--model")
	if r.code != 0 || !strings.Contains(r.stdout, "aws.ec2.instance") || !strings.Contains(r.stdout, "customer-side") || !strings.Contains(r.stdout, "https://") {
		t.Errorf("controls --model: exit %d\n%s", r.code, r.stdout)
	}
}
