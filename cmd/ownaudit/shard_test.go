package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/declaration"
	"github.com/ownaudit/ownaudit/internal/atomicfile"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/report"
	"github.com/ownaudit/ownaudit/rules"
	"github.com/ownaudit/ownaudit/scanners"
)

func TestParseShard(t *testing.T) {
	tests := []struct {
		in           string
		index, count int
		err          string
	}{
		{in: "0/3", index: 0, count: 3},
		{in: "2/3", index: 2, count: 3},
		{in: " 1/4 ", index: 1, count: 4},
		{in: "0/1", index: 0, count: 1},
		{in: "3/3", err: "shard index 3 of 3: indexes run from 0 to 2"},
		{in: "-1/3", err: `shard index "-1"`},
		{in: "1/0", err: `shard count "0"`},
		{in: "0/-2", err: `shard count "-2"`},
		{in: "a/3", err: `shard index "a"`},
		{in: "1", err: "want I/N"},
		{in: "", err: "want I/N"},
		{in: "1/3/4", err: `shard count "3/4"`},
		{in: "1.0/3", err: `shard index "1.0"`},
	}
	for _, tt := range tests {
		i, n, err := parseShard(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("parseShard(%q) error = %v, want one containing %q", tt.in, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("parseShard(%q) error = %v, want none", tt.in, err)
		case tt.err == "" && (i != tt.index || n != tt.count):
			t.Errorf("parseShard(%q) = %d/%d, want %d/%d", tt.in, i, n, tt.index, tt.count)
		}
	}
}

func TestParseShardCount(t *testing.T) {
	tests := []struct {
		count        string
		env          string
		set          bool
		index, total int
		err          string
	}{
		{count: "3", env: "0", set: true, index: 0, total: 3},
		{count: "3", env: "2", set: true, index: 2, total: 3},
		{count: "3", set: false, err: "JOB_COMPLETION_INDEX is not set"},
		{count: "3", env: "", set: true, err: "JOB_COMPLETION_INDEX is not set"},
		{count: "3", env: "3", set: true, err: "JOB_COMPLETION_INDEX=3 is not a shard of 3"},
		{count: "3", env: "x", set: true, err: `JOB_COMPLETION_INDEX="x"`},
		{count: "3", env: "-1", set: true, err: `JOB_COMPLETION_INDEX="-1"`},
		{count: "0", env: "0", set: true, err: "want a whole number, 1 or more"},
		{count: "three", env: "0", set: true, err: "want a whole number, 1 or more"},
	}
	for _, tt := range tests {
		env := func(k string) (string, bool) {
			if k != jobIndexEnv {
				t.Errorf("read %s, want only %s", k, jobIndexEnv)
			}
			return tt.env, tt.set
		}
		i, n, err := parseShardCount(tt.count, env)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("--shard-count %s with %s=%q (set %v): error %v, want one containing %q", tt.count, jobIndexEnv, tt.env, tt.set, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("--shard-count %s with %s=%q: error %v, want none", tt.count, jobIndexEnv, tt.env, err)
		case tt.err == "" && (i != tt.index || n != tt.total):
			t.Errorf("--shard-count %s with %s=%q = %d/%d, want %d/%d", tt.count, jobIndexEnv, tt.env, i, n, tt.index, tt.total)
		}
	}
}

// TestScanShardFlags parses the scan command's flags as the command line
// gives them.
func TestScanShardFlags(t *testing.T) {
	tests := []struct {
		name         string
		args         []string
		env          string // JOB_COMPLETION_INDEX; "-" leaves it unset
		sharded      bool
		index, count int
		err          string
	}{
		{name: "none", args: nil, env: "-"},
		{name: "shard", args: []string{"--shard", "1/4"}, env: "-", sharded: true, index: 1, count: 4},
		{name: "shard with =", args: []string{"--shard=0/2"}, env: "-", sharded: true, index: 0, count: 2},
		{name: "shard-count", args: []string{"--shard-count", "3"}, env: "2", sharded: true, index: 2, count: 3},
		{name: "shard ignores the index variable", args: []string{"--shard", "0/3"}, env: "2", sharded: true, index: 0, count: 3},
		{name: "shard-count without the index", args: []string{"--shard-count", "3"}, env: "-", err: "JOB_COMPLETION_INDEX is not set"},
		{name: "index out of range", args: []string{"--shard", "4/4"}, env: "-", err: "indexes run from 0 to 3"},
		{name: "both", args: []string{"--shard", "0/3", "--shard-count", "3"}, env: "1", err: "--shard and --shard-count exclude each other"},
		{name: "both, other order", args: []string{"--shard-count", "3", "--shard", "0/3"}, env: "1", err: "--shard and --shard-count exclude each other"},
		{name: "with demo", args: []string{"--shard", "0/3", "--demo"}, env: "-", err: "demo"},
		{name: "with from-inventory", args: []string{"--shard-count", "2", "--from-inventory", "x.json"}, env: "0", err: "from-inventory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(jobIndexEnv, tt.env)
			if tt.env == "-" {
				os.Unsetenv(jobIndexEnv) // t.Setenv restores it
			}
			cmd := newScanCmd(&globalOptions{stdout: io.Discard, stderr: io.Discard})
			err := cmd.ParseFlags(tt.args)
			if err == nil {
				err = cmd.ValidateFlagGroups()
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("flags %q: error %v, want one containing %q", tt.args, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("flags %q: %v", tt.args, err)
			}
			s := cmd.Flags().Lookup("shard").Value.(shardFlag).s
			i, ok := shardIndex(&scanOptions{shard: *s})
			if ok != tt.sharded || i != tt.index || s.count != tt.count {
				t.Errorf("flags %q: sharded %v, shard %d/%d; want %v, %d/%d", tt.args, ok, i, s.count, tt.sharded, tt.index, tt.count)
			}
		})
	}
}

// TestShardUsageErrorsExit2 checks that the command line turns a bad shard
// into exit code 2 before reading anything.
func TestShardUsageErrorsExit2(t *testing.T) {
	t.Setenv(jobIndexEnv, "")
	os.Unsetenv(jobIndexEnv)
	for _, args := range [][]string{
		{"scan", "--declaration", "nope.yaml", "--shard", "1"},
		{"scan", "--declaration", "nope.yaml", "--shard", "5/5"},
		{"scan", "--declaration", "nope.yaml", "--shard-count", "3"},
		{"scan", "--demo", "--shard", "0/2"},
	} {
		var out, errb bytes.Buffer
		if code := run(args, &out, &errb); code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr:\n%s", args, code, exitUsage, errb.String())
		}
		if !strings.Contains(errb.String(), "shard") {
			t.Errorf("%q: stderr %q does not name the shard flag", args, errb.String())
		}
	}
}

// writeDoc writes a findings document judged against a declaration with
// digest sha, as shard index of count when count > 0.
func writeDoc(t *testing.T, dir, name, sha string, index, count int, target string) string {
	t.Helper()
	decl := &declaration.Declaration{File: "d.yaml", SHA256: sha, Parties: []declaration.Party{{ID: "acme", Role: controls.Customer}}}
	inv := &inventory.Inventory{Targets: []inventory.Target{{Cloud: inventory.AWS, ID: target}}}
	ref := rules.ResourceRef{Cloud: inventory.AWS, Target: target, Type: inventory.AWSRoot, ID: "arn:aws:iam::" + target + ":root"}
	f := rules.Finding{ID: rules.FindingID("iam.root_mfa_disabled", ref), Control: "iam.root_mfa_disabled", Domain: inventory.IAM,
		Severity: controls.Critical, Status: controls.Fail, Resource: ref, Responsible: &rules.Responsible{Party: "acme", Role: controls.Customer}}
	doc := report.Build(inv, decl, []rules.Finding{f}, report.Meta{Started: time.Now().UTC(), Finished: time.Now().UTC()})
	if count > 0 {
		doc.SetShard(index, count)
	}
	path := filepath.Join(dir, name)
	if err := atomicfile.Write(path, func(w io.Writer) error { return report.WriteJSON(w, doc) }); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestMergeCommand(t *testing.T) {
	dir := t.TempDir()
	shaA := strings.Repeat("a", 64)
	shaB := strings.Repeat("b", 64)
	s0 := writeDoc(t, dir, "s0.json", shaA, 0, 2, "111111111111")
	s1 := writeDoc(t, dir, "s1.json", shaA, 1, 2, "222222222222")
	other := writeDoc(t, dir, "other.json", shaB, 1, 2, "222222222222")
	notJSON := filepath.Join(dir, "table.txt")
	if err := os.WriteFile(notJSON, []byte("FINDINGS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "all.json")

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"merged", []string{"merge", s0, s1, "-o", out, "--quiet"}, exitOK, ""},
		{"fail-on", []string{"merge", s0, s1, "-o", out, "--quiet", "--fail-on", "high"}, exitFindings, "2 failing findings at or above high"},
		{"other declaration", []string{"merge", s0, other, "-o", out}, exitUsage, "were judged against different declarations"},
		{"missing shard", []string{"merge", s0, "-o", out}, exitUsage, "shard 1/2 missing"},
		{"not a document", []string{"merge", s0, notJSON, "-o", out}, exitUsage, "table.txt: not a findings document"},
		{"no file", []string{"merge", s0, filepath.Join(dir, "nope.json")}, exitUsage, "nope.json"},
		{"no inputs", []string{"merge"}, exitUsage, "requires at least 1 arg"},
		{"bad format", []string{"merge", s0, s1, "--format", "xml"}, exitUsage, `--format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, &stdout, &stderr)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.stderr) {
				t.Errorf("stderr %q, want it to contain %q", stderr.String(), tt.stderr)
			}
		})
	}

	var doc *report.Document
	err := readFindings(out, "merge", func(r io.Reader) (err error) { doc, err = report.ReadJSON(r); return err })
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Findings) != 2 || len(doc.Scan.Targets) != 2 || doc.Scan.Shard != nil || doc.Summary.Total != 2 {
		t.Errorf("merged document: %d findings, %d targets, shard %+v, total %d; want 2, 2, none, 2",
			len(doc.Findings), len(doc.Scan.Targets), doc.Scan.Shard, doc.Summary.Total)
	}
}

// TestShardWeightsUsageErrorsExit2: --shard-weights needs a shard, and a
// file that is neither a findings document nor a saved inventory is a
// usage error that names it, before anything is scanned.
func TestShardWeightsUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	decl := filepath.Join(dir, "d.yaml")
	body := "version: 1\nparties: [{id: acme, role: customer}]\ntargets: {aws: [{account: \"111111111111\"}, {account: \"222222222222\"}]}\nresponsibilities: [{assign: {iam: acme}}]\n"
	if err := os.WriteFile(decl, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "weights.json")
	if err := os.WriteFile(bad, []byte(`{"shards": [1, 2]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"scan", "--declaration", decl, "--shard-weights", bad}, "--shard-weights balances the shards of --shard or --shard-count"},
		{[]string{"scan", "--declaration", decl, "--shard", "0/2", "--shard-weights", bad}, "--shard-weights " + bad + ": neither a findings document"},
		{[]string{"scan", "--declaration", decl, "--shard", "0/2", "--shard-weights", filepath.Join(dir, "missing.json")}, "missing.json: no such file"},
		{[]string{"scan", "--demo", "--shard-weights", bad}, "shard-weights"},
	}
	for _, tt := range tests {
		var out, errb bytes.Buffer
		if code := run(tt.args, &out, &errb); code != exitUsage {
			t.Errorf("%q: exit %d, want %d; stderr:\n%s", tt.args, code, exitUsage, errb.String())
		}
		if !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%q: stderr %q, want it to say %q", tt.args, errb.String(), tt.want)
		}
	}
}

// TestReadShardWeights reads the resources per target from a findings
// document and from a saved inventory; a target with none weighs 1.
func TestReadShardWeights(t *testing.T) {
	dir := t.TempDir()
	doc := writeDoc(t, dir, "findings.json", "abc", 0, 0, "111111111111")
	w, err := readShardWeights(doc, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := (scanners.ShardWeights{"aws:111111111111": 1}); !reflect.DeepEqual(w, want) {
		t.Errorf("weights of %s = %v, want %v", doc, w, want)
	}

	inv := &inventory.Inventory{SchemaVersion: inventory.SchemaVersion, CollectedAt: time.Now().UTC(),
		Targets: []inventory.Target{{Cloud: inventory.AWS, ID: "111111111111"}, {Cloud: inventory.GCP, ID: "acme-prod"}}}
	for i := range 3 {
		inv.Resources = append(inv.Resources, inventory.Resource{Cloud: inventory.AWS, Target: "111111111111", Region: "eu-west-1",
			Type: inventory.AWSSecurityGroup, ID: fmt.Sprintf("sg-%d", i), Firewall: &inventory.FirewallRules{}})
	}
	path := filepath.Join(dir, "inventory.json")
	if err := atomicfile.Write(path, func(w io.Writer) error { return inv.Encode(w) }); err != nil {
		t.Fatal(err)
	}
	w, err = readShardWeights(path, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := (scanners.ShardWeights{"aws:111111111111": 3, "gcp:acme-prod": 1}); !reflect.DeepEqual(w, want) {
		t.Errorf("weights of %s = %v, want %v", path, w, want)
	}
}
