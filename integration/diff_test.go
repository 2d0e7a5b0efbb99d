package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/internal/cloudsim"
	"github.com/ownaudit/ownaudit/internal/demo"
)

// scanWorld serves world and scans it with the binary into out (an
// absolute path), once for each extra argument list.
func scanWorld(t *testing.T, world *cloudsim.World, outs map[string][]string) {
	t.Helper()
	srv, env, dir := simulatedAWS(t, world)
	for out, extra := range outs {
		args := append([]string{"scan", "--declaration", awsDeclaration(t), "--output", out, "--quiet"}, extra...)
		res := ownauditEnv(t, dir, env, args...)
		if res.code != 0 && res.code != 3 {
			t.Fatalf("scan exit code = %d, want 0 or 3; stderr:\n%s", res.code, res.stderr)
		}
	}
	if w := srv.Writes(); len(w) != 0 {
		t.Errorf("the scan attempted writes: %+v", w)
	}
}

// changedWorld is the demo's AWS world a week after a handover: someone
// opened RDP to the internet on the db security group, and the dev
// account's root user got an MFA device.
func changedWorld(t *testing.T) *cloudsim.World {
	t.Helper()
	w, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	rdp := 3389
	changed := 0
	for _, a := range w.AWS.Accounts {
		switch a.ID {
		case "111111111111":
			for _, sg := range a.Regions["eu-central-1"].SecurityGroups {
				if sg.ID == "sg-0a13" {
					sg.Ingress = append(sg.Ingress, cloudsim.Permission{Protocol: "tcp", FromPort: &rdp, ToPort: &rdp, CIDRs: []string{"0.0.0.0/0"}})
					changed++
				}
			}
		case "222222222222":
			a.IAM.Root.MFA = true
			changed++
		}
	}
	if changed != 2 {
		t.Fatalf("changed %d things in the demo world, want 2: the world no longer has sg-0a13 or account 222222222222", changed)
	}
	return w
}

// diffEntry is a listed finding of a diff, as the test compares it.
type diffEntry struct{ Control, Target, Resource, Status, Was string }

// diffJSON is the part of `ownaudit diff --format json` the test reads.
type diffJSON struct {
	Counts   map[string]int `json:"counts"`
	Findings struct {
		New []struct {
			Control   string         `json:"control"`
			Status    string         `json:"status"`
			Resource  map[string]any `json:"resource"`
			OldStatus string         `json:"oldStatus"`
		} `json:"new"`
		Resolved []struct {
			Control   string         `json:"control"`
			Status    string         `json:"status"`
			Resource  map[string]any `json:"resource"`
			NewStatus string         `json:"newStatus"`
		} `json:"resolved"`
		Changed []json.RawMessage `json:"changed"`
	} `json:"findings"`
	Declaration struct {
		Changed bool `json:"changed"`
	} `json:"declaration"`
}

func TestDiffOfTwoScansAroundAWorldChange(t *testing.T) {
	dir := t.TempDir()
	a := filepath.Join(dir, "a.json")
	b := filepath.Join(dir, "b.json")
	bShort := filepath.Join(dir, "b-without-passes.json")

	before, err := demo.World()
	if err != nil {
		t.Fatal(err)
	}
	scanWorld(t, before, map[string][]string{a: {"--include-passed"}})
	scanWorld(t, changedWorld(t), map[string][]string{b: {"--include-passed"}, bShort: nil})

	wantNew := []diffEntry{{Control: "firewall.admin_ports_open_to_internet", Target: "111111111111", Resource: "sg-0a13", Status: "fail", Was: "pass"}}
	wantResolved := []diffEntry{{Control: "iam.root_mfa_disabled", Target: "222222222222", Resource: "arn:aws:iam::222222222222:root", Status: "fail", Was: "pass"}}

	tests := []struct {
		name, newFile, resolvedNow string
	}{
		// The new scan lists its passes: the root user is seen passing.
		{"new scan with passes", b, "pass"},
		// The new scan leaves passes out: the same findings are new and
		// resolved, and the root user's finding is only known not to fail.
		{"new scan without passes", bShort, "unlisted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ownaudit(t, dir, "diff", a, tt.newFile, "--format", "json")
			if res.code != 0 {
				t.Fatalf("diff exit code = %d, want 0; stderr:\n%s", res.code, res.stderr)
			}
			var d diffJSON
			if err := json.Unmarshal([]byte(res.stdout), &d); err != nil {
				t.Fatalf("diff --format json output is not JSON: %v\n%s", err, res.stdout)
			}
			var gotNew, gotResolved []diffEntry
			for _, f := range d.Findings.New {
				gotNew = append(gotNew, diffEntry{f.Control, f.Resource["target"].(string), f.Resource["id"].(string), f.Status, f.OldStatus})
			}
			for _, f := range d.Findings.Resolved {
				gotResolved = append(gotResolved, diffEntry{f.Control, f.Resource["target"].(string), f.Resource["id"].(string), f.Status, f.NewStatus})
			}
			if !slices.Equal(gotNew, wantNew) {
				t.Errorf("new = %+v, want %+v", gotNew, wantNew)
			}
			wantRes := slices.Clone(wantResolved)
			wantRes[0].Was = tt.resolvedNow
			if !slices.Equal(gotResolved, wantRes) {
				t.Errorf("resolved = %+v, want %+v", gotResolved, wantRes)
			}
			if len(d.Findings.Changed) != 0 {
				t.Errorf("changed = %s, want none", d.Findings.Changed)
			}
			if d.Counts["new"] != 1 || d.Counts["resolved"] != 1 || d.Counts["changed"] != 0 || d.Counts["unchanged"] == 0 {
				t.Errorf("counts = %v, want 1 new, 1 resolved, 0 changed and some unchanged", d.Counts)
			}
			if d.Declaration.Changed {
				t.Error("declaration changed = true for the same declaration file, want false")
			}
		})
	}

	// The new finding is high, the resolved one critical.
	for _, fo := range []struct {
		severity string
		want     int
	}{{"high", 1}, {"medium", 1}, {"critical", 0}, {"none", 0}} {
		res := ownaudit(t, dir, "diff", a, b, "--fail-on-new", fo.severity, "--format", "json")
		if res.code != fo.want {
			t.Errorf("diff --fail-on-new %s exit code = %d, want %d; stderr:\n%s", fo.severity, res.code, fo.want, res.stderr)
		}
	}
	// Swapped, the resolved finding is the new one: critical.
	if res := ownaudit(t, dir, "diff", b, a, "--fail-on-new", "critical"); res.code != 1 {
		t.Errorf("diff NEW OLD --fail-on-new critical exit code = %d, want 1; stderr:\n%s", res.code, res.stderr)
	}

	table := ownaudit(t, dir, "diff", a, b)
	if table.code != 0 {
		t.Fatalf("diff exit code = %d, want 0; stderr:\n%s", table.code, table.stderr)
	}
	for _, want := range []string{"new (1):", "firewall.admin_ports_open_to_internet", "resolved (1):", "iam.root_mfa_disabled", "1 new (1 failing), 0 changed, 1 resolved"} {
		if !strings.Contains(table.stdout, want) {
			t.Errorf("table diff does not contain %q:\n%s", want, table.stdout)
		}
	}
	t.Logf("ownaudit diff a.json b.json:\n%s", table.stdout)

	md := filepath.Join(dir, "diff.md")
	if res := ownaudit(t, dir, "diff", a, b, "--format", "markdown", "--output", md, "--quiet"); res.code != 0 {
		t.Fatalf("diff --format markdown exit code = %d, want 0; stderr:\n%s", res.code, res.stderr)
	}
	if got, err := os.ReadFile(md); err != nil || !strings.Contains(string(got), "## New (1)") {
		t.Errorf("markdown diff = %q (%v), want a New (1) section", got, err)
	}
}

func TestDiffBadInput(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	if res := ownaudit(t, dir, "scan", "--demo", "--output", good, "--quiet"); res.code != demoExit {
		t.Fatalf("scan --demo exit code = %d; stderr:\n%s", res.code, res.stderr)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"missing file", []string{good, filepath.Join(dir, "missing.json")}, "missing.json"},
		{"not JSON", []string{write("notes.txt", "handover notes"), good}, "not a findings document"},
		{"other JSON", []string{good, write("other.json", `{"kind": "inventory"}`)}, "not a findings document"},
		{"wrong format", []string{good, good, "--format", "html"}, `--format "html"`},
		{"wrong severity", []string{good, good, "--fail-on-new", "urgent"}, `--fail-on-new "urgent"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := ownaudit(t, dir, append([]string{"diff"}, tt.args...)...)
			if res.code != 2 {
				t.Errorf("exit code = %d, want 2; stderr:\n%s", res.code, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("stderr = %q, want it to contain %q", res.stderr, tt.wantErr)
			}
		})
	}
}
