package gcp

import (
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/scanners"
)

// roleFile is the custom role the documentation tells users to grant.
const roleFile = "../../configs/gcp/ownaudit-viewer-role.yaml"

// readVerbs are the last words of GCP permissions that only read.
var readVerbs = []string{"get", "list", "getIamPolicy", "searchAllResources", "query"}

// TestViewerRoleGrantsExactlyWhatAScanUses scans an organization and a
// listed project with all four scanners, and compares the permissions of
// the requests the simulator answered with the shipped role: every one
// used is granted, every one granted is used, none is a wildcard or a
// write. On the way it checks that the scanner names each operation's
// permission as the simulator does.
func TestViewerRoleGrantsExactlyWhatAScanUses(t *testing.T) {
	doc, err := os.ReadFile(roleFile)
	if err != nil {
		t.Fatal(err)
	}
	var role struct {
		Title               string   `yaml:"title"`
		Description         string   `yaml:"description"`
		Stage               string   `yaml:"stage"`
		IncludedPermissions []string `yaml:"includedPermissions"`
	}
	if err := yaml.UnmarshalWithOptions(doc, &role, yaml.Strict()); err != nil {
		t.Fatal(err)
	}
	granted := map[string]bool{}
	for _, p := range role.IncludedPermissions {
		if strings.Contains(p, "*") {
			t.Errorf("the role grants a wildcard: %s", p)
		}
		if verb := p[strings.LastIndex(p, ".")+1:]; !slices.Contains(readVerbs, verb) {
			t.Errorf("the role grants %s, which is not a read", p)
		}
		if granted[p] {
			t.Errorf("the role lists %s twice", p)
		}
		granted[p] = true
	}

	srv, o := startSim(t, fullWorld(t))
	inv := scan(t, o, []scanners.Target{{Group: "organizations/123456789012"}, {ID: "acme-web"}})
	// A clean scan of a world with every kind reaches every call a scan
	// can make; an error entry would hide the calls after it.
	noErrors(t, inv)
	noWrites(t, srv)
	scannerPermission := map[string]string{}
	for _, op := range operations {
		scannerPermission[op.String()] = op.permission
	}
	used := map[string]bool{}
	for _, r := range srv.Requests() {
		if r.Permission == "" {
			t.Errorf("request %s has no permission", r.Action())
			continue
		}
		used[r.Permission] = true
		if p := scannerPermission[r.Action()]; p != r.Permission {
			t.Errorf("the scanner names %q for %s, the simulator %q", p, r.Action(), r.Permission)
		}
	}
	var missing, unused []string
	for p := range used {
		if !granted[p] {
			missing = append(missing, p)
		}
	}
	for p := range granted {
		if !used[p] {
			unused = append(unused, p)
		}
	}
	sort.Strings(missing)
	sort.Strings(unused)
	if len(missing) > 0 {
		t.Errorf("permissions used but not in %s: %v", roleFile, missing)
	}
	if len(unused) > 0 {
		t.Errorf("permissions in %s that no scan uses: %v", roleFile, unused)
	}
	if len(used) != len(operations) {
		t.Errorf("permissions used = %d, want one per operation the scanners know (%d)", len(used), len(operations))
	}
	if n := len(byType(inv, inventory.GCPProject)); n != 2 {
		t.Errorf("projects = %d, want the organization's 2 active ones", n)
	}
}
