package gcp

import (
	"os/exec"
	"strings"
	"testing"
)

// TestOnlyThisPackageImportsGoogleClients lists every package of the
// module with its direct imports (tests' included) and fails when one
// other than this package imports a Google Cloud client: rules, reports
// and the simulator know the inventory or the wire, never an SDK type.
func TestOnlyThisPackageImportsGoogleClients(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}} {{join .TestImports " "}} {{join .XTestImports " "}}`,
		"github.com/ownaudit/ownaudit/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	const self = "github.com/ownaudit/ownaudit/scanners/gcp"
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 || fields[0] == self {
			continue
		}
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, "cloud.google.com/go") || strings.HasPrefix(imp, "google.golang.org/api") {
				t.Errorf("%s imports %s; only %s may", fields[0], imp, self)
			}
		}
	}
}
