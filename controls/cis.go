package controls

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"strings"
	"sync"
)

// cisCSV lists the CIS benchmark recommendations in the four domains, one
// row per (benchmark, id), with the Prowler checks that cover them. It is
// embedded so that `ownaudit controls` can print titles offline.
//
//go:embed cis-controls.csv
var cisCSV string

// cisRow is one recommendation of cis-controls.csv.
type cisRow struct {
	Provider  string
	Benchmark string
	ID        string
	Area      string
	Section   string
	Title     string
	// Prowler names the Prowler checks that cover the recommendation.
	Prowler []string
}

// cisColumns are the header fields cis-controls.csv must start with.
var cisColumns = []string{"provider", "benchmark", "id", "area", "section", "title", "prowler_checks"}

// parseCIS reads cis-controls.csv into rows keyed by benchmark and id.
func parseCIS(data string) (map[[2]string]cisRow, error) {
	r := csv.NewReader(strings.NewReader(data))
	r.FieldsPerRecord = len(cisColumns)
	records, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("parse cis-controls.csv: %w", err)
	}
	if len(records) == 0 {
		return nil, fmt.Errorf("parse cis-controls.csv: no header")
	}
	for i, name := range cisColumns {
		if records[0][i] != name {
			return nil, fmt.Errorf("parse cis-controls.csv: column %d is %q, want %q", i+1, records[0][i], name)
		}
	}
	rows := make(map[[2]string]cisRow, len(records)-1)
	for n, rec := range records[1:] {
		row := cisRow{Provider: rec[0], Benchmark: rec[1], ID: rec[2], Area: rec[3], Section: rec[4], Title: rec[5], Prowler: strings.Fields(rec[6])}
		if row.Benchmark == "" || row.ID == "" || row.Title == "" {
			return nil, fmt.Errorf("parse cis-controls.csv: line %d: benchmark, id and title are required", n+2)
		}
		key := [2]string{row.Benchmark, row.ID}
		if _, dup := rows[key]; dup {
			return nil, fmt.Errorf("parse cis-controls.csv: line %d: %s %s listed twice", n+2, row.Benchmark, row.ID)
		}
		rows[key] = row
	}
	return rows, nil
}

// cisRows parses the embedded CSV once, on first use. The CSV is fixed at
// build time and TestCISData proves it parses, so an error here is a build
// defect; it leaves the table empty rather than crashing a scan.
var cisRows = sync.OnceValue(func() map[[2]string]cisRow {
	rows, err := parseCIS(cisCSV)
	if err != nil {
		return nil
	}
	return rows
})

// CISTitle returns the title of recommendation id of a CIS benchmark
// (benchmark as in Reference, e.g. "cis_7.0_aws"), and whether it exists.
func CISTitle(benchmark, id string) (string, bool) {
	row, ok := cisRows()[[2]string{benchmark, id}]
	return row.Title, ok
}
