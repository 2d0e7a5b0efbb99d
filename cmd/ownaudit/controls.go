package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/ownaudit/ownaudit/controls"
	"github.com/ownaudit/ownaudit/inventory"
	"github.com/ownaudit/ownaudit/rules"
	"github.com/spf13/cobra"
)

type controlsOptions struct {
	format string
	model  bool
}

func newControlsCmd(g *globalOptions) *cobra.Command {
	o := &controlsOptions{}
	cmd := &cobra.Command{
		Use:   "controls",
		Short: "List the control catalogue or the responsibility model",
		Long: `List every control ownaudit evaluates (id, domain, severity, resource types,
CIS references), followed by the ownership checks on the declaration itself.

With --model, print the responsibility model instead: for each resource type
and domain, whether only the customer side can act (customer-side), the
provider acts and the customer configures (shared), or the provider alone is
responsible (provider), with the provider document each cell comes from.`,
		Example: "  ownaudit controls\n  ownaudit controls --format markdown > controls.md\n  ownaudit controls --model",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			switch {
			case o.format != "table" && o.format != "json" && o.format != "markdown":
				return withCode(exitUsage, fmt.Errorf("--format %q: want table, json or markdown", o.format))
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
		fmt.Fprintln(tw, "ID\tDOMAIN\tSEVERITY\tCLOUDS\tTITLE")
		for _, c := range catalogue {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, c.Domain, c.Severity, clouds(c.ResourceTypes), c.Title)
		}
		for _, c := range ownership {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c.ID, "ownership", c.Severity, "all", c.Title)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "\n%d controls and %d ownership checks. Details: ownaudit controls --format markdown\n", len(catalogue), len(ownership))
		return nil
	}
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
