package integration

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// demoDeclaration is the demo's declaration, for scans of its saved
// inventory.
func demoDeclaration(t *testing.T) string {
	t.Helper()
	decl, err := filepath.Abs(filepath.Join("..", "internal", "demo", "declaration.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return decl
}

func TestFindingsInErrorMakeTheRunIncomplete(t *testing.T) {
	dir := t.TempDir()
	if r := ownaudit(t, dir, "scan", "--demo", "-o", "demo.json", "--save-inventory", "inv.json", "--quiet"); r.code != 3 {
		t.Fatalf("scan --demo: exit %d, want 3 (the demo has an instance never assessed for patches); stderr:\n%s", r.code, r.stderr)
	}
	// An inventory whose resources lack their details: every control
	// errors, and no read failed (errors[] is empty).
	inv := readJSON(t, filepath.Join(dir, "inv.json"))
	for _, r := range inv["resources"].([]any) {
		res := r.(map[string]any)
		for k := range res {
			switch k {
			case "cloud", "target", "region", "type", "id", "name", "tags":
			default:
				delete(res, k)
			}
		}
	}
	b, _ := json.Marshal(inv)
	if err := os.WriteFile(filepath.Join(dir, "bare.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	r := ownaudit(t, dir, "scan", "--declaration", demoDeclaration(t), "--from-inventory", "bare.json", "-o", "bare-findings.json")
	if r.code != 3 {
		t.Errorf("--from-inventory of resources without details: exit %d, want 3; stderr:\n%s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "findings could not be evaluated") {
		t.Errorf("stderr does not say findings could not be evaluated:\n%s", r.stderr)
	}
	doc := readJSON(t, filepath.Join(dir, "bare-findings.json"))
	if errs, _ := doc["errors"].([]any); len(errs) != 0 {
		t.Fatalf("errors[] = %v, want none: the point is findings in error without a failed read", errs)
	}
	// --fail-on still takes precedence: a failure found is certain.
	if r := ownaudit(t, dir, "scan", "--declaration", demoDeclaration(t), "--from-inventory", "bare.json", "-o", "f.json", "--fail-on", "low"); r.code != 1 {
		t.Errorf("--fail-on low: exit %d, want 1", r.code)
	}
	// merge judges the joined document alike.
	if r := ownaudit(t, dir, "merge", "bare-findings.json", "-o", "merged.json"); r.code != 3 {
		t.Errorf("merge of a document with findings in error: exit %d, want 3; stderr:\n%s", r.code, r.stderr)
	}
}

func TestOutputPaths(t *testing.T) {
	dir := t.TempDir()

	// -o - is standard output: the findings and nothing else.
	r := ownaudit(t, dir, "scan", "--demo", "-o", "-")
	if !json.Valid([]byte(r.stdout)) || r.code != 3 {
		t.Errorf("scan --demo -o -: exit %d, stdout is not only JSON:\n%.300s", r.code, r.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "-")); err == nil {
		t.Error("-o - created a file named -")
	}

	// A symbolic link is written through; the link stays.
	if err := os.WriteFile(filepath.Join(dir, "evidence.json"), nil, 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("evidence.json", filepath.Join(dir, "latest.json")); err != nil {
		t.Fatal(err)
	}
	ownaudit(t, dir, "scan", "--demo", "-o", "latest.json", "--quiet")
	if fi, err := os.Lstat(filepath.Join(dir, "latest.json")); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the symbolic link was replaced: %v %v", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "evidence.json")); err != nil || fi.Size() == 0 || fi.Mode().Perm() != 0o640 {
		t.Errorf("the link's target = %v %v, want the findings with its mode 0640 kept", fi, err)
	}

	// A named pipe is written in place, for the reader waiting on it.
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	read := make(chan []byte, 1)
	go func() { b, _ := os.ReadFile(fifo); read <- b }()
	ownaudit(t, dir, "scan", "--demo", "-o", "pipe", "--quiet")
	if fi, err := os.Lstat(fifo); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
		t.Fatalf("the named pipe was replaced by %v %v", fi, err)
	}
	if b := <-read; !json.Valid(b) {
		t.Errorf("the pipe's reader got no findings document: %.200s", b)
	}

	// New files get 0666 less the umask: 0600 under 077, inventory too.
	sh := exec.Command("sh", "-c", `umask 077 && exec "$0" scan --demo -o private.json --save-inventory private-inv.json --quiet`, binary)
	sh.Dir = dir
	if out, err := sh.CombinedOutput(); err != nil && !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("scan under umask 077: %v\n%s", err, out)
	}
	for _, name := range []string{"private.json", "private-inv.json"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s under umask 077: %v %v, want mode 0600", name, fi, err)
		}
	}
}

func TestOutputFailures(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/dev/full", filepath.Join(dir, "full")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		// Found before the scan starts: a usage error, and nothing scanned.
		{"missing directory", []string{"scan", "--demo", "-o", "no/such/dir/f.json"}, 2, "--output: write no/such/dir/f.json"},
		{"a directory", []string{"scan", "--demo", "-o", "."}, 2, "is a directory"},
		{"inventory to stdout", []string{"scan", "--demo", "--save-inventory", "-"}, 2, "--save-inventory -"},
		{"metrics file in a missing directory", []string{"scan", "--demo", "-o", "f.json", "--metrics-file", "no/dir/m.prom"}, 2, "--metrics-file"},
		{"diff output in a missing directory", []string{"diff", "a.json", "b.json", "-o", "no/dir/d.md"}, 2, "--output"},
		// Failing once the work is done: its own code.
		{"disk full", []string{"scan", "--demo", "-o", "full"}, 5, "no space left on device"},
		{"inventory on a full disk", []string{"scan", "--demo", "-o", "f.json", "--save-inventory", "full"}, 5, "save inventory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ownaudit(t, dir, tc.args...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("ownaudit %v: exit %d, stderr:\n%s\nwant exit %d and %q", tc.args, r.code, r.stderr, tc.code, tc.stderr)
			}
			if tc.code == 2 && strings.Contains(r.stderr, "scanning") {
				t.Errorf("the scan ran before the output path was refused:\n%s", r.stderr)
			}
		})
	}
}

func TestDemoOutput(t *testing.T) {
	dir := t.TempDir()
	// Piped, the demo writes JSON to stdout like any scan, and no file.
	r := ownaudit(t, dir, "scan", "--demo")
	if r.code != 3 || !json.Valid([]byte(r.stdout)) {
		t.Errorf("scan --demo | ...: exit %d, stdout not JSON:\n%.300s", r.code, r.stdout)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a piped demo wrote %v", entries)
	}

	// On a terminal it keeps the findings in a file named after the format.
	for format, name := range map[string]string{"": "ownaudit-demo-findings.json", "html": "ownaudit-demo-findings.html",
		"markdown": "ownaudit-demo-findings.md", "ocsf": "ownaudit-demo-findings.ocsf.json",
		"ndjson": "ownaudit-demo-findings.ndjson", "table": "ownaudit-demo-findings.txt"} {
		term := newTerminal(t)
		args := []string{"scan", "--demo"}
		if format != "" {
			args = append(args, "--format", format)
		}
		var stderr bytes.Buffer
		code := runOnTerminal(t, dir, nil, term.tty, &stderr, args...)
		shown := term.output()
		if code != 3 {
			t.Errorf("%v on a terminal: exit %d; stderr:\n%s", args, code, stderr.String())
		}
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%v on a terminal: no %s (%v)", args, name, err)
		}
		if !strings.Contains(shown, "written to "+name) {
			t.Errorf("%v on a terminal does not name %s:\n%s", args, name, shown)
		}
	}

	// With a declaration of the user's own: refused, with the way to do it.
	r = ownaudit(t, dir, "scan", "--demo", "--declaration", demoDeclaration(t))
	if r.code != 2 || !strings.Contains(r.stderr, "--from-inventory") {
		t.Errorf("scan --demo --declaration: exit %d, stderr:\n%s\nwant 2 and the way through --save-inventory/--from-inventory", r.code, r.stderr)
	}
}
