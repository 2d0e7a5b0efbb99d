package controls

import (
	"slices"
	"strings"
	"testing"

	"github.com/ownaudit/ownaudit/inventory"
)

func TestCISData(t *testing.T) {
	rows, err := parseCIS(cisCSV)
	if err != nil {
		t.Fatalf("parseCIS(embedded) error: %v", err)
	}
	if len(rows) < 100 {
		t.Errorf("parseCIS(embedded) has %d rows, want the whole benchmark extract (>= 100)", len(rows))
	}
	for key, row := range rows {
		cloud := inventory.Cloud(row.Provider)
		if !slices.Contains(inventory.Clouds, cloud) {
			t.Errorf("%s %s: provider %q is not a cloud", key[0], key[1], row.Provider)
		}
		// Evaluate renders a reference only for resources of the cloud
		// its benchmark id names.
		if !slices.Contains(strings.Split(row.Benchmark, "_"), row.Provider) {
			t.Errorf("%s %s: benchmark does not name provider %q", key[0], key[1], row.Provider)
		}
		if !inventory.ValidDomain(inventory.Domain(row.Area)) {
			t.Errorf("%s %s: area %q is not a domain", key[0], key[1], row.Area)
		}
	}
}

func TestCISTitle(t *testing.T) {
	tests := []struct {
		benchmark, id string
		want          string
		wantOK        bool
	}{
		{"cis_7.0_aws", "2.4", "Ensure no 'root' user account access key exists", true},
		{"cis_7.0_aws", "2.14", `Ensure IAM policies that allow full "*:*" administrative privileges are not attached`, true},
		{"cis_5.0_azure", "9.3.6", "Ensure the 'Minimum TLS version' for storage accounts is set to 'Version 1.2'", true},
		{"cis_5.0_gcp", "1.5", "Ensure That There Are Only GCP-Managed Service Account Keys for Each Service Account", true},
		// The id exists, but in another benchmark.
		{"cis_5.0_gcp", "2.4", "", false},
		{"cis_7.0_aws", "99.1", "", false},
		{"cis_6.0_aws", "2.4", "", false},
		{"", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.benchmark+":"+tc.id, func(t *testing.T) {
			got, ok := CISTitle(tc.benchmark, tc.id)
			if got != tc.want || ok != tc.wantOK {
				t.Errorf("CISTitle(%q, %q) = %q, %v, want %q, %v", tc.benchmark, tc.id, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}

// TestCISReferences checks every reference of every control against the
// embedded benchmark extract.
func TestCISReferences(t *testing.T) {
	for _, c := range Controls() {
		t.Run(c.ID, func(t *testing.T) {
			clouds := map[inventory.Cloud]bool{}
			for _, typ := range c.ResourceTypes {
				clouds[inventory.Types[typ].Cloud] = true
			}
			seen := map[string]bool{}
			for _, ref := range c.References {
				if seen[ref.String()] {
					t.Errorf("reference %s listed twice", ref)
				}
				seen[ref.String()] = true
				title, ok := CISTitle(ref.Benchmark, ref.ID)
				if !ok {
					t.Errorf("reference %s is not in cis-controls.csv", ref)
					continue
				}
				if ref.Title != "" && ref.Title != title {
					t.Errorf("reference %s has title %q, want %q as in cis-controls.csv", ref, ref.Title, title)
				}
				// A reference to a benchmark of a cloud the control checks
				// no resource of would never reach a finding.
				row := cisRows()[[2]string{ref.Benchmark, ref.ID}]
				if !clouds[inventory.Cloud(row.Provider)] {
					t.Errorf("reference %s is for %s, but the control checks no %s resource type", ref, row.Provider, row.Provider)
				}
			}
		})
	}
}

func TestParseCISRejects(t *testing.T) {
	const header = "provider,benchmark,id,area,section,title,prowler_checks\n"
	tests := []struct {
		name, data, want string
	}{
		{"empty", "", "no header"},
		{"wrong header", "cloud,benchmark,id,area,section,title,prowler_checks\n", `column 1 is "cloud"`},
		{"short row", header + "aws,cis_7.0_aws,2.4\n", "wrong number of fields"},
		{"no title", header + "aws,cis_7.0_aws,2.4,iam,2 IAM,,\n", "line 2: benchmark, id and title are required"},
		{"duplicate", header + "aws,cis_7.0_aws,2.4,iam,2 IAM,A,\naws,cis_7.0_aws,2.4,iam,2 IAM,B,\n", "line 3: cis_7.0_aws 2.4 listed twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseCIS(tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("parseCIS() error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}
