package main

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
	"github.com/spf13/cobra"
)

// controlFormats are the formats controls writes.
var controlFormats = []string{"table", "json", "markdown"}

type controlsOptions struct {
	format string
	model  bool
}

func newControlsCmd(g *globalOptions) *cobra.Command {
	o := &controlsOptions{}
	cmd := &cobra.Command{
		Use:   "controls",
		Short: "List the control catalogue or the responsibility model",
		Long: `List every control ownaudit evaluates (id, domain, severity, clouds, CIS
references and title; --format markdown and json add the resource types and
the CIS titles), followed by the ownership checks on the declaration itself.

With --model, print the responsibility model instead: for each resource type
and domain, whether only the customer side can act (customer-side), the
provider acts and the customer configures (shared), or the provider alone is
responsible (provider), with the provider document each cell comes from.`,
		Example: "  ownaudit controls\n  ownaudit controls --format markdown > controls.md\n  ownaudit controls --model",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			switch {
			case !contains(controlFormats, o.format):
				return withCode(exitUsage, fmt.Errorf("--format %q: want %s", o.format, strings.Join(controlFormats, ", ")))
			case o.model:
				err = writeModel(g.stdout, o.format)
			default:
				err = writeControls(g.stdout, o.format)
			}
			return err
		},
	}
	cmd.Flags().StringVar(&o.format, "format", "table", "output format: table, json or markdown")
	cmd.Flags().BoolVar(&o.model, "model", false, "print the responsibility model (resource type x domain) instead of the controls")
	return cmd
}

// clouds returns the clouds a control's resource types belong to.
func clouds(types []string) string {
	seen := map[inventory.Cloud]bool{}
	for _, t := range types {
		seen[inventory.Types[t].Cloud] = true
	}
	var out []string
	for _, c := range inventory.Clouds {
		if seen[c] {
			out = append(out, string(c))
		}
	}
	return strings.Join(out, ",")
}

func refs(c *controls.Control) string {
	var out []string
	for _, r := range c.References {
		out = append(out, r.String())
	}
	return strings.Join(out, " ")
}

func writeControls(w io.Writer, format string) error {
	catalogue := controls.Controls()
	ownership := rules.OwnershipControls()
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(map[string]any{"controls": catalogue, "ownership": ownership})
	case "markdown":
		fmt.Fprintln(w, "| id | domain | severity | clouds | title | resource types | references |")
		fmt.Fprintln(w, "| --- | --- | --- | --- | --- | --- | --- |")
		for _, c := range catalogue {
			fmt.Fprintf(w, "| `%s` | %s | %s | %s | %s | %s | %s |\n", c.ID, c.Domain, c.Severity, clouds(c.ResourceTypes),
				c.Title, "`"+strings.Join(c.ResourceTypes, "`, `")+"`", refs(c))
		}
		for _, c := range ownership {
			fmt.Fprintf(w, "| `%s` | ownership | %s | all | %s | any | |\n", c.ID, c.Severity, c.Title)
		}
		// How each control reaches its verdict where that needs saying.
		first := true
		for _, c := range append(catalogue, ownership...) {
			if c.Notes == "" {
				continue
			}
			if first {
				fmt.Fprint(w, "\n## How verdicts are reached\n")
				first = false
			}
			fmt.Fprintf(w, "\n### `%s`\n\n%s\n", c.ID, c.Notes)
		}
		return nil
	default:
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tDOMAIN\tSEVERITY\tCLOUDS\tCIS\tTITLE")
		benchmarks := map[string]bool{}
		for _, c := range catalogue {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Domain, c.Severity, clouds(c.ResourceTypes), cisRefs(c, benchmarks), c.Title)
		}
		for _, c := range ownership {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, "ownership", c.Severity, "all", "-", c.Title)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%d controls and %d ownership checks. CIS: %s. Details: ownaudit controls --format markdown\n",
			len(catalogue), len(ownership), benchmarkNames(benchmarks))
		return nil
	}
}

// cisRefs renders a control's CIS references for the table, per
// benchmark, as "aws:6.2,6.3 gcp:3.6", noting each benchmark in seen.
func cisRefs(c *controls.Control, seen map[string]bool) string {
	var order []string
	ids := map[string][]string{}
	for _, r := range c.References {
		if _, ok := ids[r.Benchmark]; !ok {
			order = append(order, r.Benchmark)
		}
		ids[r.Benchmark] = append(ids[r.Benchmark], r.ID)
		seen[r.Benchmark] = true
	}
	if len(order) == 0 {
		return "-"
	}
	parts := make([]string, 0, len(order))
	for _, b := range order {
		parts = append(parts, benchmarkCloud(b)+":"+strings.Join(ids[b], ","))
	}
	return strings.Join(parts, " ")
}

// benchmarkCloud is the cloud a benchmark id such as "cis_7.0_aws" is for.
func benchmarkCloud(b string) string {
	return b[strings.LastIndex(b, "_")+1:]
}

// benchmarkNames names the benchmarks the table's CIS column abbreviates:
// "aws = CIS AWS Foundations Benchmark v7.0, ...".
func benchmarkNames(seen map[string]bool) string {
	var out []string
	for b := range seen {
		version := strings.TrimSuffix(strings.TrimPrefix(b, "cis_"), "_"+benchmarkCloud(b))
		out = append(out, fmt.Sprintf("%s = %s v%s", benchmarkCloud(b), cisTitles[benchmarkCloud(b)], version))
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// cisTitles are the CIS benchmarks' titles by cloud.
var cisTitles = map[string]string{
	"aws":   "CIS Amazon Web Services Foundations Benchmark",
	"azure": "CIS Microsoft Azure Foundations Benchmark",
	"gcp":   "CIS Google Cloud Platform Foundation Benchmark",
}

func writeModel(w io.Writer, format string) error {
	cells := controls.Model()
	switch format {
	case "markdown":
		return controls.WriteModelMarkdown(w)
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(cells)
	}
	// One row per resource type, one column per domain; sources numbered
	// below so the matrix stays narrow.
	byType := map[string]map[inventory.Domain]string{}
	var types []string
	var sources []string
	sourceNo := map[string]int{}
	for _, c := range cells {
		if byType[c.Type] == nil {
			byType[c.Type] = map[inventory.Domain]string{}
			types = append(types, c.Type)
		}
		key := c.Source.Title + " <" + c.Source.URL + ">"
		if _, ok := sourceNo[key]; !ok {
			sources = append(sources, key)
			sourceNo[key] = len(sources)
		}
		byType[c.Type][c.Domain] = fmt.Sprintf("%s [%d]", c.Kind, sourceNo[key])
	}
	cell := func(t string, d inventory.Domain) string {
		if v, ok := byType[t][d]; ok {
			return v
		}
		return "-"
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RESOURCE TYPE\tFIREWALL\tPATCHING\tENCRYPTION\tIAM")
	for _, t := range types {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t, cell(t, inventory.Firewall), cell(t, inventory.Patching), cell(t, inventory.Encryption), cell(t, inventory.IAM))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\ncustomer-side: only the customer or its MSP can act; shared: the provider acts, the customer side configures; provider: the provider alone.")
	fmt.Fprintln(w, "Sources:")
	for i, s := range sources {
		fmt.Fprintf(w, "  [%d] %s\n", i+1, s)
	}
	return nil
}
